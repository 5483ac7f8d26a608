"""`scaffold adopt`: a hand-written Dockerfile replaced by a hardened one that keeps what it stated.

Fixtures: tests/adopt_fixtures/ (hand-written Dockerfiles in styles found in the wild beside
small Go, Python and Java apps) and the check corpus fixtures that have an app. For each:
the old Dockerfile is kept as Dockerfile.orig byte for byte; the port, start command,
version and user it states reach the new Dockerfile and the record, each said with its
Dockerfile line; `scaffold upgrade` right after has nothing to do; the new Dockerfile has
only the documented check findings and is hadolint-clean. Then the hostile inputs.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.detect.stated.dockerfile import Reader
from generator.check.dockerfile import parse
from generator.languages import by_name
from tests.helpers import ROOT, scaffold, tree
from tests.lint_tools import hadolint
from tests.test_check_rules import DOCUMENTED_FOR_GENERATED

ADOPT_FIXTURES = ROOT / "tests" / "adopt_fixtures"
CHECK_FIXTURES = ROOT / "tests" / "check_fixtures"

#: fixture -> {answer: (value recorded, the Dockerfile line it came from; None: from detection)}
CARRIED: Dict[str, Dict[str, Tuple[Any, Optional[int]]]] = {
    "adopt_fixtures/python-srv": {
        "port": (5000, 9), "start_command": (["python", "server.py"], 10), "version": ("3.11", 2)},
    "adopt_fixtures/go-alpine-tini": {
        "port": (9091, 12), "version": ("1.23", 1), "uid": (1000, 11), "gid": (1000, 11),
        "package": ("./cmd/worker", None)},
    "adopt_fixtures/java-jar": {"port": (8080, 9), "main_class": ("", 10), "version": ("21", 7)},
    "adopt_fixtures/python-shell-cmd": {
        "port": (7000, 6), "version": ("3.12", 1), "start_command": (["python", "app.py"], None)},
    "check_fixtures/single-stage-root": {
        "port": (8000, 5), "start_command": (["python", "app.py"], 6), "version": ("3.12", 1)},
    "check_fixtures/docker-init": {
        "port": (8000, 30), "start_command": (["python3", "app.py"], 32), "version": ("3.11", 3), "uid": (10001, 26)},
    "check_fixtures/go-latest": {"port": (8080, 5), "version": ("1.22", None)},
    "check_fixtures/multi-stage-builder-root": {
        "port": (8080, 12), "version": ("1.22", 2), "uid": (65532, 13), "gid": (65532, 13)},
    "check_fixtures/scratch-root": {"port": (8080, 8), "version": ("1.22", 1)},
}


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name.split("/")[-1]
    shutil.copytree(ROOT / "tests" / name, target)
    return target


def _adopt(project: Path, *args: str) -> Any:
    return scaffold("adopt", str(project), *args)


@pytest.mark.parametrize("name", sorted(CARRIED))
def test_adopt_keeps_the_original_and_carries_what_it_states(name, tmp_path):
    project = _copy(name, tmp_path)
    original = (project / "Dockerfile").read_bytes()
    carried = CARRIED[name]

    shown = _adopt(project, "--dry-run", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    for key, (value, line) in carried.items():
        assert data["answers"][key] == value, (key, data["answers"][key])
        if line is None:
            assert key not in data["stated"]
        else:
            assert data["stated"][key]["evidence"]["file"] == "Dockerfile"
            assert data["stated"][key]["evidence"]["line"] == line, key
    assert data["kept"]["Dockerfile"] == "Dockerfile.orig" and not (project / "Dockerfile.orig").exists()

    result = _adopt(project)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "Dockerfile.orig").read_bytes() == original
    summary = result.stderr.splitlines()
    for key, (_, line) in carried.items():
        if line is not None:
            assert any(row.split()[:1] == [key] and f"[Dockerfile:{line}]" in row for row in summary), (key, summary)
    assert "scaffold check findings: before (Dockerfile, now Dockerfile.orig) and after (Dockerfile)" in result.stdout

    recorded = yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]
    for key, (value, _) in carried.items():
        assert recorded[key] == value, key
    text = (project / "Dockerfile").read_text()
    assert f"\nEXPOSE {recorded['port']}\n" in text
    if "start_command" in carried:
        assert f"ENTRYPOINT {json.dumps(recorded['start_command'])}" in text
    if "uid" in carried:
        assert f"\nUSER {recorded['uid']}:{recorded['gid']}\n" in text

    upgraded = scaffold("upgrade", str(project))
    assert upgraded.returncode == 0, upgraded.stderr
    assert "ok: Dockerfile is up to date" in upgraded.stderr

    checked = scaffold("check", "--json", "--no-docker", str(project / "Dockerfile"))
    findings = json.loads(checked.stdout)["files"][0]["findings"]
    assert {f["rule"] for f in findings} <= DOCUMENTED_FOR_GENERATED, findings
    assert hadolint(text) == []


def test_the_table_counts_findings_before_and_after(tmp_path):
    project = _copy("check_fixtures/single-stage-root", tmp_path)
    result = _adopt(project)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(index for index, line in enumerate(lines) if line.split() == ["rule", "row", "before", "after"])
    rows = {line.split()[0]: line.split()[1:] for line in lines[header + 1:] if line.strip()}
    assert rows["root-user"] == ["H3", "1", "0"]
    assert rows["shell-form-command"] == ["H5", "1", "0"]
    assert "deleted-in-final" not in rows and "removed-behind-package-manager" not in rows  # a runtime root
    counted = [row for key, row in rows.items() if key != "total"]
    before, after = sum(int(row[1]) for row in counted), sum(int(row[2]) for row in counted)
    assert rows["total"] == [str(before), str(after)] and (before, after) == (11, 0)


def test_the_app_the_dockerfile_builds_is_chosen(tmp_path):
    project = _copy("adopt_fixtures/go-alpine-tini", tmp_path)
    result = _adopt(project, "--dry-run", "--json")
    assert json.loads(result.stdout)["app"] == "go/worker"  # detection lists go/api first
    assert "using go/worker" in result.stderr
    assert "runs under tini: dropped" in result.stderr
    chosen = _adopt(project, "--dry-run", "--json", "--app", "go/api")
    assert json.loads(chosen.stdout)["answers"]["package"] == "./cmd/api"


def test_flags_win_over_the_dockerfile(tmp_path):
    project = _copy("adopt_fixtures/python-srv", tmp_path)
    result = _adopt(project, "--dry-run", "--json", "--port", "9000", "--cmd", "python server.py --fast")
    answers = json.loads(result.stdout)["answers"]
    assert answers["port"] == 9000 and answers["start_command"] == ["python", "server.py", "--fast"]
    bad = _adopt(project, "--port", "http")
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1] == (
        "error: port from --port expected a whole number (or none for a command-line program)")
    assert not (project / "Dockerfile.orig").exists()


def test_what_is_not_carried_is_said_with_its_line(tmp_path):
    project = _copy("adopt_fixtures/python-shell-cmd", tmp_path)
    result = _adopt(project, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "warning: Dockerfile:7: the start command (CMD python app.py --port $PORT && echo" in result.stderr
    assert "not carried" in result.stderr
    assert "warning: Dockerfile:3: ENV PORT=7000 is not carried" in result.stderr
    java = _copy("adopt_fixtures/java-jar", tmp_path)
    result = _adopt(java, "--dry-run")
    assert "its JVM options (-Xmx256m) are not carried" in result.stderr


def test_an_existing_backup_is_never_overwritten(tmp_path):
    project = _copy("check_fixtures/single-stage-root", tmp_path)
    (project / "Dockerfile.orig").write_text("an older backup\n")
    original = (project / "Dockerfile").read_bytes()
    assert _adopt(project).returncode == 0
    assert (project / "Dockerfile.orig").read_text() == "an older backup\n"
    assert (project / "Dockerfile.orig.1").read_bytes() == original


def test_without_a_dockerfile_adopt_points_to_new(tmp_path):
    project = tmp_path / "app"
    shutil.copytree(ROOT / "tests" / "fixtures" / "go" / "root", project)
    result = _adopt(project)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {project}: no Dockerfile to adopt; `scaffold new` writes a hardened one " \
                                    "from scratch"
    (project / "dockerfile").write_text("FROM golang:1.22\n")
    result = _adopt(project, "--file", "dockerfile", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "version            1.22  [dockerfile:1]" in result.stderr


@pytest.mark.parametrize("where", ["docker/Dockerfile", "deploy/Dockerfile", "build/Dockerfile", "api.Dockerfile"])
def test_adopt_finds_a_dockerfile_where_the_repository_keeps_it_and_says_which(tmp_path, where):
    project = tmp_path / "app"
    shutil.copytree(ROOT / "tests" / "fixtures" / "go" / "root", project)
    (project / where).parent.mkdir(exist_ok=True)
    (project / where).write_text("FROM golang:1.21\nEXPOSE 9100\n")
    (project / "ci").mkdir()
    (project / "ci" / "tools").mkdir()
    (project / "ci" / "tools" / "Dockerfile").write_text("FROM alpine:3.19\n")  # deeper: not the app's
    result = _adopt(project, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert f"adopting {where}: the Dockerfile found" in result.stderr and "ci/tools/Dockerfile" in result.stderr
    assert f"port               9100  [{where}:2]" in result.stderr


def test_adopt_names_the_dockerfiles_that_fit_equally_and_the_flag(tmp_path):
    project = tmp_path / "app"
    shutil.copytree(ROOT / "tests" / "fixtures" / "go" / "root", project)
    for folder in ("docker", "deploy"):
        (project / folder).mkdir()
        (project / folder / "Dockerfile").write_text("FROM golang:1.21\n")
    result = _adopt(project)
    assert result.returncode == 2
    assert "deploy/Dockerfile, docker/Dockerfile: pass --file NAME" in result.stderr


def test_a_managed_project_is_pointed_to_upgrade(tmp_path):
    project = _copy("check_fixtures/scratch-root", tmp_path)
    assert _adopt(project).returncode == 0
    again = _adopt(project)
    assert again.returncode == 2 and "run `scaffold upgrade`" in again.stderr


def test_json_goes_with_dry_run(tmp_path):
    project = _copy("check_fixtures/scratch-root", tmp_path)
    result = _adopt(project, "--json")
    assert result.returncode == 2 and "--json goes with --dry-run" in result.stderr


# ---- hostile Dockerfiles: a warning or one line, never a traceback, nothing written ----------------


def _hostile(tmp_path: Path, dockerfile: Any) -> Tuple[Path, Dict[str, bytes]]:
    project = tmp_path / "app"
    shutil.copytree(CHECK_FIXTURES / "single-stage-root", project)
    path = project / "Dockerfile"
    if isinstance(dockerfile, bytes):
        path.write_bytes(dockerfile)
    else:
        path.write_text(dockerfile)
    return project, tree(project)


@pytest.mark.parametrize("dockerfile, error", [
    (b"FROM python:3.12-slim\n" + b"RUN true\n" * 140000, "Dockerfile: larger than 1024 KiB; not read as a Dockerfile"),
    (b"FROM python:3.12-slim\nCMD [\"python\"]\x00\x01\x02\n", "Dockerfile: binary data (a NUL byte at offset 36); "
                                                                 "not a Dockerfile"),
    ("# just a comment\nRUN echo hi\n", "Dockerfile: no FROM instruction; not a Dockerfile, nothing to adopt"),
], ids=["huge", "binary", "no-from"])
def test_unreadable_dockerfiles_are_one_line_and_write_nothing(tmp_path, dockerfile, error):
    project, before = _hostile(tmp_path, dockerfile)
    result = _adopt(project)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {error}"
    assert tree(project) == before


def test_a_dockerfile_that_is_a_link_is_refused(tmp_path):
    project, _ = _hostile(tmp_path, "")
    (project / "Dockerfile").unlink()
    (project / "Dockerfile").symlink_to("/etc/passwd")
    before = tree(project)
    result = _adopt(project)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "symbolic link" in result.stderr and tree(project) == before


@pytest.mark.parametrize("dockerfile, warning, port, command", [
    # a variable without a value: not a port; detection (none) and the default fill in
    ("FROM python:3.12-slim\nCOPY . /app\nEXPOSE $PORT\nCMD [\"python\", \"app.py\"]\n",
     "Dockerfile:3: EXPOSE $PORT names a variable without a value here: not used", 8000, ["python", "app.py"]),
    # a shell in exec form
    ("FROM python:3.12-slim\nEXPOSE 8001\nCMD [\"sh\", \"-c\", \"python app.py; rm -rf /\"]\n",
     "the start command runs a shell (sh -c python app.py; rm -rf /)", 8001, ["python", "app.py"]),
    # exec form passes $VAR literally
    ("FROM python:3.12-slim\nENTRYPOINT [\"python\", \"app.py\", \"--port=${PORT}\"]\n",
     "holds shell syntax (`${PORT}`), which exec form passes to the program as plain text: not carried", 8000,
     ["python", "app.py"]),
    # an exec-form ENTRYPOINT with a shell-form CMD becomes /bin/sh -c
    ("FROM python:3.12-slim\nENTRYPOINT [\"python\"]\nCMD app.py\n",
     "passes a shell-form CMD (line 3) to ENTRYPOINT", 8000, ["python", "app.py"]),
    # control characters and too many arguments fail the answer's parser like a flag would
    ("FROM python:3.12-slim\nCMD [\"python\", \"app.py\", \"\\u001b]0;pwned\\u0007\"]\n",
     "start command ['python', 'app.py', '\\x1b]0;pwned\\x07'] each argument must be text without control characters",
     8000, ["python", "app.py"]),
    ("FROM python:3.12-slim\nCMD [\"python\"" + ", \"x\"" * 70 + "]\n",
     "has more than 64 arguments: not used", 8000, ["python", "app.py"]),
    # a port out of range, a UDP port, a range
    ("FROM python:3.12-slim\nEXPOSE 70000 53/udp 8000-8010\n",
     "Dockerfile:2: EXPOSE 53/udp is not TCP: not used", 8000, ["python", "app.py"]),
    # a version that is not one
    ("FROM python:2.7-slim\n", "version '2.7' (FROM python:2.7-slim) is not a Python 3 version", 8000,
     ["python", "app.py"]),
], ids=["expose-unset-variable", "exec-form-shell", "exec-form-variable", "shell-form-cmd-to-entrypoint",
        "control-characters", "too-many-arguments", "odd-ports", "python-2"])
def test_hostile_values_are_warnings_and_detection_fills_in(tmp_path, dockerfile, warning, port, command):
    project, before = _hostile(tmp_path, dockerfile)
    result = _adopt(project, "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert warning in result.stderr, result.stderr
    answers = json.loads(result.stdout)["answers"]
    assert answers["port"] == port and answers["start_command"] == command
    assert tree(project) == before


def test_thousands_of_stages_copying_from_each_other_are_followed_within_bounds(tmp_path):
    lines = ["FROM python:3.12-slim AS s0", "COPY . /src"]
    for index in range(1, 7000):
        lines.append(f"FROM s{index - 1} AS s{index}")
        lines += [f"COPY --from=s{max(0, index - 1 - back)} /src /src" for back in range(4)]
    lines.append('CMD ["python", "/src/app.py"]')
    project, before = _hostile(tmp_path, "\n".join(lines) + "\n")
    started = time.monotonic()
    result = _adopt(project, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    assert "too many stages and copies to follow them all" in result.stderr
    assert "(before: Dockerfile: 7000 stages, more than the 256 check judges; not checked)" in result.stdout
    assert "Traceback" not in result.stderr and tree(project) == before


def test_a_start_command_that_cannot_be_carried_and_is_not_detected_is_one_error(tmp_path):
    project, before = _hostile(tmp_path, "FROM python:3.12-slim\nCMD ./boot.sh\n")
    (project / "app.py").unlink()
    before = tree(project)
    result = _adopt(project)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert "the start command runs the shell script ./boot.sh" in lines[-2]
    assert lines[-1].startswith("error: no start command found") and "--cmd" in lines[-1]
    assert tree(project) == before


# ---- the reader on its own ------------------------------------------------------------------------------


def _reader(tmp_path: Path, text: str, files: Tuple[str, ...] = ()) -> Reader:
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    return Reader(tmp_path, "Dockerfile", parse(text, tmp_path / "Dockerfile"))


def _start(reader: Reader, language: str = "python", source_dir: str = ".") -> Any:
    stated = reader.stated(by_name(language), source_dir)
    found = stated.get("start_command") or stated.get("main_class")
    return None if found is None else found.value


def test_an_exposed_port_overrules_a_command_line_guess(tmp_path):
    from generator.adopt.evidence import adopted as _adopted
    from generator.detect.model import AppCandidate, Evidence
    from generator.validate import CLI, resolve_answers

    app = AppCandidate("go", "tool", ".")
    app.set("kind", CLI, Evidence("main.go", 3))
    go = by_name("go")
    assert resolve_answers(app, {}).values["port"] is None
    reader = _reader(tmp_path, "FROM golang:1.22\nEXPOSE 9000\n")
    adopted, given, origins = _adopted(app, reader.stated(go, "."), go)
    resolved = resolve_answers(adopted, given, origins)
    assert resolved.values["port"] == 9000 and resolved.origins["port"] == "Dockerfile:2"


def test_entrypoint_and_cmd_combine_as_docker_combines_them(tmp_path):
    both = _reader(tmp_path, 'FROM python:3.12\nENTRYPOINT ["gunicorn"]\nCMD ["-b", ":8000", "app:app"]\n')
    assert _start(both) == ["gunicorn", "-b", ":8000", "app:app"]
    shell_entry = _reader(tmp_path, 'FROM python:3.12\nENTRYPOINT gunicorn app:app\nCMD ["--reload"]\n')
    assert _start(shell_entry) == ["gunicorn", "app:app"]
    assert any("ignores CMD at line 3" in w for w in shell_entry.warnings)
    reset = _reader(tmp_path, 'FROM python:3.12 AS base\nCMD ["python", "old.py"]\nFROM base\n'
                              'ENTRYPOINT ["python", "new.py"]\n')
    assert _start(reset) == ["python", "new.py"]  # an ENTRYPOINT drops the CMD of the stage it is built FROM
    same_stage = _reader(tmp_path, 'FROM python:3.12\nCMD ["app.py"]\nENTRYPOINT ["python"]\n')
    assert _start(same_stage) == ["python", "app.py"]  # but not one of its own stage
    wrapped = _reader(tmp_path, 'FROM python:3.12\nENTRYPOINT ["/usr/bin/dumb-init", "--", "gosu", "app", '
                                '"/usr/local/bin/python", "app.py"]\n')
    assert _start(wrapped) == ["python", "app.py"]
    assert _start(_reader(tmp_path, "FROM python:3.12\nCMD exec poetry run uvicorn main:app\n")) == [
        "uvicorn", "main:app"]
    assert _start(_reader(tmp_path, "FROM python:3.12\n")) is None


def test_paths_in_the_start_command_follow_the_copies(tmp_path):
    files = ("svc/server.py", "svc/conf/app.ini", "tools/run.py")
    text = ("FROM python:3.12 AS build\nWORKDIR /src\nCOPY svc/ ./\n"
            "FROM python:3.12-slim\nWORKDIR /opt\nCOPY --from=build /src /opt/app\nCOPY tools/run.py /usr/local/run.py\n"
            'CMD ["python", "/opt/app/server.py", "--config=app/conf/app.ini", "/usr/local/run.py"]\n')
    reader = _reader(tmp_path, text, files)
    assert _start(reader, source_dir="svc") == ["python", "server.py", "--config=conf/app.ini", "/usr/local/run.py"]
    assert any("/usr/local/run.py is tools/run.py of the project, outside the app's directory svc" in w
               for w in reader.warnings)
    assert _start(_reader(tmp_path, "FROM python:3.12\nWORKDIR /app\nCOPY . .\nCMD python svc/server.py\n", files),
                  source_dir="svc") == ["python", "server.py"]


def test_java_start_commands(tmp_path):
    assert _start(_reader(tmp_path, 'FROM eclipse-temurin:21-jre\nCMD ["java", "-cp", "/app:/app/lib/*", '
                                    '"com.example.Main", "--serve"]\n'), "java") == "com.example.Main"
    assert _start(_reader(tmp_path, 'FROM eclipse-temurin:21\nENTRYPOINT ["java", "org.springframework.boot.loader.'
                                    'launch.JarLauncher"]\n'), "java") == ""
    assert _start(_reader(tmp_path, 'FROM eclipse-temurin:21\nENTRYPOINT ["./mvnw", "spring-boot:run"]\n'),
                  "java") is None


@pytest.mark.parametrize("language, image, version", [
    ("go", "golang:1.22-alpine", "1.22"), ("go", "golang:1.23.4-bookworm", "1.23.4"), ("go", "golang:latest", ""),
    ("python", "python:3.11-slim", "3.11"), ("python", "python:3.9.15-slim-buster", "3.9"),
    ("python", "python:alpine3.7", ""), ("python", "gcr.io/distroless/python3-debian12:nonroot", "3.11"),
    ("java", "eclipse-temurin:17-jdk", "17"), ("java", "maven:3.9-eclipse-temurin-21", "21"),
    ("java", "gradle:8-jdk17", "17"), ("java", "openjdk:8u312-jre", "8"), ("java", "amazoncorretto:21", "21"),
    ("java", "gcr.io/distroless/java17-debian12", "17"), ("java", "maven:3.9", ""),
    ("java", "adoptopenjdk/openjdk13:alpine-jre", "13"), ("java", "adoptopenjdk/openjdk11", "11"),
    ("java", "registry.access.redhat.com/ubi9/openjdk-21:latest", "21"),
    ("java", "registry.access.redhat.com/ubi8/openjdk-17-runtime:1.18", "17"),
    ("java", "container-registry.oracle.com/java/jdk-no-fee-term:21", "21"),
    ("java", "bellsoft/liberica-openjre-alpine-musl:20.0.2-10", "20"), ("java", "azul/zulu-openjdk-alpine:17", "17"),
    ("go", "python:3.12", None), ("python", "debian:bookworm-slim", None),
])
def test_each_language_reads_its_images_tags(language, image, version):
    from generator.check.dockerfile import parse_image

    ref = parse_image(image)
    assert by_name(language).image_version(ref.name, ref.tag) == version


DOCKERFILE_LINES = st.lists(st.one_of(
    st.sampled_from([
        "FROM python:3.12-slim", "FROM golang:1.22 AS build", "FROM build", "FROM scratch", "ARG P=8080", "ENV PORT=$P",
        "EXPOSE $P", "EXPOSE 8080/udp", "EXPOSE ${Q:-9}", "WORKDIR /app", "WORKDIR $X", "COPY . .",
        "COPY --from=build /out /", "COPY --from=0 / /", "COPY ../x /y", "ADD https://x/y /z", "USER 1000:1000",
        "USER $U", "USER root", 'CMD ["python", "app.py"]', "CMD python $X", 'ENTRYPOINT ["tini", "--"]',
        'ENTRYPOINT ["java", "-jar"]', "CMD [\"sh\", \"-c\"]", "ENV DJANGO_SETTINGS_MODULE=a.b", "COPY <<EOF /x",
        "EOF", "RUN echo \\", "",
    ]),
    st.text(max_size=30),
), max_size=14)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=DOCKERFILE_LINES)
def test_the_reader_never_raises(tmp_path, lines):
    dockerfile = parse("\n".join(lines), tmp_path / "Dockerfile")
    if not dockerfile.stages:
        return
    reader = Reader(tmp_path, "Dockerfile", dockerfile)
    reader.languages()
    reader.copied()
    reader.runtime_files()
    reader.holds()
    for language in ("go", "python", "java"):
        for found in reader.stated(by_name(language), ".").values():
            assert found.evidence.file == "Dockerfile" and found.evidence.line


def test_the_questions_say_which_dockerfile_line_each_default_came_from(tmp_path):
    from tests.test_prompts import ENTER, Terminal

    project = _copy("adopt_fixtures/python-srv", tmp_path)
    terminal = Terminal("adopt", str(project))
    terminal.expect("App name")
    terminal.type(ENTER)
    terminal.expect("Python version (3.11, from Dockerfile:2)")
    terminal.type(ENTER)
    terminal.expect("Start command (python server.py, from Dockerfile:10)")
    terminal.type(ENTER)
    terminal.expect("Port the app listens on (5000, from Dockerfile:9)")
    terminal.type("\x7f" * 4 + "5001" + ENTER)
    for prompt in ("Final image", "User id", "Group id"):
        terminal.expect(prompt)
        terminal.type(ENTER)
    assert terminal.wait() == 0, terminal.screen
    assert "\nEXPOSE 5001\n" in (project / "Dockerfile").read_text()
    assert (project / "Dockerfile.orig").read_bytes() == (ADOPT_FIXTURES / "python-srv" / "Dockerfile").read_bytes()


MULTI_STAGE_FINAL_COPIES = {
    # Python's image holds the app's whole directory (staged by a RUN adopt cannot follow): nothing missing
    "fixtures/python/flask": ("FROM python:3.12-slim AS build\nRUN pip wheel -w /wheels gunicorn\n"
                              "FROM python:3.12-slim\nCOPY --from=build /wheels /wheels\nCOPY app.py .\n"
                              "COPY templates/ ./templates/\nCMD [\"gunicorn\", \"app:app\"]\n", False),
    # Go's holds its binary: templates/ copied into the old final stage is missing from the new one
    "fixtures/go/root": ("FROM golang:1.22 AS build\nCOPY . .\nRUN go build -o /app .\nFROM alpine:3.20\n"
                         "COPY --from=build /app /app\nCOPY templates/ /templates/\nENTRYPOINT [\"/app\"]\n", True),
}


@pytest.mark.parametrize("fixture", sorted(MULTI_STAGE_FINAL_COPIES))
def test_missing_runtime_files_are_said_only_when_the_new_image_lacks_them(tmp_path, fixture):
    project = _copy(fixture, tmp_path)
    text, missing = MULTI_STAGE_FINAL_COPIES[fixture]
    (project / "Dockerfile").write_text(text)
    (project / "templates").mkdir()
    (project / "templates" / "index.html").write_text("<p>hi</p>\n")
    result = _adopt(project, "--dry-run", "--yes")
    assert result.returncode == 0, result.stderr
    assert ("which the new image does not hold" in result.stderr) is missing, result.stderr


def test_build_steps_the_new_dockerfile_does_not_carry_are_each_said(tmp_path):
    project = _copy("fixtures/python/flask", tmp_path)
    (project / "Dockerfile").write_text(
        "FROM python:3.12-slim AS build\n"
        "COPY requirements.txt .\n"
        "RUN pip wheel -w /wheels -r requirements.txt uvloop\n"
        "FROM python:3.12-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*\n"
        "COPY --from=build /wheels /wheels\n"
        "RUN python manage.py collectstatic --noinput\n"
        "HEALTHCHECK CMD curl -fsS http://localhost:8000/health || exit 1\n"
        "CMD [\"gunicorn\", \"app:app\"]\n")
    result = _adopt(project, "--dry-run", "--yes")
    assert result.returncode == 0, result.stderr
    said = result.stderr
    assert "Dockerfile:3: `pip wheel` also builds uvloop" in said
    assert "Dockerfile:5: installs libpq5 into the image that runs" in said
    assert "Dockerfile:7: runs collectstatic" in said
    assert "Dockerfile:8: HEALTHCHECK probes /health" in said


@pytest.mark.parametrize("probe", ["curl -fsS http://localhost:8080/ready || exit 1",
                                   '["CMD", "wget", "-qO-", "http://127.0.0.1:8080/ready"]'])
def test_the_healthcheck_path_is_carried_as_the_probe_path_answer(tmp_path, probe):
    import json

    project = _copy("adopt_fixtures/java-jar", tmp_path)
    with (project / "Dockerfile").open("a") as dockerfile:
        dockerfile.write(f"\nHEALTHCHECK --interval=10s CMD {probe}\n")
    result = _adopt(project, "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["answers"]["health_path"] == "/ready" and plan["stated"]["health_path"]["evidence"]["line"] == 12
    assert not any("HEALTHCHECK" in warning for warning in plan["warnings"])


def test_a_dockerfile_in_the_folder_above_a_monorepo_app_is_read_for_it(tmp_path):
    services = tmp_path / "services"
    project = _copy("fixtures/python/flask", services)  # services/flask: the app; services/Dockerfile builds it
    (services / "Dockerfile").write_text("FROM python:3.11-slim\nCOPY other/ .\nCMD [\"python\", \"x.py\"]\n")
    refused = _adopt(project, "--yes")  # it builds another folder: not this app's
    assert refused.returncode == 2 and "no Dockerfile to adopt" in refused.stderr
    (services / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /srv\nCOPY flask/requirements.txt .\nRUN pip install -r requirements.txt\n"
        "COPY flask/ .\nEXPOSE 7000\nCMD [\"gunicorn\", \"-b\", \"0.0.0.0:7000\", \"app:app\"]\n")
    before = (services / "Dockerfile").read_bytes()
    result = _adopt(project, "--yes")
    assert result.returncode == 0, result.stderr
    assert "../Dockerfile" in result.stderr and "the folder above" in result.stderr
    answers = (project / ".scaffold" / "answers.yml").read_text()
    assert "port: 7000" in answers and "version: '3.11'" in answers
    assert (services / "Dockerfile").read_bytes() == before and not (services / "Dockerfile.orig").exists()
    assert "EXPOSE 7000" in (project / "Dockerfile").read_text()

