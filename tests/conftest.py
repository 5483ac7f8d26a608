"""What every test run checks besides the tests: nothing a test does reaches the next one.

    pytest --test-order reverse          # collection order reversed
    pytest --test-order shuffle:42       # modules, and the tests in each, shuffled with seed 42
                                         # (the same on every xdist worker)

A shuffle keeps each module's tests together: a module-scoped fixture (the renders or linter
runs its tests share) is set up again each time its module comes back, which would make a
shuffle of every test take hours, while state leaking shows the same between modules.

Each test is followed by a check that the process is as it was (environment, working
directory, temporary folder, interrupt handlers, standard streams) and that no file was
added to or removed from the shared fixtures and templates; a test that leaves any of them
changed errors at teardown, naming what changed. At the end of the run the checked-in test
data, templates and code must be as they were before it (`git status`), so a test that
edits a fixture in place instead of a copy fails the run.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: folders every test reads and no test may change: each test copies what it writes into (generator/
#: is left to the end-of-run check: importing a module for the first time adds its __pycache__)
SHARED = (ROOT / "tests" / "fixtures", ROOT / "tests" / "adopt_fixtures", ROOT / "tests" / "check_fixtures",
          ROOT / "templates")
#: checked in and never changed by a test run (compared by `git status` at the start and the end)
CHECKED_IN = ("tests", "templates", "generator", "docs")
#: environment variables pytest itself changes between tests
PYTEST_OWN = ("PYTEST_CURRENT_TEST",)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--test-order", default="", metavar="reverse|shuffle:SEED",
                     help="run the collected tests reversed, or shuffled with SEED (state leaking between tests shows)")


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    order = config.getoption("--test-order")
    if order == "reverse":
        items.reverse()
    elif order.startswith("shuffle:"):
        shuffle = random.Random(order.partition(":")[2]).shuffle
        modules: Dict[str, List[pytest.Item]] = {}
        for item in items:
            modules.setdefault(item.nodeid.partition("::")[0], []).append(item)
        groups = list(modules.values())
        shuffle(groups)
        for group in groups:
            shuffle(group)
        items[:] = [item for group in groups for item in group]
    elif order:
        raise pytest.UsageError(f"--test-order {order}: use reverse or shuffle:SEED")


# -- each test: the process and the shared folders as they were ----------------------------


def _folders() -> List[str]:
    """Every folder below SHARED but caches: adding, removing or renaming an entry changes its mtime."""
    found = []
    for top in SHARED:
        for current, dirs, _ in os.walk(top):
            dirs[:] = [name for name in dirs if name != "__pycache__"]
            found.append(current)
    return found


FOLDERS = _folders()


def _process_state() -> Dict[str, Any]:
    return {
        "environment": {k: v for k, v in os.environ.items() if k not in PYTEST_OWN},
        "working directory": os.getcwd(),
        "tempfile.tempdir": tempfile.tempdir,
        "SIGINT handler": signal.getsignal(signal.SIGINT),
        "SIGTERM handler": signal.getsignal(signal.SIGTERM),
        "standard streams": (sys.stdin, sys.stdout, sys.stderr),
    }


def _folder_state() -> Dict[str, Optional[int]]:
    state: Dict[str, Optional[int]] = {}
    for folder in FOLDERS:
        try:
            state[folder] = os.stat(folder).st_mtime_ns
        except FileNotFoundError:
            state[folder] = None
    return state


def _changes(before: Dict[str, Any], after: Dict[str, Any]) -> List[str]:
    return [f"{key}: {before.get(key)!r} -> {after.get(key)!r}" for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)]


def _environment_changes(before: Dict[str, str], after: Dict[str, str]) -> List[str]:
    return [f"${name}: {before.get(name)!r} -> {after.get(name)!r}" for name in sorted(set(before) | set(after))
            if before.get(name) != after.get(name)]


@pytest.fixture(autouse=True)
def _leaves_nothing_behind() -> Iterator[None]:
    """The test puts back what it changed in the process, and adds or removes nothing in SHARED."""
    process, folders = _process_state(), _folder_state()
    yield
    after = _process_state()
    changed = _environment_changes(process.pop("environment"), after.pop("environment"))
    changed += _changes(process, after)
    changed += [f"{os.path.relpath(name, ROOT)}: an entry was added, removed or renamed"
                for name, mtime in _folder_state().items() if mtime != folders[name]]
    if changed:
        pytest.fail("the test left state behind for the tests after it:\n  " + "\n  ".join(changed), pytrace=False)


# -- the run: the checked-in files as they were ---------------------------------------------


def _checked_in_state() -> Optional[Dict[str, str]]:
    """Each changed or untracked file below CHECKED_IN with a hash of its bytes (None: not a git checkout)."""
    try:
        result = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", *CHECKED_IN],
                                cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    state = {}
    for line in result.stdout.splitlines():
        name = line[3:].split(" -> ")[-1]
        path = ROOT / name
        state[line] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    return state


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # once per run: the xdist controller, or the only process
        session.config.stash[_CHECKED_IN] = _checked_in_state()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before = session.config.stash.get(_CHECKED_IN, None)
    if before is None or hasattr(session.config, "workerinput"):
        return
    after = _checked_in_state()
    if after is not None and after != before:
        changed = sorted(set(before.items()) ^ set(after.items()))
        lines = "\n  ".join(f"{status}" for status, _ in changed)
        session.config.get_terminal_writer().line(
            f"\nchecked-in files differ from the start of the run (a test wrote into the repository instead of a copy, "
            f"or they were edited or committed meanwhile):\n  {lines}",
            red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_CHECKED_IN = pytest.StashKey[Optional[Dict[str, str]]]()
