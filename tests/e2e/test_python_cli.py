"""A Python command-line program (issue 10, class 5): built, it runs its arguments and exposes nothing.

Every CLI of the corpus got `EXPOSE 8000` and a TCP probe that could never pass. The
cli-tool fixture is a console script that depends on uvicorn without starting it: its
image must have no EXPOSE and no health check, take its arguments from `docker run`,
and answer `--help` and real input under the hardened run; its declared dependencies are
installed in a step that a source change leaves cached.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import yaml

from tests.e2e.docker import Docker, client, unavailable_reason
from tests.helpers import FIXTURES, scaffold

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]

HARDENED = ("--rm", "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges")


def test_command_line_program_runs_its_arguments_and_exposes_nothing(tmp_path: Path) -> None:
    executable = client()
    assert executable
    docker = Docker(executable)
    project = tmp_path / "cli-tool"
    shutil.copytree(FIXTURES / "python" / "cli-tool", project)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]
    assert answers["port"] is None
    image = "scaffold-e2e/python-cli-tool:test"
    try:
        docker.build(project, image)
        config = docker.inspect(image)["Config"]
        assert not config.get("ExposedPorts") and config["Entrypoint"] == ["wordcount"]
        assert (config.get("Healthcheck") or {}).get("Test") in (None, ["NONE"])
        helped = docker.run("run", *HARDENED, image, "--help")
        assert "Print the number of words" in helped.stdout
        counted = docker.run("run", *HARDENED, "-v", f"{project / 'pyproject.toml'}:/data/in.toml:ro", image,
                             "/data/in.toml")
        assert int(counted.stdout.strip()) == len((project / "pyproject.toml").read_text().split())
        # the declared dependencies (pyproject only, no requirements file) are a step of their own:
        # a source change leaves it CACHED (issue 10, class 6)
        source = project / "src" / "wordcount" / "cli.py"
        source.write_text(source.read_text() + f"\n# touched {uuid.uuid4().hex}\n")
        steps = docker.build(project, image).steps_running("install 'click==8.1.8'")
        assert steps and all(steps.values()), steps
    finally:
        docker.remove_image(image)
