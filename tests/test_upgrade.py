"""`scaffold upgrade` as a person runs it: edits kept, template changes applied, conflicts marked."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.upgrade import merge3, merge_texts
from tests.lint_tools import checkov, hadolint
from tests.helpers import ROOT, copy_fixture, scaffold, tree

TEMPLATES = ROOT / "templates"
OLD_LABEL = 'hardened by hardened-scaffold" \\'
NEW_LABEL = 'hardened by hardened-scaffold, upgraded template" \\'
#: a line the team adds to the build stage, far from what the template change touches
TEAM_RUN = "RUN go env GOFLAGS\n"


def changed_templates(tmp_path: Path, version: str = "2") -> Path:
    """A copy of templates/ whose OCI description label changed, with VERSION bumped."""
    copy = tmp_path / f"templates-v{version}"
    shutil.copytree(TEMPLATES, copy)
    shared = copy / "_shared" / "Dockerfile.jinja"
    text = shared.read_text()
    assert OLD_LABEL in text
    shared.write_text(text.replace(OLD_LABEL, NEW_LABEL))
    (copy / "VERSION").write_text(f"{version}\n")
    return copy


def upgrade(project: Path, templates: Path, *args: str, env: dict = None) -> subprocess.CompletedProcess:
    return scaffold("upgrade", *args, str(project), env={"SCAFFOLD_TEMPLATES": str(templates), **(env or {})})


def generated(tmp_path: Path, fixture: str = "go/root") -> Path:
    project = copy_fixture(fixture, tmp_path)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    return project


def edit_dockerfile(project: Path) -> None:
    """The team's edits: a RUN line in the build stage, another EXPOSE port."""
    path = project / "Dockerfile"
    text = path.read_text()
    assert "WORKDIR /src\n" in text and "EXPOSE 8080\n" in text
    path.write_text(text.replace("WORKDIR /src\n", "WORKDIR /src\n" + TEAM_RUN).replace("EXPOSE 8080\n", "EXPOSE 8081\n"))


def pristine(project: Path, name: str = "Dockerfile") -> str:
    return (project / ".scaffold" / "pristine" / name).read_text()


def record(project: Path) -> dict:
    return yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())


