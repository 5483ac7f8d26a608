"""The in-process CLI runner (tests/helpers.py `scaffold`) says what a real process says and leaves nothing behind."""

from __future__ import annotations

import os
import sys

import pytest

from tests.helpers import FIXTURES, copy_fixture, scaffold, scaffold_process


@pytest.mark.parametrize("args", [
    ("detect", "--json", str(FIXTURES / "go" / "cmd-multi")),
    ("new", "--dry-run", "--kubernetes", "--ci", "gitlab", str(FIXTURES / "python" / "flask")),
    ("new", "--no-such-flag"),
    ("check", "--help"),
])
def test_in_process_and_process_runs_agree(args):
    here, there = scaffold(*args), scaffold_process(*args)
    assert (here.returncode, here.stdout, here.stderr) == (there.returncode, there.stdout, there.stderr)


def test_cwd_environment_and_streams_are_the_calls_and_put_back(tmp_path):
    project = copy_fixture("python/flask", tmp_path)
    cwd, environment, streams = os.getcwd(), dict(os.environ), (sys.stdin, sys.stdout, sys.stderr)
    broken = scaffold("new", "--yes", ".", cwd=project, env={"SCAFFOLD_TEMPLATES": str(tmp_path / "nowhere")})
    assert broken.returncode == 2 and "SCAFFOLD_TEMPLATES" in broken.stderr and "nowhere" in broken.stderr
    assert not (project / "Dockerfile").exists()
    written = scaffold("new", "--yes", ".", cwd=project)  # relative to cwd, the templates override gone
    assert written.returncode == 0, written.stderr
    assert (project / "Dockerfile").is_file()
    assert (os.getcwd(), dict(os.environ), (sys.stdin, sys.stdout, sys.stderr)) == (cwd, environment, streams)
