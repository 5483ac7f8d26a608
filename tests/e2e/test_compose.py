"""`scaffold new --yes --kubernetes --ci github`, then `docker compose up`: served hardened.

For a Go, a Python (with a release step) and a Java fixture: every file is written and
lints clean (docker compose config, compose-lint, checkov, trivy config, actionlint,
zizmor); `docker compose up --build --wait` builds the Dockerfile on the stand-in base
images and starts it; the image it built passes `scaffold verify` (tests/e2e/verified.py);
the app answers on 127.0.0.1 as the image's user; the container
runs read-only, without capabilities, with no-new-privileges, the limits and exactly the
writable tmpfs of the runtime contract, on a network of its own; the release step ran
(exit 0) before the app started. Builds run one at a time (a lock shared with the other
e2e modules); three cases keep the suite's time modest.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Tuple

import pytest
import yaml

from generator.runtime import runtime_for
from tests.e2e.docker import Compose, Docker, client, compose_env, free_port, http_get, one_build_at_a_time, \
    unavailable_reason
from tests.e2e.verified import assert_verified
from tests.helpers import FIXTURES, scaffold
from tests.lint_tools import actionlint, checkov_kubernetes, compose_config, compose_lint, tool, trivy_config, zizmor

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]


@dataclass(frozen=True)
class Case:
    fixture: str
    flags: Tuple[str, ...] = ()
    #: what the app's answer says about the user it runs as
    uid_text: str = "uid=10001"
    #: what the release step prints (empty: no release step)
    release_says: str = ""


CASES = [
    Case("go/root"),
    Case("python/procfile", ("--release", "python -c \"print('release step ran')\""), uid_text="uid 10001",
         release_says="release step ran"),
    Case("java/maven", uid_text="10001"),
]


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    return Docker(executable)


def started(docker: Docker, container: str) -> Tuple[dict, datetime]:
    state = docker.inspect_container(container)
    return state, _time(state["State"]["StartedAt"])


def _time(stamp: str) -> datetime:
    """Docker's RFC 3339 time with nanoseconds, to the microsecond."""
    head, _, fraction = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{(fraction + '000000')[:6]}")


@pytest.mark.parametrize("case", CASES, ids=[case.fixture.replace("/", "-") for case in CASES])
def test_compose_up_serves_it_hardened(case: Case, docker: Docker, tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / case.fixture, project, symlinks=True)
    result = scaffold("new", "--yes", "--kubernetes", "--ci", "github", *case.flags, str(project))
    assert result.returncode == 0, result.stderr
    assert "docker compose up --build" in result.stderr
    answers = yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]
    runtime = runtime_for(answers)
    for name in ("Dockerfile", ".dockerignore", "compose.yaml", ".github/workflows/container.yml",
                 "k8s/deployment.yaml", "k8s/service.yaml", "k8s/networkpolicy.yaml", "k8s/kustomization.yaml"):
        assert (project / name).is_file(), name

    # every file lints clean
    assert compose_config(project) == ""
    assert compose_lint(project / "compose.yaml") == []
    assert [entry["failed"] for entry in checkov_kubernetes(project / "k8s").values() if entry["failed"]] == []
    assert [f for found in trivy_config(project / "k8s").values() for f in found] == []
    workflow = project / ".github" / "workflows" / "container.yml"
    assert actionlint(workflow) == "" and zizmor(workflow) == ""

    compose = Compose(tool("docker-compose"), project, f"scaffold-e2e-{case.fixture.replace('/', '-')}",
                      {**compose_env(docker.executable), "HOST_PORT": str(free_port())})
    try:
        with one_build_at_a_time():
            compose.up()
        app = compose.container(runtime.name)
        state, app_started = started(docker, app)
        assert_verified(docker, state["Image"], project / "Dockerfile", port=runtime.port)
        host_port = int(compose.run("port", runtime.name, str(runtime.port)).stdout.strip().rsplit(":", 1)[1])
        assert compose.run("port", runtime.name, str(runtime.port)).stdout.startswith("127.0.0.1:")
        body = http_get(host_port)
        assert case.uid_text in body, body

        config, host = state["Config"], state["HostConfig"]
        assert config["User"] == f"{runtime.uid}:{runtime.gid}"
        assert host["ReadonlyRootfs"] is True and host["CapDrop"] == ["ALL"] and not host.get("CapAdd")
        assert host["SecurityOpt"] == ["no-new-privileges:true"] and host["Privileged"] is False
        assert host["PidsLimit"] == runtime.resources.pids and host["Memory"] == runtime.resources.memory_mb << 20
        assert host["NanoCpus"] == int(runtime.resources.cpus * 1e9)
        assert sorted(host["Tmpfs"]) == sorted(w.path for w in runtime.writable)
        assert host["RestartPolicy"]["Name"] == "on-failure"
        assert list(state["NetworkSettings"]["Networks"]) == [f"{compose.base[-1]}_{runtime.name}"]
        assert state["State"]["Health"]["Status"] == "healthy" if runtime.probe and runtime.probe.command \
            else "Health" not in state["State"]

        if case.release_says:
            release = compose.container(f"{runtime.name}-release")
            release_state = docker.inspect_container(release)["State"]
            assert release_state["ExitCode"] == 0 and release_state["Status"] == "exited"
            assert _time(release_state["FinishedAt"]) <= app_started, (release_state, app_started)
            assert case.release_says in docker.logs(release)
        if answers["language"] == "python":  # the one final image with a program to try a write with
            probe = docker.run("exec", app, "/app/venv/bin/python", "-c", "open('/app/probe', 'w')", check=False)
            assert probe.returncode != 0 and "Read-only file system" in probe.stderr, probe.stderr
            tmp = docker.run("exec", app, "/app/venv/bin/python", "-c", "open('/tmp/probe', 'w').write('ok')",
                             check=False)
            assert tmp.returncode == 0, tmp.stderr
    finally:
        compose.down()
