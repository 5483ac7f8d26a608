"""An upgraded Dockerfile (team edits + a template change, merged) still lints, builds, passes
`scaffold verify` and runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import ROOT, scaffold
from tests.e2e.docker import Docker, client, http_get, unavailable_reason
from tests.e2e.verified import assert_verified
from tests.lint_tools import checkov, hadolint

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]


def test_upgraded_dockerfile_builds_and_runs(tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "tests" / "fixtures" / "go" / "root", project)
    assert scaffold("new", "--yes", str(project)).returncode == 0

    # the team's edits: a step in the builder, a label in the final stage
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text()
    text = text.replace("WORKDIR /src\n", "WORKDIR /src\nRUN go version\n", 1)
    text = text.replace("\nEXPOSE 8080\n", '\nLABEL org.example.team="platform"\nEXPOSE 8080\n', 1)
    dockerfile.write_text(text)

    # a newer template: a changed description label, a new version
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    skeleton = templates / "_shared" / "Dockerfile.jinja"
    skeleton.write_text(skeleton.read_text().replace("hardened by hardened-scaffold", "hardened by hardened-scaffold v2"))
    (templates / "VERSION").write_text("2\n")

    upgraded = scaffold("upgrade", str(project), env={"SCAFFOLD_TEMPLATES": str(templates)})
    assert upgraded.returncode == 0, upgraded.stderr
    text = dockerfile.read_text()
    assert "RUN go version" in text and 'LABEL org.example.team="platform"' in text and "hardened-scaffold v2" in text
    assert hadolint(text) == [] and checkov({"upgraded": text})["upgraded"] == []

    docker = Docker(client())
    image = "scaffold-e2e/upgraded:test"
    container = ""
    try:
        docker.build(project, image)
        assert_verified(docker, image, dockerfile, port=8080)
        labels = docker.inspect(image)["Config"]["Labels"]
        assert labels["org.example.team"] == "platform" and labels["org.opencontainers.image.description"].endswith("v2")
        container = docker.start(image, 8080)
        assert "uid=10001" in http_get(docker.host_port(container, 8080))
    finally:
        if container:
            docker.remove(container)
        docker.remove_image(image)
