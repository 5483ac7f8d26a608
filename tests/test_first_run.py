"""What a person meets on a first run: answers that do something, guesses said to be guesses."""

from __future__ import annotations

import pytest

from generator.detect.model import AppCandidate, Evidence
from generator.errors import InputError
from generator.prompts import question
from generator.languages.base import PORT
from generator.validate import GUESS, resolve_answers


def _python_app() -> AppCandidate:
    app = AppCandidate("python", "web", ".")
    app.set("start_command", ["gunicorn", "app:app"], Evidence("Procfile", 1, "web: gunicorn app:app"))
    return app


@pytest.mark.parametrize("key, value, flag, owner", [
    ("main_class", "com.example.App", "--main-class", "Java"),
    ("env", ["A=b"], "--env", "Go"),
    ("package", "./cmd/api", "--package", "Go"),
])
def test_a_flag_of_another_language_is_an_error_naming_both(key, value, flag, owner):
    with pytest.raises(InputError) as raised:
        resolve_answers(_python_app(), {key: value})
    message = str(raised.value)
    assert message.startswith(f"{flag} is an answer for {owner} apps") and "this app is Python" in message


def test_an_answer_a_file_stated_is_not_refused_for_its_origin():
    """adopt's answers carry the Dockerfile line they came from: they are the app's own."""
    answers = resolve_answers(_python_app(), {"port": 9000}, {"port": "Dockerfile:7"})
    assert answers.values["port"] == 9000 and answers.origins["port"] == "Dockerfile:7"


def test_a_weak_or_unstated_value_is_offered_as_a_guess():
    app = _python_app()
    app.set("port", 8000, Evidence("app.py", 3, "app.run()"), weak="Flask's default when run() names none")
    answers = resolve_answers(app, {})
    assert answers.origins["port"].startswith(GUESS) and "app.py:3" in answers.origins["port"]
    shown = question(PORT, 8000, answers.origins["port"])
    assert "a guess" in shown and "from app.py" not in shown
    app.set("port", 8000)  # no evidence at all: a convention
    assert resolve_answers(app, {}).origins["port"].startswith(GUESS)


def test_a_stated_value_is_offered_with_its_source():
    app = _python_app()
    app.set("port", 5000, Evidence("app.py", 9, "app.run(port=5000)"))
    answers = resolve_answers(app, {})
    assert question(PORT, 5000, answers.origins["port"]) == "Port the app listens on (5000, from app.py:9)"


# -- existing files: checked before anything is asked ------------------------------------------------------


def test_new_over_a_dockerfile_refuses_at_once_naming_adopt_and_force(tmp_path):
    from tests.helpers import copy_fixture, scaffold, tree

    project = copy_fixture("python/flask", tmp_path)
    (project / "Dockerfile").write_text("FROM python:3.12\nCMD [\"gunicorn\", \"app:app\"]\n")
    before = tree(project)
    for run in (("--yes",), ()):  # --yes, or stdin not a terminal
        result = scaffold("new", *run, str(project))
        assert result.returncode == 2 and tree(project) == before
        assert "`scaffold adopt`" in result.stderr and "--force" in result.stderr
        assert result.stderr.count("\n") == 1, result.stderr  # the one error line, before anything else is said


def test_force_merges_the_teams_dockerignore_entries_and_upgrade_keeps_them(tmp_path):
    from tests.helpers import copy_fixture, scaffold

    project = copy_fixture("python/flask", tmp_path)
    (project / ".dockerignore").write_text("# ours\nfixtures/large/\n!.env\n*\n*.local\n")
    result = scaffold("new", "--yes", "--force", str(project))
    assert result.returncode == 0, result.stderr
    written = (project / ".dockerignore").read_text()
    carried = written.split("# kept from your previous .dockerignore\n")[1].splitlines()
    assert carried == ["fixtures/large", "*.local"]  # an exception or a catch-all is said, not carried
    assert "!.env" in result.stderr and (project / ".dockerignore.orig").exists()
    assert "fixtures/large" not in (project / ".scaffold" / "pristine" / ".dockerignore").read_text()
    assert scaffold("upgrade", str(project), "--set", "port=5001").returncode == 0
    assert "fixtures/large" in (project / ".dockerignore").read_text()  # the team's entries are their edit


