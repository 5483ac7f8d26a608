"""`scaffold adopt` on hand-written Dockerfiles: the adopted one builds, runs hardened and answers on the old port.

For each case: adopt in a copy; the stand-in base images the new Dockerfile names are
built (shared/offline-images, `--from-dockerfile`); `docker build` (BuildKit); `scaffold
verify` finds nothing (tests/e2e/verified.py); the image runs as the user the answers say
(carried from the old Dockerfile); `docker run --read-only --cap-drop ALL
--security-opt no-new-privileges` and an HTTP request on the port carried from the old
Dockerfile's EXPOSE, which the app answers with the uid it runs as. One build at a time.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from tests.e2e.docker import STANDINS, Docker, client, http_get, unavailable_reason
from tests.e2e.test_check_fix_build import one_build_at_a_time
from tests.e2e.verified import assert_verified
from tests.helpers import ROOT, scaffold
from tests.lint_tools import hadolint

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]

#: fixture -> (the port its old Dockerfile EXPOSEs, what the app says)
CASES = {
    "adopt_fixtures/python-srv": (5000, "hello from"),            # python:3.11, CMD with an absolute path
    "adopt_fixtures/go-alpine-tini": (9091, "hello from worker"),  # the second command, uid 1000 carried
    "check_fixtures/docker-init": (8000, "hello from"),           # `docker init` style, shell-form CMD
    "adopt_fixtures/java-jar": (8080, "hello from maven"),       # maven + JRE, java -jar: the manifest
}


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    return Docker(executable)


@pytest.mark.parametrize("name", sorted(CASES))
def test_adopted_dockerfile_builds_runs_hardened_and_answers_on_the_old_port(name, tmp_path, docker):
    project = tmp_path / name.split("/")[-1]
    shutil.copytree(ROOT / "tests" / name, project)
    adopted = scaffold("adopt", str(project))
    assert adopted.returncode == 0, adopted.stderr
    dockerfile = project / "Dockerfile"
    assert hadolint(dockerfile.read_text()) == []
    answers = yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]
    port, greeting = CASES[name]
    assert answers["port"] == port
    image = f"scaffold-adopt-e2e/{project.name}:test"
    container = ""
    try:
        with one_build_at_a_time():
            if STANDINS.exists():
                standins = subprocess.run([str(STANDINS), "--from-dockerfile", str(dockerfile)], capture_output=True,
                                          text=True, timeout=1800, check=False)
                assert standins.returncode == 0, standins.stdout[-2000:] + standins.stderr[-2000:]
            docker.build(project, image)
        assert_verified(docker, image, dockerfile, port=port)
        assert docker.inspect(image)["Config"]["User"] == f"{answers['uid']}:{answers['gid']}"
        container = docker.start(image, port)
        body = http_get(docker.host_port(container, port))
        assert greeting in body, docker.logs(container)
        uid = re.search(r"uid[= ](\d+)", body)
        assert uid and int(uid.group(1)) == answers["uid"], body
    finally:
        if container:
            docker.remove(container)
        docker.remove_image(image)
