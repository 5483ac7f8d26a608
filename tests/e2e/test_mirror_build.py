"""With a base_registry mirror, every FROM names the mirror, and the output still builds, passes
`scaffold verify` and runs.

The stand-in base images are tagged under the mirror's names, as a team's internal
registry would serve them, so the build resolves every FROM by its mirror name.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.images import mirrored
from tests.helpers import ROOT, scaffold
from tests.e2e.docker import Docker, client, http_get, unavailable_reason
from tests.e2e.verified import assert_verified

MIRROR = "registry.example.internal/library"
_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]


@pytest.mark.parametrize("fixture,final,port,expected", [
    ("go/root", "distroless", 8080, "uid=10001"),
    ("python/flask", "slim", 5000, "uid 10001"),
])
def test_mirrored_images_build_and_run(tmp_path: Path, fixture: str, final: str, port: int, expected: str):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "tests" / "fixtures" / fixture, project)
    result = scaffold("new", "--yes", "--final", final, str(project),
                      env={"SCAFFOLD_BASE_REGISTRY": MIRROR, "XDG_CONFIG_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    dockerfile = (project / "Dockerfile").read_text()
    stages = set(re.findall(r"^FROM \S+ AS (\S+)$", dockerfile, re.M))
    # every image a FROM or a COPY --from names (a runtime root copies its base); scratch is no image
    named = re.findall(r"^FROM (\S+)", dockerfile, re.M) + re.findall(r"^COPY --from=(\S+)", dockerfile, re.M)
    bases = list(dict.fromkeys(image for image in named if image not in stages and image != "scratch"))
    assert bases and all(image.startswith(MIRROR + "/") for image in bases), bases

    docker = Docker(client())
    image, container, tagged = f"scaffold-e2e/mirror-{fixture.replace('/', '-')}:test", "", []
    try:
        for base in bases:  # the mirror serves the stand-ins under its own name
            official = next(o for o in _official_names(base) if docker.has_image(o))
            docker.run("tag", official, base)
            tagged.append(base)
        docker.build(project, image)
        assert_verified(docker, image, project / "Dockerfile", port=port)
        container = docker.start(image, port)
        assert expected in http_get(docker.host_port(container, port))
    finally:
        if container:
            docker.remove(container)
        docker.remove_image(image)
        for base in tagged:
            docker.run("rmi", base, check=False)


def _official_names(mirrored_name: str):
    """The official names that `mirrored` maps onto `mirrored_name` (Docker Hub or gcr.io here)."""
    path = mirrored_name[len(MIRROR) + 1:]
    for candidate in (path, f"gcr.io/{path}"):
        if mirrored(candidate, MIRROR) == mirrored_name:
            yield candidate
