"""The questionary prompts, driven through a real pseudo-terminal as a person would."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """`scaffold ARGS` on a pty: wait for a prompt, type keys, read the screen as text."""

    def __init__(self, *args: str, columns: int = 120) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm", "COLUMNS": str(columns), "LINES": "40"}
        self.process = subprocess.Popen([sys.executable, "-m", "generator", *args], stdin=slave, stdout=slave,
                                        stderr=slave, env=env, cwd=ROOT, close_fds=True)
        os.close(slave)
        self.screen = ""

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                self.screen += ANSI.sub("", os.read(self.master, 65536).decode("utf-8", errors="replace"))
            except OSError:  # the child closed the terminal
                pass

    def expect(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; screen:\n{self.screen[-2000:]}")
            self._read(0.2)
        self.screen = self.screen[self.screen.index(text) + len(text):]

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        self._read(0.1)
        os.close(self.master)
        return self.process.wait(timeout=5)


@pytest.fixture
def go_project(tmp_path):
    project = tmp_path / "go-root"
    shutil.copytree(FIXTURES / "go" / "root", project)
    return project


ENTER, ERASE = "\r", "\x7f" * 12


def test_enter_accepts_every_detected_default(go_project):
    terminal = Terminal("new", str(go_project))
    for prompt in ("App name", "Go version", "Main package", "Arguments the program starts with", "Port", "Final image",
                   "User id", "Group id"):
        terminal.expect(prompt)
        terminal.type(ENTER)
    assert terminal.wait() == 0, terminal.screen
    dockerfile = (go_project / "Dockerfile").read_text()
    assert "FROM golang:1.22-bookworm AS build" in dockerfile and "EXPOSE 8080" in dockerfile
    assert "USER 10001:10001" in dockerfile and "FROM scratch AS final" in dockerfile


def test_typed_answers_are_validated_and_used(go_project):
    terminal = Terminal("new", str(go_project))
    terminal.expect("App name")
    terminal.type(ERASE + "billing" + ENTER)
    terminal.expect("Go version")
    terminal.type(ENTER)
    terminal.expect("Main package")
    terminal.type(ENTER)
    terminal.expect("Arguments the program starts with")
    terminal.type("serve --addr=:9000" + ENTER)
    terminal.expect("Port")
    terminal.type(ERASE + "99999" + ENTER)  # refused under the prompt, which stays open
    terminal.expect("must be a port number")
    terminal.type(ERASE + "9000" + ENTER)
    terminal.expect("Final image")
    terminal.type("\x1b[B" + ENTER)  # arrow down: distroless
    for prompt in ("User id", "Group id"):
        terminal.expect(prompt)
        terminal.type(ENTER)
    assert terminal.wait() == 0, terminal.screen
    dockerfile = (go_project / "Dockerfile").read_text()
    assert "EXPOSE 9000" in dockerfile and "FROM gcr.io/distroless/static-debian12:nonroot AS final" in dockerfile
    assert 'ENTRYPOINT ["/usr/local/bin/root", "serve", "--addr=:9000"]' in dockerfile
    assert 'org.opencontainers.image.title="billing"' in dockerfile


def test_ctrl_c_writes_nothing(go_project):
    before = sorted(p.name for p in go_project.iterdir())
    terminal = Terminal("new", str(go_project))
    terminal.expect("App name")
    terminal.type("\x03")
    assert terminal.wait() == 2
    assert sorted(p.name for p in go_project.iterdir()) == before


def test_a_validation_error_wider_than_the_terminal_is_shown_whole(go_project):
    terminal = Terminal("new", str(go_project), columns=30)
    for prompt in ("App name", "Go version", "Main package", "Arguments"):  # short: the questions wrap too
        terminal.expect(prompt)
        terminal.type(ENTER)
    terminal.expect("Port")
    terminal.type(ERASE + "99999" + ENTER)
    # "must be a port number from 1 to 65535" is 38 characters: on 30 columns it wraps, and its end shows
    terminal.expect("65535")
    terminal.type("\x03")
    terminal.wait()


def test_the_app_picker_tells_apps_of_one_folder_apart():
    from generator.detect.model import AppCandidate
    from generator.prompts import app_label

    apps = []
    for name, port in (("api", 8080), ("worker", None)):
        app = AppCandidate("go", name, ".")
        app.set("package", f"./cmd/{name}")
        app.set("port", port)
        apps.append(app)
    labels = [app_label(app) for app in apps]
    assert labels == ["go/api  (main package ./cmd/api, port 8080)", "go/worker  (main package ./cmd/worker)"]
    assert "(.)" not in " ".join(labels)
    hostile = AppCandidate("go", "x", "sub\x1b[2J")
    assert "\x1b" not in app_label(hostile) and "\\x1b" in app_label(hostile)


def test_the_ci_flag_says_none_is_a_choice():
    from generator.languages.base import CI

    assert CI.metavar is not None and set(CI.metavar.split("|")) == {"github", "gitlab", "none"}


def test_new_over_a_dockerfile_offers_adopt_before_any_question(tmp_path):
    project = tmp_path / "flask"
    shutil.copytree(FIXTURES / "python" / "flask", project)
    (project / "Dockerfile").write_text('FROM python:3.12-slim\nEXPOSE 7000\nCMD ["gunicorn", "-b", ":7000", '
                                        '"app:app"]\n')
    terminal = Terminal("new", str(project))
    terminal.expect("Dockerfile already exists; what now?")
    assert "App name" not in terminal.screen
    terminal.expect("stop: write nothing")
    terminal.type(ENTER)  # the first choice: adopt
    terminal.expect("adopting python/")
    for _ in range(12):  # every question, its default (the Dockerfile's values) accepted
        terminal.type(ENTER)
        time.sleep(0.3)
    assert terminal.wait() == 0, terminal.screen
    assert "EXPOSE 7000" in (project / "Dockerfile").read_text() and (project / "Dockerfile.orig").exists()
