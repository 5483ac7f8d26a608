"""A safe, bounded view of an untrusted repository.

Detection never opens a path itself: it asks a `Repo`, which lists the tree once
(skipping VCS, dependency and build-output directories, never following a symlink
out of the root), caps how many files it lists and how many bytes it reads, and
turns unreadable or malformed files into warnings instead of tracebacks.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from generator.detect.model import Evidence, Notice, excerpt

#: directories never descended into: VCS data, dependencies, virtualenvs, build outputs, caches
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "vendor", "venv", ".venv", "env", ".env",
        "virtualenv", ".tox", ".nox", "__pycache__", ".mypy_cache", ".pytest_cache",
        ".ruff_cache", "target", "build", "dist", ".gradle", ".idea", ".vscode",
        ".scaffold", "site-packages", ".eggs",
    }
)
#: files listed at most; a larger tree is truncated with a warning
MAX_FILES = 200_000
#: bytes read from any one file
MAX_READ_BYTES = 1 << 20
#: texts up to this size are cached (manifests are read by several steps; sources once)
MAX_CACHED_BYTES = 64 << 10
#: directory depth walked at most
MAX_DEPTH = 12


class Repo:
    """The repository being scanned, rooted at `root` (resolved)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.notices: List[Notice] = []
        #: why nothing was found, when a language can tell (part of the "nothing found" error)
        self.hints: List[str] = []
        self._noticed: Set[Notice] = set()
        self._files: Optional[List[str]] = None
        self._dirs: Optional[List[str]] = None
        self._text_cache: Dict[str, Optional[str]] = {}

    # -- listing ---------------------------------------------------------------

    def _walk(self) -> None:
        files: List[str] = []
        dirs: List[str] = ["."]
        stack: List[Tuple[str, int]] = [("", 0)]
        truncated = False
        while stack:
            rel_dir, depth = stack.pop()
            try:
                with os.scandir(self.root / rel_dir if rel_dir else self.root) as entries:
                    children = sorted(entries, key=lambda e: e.name)
            except OSError:
                continue
            for entry in children:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name in SKIPPED_DIRS or depth + 1 > MAX_DEPTH:
                            continue
                        dirs.append(rel)
                        stack.append((rel, depth + 1))
                    elif entry.is_file(follow_symlinks=False):
                        files.append(rel)
                    elif entry.is_symlink() and self._inside(rel):
                        files.append(rel)  # a link to a file that stays in the tree
                except OSError:
                    continue
                if len(files) >= MAX_FILES:
                    truncated = True
                    stack.clear()
                    break
        if truncated:
            self.warn(".", f"more than {MAX_FILES} files; the rest were not scanned")
        files.sort()
        dirs.sort()
        self._files, self._dirs = files, dirs

    def _inside(self, rel: str) -> bool:
        """True when `rel` resolves to a regular file inside the root (symlinks included)."""
        try:
            target = (self.root / rel).resolve()
            target.relative_to(self.root)
            return stat.S_ISREG(target.stat().st_mode)
        except (OSError, ValueError, RuntimeError):
            return False

    def files(self, under: str = ".") -> List[str]:
        """Every listed file (POSIX, relative to the root), optionally below `under`."""
        if self._files is None:
            self._walk()
        assert self._files is not None
        if under in ("", "."):
            return self._files
        # the list is sorted, so the paths below a directory are one contiguous slice
        prefix = normalize(under) + "/"
        start = bisect.bisect_left(self._files, prefix)
        end = bisect.bisect_left(self._files, prefix[:-1] + chr(ord("/") + 1), lo=start)
        return self._files[start:end]

    def dirs(self) -> List[str]:
        if self._dirs is None:
            self._walk()
        assert self._dirs is not None
        return self._dirs

    def glob(self, pattern: str, under: str = ".") -> List[str]:
        """Listed files whose path below `under` matches a glob (PurePosixPath.match rules)."""
        base = "" if under in ("", ".") else under.rstrip("/") + "/"
        return [f for f in self.files(under) if PurePosixPath(f[len(base):]).match(pattern)]

    def exists(self, rel: str) -> bool:
        return self.is_file(rel) or self.is_dir(rel)

    def is_file(self, rel: str) -> bool:
        rel = normalize(rel)
        return rel in self._file_set()

    def is_dir(self, rel: str) -> bool:
        """True for a listed (not skipped) directory, or one we skip but which exists."""
        rel = normalize(rel)
        if rel in self._dir_set():
            return True
        path = self.root / rel
        return path.is_dir() and not path.is_symlink() and self._contains(path)

    def _file_set(self) -> frozenset:
        if not hasattr(self, "_fs"):
            self._fs = frozenset(self.files())
        return self._fs

    def _dir_set(self) -> frozenset:
        if not hasattr(self, "_ds"):
            self._ds = frozenset(self.dirs())
        return self._ds

    def _contains(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.root)
            return True
        except (OSError, ValueError, RuntimeError):
            return False

    # -- reading ---------------------------------------------------------------

    def read_text(self, rel: str, limit: int = MAX_READ_BYTES) -> Optional[str]:
        """The file's text (at most `limit` bytes, undecodable bytes replaced), or None."""
        rel = normalize(rel)
        key = f"{rel}\0{limit}"
        if key in self._text_cache:
            return self._text_cache[key]
        text: Optional[str] = None
        if self.is_file(rel):
            try:
                with open(self.root / rel, "rb") as handle:
                    data = handle.read(limit)
                text = data.decode("utf-8", errors="replace")
            except OSError as error:
                self.warn(rel, f"cannot be read ({error.strerror or error})")
        if text is None or len(text) <= MAX_CACHED_BYTES:
            self._text_cache[key] = text
        return text

    def read_unlisted(self, rel: str, limit: int = MAX_READ_BYTES) -> Optional[str]:
        """A file the listing skips because of its directory (`vendor/modules.txt`), or None.

        Read only when every component of its path is a real directory (no symbolic link)
        inside the root and the file itself is a regular file: the skipped trees are never
        walked, so this is the one way into them.
        """
        path = self.root
        parts = normalize(rel).split("/")
        if parts == ["."] or ".." in parts:
            return None
        try:
            for index, part in enumerate(parts):
                path = path / part
                mode = os.lstat(path).st_mode
                last = index == len(parts) - 1
                if stat.S_ISLNK(mode) or not (stat.S_ISREG(mode) if last else stat.S_ISDIR(mode)):
                    return None
            with open(path, "rb") as handle:
                return handle.read(limit).decode("utf-8", errors="replace")
        except OSError:
            return None

    def lines(self, rel: str) -> List[str]:
        text = self.read_text(rel)
        return text.splitlines() if text is not None else []

    def find_line(self, rel: str, pattern: "re.Pattern[str]") -> Optional[Tuple[re.Match, Evidence]]:
        """The first line of `rel` matching `pattern`, with its evidence."""
        for number, line in enumerate(self.lines(rel), start=1):
            match = pattern.search(line)
            if match:
                return match, Evidence(rel, number, excerpt(line))
        return None

    def evidence_for(self, rel: str, needle: str) -> Evidence:
        """Evidence pointing at the first line of `rel` containing `needle` (or the file)."""
        for number, line in enumerate(self.lines(rel), start=1):
            if needle in line:
                return Evidence(rel, number, excerpt(line))
        return Evidence(rel)

    def load_toml(self, rel: str) -> Optional[Dict[str, Any]]:
        """Parsed TOML, or None with a warning naming the file when it is malformed."""
        text = self.read_text(rel)
        if text is None:
            return None
        from generator._toml import loads

        try:
            return loads(text)
        except ValueError as error:
            self.warn(rel, f"malformed TOML, ignored ({error})")
        except RecursionError:  # tomllib recurses once per nesting level
            self.warn(rel, "malformed TOML, ignored (nested too deeply)")
        return None

    def load_xml(self, rel: str) -> Optional[Any]:
        """Parsed XML root element (external entities and DTDs refused), or None with a warning."""
        text = self.read_text(rel)
        if text is None:
            return None
        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import ParseError, fromstring

        try:
            return fromstring(text.encode("utf-8"), forbid_dtd=True)
        except DefusedXmlException as error:
            self.warn(rel, f"refused: {type(error).__name__} (DTDs and entities are not allowed)")
        except ParseError as error:
            self.warn(rel, f"malformed XML, ignored ({error})")
        return None

    # -- warnings --------------------------------------------------------------

    def hint(self, message: str) -> None:
        """Say why this repository has no app of a language although it looks like one (go.mod missing)."""
        text = "".join(ch if ch.isprintable() else "?" for ch in message.strip())[:400]
        if text not in self.hints:
            self.hints.append(text)

    def warn(self, rel: str, message: str) -> None:
        notice = Notice(rel, excerpt(message))
        if notice not in self._noticed:
            self._noticed.add(notice)
            self.notices.append(notice)


def normalize(rel: str) -> str:
    """A POSIX path relative to the root, without "./" or trailing slashes ("." for the root)."""
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts) or "."


def parent_dir(rel: str) -> str:
    """The directory holding `rel`, "." at the root (string operations: it runs per file)."""
    parent = rel.rstrip("/").rpartition("/")[0]
    return parent if parent not in ("", ".") else "."


def iter_dirs_up(rel_dir: str) -> Iterator[str]:
    """`rel_dir` and each of its ancestors up to and including the root "."."""
    current = normalize(rel_dir)
    while True:
        yield current
        if current == ".":
            return
        current = parent_dir(current)
