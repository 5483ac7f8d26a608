"""What the flags of a repository's `go build` state: build tags and `-ldflags -X` settings.

Only literal values are kept: a tag list or an `-X` setting holding a variable
(`$(VERSION)`, `${REV}`, `{{ .Version }}`) is release stamping the image cannot
reproduce, and the other linker flags change how the binary links, which the template
decides. A tag that only compiles with cgo (a file of the app built under it imports
"C") is dropped with a note: the static build would leave that file out and fail. The
answers' own parsers then validate what is kept, like any flag.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Sequence, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from generator.detect.walker import Repo

#: what may hold a value the build computes: the setting is then not a plain one
DYNAMIC = re.compile(r"[$`{}]")
#: a build constraint line (`//go:build pam`, `// +build pam`)
CONSTRAINT = re.compile(r"^//(?:go:build|\s*\+build)\s+(.*)$", re.M)
CGO_IMPORT = re.compile(r'^import\s+"C"|^\s*"C"\s*$', re.M)
#: the most .go files read to check the tags against
MAX_FILES = 2000


def build_answers(flags: Sequence[str], repo: "Repo", root: str) -> Tuple[Dict[str, Any], List[str]]:
    """`tags` and `ldflags` (the `-X` settings) of one `go build`'s flags, and notes on what is dropped."""
    answers: Dict[str, Any] = {}
    notes: List[str] = []
    for name, value in _options(list(flags)):
        if name == "tags" and "tags" not in answers and not DYNAMIC.search(value):
            tags, dropped = _static(value.replace(",", " ").split(), repo, root)
            notes += dropped
            if tags:
                answers["tags"] = tags
        elif name == "ldflags":
            settings = _settings(value)
            if settings:
                answers["ldflags"] = answers.get("ldflags", []) + settings
    return answers, notes


def _options(words: List[str]) -> Iterator[Tuple[str, str]]:
    """(`tags` | `ldflags`, value) of `-tags x`, `-tags=x`, `--ldflags "..."`."""
    for index, word in enumerate(words):
        name, equals, value = word.lstrip("-").partition("=")
        if not word.startswith("-") or name not in ("tags", "ldflags"):
            continue
        if equals:
            yield name, value
        elif index + 1 < len(words):
            yield name, words[index + 1]


def _settings(value: str) -> List[str]:
    """The `-X name=value` settings with a plain value; the other linker flags are the template's."""
    from generator import shellwords

    words = [shellwords.unquote(word) for word in shellwords.scan(value).words()]
    settings = []
    for index, word in enumerate(words):
        setting = words[index + 1] if word == "-X" and index + 1 < len(words) else word[3:] \
            if word.startswith("-X=") else ""
        if "=" in setting and not DYNAMIC.search(setting):
            settings.append(setting)
    return settings


def _static(tags: List[str], repo: "Repo", root: str) -> Tuple[List[str], List[str]]:
    """The tags that build without cgo (no file of the app under a constraint naming one imports "C"), and a
    note for each other."""
    kept, notes = list(tags), []
    sources = [rel for rel in repo.files() if rel.endswith(".go") and (root == "." or rel.startswith(root + "/"))]
    for rel in sources[:MAX_FILES]:
        if not kept:
            break
        code = repo.read_text(rel) or ""
        constraints = " ".join(CONSTRAINT.findall(code)) if CGO_IMPORT.search(code) else ""
        for tag in [tag for tag in kept if re.search(r"(?<![\w.])" + re.escape(tag) + r"(?![\w.])", constraints)]:
            notes.append(f"build tag {tag} not used: {rel}, built under it, needs cgo, which the static build "
                         "leaves out")
            kept.remove(tag)
    return kept, notes
