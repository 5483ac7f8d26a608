"""What several test modules share: the CLI run as a person runs it, fixtures copied, trees compared."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def scaffold(*args: str, cwd: Path = ROOT, stdin: str = "", env: Optional[Dict[str, str]] = None,
             timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess, stdin not a terminal (as in CI)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, env=environment, timeout=timeout)


def copy_fixture(name: str, tmp_path: Path) -> Path:
    """A copy of tests/fixtures/<name> to scaffold into, so the fixture itself stays untouched."""
    target = tmp_path / name.replace("/", "-")
    shutil.copytree(FIXTURES / name, target, symlinks=True)
    return target


def tree(path: Path) -> dict:
    """Every file below `path` with its bytes: equal trees mean nothing was written."""
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
