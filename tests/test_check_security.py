"""`scaffold check` (and --fix) in a hostile repository: each class of attack, not one input.

Links inside the project (a write or a read never crosses one), a `.dockerignore` that
points at credentials (never read, never printed), the secret-bearing names the
generated `.dockerignore` and check's rule share (one list), BuildKit's own reading of
`.dockerignore` patterns, terminal escapes in a diff, input that grows without bound
(expansion, stage chains, daemon questions), and what an interrupt reports.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers import ROOT, scaffold, tree

ROOT_DOCKERFILE = "FROM python:3.12-slim\nCOPY . /app\nCMD python /app/app.py\n"
SECRET = "aws_secret_access_key = SECRET-TOKEN-0123456789"


def _errors(result: subprocess.CompletedProcess) -> list:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


# ---- 1. no write or read through a link below the project root ----------------------------------------


def _linked_service(tmp_path: Path):
    """A project whose services/b is a link to another project's directory."""
    other = tmp_path / "other-project"
    other.mkdir()
    (other / "Dockerfile").write_text(ROOT_DOCKERFILE)
    project = tmp_path / "project"
    (project / "services" / "a").mkdir(parents=True)
    (project / "services" / "a" / "Dockerfile").write_text(ROOT_DOCKERFILE)
    (project / "services" / "b").symlink_to(other, target_is_directory=True)
    return project, other


@pytest.mark.parametrize("arguments", [
    ["services/a/Dockerfile", "services/b/Dockerfile"],   # what the shell makes of services/*/Dockerfile
    ["services/a", "services/b"],                         # ... of services/*
    ["{project}/services/a/Dockerfile", "{project}/services/b/Dockerfile"],
    ["./services/x/../b/Dockerfile", "services/a/Dockerfile"],
], ids=["glob-files", "glob-directories", "absolute", "dotdot"])
@pytest.mark.parametrize("flags", [["--fix"], ["--fix", "--dry-run"], []], ids=["fix", "dry-run", "check"])
def test_nothing_crosses_a_directory_link_inside_the_project(tmp_path, arguments, flags):
    project, other = _linked_service(tmp_path)
    (project / "services" / "x").mkdir()
    before = tree(other)
    args = [a.format(project=project) for a in arguments]
    result = scaffold("check", *flags, "--no-docker", *args, cwd=project)
    errors = _errors(result)
    assert result.returncode == 2 and len(errors) == 1, result.stderr
    assert "services/b" in errors[0] and "symbolic link" in errors[0]
    assert tree(other) == before, "the other project was written to"
    assert "services/a" in result.stdout  # the real service was still checked
    if flags == ["--fix"]:
        assert (project / "services" / "a" / "Dockerfile.orig").is_file()


