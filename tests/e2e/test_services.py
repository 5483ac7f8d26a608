"""Apps on their backing services run hardened: a Django app and a Spring Boot app on PostgreSQL, and
RabbitMQ as compose runs it beside a Go worker (the broker alone: its password from the secret file).

`scaffold new` detects PostgreSQL (psycopg in requirements.txt, Django's ENGINE) and writes a
compose.yaml that runs the app and postgres:16-bookworm (a stand-in built from Debian's
packages, tests/e2e/services.py) side by side: both read-only, without capabilities, as their
own users (10001 and 999), the database on an internal network and never published, its
password a random file made on the first run (mode 0644 in secrets/, a folder of mode 0700)
that both containers read under /run/secrets (Spring Boot as its property's name,
spring.datasource.password, through its config tree). `docker compose up --wait` starts
the database, waits for it to be healthy, then the app; each request counts one more row in a
table, and after `docker compose down` and `up` (the volume kept) the count goes on.
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.runtime import runtime_for
from tests.e2e.docker import Compose, Docker, client, compose_env, free_port, http_get, one_build_at_a_time, \
    unavailable_reason
from tests.e2e.services import service_image
from tests.helpers import FIXTURES, scaffold
from tests.lint_tools import checkov_kubernetes, compose_config, compose_lint, tool, trivy_config
from tests.test_services import SERVICE_DIGEST

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    return Docker(executable)


#: (fixture, what its answer says: the visits counted in the database)
CASES = [
    ("python/django-postgres", r"visits=(\d+) uid=10001 db=postgresql"),
    ("java/spring-postgres", r"visits=(\d+) db=PostgreSQL"),
]


def visits(port: int, answer: str) -> int:
    body = http_get(port, attempts=240)  # a JVM starting on a shared machine takes its time
    match = re.search(answer, body)
    assert match, body
    return int(match.group(1))


@pytest.mark.parametrize("fixture,answer", CASES, ids=[fixture.replace("/", "-") for fixture, _ in CASES])
def test_an_app_on_postgres_runs_hardened_and_keeps_its_data(docker: Docker, tmp_path: Path, fixture: str,
                                                             answer: str):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / fixture, project, symlinks=True)
    result = scaffold("new", "--yes", "--kubernetes", str(project))
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]
    assert answers["services"] == ["postgres"]
    runtime = runtime_for(answers)
    (postgres,) = runtime.services
    secret = project / "secrets" / "postgres-password"
    assert stat.S_IMODE((project / "secrets").stat().st_mode) == 0o700
    assert stat.S_IMODE(secret.stat().st_mode) == 0o644
    password = secret.read_text().strip()
    assert len(password) >= 32 and not any(password in path.read_text() for path in project.rglob("*")
                                            if path.is_file() and path != secret)

    assert compose_config(project) == ""
    assert compose_lint(project / "compose.yaml") == [SERVICE_DIGEST.format(service=postgres.name, image=postgres.image)]
    assert [entry["failed"] for entry in checkov_kubernetes(project / "k8s").values() if entry["failed"]] == []
    assert [f for found in trivy_config(project / "k8s").values() for f in found] == []

    service_image(docker, postgres.image)
    compose = Compose(tool("docker-compose"), project, f"scaffold-e2e-services-{fixture.replace('/', '-')}",
                      {**compose_env(docker.executable), "HOST_PORT": str(free_port())})
    try:
        with one_build_at_a_time():
            compose.up()
        for name, user in ((runtime.name, f"{runtime.uid}:{runtime.gid}"), ("postgres", postgres.user)):
            state = docker.inspect_container(compose.container(name))
            host = state["HostConfig"]
            assert state["Config"]["User"] == user, name
            assert host["ReadonlyRootfs"] is True and host["CapDrop"] == ["ALL"] and not host.get("CapAdd"), name
            assert host["SecurityOpt"] == ["no-new-privileges:true"], name
        database = docker.inspect_container(compose.container("postgres"))
        assert not database["HostConfig"].get("PortBindings")  # never published
        assert [m["Destination"] for m in database["Mounts"] if m["Type"] == "volume"] == [postgres.data]
        port = int(compose.run("port", runtime.name, str(runtime.port)).stdout.strip().rsplit(":", 1)[1])
        # the first request may be counted twice: one that outlasts the client's 3 s while the pool connects
        # is asked again, so the count is read as it goes up
        first = visits(port, answer)
        assert first >= 1 and visits(port, answer) == first + 1

        compose.run("down")  # the database's volume stays
        with one_build_at_a_time():
            compose.up()
        port = int(compose.run("port", runtime.name, str(runtime.port)).stdout.strip().rsplit(":", 1)[1])
        assert visits(port, answer) == first + 2  # the rows outlived the containers
    except AssertionError:
        print(compose.run("logs", "--no-color", check=False).stdout[-6000:])  # why, shown with the failure
        raise
    finally:
        compose.down()


def test_rabbitmq_takes_its_password_from_the_secret_and_keeps_its_data(docker: Docker, tmp_path: Path):
    """RabbitMQ's image takes no password file: the generated command writes `default_pass` from the secret into a
    config file on a tmpfs and starts the broker read-only, as 999, unpublished. The user `app` signs in with the
    file's password, `guest` does not exist, and what the broker stores survives `down` and `up` (its node name
    is fixed, so its data folder is found again). The stand-in is Debian's RabbitMQ 3.10 under the official tag."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "go" / "rabbitmq-worker", project, symlinks=True)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    (rabbitmq,) = runtime_for(yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]).services
    password = (project / "secrets" / "rabbitmq-password").read_text().strip()
    assert password not in (project / "compose.yaml").read_text()
    assert compose_config(project) == ""

    service_image(docker, rabbitmq.image)
    compose = Compose(tool("docker-compose"), project, "scaffold-e2e-services-rabbitmq",
                      {**compose_env(docker.executable), "HOST_PORT": str(free_port())})

    def ctl(*args: str, check: bool = True) -> "subprocess.CompletedProcess[str]":
        """rabbitmqctl in the broker's container, through `docker exec`: compose's exec here returns 0 whatever
        the command's exit status."""
        return docker.run("exec", compose.container("rabbitmq"), "rabbitmqctl", "-q", *args, check=check)

    try:
        compose.run("up", "--detach", "--wait", "--wait-timeout", "300", "rabbitmq")
        state = docker.inspect_container(compose.container("rabbitmq"))
        host = state["HostConfig"]
        assert state["Config"]["User"] == rabbitmq.user
        assert host["ReadonlyRootfs"] is True and host["CapDrop"] == ["ALL"] and not host.get("CapAdd")
        assert not host.get("PortBindings") and state["State"]["Health"]["Status"] == "healthy"
        assert not [e for e in state["Config"]["Env"] if password in e]
        assert [m["Destination"] for m in state["Mounts"] if m["Type"] == "volume"] == [rabbitmq.data]
        # healthy means the broker takes connections: its users are there (`ping` was healthy seconds before)
        users = ctl("list_users").stdout.split()
        assert "app" in users and "guest" not in users
        assert ctl("authenticate_user", "app", password, check=False).returncode == 0
        assert ctl("authenticate_user", "app", "wrong", check=False).returncode != 0
        ctl("add_vhost", "kept")

        compose.run("down")  # the volume stays
        compose.run("up", "--detach", "--wait", "--wait-timeout", "300", "rabbitmq")
        assert "kept" in ctl("list_vhosts").stdout.split()
    except AssertionError:
        print(compose.run("logs", "--no-color", check=False).stdout[-6000:])
        raise
    finally:
        compose.down()
