"""Go images of the patterns real repositories have, built once each, run hardened and asked.

- module dependencies from the Go module proxy (go.sum), skipped with the reason when the
  build cannot reach the proxy (probed from inside the golang image the build uses);
- a `replace` to a local module of the repository;
- a listen address on loopback moved to all interfaces by the start arguments (a flag) and
  by the image's environment (a variable read by a config package): the image answers;
- a command-line program: no EXPOSE, `IMAGE --help` exits 0;
- a program whose viper reads settings.yaml from its working directory (the config_file
  answer, which also gives its port): the image holds it read-only in /app.

One build per case, checked by `scaffold verify` (tests/e2e/verified.py: any finding fails
the test in verify's words; the cached rebuild is test_images.py's); here the point is that
what detection decided makes an image that starts and answers.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional

import pytest
import yaml

from generator.languages import by_name
from tests.e2e.docker import Docker, client, http_get, unavailable_reason
from tests.e2e.verified import assert_verified
from tests.helpers import FIXTURES, scaffold

UID = 10001
#: the module the deps fixture needs, asked of the proxy exactly as its build will
PROBE_MODULE = "github.com/go-chi/chi/v5@v5.2.3"

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]

SERVERS = ["go/deps", "go/replace-local", "go/loopback-flag", "go/port-config", "go/config-viper-file"]
#: docker run options that take away what detection set: the image no longer answers
UNDO = {
    "go/loopback-flag": lambda answers: ["--entrypoint", f"/usr/local/bin/{answers['binary']}"],
    "go/port-config": lambda answers: ["-e", "APP_LISTEN_ADDR=127.0.0.1:8787"],
    # away from /app, viper finds no settings.yaml (the config_file answer): the program stops at start
    "go/config-viper-file": lambda answers: ["--workdir", "/"],
}


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    return Docker(executable)


def proxy_unreachable(docker: Docker, builder: str) -> Optional[str]:
    """Why `go mod download` in the builder image cannot fetch a module (None: it can)."""
    if not docker.has_image(builder):
        return f"no {builder} image to probe the Go module proxy from"
    result = docker.run("run", "--rm", "--entrypoint", "go", builder, "mod", "download", "-json", PROBE_MODULE,
                        check=False, timeout=120)
    if result.returncode == 0:
        return None
    said = (result.stdout + result.stderr).strip().splitlines()
    return f"the Go module proxy is unreachable from {builder} ({said[-1] if said else 'go mod download failed'})"


def new(fixture: str, project: Path) -> dict:
    shutil.copytree(FIXTURES / fixture, project, symlinks=True)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    return yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]


@pytest.mark.parametrize("fixture", SERVERS)
def test_go_server_builds_starts_and_answers(fixture: str, docker: Docker, tmp_path: Path):
    project = tmp_path / "project"
    answers = new(fixture, project)
    if (project / "go.sum").is_file():  # modules from the proxy
        reason = proxy_unreachable(docker, f"golang:{answers['version']}-bookworm")
        if reason:
            pytest.skip(reason)
    image = f"scaffold-e2e/{fixture.replace('/', '-')}:test"
    container = ""
    try:
        docker.build(project, image)
        assert_verified(docker, image, project / "Dockerfile", port=answers["port"])
        meta = docker.inspect(image)["Config"]
        assert meta["Entrypoint"] == by_name("go").start_command(answers)  # args, and the flag port_setting names
        assert list(meta["ExposedPorts"]) == [f"{answers['port']}/tcp"]
        for setting in answers["env"]:
            assert setting in meta["Env"]
        container = docker.start(image, answers["port"])
        body = http_get(docker.host_port(container, answers["port"]))
        assert f"hello from {fixture}" in body, docker.logs(container)
        uid = re.search(r"uid=(\d+)", body)
        assert uid and int(uid.group(1)) == UID, body
        undo = UNDO.get(fixture)
        if undo:  # the same image without what detection set: on loopback (no answer) or stopped (no port)
            docker.remove(container)
            container = docker.start(image, answers["port"], *undo(answers))
            with pytest.raises(AssertionError, match="no HTTP answer|No public port"):
                http_get(docker.host_port(container, answers["port"]), attempts=12)
    finally:
        if container:
            docker.remove(container)
        docker.remove_image(image)


def test_go_command_line_program_runs_help(docker: Docker, tmp_path: Path):
    project = tmp_path / "project"
    answers = new("go/cli-flags", project)
    assert answers["port"] is None
    image = "scaffold-e2e/go-cli-flags:test"
    try:
        docker.build(project, image)
        assert_verified(docker, image, project / "Dockerfile")  # its smoke run: no input, exits 0
        meta = docker.inspect(image)["Config"]
        assert not meta.get("ExposedPorts") and meta.get("Healthcheck", {}).get("Test") == ["NONE"]
        assert meta["Entrypoint"] == ["/usr/local/bin/clitool"]
        result = docker.run("run", "--rm", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                            image, "--help", check=False, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "-scaffold" in result.stderr + result.stdout  # the flag package's usage
        counted = subprocess.run([docker.executable, "run", "--rm", "-i", "--read-only", "--cap-drop", "ALL", image],
                                 input="one two three\n", capture_output=True, text=True, env=docker.env, timeout=120)
        assert counted.returncode == 0 and counted.stdout.strip() == "3", counted.stderr
    finally:
        docker.remove_image(image)
