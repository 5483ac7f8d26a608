"""`scaffold check` as a person (or CI, or pre-commit) runs it: exit codes, formats, --fix and its backups, hostile input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.check.dockerfile import MAX_BYTES, parse
from generator.check.rules import RULES, check
from tests.check_corpus import copy
from tests.helpers import ROOT, scaffold, tree

ROOT_DOCKERFILE = "FROM python:3.12-slim\nCOPY app.py /app/app.py\nCMD python /app/app.py\n"
CLEAN = "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\nLABEL org.opencontainers.image.title=x\n" \
        "USER 65532:65532\nHEALTHCHECK NONE\nENTRYPOINT [\"/app\"]\n"


def _write(directory: Path, text: str, name: str = "Dockerfile") -> Path:
    path = directory / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "internal" not in result.stderr.lower()
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_help_explains():
    result = scaffold("check", "--help")
    assert result.returncode == 0
    for text in ("--fix", "--dry-run", "--sarif", "--json", "Dockerfile.orig", "H1-H17", "stage", "Exit codes"):
        assert text in result.stdout, text


def test_exit_codes(tmp_path):
    assert scaffold("check", str(_write(tmp_path, CLEAN))).returncode == 0
    result = scaffold("check", str(_write(tmp_path, ROOT_DOCKERFILE)))
    assert result.returncode == 1 and "H3 root-user" in result.stdout and "Dockerfile:1:" in result.stdout
    assert "seen:" in result.stdout and "why:" in result.stdout and "fix:" in result.stdout
    assert "no such file" in _one_line_error(scaffold("check", str(tmp_path / "missing")))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no Dockerfile" in _one_line_error(scaffold("check", str(empty)))
    assert "--dry-run goes with --fix" in _one_line_error(scaffold("check", "--dry-run", str(tmp_path)))


def test_a_directory_means_its_dockerfiles(tmp_path):
    _write(tmp_path, ROOT_DOCKERFILE)
    _write(tmp_path, CLEAN, "Dockerfile.prod")
    _write(tmp_path, ROOT_DOCKERFILE, "Dockerfile.orig")
    _write(tmp_path, ROOT_DOCKERFILE, "notes.md")
    result = scaffold("check", "--json", str(tmp_path))
    paths = [Path(f["path"]).name for f in json.loads(result.stdout)["files"]]
    assert paths == ["Dockerfile", "Dockerfile.prod"]


def test_json_output(tmp_path):
    data = json.loads(scaffold("check", "--json", str(_write(tmp_path, ROOT_DOCKERFILE))).stdout)
    finding = next(f for f in data["files"][0]["findings"] if f["rule"] == "root-user")
    assert finding["row"] == "H3" and finding["line"] == 1 and finding["level"] == "error" and finding["fixable"]
    assert finding["seen"] and finding["why"] and finding["fix"]


def test_sarif_for_github_code_scanning(tmp_path, monkeypatch):
    path = _write(tmp_path, ROOT_DOCKERFILE)
    result = subprocess.run([sys.executable, "-m", "generator", "check", "--sarif", "Dockerfile"], cwd=tmp_path,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert 0 <= float(rule["properties"]["security-severity"]) <= 10
    assert run["results"]
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["level"] in ("error", "warning", "note") and item["message"]["text"]
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "Dockerfile" and location["region"]["startLine"] >= 1
    assert path.exists()


def test_min_level_ignore_and_pragma(tmp_path):
    path = _write(tmp_path, ROOT_DOCKERFILE)
    errors = json.loads(scaffold("check", "--json", "--min-level", "error", str(path)).stdout)["files"][0]["findings"]
    assert {f["level"] for f in errors} == {"error"}
    ignored = json.loads(scaffold("check", "--json", "--ignore", "root-user", str(path)).stdout)["files"][0]["findings"]
    assert "root-user" not in {f["rule"] for f in ignored}
    assert "no such rule" in _one_line_error(scaffold("check", "--ignore", "nope", str(path)))


def test_fix_keeps_the_original_byte_for_byte_and_never_overwrites_a_backup(tmp_path):
    original = "\ufeffFROM python:3.12-slim\r\nCOPY app.py /app/app.py\r\nCMD python /app/app.py\r\n# trailing comment"
    path = _write(tmp_path, original)
    (tmp_path / "Dockerfile.orig").write_bytes(b"an older backup")
    result = scaffold("check", "--fix", str(path))
    assert result.returncode in (0, 1), result.stderr
    assert (tmp_path / "Dockerfile.orig").read_bytes() == b"an older backup"
    assert (tmp_path / "Dockerfile.orig.1").read_bytes() == original.encode("utf-8")
    fixed = path.read_bytes().decode("utf-8")
    assert fixed.startswith("\ufeffFROM") and "CMD [\"python\", \"/app/app.py\"]\r\n" in fixed
    assert "USER 10001:10001\r\n" in fixed and fixed.endswith("# trailing comment")
    assert "--- a/" in result.stdout and "+USER 10001:10001" in result.stdout


def test_fix_dry_run_writes_nothing(tmp_path):
    _write(tmp_path, ROOT_DOCKERFILE)
    (tmp_path / ".env").write_text("A=1\n")
    before = tree(tmp_path)
    result = scaffold("check", "--fix", "--dry-run", str(tmp_path))
    assert result.returncode == 1 and "+USER 10001:10001" in result.stdout and "dry run" in result.stderr
    assert tree(tmp_path) == before


def test_fix_refuses_what_it_cannot_do_safely(tmp_path):
    path = _write(tmp_path, "FROM debian:bookworm-slim\nENV PORT=8080\nCMD exec server --port $PORT\n")
    result = scaffold("check", "--fix", str(path))
    assert "not fixed" in result.stderr and "shell features" in result.stderr
    assert "CMD exec server --port $PORT" in path.read_text()


def test_fix_refuses_symlinks_and_non_utf8(tmp_path):
    real = _write(tmp_path, ROOT_DOCKERFILE, "real.Dockerfile")
    link = tmp_path / "Dockerfile"
    link.symlink_to(real)
    assert "symbolic link" in _one_line_error(scaffold("check", "--fix", str(link)))
    assert real.read_text() == ROOT_DOCKERFILE and not (tmp_path / "Dockerfile.orig").exists()
    latin = _write(tmp_path, ROOT_DOCKERFILE.encode() + b"# caf\xe9\n", "latin.Dockerfile")
    assert "not UTF-8" in _one_line_error(scaffold("check", "--fix", str(latin)))


@pytest.mark.parametrize("content,expect", [
    (b"FROM x:1\n" + b"# padding\n" * (MAX_BYTES // 10 + 1), "larger than"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "binary data"),
    (b"FROM debian:12\nRUN echo \x00\n", "NUL byte"),
    (b"", "no FROM"),
    (b"# only a comment\n\n", "no FROM"),
    (b"{\"not\": \"a dockerfile\"}\n", "no FROM"),
], ids=["huge", "binary", "nul", "empty", "comments-only", "json"])
def test_hostile_files_give_one_clear_error(tmp_path, content, expect):
    path = _write(tmp_path, content)
    assert expect in _one_line_error(scaffold("check", str(path)))


@pytest.mark.parametrize("text", [
    "FROM debian:12\nRUN echo \\\n" + "  a \\\n" * 50000 + "  done\n",
    "FROM debian:12\n" + "RUN true\n" * 20000,
    "# escape=`\n# escape=\\\nFROM debian:12\nRUN a `\n b\n",
    "FROM debian:12\nRUN <<EOF\nnever terminated\n",
    "FROM debian:12\nFROB the widget\nONBUILD RUN x\nMAINTAINER me\n",
    "FROM debian:12\nCMD " + "[" * 5000 + "]" * 5000 + "\n",
    "FROM \x1b[31mred\x1b[0m:1\nUSER \u202eevil\n",
    "FROM debian:12\nRUN " + "'" * 3 + "\"\n",
    "FROM debian:12 AS a\nFROM a AS b\nFROM b AS a\nCOPY --from=a / /\n",
], ids=["deep-continuation", "many-instructions", "repeated-directive", "unterminated-heredoc", "unknown-instructions",
        "nested-json", "control-characters", "unbalanced-quotes", "stage-cycle"])
def test_hostile_dockerfiles_give_findings(tmp_path, text):
    result = scaffold("check", "--json", str(_write(tmp_path, text)))
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr, result.stderr[-2000:]
    if result.returncode == 1:
        data = json.loads(result.stdout)
        assert data["files"][0]["findings"]
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout


def test_a_fifo_is_not_read(tmp_path):
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    assert "not a regular file" in _one_line_error(scaffold("check", str(fifo)))


def test_closed_stdout_is_not_a_traceback(tmp_path):
    path = _write(tmp_path, ROOT_DOCKERFILE * 200)
    process = subprocess.Popen([sys.executable, "-m", "generator", "check", str(path), str(path), str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in stderr


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([
    "FROM debian:12", "FROM scratch AS x", "FROM x", "RUN a \\", "RUN <<EOF", "EOF", "USER ${U:-0}", "ARG U=1",
    "CMD [\"a\"", "COPY --chown=a:b . .", "# escape=`", "ENV A=\"b c", "HEALTHCHECK CMD", "  \\", "", "\t# c",
    "ADD http://x/y.tar.gz /", "EXPOSE 80/udp ${P}", "SHELL [\"pwsh\"]", "RUN rm -rf /bin/sh | cat",
]) | st.text(max_size=30), max_size=25))
def test_any_text_parses_and_checks_without_raising(tmp_path, lines):
    text = "\n".join(lines)
    dockerfile = parse(text)
    report = check(dockerfile, tmp_path / "Dockerfile", "Dockerfile")
    assert report.error or isinstance(report.findings, list)


def test_pre_commit_hook_definition():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "scaffold-check"]
    assert hook["entry"] == "scaffold check" and hook["language"] == "python"
    import re

    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for name in ("Dockerfile", "svc/Dockerfile", "Dockerfile.prod", "api.Dockerfile", "Containerfile"):
        assert files.search(name) and not exclude.search(name), name
    for name in ("Dockerfile.orig", "svc/Dockerfile.orig.2", "README.md", "Dockerfile.dockerignore"):
        assert not files.search(name) or exclude.search(name), name


def test_pre_commit_style_run_on_several_files(tmp_path):
    """pre-commit passes file names; the exit code is the worst of them."""
    clean = _write(tmp_path, CLEAN, "Dockerfile.clean")
    root = _write(tmp_path, ROOT_DOCKERFILE)
    assert scaffold("check", "--min-level", "error", str(clean), str(root)).returncode == 1
    assert scaffold("check", str(clean), str(tmp_path / "gone")).returncode == 2


def test_fixture_copy_helper_leaves_the_corpus_alone(tmp_path):
    project = copy("single-stage-root", tmp_path)
    scaffold("check", "--fix", str(project))
    assert not (ROOT / "tests" / "check_fixtures" / "single-stage-root" / "Dockerfile.orig").exists()


def _findings(path: Path) -> list:
    return json.loads(scaffold("check", "--no-docker", "--json", str(path)).stdout)["files"][0]["findings"]


def test_an_unpinned_base_image_is_told_to_pin_its_own_image(tmp_path):
    path = _write(tmp_path, "FROM golang AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n"
                            "USER 65532\nENTRYPOINT [\"/app\"]\n")
    finding = next(f for f in _findings(path) if f["rule"] == "unpinned-base-image")
    assert "FROM golang:<version>" in finding["fix"] and "python" not in finding["fix"]


def test_a_data_folder_of_its_own_given_to_the_user_is_what_h4_asks_for(tmp_path):
    (tmp_path / "data").mkdir()
    path = _write(tmp_path, "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\n"
                            "RUN mkdir /data && chown 10001 /data\n"          # a data folder: not a finding
                            "COPY --chown=10001:10001 data /var/lib/app\n"    # an empty folder of its own: neither
                            "RUN chown -R 10001 /app/cache\n"                 # inside the code: a finding
                            "COPY --chown=10001 data /app/uploads\n"          # inside the code: a finding
                            "USER 10001:10001\nCMD [\"python\", \"app.py\"]\n")
    lines = sorted(f["line"] for f in _findings(path) if f["row"] == "H4")
    assert lines == [6, 7]
