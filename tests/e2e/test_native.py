"""Python apps with compiled dependencies and migrations run hardened.

- psycopg2 (not -binary) has no Linux wheel: pip builds it from the sdist against libpq. The
  build stage installs gcc and libpq-dev; the final image (distroless: the stand-in python:slim
  has no C headers for its interpreter, the official one has) gets libpq5 and its dependencies
  with a dpkg status entry each, so Trivy's SBOM lists libpq5. The app loads psycopg2 and
  answers with libpq's version; `scaffold verify` accepts the image (no compiler, no package
  manager, no shell).
- Django on SQLite in a data volume: detection makes `migrate` the release step, which runs
  first; the page the app then serves queries a table the migration created.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from generator.runtime import runtime_for
from tests.e2e.docker import Compose, Docker, client, compose_env, free_port, http_get, one_build_at_a_time, \
    unavailable_reason
from tests.e2e.scanner import trivy_os_packages
from tests.e2e.verified import assert_verified
from tests.helpers import FIXTURES, scaffold
from tests.lint_tools import tool

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    return Docker(executable)


def _up(docker: Docker, project: Path, name: str) -> Compose:
    compose = Compose(tool("docker-compose"), project, name,
                      {**compose_env(docker.executable), "HOST_PORT": str(free_port())})
    with one_build_at_a_time():
        compose.up()
    return compose


def _generated(fixture: str, tmp_path: Path, *flags: str) -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / fixture, project, symlinks=True)
    result = scaffold("new", "--yes", *flags, str(project))
    assert result.returncode == 0, result.stderr
    return project


def test_psycopg2_built_from_source_runs_with_libpq_listed_for_scanners(docker: Docker, tmp_path: Path):
    project = _generated("python/psycopg2-source", tmp_path, "--final", "distroless")
    dockerfile = (project / "Dockerfile").read_text()
    assert "apt-get install -y --no-install-recommends gcc libpq-dev python3-dev" in dockerfile
    runtime = runtime_for(yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"])
    compose = _up(docker, project, "scaffold-e2e-native-psycopg2")
    try:
        image = docker.inspect_container(compose.container(runtime.name))["Image"]
        port = int(compose.run("port", runtime.name, str(runtime.port)).stdout.strip().rsplit(":", 1)[1])
        assert "hello from flask, libpq 15" in http_get(port)
        assert_verified(docker, image, project / "Dockerfile", port=runtime.port)
        assert "libpq5" in trivy_os_packages(image)
    finally:
        compose.down()


def test_django_migrates_its_sqlite_database_in_a_data_volume_before_it_starts(docker: Docker, tmp_path: Path):
    project = _generated("python/django-migrate", tmp_path)
    answers = yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]
    assert answers["release"] == [["python", "manage.py", "migrate", "--noinput"]] and answers["data"] == ["/app/data"]
    runtime = runtime_for(answers)
    compose = _up(docker, project, "scaffold-e2e-release-django")
    try:
        port = int(compose.run("port", runtime.name, str(runtime.port)).stdout.strip().rsplit(":", 1)[1])
        assert "hello from django, " in http_get(port) and "content types" in http_get(port)
        release = compose.run("ps", "--all", "--format", "{{.Service}} {{.State}} {{.ExitCode}}").stdout
        assert f"{runtime.name}-release exited 0" in release
    finally:
        compose.down()
