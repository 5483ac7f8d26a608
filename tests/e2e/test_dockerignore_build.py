"""check's reading of `.dockerignore` against what a real BuildKit build ships.

For each ignore file of tests/test_check_security.py's table (and a few combined ones),
a context holding tricky names is built `FROM scratch` with `COPY . /` and exported with
`--output type=local` (no base image, no container): the files that arrive are exactly
those generator.check.ignorefile says this client's reading ships (the legacy one before
Docker 23, the current one from 25), never one check calls kept out; an ignore file check
calls refused fails the build.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Set

import pytest

from tests.e2e.docker import client, unavailable_reason
from tests.test_check_security import BAD_PATTERNS, PATTERN_TABLE

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]

#: names a context may hold that the table's patterns tell apart (plus what each row names)
CONTEXT = [".env", "xenv", "!env", "#.env", "prod.env", "a/b.env", "a/.env", "a/b/.env", "a/b/c.key", "c.key",
           "a.KEY", "a.key", "*.key", "secrets/a", "dir/keep", "dir/other", "src/main.py", ".git/HEAD", "b7",
           "a\nb", "anb", ".env$", "x/y.txt", "deep/er/id_rsa", ".ssh/config"]
IGNORE_FILES = sorted({text for text, _, _ in PATTERN_TABLE if not text.startswith("\ufeff")} | {
    "*\n!src\n!**/*.key\n", "**/.git\n.git\n!.git/HEAD\n", "dir\n!dir/keep\ndir/keep\n", "**\n!a/b\n",
    "a/**/.env\n", "  ! .env\n*env\n", "[^a]*\n!b7\n",
})


def _context(directory: Path, ignore: str) -> None:
    for name in CONTEXT:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    (directory / "Dockerfile").write_text("FROM scratch\nCOPY . /\n")
    (directory / ".dockerignore").write_text(ignore)


def _files(directory: Path) -> Set[str]:
    found = set()
    for parent, _, names in os.walk(directory):
        for name in names:
            found.add(Path(parent, name).relative_to(directory).as_posix())
    return found


def _build(context: Path, out: Path) -> subprocess.CompletedProcess:
    docker = client()
    assert docker
    return subprocess.run([docker, "build", "-q", "--output", f"type=local,dest={out}", str(context)],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "DOCKER_BUILDKIT": "1"})


def _client_major() -> int:
    docker = client()
    assert docker
    version = subprocess.run([docker, "version", "--format", "{{.Client.Version}}"], capture_output=True, text=True,
                             timeout=60, check=False).stdout.strip()
    return int(version.split(".")[0]) if version.split(".")[0].isdigit() else 0


@pytest.mark.parametrize("ignore", IGNORE_FILES)
def test_check_predicts_exactly_what_a_build_ships(tmp_path, ignore):
    from generator.check.dockerignore import parse

    context = tmp_path / "context"
    _context(context, ignore)
    result = _build(context, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    matcher = parse(".dockerignore", ignore).matcher
    files = _files(context)
    shipped = _files(tmp_path / "out")
    assert shipped <= {name for name in files if not matcher.excludes(name)}, "check called a shipped file kept out"
    major = _client_major()
    if major < 23:
        assert shipped == {name for name in files if not matcher.legacy_excludes(name)}
    elif major >= 25:
        assert shipped == {name for name in files if not matcher.current_excludes(name)}


@pytest.mark.parametrize("ignore", BAD_PATTERNS)
def test_what_check_calls_refused_fails_the_build(tmp_path, ignore):
    context = tmp_path / "context"
    _context(context, ignore)
    assert _build(context, tmp_path / "out").returncode != 0