def assert_merged(project: Path, result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    dockerfile = (project / "Dockerfile").read_text()
    assert TEAM_RUN in dockerfile and "EXPOSE 8081\n" in dockerfile and "EXPOSE 8080" not in dockerfile
    assert NEW_LABEL in dockerfile and "(go template v2)" in dockerfile
    assert "<<<<<<<" not in dockerfile
    assert NEW_LABEL in pristine(project) and TEAM_RUN not in pristine(project) and "EXPOSE 8080\n" in pristine(project)
    assert record(project)["template_version"] == "2"
    return dockerfile


def test_edits_and_template_change_both_survive(tmp_path):
    project = generated(tmp_path)
    edit_dockerfile(project)
    dockerignore = (project / ".dockerignore").read_text()
    result = upgrade(project, changed_templates(tmp_path))
    assert_merged(project, result)
    assert "Dockerfile was upgraded" in result.stderr and "v1 -> v2" in result.stderr
    assert (project / ".dockerignore").read_text() == dockerignore


def test_without_git_the_builtin_merge_gives_the_same_result(tmp_path):
    with_git, without_git = generated(tmp_path / "a"), generated(tmp_path / "b")
    templates = changed_templates(tmp_path)
    for project in (with_git, without_git):
        edit_dockerfile(project)
    assert_merged(with_git, upgrade(with_git, templates))
    no_git = upgrade(without_git, templates, env={"PATH": str(tmp_path / "empty")})
    assert_merged(without_git, no_git)
    assert (with_git / "Dockerfile").read_text() == (without_git / "Dockerfile").read_text()


def conflicting_edit(project: Path) -> None:
    path = project / "Dockerfile"
    path.write_text(path.read_text().replace(OLD_LABEL, 'built by the platform team" \\'))


@pytest.mark.parametrize("path", [None, "empty"], ids=["git", "builtin"])
def test_conflict_is_marked_listed_and_blocks_the_next_upgrade(tmp_path, path):
    project = generated(tmp_path)
    conflicting_edit(project)
    templates = changed_templates(tmp_path)
    env = {"PATH": str(tmp_path / path)} if path else None
    result = upgrade(project, templates, env=env)
    assert result.returncode == 1, result.stderr
    dockerfile = (project / "Dockerfile").read_text()
    ours, theirs = 'built by the platform team" \\', NEW_LABEL
    assert dockerfile.index("<<<<<<< your edit\n") < dockerfile.index(ours) < dockerfile.index("=======\n") \
        < dockerfile.index(theirs) < dockerfile.index(">>>>>>> new template\n")
    assert "conflict" in result.stderr and str(project / "Dockerfile") in result.stderr.splitlines()[-1]
    assert NEW_LABEL in pristine(project) and record(project)["template_version"] == "2"

    before = tree(project)
    again = upgrade(project, templates, env=env)
    assert again.returncode == 2 and "Dockerfile:" in again.stderr and "conflict marker" in again.stderr
    assert tree(project) == before


def test_resolved_conflict_upgrades_cleanly_next_time(tmp_path):
    """Pristine became the new render, so the resolved file's only difference is the team's edit."""
    project = generated(tmp_path)
    conflicting_edit(project)
    assert upgrade(project, changed_templates(tmp_path)).returncode == 1
    path = project / "Dockerfile"
    lines = path.read_text().splitlines(keepends=True)
    start, middle, end = (lines.index(m) for m in ("<<<<<<< your edit\n", "=======\n", ">>>>>>> new template\n"))
    path.write_text("".join(lines[:start] + lines[start + 1:middle] + lines[end + 1:]))  # keep ours
    resolved = path.read_text()
    result = upgrade(project, changed_templates(tmp_path, "3"))
    assert result.returncode == 0, result.stderr
    assert path.read_text() == resolved.replace("(go template v2)", "(go template v3)")


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path):
    project = generated(tmp_path)
    edit_dockerfile(project)
    before = tree(project)
    result = upgrade(project, changed_templates(tmp_path), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "--- a/Dockerfile\n+++ b/Dockerfile\n" in result.stdout
    assert f"+      org.opencontainers.image.description=\"root (go), {NEW_LABEL}" in result.stdout
    assert "-# (go template v1)" in result.stdout and "+" + TEAM_RUN not in result.stdout
    assert "nothing was written" in result.stderr
    assert tree(project) == before


def test_deleted_file_stays_deleted(tmp_path):
    project = generated(tmp_path)
    (project / ".dockerignore").unlink()
    result = upgrade(project, changed_templates(tmp_path))
    assert result.returncode == 0, result.stderr
    assert not (project / ".dockerignore").exists()
    assert ".dockerignore was deleted" in result.stderr and "not recreated" in result.stderr
    assert NEW_LABEL in (project / "Dockerfile").read_text()


def test_added_file_is_created_and_dropped_file_is_reported(tmp_path):
    project = generated(tmp_path)
    added = changed_templates(tmp_path)
    (added / "project" / "NOTICE.txt").write_text("made with hardened-scaffold\n")
    result = upgrade(project, added)
    assert result.returncode == 0, result.stderr
    assert (project / "NOTICE.txt").read_text() == "made with hardened-scaffold\n"
    assert "NOTICE.txt was created" in result.stderr and "NOTICE.txt" in record(project)["files"]

    result = upgrade(project, changed_templates(tmp_path, "3"))
    assert result.returncode == 0, result.stderr
    assert "NOTICE.txt is no longer generated" in result.stderr
    assert (project / "NOTICE.txt").is_file() and "NOTICE.txt" not in record(project)["files"]


def test_works_in_a_dirty_git_repository(tmp_path):
    project = generated(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "scaffold"], cwd=project, check=True)
    edit_dockerfile(project)
    (project / "untracked.txt").write_text("work in progress\n")
    assert_merged(project, upgrade(project, changed_templates(tmp_path)))
    assert (project / "untracked.txt").read_text() == "work in progress\n"


def test_set_port_changes_expose_and_keeps_edits(tmp_path):
    project = generated(tmp_path)
    path = project / "Dockerfile"
    path.write_text(path.read_text().replace("WORKDIR /src\n", "WORKDIR /src\n" + TEAM_RUN))
    result = scaffold("upgrade", "--set", "port=9000", str(project))
    assert result.returncode == 0, result.stderr
    dockerfile = path.read_text()
    assert "EXPOSE 9000\n" in dockerfile and "Port 9000 is probed" in dockerfile and TEAM_RUN in dockerfile
    assert record(project)["answers"]["port"] == 9000 and "EXPOSE 9000\n" in pristine(project)


