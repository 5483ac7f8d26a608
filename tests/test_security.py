"""A hostile repository must not write outside itself, run code, read the host, or crash us.

One section per class of issue 8. Each test builds its hostile fixture in a temporary
directory (symlinked record directories, self-trusting configs, filter-using templates,
links to /proc and /etc, oversized and deeply nested files, escape-laden names,
concurrent runs, a full tmpfs, an unprivileged user) and asserts what must hold:
nothing outside the project changed (a hash of a sibling directory), no task ran (a
marker file), no host string in any output, exit 2 with one `error:` line, and the
tree byte-identical after a failure.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import fs
from generator.errors import WriteError
from tests.helpers import ROOT, copy_fixture, scaffold, tree

SECRET = "s3cr3t-value-from-the-host"
FILTER_PROBES = {
    "expandvars": "{{ '$SCAFFOLD_TEST_SECRET' | expandvars }}",
    "expanduser": "{{ '~' | expanduser }}",
    "fileglob": "{{ '/etc/*' | fileglob | join(',') }}",
    "realpath": "{{ '/proc/self/cwd' | realpath }}",
    "relpath": "{{ '/' | relpath }}",
}


# -- helpers -----------------------------------------------------------------------------


def digest(path: Path) -> str:
    """A hash of every entry below `path` (names, link targets, bytes): equal means untouched."""
    sha = hashlib.sha256()
    for item in sorted(path.rglob("*")):
        sha.update(str(item.relative_to(path)).encode())
        if item.is_symlink():
            sha.update(b"->" + os.readlink(item).encode())
        elif item.is_file():
            sha.update(item.read_bytes())
    return sha.hexdigest()


def one_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit 2, exactly one `error:` line (the last), no traceback; returns that line."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


@pytest.fixture
def env(tmp_path: Path) -> Dict[str, str]:
    """The person's own config and cache, away from the machine's."""
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "SCAFFOLD_CATALOGS": "", "SCAFFOLD_TRUSTED": "", "SCAFFOLD_BASE_REGISTRY": "",
            "SCAFFOLD_TEST_SECRET": SECRET}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Another project beside the one scaffolded: nothing may ever change in it."""
    other = tmp_path / "outside"
    other.mkdir()
    (other / "Dockerfile").write_text("FROM precious:1\n")
    (other / "answers.yml").write_text("precious: true\n")
    return other


def new_project(tmp_path: Path, fixture: str = "python/flask") -> Path:
    return copy_fixture(fixture, tmp_path)


def catalog(tmp_path: Path, dockerfile: str, copier_yml: str = "", replaces: str = "", extra: Optional[Dict[str, str]] = None) -> Path:
    """A directory catalog with one python template whose Dockerfile.jinja is `dockerfile`."""
    root = tmp_path / f"catalog-{hashlib.sha1((dockerfile + copier_yml + replaces).encode()).hexdigest()[:8]}"
    template = root / "python"
    template.mkdir(parents=True)
    (root / "scaffold-catalog.toml").write_text(
        '[[templates]]\nid = "python"\ndescription = "d"\nlanguages = ["python"]\npath = "python"\n'
        + (f'replaces = "{replaces}"\n' if replaces else ""))
    (template / "Dockerfile.jinja").write_text(dockerfile)
    if copier_yml:
        (template / "copier.yml").write_text(copier_yml)
    for name, text in (extra or {}).items():
        (template / name).parent.mkdir(parents=True, exist_ok=True)
        (template / name).write_text(text)
    return root


def extending(text: str) -> str:
    """A Dockerfile.jinja that extends the built-in python one and adds `text` to its notes block
    (in a child template only blocks are rendered)."""
    return '{% extends "python/Dockerfile.jinja" %}\n{% block notes %}{{ super() }}\n' + text + "{% endblock %}\n"


