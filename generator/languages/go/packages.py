"""The folders of a Go program's own packages, for telling a module's programs apart.

A module may hold a server and its command-line tools; a UI the server embeds is the
server's, not theirs. Only import blocks are read (they come before any declaration),
and only the module's own import paths are followed.
"""

from __future__ import annotations

import posixpath
import re
from typing import Dict, List, Set

from generator.detect.walker import Repo

#: a quoted import path in a Go file's import block
_GO_IMPORT = re.compile(r'"([A-Za-z0-9._~/-]{1,300})"')


def program_folders(repo: Repo, root: str, package: str) -> Set[str]:
    """The folders of the Go packages the program in `package` builds from: its own and those of its module
    it imports, followed through their imports (files read: bounded by the walker's own limits)."""
    module_lines = repo.lines(posixpath.join(root, "go.mod") if root != "." else "go.mod")
    module = next((line.split()[1] for line in module_lines if line.startswith("module ") and len(line.split()) > 1), "")
    imports: Dict[str, Set[str]] = {}
    for rel in repo.files(root):
        if rel.endswith(".go") and not rel.endswith("_test.go"):
            folder = posixpath.dirname(rel) or "."
            imports.setdefault(folder, set()).update(_module_imports(repo.lines(rel), module, root))
    start = posixpath.normpath(posixpath.join(root, package))
    reached, todo = {start}, [start]
    while todo:
        for folder in imports.get(todo.pop(), set()) - reached:
            reached.add(folder)
            todo.append(folder)
    return reached


def _module_imports(lines: List[str], module: str, root: str) -> Set[str]:
    """The folders (relative to the repository) of the module's own packages a Go file imports."""
    found: Set[str] = set()
    if not module:
        return found
    for line in lines:
        if line.startswith("func ") or line.startswith("type "):
            break  # imports come first
        for path in _GO_IMPORT.findall(line):
            if path == module or path.startswith(module + "/"):
                inside = path[len(module):].lstrip("/") or "."
                found.add(posixpath.normpath(posixpath.join(root, inside)))
    return found


__all__ = ["program_folders"]