@pytest.mark.parametrize("pair,message", [
    ("port=70000", "port from --set port must be a port number"),
    ("uid=0", "uid from --set uid must be a non-root"),
    ("main_class=com.example.Main", "--set main_class: not an answer of a go project"),
    ("language=java", "--set language: not an answer that can be set"),
    ("port", "expected key=value"),
])
def test_bad_set_is_refused(tmp_path, pair, message):
    project = generated(tmp_path)
    before = tree(project)
    result = scaffold("upgrade", "--set", pair, str(project))
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert tree(project) == before


@pytest.mark.parametrize("text,message", [
    ("answers: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", "no `answers` mapping"),
    (None, "port from .scaffold/answers.yml must be a port number"),
    ("files: [../../etc/passwd]\n", "not a plain path"),
])
def test_malformed_record_is_refused(tmp_path, text, message):
    project = generated(tmp_path)
    answers = project / ".scaffold" / "answers.yml"
    if text is None:
        text = answers.read_text().replace("port: 8080", "port: 99999")
    elif text.startswith("files:"):
        text = answers.read_text().replace("files:\n", "files:\n- ../../etc/passwd\n")
    answers.write_text(text)
    before = tree(project)
    result = scaffold("upgrade", str(project))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert tree(project) == before


def test_nothing_to_upgrade(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    before = tree(project)
    result = scaffold("upgrade", str(project))
    assert result.returncode == 2 and "scaffold new" in result.stderr
    assert tree(project) == before


def test_up_to_date_project_is_left_alone(tmp_path):
    project = generated(tmp_path, "python/flask")
    before = tree(project)
    result = scaffold("upgrade", str(project))
    assert result.returncode == 0 and "up to date" in result.stderr
    assert tree(project) == before


@pytest.mark.lint
def test_upgraded_dockerfile_lints_clean(tmp_path):
    project = generated(tmp_path)
    edit_dockerfile(project)
    dockerfile = assert_merged(project, upgrade(project, changed_templates(tmp_path)))
    assert hadolint(dockerfile) == []
    assert checkov({"upgraded": dockerfile}) == {"upgraded": []}


# -- the merge itself, both engines ------------------------------------------------------

BASE = "a\nb\nc\nd\ne\n"


@pytest.mark.parametrize("engine", [merge3, merge_texts], ids=["builtin", "default"])
@pytest.mark.parametrize("ours,theirs,expected,conflicts", [
    ("a\nB\nc\nd\ne\n", "a\nb\nc\nD\ne\n", "a\nB\nc\nD\ne\n", 0),           # separate edits
    ("a\nB\nc\nd\ne\n", "a\nB\nc\nd\ne\n", "a\nB\nc\nd\ne\n", 0),           # same edit
    ("a\nc\nd\ne\n", "a\nb\nc\nd\nE\n", "a\nc\nd\nE\n", 0),                 # deletion + edit
    ("x\na\nb\nc\nd\ne\n", "a\nb\nc\nd\ne\ny\n", "x\na\nb\nc\nd\ne\ny\n", 0),  # insertions at both ends
    ("a\nb\nOURS\nd\ne\n", "a\nb\nTHEIRS\nd\ne\n",
     "a\nb\n<<<<<<< your edit\nOURS\n=======\nTHEIRS\n>>>>>>> new template\nd\ne\n", 1),
])
def test_merge(engine, ours, theirs, expected, conflicts):
    assert engine(BASE, ours, theirs) == (expected, conflicts)


@pytest.mark.parametrize("path", [None, "empty"], ids=["git", "builtin"])
def test_a_crlf_checkout_merges_and_keeps_its_line_endings(tmp_path, path):
    """A Windows checkout (git's autocrlf) has CRLF endings on every line: still a merge, not a conflict per line."""
    project = generated(tmp_path)
    edit_dockerfile(project)
    dockerfile = project / "Dockerfile"
    dockerfile.write_bytes(dockerfile.read_bytes().replace(b"\n", b"\r\n"))
    result = upgrade(project, changed_templates(tmp_path), env={"PATH": str(tmp_path / path)} if path else None)
    assert result.returncode == 0, result.stderr
    merged = dockerfile.read_bytes()
    assert merged.count(b"\n") == merged.count(b"\r\n") > 10
    text = merged.decode().replace("\r\n", "\n")
    assert TEAM_RUN in text and "EXPOSE 8081\n" in text and NEW_LABEL in text and "<<<<<<<" not in text
    assert "\r" not in pristine(project)


def test_a_bad_set_value_names_set_not_a_flag_upgrade_lacks(tmp_path):
    project = generated(tmp_path)
    result = scaffold("upgrade", "--set", "port=abc", str(project))
    assert result.returncode == 2 and "--set port" in result.stderr, result.stderr
    assert "--port" not in result.stderr, result.stderr
