"""`scaffold verify` against real images in a real daemon: the stock slim stand-in fails, a generated
scratch image passes with its port answering, deleted-but-shipped bytes and a program that cannot
run hardened are findings, and an image that is not there is exit 2."""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict

import pytest

from generator.verify import verify_image
from tests.e2e.docker import Docker, client, unavailable_reason
from tests.helpers import FIXTURES, scaffold

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]

SLIM = "python:3.12-slim-bookworm"
DEBIAN = "debian:bookworm-slim"


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    return Docker(executable)


def verify_cli(docker: Docker, *args: str):
    return scaffold("verify", *args, env={"SCAFFOLD_DOCKER": docker.executable})


def build(docker: Docker, tmp_path: Path, dockerfile: str) -> str:
    context = tmp_path / f"context-{uuid.uuid4().hex[:8]}"
    context.mkdir()
    (context / "Dockerfile").write_text(dockerfile)
    image = f"scaffold-e2e/verify-{uuid.uuid4().hex[:12]}:test"
    docker.build(context, image)
    return image


def test_the_stock_slim_image_fails_naming_root_shell_and_package_manager(docker: Docker):
    if not docker.has_image(SLIM):
        pytest.skip(f"{SLIM} is not in the daemon (tests/e2e/images.txt lists it for .ci/run to build)")
    result = verify_cli(docker, SLIM, "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    seen = {(f["row"], f["check"]): f for f in report["findings"]}
    assert seen[("H3", "user")]["seen"] == "no USER: the container runs as root"
    assert {"usr/bin/sh", "usr/bin/bash", "usr/bin/dash"} <= set(seen[("H5", "shell")]["paths"])
    assert "apt" in seen[("H5", "package-manager")]["seen"] and "dpkg" in seen[("H5", "package-manager")]["seen"]
    assert {"usr/bin/apt-get", "usr/bin/dpkg"} <= set(seen[("H5", "package-manager")]["paths"])
    assert report["facts"]["package_database"] == "dpkg" and report["facts"]["packages"] > 50
    text = verify_cli(docker, SLIM, "--no-run")
    assert text.returncode == 1 and "H3    user: no USER: the container runs as root" in text.stdout


def test_a_generated_scratch_image_passes_and_answers_on_its_port(docker: Docker, tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "go" / "root", project, symlinks=True)
    new = scaffold("new", "--yes", "--final", "scratch", str(project))
    assert new.returncode == 0, new.stderr
    image = f"scaffold-e2e/verify-go-root-{uuid.uuid4().hex[:8]}:test"
    try:
        docker.build(project, image)
        result = verify_cli(docker, image, "--port", "8080")
        assert result.returncode == 0, result.stdout + result.stderr
        assert ": passes" in result.stdout.splitlines()[0]
        report = verify_image(image, port=8080, docker=docker.executable)
        assert report.findings == [] and report.facts["run"] == "running; port 8080 answers"
        assert report.facts["whiteouts"] == 0 and report.facts["uid"] == 10001
        wrong_port = verify_image(image, port=9999, docker=docker.executable, answer_timeout=5)
        assert [(f.row, f.check) for f in wrong_port.findings] == [("H15", "labels"), ("R1-R3", "run")]
    finally:
        docker.remove_image(image)


def test_a_whiteout_over_a_shipped_shell_is_a_finding(docker: Docker, tmp_path: Path):
    if not docker.has_image(DEBIAN):
        pytest.skip(f"{DEBIAN} is not in the daemon")
    image = build(docker, tmp_path, f"FROM {DEBIAN}\nRUN rm /usr/bin/bash /usr/bin/rbash\n"
                                    'ENTRYPOINT ["/usr/bin/sleep", "600"]\n')
    try:
        report = verify_image(image, docker=docker.executable, settle=2)
        hiding = [f for f in report.findings if f.check == "whiteouts" and "usr/bin/bash" in f.paths]
        assert len(hiding) == 1 and hiding[0].row == "H17"
        assert hiding[0].paths == ["usr/bin/bash", "usr/bin/rbash"]
        assert hiding[0].seen.startswith(f"layer {report.facts['layers']} of {report.facts['layers']} (RUN ")
        gone = [f for f in report.findings if f.check == "package-database"]
        assert [f.row for f in gone] == ["H16"] and "bash (" in gone[0].seen and "bin/bash" in gone[0].paths
        assert report.facts["run"] == "still running after 2 s"
    finally:
        docker.remove_image(image)


def test_a_program_that_cannot_run_hardened_is_a_run_finding(docker: Docker, tmp_path: Path):
    if not docker.has_image(DEBIAN):
        pytest.skip(f"{DEBIAN} is not in the daemon")
    image = build(docker, tmp_path, f'FROM {DEBIAN}\nUSER 10001:10001\nENTRYPOINT ["/usr/bin/touch", "/etc/x"]\n')
    try:
        report = verify_image(image, docker=docker.executable, settle=10)
        run = [f for f in report.findings if f.check == "run"]
        assert len(run) == 1 and run[0].seen.startswith("the container exited with 1 within 10 s; its log ends: ")
        assert "Read-only file system" in run[0].seen or "Permission denied" in run[0].seen
    finally:
        docker.remove_image(image)


def test_the_smoke_run_flags_hold_on_the_daemon_and_leave_nothing_behind(docker: Docker, tmp_path: Path):
    """The container as the daemon runs it: limits, tmpfs for /tmp and the VOLUME (no anonymous volume), no
    network, no log, auto-removed; and gone, with nothing mounted left, when verify returns."""
    if not docker.has_image(DEBIAN):
        pytest.skip(f"{DEBIAN} is not in the daemon")
    image = build(docker, tmp_path, f'FROM {DEBIAN}\nUSER 10001:10001\nVOLUME /data\n'
                                    'ENTRYPOINT ["/usr/bin/sleep", "600"]\n')
    seen: Dict[str, Any] = {}

    def watch() -> None:  # the smoke run's container, inspected while it runs
        deadline = time.monotonic() + 60
        while not seen and time.monotonic() < deadline:
            ids = docker.run("ps", "--quiet", "--filter", "label=scaffold.verify=smoke-run", "--filter",
                             f"ancestor={image}", check=False).stdout.split()
            if ids:
                seen.update(docker.inspect_container(ids[0]))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        report = verify_image(image, docker=docker.executable, settle=8)
        watcher.join()
        assert report.facts["run"] == "still running after 8 s", report.findings
        host = seen["HostConfig"]
        assert host["ReadonlyRootfs"] is True and host["CapDrop"] == ["ALL"] and host["AutoRemove"] is True
        assert host["SecurityOpt"] == ["no-new-privileges"] and host["NetworkMode"] == "none"
        assert host["PidsLimit"] == 256 and host["Memory"] == 512 * 1024 * 1024 and host["NanoCpus"] == 10 ** 9
        assert host["Tmpfs"] == {"/tmp": "rw,noexec,nosuid,size=64m", "/data": "rw,noexec,nosuid,size=64m"}
        assert host["LogConfig"]["Type"] == "none" and seen["Config"]["StopTimeout"] == 5
        assert [m for m in seen["Mounts"] if m.get("Type") == "volume"] == []  # no anonymous volume for /data
        left = docker.run("ps", "--all", "--quiet", "--filter", f"name={seen['Name'].lstrip('/')}").stdout.split()
        assert left == []
    finally:
        watcher.join()
        docker.remove_image(image)


def test_an_image_that_is_not_there_is_exit_2_in_one_line(docker: Docker):
    result = verify_cli(docker, "scaffold-e2e/no-such-image:never")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: cannot verify scaffold-e2e/no-such-image:never: no image scaffold-e2e/no-such-image:never here "
        "(verify does not pull: `docker pull scaffold-e2e/no-such-image:never` first)"]