def test_a_linked_context_file_is_not_read(tmp_path):
    """Files beside the Dockerfile that check reads (an entrypoint script, pyproject.toml) are not read
    through a link either, even one that stays inside the project; what depends on them is refused."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    (project / "scripts" / "real.sh").write_text("#!/bin/sh\nexec gosu app \"$@\"\n")
    (project / "entrypoint.sh").symlink_to(project / "scripts" / "real.sh")
    (project / "Dockerfile").write_text("FROM debian:bookworm-slim\nCOPY entrypoint.sh /entrypoint.sh\n"
                                        "ENTRYPOINT [\"/entrypoint.sh\"]\n")
    result = scaffold("check", "--fix", "--dry-run", "--no-docker", str(project / "Dockerfile"))
    assert "gosu" not in result.stderr
    assert "entrypoint script entrypoint.sh cannot be read (a symbolic link" in result.stderr, result.stderr


# ---- 2. a .dockerignore that is a link is never read (nor printed) -------------------------------------


@pytest.mark.parametrize("flags", [[], ["--fix"], ["--fix", "--dry-run"], ["--fix", "--json"], ["--fix", "--sarif"],
                                   ["--fix", "--dry-run", "--json"]])
@pytest.mark.parametrize("name", [".dockerignore", "Dockerfile.dockerignore"])
def test_a_linked_dockerignore_is_refused_not_printed(tmp_path, flags, name):
    credentials = tmp_path / "credentials"
    credentials.write_text(SECRET + "\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "Dockerfile").write_text(ROOT_DOCKERFILE)
    (project / ".env").write_text("A=1\n")
    (project / name).symlink_to(credentials)
    result = scaffold("check", *flags, "--no-docker", str(project / "Dockerfile"))
    assert "SECRET-TOKEN" not in result.stdout + result.stderr
    errors = _errors(result)
    assert result.returncode == 2 and len(errors) == 1 and "symbolic link" in errors[0], result.stderr
    assert credentials.read_text() == SECRET + "\n"
    assert sorted(p.name for p in project.iterdir()) == sorted([".env", "Dockerfile", name])


def test_a_dockerignore_fifo_or_directory_is_refused_without_hanging(tmp_path):
    (tmp_path / "Dockerfile").write_text(ROOT_DOCKERFILE)
    os.mkfifo(tmp_path / ".dockerignore")
    result = scaffold("check", "--fix", "--no-docker", str(tmp_path / "Dockerfile"), timeout=30)
    assert result.returncode == 2 and "not a regular file" in _errors(result)[0]


# ---- 3. one list of secret-bearing names: the generated .dockerignore and check agree ---------------------


@pytest.fixture(scope="module")
def generated_dockerignores():
    from generator.render import render
    from generator.validate import validate
    from tests.cases import cases

    first = {}
    for _, raw in cases():
        first.setdefault(raw["language"], raw)
    return {language: render(validate(raw))[".dockerignore"] for language, raw in first.items()}


def _secret_context(directory: Path) -> None:
    """One file of every family's examples, at the top and deeper, directory families as directories."""
    from generator.secret_names import FAMILIES

    for family in FAMILIES:
        for name in family.examples:
            for parent in (directory, directory / "deep" / "er"):
                parent.mkdir(parents=True, exist_ok=True)
                if family.what == "a credentials directory" or name == ".git":
                    (parent / name).mkdir(exist_ok=True)
                    (parent / name / "config").write_text("secret\n")
                else:
                    (parent / name).write_text("secret\n")


