"""Start commands: never an ENTRYPOINT that needs a shell, and no port for a program that has none.

Exec form runs the program directly: `;`, `&&`, `|`, redirections and `$PORT` mean
nothing without a shell, and the final image has none. Whatever a Procfile or a flag
says, the rendered ENTRYPOINT either is a plain argv or `new` refuses in one line
naming the flag that fixes it.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.detect import detect
from generator.errors import InputError
from generator.parsers import parse_argv, shell_syntax
from generator.render import render
from generator.validate import answers_for
from tests.dockerfile_text import final_stage
from tests.helpers import copy_fixture, scaffold

SHELL = ["flask db upgrade; gunicorn app:app", "gunicorn app:app && echo done", "gunicorn --bind :$PORT app:app",
         "gunicorn --bind 0.0.0.0:${PORT:-8000} app:app", "gunicorn app:app > /tmp/log", "gunicorn app:app 2>&1",
         "gunicorn app:app | tee log", "sh -c 'gunicorn app:app'", "bash -c gunicorn", "gunicorn `cat args`",
         "gunicorn $(cat args)", "gunicorn app:app &"]
PLAIN = ["gunicorn --bind 0.0.0.0:8000 app:app", "python -c 'import app; app.main()'", "java -cp /app/lib/* x.Main",
         "uvicorn main:app --host 0.0.0.0 --port 8000", "python -m flask --app app run"]


@pytest.mark.parametrize("command", SHELL)
def test_shell_syntax_is_refused_by_the_argv_parser(command):
    with pytest.raises(ValueError, match="shell syntax"):
        parse_argv(command)


@pytest.mark.parametrize("command", PLAIN)
def test_plain_commands_pass(command):
    assert parse_argv(command) == shlex.split(command)


def test_a_refused_command_names_the_flag_that_fixes_it(tmp_path):
    project = copy_fixture("python/flask", tmp_path)
    result = scaffold("new", "--yes", "--dry-run", "--cmd", "flask db upgrade; gunicorn app:app", str(project))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "shell syntax (`;`)" in line and "--cmd" in line


WORDS = st.sampled_from(["gunicorn", "app:app", "--bind", "0.0.0.0:8000", "-w", "2", "flask", "db", "upgrade",
                         "python", "manage.py", "migrate", "run", "--port", "5000", "x"])
JOINERS = st.sampled_from([" ", " ; ", "; ", " && ", " || ", " | ", " > out ", " 2>&1 ", " & ", " $PORT ",
                           " ${PORT:-8000} ", " `id` ", " $(id) "])


@st.composite
def procfile_commands(draw: st.DrawFn) -> str:
    parts = draw(st.lists(WORDS, min_size=1, max_size=8))
    text = parts[0]
    for word in parts[1:]:
        text += draw(JOINERS) + word
    return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=procfile_commands())
def test_property_no_entrypoint_holds_shell_syntax(tmp_path_factory, command):
    """Any Procfile web: line: the ENTRYPOINT rendered from it is a plain argv, or `new` refuses."""
    root = tmp_path_factory.mktemp("procfile")
    (root / "requirements.txt").write_text("flask==3.0.3\ngunicorn==22.0.0\n")
    (root / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (root / "Procfile").write_text(f"web: {command}\n")
    (app,) = detect(root).apps
    try:
        answers = answers_for(app, {})
    except InputError as error:
        assert "\n" not in str(error)
        return
    entrypoint = next(args for keyword, args in final_stage(render(answers)["Dockerfile"]) if keyword == "ENTRYPOINT")
    argv = json.loads(entrypoint)
    assert shell_syntax(argv) == "", (command, argv)


def test_no_port_means_no_expose_and_no_probe(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    result = scaffold("new", "--yes", "--port", "none", str(project))
    assert result.returncode == 0, result.stderr
    dockerfile = (project / "Dockerfile").read_text()
    assert "EXPOSE" not in dockerfile and "HEALTHCHECK NONE" in dockerfile
    assert "command-line program" in dockerfile
    assert "-p 127.0.0.1" not in result.stderr and " --help" in result.stderr
    bad = scaffold("new", "--yes", "--dry-run", "--port", "http", str(copy_fixture("go/root", tmp_path / "b")))
    assert bad.returncode == 2 and "none" in bad.stderr and "--port" in bad.stderr


def test_upgrade_can_turn_a_server_into_a_command_line_program(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    assert scaffold("new", "--yes", str(project)).returncode == 0
    result = scaffold("upgrade", "--set", "port=none", str(project))
    assert result.returncode == 0, result.stderr
    assert "EXPOSE" not in (project / "Dockerfile").read_text()
    assert "port: null" in Path(project, ".scaffold", "answers.yml").read_text()
