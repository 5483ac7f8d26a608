"""Java images of the patterns real repositories have, built once each, run hardened and asked.

- Spring Boot 2.1 in a multi-module build, its Java version only from spring-boot-starter-parent:
  no jarmode (Boot 2.1 ignores one and starts the app inside `docker build`, which then never
  ends), the jar unpacked into layers by hand, the old launcher class; Tomcat 9's modular jar
  requires a module that is not there, so jdeps reads the jars as plain classes;
- Spring Boot 2.5 built by an old Maven wrapper (Maven 3.5.4, which rejects -ntp): layertools
  and the old launcher;
- (Spring Boot 3.1 with checkstyle in `validate` is rendered and checked in
  tests/test_java_generations.py, not built here: Boot 2.5 already builds layertools with the
  old launcher, and each cold Spring Boot build costs CI minutes of Maven Central downloads);
- a Spark app that never calls port() (Spark's 4567) whose assembly plugin has no executions
  (`mvn package` makes a thin jar: the dependencies must reach the image beside it);
- a command-line program: no EXPOSE, `IMAGE --help` exits 0, it reads stdin.

Each needs Maven Central (dependencies, and the wrapper's Maven): skipped with the reason when
the maven stand-in says it resolves offline. One build per case; the full hardening checks and the
cached rebuild are test_images.py's. The build's own timeout (docker.run) bounds a build that hangs.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.docker import (
    Docker, client, http_get, maven_central_unreachable, one_build_at_a_time, standins, unavailable_reason,
)
from tests.e2e.verified import assert_verified
from tests.helpers import FIXTURES, scaffold


_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]

#: fixture -> (Spring Boot major.minor, the launcher class the image must start)
BOOT_CASES = {
    "java/boot21-multi-module": ("2.1", "org.springframework.boot.loader.JarLauncher"),
    "java/boot2-old-wrapper": ("2.5", "org.springframework.boot.loader.JarLauncher"),
}


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    return Docker(executable)


def new(fixture: str, project: Path) -> dict:
    shutil.copytree(FIXTURES / fixture, project, symlinks=True)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    return yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]


@pytest.mark.parametrize("fixture", sorted(BOOT_CASES))
def test_spring_boot_generation_builds_starts_and_answers(fixture: str, docker: Docker, tmp_path: Path):
    project = tmp_path / "project"
    answers = new(fixture, project)
    boot_version, launcher = BOOT_CASES[fixture]
    assert (answers["spring_boot_version"], answers["version"]) == (boot_version, "17")
    image = f"scaffold-e2e/{fixture.replace('/', '-')}:test"
    container = ""
    try:
        with one_build_at_a_time():
            standins(project / "Dockerfile")
            reason = maven_central_unreachable(docker)
            if reason:
                pytest.skip(reason)
            build = docker.build(project, image)
        assert "Tomcat started" not in build.log  # the app never runs inside docker build
        meta = docker.inspect(image)["Config"]
        assert meta["Entrypoint"] == ["/opt/java/runtime/bin/java", launcher]
        container = docker.start(image, answers["port"])
        body = http_get(docker.host_port(container, answers["port"]), attempts=120)
        assert f"hello from {fixture}" in body, docker.logs(container)
        assert_verified(docker, image, project / "Dockerfile", port=answers["port"])
    finally:
        if container:
            docker.remove(container)
        docker.remove_image(image)


def test_spark_without_port_call_and_unbound_assembly_answers_on_4567(docker: Docker, tmp_path: Path):
    fixture = "java/assembly-no-executions"
    project = tmp_path / "project"
    answers = new(fixture, project)
    assert (answers["port"], answers["packaging"]) == (4567, "jar")
    image = "scaffold-e2e/java-assembly-no-executions:test"
    container = ""
    try:
        with one_build_at_a_time():
            standins(project / "Dockerfile")
            reason = maven_central_unreachable(docker)
            if reason:
                pytest.skip(reason)
            docker.build(project, image)
        meta = docker.inspect(image)["Config"]
        assert list(meta["ExposedPorts"]) == ["4567/tcp"]
        assert meta["Entrypoint"] == ["/opt/java/runtime/bin/java", "-cp", "/app/app.jar:/app/lib/*",
                                      "com.example.greet.Main"]
        container = docker.start(image, 4567)
        body = http_get(docker.host_port(container, 4567))
        assert f"hello from {fixture}" in body, docker.logs(container)
        assert_verified(docker, image, project / "Dockerfile", port=4567)
    finally:
        if container:
            docker.remove(container)
        docker.remove_image(image)


def test_java_command_line_program_runs_help(docker: Docker, tmp_path: Path):
    project = tmp_path / "project"
    answers = new("java/cli", project)
    assert answers["port"] is None
    image = "scaffold-e2e/java-cli:test"
    try:
        with one_build_at_a_time():
            standins(project / "Dockerfile")
            docker.build(project, image)
        meta = docker.inspect(image)["Config"]
        assert not meta.get("ExposedPorts") and meta.get("Healthcheck", {}).get("Test") == ["NONE"]
        hardened = ["run", "--rm", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
        result = docker.run(*hardened, image, "--help", check=False, timeout=120)
        assert result.returncode == 0 and "usage: word-count" in result.stdout, result.stdout + result.stderr
        counted = subprocess.run([docker.executable, *hardened[:1], "-i", *hardened[1:], image],
                                 input="one two three\n", capture_output=True, text=True, env=docker.env, timeout=120)
        assert counted.returncode == 0 and counted.stdout.strip().endswith("3"), counted.stdout + counted.stderr
        assert_verified(docker, image, project / "Dockerfile")  # its smoke run: no input, exits 0
    finally:
        docker.remove_image(image)