def register(env: Dict[str, str], name: str, url: Path, *flags: str, cwd: Path = ROOT) -> None:
    result = scaffold("catalog", "add", name, str(url), *flags, env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr


# -- 1. writes stay inside the project -------------------------------------------------------


@pytest.mark.parametrize("link", [".scaffold", ".scaffold/pristine"])
def test_new_never_writes_through_a_linked_record_directory(tmp_path, env, outside, link):
    project = new_project(tmp_path)
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    (project / link).symlink_to(outside, target_is_directory=True)
    before, project_before = digest(outside), tree(project)
    one_error(scaffold("new", "--yes", str(project), env=env), "symbolic link")
    assert digest(outside) == before
    assert tree(project) == project_before


def test_new_force_never_replaces_a_link_to_another_projects_file(tmp_path, env, outside):
    project = new_project(tmp_path)
    (project / "Dockerfile").symlink_to(outside / "Dockerfile")
    before = digest(outside)
    one_error(scaffold("new", "--yes", "--force", str(project), env=env), "Dockerfile", "symbolic link")
    assert digest(outside) == before


def test_upgrade_never_writes_through_a_linked_pristine_directory(tmp_path, env, outside):
    project = new_project(tmp_path)
    assert scaffold("new", "--yes", str(project), env=env).returncode == 0
    shutil.copytree(project / ".scaffold" / "pristine", outside / "pristine")
    shutil.rmtree(project / ".scaffold" / "pristine")
    (project / ".scaffold" / "pristine").symlink_to(outside / "pristine", target_is_directory=True)
    (outside / "pristine" / "Dockerfile").write_text((outside / "pristine" / "Dockerfile").read_text() + "# theirs\n")
    before = digest(outside)
    one_error(scaffold("upgrade", str(project), env=env), "pristine", "symbolic link")
    assert digest(outside) == before


def test_catalog_output_never_lands_in_a_directory_the_repository_linked(tmp_path, env, outside):
    source = catalog(tmp_path, '{% extends "python/Dockerfile.jinja" %}\n',
                     extra={".dockerignore.jinja": '{% extends "python/.dockerignore.jinja" %}\n',
                            "drop/evil.sh.jinja": "echo pwned\n"})
    register(env, "team", source)
    project = new_project(tmp_path)
    (project / "drop").symlink_to(outside, target_is_directory=True)
    before, project_before = digest(outside), tree(project)
    one_error(scaffold("new", "--yes", "--template", "team/python", str(project), env=env), "drop", "symbolic link")
    assert digest(outside) == before and not (outside / "evil.sh").exists()
    assert tree(project) == project_before


WRITE_PATHS = [".scaffold", ".scaffold/pristine", ".scaffold/answers.yml", ".scaffold/pristine/Dockerfile",
               ".scaffold/pristine/.dockerignore", "Dockerfile", ".dockerignore", "Dockerfile.orig"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(links=st.lists(st.sampled_from(WRITE_PATHS), min_size=1, max_size=3, unique=True),
       command=st.sampled_from([("new", "--yes"), ("new", "--yes", "--force"), ("upgrade",)]),
       scaffolded=st.booleans())
def test_property_no_link_placement_makes_a_write_leave_the_project(tmp_path_factory, links, command, scaffolded):
    """Random links (to a directory or a file outside) over the paths scaffold writes."""
    base = tmp_path_factory.mktemp("prop")
    env = {"XDG_CONFIG_HOME": str(base / "config"), "XDG_CACHE_HOME": str(base / "cache"), "SCAFFOLD_CATALOGS": ""}
    other = base / "outside"
    (other / "pristine").mkdir(parents=True)
    (other / "Dockerfile").write_text("FROM precious:1\n")
    project = new_project(base)
    if scaffolded:
        assert scaffold("new", "--yes", str(project), env=env).returncode == 0
    for link in links:
        path = project / link
        if path.is_symlink() or not path.parent.is_dir() or path.parent.is_symlink():
            continue
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        target = other / "pristine" if link in (".scaffold", ".scaffold/pristine") else other / "Dockerfile"
        path.symlink_to(target)
    before = digest(other)
    result = scaffold(*command, str(project), env=env)
    assert digest(other) == before, (links, command, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1, 2)
    if result.returncode == 2:
        one_error(result)
    leftovers = [p for p in project.rglob("*") if "scaffold-tmp" in p.name or "scaffold-old" in p.name]
    assert leftovers == []


# -- 2. a repository cannot trust itself; --dry-run runs nothing ------------------------------


TASK = '_tasks: ["touch {marker}"]\n'


@pytest.mark.parametrize("where", ["config", "pyproject"])
def test_a_repository_cannot_trust_itself(tmp_path, env, where):
    """The person trusts `team` (SCAFFOLD_TRUSTED=team, as docs recommend for CI); the repository
    re-registers `team` to its own catalog with a task: it is not used, and nothing runs."""
    marker = tmp_path / "task-ran"
    honest = catalog(tmp_path, '{% extends "python/Dockerfile.jinja" %}\n')
    register(env, "team", honest)
    evil = catalog(tmp_path, extending("# evil"), TASK.format(marker=marker))
    project = new_project(tmp_path)
    if where == "config":
        (project / ".scaffold").mkdir()
        (project / ".scaffold" / "config.toml").write_text(f'[catalogs.team]\nurl = "{evil}"\n')
    else:
        with (project / "requirements.txt").open("a"):
            pass
        (project / "pyproject.toml").write_text(f'[tool.scaffold.catalogs.team]\nurl = "{evil}"\n')
    trusted = {**env, "SCAFFOLD_TRUSTED": "team"}
    for args in (("new", "--yes", "--dry-run"), ("new", "--yes")):
        result = scaffold(*args, "--template", "team/python", str(project), env=trusted)
        assert result.returncode == 0, result.stderr
        assert "registered by this repository" in result.stderr and "not used" in result.stderr
        assert not marker.exists()
    assert "# evil" not in (project / "Dockerfile").read_text()


def test_dry_run_never_runs_a_trusted_templates_tasks(tmp_path, env):
    marker = tmp_path / "task-ran"
    source = catalog(tmp_path, '{% extends "python/Dockerfile.jinja" %}\n', TASK.format(marker=marker))
    register(env, "team", source, "--trust")
    project = new_project(tmp_path)
    result = scaffold("new", "--yes", "--dry-run", "--template", "team/python", str(project), env=env)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert scaffold("new", "--yes", "--template", "team/python", str(project), env=env).returncode == 0
    assert marker.exists()  # the same template, trusted, does run its task outside a dry run


def test_project_config_cannot_declare_trust(tmp_path, env):
    project = new_project(tmp_path)
    (project / ".scaffold").mkdir()
    (project / ".scaffold" / "config.toml").write_text('trusted = ["https://evil.example/c.git"]\n')
    one_error(scaffold("new", "--yes", str(project), env=env), "trusted", "user config")


# -- 3. repository catalogs need consent; templates cannot read the host ---------------------------


def test_a_catalog_the_repository_registers_is_not_used_without_consent(tmp_path, env):
    source = catalog(tmp_path, extending("# from the repository catalog"), replaces="python")
    project = new_project(tmp_path)
    (project / ".scaffold").mkdir()
    (project / ".scaffold" / "config.toml").write_text(f'[catalogs.repo]\nurl = "{source}"\n')
    result = scaffold("new", "--yes", str(project), env=env)
    assert result.returncode == 0, result.stderr
    assert "registered by this repository" in result.stderr and f"scaffold catalog add repo {source}" in result.stderr
    assert "# from the repository catalog" not in (project / "Dockerfile").read_text()
    assert "builtin/python" in (project / ".scaffold" / "answers.yml").read_text()
    # with the person's consent (they register the URL themselves) it is used, untrusted
    register(env, "repo", source)
    again = scaffold("new", "--yes", "--force", str(project), env=env)
    assert again.returncode == 0, again.stderr
    assert "# from the repository catalog" in (project / "Dockerfile").read_text()


@pytest.mark.parametrize("name", sorted(FILTER_PROBES))
def test_untrusted_templates_cannot_use_host_filters(tmp_path, env, name):
    source = catalog(tmp_path, extending("# " + FILTER_PROBES[name]))
    register(env, "team", source)
    project = new_project(tmp_path)
    before = tree(project)
    result = scaffold("new", "--yes", "--template", "team/python", str(project), env=env)
    one_error(result, "team/python", name, "not trusted")
    output = result.stdout + result.stderr
    for host in (SECRET, str(Path.home()), "passwd", "/proc", str(ROOT)):
        assert host not in output
    assert tree(project) == before


def test_untrusted_templates_see_no_interpreter_path_and_no_outside_files(tmp_path, env):
    probes = ("# python:[{{ _copier_python | default('none') }}]\n"
              "# data:[{{ leak | default('none') }}]\n")
    source = catalog(tmp_path, extending(probes), copier_yml="_external_data:\n  leak: /etc/passwd\n")
    register(env, "team", source)
    project = new_project(tmp_path)
    result = scaffold("new", "--yes", "--template", "team/python", str(project), env=env)
    if result.returncode == 0:
        dockerfile = (project / "Dockerfile").read_text()
        assert "# python:[none]" in dockerfile and "root:x:0:0" not in dockerfile
    else:
        one_error(result, "team/python")
        assert "root:x:0:0" not in result.stderr
    include = catalog(tmp_path, '{% include "../../../../../../../../etc/passwd" %}\n')
    register(env, "inc", include)
    failed = scaffold("new", "--yes", "--force", "--template", "inc/python", str(project), env=env)
    one_error(failed, "inc/python")
    assert "root:x:0:0" not in failed.stdout + failed.stderr


def test_a_rendered_link_is_refused_not_followed(tmp_path):
    from generator.errors import TemplateError
    from generator.render import _collect

    out = tmp_path / "out"
    out.mkdir()
    (out / "Dockerfile").write_text("FROM scratch\n")
    (out / "leak").symlink_to("/etc/passwd")
    with pytest.raises(TemplateError, match="symbolic link"):
        _collect(out, "team/python")


def test_copier_still_gives_us_the_hook_we_restrict(tmp_path):
    """The restriction relies on copier's Worker.jinja_env; a copier release that changes it fails here."""
    from generator.render import _untrusted_worker

    worker = _untrusted_worker()(src_path=str(tmp_path), dst_path=tmp_path)
    env = worker.jinja_env
    for name in FILTER_PROBES:
        with pytest.raises(Exception, match="trusted"):
            env.from_string(FILTER_PROBES[name]).render()


# -- 4. reads never follow links, and are bounded ---------------------------------------------------


@pytest.fixture
def scaffolded(tmp_path, env) -> Path:
    project = new_project(tmp_path)
    result = scaffold("new", "--yes", str(project), env=env)
    assert result.returncode == 0, result.stderr
    return project


@pytest.mark.parametrize("name,target", [
    ("Dockerfile", "/proc/self/environ"), ("Dockerfile", "/etc/passwd"),
    (".scaffold/pristine/Dockerfile", "/etc/passwd"), (".scaffold/answers.yml", "/etc/passwd"),
])
def test_upgrade_never_reads_through_a_link(scaffolded, env, name, target):
    path = scaffolded / name
    path.unlink()
    path.symlink_to(target)
    before = tree(scaffolded)
    for args in (("upgrade", "--dry-run"), ("upgrade",)):
        result = scaffold(*args, str(scaffolded), env=env)
        one_error(result, name, "symbolic link")
        assert "root:" not in result.stdout and SECRET not in result.stdout + result.stderr
    assert tree(scaffolded) == before


def test_a_fifo_or_directory_in_place_of_a_file_is_refused_without_hanging(scaffolded, env):
    (scaffolded / "Dockerfile").unlink()
    os.mkfifo(scaffolded / "Dockerfile")
    one_error(scaffold("upgrade", str(scaffolded), env=env), "Dockerfile", "not a regular file")
    answers = scaffolded / ".scaffold" / "answers.yml"
    answers.unlink()
    answers.mkdir()
    one_error(scaffold("upgrade", str(scaffolded), env=env), "answers.yml", "not a regular file")


def test_an_oversized_pristine_copy_is_refused_without_reading_it(scaffolded, env):
    pristine = scaffolded / ".scaffold" / "pristine" / "Dockerfile"
    with pristine.open("r+b") as handle:
        handle.truncate(300 << 20)  # 300 MB, sparse
    script = ("import resource, subprocess, sys; "
              "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(r.returncode); "
              "sys.stderr.write(r.stderr)")
    environment = {**os.environ, **env, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-c", script, sys.executable, "-m", "generator", "upgrade", str(scaffolded)],
                            capture_output=True, text=True, env=environment, timeout=120)
    max_rss_kib, code = (int(x) for x in result.stdout.split())
    assert code == 2 and "larger than" in result.stderr, result.stderr
    assert max_rss_kib < 200 * 1024, f"{max_rss_kib} KiB used for a refused 300 MB file"


# -- 5. one line, nothing half-written -------------------------------------------------------------


BROKEN_TEMPLATES = {
    "undefined": extending("# {{ nothing.here }}"),
    "syntax": '{% extends "python/Dockerfile.jinja" %}\n{% if %}\n',
    "recursion": "{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}\n",
    "include": '{% include "no/such/file.jinja" %}\n',
}


@pytest.mark.parametrize("kind", sorted(BROKEN_TEMPLATES))
def test_a_broken_catalog_template_is_one_line(tmp_path, env, kind):
    register(env, "team", catalog(tmp_path, BROKEN_TEMPLATES[kind]))
    project = new_project(tmp_path)
    before = tree(project)
    one_error(scaffold("new", "--yes", "--template", "team/python", str(project), env=env), "team/python")
    assert tree(project) == before


def test_a_directory_where_a_file_goes_leaves_everything_as_it_was(tmp_path, env):
    project = new_project(tmp_path)
    (project / ".dockerignore").mkdir()
    (project / ".dockerignore" / "keep").write_text("mine\n")
    (project / "Dockerfile").write_text("FROM mine:1\n")
    before = tree(project)
    one_error(scaffold("new", "--yes", "--force", str(project), env=env), ".dockerignore", "not a regular file")
    assert tree(project) == before
    assert [p.name for p in project.iterdir() if "scaffold-" in p.name] == []


def test_a_failure_after_the_first_rename_puts_everything_back(tmp_path, monkeypatch):
    root = tmp_path / "p"
    root.mkdir()
    (root / "a").write_text("old a\n")
    (root / "b").write_text("old b\n")
    renames: List[str] = []
    real_rename = os.rename

    def failing_rename(src, dst, **kwargs):
        renames.append(dst)
        if len(renames) == 2:
            raise OSError(28, "No space left on device")
        return real_rename(src, dst, **kwargs)

    monkeypatch.setattr(os, "rename", failing_rename)
    before = tree(root)
    with pytest.raises(WriteError, match="No space left"):
        fs.write_files(root, {"a": "new a\n", "b": "new b\n", "c/d": "new\n"})
    monkeypatch.setattr(os, "rename", real_rename)
    assert tree(root) == before
    assert sorted(p.name for p in root.iterdir()) == ["a", "b"]


@pytest.fixture
def tiny_tmpfs(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip()}): the disk-full case needs one")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_leaves_the_tree_byte_identical(tiny_tmpfs, env):
    project = tiny_tmpfs / "project"
    shutil.copytree(ROOT / "tests" / "fixtures" / "python" / "flask", project)
    (project / "Dockerfile").write_text("FROM mine:1\n")
    filler = tiny_tmpfs / "filler"
    with filler.open("wb", buffering=0) as handle:  # fill to the brim ...
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    os.truncate(filler, filler.stat().st_size - 2 * 4096)  # ... then free two pages: the record does not fit
    before = tree(project)
    one_error(scaffold("new", "--yes", "--force", str(project), env=env), "No space left")
    assert tree(project) == before


def _interpreter_for_nobody() -> Optional[str]:
    """A Python of this minor version that an unprivileged user can run (ours may live under /root)."""
    for candidate in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        try:
            check = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                                   text=True, user=65534, group=65534, check=False)
        except OSError:  # not there, or not executable by that user
            continue
        if check.returncode == 0 and check.stdout.strip() == str(sys.version_info[:2]):
            return candidate
    return None


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to an unprivileged user needs root")
def test_permission_errors_as_an_unprivileged_user(tmp_path):
    python = _interpreter_for_nobody()
    if python is None:
        pytest.skip(f"no Python {sys.version_info[0]}.{sys.version_info[1]} that the user nobody may run")
    base = Path("/tmp") / f"scaffold-perm-{os.getpid()}"
    shutil.rmtree(base, ignore_errors=True)
    project = base / "project"
    shutil.copytree(ROOT / "tests" / "fixtures" / "python" / "flask", project)
    for path in [base, *base.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    project.chmod(0o555)  # read-only project: nothing can be created in it
    site = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": f"{ROOT}:{site}", "NO_COLOR": "1",
                   "HOME": str(base), "PYTHONDONTWRITEBYTECODE": "1",
                   "XDG_CONFIG_HOME": str(base / "config"), "XDG_CACHE_HOME": str(base / "cache")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([python, "-m", "generator", *args], capture_output=True, text=True, env=environment,
                              user=65534, group=65534, timeout=120, check=False)

    try:
        before = tree(project)
        one_error(run("new", "--yes", str(project)), "Permission denied")
        assert tree(project) == before
        project.chmod(0o755)
        (project / "app.py").chmod(0o000)  # an unreadable source is a warning, not a crash
        (project / ".scaffold").mkdir(mode=0o555)
        one_error(run("new", "--yes", str(project)), "Permission denied")
        assert not any("scaffold-tmp" in p.name for p in project.rglob("*"))
    finally:
        project.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("where,text", [
    ("pyproject.toml", "a = " + "[" * 50000 + "]" * 50000 + "\n"),
    (".scaffold/config.toml", "a = " + "[" * 50000 + "]" * 50000 + "\n"),
])
def test_deeply_nested_toml_is_a_warning_or_one_line(tmp_path, env, where, text):
    project = new_project(tmp_path)
    (project / where).parent.mkdir(parents=True, exist_ok=True)
    (project / where).write_text(text)
    result = scaffold("new", "--yes", "--dry-run", str(project), env=env)
    assert "Traceback" not in result.stderr
    if where == "pyproject.toml":
        assert result.returncode == 0 and "nested too deeply" in result.stderr
    else:
        one_error(result, "config.toml", "nested too deeply")


def test_deeply_nested_or_binary_records_are_one_line(scaffolded, env):
    answers = scaffolded / ".scaffold" / "answers.yml"
    answers.write_text("answers: " + "[" * 20000 + "]" * 20000 + "\n")
    one_error(scaffold("upgrade", str(scaffolded), env=env), "answers.yml")
    answers.unlink()
    assert scaffold("new", "--yes", "--force", str(scaffolded), env=env).returncode == 0
    (scaffolded / "Dockerfile").write_bytes(b"FROM x\n\xff\xfe\n")
    one_error(scaffold("upgrade", "--dry-run", str(scaffolded), env=env), "Dockerfile", "not UTF-8")
    (scaffolded / "Dockerfile").write_text("FROM x\n")
    (scaffolded / ".scaffold" / "pristine" / "Dockerfile").write_bytes(b"\x80\x81")
    one_error(scaffold("upgrade", str(scaffolded), env=env), "pristine/Dockerfile", "not UTF-8")


def test_a_closed_pipe_is_not_a_traceback(tmp_path):
    project = new_project(tmp_path)
    command = (f"{sys.executable} -m generator detect --json {project} | head -c 1 >/dev/null; "
               f"exit ${{PIPESTATUS[0]}}")
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.returncode == 0


# -- 6. untrusted text never reaches the terminal raw ----------------------------------------------


def test_escape_sequences_and_newlines_from_the_repository_are_escaped(tmp_path, env):
    hostile = "app\x1b]0;pwned\x07\x1b[2J\nerror: forged"
    project = tmp_path / "repo"
    (project / hostile).mkdir(parents=True)
    (project / hostile / "go.mod").write_text(f"module example.com/{hostile.replace(chr(10), '')}\n\ngo 1.22\n")
    (project / hostile / "main.go").write_text("package main\n\nfunc main() {}\n")
    for args in (("detect",), ("detect", "--json"), ("new", "--yes", "--dry-run"), ("new", "--yes", "--app", "nope")):
        result = scaffold(*args, str(project), env=env)
        output = result.stdout + result.stderr
        assert "\x1b" not in output and "\x07" not in output, args
        assert not any(line.startswith("error: forged") for line in output.splitlines()), args


def test_recorded_fields_are_escaped(scaffolded, env):
    answers = scaffolded / ".scaffold" / "answers.yml"
    answers.write_text(answers.read_text().replace("template_version:", 'template_version: "\\e[2J\\nerror: x"\n'
                                                   "old_template_version:", 1))
    result = scaffold("upgrade", "--dry-run", str(scaffolded), env=env)
    assert "\x1b" not in result.stdout + result.stderr


# -- 7. two runs at once: one wins, the other refuses ----------------------------------------------


def test_concurrent_new_runs_never_both_write(tmp_path, env):
    environment = {**os.environ, **env, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    for round_number in range(8):
        project = copy_fixture("go/root", tmp_path / f"round{round_number}")
        runs = [subprocess.Popen([sys.executable, "-m", "generator", "new", "--yes", str(project)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
                for _ in range(2)]
        results = [(run.wait(timeout=120), run.stderr.read() if run.stderr else "") for run in runs]
        codes = sorted(code for code, _ in results)
        assert codes == [0, 2], results
        loser = next(text for code, text in results if code == 2)
        assert "already exist" in loser or "another scaffold command" in loser, loser


# -- 9. --force keeps what it replaces ----------------------------------------------------------


def test_new_force_keeps_the_replaced_dockerfile(tmp_path, env):
    project = new_project(tmp_path)
    (project / "Dockerfile").write_bytes(b"FROM mine:1\r\n# hand-written\xc3\xa9\n")
    (project / "Dockerfile").chmod(0o600)
    result = scaffold("new", "--yes", "--force", str(project), env=env)
    assert result.returncode == 0, result.stderr
    assert (project / "Dockerfile.orig").read_bytes() == b"FROM mine:1\r\n# hand-written\xc3\xa9\n"
    assert (project / "Dockerfile.orig").stat().st_mode & 0o777 == 0o600
    assert "kept as Dockerfile.orig" in result.stderr
    (project / "Dockerfile").write_text("FROM second:2\n")
    assert scaffold("new", "--yes", "--force", str(project), env=env).returncode == 0
    assert (project / "Dockerfile.orig").read_bytes().startswith(b"FROM mine:1")  # never overwritten
    assert (project / "Dockerfile.orig.1").read_text() == "FROM second:2\n"
    assert scaffold("new", "--yes", "--force", str(project), env=env).returncode == 0
    assert not (project / "Dockerfile.orig.2").exists()  # the same text again: nothing to keep
