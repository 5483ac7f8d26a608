"""The Docker client verify drives: inspect, save (streamed) and the hardened smoke run.

The client is `$SCAFFOLD_DOCKER` when set, else `docker` on PATH; inspect, save and run need
no BuildKit. Every failure to reach a daemon or find the image is a CannotVerify (exit 2).
The smoke run's container is always removed, whatever happens. Messages keep docker's text as
it is: the report and the CLI's error line escape it for the terminal.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from typing import IO, Any, Dict, Iterator, List, Optional, Sequence, Tuple

from generator.verify.report import CannotVerify, Finding

#: what an image reference (name[:tag][@digest]) or an image id may look like: never an option
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}")
#: read size for `docker save` (a large pipe buffer halves the time on a busy machine)
PIPE_BUFFER = 1024 * 1024

RUN_FIX = ("make the program run with a read-only root filesystem, no capabilities and no privilege escalation: "
           "write only to /tmp or a declared VOLUME, listen on a port above 1023, need no setuid; "
           "see its log above")
PORT_FIX = "make the program listen on 0.0.0.0:{port} (not 127.0.0.1 inside the container), or pass the port it uses"


def check_reference(image: str) -> str:
    if not REFERENCE.fullmatch(image):
        raise CannotVerify(f"{image!r} is not an image name, tag, digest or id")
    return image


class Docker:
    def __init__(self, executable: Optional[str] = None) -> None:
        found = executable or os.environ.get("SCAFFOLD_DOCKER") or shutil.which("docker")
        if not found:
            raise CannotVerify("no docker client: put docker on PATH or name one in SCAFFOLD_DOCKER")
        self.executable = found

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        try:
            return subprocess.run([self.executable, *args], capture_output=True, text=True, timeout=timeout,
                                  check=False, stdin=subprocess.DEVNULL)
        except OSError as error:
            raise CannotVerify(f"cannot run the docker client {self.executable}: {error.strerror or error}") from None
        except subprocess.TimeoutExpired:
            raise CannotVerify(f"docker {args[0]} did not finish in {timeout:.0f} s") from None

    def inspect(self, image: str) -> Dict[str, Any]:
        """The image's metadata; CannotVerify when there is no daemon or no such image here (nothing is pulled)."""
        result = self.run("image", "inspect", "--", check_reference(image))
        if result.returncode != 0:
            raise CannotVerify(_why(result.stderr, image))
        try:
            return dict(json.loads(result.stdout)[0])
        except (ValueError, IndexError, TypeError):
            raise CannotVerify(f"docker image inspect {image} printed no image") from None

    @contextlib.contextmanager
    def save(self, image_id: str) -> Iterator[IO[bytes]]:
        """`docker save` as a stream; an error from it (reported at the end) is a CannotVerify."""
        with tempfile.TemporaryFile() as errors:
            try:
                process = subprocess.Popen([self.executable, "save", check_reference(image_id)], stdout=subprocess.PIPE,
                                           stderr=errors, stdin=subprocess.DEVNULL, bufsize=PIPE_BUFFER)
            except OSError as error:
                raise CannotVerify(f"cannot run the docker client {self.executable}: {error.strerror or error}") from None
            assert process.stdout is not None
            try:
                yield process.stdout
                while process.stdout.read(PIPE_BUFFER):  # the archive's padding: docker save waits to write it
                    pass
            except CannotVerify as unreadable:
                try:  # an archive cut short: docker's own reason, when it failed
                    failed = process.wait(timeout=1) != 0
                except subprocess.TimeoutExpired:
                    failed = False
                if not failed:
                    process.kill()
                    raise unreadable
            except BaseException:
                process.kill()
                raise
            finally:
                process.stdout.close()
                code = process.wait()
            if code != 0:
                errors.seek(0)
                message = _last_line(errors.read().decode("utf-8", errors="replace"))
                raise CannotVerify(f"docker save failed: {message}")

    def smoke(self, image_id: str, port: Optional[int], settle: float, answer_timeout: float,
              writable: Sequence[str] = ()) -> Tuple[List[Finding], str]:
        """Run the image hardened, as its own user; findings, and what happened (for the report's facts).

        `writable`: `--tmpfs` values for the folders the image declares as its user's, as compose mounts them."""
        name = f"scaffold-verify-{uuid.uuid4().hex[:12]}"
        args = ["run", "-d", "--name", name, "--pull", "never", "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges", "--label", "scaffold.verify=smoke-run"]
        for path in writable:
            args += ["--tmpfs", path]
        if port is not None:
            args += ["-p", f"127.0.0.1::{port}"]
        try:
            started = self.run(*args, check_reference(image_id))
            if started.returncode != 0:
                return [Finding("run", f"the container did not start hardened: {_last_line(started.stderr)}",
                                RUN_FIX)], "did not start"
            state, code = self._wait(name, settle)
            if state != "running":
                if code != 0:
                    return [Finding("run", f"the container exited with {code} within {settle:g} s{self._log(name)}",
                                    RUN_FIX)], f"exited {code}"
                if port is not None:
                    return [Finding("run", f"the container exited 0 (a command-line program?), so nothing answers on "
                                    f"port {port}", PORT_FIX.format(port=port))], "exited 0"
                return [], "exited 0 (a command-line program)"
            if port is None:
                return [], f"still running after {settle:g} s"
            host_port = self._host_port(name, port)
            if host_port is None or not answers(host_port, answer_timeout):
                return [Finding("run", f"nothing answers a TCP connection on port {port} within {answer_timeout:g} s"
                                f"{self._log(name)}", PORT_FIX.format(port=port))], "running, port silent"
            state, code = self._wait(name, 0)
            if state != "running":
                return [Finding("run", f"the container exited with {code} after answering{self._log(name)}",
                                RUN_FIX)], f"exited {code}"
            return [], f"running; port {port} answers"
        finally:
            self.run("rm", "-f", name, timeout=60)

    def _wait(self, name: str, settle: float) -> Tuple[str, int]:
        deadline = time.monotonic() + settle
        while True:
            result = self.run("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name)
            state, _, code = result.stdout.strip().partition(" ")
            if result.returncode != 0:
                raise CannotVerify(f"docker inspect {name} failed: {_last_line(result.stderr)}")
            if state not in ("created", "running", "restarting") or time.monotonic() >= deadline:
                return state, int(code) if code.lstrip("-").isdigit() else -1
            time.sleep(0.25)

    def _host_port(self, name: str, port: int) -> Optional[int]:
        for line in self.run("port", name, f"{port}/tcp").stdout.splitlines():
            address, _, number = line.strip().rpartition(":")
            if address in ("127.0.0.1", "0.0.0.0") and number.isdigit():
                return int(number)
        return None

    def _log(self, name: str) -> str:
        result = self.run("logs", "--tail", "5", name)
        lines = [line.strip()[:200] for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        return "; its log ends: " + " | ".join(lines[-5:]) if lines else "; it logged nothing"


def answers(port: int, timeout: float) -> bool:
    """Whether something accepts a TCP connection on 127.0.0.1:port within `timeout` seconds.

    docker's userland proxy accepts every connection to a published port and closes it at once
    when nothing listens in the container; a server keeps it open (waiting for a request) or
    speaks first. So a connection closed without a byte within a second counts as no answer.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
                connection.settimeout(1.0)
                try:
                    if connection.recv(1):
                        return True
                except socket.timeout:
                    return True
        except OSError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


def _last_line(stderr: str) -> str:
    """docker's error line: the last one, but not the "Run 'docker run --help'" hint after it."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith("Run 'docker")]
    return lines[-1][:300] if lines else "no message"


def _why(stderr: str, image: str) -> str:
    text = _last_line(stderr)
    if re.search(r"no such (image|object)", text, re.IGNORECASE):
        return f"no image {image} here (verify does not pull: `docker pull {image}` first)"
    if re.search(r"cannot connect|daemon|permission denied|connection refused|is the docker daemon running", text,
                 re.IGNORECASE):
        return f"no Docker daemon answers: {text}"
    return f"docker image inspect {image} failed: {text}"
