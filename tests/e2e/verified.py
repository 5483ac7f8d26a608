"""`scaffold verify` on every image the e2e suite builds: a finding fails the test with verify's own report.

The suite builds on stand-in base images (shared/offline-images), which differ from the
official ones in ways its README lists. When an image stands on a stand-in's layers (the
label `standin.real-version` says it is one), verify gets `--base` that stand-in, and of the
findings its layers alone account for (verify's `inherited`), only those the README names as
a stand-in's differences are accepted, each run saying so in a warning:

- every stand-in: whiteouts of its own build steps (H17); the official images have none;
- distroless stand-ins (Debian minbase without shells): no package database (H16), setuid
  programs (H6); the official distroless images keep `status.d` and ship no setuid file.

Anything else a stand-in brings (a shell or a package manager from a `python:*-slim`, which
the official image has too) stays a finding. Whatever the Dockerfile's own layers add is never
excused: verify keeps a finding whole as soon as one path it names is the image's own.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional

import pytest

from generator.verify.report import Finding
from tests.e2e.docker import Docker
from tests.helpers import scaffold

STANDIN_LABEL = "standin.real-version"
#: what a stand-in brings that its official image does not (shared/offline-images/README.md)
STANDIN_DIFFERENCES = frozenset({"whiteouts"})
DISTROLESS_DIFFERENCES = frozenset({"whiteouts", "package-database", "setuid"})

FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE | re.MULTILINE)


def standin_base(docker: Docker, image: str, dockerfile: Path) -> Optional[str]:
    """The stand-in base image (named in a FROM of `dockerfile`) whose layers `image` begins with, if any."""
    layers = docker.inspect(image)["RootFS"]["Layers"]
    found, most = None, 0
    for name in dict.fromkeys(FROM.findall(dockerfile.read_text())):
        if name == "scratch" or not docker.has_image(name):
            continue  # a stage's name, scratch, or an image this daemon lacks
        meta = docker.inspect(name)
        base_layers = meta["RootFS"]["Layers"]
        if STANDIN_LABEL in (meta["Config"].get("Labels") or {}) and layers[:len(base_layers)] == base_layers \
                and len(base_layers) > most:
            found, most = name, len(base_layers)
    return found


def _finding(data: Dict[str, Any]) -> Finding:
    return Finding(data["check"], data["seen"], data["fix"], list(data["paths"]))


def assert_verified(docker: Docker, image: str, dockerfile: Path, port: Optional[int] = None,
                    left_rows: FrozenSet[str] = frozenset(), why_left: str = "") -> Dict[str, Any]:
    """Run `scaffold verify IMAGE [--port N] [--base STAND-IN] --json`; fail the test on any finding
    (in verify's own words) but those of `left_rows`, HARDENING.md rows the caller knows are left
    (`why_left` says why). Returns verify's JSON report."""
    base = standin_base(docker, image, dockerfile)
    args = ["verify", image, "--json", *(["--port", str(port)] if port is not None else []),
            *(["--base", base] if base else [])]
    result = scaffold(*args, env={"SCAFFOLD_DOCKER": docker.executable}, timeout=900)  # a busy, shared daemon
    if result.returncode not in (0, 1):
        pytest.fail(f"scaffold {' '.join(args)} could not verify (exit {result.returncode}): {result.stderr.strip()}")
    report = json.loads(result.stdout)
    tolerated = DISTROLESS_DIFFERENCES if base and "distroless" in base else STANDIN_DIFFERENCES
    inherited = [_finding(f) for f in report.get("inherited", [])]
    excused = [f for f in inherited if f.check in tolerated]
    failing: List[Finding] = [_finding(f) for f in report["findings"]] + [f for f in inherited if f not in excused]
    left = [f for f in failing if f.row in left_rows]
    failing = [f for f in failing if f not in left]
    if excused:
        warnings.warn(f"{image}: verify's findings that the stand-in base {base} alone accounts for, which the "
                      "official image does not have (shared/offline-images/README.md): "
                      + "; ".join(f"{f.row} {f.check}: {f.seen}" for f in excused), stacklevel=2)
    if left:
        warnings.warn(f"{image}: left on purpose ({why_left}): " + "; ".join(f"{f.row} {f.check}: {f.seen}" for f in left),
                      stacklevel=2)
    if failing:
        pytest.fail(f"scaffold {' '.join(args)}: {len(failing)} finding{'s' if len(failing) > 1 else ''}\n\n"
                    + "\n\n".join(f.text() for f in failing), pytrace=False)
    return report
