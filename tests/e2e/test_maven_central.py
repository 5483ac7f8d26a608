"""Java apps whose build needs Maven Central, built and run with the finals a team would pick.

- Spring Boot 3.x and Spring Boot 2.7 (Maven), each with the default final (a jlink runtime
  on distroless cc) and with `--final jre` (distroless java, no jlink): the image starts
  hardened and answers its HTTP endpoint; `scaffold verify` passes it (tests/e2e/verified.py);
- Spring Boot 3.3+ on a jlink-ed runtime starts from the class-data sharing archive its
  training run made at build time: its ENTRYPOINT maps it (-Xshare:on would stop the JVM
  otherwise) and the app's and Spring's classes come from it, not from the jars;
- a Maven wrapper project: `./mvnw` downloads the Maven its properties name from Central;
- a Quarkus app (its fast-jar) and a Dropwizard app (its program arguments and configuration file);
- a service whose parent POM sits in a parent folder: the build context is that folder.

Skipped, with the reason, where the maven stand-in resolves offline (no Maven Central).
The two finals of one app share the build stage (BuildKit caches it by content), so the
second costs only its runtime stages.
"""

from __future__ import annotations

import shutil
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

#: (fixture, final, what GET / answers)
CASES = [
    ("java/spring-boot", "distroless", "hello from spring boot"),
    ("java/spring-boot", "jre", "hello from spring boot"),
    ("java/spring-boot-2", "distroless", "hello from spring boot 2"),
    ("java/spring-boot-2", "jre", "hello from spring boot 2"),
    ("java/maven-wrapper", "distroless", "hello from maven"),
    # a framework each: Quarkus's fast-jar, Dropwizard started with `server /app/config.yml` on its port 9000
    ("java/quarkus", "distroless", "hello from quarkus"),
    ("java/dropwizard", "distroless", "hello from dropwizard"),
    # a service whose parent POM is in a parent folder that does not list it: built from there with -f
    ("java/parent-folder", "distroless", "hello from orders"),
]
#: the cases whose image starts from a trained class-data sharing archive (Boot 3.3+, jlink-ed)
TRAINED = {("java/spring-boot", "distroless")}
#: classes the trained archive must hold: the app's own and Spring's
ARCHIVED = ("com.example.demo.DemoApplication", "org.springframework.boot.SpringApplication")


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    reason = maven_central_unreachable(Docker(executable))
    if reason:
        pytest.skip(reason)
    return Docker(executable)


@pytest.mark.parametrize("fixture,final,greeting", CASES, ids=[f"{f.split('/')[1]}-{final}" for f, final, _ in CASES])
def test_maven_central_app_builds_runs_hardened_and_answers(fixture: str, final: str, greeting: str, docker: Docker,
                                                            tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / fixture, project, symlinks=True)
    made = scaffold("new", "--yes", "--final", final, str(project))
    assert made.returncode == 0, made.stderr
    answers = yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]
    image = f"scaffold-e2e/{fixture.replace('/', '-')}-{final}:test"
    container = ""
    try:
        with one_build_at_a_time():
            standins(project / "Dockerfile")  # the finals' bases (a jre final: distroless java21)
            docker.build(project, image)
        port = int(answers["port"])
        container = docker.start(image, port)
        body = http_get(docker.host_port(container, port), attempts=240)
        assert greeting in body, docker.logs(container)
        assert_verified(docker, image, project / "Dockerfile", port=port)
        if (fixture, final) in TRAINED:
            assert_starts_from_its_archive(docker, image)
    finally:
        if container:
            docker.remove(container)
        docker.remove_image(image)


def assert_starts_from_its_archive(docker: Docker, image: str) -> None:
    """The image's own ENTRYPOINT, hardened, with -Xshare:on (no archive mapped: the JVM stops) and class
    loading logged; spring.context.exit=onRefresh ends the app once started, as the training run did."""
    options = "-Xshare:on -Xlog:class+load=info -Dspring.context.exit=onRefresh -XX:-UsePerfData"
    ran = docker.run("run", "--rm", "--read-only", "--cap-drop", "ALL", "--memory", "1g", "--tmpfs", "/tmp",
                     "-e", f"JAVA_TOOL_OPTIONS={options}", image, check=False, timeout=300)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    for name in ARCHIVED:
        assert f"{name} source: shared objects file (top)" in ran.stdout, ran.stdout[-3000:]
