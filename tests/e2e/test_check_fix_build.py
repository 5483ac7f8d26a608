"""`scaffold check --fix` on each buildable corpus fixture: the result lints, builds, runs as non-root and answers.

For each fixture: `--fix` in a copy; hadolint finds nothing in the fixed file; the stand-in
base images it names are built (shared/offline-images, `--from-dockerfile`); `docker
build` (BuildKit); `scaffold verify` on the image finds nothing but the rows `scaffold check`
still reports after `--fix` (the fixture's snapshot): what the built image breaks, the
static check must have said (tests/e2e/verified.py); the image's user, which verify requires
numeric and not root, is the uid the app reports when it answers an HTTP request under
`docker run --read-only --cap-drop ALL --security-opt no-new-privileges`. Builds run one at
a time (a lock file), the machine's cores being shared.
"""

from __future__ import annotations

import fcntl
import re
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.check_corpus import BUILDABLE, NOT_BUILDABLE, copy, snapshot
from tests.e2e.docker import STANDINS, Docker, client, http_get, unavailable_reason
from tests.e2e.verified import assert_verified
from tests.helpers import scaffold
from tests.lint_tools import hadolint

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]

LOCK = Path("/tmp/scaffold-e2e-docker-build.lock")


@contextmanager
def one_build_at_a_time() -> Iterator[None]:
    with LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    return Docker(executable)


@pytest.mark.parametrize("name", sorted(BUILDABLE))
def test_fixed_fixture_builds_runs_as_non_root_and_answers(name, tmp_path, docker):
    project = copy(name, tmp_path)
    result = scaffold("check", "--fix", "--no-docker", str(project / "Dockerfile"))
    assert result.returncode in (0, 1), result.stderr
    dockerfile = project / "Dockerfile"
    assert hadolint(dockerfile.read_text()) == []
    image = f"scaffold-check-e2e/{name}:test"
    container = ""
    try:
        with one_build_at_a_time():
            if STANDINS.exists():
                standins = subprocess.run([str(STANDINS), "--from-dockerfile", str(dockerfile)], capture_output=True,
                                          text=True, timeout=1800, check=False)
                assert standins.returncode == 0, standins.stdout[-2000:] + standins.stderr[-2000:]
            docker.build(project, image)
        port = BUILDABLE[name].port
        left = frozenset(key.split()[1] for key in snapshot(name)["after_fix"])
        assert_verified(docker, image, dockerfile, port=port, left_rows=left,
                        why_left="`scaffold check` still reports these rows after --fix")
        user = docker.inspect(image)["Config"]["User"]
        container = docker.start(image, port)
        body = http_get(docker.host_port(container, port))
        uid = re.search(r"uid=(\d+)", body)
        assert "hello from" in body and uid, docker.logs(container)
        assert int(uid.group(1)) == int(user.split(":")[0]) != 0, body
    finally:
        if container:
            docker.remove(container)
        docker.remove_image(image)


@pytest.mark.parametrize("name", sorted(NOT_BUILDABLE))
def test_not_buildable_here(name):
    pytest.skip(f"{name}: {NOT_BUILDABLE[name]}")
