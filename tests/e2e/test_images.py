"""Build every buildable fixture x final flavour in a real Docker daemon, run it, prove it.

For each case: `scaffold new --yes` in a copy of the fixture; `docker build` (BuildKit);
`scaffold verify IMAGE --port N` (tests/e2e/verified.py), which fails the test with its own
report on any finding: numeric non-root user, exec-form entrypoint, healthcheck decision,
labels and EXPOSE, no shell, package manager, toolchain or setuid file, root-owned app files
the user cannot write, no whiteout hiding shipped bytes, a package database true to the
files, and a hardened smoke run whose port answers. What verify does not do is checked
here: `docker run --read-only --cap-drop ALL --security-opt no-new-privileges` with the port
on 127.0.0.1 and an HTTP request answered by the app as uid 10001; a write next to the app
refused, with and without `--read-only`; a Debian-based final rebuilt on scratch from its
runtime root (no layer of the base, smaller than the base, no perl); for the cases marked `sbom`,
Trivy's SBOM lists exactly the packages the image's dpkg database lists, libc and libssl
among them, the purged packages gone with no file of theirs left; and a rebuild after a
one-line source change whose dependency step is CACHED.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
import yaml

from generator.languages import by_name
from tests.helpers import FIXTURES, scaffold
from tests.e2e.docker import Docker, client, http_get, unavailable_reason
from tests.e2e.verified import assert_verified
from tests.e2e.scanner import DpkgDatabase, dpkg_database, trivy_os_packages

UID = 10001

_reason = unavailable_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_reason is not None, reason=f"e2e tests need Docker: {_reason}")]

#: finals built from a Debian image's runtime root (templates/_shared/macros.jinja runtime_root)
BUILT_FROM_DEBIAN = ("slim", "debian")
#: packages those finals must have removed with dpkg (H5), whatever else the language adds
PURGED = {"bash", "dash", "dpkg", "apt", "perl-base"}


@dataclass(frozen=True)
class Case:
    fixture: str
    final: str
    #: text of the source file to touch for the rebuild, relative to the fixture
    source: str
    #: a string naming the dependency step(s) in BuildKit's output (must be CACHED on rebuild)
    dependency_step: Optional[str]
    flags: Tuple[str, ...] = ()
    #: a command run in the container that tries to write next to the app, and must fail
    write_probe: Tuple[str, ...] = ()
    #: check what a scanner sees (Trivy's SBOM against the image's dpkg database, H16)
    sbom: bool = False

    @property
    def id(self) -> str:
        return f"{self.fixture.replace('/', '-')}-{self.final}"


GO = dict(dependency_step="go mod download")
PY_WRITE = ("/app/venv/bin/python", "-c", "open('/app/venv/probe', 'w')")
PY = dict(write_probe=PY_WRITE)
JAVA = dict(dependency_step="-Dcheckstyle.skip")  # only the pom-only pass skips it

CASES: List[Case] = [
    *[Case("go/root", final, "main.go", **GO, sbom=final == "debian") for final in ("scratch", "distroless", "debian")],
    Case("go/cmd-multi", "scratch", "cmd/api/main.go", flags=("--app", "go/api"), **GO),
    *[Case("go/cgo", final, "main.go", **GO) for final in ("distroless", "debian")],
    Case("go/workspace", "scratch", "api/main.go", **GO),
    Case("go/vendored", "scratch", "main.go", dependency_step=None),
    # a Prometheus-style exporter: listens where the exporter toolkit's --web.listen-address says
    Case("go/exporter", "scratch", "main.go", **GO),
    Case("python/pip", "slim", "app.py", dependency_step="requirements", sbom=True, **PY),
    Case("python/pip", "distroless", "app.py", dependency_step="requirements",
         flags=("--language-version", "3.11"), **PY),
    Case("python/poetry", "slim", "app.py", dependency_step="poetry export", **PY),
    Case("python/uv", "slim", "main.py", dependency_step="uv sync", **PY),
    Case("python/pipenv", "slim", "service.py", dependency_step="pipenv", **PY),
    Case("python/django", "slim", "mysite/urls.py", dependency_step="requirements", **PY),
    Case("python/fastapi", "slim", "main.py", dependency_step="requirements", **PY),
    Case("python/procfile", "slim", "app.py", dependency_step="requirements", **PY),
    # patterns of real repositories (issue 10): a Procfile chaining steps before gunicorn, a factory
    # in a package, gunicorn told nothing on the command line (its config binds a $PORT default)
    Case("python/procfile-chain", "slim", "webapp/__init__.py", dependency_step="requirements", **PY),
    Case("python/fastapi-factory", "slim", "app/main.py", dependency_step="requirements", **PY),
    Case("python/gunicorn-config", "slim", "app.py", dependency_step="requirements", **PY),
    Case("python/requirements-include", "slim", "app.py", dependency_step="requirements", **PY),
    # production servers from the framework tables (issue 18): uWSGI from the project's ini, aiohttp's runner
    Case("python/uwsgi-django", "slim", "mysite/urls.py", dependency_step="requirements", **PY),
    Case("python/aiohttp", "slim", "app.py", dependency_step="requirements", **PY),
    *[Case("java/maven", final, "src/main/java/com/example/hello/Main.java", **JAVA, sbom=final == "debian")
      for final in ("distroless", "debian")],
    Case("java/maven", "jre", "src/main/java/com/example/hello/Main.java", **JAVA),  # the base image's runtime
    Case("java/multi-module", "distroless", "app/src/main/java/com/example/app/Main.java", **JAVA),
]

#: built where Maven Central is reachable: test_maven_central.py (the wrapper, Spring Boot 3 and 2.7)
NOT_BUILDABLE_HERE = {
    "java/gradle-groovy": "the Gradle wrapper downloads Gradle from services.gradle.org, which no machine here reaches",
    "java/gradle-kotlin": "the Gradle wrapper downloads Gradle from services.gradle.org, which no machine here reaches",
}


@pytest.fixture(scope="module")
def docker() -> Docker:
    executable = client()
    assert executable
    return Docker(executable)


def scaffold_new(project: Path, *flags: str) -> dict:
    result = scaffold("new", "--yes", *flags, str(project))
    assert result.returncode == 0, result.stderr
    return yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())["answers"]


def export_image(docker: Docker, image: str, archive: Path) -> Path:
    """The filesystem of `image` (a container created, never started) as a tar at `archive`."""
    container = docker.run("create", image, "/nonexistent").stdout.strip()
    try:
        return docker.export(container, archive)
    finally:
        docker.remove(container)


_BASE_DATABASES: Dict[str, DpkgDatabase] = {}


def base_database(docker: Docker, base: str, tmp: Path) -> DpkgDatabase:
    """The dpkg database of a base image (read once per run)."""
    if base not in _BASE_DATABASES:
        _BASE_DATABASES[base] = dpkg_database(export_image(docker, base, tmp / "base.tar"))
    return _BASE_DATABASES[base]


def runtime_root_findings(docker: Docker, image: str, base: str) -> List[str]:
    """A Debian-based final that still stands on a layer of its base, or whose runtime-root
    layer (its first) is not smaller than the base (verify's H17 finds the whiteouts)."""
    layers = docker.layers(image)
    base_ids = docker.inspect(base)["RootFS"]["Layers"]
    findings = []
    if set(base_ids) & {layer.diff_id for layer in layers}:
        findings.append(f"the final stands on layers of {base}, not on its runtime root")
    base_size = int(docker.inspect(base)["Size"])
    if layers[0].size >= base_size:
        findings.append(f"runtime-root layer ({layers[0].size} B) not smaller than {base} ({base_size} B)")
    return findings


def scanner_findings(docker: Docker, image: str, base: str, archive: Path, tmp: Path) -> List[str]:
    """H16 as a scanner sees it: Trivy's OS packages are exactly those the image's dpkg
    database lists, libc and libssl among them (where the base has them); the purged
    packages are gone and no file of theirs is left, programs or not (verify's H16 finds
    listed files that are missing and unlisted programs and libraries)."""
    final_db = dpkg_database(archive)
    base_db = base_database(docker, base, tmp)
    listed = trivy_os_packages(image)
    findings = []
    if listed != set(final_db.packages):
        findings.append(f"Trivy lists {sorted(listed - set(final_db.packages))} beyond the dpkg database and misses "
                        f"{sorted(set(final_db.packages) - listed)}")
    required = {"libc6", "libssl3"} & set(base_db.packages)
    if "libc6" not in required or not required <= listed:
        findings.append(f"Trivy does not list {sorted({'libc6', 'libssl3'} - listed)} (base has {sorted(required)})")
    gone = set(base_db.packages) - set(final_db.packages)
    if not PURGED <= gone:
        findings.append(f"still listed: {sorted(PURGED - gone)}")
    leftovers = {path for path in base_db.files_of(gone) - base_db.files_of(set(final_db.packages))
                 if final_db.tree.exists(path)}
    findings += [f"left over from a removed package: {path}" for path in sorted(leftovers)]
    return findings


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_image_builds_runs_and_is_hardened(case: Case, docker: Docker, tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / case.fixture, project, symlinks=True)
    answers = scaffold_new(project, "--final", case.final, *case.flags)
    port = answers["port"]
    image = f"scaffold-e2e/{case.id}:test"
    container = ""
    try:
        docker.build(project, image)
        assert_verified(docker, image, project / "Dockerfile", port=port)
        assert docker.inspect(image)["Config"]["Labels"]["org.opencontainers.image.title"] == answers["app_name"]

        container = docker.start(image, port)
        body = http_get(docker.host_port(container, port))
        assert "hello from" in body, docker.logs(container)
        uid = re.search(r"uid[= ](\d+)", body)
        assert uid and int(uid.group(1)) == UID, body
        base = by_name(answers["language"]).images(answers)["final"]
        if case.final in BUILT_FROM_DEBIAN:
            assert runtime_root_findings(docker, image, base) == []
            # perl, which runtime_root purges, is an interpreter: verify does not judge it
            assert docker.run("exec", container, "perl", "-e", "1", check=False).returncode != 0
        if case.final == "slim":  # the Python default final: smaller than its base, app included
            assert int(docker.inspect(image)["Size"]) < int(docker.inspect(base)["Size"])
        if case.sbom:
            archive = docker.export(container, tmp_path / "final.tar")
            assert scanner_findings(docker, image, base, archive, tmp_path) == []
        if case.write_probe:
            probe = docker.run("exec", container, *case.write_probe, check=False)
            assert probe.returncode != 0 and ("Permission denied" in probe.stderr or "Read-only" in probe.stderr), probe.stderr
        docker.remove(container)
        # the same write attempt without --read-only: the file modes alone must refuse it
        if case.write_probe:
            writable_root = docker.run("run", "-d", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                                       image).stdout.strip()
            try:
                probe = docker.run("exec", writable_root, *case.write_probe, check=False)
                assert probe.returncode != 0 and "Permission denied" in probe.stderr, probe.stderr
            finally:
                docker.remove(writable_root)

        # H9: change one source line; the dependency step must come from the cache
        source = project / case.source
        marker = f"touched {uuid.uuid4().hex}"  # unique, so no earlier run's cache can serve it
        source.write_text(source.read_text() + (f"\n# {marker}\n" if source.suffix == ".py" else f"\n// {marker}\n"))
        second = docker.build(project, image)
        if case.dependency_step:
            steps = second.steps_running(case.dependency_step)
            assert steps, f"no RUN step mentions {case.dependency_step!r}:\n{second.log[-3000:]}"
            assert all(steps.values()), f"dependency step re-ran after a source change: {steps}"
        rebuilt = [lines[0] for lines in second.step_lines().values()
                   if lines[0].startswith("[") and not any(line.strip() == "CACHED" for line in lines[1:])
                   and (" COPY " in lines[0] or " RUN " in lines[0])]
        assert rebuilt, "the source change was not seen by the build"
    finally:
        if container:
            docker.remove(container)
        docker.remove_image(image)


@pytest.mark.parametrize("fixture", sorted(NOT_BUILDABLE_HERE))
def test_unbuildable_here(fixture: str):
    pytest.skip(f"{fixture}: {NOT_BUILDABLE_HERE[fixture]}")
