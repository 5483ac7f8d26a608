"""The `scaffold` command as a person runs it: exit codes, files written or not, messages."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import FIXTURES, ROOT, copy_fixture, once_per_run, scaffold, tree
from tests.lint_tools import checkov, hadolint_each

EXPECTED = ROOT / "tests" / "expected"
#: fixtures whose point is a warning, not an app
BROKEN = {"go/malformed", "go/gopath", "python/malformed", "python/flask-dev", "java/malformed"}
ALL_FIXTURES = sorted(f"{lang.name}/{case.name}" for lang in FIXTURES.iterdir() if lang.is_dir()
                      for case in lang.iterdir() if case.is_dir())
APP_FIXTURES = [name for name in ALL_FIXTURES if name not in BROKEN]


def test_help_and_version():
    for args in (["--help"], ["detect", "--help"], ["new", "--help"], ["upgrade", "--help"], ["catalog", "--help"],
                 ["catalog", "add", "--help"], ["catalog", "list", "--help"], ["catalog", "show", "--help"]):
        result = scaffold(*args)
        assert result.returncode == 0 and "usage: scaffold" in result.stdout
    assert "--dry-run" in scaffold("new", "--help").stdout
    version = scaffold("--version")
    assert version.returncode == 0 and version.stdout.startswith("scaffold 0.")


def test_usage_error_exits_2():
    result = scaffold("new", "--no-such-flag")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_nothing_recognised_names_what_was_looked_for(tmp_path):
    (tmp_path / "README.md").write_text("hello\n")
    for command in ("detect", "new"):
        result = scaffold(command, str(tmp_path))
        assert result.returncode == 2
        assert "go.mod" in result.stderr and "pom.xml" in result.stderr and "pyproject.toml" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert tree(tmp_path) == {"README.md": b"hello\n"}


def test_missing_directory_is_an_input_error(tmp_path):
    result = scaffold("detect", str(tmp_path / "nope"))
    assert result.returncode == 2 and "not a directory" in result.stderr


@pytest.mark.parametrize("fixture", ALL_FIXTURES)
def test_detect_json_matches_expected(fixture):
    """`scaffold detect --json` on every fixture, against tests/expected/<lang>-<name>.json."""
    result = scaffold("detect", "--json", str(FIXTURES / fixture))
    report = json.loads(result.stdout)
    expected = json.loads((EXPECTED / f"{fixture.replace('/', '-')}.json").read_text())
    got = {
        "apps": {app["id"]: {"root": app["root"], **{k: f["value"] for k, f in app["facts"].items()}}
                 for app in report["apps"]},
        "warnings": sorted(w["file"] for w in report["warnings"]),
    }
    assert got == expected
    assert result.returncode == (0 if report["apps"] else 2)


def _new_in_every_fixture(folder: Path) -> dict:
    results = {}
    for fixture in APP_FIXTURES:
        project = copy_fixture(fixture, folder)
        result = scaffold("new", "--yes", str(project))
        results[fixture] = [result.returncode, result.stdout, result.stderr, str(project)]
    return results


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """`scaffold new --yes` in a copy of every app fixture, once per run: {fixture: (result, project dir)}."""
    results = once_per_run(tmp_path_factory, "new-in-every-fixture", _new_in_every_fixture)
    return {fixture: (subprocess.CompletedProcess(["scaffold", "new", "--yes", project], code, out, err), Path(project))
            for fixture, (code, out, err, project) in results.items()}


@pytest.fixture(scope="module")
def generated_lint(generated):
    """{fixture: (hadolint findings, checkov failures)} for every Dockerfile written, each linter run once."""
    names = {fixture: fixture.replace("/", "-") for fixture, (result, _) in generated.items() if result.returncode == 0}
    dockerfiles = {name: (generated[fixture][1] / "Dockerfile").read_text() for fixture, name in names.items()}
    hadolint_found, checkov_found = hadolint_each(dockerfiles), checkov(dockerfiles)
    return {fixture: (hadolint_found[name], checkov_found[name]) for fixture, name in names.items()}


@pytest.mark.lint
@pytest.mark.parametrize("fixture", APP_FIXTURES)
def test_new_yes_writes_lint_clean_files(fixture, generated, generated_lint):
    result, project = generated[fixture]
    assert result.returncode == 0, result.stderr
    dockerfile = (project / "Dockerfile").read_text()
    assert (project / ".dockerignore").is_file()
    record = yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())
    assert record["template"] == f"builtin/{fixture.split('/')[0]}" and record["answers"]["language"] == fixture.split("/")[0]
    assert (project / ".scaffold" / "pristine" / "Dockerfile").read_text() == dockerfile
    assert generated_lint[fixture] == ([], []), dockerfile


def test_existing_dockerfile_is_not_overwritten_without_force(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    (project / "Dockerfile").write_text("FROM mine\n")
    before = tree(project)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 2 and "--force" in result.stderr and "Dockerfile" in result.stderr
    assert tree(project) == before
    forced = scaffold("new", "--yes", "--force", str(project))
    assert forced.returncode == 0, forced.stderr
    assert (project / "Dockerfile").read_text().count("FROM ") >= 2


def test_dry_run_writes_nothing(tmp_path):
    project = copy_fixture("python/flask", tmp_path)
    before = tree(project)
    result = scaffold("new", "--dry-run", str(project))
    assert result.returncode == 0, result.stderr
    assert "would be created" in result.stdout and "\nFROM " in result.stdout
    assert tree(project) == before
    as_json = json.loads(scaffold("new", "--dry-run", "--json", str(project)).stdout)
    assert set(as_json["files"]) == {"Dockerfile", ".dockerignore", "compose.yaml"} and as_json["answers"]["language"] == "python"
    assert tree(project) == before


def test_no_tty_answers_with_defaults_and_says_so(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    result = scaffold("new", str(project))
    assert result.returncode == 0, result.stderr
    assert "not a terminal" in result.stderr and (project / "Dockerfile").exists()


def test_scaffolded_project_points_to_upgrade(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    assert scaffold("new", "--yes", str(project)).returncode == 0
    before = tree(project)
    again = scaffold("new", "--yes", str(project))
    assert again.returncode == 2 and "scaffold upgrade" in again.stderr
    assert tree(project) == before


@pytest.mark.parametrize("flag,value,message", [
    ("--port", "70000", "port from --port must be a port number"),
    ("--port", "80\nRUN id", "port from --port"),
    ("--uid", "0", "uid from --uid must be a non-root"),
    ("--final", "alpine", "final from --final must be one of"),
    ("--language-version", "banana", "version from --language-version"),
    ("--syntax", "docker/dockerfile:1", "pinned by digest"),
])
def test_bad_flag_values_are_refused_in_one_line(tmp_path, flag, value, message):
    project = copy_fixture("go/root", tmp_path)
    before = tree(project)
    result = scaffold("new", "--yes", flag, value, str(project))
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert tree(project) == before


def test_flags_override_detection(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    result = scaffold("new", "--yes", "--port", "9000", "--final", "distroless", "--uid", "20000", str(project))
    assert result.returncode == 0, result.stderr
    dockerfile = (project / "Dockerfile").read_text()
    assert "EXPOSE 9000" in dockerfile and "USER 20000:10001" in dockerfile
    assert "gcr.io/distroless/static-debian12:nonroot" in dockerfile


def test_app_choice(tmp_path):
    project = copy_fixture("go/cmd-multi", tmp_path)
    unknown = scaffold("new", "--yes", "--app", "nope", str(project))
    assert unknown.returncode == 2 and "go/api" in unknown.stderr
    chosen = scaffold("new", "--yes", "--app", "go/worker", str(project))
    assert chosen.returncode == 0, chosen.stderr
    assert "./cmd/worker" in (project / "Dockerfile").read_text()


def test_a_detected_release_step_is_said_with_its_source_and_none_turns_it_off(tmp_path):
    project = copy_fixture("python/django-migrate", tmp_path)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    said = "release step python manage.py migrate --noinput (from mysite/settings.py:20) runs once before the app; " \
           "--release none turns it off"
    assert said in result.stdout + result.stderr
    assert "python-django-migrate-release" in yaml.safe_load((project / "compose.yaml").read_text())["services"]
    again = copy_fixture("python/django-migrate", tmp_path / "off")
    result = scaffold("new", "--yes", "--release", "none", str(again))
    assert result.returncode == 0, result.stderr
    assert "release step" not in result.stdout + result.stderr
    assert list(yaml.safe_load((again / "compose.yaml").read_text())["services"]) == ["python-django-migrate"]
