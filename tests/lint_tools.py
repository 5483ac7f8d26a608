"""Run the linters the hardening contract names (hadolint, checkov) on a Dockerfile text."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List

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


def checkov(dockerfile: str) -> List[str]:
    """checkov --framework dockerfile failures (an empty list is clean)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "Dockerfile")
        path.write_text(dockerfile)
        env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
        result = subprocess.run(
            [tool("checkov"), "--quiet", "--compact", "--skip-download", "--framework", "dockerfile",
             "--output", "json", "-f", str(path)],
            capture_output=True, text=True, check=False, env=env,
        )
    if not result.stdout.strip():
        raise RuntimeError(f"checkov printed nothing: {result.stderr[-500:]}")
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = []
    for item in reports:
        for check in item.get("results", {}).get("failed_checks", []):
            failed.append(f"{check['check_id']}: {check['check_name']} (lines {check.get('file_line_range')})")
    return failed
