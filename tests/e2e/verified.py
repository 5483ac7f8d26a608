"""`scaffold verify` on every image the e2e suite builds: a finding fails the test with verify's own report.

The suite builds on stand-in base images (shared/offline-images), which differ from the
official ones in ways its README lists. When the image comes from a stand-in (its OCI
`base.name` label, else the final stage's FROM, names an image carrying the stand-ins'
label `standin.real-version`), verify gets `--base` that stand-in, and of the findings the
base accounts for alone (verify's `inherited`: the base has the same finding, and what it
names is not a file of the image's own layers), only those the README gives as a
stand-in's differences are accepted, each run saying so in a warning:

- every stand-in: whiteouts of its own build steps (H17); the official images have none;
- distroless stand-ins (Debian minbase without shells): no package database (H16) and
  setuid programs (H6); the official distroless images keep `status.d` and ship no setuid file;
- `python:*` stand-ins: Debian's Python with its EXTERNALLY-MANAGED marker deleted so that
  pip works globally, a file its package still lists (H16); the official image's Python is
  not a Debian package.

Anything else a stand-in brings (a shell or a package manager from a `python:*-slim`, which
the official image has too) stays a finding, and so does whatever the Dockerfile's layers add.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Tuple

import pytest

from generator.verify.report import Finding
from tests.e2e.docker import Docker
from tests.helpers import scaffold

STANDIN_LABEL = "standin.real-version"
BASE_LABEL = "org.opencontainers.image.base.name"


def _any(finding: Finding) -> bool:
    return True


def _externally_managed(finding: Finding) -> bool:
    return all(path.endswith("/EXTERNALLY-MANAGED") for path in finding.paths)


#: (stand-ins whose name contains this, check, which of its findings): what a stand-in brings
#: that its official image does not (shared/offline-images/README.md)
STANDIN_DIFFERENCES: Tuple[Tuple[str, str, Callable[[Finding], bool]], ...] = (
    ("", "whiteouts", _any),
    ("distroless", "package-database", _any),
    ("distroless", "setuid", _any),
    ("python:", "package-database", _externally_managed),
)

FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE | re.MULTILINE)


def standin_base(docker: Docker, image: str, dockerfile: Path) -> Optional[str]:
    """The stand-in the image comes from: the one its base.name label names, else its final stage's FROM."""
    named = (docker.inspect(image)["Config"].get("Labels") or {}).get(BASE_LABEL)
    text = dockerfile.read_text()
    froms = [_substitute(name, _global_args(text)) for name in FROM.findall(text)]
    for name in (named, froms[-1] if froms else None):
        if name and name != "scratch" and docker.has_image(name) \
                and STANDIN_LABEL in (docker.inspect(name)["Config"].get("Labels") or {}):
            return str(name)
    return None


def _global_args(text: str) -> Dict[str, str]:
    """The defaults of the ARGs before the first FROM, which FROM lines may use."""
    head = re.split(r"^\s*FROM\s", text, maxsplit=1, flags=re.IGNORECASE | re.MULTILINE)[0]
    return {name: value.strip("\"'") for name, value in re.findall(r"^\s*ARG\s+(\w+)=(\S+)", head, re.I | re.M)}


def _substitute(name: str, args: Dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), m.group(0)), name)


def standin_difference(base: str, finding: Finding) -> bool:
    return any(kind in base and check == finding.check and which(finding)
               for kind, check, which in STANDIN_DIFFERENCES)


def _briefly(findings: List[Finding]) -> str:
    return "; ".join(f"{f.row} {f.check}: {f.seen[:160]}{'...' if len(f.seen) > 160 else ''}" for f in findings)


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
    inherited = [_finding(f) for f in report.get("inherited", [])]
    excused = [f for f in inherited if base and standin_difference(base, f)]
    failing: List[Finding] = [_finding(f) for f in report["findings"]] + [f for f in inherited if f not in excused]
    left = [f for f in failing if f.row in left_rows]
    failing = [f for f in failing if f not in left]
    if excused:
        warnings.warn(f"{image}: verify's findings that the stand-in base {base} alone accounts for, which the "
                      f"official image does not have (shared/offline-images/README.md): {_briefly(excused)}", stacklevel=2)
    if left:
        warnings.warn(f"{image}: left on purpose ({why_left}): {_briefly(left)}", stacklevel=2)
    if failing:
        pytest.fail(f"scaffold {' '.join(args)}: {len(failing)} finding{'s' if len(failing) > 1 else ''}\n\n"
                    + "\n\n".join(f.text() for f in failing), pytrace=False)
    return report