def test_every_secret_family_is_in_the_generated_dockerignore_and_check_finds_nothing(tmp_path,
                                                                                       generated_dockerignores):
    from generator.check.dockerignore import parse
    from generator.secret_names import FAMILIES

    assert set(generated_dockerignores) == {"go", "java", "python"}
    _secret_context(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . /app\nUSER 1:1\n")
    for language, text in generated_dockerignores.items():
        lines = text.splitlines()
        matcher = parse(".dockerignore", text)
        for family in FAMILIES:
            for entry in family.entries:
                assert entry in lines, (language, entry)
            for name in family.examples:
                for where in (name, f"deep/er/{name}", f"deep/er/{name}/config"):
                    assert matcher.excludes(where), (language, where)
        (tmp_path / ".dockerignore").write_text(text)
        result = scaffold("check", "--json", "--no-docker", str(tmp_path / "Dockerfile"))
        assert "dockerignore-secrets" not in result.stdout, (language, result.stdout)


def test_check_names_every_secret_family_and_fix_adds_its_entries(tmp_path):
    from generator.check.dockerignore import entries_to_add, leaks
    from generator.check.files import Place
    from generator.secret_names import FAMILIES

    _secret_context(tmp_path)
    found, cut = leaks(Place(tmp_path, "Dockerfile", "Dockerfile"), None)
    assert not cut
    assert {leak.what for leak in found} == {family.what for family in FAMILIES}
    for family in FAMILIES:
        for name in family.examples:
            assert {name, f"deep/er/{name}"} <= {leak.path for leak in found}, name
    added = entries_to_add(found, None, ())
    assert set(added) == {entry for family in FAMILIES for entry in family.entries}


# ---- 4. .dockerignore patterns as BuildKit reads them ---------------------------------------------------

#: (.dockerignore, a path in the context, whether the current BuildKit leaves it out);
#: tests/e2e/test_dockerignore_build.py checks the rows a file system can hold against a real build
PATTERN_TABLE = [
    ("[!x]env\n", ".env", False),          # Go passes [ ] through to its regexp: [!x] is the class of ! and x
    ("[!x]env\n", "xenv", True),
    ("[!x]env\n", "!env", True),
    ("[^x]env\n", ".env", True),           # [^x] is the negated class
    ("[^x]env\n", "xenv", False),
    ("\\.env\n", ".env", True),
    ("a\\nb\n", "anb", False),             # \n reaches the regexp: a newline, not the letter n
    ("a\\nb\n", "a\nb", True),
    ("  .env  \n", ".env", True),          # trimmed
    (" #.env\n", "#.env", True),           # a comment only when # is the very first character
    (" #.env\n", ".env", False),
    ("#.env\n", "#.env", False),
    ("/.env\n", ".env", True),             # one leading / dropped
    ("./.git/\n", ".git/HEAD", True),      # cleaned as filepath.Clean does
    ("x/../.env\n", ".env", True),
    ("**.env\n", "prod.env", True),        # a leading ** is a suffix match (patternmatcher 0.6)
    ("**.env\n", "a/b.env", True),
    ("**/.env\n", ".env", True),
    ("**/.env\n", "a/b/.env", True),
    ("secrets/**\n", "secrets", False),    # a trailing ** is a prefix match: secrets/
    ("secrets/**\n", "secrets/a", True),
    ("*\n!src\n", "src/main.py", False),
    ("*\n!src\n", ".env", True),
    ("dir\n!dir/keep\n", "dir/keep", False),
    ("dir\n!dir/keep\n", "dir/other", True),
    (".en?\n", ".env", True),
    ("*.KEY\n", "a.key", False),
    ("[[:alpha:]]env\n", "xenv", True),    # POSIX classes of Go's regexp
    ("[[:alpha:]]env\n", ".env", False),
    ("*.key\n", "a/c.key", False),
    ("**/*.key\n", "a/b/c.key", True),
    ("\\*.key\n", "*.key", True),
    ("\\*.key\n", "a.key", False),
    ("!.env\n.env\n", ".env", True),
    (".env\r\n", ".env", True),
    ("\ufeff.env\n", ".env", True),
    ("a?c\n", "a/c", False),
    ("[a-c]\\d\n", "b7", True),            # Perl classes of Go's regexp
    ("[a-c]\\d\n", "b\u0667", False),      # ASCII digits only, as in Go
    (".env$\n", ".env$", True),            # $ is escaped: a literal
    (".env\n", ".env\n", False),           # the end of the text, not before a final newline
]
#: where Docker before 23 decided otherwise: the regular expression (.*/)?\.env, not a suffix
LEGACY = {("**.env\n", "prod.env"): False, ("**.env\n", "a/b.env"): False}
#: patterns with which the build fails (Go's filepath.Match or regexp refuses them)
BAD_PATTERNS = ["[\n", "a\\\n", "[]\n", "!\n", "[z-a]\n", "\\q\n"]


@pytest.mark.parametrize("text,path,excluded", PATTERN_TABLE)
def test_dockerignore_patterns_mean_what_buildkit_makes_of_them(text, path, excluded):
    from generator.check.dockerignore import parse

    ignore = parse(".dockerignore", text)
    assert not ignore.problem
    legacy = LEGACY.get((text, path), excluded)
    assert ignore.matcher.current_excludes(path) is excluded
    assert ignore.matcher.legacy_excludes(path) is legacy
    assert ignore.excludes(path) is (excluded and legacy)  # kept out only when every builder keeps it out


@pytest.mark.parametrize("text", BAD_PATTERNS)
def test_a_pattern_buildkit_refuses_is_a_note_not_a_crash(text):
    from generator.check.dockerignore import parse

    ignore = parse(".dockerignore", text)
    assert "BuildKit refuses" in ignore.problem and not ignore.excludes(".env")


def test_check_finds_the_leak_a_misread_pattern_hid_and_fix_closes_it(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . /app\nUSER 1:1\n")
    (tmp_path / ".env").write_text("A=1\n")
    (tmp_path / ".dockerignore").write_text("[!x]env\n.git\n")
    found = scaffold("check", "--no-docker", str(tmp_path / "Dockerfile"))
    assert "dockerignore-secrets" in found.stdout and ".env (an environment file)" in found.stdout, found.stdout
    fixed = scaffold("check", "--fix", "--no-docker", str(tmp_path / "Dockerfile"))
    assert "+**/.env" in fixed.stdout and "dockerignore-secrets" not in fixed.stdout
    assert "**/.env" in (tmp_path / ".dockerignore").read_text().splitlines()


# ---- 5. what the Dockerfile holds reaches the terminal escaped -------------------------------------------


@pytest.mark.parametrize("flags", [["--fix", "--dry-run"], ["--fix"], ["--fix", "--dry-run", "--sarif"]])
def test_the_diff_never_prints_terminal_escapes(tmp_path, flags):
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n# \x1b]0;owned\x07 \x1b[2J\x9b31m\n"
                                         "CMD python app.py\n")
    result = scaffold("check", *flags, "--no-docker", str(tmp_path / "Dockerfile"))
    shown = result.stdout + result.stderr
    assert "-CMD python app.py" in shown
    for raw in ("\x1b", "\x07", "\x9b"):
        assert raw not in shown
    assert "\\x1b]0;owned\\x07" in shown


# ---- 6. bounded work: expansion, stage chains, daemon questions ------------------------------------------

_LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from generator.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _check_limited(path: Path, *flags: str) -> subprocess.CompletedProcess:
    """`scaffold check` in a child limited to 1 GiB of address space."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-c", _LIMITED, "check", "--no-docker", *flags, str(path)],
                          capture_output=True, text=True, env=environment, timeout=120)


def _hostile(kind: str, size: int) -> str:
    if kind == "doubling":
        return "FROM debian:bookworm-slim\nENV a=x\n" + "ENV a=$a$a$a$a\n" * size + "USER $a\nCOPY --chown=$a . /app\n"
    if kind == "chain":
        return "FROM debian:bookworm-slim AS s0\n" + "".join(f"FROM s{i} AS s{i + 1}\n" for i in range(size))
    if kind == "variables":
        return "FROM debian:bookworm-slim\n" + "".join(f"ARG a{i}=$a{i - 1}x\n" for i in range(size)) + \
            "COPY --chown=$a1 . /app\n" * size
    return "".join(f"FROM registry.example/unknown{i}:1 AS s{i}\nRUN echo $HOME\n" for i in range(size))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["doubling", "chain", "variables", "bases"]),
       size=st.integers(min_value=1, max_value=40000))
@example(kind="doubling", size=40)
@example(kind="chain", size=40000)
@example(kind="variables", size=3000)
@example(kind="bases", size=250)
def test_hostile_dockerfiles_finish_in_seconds_within_a_memory_cap(tmp_path, kind, size):
    text = _hostile(kind, size)[:1024 * 1024 - 1]
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    started = time.monotonic()
    result = _check_limited(path, "--fix", "--dry-run")
    elapsed = time.monotonic() - started
    assert result.returncode in (0, 1, 2) and "MemoryError" not in result.stderr, result.stderr[-2000:]
    assert len(_errors(result)) <= 1, result.stderr[-2000:]
    assert elapsed < 30, f"{kind} x {size}: {elapsed:.1f}s"


@pytest.mark.parametrize("kind,size,expect", [
    ("doubling", 20, "grows past"), ("chain", 300, "stages, more than"), ("variables", 5000, "instructions, more than"),
])
def test_each_limit_is_one_line(tmp_path, kind, size, expect):
    path = tmp_path / "Dockerfile"
    path.write_text(_hostile(kind, size))
    result = _check_limited(path)
    assert expect in result.stderr and len([line for line in result.stderr.splitlines() if expect in line]) == 1
    assert "Traceback" not in result.stderr


def test_the_daemon_is_asked_a_bounded_number_of_times(monkeypatch, tmp_path):
    from generator.check.bases import Inspector
    from generator.check.dockerfile import parse
    from generator.check.rules import check

    asked = []
    inspector = Inspector()
    inspector.client = "docker"
    monkeypatch.setattr(inspector, "_inspect", lambda reference: asked.append(reference))
    text = _hostile("bases", 100) + "FROM registry.example/unknown0:1\n"
    check(parse(text), tmp_path / "Dockerfile", "Dockerfile", inspector=inspector)
    assert len(asked) == len(set(asked)) == Inspector.MAX_QUESTIONS and inspector.skipped == 100 - len(asked)


# ---- 7. an interrupt says truthfully what was written ---------------------------------------------------


def test_an_interrupt_after_the_write_reports_the_files_written(tmp_path, monkeypatch, capsys):
    from generator.check import rules
    from generator.cli import main

    (tmp_path / "Dockerfile").write_text(ROOT_DOCKERFILE)
    real = rules.check
    calls = []

    def interrupted_after_the_write(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:  # the check of the fixed file, after it was written
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(rules, "check", interrupted_after_the_write)
    code = main(["check", "--fix", "--no-docker", str(tmp_path / "Dockerfile")])
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert code == 2 and len(errors) == 1
    assert "nothing was written" not in errors[0] and "Dockerfile.orig" in errors[0], errors
    assert (tmp_path / "Dockerfile.orig").read_text() == ROOT_DOCKERFILE
