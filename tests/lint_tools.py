"""Run the linters the hardening contract names (hadolint, checkov) on a Dockerfile text."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A linter from this venv (installed by the test extras), else from PATH."""
    candidate = BIN / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is not installed: pip install -e '.[test]'")
    return found


def hadolint(dockerfile: str) -> List[str]:
    """hadolint findings at its default failure threshold (an empty list is clean)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "Dockerfile")
        path.write_text(dockerfile)
        result = subprocess.run(
            [tool("hadolint"), "--no-color", "--format", "json", str(path)],
            capture_output=True, text=True, check=False,
        )
    findings = json.loads(result.stdout or "[]")
    return [f"{f['line']}: {f['code']} {f['level']}: {f['message']}" for f in findings]


def checkov(dockerfiles: Dict[str, str]) -> Dict[str, List[str]]:
    """checkov --framework dockerfile failures per name, in one run (it costs seconds to start)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in dockerfiles:
            Path(tmp, name).mkdir()
            Path(tmp, name, "Dockerfile").write_text(dockerfiles[name])
        env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
        result = subprocess.run(
            [tool("checkov"), "--quiet", "--compact", "--skip-download", "--framework", "dockerfile",
             "--output", "json", "-d", tmp],
            capture_output=True, text=True, check=False, env=env,
        )
    if not result.stdout.strip():
        raise RuntimeError(f"checkov printed nothing: {result.stderr[-500:]}")
    report = json.loads(result.stdout)
    failures: Dict[str, List[str]] = {name: [] for name in dockerfiles}
    for item in report if isinstance(report, list) else [report]:
        for check in item.get("results", {}).get("failed_checks", []):
            name = Path(check["file_path"]).parent.name
            failures[name].append(f"{check['check_id']}: {check['check_name']} (lines {check.get('file_line_range')})")
    return failures
