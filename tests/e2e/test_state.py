"""Apps that write files run hardened: their folders are writable, kept ones survive `down` and `up`.

Two cases, each proving two things with one build:

- a Go server that creates data/notes at start (detected; kept: a named volume) and writes cache/
  (lost: a tmpfs over a folder the image has), on the scratch final image;
- a Flask server whose SQLite file is in its instance folder (kept) and that writes
  uploads/, a folder the repository has (a tmpfs over it was mode 0555 before: the image's
  folder's mode wins over the tmpfs `mode=`).

For each: the files lint clean (compose config, compose-lint, checkov and Trivy on the
PersistentVolumeClaim); `docker compose up --wait` runs the app read-only, without
capabilities, as its uid; `scaffold verify` accepts the image (the state folders are the
only ones the app's user owns); two requests count 1 and 2; after `docker compose down`
and `up` (the volume kept) the next one counts 3.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

import pytest
import yaml

from generator.runtime import runtime_for
from tests.e2e.docker import Compose, Docker, client, compose_env, free_port, http_get, one_build_at_a_time, \
    unavailable_reason
from tests.e2e.verified import assert_verified
from tests.helpers import FIXTURES, scaffold
from tests.lint_tools import checkov_kubernetes, compose_config, compose_lint, tool, trivy_config

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]


@dataclass(frozen=True)
class Case:
    fixture: str
    flags: Tuple[str, ...]
    #: the paths kept (volumes) and lost (tmpfs) the runtime must have
    kept: Tuple[str, ...]
    lost: Tuple[str, ...]


CASES = [
    # data/ is detected (os.MkdirAll at start); cache/ is given
    Case("go/data-folder", ("--writable", "cache"), ("/app/data",), ("/app/cache", "/tmp")),
    Case("python/flask-sqlite", ("--data", "instance", "--writable", "uploads"), ("/app/instance",),
         ("/app/uploads", "/tmp")),
]


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    return Docker(executable)


def visits(port: int) -> int:
    body = http_get(port)
    match = re.search(r"visits=(\d+) uid.10001", body)
    assert match, body
    return int(match.group(1))


@pytest.mark.parametrize("case", CASES, ids=[case.fixture.replace("/", "-") for case in CASES])
def test_state_is_writable_and_kept_across_down_and_up(case: Case, docker: Docker, tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / case.fixture, project, symlinks=True)
    result = scaffold("new", "--yes", "--kubernetes", *case.flags, str(project))
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]
    runtime = runtime_for(answers)
    assert (tuple(w.path for w in runtime.volumes), tuple(sorted(w.path for w in runtime.tmpfs))) == (
        case.kept, case.lost)

    assert compose_config(project) == ""
    assert compose_lint(project / "compose.yaml") == []
    assert [entry["failed"] for entry in checkov_kubernetes(project / "k8s").values() if entry["failed"]] == []
    assert [f for found in trivy_config(project / "k8s").values() for f in found] == []

    compose = Compose(tool("docker-compose"), project, f"scaffold-e2e-state-{case.fixture.replace('/', '-')}",
                      {**compose_env(docker.executable), "HOST_PORT": str(free_port())})
    try:
        with one_build_at_a_time():
            compose.up()
        app = compose.container(runtime.name)
        state = docker.inspect_container(app)
        assert_verified(docker, state["Image"], project / "Dockerfile", port=runtime.port)
        host = state["HostConfig"]
        assert state["Config"]["User"] == f"{runtime.uid}:{runtime.gid}"
        assert host["ReadonlyRootfs"] is True and host["CapDrop"] == ["ALL"] and not host.get("CapAdd")
        assert host["SecurityOpt"] == ["no-new-privileges:true"]
        assert sorted(host["Tmpfs"]) == list(case.lost)
        assert [m["Destination"] for m in state["Mounts"] if m["Type"] == "volume"] == list(case.kept)
        port = int(compose.run("port", runtime.name, str(runtime.port)).stdout.strip().rsplit(":", 1)[1])
        assert [visits(port), visits(port)] == [1, 2]

        compose.run("down")  # the named volume stays
        with one_build_at_a_time():
            compose.up()
        port = int(compose.run("port", runtime.name, str(runtime.port)).stdout.strip().rsplit(":", 1)[1])
        assert visits(port) == 3
    finally:
        compose.down()
