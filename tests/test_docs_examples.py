"""Every `scaffold` command written in README.md and docs/*.md works as written.

Synopsis lines (with `[..]` or `|`) are checked flag by flag against the parser; concrete
examples run in-process in a copy of a fixture prepared as the example expects (a project
scaffolded already for `upgrade` and `check`, a hand-written Dockerfile for `adopt`) and must
end in 0 or 1, never in a usage or input error. Those that need Docker or the network
(`verify`, `catalog add URL`, a catalog's template) are parsed only.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import List, Tuple

import pytest

from tests.helpers import ROOT, copy_fixture, scaffold

BLOCK = re.compile(r"^```(sh|bash|shell|console|)\n(.*?)^```", re.S | re.M)
FLAG = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")
#: a hand-written Dockerfile for `adopt` examples
HAND_WRITTEN = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/app .\nEXPOSE 8080\n" \
               "CMD [\"/usr/local/bin/app\"]\n"


def _parser():
    from generator.cli import build_parser

    return build_parser()


def _commands() -> List[str]:
    return list(_subparsers(_parser()))


def _subparsers(parser) -> dict:
    import argparse

    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    return action.choices


def examples() -> List[Tuple[str, str]]:
    """(where, command line) of every `scaffold COMMAND ...` line in a shell block of the docs."""
    found = []
    commands = set(_commands())
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in BLOCK.finditer(path.read_text(encoding="utf-8")):
            for line in block.group(2).splitlines():
                if block.group(1) == "console" and not line.startswith("$ "):
                    continue  # a transcript: the rest is output
                text = re.sub(r"(\s+#|\s{3,}).*$", "", line.strip().lstrip("$").strip())  # its comment
                if found and line.startswith(" ") and text.startswith("[") and _synopsis(found[-1][1]):
                    found[-1] = (found[-1][0], f"{found[-1][1]} {text}")  # a synopsis continued
                    continue
                words = text.split()
                if len(words) > 1 and words[0] == "scaffold" and words[1] in commands:
                    found.append((path.relative_to(ROOT).as_posix(), text))
    return found


#: a placeholder the reader fills in (PATH, CATALOG/TEMPLATE, IMAGE)
PLACEHOLDER = re.compile(r"(?<![\w-])[A-Z][A-Z_]{2,}(?![\w])")


def _synopsis(text: str) -> bool:
    return "[" in text or "|" in text or bool(PLACEHOLDER.search(text))


def _subparser(words: List[str]):
    parser = _subparsers(_parser())[words[1]]
    if len(words) > 2 and words[2] in _optional_subparsers(parser):
        return _subparsers(parser)[words[2]]
    return parser


def _optional_subparsers(parser) -> dict:
    try:
        return _subparsers(parser)
    except StopIteration:
        return {}


@pytest.mark.parametrize("where, text", [e for e in examples() if _synopsis(e[1])])
def test_a_synopsis_names_only_flags_the_command_has(where, text):
    parser = _subparser(text.split())
    known = {option for action in parser._actions for option in action.option_strings}  # noqa: SLF001
    unknown = [flag for flag in FLAG.findall(text) if flag not in known]
    assert not unknown, f"{where}: `{text}` names {', '.join(unknown)}, which `scaffold {text.split()[1]}` lacks"


def _parse_only(words: List[str]) -> bool:
    """Needs Docker or the network (or a catalog registered beforehand)."""
    return words[1] == "verify" or words[1:3] == ["catalog", "add"] or \
        any(word == "--template" and not words[i + 1].startswith("builtin/") for i, word in enumerate(words[:-1]))


def _prepare(project: Path, words: List[str]) -> None:
    if words[1] in ("upgrade", "check"):
        assert scaffold("new", "--yes", str(project)).returncode == 0
    if words[1] == "adopt":
        (project / "Dockerfile").write_text(HAND_WRITTEN)
    for word in words[2:]:
        if not word.startswith("-") and word.rsplit("/", 1)[-1].startswith("Dockerfile") and "/" in word:
            (project / word).parent.mkdir(parents=True, exist_ok=True)
            (project / word).write_text((project / "Dockerfile").read_text())


@pytest.mark.parametrize("where, text", [e for e in examples() if not _synopsis(e[1])])
def test_an_example_runs_as_written(where, text, tmp_path):
    words = shlex.split(text.split(" > ")[0])
    try:
        _parser().parse_args(words[1:])
    except SystemExit as exit_:
        pytest.fail(f"{where}: `{text}` does not parse (exit {exit_.code})")
    if _parse_only(words):
        return
    if words[1] == "detect":  # writes nothing; its examples name the repository's fixtures
        result = scaffold(*words[1:], cwd=ROOT)
    else:
        project = copy_fixture("python/django" if "python" in text.lower() else "go/root", tmp_path)
        _prepare(project, words)
        result = scaffold(*words[1:], cwd=project)
    assert result.returncode in (0, 1), f"{where}: `{text}` exited {result.returncode}: {result.stderr[-600:]}"
