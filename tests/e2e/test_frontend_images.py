"""Apps that serve a UI built with Node: the image answers with the UI, and Node stays out of it.

Each case is a tiny backend of its own language plus a frontend whose lockfile resolves
from the npm registry (vite alone, or webpack + webpack-cli alone). `scaffold new --yes`
detects the frontend; the image is built, checked by `scaffold verify`, run hardened, and
asked for its index page and one hashed asset (HTTP 200). Then a backend-only edit is
built again: every step of the frontend stage must come from the cache.
"""

from __future__ import annotations

import re
import shutil
import tarfile
import uuid
from pathlib import Path
from typing import List, NamedTuple

import pytest
import yaml

from tests.e2e.docker import Docker, client, http_get, maven_central_unreachable, unavailable_reason
from tests.e2e.services import service_image
from tests.e2e.verified import assert_verified
from tests.helpers import FIXTURES, scaffold

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]


class Case(NamedTuple):
    fixture: str
    #: a backend source file a backend-only edit touches, and how it writes a comment
    backend_source: str
    comment: str
    #: what the index page says
    marker: str


CASES = [
    Case("go/embed-vite", "main.go", "// {}", "embedvite ui"),
    Case("python/django-webpack", "mysite/urls.py", "# {}", "django webpack ui"),
    Case("java/spring-boot-frontend", "src/main/java/com/example/demo/DemoApplication.java", "// {}", "spring boot ui"),
]


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    return Docker(executable)


def final_paths(docker: Docker, image: str, tmp_path: Path) -> List[str]:
    """Every path in the image's filesystem."""
    container = docker.run("create", image).stdout.strip()
    try:
        archive = docker.export(container, tmp_path / "final.tar")
    finally:
        docker.remove(container)
    with tarfile.open(archive) as tar:
        return tar.getnames()


@pytest.mark.parametrize("case", CASES, ids=[case.fixture for case in CASES])
def test_frontend_is_served_and_node_stays_out(case: Case, docker: Docker, tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / case.fixture, project, symlinks=True)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]
    assert answers["frontend"] and answers["frontend_output"], answers
    if answers["language"] == "java" and maven_central_unreachable(docker):
        pytest.skip(maven_central_unreachable(docker))
    service_image(docker, f"node:{answers['frontend_node']}-bookworm-slim")  # a stand-in where no registry is reachable
    image = f"scaffold-e2e/frontend-{case.fixture.replace('/', '-')}:test"
    container = ""
    try:
        docker.build(project, image)
        assert_verified(docker, image, project / "Dockerfile", port=answers["port"])
        paths = final_paths(docker, image, tmp_path)
        assert not [p for p in paths if "node_modules" in p.split("/") or p.endswith(("bin/node", "bin/npm"))]
        container = docker.start(image, answers["port"])
        port = docker.host_port(container, answers["port"])
        index = http_get(port, "/")
        assert case.marker in index, docker.logs(container)
        asset = re.search(r"""(?:src|href)="(/?[^"]*[.-][0-9A-Za-z_-]{8,}\.(?:js|css))""", index)
        assert asset, index
        assert http_get(port, "/" + asset.group(1).lstrip("/"), attempts=4)
        source = project / case.backend_source
        source.write_text(source.read_text() + "\n" + case.comment.format(f"touched {uuid.uuid4().hex}") + "\n")
        second = docker.build(project, image)
        frontend = {lines[0]: any(line.strip() == "CACHED" for line in lines[1:])
                    for lines in second.step_lines().values()
                    if lines[0].startswith("[frontend ") and (" COPY " in lines[0] or " RUN " in lines[0])}
        assert frontend and all(frontend.values()), f"a frontend step re-ran after a backend-only edit: {frontend}"
        assert [lines[0] for lines in second.step_lines().values() if lines[0].startswith("[build ")
                and not any(line.strip() == "CACHED" for line in lines[1:])], "the backend edit was not seen"
    finally:
        if container:
            docker.remove(container)
        docker.remove_image(image)


#: the pnpm the pnpm case pins in packageManager (with its registry hash, as `corepack use` writes it)
PNPM = "9.15.0"


def test_a_pnpm_frontend_builds_through_corepack_at_its_pinned_version(docker: Docker, tmp_path: Path):
    """corepack installs the packageManager's pnpm, checked against its hash, on the official image and on the
    Debian stand-in alike (no lookup of the latest release, whose signature check needs the registry's keys)."""
    import os

    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "go/embed-vite", project, symlinks=True)
    ui = project / "ui"
    (ui / "package-lock.json").unlink()
    node = service_image(docker, "node:20-bookworm-slim")
    # the lockfile and the hash-pinned packageManager, made by pnpm itself in the node image
    script = (f'hash=$(npm view pnpm@{PNPM} dist.integrity | cut -d- -f2- | base64 -d | od -An -v -tx1 | tr -d " \\n")'
              f' && npm pkg set packageManager="pnpm@{PNPM}+sha512.$hash"'
              " && corepack pnpm install --lockfile-only --ignore-scripts"
              f" && chown {os.getuid()}:{os.getgid()} package.json pnpm-lock.yaml")
    docker.run("run", "--rm", "-v", f"{ui}:/w", "-w", "/w", "-e", "COREPACK_ENABLE_DOWNLOAD_PROMPT=0",
               "-e", "COREPACK_DEFAULT_TO_LATEST=0", node, "sh", "-c", script, timeout=600)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    dockerfile = (project / "Dockerfile").read_text()
    assert "corepack pnpm install --frozen-lockfile --ignore-scripts" in dockerfile
    image = "scaffold-e2e/frontend-pnpm:test"
    container = ""
    try:
        docker.build(project, image)
        container = docker.start(image, 8080)
        assert "embedvite ui" in http_get(docker.host_port(container, 8080), "/"), docker.logs(container)
    finally:
        if container:
            docker.remove(container)
        docker.remove_image(image)
