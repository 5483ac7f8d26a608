"""The check corpus: hand-written Dockerfiles in the styles found in the wild, and what is known about each.

Every fixture under tests/check_fixtures/<name>/ has a snapshot in tests/expected/check/<name>.json:
the findings `scaffold check` reports ("line row rule"), those left after `--fix`, and the rules
whose fix is refused with a reason. `SCAFFOLD_UPDATE_EXPECTED=1` rewrites the snapshots (review
the diff before committing it).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from tests.helpers import ROOT

CORPUS = ROOT / "tests" / "check_fixtures"
SNAPSHOTS = ROOT / "tests" / "expected" / "check"
UPDATE = os.environ.get("SCAFFOLD_UPDATE_EXPECTED") == "1"


@dataclass(frozen=True)
class Buildable:
    """A fixture that builds on the stand-in base images once fixed, and the HTTP port its app answers on."""

    port: int


#: fixtures whose fixed Dockerfile builds here and runs (the others say why not)
BUILDABLE: Dict[str, Buildable] = {
    "single-stage-root": Buildable(8000),
    "docker-init": Buildable(8000),
    "arg-secrets": Buildable(8000),
    "shell-form-java": Buildable(8080),
    "go-latest": Buildable(8080),
    "scratch-root": Buildable(8080),
    "user-root-last": Buildable(8000),
    "parser-directives": Buildable(8000),
    "multi-stage-builder-root": Buildable(8080),
}
NOT_BUILDABLE: Dict[str, str] = {
    "alpine-shell": "no alpine stand-in image on this machine (no container registry)",
    "heredoc": "heredocs need a Dockerfile frontend newer than the daemon's built-in one (a # syntax= line pulls one)",
    "add-url": "ADD of a URL on example.com, which no machine here reaches",
    "chainguard": "no Chainguard stand-in image on this machine",
    "distroless-debug": "no distroless :debug stand-in image on this machine",
    "node-chown": "no node stand-in image on this machine",
    "nginx-root": "no nginx stand-in image on this machine",
    "gosu-entrypoint": "its fix is refused on purpose (the entrypoint switches users): nothing new to build",
    "unknown-base": "its base image is a private one that does not exist",
}


def fixtures() -> List[str]:
    return sorted(p.name for p in CORPUS.iterdir() if (p / "Dockerfile").is_file())


def snapshot(name: str) -> dict:
    return json.loads((SNAPSHOTS / f"{name}.json").read_text())


def compare_or_update(name: str, key: str, got: object) -> Optional[object]:
    """The snapshot's value for `key` (rewriting it first when updating)."""
    path = SNAPSHOTS / f"{name}.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    if UPDATE:
        data[key] = got
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")
    return data.get(key)


def finding_keys(findings: List[dict]) -> List[str]:
    return [f"{f['line']} {f['row']} {f['rule']}" for f in findings]


def copy(name: str, target: Path) -> Path:
    import shutil

    destination = target / name
    shutil.copytree(CORPUS / name, destination, symlinks=True)
    return destination
