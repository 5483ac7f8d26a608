"""Template catalogs: registration, `new --template`, extension of the built-ins, upgrade, trust, mirror."""

from __future__ import annotations

import json
import re
import sys
import subprocess
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from generator.images import mirrored
from generator.languages import by_name
from generator.render import render
from generator.validate import validate
from tests.cases import cases
from tests.lint_tools import checkov, hadolint
from tests.helpers import copy_fixture, scaffold, tree

MIRROR = "registry.example.internal/library"
LABEL_V1 = 'com.example.team="platform"'
LABEL_V2 = 'com.example.team="platform-v2"'
TEAM_STEP = "RUN python -c \"print('team check')\""

CATALOG_TOML = """\
description = "The platform team's templates"

[[templates]]
id = "python"
description = "Python services with the platform labels"
languages = ["python"]
path = "templates/python"
{replaces}
"""

DOCKERFILE = """\
{{% extends "python/Dockerfile.jinja" %}}
{{% block build_stages %}}
{{{{ super() }}}}
{step}
{{% endblock %}}
{{% block extra_labels %}} \\
      {label}{{% endblock %}}
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout


def write_template(catalog: Path, label: str, replaces: str = "") -> None:
    template = catalog / "templates" / "python"
    template.mkdir(parents=True, exist_ok=True)
    (catalog / "scaffold-catalog.toml").write_text(CATALOG_TOML.format(replaces=replaces))
    (template / "Dockerfile.jinja").write_text(DOCKERFILE.format(step=TEAM_STEP, label=label))
    (template / ".dockerignore.jinja").write_text('{% extends "python/.dockerignore.jinja" %}\n')


@pytest.fixture
def env(tmp_path):
    """HOME, config and cache in tmp dirs: nothing of the person running the tests is used."""
    home = tmp_path / "home"
    home.mkdir()
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "SCAFFOLD_CATALOGS": "", "SCAFFOLD_BASE_REGISTRY": "", "SCAFFOLD_TRUSTED": ""}


@pytest.fixture
def catalog(tmp_path):
    """A git catalog with tags v1 and v2 (v2 changes the team label)."""
    repo = tmp_path / "catalog"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_template(repo, LABEL_V1)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    git(repo, "tag", "v1")
    write_template(repo, LABEL_V2)
    git(repo, "commit", "-qam", "v2")
    git(repo, "tag", "v2")
    return repo


def run(env, *args, cwd=None):
    return scaffold(*args, env=env, **({"cwd": cwd} if cwd else {}))


def add(env, catalog, *extra, name="team", ref="v1", cwd=None):
    result = run(env, "catalog", "add", name, str(catalog), *(["--ref", ref] if ref else []), *extra, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result


def one_line_error(result, *needles):
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def test_add_list_show(env, catalog, tmp_path):
    add(env, catalog)
    config = Path(env["XDG_CONFIG_HOME"], "scaffold", "config.toml").read_text()
    assert "[catalogs.team]" in config and 'ref = "v1"' in config
    listed = json.loads(run(env, "catalog", "list", "--json").stdout)
    assert [row["name"] for row in listed] == ["builtin", "team"]
    assert [t["id"] for t in listed[0]["templates"]] == ["go", "python", "java"]
    assert listed[1]["version"] == "v1" and listed[1]["templates"][0]["id"] == "python"
    text = run(env, "catalog", "list")
    assert text.returncode == 0 and "team/python" in text.stdout and "builtin/go" in text.stdout
    show = run(env, "catalog", "show", "team/python")
    assert show.returncode == 0 and "Python services" in show.stdout and "v1" in show.stdout
    assert "Dockerfile.jinja" in show.stdout
    assert Path(env["XDG_CACHE_HOME"], "scaffold", "catalogs", "team", ".git").is_dir()


@pytest.fixture
def team_project(env, catalog, tmp_path):
    add(env, catalog)
    project = copy_fixture("python/flask", tmp_path)
    result = run(env, "new", "--yes", "--template", "team/python", str(project))
    assert result.returncode == 0, result.stderr
    return project


def assert_hardened(dockerfile: str) -> None:
    assert "USER 10001:10001" in dockerfile and "HEALTHCHECK --interval" in dockerfile
    # the built-in runtime root: shells and dpkg purged, the root copied onto scratch
    assert "--no-triggers bash dash" in dockerfile and "dpkg --purge --force-remove-essential --force-depends dpkg" in dockerfile
    assert "FROM scratch AS final\n" in dockerfile and "COPY --from=runtime-root /rootfs/ /\n" in dockerfile
    assert dockerfile.rstrip().splitlines()[-1].startswith("ENTRYPOINT [")


@pytest.mark.lint
def test_new_with_catalog_template_extends_builtin_and_lints(team_project):
    dockerfile = (team_project / "Dockerfile").read_text()
    assert LABEL_V1 in dockerfile and TEAM_STEP in dockerfile
    assert_hardened(dockerfile)
    assert "**/.venv" in (team_project / ".dockerignore").read_text()
    record = yaml.safe_load((team_project / ".scaffold" / "answers.yml").read_text())
    assert record["template"] == "team/python" and record["template_version"] == "v1"
    assert hadolint(dockerfile) == []
    assert checkov({"team": dockerfile}) == {"team": []}


def test_upgrade_to_v2_merges_the_change_and_keeps_edits(env, catalog, team_project):
    path = team_project / "Dockerfile"
    text = path.read_text()
    path.write_text(text.replace("\n", "\n# reviewed by the team\n", 1))
    add(env, catalog, ref="v2")
    result = run(env, "upgrade", str(team_project))
    assert result.returncode == 0, result.stderr
    assert "team/python: template v1 -> v2" in result.stderr
    dockerfile = path.read_text()
    assert LABEL_V2 in dockerfile and LABEL_V1 not in dockerfile and "# reviewed by the team\n" in dockerfile
    assert yaml.safe_load((team_project / ".scaffold" / "answers.yml").read_text())["template_version"] == "v2"


def test_upgrade_without_the_catalog_registered_names_it(env, team_project, tmp_path):
    other = {**env, "XDG_CONFIG_HOME": str(tmp_path / "teammate")}
    before = tree(team_project)
    one_line_error(run(other, "upgrade", str(team_project)), "catalog team", "not registered", "scaffold catalog add team")
    assert tree(team_project) == before
    # a teammate who registers it through the environment (CI) can upgrade
    ci = {**other, "SCAFFOLD_CATALOGS": f"team={tmp_path / 'catalog'}#v1", "XDG_CACHE_HOME": str(tmp_path / "ci-cache")}
    result = run(ci, "upgrade", str(team_project))
    assert result.returncode == 0, result.stderr
    assert "Dockerfile is up to date" in result.stderr


def test_replaces_picks_the_catalog_template_and_says_so(env, catalog, tmp_path):
    write_template(catalog, LABEL_V1, replaces='replaces = "python"')
    git(catalog, "commit", "-qam", "replaces")
    git(catalog, "tag", "v3")
    add(env, catalog, ref="v3")
    project = copy_fixture("python/flask", tmp_path)
    result = run(env, "new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    assert "using team/python" in result.stderr and "replaces the built-in python" in result.stderr
    assert LABEL_V1 in (project / "Dockerfile").read_text()
    go = copy_fixture("go/root", tmp_path)  # another language: the built-in template
    assert run(env, "new", "--yes", str(go)).returncode == 0
    assert "builtin/go" in (go / ".scaffold" / "answers.yml").read_text()
    builtin = copy_fixture("python/django", tmp_path)
    assert run(env, "new", "--yes", "--template", "builtin/python", str(builtin)).returncode == 0
    assert LABEL_V1 not in (builtin / "Dockerfile").read_text()


def test_project_config_and_language_mismatch(env, catalog, tmp_path):
    project = copy_fixture("python/flask", tmp_path)
    add(env, catalog, "--project", cwd=project)
    assert (project / ".scaffold" / "config.toml").is_file()
    # registered in the project only; the user config records just the person's consent to its URL
    user = tomllib.loads(Path(env["XDG_CONFIG_HOME"], "scaffold", "config.toml").read_text())
    assert user == {"allowed": [str(catalog)]}
    result = run(env, "new", "--yes", "--template", "team/python", str(project))
    assert result.returncode == 0, result.stderr
    go = copy_fixture("go/root", tmp_path)
    one_line_error(run(env, "new", "--yes", "--template", "builtin/python", str(go)), "this project is go")


@pytest.mark.parametrize("content,needles", [
    ("[[templates]\nid = 1\n", ["not valid TOML"]),
    ('[[templates]]\ndescription = "d"\nlanguages = ["python"]\npath = "p"\n', ["templates[0].id", "missing"]),
    ('[[templates]]\nid = "python"\ndescription = "d"\nlanguages = "python"\npath = "p"\n',
     ["templates[0] (id 'python').languages", "must be an array"]),
    ('[[templates]]\nid = "python"\ndescription = "d"\nlanguages = ["cobol"]\npath = "p"\n', ["languages"]),
    ('[[templates]]\nid = "python"\ndescription = "d"\nlanguages = ["python"]\npath = "../x"\n', ["path", "inside the catalog"]),
    ('[[templates]]\nid = "python"\ndescription = "d"\nlanguages = ["python"]\npath = "p"\nsize = 3\n', ["size", "unknown key"]),
])
def test_malformed_catalog_file_is_refused(env, tmp_path, content, needles):
    directory = tmp_path / "dircat"
    directory.mkdir()
    (directory / "scaffold-catalog.toml").write_text(content)
    result = run(env, "catalog", "add", "team", str(directory))
    one_line_error(result, "scaffold-catalog.toml", *needles)
    assert not Path(env["XDG_CONFIG_HOME"], "scaffold", "config.toml").exists()


def test_missing_template_path_and_unknown_template(env, tmp_path):
    directory = tmp_path / "dircat"
    directory.mkdir()
    (directory / "scaffold-catalog.toml").write_text(CATALOG_TOML.format(replaces=""))
    one_line_error(run(env, "catalog", "add", "team", str(directory)), "templates/python", "does not exist")
    write_template(directory, LABEL_V1)
    add(env, directory, ref="")
    project = copy_fixture("python/flask", tmp_path)
    one_line_error(run(env, "new", "--yes", "--template", "team/nope", str(project)), "no template 'nope'", "python")
    one_line_error(run(env, "new", "--yes", "--template", "other/python", str(project)), "catalog other", "not registered")
    assert not (project / "Dockerfile").exists()


def test_symlink_escaping_the_catalog_is_refused(env, tmp_path):
    directory = tmp_path / "dircat"
    write_template(directory, LABEL_V1)
    (tmp_path / "secret").write_text("secret\n")
    (directory / "templates" / "python" / "leak.jinja").symlink_to(tmp_path / "secret")
    add(env, directory, ref="")
    project = copy_fixture("python/flask", tmp_path)
    one_line_error(run(env, "new", "--yes", "--template", "team/python", str(project)), "outside the catalog")
    assert not (project / "Dockerfile").exists()


def test_unreachable_url_without_and_with_cache(env, catalog, tmp_path):
    gone = tmp_path / "gone"
    one_line_error(run(env, "catalog", "add", "lost", str(gone) + ".git", "--ref", "v1"), "catalog lost", "no cached copy")
    add(env, catalog)  # fetched once: now in the cache
    catalog.rename(tmp_path / "moved")
    project = copy_fixture("python/flask", tmp_path)
    result = run(env, "new", "--yes", "--template", "team/python", str(project))
    assert result.returncode == 0, result.stderr
    assert "offline" in result.stderr and "cached copy" in result.stderr
    assert LABEL_V1 in (project / "Dockerfile").read_text()


def test_unsafe_features_refused_until_trusted(env, catalog, tmp_path):
    (catalog / "templates" / "python" / "copier.yml").write_text('_tasks: ["true"]\n')
    git(catalog, "add", "-A")
    git(catalog, "commit", "-qm", "tasks")
    git(catalog, "tag", "tasks")
    add(env, catalog, ref="tasks")
    project = copy_fixture("python/flask", tmp_path)
    before = tree(project)
    refused = run(env, "new", "--yes", "--template", "team/python", str(project))
    one_line_error(refused, "tasks", "--trust", "not trusted")
    assert tree(project) == before
    assert "tasks" in run(env, "catalog", "show", "team/python").stdout
    add(env, catalog, "--trust", ref="tasks")
    trusted = run(env, "new", "--yes", "--template", "team/python", str(project))
    assert trusted.returncode == 0, trusted.stderr
    # trust cannot come from a project's config
    (project / ".scaffold" / "config.toml").write_text(f'trusted = ["{catalog}"]\n')
    one_line_error(run(env, "catalog", "list", cwd=project), "trusted", "user config")


def test_registry_mirror_rewrites_every_from_of_every_builtin_template():
    for case_id, raw in cases():
        answers = validate(raw)
        dockerfile = render(answers, base_registry=MIRROR)["Dockerfile"]
        stages = set()
        for line in dockerfile.splitlines():
            match = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
            if not match:
                continue
            image, stage = match.groups()
            assert image == "scratch" or image in stages or image.startswith(MIRROR + "/"), (case_id, line)
            if stage:
                stages.add(stage)
        for image in by_name(answers["language"]).images(answers).values():
            assert mirrored(image, MIRROR) == "scratch" or mirrored(image, MIRROR).startswith(MIRROR + "/")


def test_mirror_rule():
    assert mirrored("scratch", MIRROR) == "scratch"
    assert mirrored("golang:1.22-bookworm", MIRROR) == f"{MIRROR}/golang:1.22-bookworm"
    assert mirrored("docker.io/library/debian:bookworm-slim", MIRROR) == f"{MIRROR}/debian:bookworm-slim"
    assert mirrored("gcr.io/distroless/static-debian12:nonroot", MIRROR) == f"{MIRROR}/distroless/static-debian12:nonroot"
    assert mirrored(f"{MIRROR}/golang:1.22", MIRROR) == f"{MIRROR}/golang:1.22"
    assert mirrored("golang:1.22", "") == "golang:1.22"


def test_mirror_from_env_is_recorded_and_kept_on_upgrade(env, tmp_path):
    project = copy_fixture("go/root", tmp_path)
    result = run({**env, "SCAFFOLD_BASE_REGISTRY": MIRROR}, "new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    assert f"FROM {MIRROR}/golang:" in (project / "Dockerfile").read_text()
    assert yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["base_registry"] == MIRROR
    upgraded = run(env, "upgrade", str(project))  # another machine, no mirror configured
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"FROM {MIRROR}/golang:" in (project / "Dockerfile").read_text()
    cleared = run(env, "upgrade", "--set", "base_registry=", str(project))
    assert cleared.returncode == 0, cleared.stderr
    assert "FROM golang:" in (project / "Dockerfile").read_text()
    bad = run({**env, "SCAFFOLD_BASE_REGISTRY": "Not A Registry"}, "new", "--yes", "--force", str(project))
    one_line_error(bad, "SCAFFOLD_BASE_REGISTRY", "not a registry mirror")


def test_malformed_user_config_names_file_and_key(env, tmp_path):
    config = Path(env["XDG_CONFIG_HOME"], "scaffold", "config.toml")
    config.parent.mkdir(parents=True)
    config.write_text('[catalogs.team]\nurl = 3\n')
    one_line_error(run(env, "catalog", "list"), "config.toml", "catalogs.team.url")
    config.write_text('[catalogs.team\n')
    one_line_error(run(env, "catalog", "list"), "config.toml", "not valid TOML")


def own_repository_catalog(tmp_path: Path, template_repo: Path, version: str) -> Path:
    """A directory catalog listing one template that lives in its own git repository."""
    catalog = tmp_path / "listing"
    catalog.mkdir()
    pin = f'version = "{version}"\n' if version else ""
    (catalog / "scaffold-catalog.toml").write_text(
        '[[templates]]\nid = "python"\ndescription = "Python from its own repository"\nlanguages = ["python"]\n'
        f'git = "{template_repo}"\npath = "templates/python"\n{pin}')
    return catalog


def test_template_in_its_own_git_repository_is_fetched_at_its_pinned_version(env, catalog, tmp_path):
    add(env, own_repository_catalog(tmp_path, catalog, "v2"), name="own", ref="")
    project = copy_fixture("python/flask", tmp_path)
    result = run(env, "new", "--yes", "--template", "own/python", str(project))
    assert result.returncode == 0, result.stderr
    dockerfile = (project / "Dockerfile").read_text()
    assert LABEL_V2 in dockerfile and LABEL_V1 not in dockerfile
    assert_hardened(dockerfile)
    record = yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())
    assert record["template"] == "own/python" and record["template_version"] == "v2"


@pytest.mark.parametrize("git_url,version,needles", [
    ("ABSOLUTE", "", ["templates[0]", ".version", "pinned"]),
    ("relative/repo", "v1", ["templates[0]", ".git", "absolute path"]),
])
def test_template_git_entries_are_checked(env, catalog, tmp_path, git_url, version, needles):
    listing = own_repository_catalog(tmp_path, catalog if git_url == "ABSOLUTE" else git_url, version)
    result = run(env, "catalog", "add", "own", str(listing))
    one_line_error(result, "scaffold-catalog.toml", *needles)


@pytest.mark.parametrize("answers_file", ["/tmp/scaffold-answers.yml", "../outside.yml", "a/../../b.yml"])
def test_an_answers_file_outside_the_output_is_one_line_error(env, catalog, tmp_path, answers_file):
    """copier asserts that `_answers_file` is relative; a catalog saying otherwise is bad input, not a bug."""
    (catalog / "templates" / "python" / "copier.yml").write_text(f"_answers_file: {answers_file}\n")
    git(catalog, "add", "-A")
    git(catalog, "commit", "-qm", "answers file")
    git(catalog, "tag", "answers")
    add(env, catalog, ref="answers")
    project = copy_fixture("python/flask", tmp_path)
    before = tree(project)
    result = run(env, "new", "--yes", "--template", "team/python", str(project))
    one_line_error(result, "_answers_file", "team/python")
    assert "internal error" not in result.stderr
    assert tree(project) == before