# -- a start command's server: installed by a dependency? ---------------------------------------------------


@pytest.mark.parametrize("command, warned", [("uvicorn app:app", True), ("gunicorn app:app", False)])
def test_a_typed_start_command_names_a_server_no_dependency_installs(tmp_path, command, warned):
    from tests.helpers import copy_fixture, scaffold

    project = copy_fixture("python/flask", tmp_path)  # requirements: flask, gunicorn
    result = scaffold("new", "--yes", "--dry-run", "--cmd", command, str(project))
    assert result.returncode == 0, result.stderr
    assert ("runs uvicorn, which no dependency installs: add uvicorn" in result.stderr) is warned, result.stderr


def test_an_adopted_start_command_names_a_server_no_dependency_installs(tmp_path):
    from tests.helpers import copy_fixture, scaffold

    project = copy_fixture("python/flask", tmp_path)
    (project / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . .\nEXPOSE 8000\n"
                                        "CMD [\"hypercorn\", \"app:app\", \"--bind\", \"0.0.0.0:8000\"]\n")
    result = scaffold("adopt", "--yes", "--dry-run", str(project))
    assert result.returncode == 0, result.stderr
    assert "runs hypercorn, which no dependency installs: add hypercorn" in result.stderr


@pytest.mark.parametrize("ci, pinned", [("github", ".github/scaffold-requirements.txt"),
                                        ("gitlab", ".gitlab/scaffold-requirements.txt")])
def test_a_new_pipeline_says_the_hash_it_needs_before_it_can_pass(tmp_path, ci, pinned):
    from tests.helpers import copy_fixture, scaffold

    project = copy_fixture("go/root", tmp_path)
    result = scaffold("new", "--yes", "--ci", ci, str(project))
    assert result.returncode == 0, result.stderr
    said = result.stdout + result.stderr
    assert pinned in said and "sha256" in said
    assert "SET-THE-SHA256" in (project / pinned).read_text()  # fails closed until it is set


# -- an answer that is asked has an effect -------------------------------------------------------------------


def test_a_main_class_given_to_a_spring_boot_app_is_the_class_it_starts(tmp_path):
    from tests.helpers import copy_fixture, scaffold

    project = copy_fixture("java/spring-boot", tmp_path)
    plain = scaffold("new", "--yes", "--dry-run", str(project))
    assert plain.returncode == 0, plain.stderr
    assert '"-jar", "/app/app.jar"' in plain.stdout  # the jar's Start-Class (extracted, for its trained archive)
    given = scaffold("new", "--yes", "--dry-run", "--main-class", "com.example.Other", str(project))
    assert given.returncode == 0, given.stderr
    assert '"-cp", "/app/BOOT-INF/classes:/app/BOOT-INF/lib/*", "com.example.Other"' in given.stdout
    assert '"-jar"' not in given.stdout and "SharedArchiveFile" not in given.stdout  # no training of another class


def test_a_main_class_given_to_a_quarkus_app_is_refused_and_not_asked(tmp_path):
    from generator.languages.java import JAVA
    from tests.helpers import copy_fixture, scaffold

    project = copy_fixture("java/quarkus", tmp_path)
    assert scaffold("new", "--yes", "--dry-run", str(project)).returncode == 0
    given = scaffold("new", "--yes", "--dry-run", "--main-class", "com.example.Other", str(project))
    assert given.returncode == 2 and "quarkus-run.jar" in given.stderr and "--main-class" in given.stderr
    assert not JAVA.asks("main_class", {"packaging": "quarkus"}) and JAVA.asks("main_class", {"packaging": "jar"})
