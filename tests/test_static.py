"""The static checks CI runs: mypy (default settings) on generator/, ruff on everything we write."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_mypy_reports_nothing_on_the_generator(tmp_path):
    result = run("mypy", "--cache-dir", str(tmp_path / "mypy-cache"), "generator")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_reports_nothing():
    result = run("ruff", "check", "--no-cache", "generator", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr
