"""The flags of the app's own build command, as the repository states them: `<tool> build FLAGS` in a
Dockerfile's RUN or a Makefile recipe, and a release tool's build entry (goreleaser's `builds:`).

Nothing is run: the command line is cut into words and commands (generator.shellwords),
and the language says what its build flags mean (`Language.build_answers`: Go's build
tags and `-X` settings), keeping only plain values; each becomes a statement that
validation then checks like any flag.
"""

from __future__ import annotations

from typing import Any, List

from generator.detect.model import Evidence
from generator.detect.stated import Statement, Target


def command(target: Target, line: str, evidence: Evidence, source: str) -> List[Statement]:
    """What the build commands (`<tool> build ...`, the tool named like the language) in one shell line state."""
    from generator import shellwords

    tool = target.language.name
    if f"{tool} build" not in line:
        return []
    found: List[Statement] = []
    for words, _ in shellwords.scan(line).commands():
        words = [shellwords.unquote(word) for word in words]
        while words and "=" in words[0] and not words[0].startswith("-"):
            words = words[1:]  # CGO_ENABLED=0 <tool> build
        if words[:2] == [tool, "build"]:
            found += _statements(target, words[2:], evidence, source)
    return found


def release_build(target: Target, spec: Any, evidence: Evidence, source: str) -> List[Statement]:
    """A goreleaser build entry: its `flags`, `tags` and `ldflags` (as given), read as the build command's flags."""
    if not isinstance(spec, dict):
        return []
    flags = [str(flag) for flag in _listed(spec.get("flags"))]
    tags = _listed(spec.get("tags"))
    if tags:
        flags += ["-tags", " ".join(str(tag) for tag in tags)]
    for value in _listed(spec.get("ldflags")):
        flags += ["-ldflags", str(value)]
    return _statements(target, flags, evidence, source)


def _listed(value: Any) -> List[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _statements(target: Target, flags: List[str], evidence: Evidence, source: str) -> List[Statement]:
    answers, notes = target.language.build_answers(flags, target.repo, target.root)
    for note in notes:
        target.warn(evidence, note)
    return [Statement(key, value, evidence, source) for key, value in answers.items()]
