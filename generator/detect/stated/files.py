"""Reading the stating files: bounded, link-safe (through `Repo`), parsed without executing anything.

A file larger than `MAX_BYTES` is not read at all (a truncated YAML or TOML would say
something else than the file), binary data is refused, and YAML goes through PyYAML's
safe loader with a cap on aliases, so that a "billion laughs" document is refused
instead of being walked. Every refusal is a notice on the file, never a traceback.
"""

from __future__ import annotations

import os
import posixpath
import weakref
from typing import Any, Dict, List, Optional

from generator.detect.model import Evidence, excerpt
from generator.detect.walker import Repo, normalize

#: the largest stating file read (a Dockerfile, a manifest, a compose file: far smaller in practice)
MAX_BYTES = 256 << 10
#: YAML aliases accepted in one file (a compose file uses a few; a bomb uses thousands)
MAX_ALIASES = 64


#: directories the listing skips that hold a project's packaging (`build/package/Dockerfile`)
PACKAGING_DIRS = ("build",)
#: how deep and how many entries of a packaging directory are looked at
PACKAGING_DEPTH = 3
PACKAGING_ENTRIES = 200


def text(repo: Repo, rel: str) -> Optional[str]:
    """The file's text, or None (with a notice) when it is too large or binary. A file the listing skips
    (under `build/`) is read only through `Repo.read_unlisted`: no link on any component."""
    listed = repo.is_file(rel)
    try:
        size = os.stat(repo.root / rel).st_size  # listed by `repo` (inside the root) or checked below
    except OSError:
        return None
    if size > MAX_BYTES:
        repo.warn(rel, f"larger than {MAX_BYTES >> 10} KiB: not read")
        return None
    data = repo.read_text(rel, limit=MAX_BYTES) if listed else repo.read_unlisted(rel, limit=MAX_BYTES)
    if data is not None and "\0" in data:
        repo.warn(rel, "binary data: not read")
        return None
    return data


#: parsed YAML per repository and file: every app's readers ask for the same manifests
_PARSED: "weakref.WeakKeyDictionary[Repo, Dict[str, List[Any]]]" = weakref.WeakKeyDictionary()


def yaml_documents(repo: Repo, rel: str) -> List[Any]:
    """Every YAML document of the file as plain data ([] with a notice when it is refused or malformed);
    parsed once per repository."""
    parsed = _PARSED.setdefault(repo, {})
    if rel not in parsed:
        parsed[rel] = _yaml_documents(repo, rel)
    return parsed[rel]


def _yaml_documents(repo: Repo, rel: str) -> List[Any]:
    source = text(repo, rel)
    if source is None:
        return []
    import yaml

    class Bounded(yaml.SafeLoader):
        """The safe loader, counting aliases: a document that repeats itself exponentially is refused."""

        aliases = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > MAX_ALIASES:
                    raise yaml.YAMLError(f"more than {MAX_ALIASES} aliases")
            return super().compose_node(parent, index)

    try:
        return [document for document in yaml.load_all(source, Loader=Bounded) if document is not None]
    except (yaml.YAMLError, RecursionError) as error:  # the composer recurses per nesting level
        reason = getattr(error, "problem", None) or str(error) or type(error).__name__
        repo.warn(rel, f"malformed YAML, ignored ({reason})")
    return []


def toml(repo: Repo, rel: str) -> Any:
    """Parsed TOML, or None (too large, binary or malformed: a notice)."""
    return repo.load_toml(rel) if text(repo, rel) is not None else None


def json_data(repo: Repo, rel: str) -> Any:
    """Parsed JSON, or None (too large, binary or malformed: a notice)."""
    import json

    source = text(repo, rel)
    if source is None:
        return None
    try:
        return json.loads(source)
    except (ValueError, RecursionError) as error:
        repo.warn(rel, f"malformed JSON, ignored ({type(error).__name__})")
    return None


def evidence(repo: Repo, rel: str, needle: Any) -> Evidence:
    """The first line of `rel` holding `needle` (a value read from it), or the file."""
    wanted = str(needle).strip()
    for number, line in enumerate(repo.lines(rel), start=1):
        if wanted and wanted in line:
            return Evidence(rel, number, excerpt(line))
    return Evidence(rel)


def joined(directory: str, path: str) -> Optional[str]:
    """`path` (relative to `directory`, both inside the repository) as a repository path; None when it
    climbs out of the repository or is absolute."""
    if not isinstance(path, str) or path.startswith("/") or "\\" in path:
        return None
    result = posixpath.normpath(posixpath.join("" if directory == "." else directory, path))
    if result == ".." or result.startswith("../"):
        return None
    return normalize(result)


def inside(path: str, root: str) -> bool:
    """Whether the repository path `path` is `root` or below it."""
    return root == "." or path == root or path.startswith(root + "/")


def owner(path: str, root: str, others: Any) -> bool:
    """Whether `path` belongs to the app at `root`: inside it, and not inside another app deeper in it."""
    return inside(path, root) and not any(
        other != root and inside(other, root) and inside(path, other) for other in others)


def packaging_files(repo: Repo, root: str) -> List[str]:
    """The regular files below the app's packaging directories that the listing skips (`build/`), as
    repository paths: a bounded walk that never follows a link."""
    import stat

    found: List[str] = []
    stack = [(normalize(f"{root}/{name}"), 1) for name in PACKAGING_DIRS]
    visited = 0
    while stack and visited < PACKAGING_ENTRIES:
        rel, depth = stack.pop()
        try:
            mode = os.lstat(repo.root / rel).st_mode
            if not stat.S_ISDIR(mode):
                continue
            with os.scandir(repo.root / rel) as entries:
                children = sorted(entries, key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in children[:PACKAGING_ENTRIES]:
            visited += 1
            child = f"{rel}/{entry.name}"
            if entry.is_dir(follow_symlinks=False) and depth < PACKAGING_DEPTH:
                stack.append((child, depth + 1))
            elif entry.is_file(follow_symlinks=False):
                found.append(child)
    return sorted(found)
