"""Run the linters the hardening contract names (hadolint, checkov) and the companion files' linters.

Each starts once over many files where it can (`hadolint_each`, `checkov`): a start per file
would cost more than the lint itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Tuple

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
    return hadolint_each({"Dockerfile": dockerfile})["Dockerfile"]


def hadolint_each(dockerfiles: Dict[str, str]) -> Dict[str, List[str]]:
    """hadolint findings per name, in one run over every Dockerfile (a start per file adds up over a suite)."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, text in dockerfiles.items():
            paths[name] = Path(tmp, name, "Dockerfile")
            paths[name].parent.mkdir()
            paths[name].write_text(text)
        result = subprocess.run(
            [tool("hadolint"), "--no-color", "--format", "json", *map(str, paths.values())],
            capture_output=True, text=True, check=False,
        )
    if result.returncode not in (0, 1) or not result.stdout.strip():  # 1: findings; anything else: it did not lint
        raise RuntimeError(f"hadolint failed: {result.stderr[-500:]}")
    by_file: Dict[str, List[str]] = {str(path): [] for path in paths.values()}
    for f in json.loads(result.stdout):
        by_file[f["file"]].append(f"{f['line']}: {f['code']} {f['level']}: {f['message']}")
    return {name: by_file[str(path)] for name, path in paths.items()}


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


# -- the companion files: compose.yaml, Kubernetes manifests, CI workflows ----------------


def _run(*args: str, cwd: Path = None, env: Dict[str, str] = None) -> subprocess.CompletedProcess:  # type: ignore[assignment]
    return subprocess.run(list(args), capture_output=True, text=True, check=False, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=600)


def compose_config(project: Path) -> str:
    """`docker compose config -q` on the project's compose.yaml: "" when Compose accepts it, else its error."""
    result = _run(tool("docker-compose"), "--project-directory", str(project), "-f", str(project / "compose.yaml"),
                  "config", "-q")
    return "" if result.returncode == 0 else (result.stderr or result.stdout).strip()


def compose_lint(path: Path) -> List[str]:
    """compose-lint findings of any severity (`--fail-on low`), one line each."""
    return compose_lint_each([path])[path]


def compose_lint_each(paths: List[Path]) -> Dict[Path, List[str]]:
    """compose-lint findings per file, in one run over every file."""
    result = _run(tool("compose-lint"), "check", "--format", "json", "--fail-on", "low", *map(str, paths))
    if result.returncode not in (0, 1):
        raise RuntimeError(f"compose-lint failed: {result.stderr[-500:]}")
    report = json.loads(result.stdout)
    by_file: Dict[str, List[str]] = {str(path): [] for path in paths}
    for f in report.get("findings", []) if isinstance(report, dict) else report:
        by_file[f["file"]].append(f"{f.get('rule_id')} {f.get('severity')} {f.get('service')}: {f.get('message')}")
    return {path: by_file[str(path)] for path in paths}


def checkov_kubernetes(root: Path) -> Dict[str, Any]:
    """checkov --framework kubernetes over `root`: {"failed": [...], "skipped": [(check, reason)]} per file."""
    env = {"BC_SKIP_MAPPING": "TRUE"}
    result = _run(tool("checkov"), "--compact", "--skip-download", "--framework", "kubernetes",
                  "--output", "json", "-d", str(root), env=env)  # (--quiet would drop the skipped checks)
    if not result.stdout.strip():
        raise RuntimeError(f"checkov printed nothing: {result.stderr[-500:]}")
    report = json.loads(result.stdout)
    per_file: Dict[str, Any] = {}
    for item in report if isinstance(report, list) else [report]:
        results = item.get("results", {})
        for kind in ("failed_checks", "skipped_checks"):
            for check in results.get(kind, []):
                entry = per_file.setdefault(check["file_path"].lstrip("/"), {"failed": [], "skipped": []})
                if kind == "failed_checks":
                    entry["failed"].append(f"{check['check_id']}: {check['check_name']}")
                else:
                    entry["skipped"].append((check["check_id"], (check.get("check_result") or {}).get("suppress_comment", "")))
    return per_file


def trivy_config(root: Path) -> Dict[str, List[Tuple[str, str, str]]]:
    """`trivy config` over `root` (offline): {file: [(id, severity, title)]} for every misconfiguration."""
    result = _run(tool("trivy"), "config", "--quiet", "--format", "json", "--severity", "LOW,MEDIUM,HIGH,CRITICAL",
                  str(root))
    if result.returncode != 0:
        raise RuntimeError(f"trivy config failed: {result.stderr[-800:]}")
    report = json.loads(result.stdout)
    findings: Dict[str, List[Tuple[str, str, str]]] = {}
    for target in report.get("Results") or []:
        for item in target.get("Misconfigurations") or []:
            if item.get("Status", "FAIL") == "FAIL":
                findings.setdefault(target["Target"], []).append((item["ID"], item["Severity"], item["Title"]))
    return findings


def actionlint(path: Path) -> str:
    """actionlint's findings ("" when clean)."""
    result = _run(tool("actionlint"), "-no-color", str(path))
    return "" if result.returncode == 0 else (result.stdout + result.stderr).strip()


def zizmor(path: Path) -> str:
    """zizmor --offline --persona pedantic: every finding, informational ones included ("" when clean)."""
    result = _run(tool("zizmor"), "--offline", "--persona", "pedantic", "--no-progress", "--format", "plain", str(path))
    return "" if result.returncode == 0 and "No findings" in result.stdout else (result.stdout + result.stderr).strip()
