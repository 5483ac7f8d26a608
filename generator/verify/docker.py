"""The Docker client verify drives: inspect, save (streamed) and the hardened smoke run.

The client is `$SCAFFOLD_DOCKER` when set, else `docker` on PATH; inspect, save and run need
no BuildKit. Every failure to reach a daemon or find the image is a CannotVerify (exit 2).
The smoke run's container is always removed, whatever happens. Messages keep docker's text as
it is: the report and the CLI's error line escape it for the terminal.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from typing import IO, Any, Callable, Deque, Dict, Iterator, List, Optional, Sequence, Tuple

from generator.errors import ScaffoldError
from generator.verify.report import CannotVerify, Finding

#: what an image reference (name[:tag][@digest]) or an image id may look like: never an option
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}")
#: read size for `docker save` (a large pipe buffer halves the time on a busy machine)
PIPE_BUFFER = 1024 * 1024

RUN_FIX = ("make the program run with a read-only root filesystem, no capabilities and no privilege escalation: "
           "write only to /tmp or a declared VOLUME, listen on a port above 1023, need no setuid; "
           "see its log above")
VOLUME_FIX = "declare VOLUMEs as plain absolute paths (letters, digits, `._-/@+`), a few at most"
#: the smoke run's bounds (the generated compose.yaml's defaults): processes, memory (no swap), CPUs, tmpfs
PIDS, MEMORY, CPUS, TMPFS = 256, "512m", "1", "rw,noexec,nosuid,size=64m"
#: seconds `docker stop` waits before killing; VOLUMEs given a tmpfs at most; the log lines kept, and their size
STOP_TIMEOUT, MAX_VOLUMES, LOG_LINES, LINE_BYTES = 5, 16, 5, 64 * 1024
#: what a plain VOLUME path looks like (nothing a tmpfs option could hide in)
VOLUME_PATH = re.compile(r"/[A-Za-z0-9._@+/-]{0,254}")
#: `docker run`'s own exit codes: the daemon cannot create or start the container, the program cannot run
DOCKER_FAILED = (125, 126, 127)
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
              volumes: Sequence[str] = (), writable: Sequence[str] = ()) -> Tuple[List[Finding], str]:
        """Run the image hardened, as its own user; findings, and what happened (for the report's facts).

        `volumes` are the image's VOLUMEs; `writable` the `path:owner options` of the folders the
        image declares as its user's (generator.verify.checks.state_tmpfs), mounted as compose does.

        The container runs attached (`docker run --rm`, its output read here, no log kept by the
        daemon), so its exit code and last lines come from the client, and the daemon removes it
        when it stops. It is removed, volumes and all, whatever happens: on return, on an error,
        and on SIGINT, SIGTERM or SIGHUP (then SmokeInterrupted, exit 128 + the signal).
        """
        refused = _unmountable(volumes)
        if refused:
            return [Finding("run", refused, VOLUME_FIX)], "not run"
        name = f"scaffold-verify-{uuid.uuid4().hex[:12]}"
        with _removed_on_signal(lambda: self._remove(name)):
            try:
                run = _Attached([self.executable, *smoke_args(name, port, volumes, writable),
                                  check_reference(image_id)])
            except OSError as error:
                raise CannotVerify(f"cannot run the docker client {self.executable}: {error.strerror or error}") from None
            try:
                return self._judge(run, name, port, settle, answer_timeout)
            finally:
                self._remove(name)
                run.close()

    def _judge(self, run: "_Attached", name: str, port: Optional[int], settle: float,
               answer_timeout: float) -> Tuple[List[Finding], str]:
        code = run.wait(settle)
        if code in DOCKER_FAILED:
            return [Finding("run", f"the container did not start hardened: {run.last_line()}", RUN_FIX)], "did not start"
        if code is not None:
            if code != 0:
                return [Finding("run", f"the container exited with {code} within {settle:g} s{run.log()}",
                                RUN_FIX)], f"exited {code}"
            if port is not None:
                return [Finding("run", f"the container exited 0 (a command-line program?), so nothing answers on "
                                f"port {port}", PORT_FIX.format(port=port))], "exited 0"
            return [], "exited 0 (a command-line program)"
        if port is None:
            return [], f"still running after {settle:g} s"
        host_port = self._host_port(name, port)
        if host_port is None or not answers(host_port, answer_timeout, stopped=lambda: run.wait(0) is not None):
            code = run.wait(0)
            if code is not None:
                return [Finding("run", f"the container exited with {code} before port {port} answered{run.log()}",
                                RUN_FIX if code else PORT_FIX.format(port=port))], f"exited {code}"
            return [Finding("run", f"nothing answers a TCP connection on port {port} within {answer_timeout:g} s"
                            f"{run.log()}", PORT_FIX.format(port=port))], "running, port silent"
        code = run.wait(0)
        if code is not None:
            return [Finding("run", f"the container exited with {code} after answering{run.log()}", RUN_FIX)], f"exited {code}"
        return [], f"running; port {port} answers"

    def _remove(self, name: str) -> None:
        """Remove the container and its anonymous volumes (no error when --rm was first)."""
        self.run("rm", "--force", "--volumes", name, timeout=60)

    def _host_port(self, name: str, port: int) -> Optional[int]:
        for line in self.run("port", name, f"{port}/tcp").stdout.splitlines():
            address, _, number = line.strip().rpartition(":")
            if address in ("127.0.0.1", "0.0.0.0") and number.isdigit():
                return int(number)
        return None


def smoke_args(name: str, port: Optional[int], volumes: Sequence[str], writable: Sequence[str] = ()) -> List[str]:
    """`docker run` for the smoke run: as hardened as the generated compose.yaml, and bounded in time and space.

    Read-only root, a sized noexec tmpfs for /tmp and for each VOLUME of the image (so no
    anonymous volume is created: nothing reaches the host's disk), no capabilities, no
    privilege escalation, a process, memory and CPU limit, no network unless a port is probed
    (then published on 127.0.0.1 only), no log kept by the daemon, removed when it stops, and
    a label that finds any leftover: `docker ps -a --filter label=scaffold.verify`.
    """
    args = ["run", "--rm", "--name", name, "--pull", "never", "--read-only", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges", "--pids-limit", str(PIDS), "--memory", MEMORY, "--memory-swap", MEMORY,
            "--cpus", CPUS, "--stop-timeout", str(STOP_TIMEOUT), "--log-driver", "none", "--sig-proxy=false",
            "--label", "scaffold.verify=smoke-run", "--tmpfs", f"/tmp:{TMPFS}"]
    for volume in volumes:
        args += ["--tmpfs", f"{volume}:{TMPFS}"]
    for folder in writable:  # owned by the image's user, as compose mounts it
        path, _, owner = folder.partition(":")
        args += ["--tmpfs", f"{path}:{TMPFS}{',' + owner if owner else ''}"]
    args += ["-p", f"127.0.0.1::{port}"] if port is not None else ["--network", "none"]
    return args


def _unmountable(volumes: Sequence[str]) -> str:
    """Why the image's VOLUMEs cannot be given a tmpfs each ("" when they can)."""
    if len(volumes) > MAX_VOLUMES:
        return f"the image declares {len(volumes)} VOLUMEs, over the {MAX_VOLUMES} the smoke run mounts: not run"
    odd = [volume for volume in volumes if not VOLUME_PATH.fullmatch(volume) or volume in ("/", "/tmp")]
    if odd:
        return f"VOLUME {odd[0][:100]} is no plain absolute path, so it cannot be mounted in memory: not run"
    return ""


class _Attached:
    """`docker run` in the foreground: its exit code, and the last lines of its output (kept bounded)."""

    def __init__(self, argv: List[str]) -> None:
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)
        self.lines: Deque[str] = collections.deque(maxlen=LOG_LINES)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in iter(lambda: self.process.stdout.readline(LINE_BYTES), b""):  # type: ignore[union-attr]
            line = raw.decode("utf-8", errors="replace").strip()
            if line:
                self.lines.append(line[:200])

    def wait(self, seconds: float) -> Optional[int]:
        """The exit code, or None if still running after `seconds`."""
        try:
            return self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None

    def last_line(self) -> str:
        self.reader.join(timeout=2)
        return _last_line("\n".join(self.lines))

    def log(self) -> str:
        self.reader.join(timeout=2 if self.process.poll() is not None else 0.2)
        lines = list(self.lines)
        return "; its log ends: " + " | ".join(lines) if lines else "; it logged nothing"

    def close(self) -> None:
        if self.wait(10) is None:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=2)
        if self.process.stdout is not None:
            self.process.stdout.close()


class SmokeInterrupted(ScaffoldError):
    """A signal stopped the smoke run; its container was removed first. Exit 128 + the signal, as a shell does."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}; the smoke run's container was removed")
        self.exit_code = 128 + signum


@contextlib.contextmanager
def _removed_on_signal(remove: Callable[[], None]) -> Iterator[None]:
    """While the smoke run runs, SIGINT, SIGTERM and SIGHUP remove its container and stop verify."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread; the `finally` of smoke still removes it
        return

    def stop(signum: int, _frame: Any) -> None:
        remove()
        raise SmokeInterrupted(signum)

    handled = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {signum: signal.signal(signum, stop) for signum in handled}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def answers(port: int, timeout: float, stopped: Callable[[], bool] = lambda: False) -> bool:
    """Whether something accepts a TCP connection on 127.0.0.1:port within `timeout` seconds.

    docker's userland proxy accepts every connection to a published port and closes it at once
    when nothing listens in the container; a server keeps it open (waiting for a request) or
    speaks first. So a connection closed without a byte within a second counts as no answer.
    It gives up as soon as `stopped()`: a container that has exited answers nothing.
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
        if time.monotonic() >= deadline or stopped():
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
