"""The folders an app writes, read from its code and settings: one table entry per way of naming one.

A SQLite file, an upload folder, a data folder created at start, a log file: each breaks on
a read-only root unless its folder is writable. The table says, per language, which files
to read (each language lists its own: `Language.state_patterns`), the pattern (its `path` group is what the program names), whether that is a file
(its folder is what must be writable) and whether it is kept (`data`) or may be lost
(`writable`). Values are untrusted: they become answers only through the answers' parser.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath
from typing import Dict, Iterable, List, Optional, Tuple

from generator.detect.model import AppCandidate, Evidence, excerpt
from generator.detect.walker import Repo
from generator.state.patterns import StatePattern

#: files read per app at most, and folders kept per fact
MAX_FILES = 400
MAX_PATHS = 8
#: folders whose files are not the app's own code (tests, dependencies, environments)
SKIPPED_DIRS = frozenset({"test", "tests", "testdata", "vendor", "node_modules", ".venv", "venv", "docs", "examples"})


def detect_paths(repo: Repo, app: AppCandidate) -> None:
    """Set `data` and `writable` on `app` from what its files name (each with its first evidence)."""
    from generator.languages import by_name

    patterns = by_name(app.language).state_patterns()
    if not patterns:
        return
    found: Dict[str, List[str]] = {"data": [], "writable": []}
    evidence: Dict[str, Evidence] = {}
    for rel in _source_files(repo, app.root, patterns):
        mine = [entry for entry in patterns if _matches(rel, entry.files)]  # the file's name decides, once
        text = repo.read_text(rel) or "" if mine else ""
        for number, line in enumerate(text.splitlines(), 1):
            for entry in mine:
                match = entry.pattern.search(line)
                folder = _folder(repo, rel, entry, match, number, app.root) if match else None
                if folder and folder not in found[entry.kind] and len(found[entry.kind]) < MAX_PATHS:
                    found[entry.kind].append(folder)
                    evidence.setdefault(entry.kind, Evidence(rel, number, excerpt(line.strip())))
    for kind, folders in found.items():
        kept = [f for f in folders if kind == "data" or f not in found["data"]]
        if kept:
            app.set(kind, kept, evidence[kind])


def _source_files(repo: Repo, root: str, patterns: Tuple[StatePattern, ...]) -> List[str]:
    globs = {glob for entry in patterns for glob in entry.files}
    files = [rel for rel in repo.files(root) if _matches(rel, globs) and not rel.endswith("_test.go")
             and not SKIPPED_DIRS.intersection(rel.split("/")[:-1])]
    return files[:MAX_FILES]


def _matches(rel: str, globs: Iterable[str]) -> bool:
    return any(PurePosixPath(rel).match(glob) for glob in globs)


def _folder(repo: Repo, rel: str, entry: StatePattern, match: "re.Match[str]", line: int,
            root: str = ".") -> Optional[str]:
    """The folder the program writes, as written (relative: the app's working directory), or None."""
    if entry.fixed:
        return entry.fixed
    path = match.group("path")
    if _in_memory(match):
        return None  # an in-memory SQLite database: no file, nothing kept
    if any(mark in path for mark in ("${", "%", "~", "\\", "{")):
        return None  # a placeholder or expression: nothing to read
    base = match.groupdict().get("base")
    if base:
        where = _base_folder(repo.read_text(rel) or "", rel, base, root)
        if where is None:
            return None  # a folder variable made some other way: nothing to read
        path = posixpath.join(where, path)
    folder = posixpath.normpath(posixpath.dirname(path) if entry.is_file else path)
    if folder in (".", "") or folder.startswith(".."):
        where = "in the app's own folder" if folder in (".", "") else "outside the app's folder"
        repo.warn(rel, f"line {line}: {entry.what} {where} cannot be written on a read-only root; put it in a "
                       "folder of its own inside the app's (data/) and pass --data data")
        return None
    if folder == "/" or folder == "/tmp" or folder.startswith("/tmp/"):
        return None  # the root is no folder of its own; /tmp is writable already
    return folder


#: the query of a SQLite URI that keeps the database in memory (`file:cache?mode=memory&cache=shared`)
_MEMORY_QUERY = re.compile(r"\?[^\"'\s]*\bmode=memory\b")


def _in_memory(match: "re.Match[str]") -> bool:
    """Whether the path names SQLite's in-memory database: `:memory:` (SQLAlchemy's sqlite:///:memory:,
    `file::memory:?cache=shared`, jdbc:sqlite::memory:) or a URI whose query says mode=memory."""
    return match.group("path").startswith(":memory:") or bool(_MEMORY_QUERY.match(match.string, match.end("path")))


#: `NAME = <expression>` at the start of a line of settings
_ASSIGNED = r"^{name}\s*=\s*(?P<value>.+)$"
#: how many folders up an expression goes: `os.path.dirname(`, `.parent`
_UP = re.compile(r"\bdirname\(|\.parent\b")
_OTHER_DIR = re.compile(r"\b([A-Z][A-Z0-9_]{0,40}_DIR)\b")


def _base_folder(text: str, rel: str, name: str, root: str, depth: int = 0) -> Optional[str]:
    """The folder a settings variable names, relative to the app's root: one made from `__file__`
    (`os.path.dirname(os.path.dirname(os.path.abspath(__file__)))`, `Path(__file__).resolve().parent.parent`)
    or from another such variable (`os.path.dirname(PROJECT_DIR)`); the app's root when the file does not
    define it (Django's BASE_DIR imported from elsewhere); None when it is made some other way."""
    found = re.search(_ASSIGNED.format(name=re.escape(name)), text, re.M)
    if found is None:
        return ""
    value = found.group("value")
    ups = len(_UP.findall(value))
    if "__file__" in value:
        folder = rel
    else:
        other = _OTHER_DIR.search(value)
        if other is None or other.group(1) == name or depth > 3:
            return None
        start = _base_folder(text, rel, other.group(1), root, depth + 1)
        if start is None:
            return None
        folder, ups = posixpath.join(root, start, "_"), ups + 1  # the "_" stands for a file in that folder
    for _ in range(ups):
        folder = posixpath.dirname(folder)
    relative = posixpath.relpath(posixpath.normpath(folder or "."), posixpath.normpath(root or "."))
    return "" if relative == "." else relative
