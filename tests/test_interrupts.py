"""Ctrl-C and SIGTERM at any moment: one line, exit 130 (143), what was written said, no temporary folder left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, copy_fixture


def start(tmp_path: Path, *args: str) -> subprocess.Popen:
    temp = tmp_path / "temp"
    temp.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "TMPDIR": str(temp)}
    return subprocess.Popen([sys.executable, "-m", "generator", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env)


def left_in(tmp_path: Path) -> list:
    return sorted(path.name for path in (tmp_path / "temp").iterdir())


@pytest.mark.parametrize("delay", [0.05, 0.1, 0.15, 0.2, 0.3, 0.5])
def test_ctrl_c_while_starting_prints_no_traceback(tmp_path, delay):
    process = start(tmp_path, "detect", str(copy_fixture("go/root", tmp_path)))
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    if process.returncode != 130 and not any(f"generator/{name}" in stderr for name in ("entry.py", "cli.py")):
        pytest.skip("interrupted while Python itself was starting (site, runpy, the entry's own import)")
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) <= 1, stderr
    assert process.returncode in (0, 130), stderr


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["int", "term"])
def test_a_signal_while_rendering_removes_the_render_folder(tmp_path, signum, code):
    project = copy_fixture("go/root", tmp_path)
    process = start(tmp_path, "new", "--yes", "--dry-run", str(project))
    deadline = time.monotonic() + 60
    while not any(name.startswith("scaffold-render-") for name in left_in(tmp_path)):
        assert process.poll() is None and time.monotonic() < deadline, "never rendered"
        time.sleep(0.005)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert stderr.strip().splitlines()[-1] == "error: interrupted; nothing was written", stderr
    assert "Traceback" not in stderr
    assert left_in(tmp_path) == []


def test_an_interrupt_after_writing_says_what_was_written(tmp_path, monkeypatch, capsys):
    """adopt writes, then runs `scaffold check` on the result: Ctrl-C there must not claim nothing was written."""
    from generator.adopt import command
    from generator.cli import main

    project = copy_fixture("go/root", tmp_path)
    (project / "Dockerfile").write_text("FROM golang:1.22\nEXPOSE 8080\nCMD [\"/app\"]\n")

    def interrupt(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "_findings_of_file", interrupt)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    assert main(["adopt", "--yes", str(project)]) == 130
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert "nothing was written" not in message
    assert message.startswith("error: interrupted; already written: ") and str(project / "Dockerfile") in message
    assert (project / "Dockerfile.orig").exists()
