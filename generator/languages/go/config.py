"""The configuration file a Go program reads at a path relative to its working directory.

viper finds its file by name in the folders it is told (`SetConfigName("config")` with
`AddConfigPath("configs")`: configs/config.yml) or is given one (`SetConfigFile`). The image
holds the binary alone, so such a file is missing at run time unless it is named: it becomes the
`config_file` answer (a read-only copy in /app, the program's working directory, and compose's
and Kubernetes' read-only mount over it). Only a file the repository has counts.
"""

from __future__ import annotations

import posixpath
import re
from typing import Iterable, List, Optional, Tuple

from generator.detect.model import Evidence, excerpt
from generator.detect.walker import Repo
from generator.languages.go.source import GoSource

#: the extensions viper reads, in the order it tries them for a name
EXTENSIONS = ("yaml", "yml", "json", "toml")
_FILE = re.compile(r"""\bviper\.SetConfigFile\(\s*"(?P<path>[\w./-]+)"\s*\)""")
_NAME = re.compile(r"""\bviper\.SetConfigName\(\s*"(?P<name>[\w.-]+)"\s*\)""")
_FOLDER = re.compile(r"""\bviper\.AddConfigPath\(\s*"(?P<folder>[\w./-]+)"\s*\)""")


def config_file(repo: Repo, root: str, sources: Iterable[GoSource]) -> Optional[Tuple[str, Evidence]]:
    """The file (relative to the app's root) the program's viper reads, with the line that names it."""
    files: List[Tuple[List[str], Evidence]] = []  # the paths each naming line may mean
    names: List[Tuple[str, Evidence]] = []
    folders: List[str] = []
    for source in sources:
        for number, line in enumerate(source.text.splitlines(), 1):
            evidence = Evidence(source.path, number, excerpt(line.strip()))
            files += [([m.group("path")], evidence) for m in _FILE.finditer(line)]
            names += [(m.group("name"), evidence) for m in _NAME.finditer(line)]
            folders += [m.group("folder") for m in _FOLDER.finditer(line)]
    files += [([posixpath.join(folder, f"{name}.{ext}") for folder in folders or ["."] for ext in EXTENSIONS], evidence)
              for name, evidence in names]
    for candidates, evidence in files:
        for candidate in candidates:
            rel = posixpath.normpath(candidate)
            if rel.startswith(("..", "/")):
                continue  # outside the app: not the repository's to copy
            if repo.is_file(rel if root in ("", ".") else posixpath.join(root, rel)):
                return rel, evidence
    return None
