"""What several test modules share: the CLI run as a person runs it, fixtures copied, trees compared.

`scaffold(...)` runs the CLI's `main(argv)` in the test's own process (copier and the
rest imported once, so a call costs milliseconds instead of a new interpreter), with
the working directory, environment, stdin, stdout and stderr of the call set and put
back afterwards. `scaffold_process(...)` starts a real process: for what only a process
shows (signals, a closed pipe, a terminal, locks between two runs, an import failing at
start, the exit of the interpreter itself).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
#: what every run of the CLI in the tests sees: no colour, this checkout's code
CLI_ENV = {"PYTHONPATH": str(ROOT), "NO_COLOR": "1"}


def scaffold(*args: str, cwd: Path = ROOT, stdin: str = "", env: Optional[Dict[str, str]] = None,
             timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the CLI's main() in this process, stdin not a terminal (as in CI); `timeout` is for
    the signature shared with `scaffold_process` (an in-process run cannot be cut short)."""
    from generator.cli import main

    stdout, stderr = _capture(), _capture()
    with _process_state(cwd, {**CLI_ENV, **(env or {})}, io.StringIO(stdin), stdout, stderr):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse: --help (0) and usage errors (2)
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
    return subprocess.CompletedProcess(["scaffold", *args], code, _text(stdout), _text(stderr))


def scaffold_process(*args: str, cwd: Path = ROOT, stdin: str = "", env: Optional[Dict[str, str]] = None,
                     timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess, stdin not a terminal (as in CI)."""
    environment = {**os.environ, **CLI_ENV, **(env or {})}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, env=environment, timeout=timeout)


def _capture() -> io.TextIOWrapper:
    """A text stream with a binary `.buffer` underneath, as sys.stdout has."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    return stream.buffer.getvalue().decode("utf-8", errors="backslashreplace")  # type: ignore[attr-defined]


@contextlib.contextmanager
def _process_state(cwd: Path, env: Dict[str, str], stdin: io.StringIO, stdout: io.TextIOWrapper,
                   stderr: io.TextIOWrapper) -> Iterator[None]:
    """The call's cwd, environment and standard streams; everything as it was afterwards,
    even when the call fails (one test's environment must never reach the next)."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    try:
        os.environ.update(env)
        os.chdir(cwd)
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def copy_fixture(name: str, tmp_path: Path) -> Path:
    """A copy of tests/fixtures/<name> to scaffold into, so the fixture itself stays untouched."""
    target = tmp_path / name.replace("/", "-")
    shutil.copytree(FIXTURES / name, target, symlinks=True)
    return target


def tree(path: Path) -> dict:
    """Every file below `path` with its bytes: equal trees mean nothing was written."""
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def once_per_run(tmp_path_factory: Any, name: str, build: Callable[[Path], Any]) -> Any:
    """What `build(folder)` returns (JSON data; the files it makes go in `folder`), built by the first
    test process of the run that asks and read by the others: pytest-xdist runs a module's tests in
    every worker, and each would build the module's shared renders, projects or wheel again."""
    import fcntl

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # the workers' common folder
    folder, done = root / f"once-{name}", root / f"once-{name}.json"
    with open(root / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also when `build` fails
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
            folder.mkdir()
            written = root / f"once-{name}.partial"
            written.write_text(json.dumps(build(folder)), encoding="utf-8")
            written.replace(done)
        return json.loads(done.read_text(encoding="utf-8"))
