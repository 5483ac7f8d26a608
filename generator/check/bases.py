"""What a base image brings to the final stage: its default user, shells, package managers, setuid files.

A Dockerfile without USER runs as whatever its base image says, and a shell or `apt`
in the final image comes from the base too, so `check` must know well-known bases.
This table covers the official Docker library images (by family and tag variant:
`-slim`, `-alpine`, `-jre`, ...), distroless (`:nonroot`, `:debug`), Chainguard/Wolfi
(`-dev` variants), Red Hat UBI and Microsoft .NET images, and `scratch`. It describes
the upstream images as published; for an image it does not know, `docker image
inspect` is asked when a daemon is reachable and the image is local (optional, with a
short timeout), else the base is unknown and the rules say so rather than guess.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from typing import Dict, Optional, Tuple

from generator.check.dockerfile import ImageRef

#: kinds of base image, for H1/H2: a toolchain or a fat "full" image does not belong in a final stage
TOOLCHAIN, FULL, OS, SLIM, MINIMAL, DISTROLESS, SCRATCH, UNKNOWN = (
    "toolchain", "full", "os", "slim", "minimal", "distroless", "scratch", "unknown")

Account = Tuple[str, int, int]


@dataclass(frozen=True)
class Base:
    """A base image's relevant defaults; None in a field means "not known"."""

    image: str
    family: str
    kind: str
    #: the image's default USER ("0" for root; None: unknown)
    user: Optional[str]
    #: absolute paths of the shells and package managers it ships (None: unknown)
    shells: Optional[Tuple[str, ...]]
    package_managers: Optional[Tuple[str, ...]]
    #: whether it ships setuid/setgid files (None: unknown)
    setuid: Optional[bool]
    #: accounts it defines, for resolving `USER name` to numbers
    accounts: Tuple[Account, ...] = ()
    #: "python", "go", "java", "node", ... when the image is a language runtime or toolchain
    language: str = ""
    #: why the image's own start-up needs root (a server that binds low ports and drops privileges)
    needs_root: str = ""
    #: /bin, /sbin and /lib are links into /usr
    usrmerge: bool = True
    #: where this description comes from (the table, docker image inspect, ...)
    source: str = "table"
    #: HEALTHCHECK and labels the image itself sets (known only from docker image inspect)
    healthcheck: bool = False
    oci_labels: bool = False

    @property
    def known(self) -> bool:
        return self.family != UNKNOWN


# ---- families ----------------------------------------------------------------------------------

_DEB_SHELLS = ("/bin/sh", "/bin/bash", "/bin/dash", "/bin/rbash")
_DEB_PMS = ("/usr/bin/apt-get", "/usr/bin/apt", "/usr/bin/dpkg")
_DEB_ACCOUNTS: Tuple[Account, ...] = (("root", 0, 0), ("nobody", 65534, 65534), ("www-data", 33, 33))
_RPM_PMS = ("/usr/bin/dnf", "/usr/bin/yum", "/usr/bin/microdnf", "/usr/bin/rpm")
_BUSYBOX_SHELLS = ("/bin/sh", "/bin/ash", "/bin/busybox")
_ALPINE_ACCOUNTS: Tuple[Account, ...] = (("root", 0, 0), ("nobody", 65534, 65534), ("www-data", 82, 82))
_DISTROLESS_ACCOUNTS: Tuple[Account, ...] = (("root", 0, 0), ("nonroot", 65532, 65532), ("nobody", 65534, 65534))

FAMILIES: Dict[str, Base] = {
    "debian": Base("", "debian", OS, "0", _DEB_SHELLS, _DEB_PMS, True, _DEB_ACCOUNTS),
    "ubuntu": Base("", "ubuntu", OS, "0", _DEB_SHELLS, _DEB_PMS, True,
                   _DEB_ACCOUNTS + (("ubuntu", 1000, 1000),)),
    "alpine": Base("", "alpine", MINIMAL, "0", _BUSYBOX_SHELLS, ("/sbin/apk",), False, _ALPINE_ACCOUNTS,
                   usrmerge=False),
    "busybox": Base("", "busybox", MINIMAL, "0", _BUSYBOX_SHELLS, (), False, (("root", 0, 0), ("nobody", 65534, 65534)),
                    usrmerge=False),
    "rhel": Base("", "rhel", OS, "0", ("/bin/sh", "/bin/bash"), _RPM_PMS, True, (("root", 0, 0), ("nobody", 65534, 65534))),
    "distroless": Base("", "distroless", DISTROLESS, "0", (), (), False, _DISTROLESS_ACCOUNTS),
    "chainguard": Base("", "chainguard", DISTROLESS, "65532", (), (), False, _DISTROLESS_ACCOUNTS, usrmerge=False),
    "scratch": Base("scratch", "scratch", SCRATCH, "0", (), (), False, ()),
}

UNKNOWN_BASE = Base("", UNKNOWN, UNKNOWN, None, None, None, None)

#: official images that start as root on purpose (their entrypoint or server drops privileges)
_NEEDS_ROOT = {
    "nginx": "nginx's master process starts as root (port 80, /var/cache/nginx) and drops to the nginx user; "
             "use nginxinc/nginx-unprivileged (listens on 8080, runs as uid 101)",
    "httpd": "httpd starts as root (port 80) and drops to www-data",
    "postgres": "its docker-entrypoint.sh starts as root, prepares the data directory and drops to postgres with gosu",
    "mysql": "its docker-entrypoint.sh starts as root and drops to mysql with gosu",
    "mariadb": "its docker-entrypoint.sh starts as root and drops to mysql with gosu",
    "mongo": "its docker-entrypoint.sh starts as root and drops to mongodb with gosu",
    "redis": "its docker-entrypoint.sh starts as root and drops to redis with gosu/su-exec",
    "rabbitmq": "its docker-entrypoint.sh starts as root and drops to rabbitmq with gosu",
}

#: official Docker library images: name -> (language, kind of the default (non-slim) tag, extra accounts)
_OFFICIAL: Dict[str, Tuple[str, str, Tuple[Account, ...]]] = {
    "python": ("python", FULL, ()), "pypy": ("python", FULL, ()),
    "golang": ("go", TOOLCHAIN, ()),
    "node": ("node", FULL, (("node", 1000, 1000),)),
    "ruby": ("ruby", FULL, ()), "php": ("php", OS, ()), "perl": ("perl", FULL, ()),
    "rust": ("rust", TOOLCHAIN, ()), "gcc": ("c", TOOLCHAIN, ()), "buildpack-deps": ("", TOOLCHAIN, ()),
    "eclipse-temurin": ("java", TOOLCHAIN, ()), "openjdk": ("java", TOOLCHAIN, ()),
    "amazoncorretto": ("java", TOOLCHAIN, ()), "sapmachine": ("java", TOOLCHAIN, ()),
    "ibm-semeru-runtimes": ("java", OS, ()), "ibmjava": ("java", OS, ()),
    "maven": ("java", TOOLCHAIN, ()), "gradle": ("java", TOOLCHAIN, (("gradle", 1000, 1000),)),
    "tomcat": ("java", OS, ()), "jetty": ("java", OS, (("jetty", 999, 999),)),
    "clojure": ("java", TOOLCHAIN, ()), "elixir": ("elixir", TOOLCHAIN, ()), "erlang": ("erlang", TOOLCHAIN, ()),
    "haskell": ("haskell", TOOLCHAIN, ()), "swift": ("swift", TOOLCHAIN, ()), "dart": ("dart", TOOLCHAIN, ()),
    "julia": ("julia", OS, ()), "r-base": ("r", FULL, ()),
    "nginx": ("", OS, (("nginx", 101, 101),)), "httpd": ("", OS, ()), "caddy": ("", MINIMAL, ()),
    "traefik": ("", MINIMAL, ()), "haproxy": ("", OS, (("haproxy", 99, 99),)),
    "postgres": ("", OS, (("postgres", 999, 999),)), "mysql": ("", OS, (("mysql", 999, 999),)),
    "mariadb": ("", OS, (("mysql", 999, 999),)), "mongo": ("", OS, (("mongodb", 999, 999),)),
    "redis": ("", OS, (("redis", 999, 1000),)), "rabbitmq": ("", OS, (("rabbitmq", 999, 999),)),
    "memcached": ("", OS, (("memcache", 11211, 11211),)),
    "debian": ("", OS, ()), "ubuntu": ("", OS, ()), "alpine": ("", MINIMAL, ()), "busybox": ("", MINIMAL, ()),
    "centos": ("", OS, ()), "fedora": ("", OS, ()), "rockylinux": ("", OS, ()), "almalinux": ("", OS, ()),
    "oraclelinux": ("", OS, ()), "amazonlinux": ("", OS, ()), "bash": ("", MINIMAL, ()),
}
#: images whose default USER is not root (the image's Dockerfile says USER)
_OFFICIAL_USERS = {"haproxy": "haproxy", "memcached": "memcache"}
_RHEL_NAMES = ("centos", "fedora", "rockylinux", "almalinux", "oraclelinux", "amazonlinux", "amazoncorretto")
_UBUNTU_NAMES = ("ubuntu", "eclipse-temurin", "maven", "gradle", "tomcat", "sapmachine", "ibm-semeru-runtimes", "ibmjava")
_DEBIAN_CODENAMES = ("bookworm", "bullseye", "buster", "trixie", "stretch", "sid")
_UBUNTU_CODENAMES = ("noble", "jammy", "focal", "bionic", "oracular", "plucky")

#: chainguard images that run as root (build images and bare distributions)
_CHAINGUARD_ROOT = frozenset({"wolfi-base", "chainguard-base", "go", "busybox", "gcc-glibc", "git", "sdk"})
_CHAINGUARD_TOOLCHAINS = frozenset({"go", "gcc-glibc", "rust", "jdk", "maven", "gradle", "sdk"})


def describe(ref: ImageRef) -> Base:
    """The table's description of `ref`, or UNKNOWN_BASE."""
    name, tag = ref.name, ref.tag.lower()
    for prefix in ("mirror.gcr.io/", "public.ecr.aws/docker/library/"):
        if name.startswith(prefix):
            name = name[len(prefix):].replace("library/", "", 1)
    if name.startswith("docker.io/"):
        name = name[len("docker.io/"):]
    if name == "scratch":
        return FAMILIES["scratch"]
    if name.startswith("gcr.io/distroless/"):
        return _distroless(ref, name[len("gcr.io/distroless/"):], tag)
    for prefix in ("cgr.dev/chainguard/", "chainguard/"):
        if name.startswith(prefix):
            return _chainguard(ref, name[len(prefix):], tag)
    if name.startswith(("registry.access.redhat.com/", "registry.redhat.io/")):
        return _ubi(ref, name.split("/", 1)[1], tag)
    if name.startswith("mcr.microsoft.com/dotnet/"):
        return _dotnet(ref, name[len("mcr.microsoft.com/dotnet/"):], tag)
    if name in ("nginxinc/nginx-unprivileged", "nginx/nginx-unprivileged"):
        family = "alpine" if "alpine" in tag else "debian"
        return replace(FAMILIES[family], image=ref.raw, user="101", accounts=FAMILIES[family].accounts + (("nginx", 101, 101),))
    if name in _OFFICIAL:
        return _official(ref, name, tag)
    return replace(UNKNOWN_BASE, image=ref.raw, source="")


def _official(ref: ImageRef, name: str, tag: str) -> Base:
    language, kind, accounts = _OFFICIAL[name]
    if "windowsservercore" in tag or "nanoserver" in tag:
        return replace(UNKNOWN_BASE, image=ref.raw, source="")
    family = _official_family(name, tag)
    base = FAMILIES[family]
    if kind in (FULL, OS) and "slim" in tag:
        kind = SLIM
    if family == "alpine" and kind in (FULL, OS):
        kind = MINIMAL
    if language == "java" and kind == TOOLCHAIN and name in ("eclipse-temurin", "openjdk", "amazoncorretto",
                                                                "sapmachine") and "jre" in tag:
        kind = OS
    package_managers = base.package_managers or ()
    if language == "python":
        package_managers = package_managers + ("/usr/local/bin/pip",)
    elif language == "node":
        package_managers = package_managers + ("/usr/local/bin/npm",)
    user = _OFFICIAL_USERS.get(name, "0")
    return replace(base, image=ref.raw, kind=kind, language=language, user=user, package_managers=package_managers,
                   accounts=base.accounts + accounts, needs_root=_NEEDS_ROOT.get(name, ""))


def _official_family(name: str, tag: str) -> str:
    """Which distribution an official image's tag is built on."""
    if "alpine" in tag or name in ("alpine", "caddy", "traefik", "bash"):
        return "alpine"
    if name == "busybox":
        return "busybox"
    if "ubi" in tag or name in _RHEL_NAMES or (name == "maven" and "amazoncorretto" in tag):
        return "rhel"
    debian_tag = any(c in tag for c in _DEBIAN_CODENAMES) or "slim" in tag
    if name == "openjdk" and not debian_tag and not tag.startswith(("8", "11")):
        return "rhel"  # openjdk 12+ default tags are Oracle Linux
    if not debian_tag and (name in _UBUNTU_NAMES or any(c in tag for c in _UBUNTU_CODENAMES)):
        return "ubuntu"
    return "debian"


def _distroless(ref: ImageRef, image: str, tag: str) -> Base:
    flavour = re.sub(r"-debian\d+$", "", image)
    language = ("python" if flavour.startswith("python") else "java" if flavour.startswith("java")
                else "node" if flavour.startswith("nodejs") else "")
    debug = tag.startswith("debug")
    nonroot = "nonroot" in tag
    base = FAMILIES["distroless"]
    return replace(base, image=ref.raw, language=language, user="65532" if nonroot else "0",
                   shells=("/busybox/sh",) if debug else ())


def _chainguard(ref: ImageRef, image: str, tag: str) -> Base:
    dev = tag.endswith("-dev") or tag == "dev" or image in ("wolfi-base", "chainguard-base", "busybox")
    base = FAMILIES["chainguard"]
    language = {"python": "python", "go": "go", "jre": "java", "jdk": "java", "maven": "java",
                "node": "node"}.get(image, "")
    kind = TOOLCHAIN if image in _CHAINGUARD_TOOLCHAINS else (MINIMAL if dev else DISTROLESS)
    return replace(base, image=ref.raw, kind=kind, language=language,
                   user="0" if image in _CHAINGUARD_ROOT else "65532",
                   shells=("/bin/sh", "/bin/busybox") if dev or image in _CHAINGUARD_TOOLCHAINS else (),
                   package_managers=("/sbin/apk", "/usr/bin/apk") if dev else ())


def _ubi(ref: ImageRef, path: str, tag: str) -> Base:
    """Red Hat UBI: the OS images run as root; the language images (python-311, nodejs-20, openjdk-17) do not."""
    leaf = path.rsplit("/", 1)[-1]
    base = FAMILIES["rhel"]
    if leaf.startswith(("python-", "nodejs-", "ruby-", "php-", "perl-", "go-toolset")):
        language = {"nodejs": "node", "go": "go"}.get(leaf.split("-")[0], leaf.split("-")[0])
        return replace(base, image=ref.raw, user="1001", language=language,
                       kind=TOOLCHAIN if leaf.startswith("go-toolset") else FULL,
                       accounts=base.accounts + (("default", 1001, 0),))
    if leaf.startswith("openjdk-"):
        kind = OS if "runtime" in leaf else TOOLCHAIN
        return replace(base, image=ref.raw, user="185", language="java", kind=kind,
                       accounts=base.accounts + (("jboss", 185, 0),))
    if "micro" in leaf:
        return replace(base, image=ref.raw, kind=MINIMAL, package_managers=())
    return replace(base, image=ref.raw, kind=MINIMAL if "minimal" in leaf else OS)


def _dotnet(ref: ImageRef, image: str, tag: str) -> Base:
    kind = TOOLCHAIN if image.startswith("sdk") else SLIM
    if "chiseled" in tag or "distroless" in tag:
        return replace(FAMILIES["distroless"], image=ref.raw, language="dotnet", kind=DISTROLESS, user="1654",
                       accounts=(("root", 0, 0), ("app", 1654, 1654)))
    family = "alpine" if "alpine" in tag else "ubuntu" if any(c in tag for c in _UBUNTU_CODENAMES) else "debian"
    base = FAMILIES[family]
    return replace(base, image=ref.raw, language="dotnet", kind=kind, accounts=base.accounts + (("app", 1654, 1654),))


# ---- docker image inspect (optional) ----------------------------------------------------------------

_REFERENCE = re.compile(r"[a-z0-9][a-z0-9._/:@-]{0,254}", re.IGNORECASE)


class Inspector:
    """Asks a local Docker daemon about images the table does not know; silent when there is none.

    One question per image per run (cached), and at most MAX_QUESTIONS in all: a Dockerfile with a
    thousand unknown bases must not mean a thousand daemon round trips (`skipped` counts the rest)."""

    MAX_QUESTIONS = 16

    def __init__(self, enabled: bool = True, timeout: float = 3.0) -> None:
        self.enabled = enabled
        self.timeout = timeout
        self.client: Optional[str] = None
        self.cache: Dict[str, Optional[Base]] = {}
        #: images not asked about because MAX_QUESTIONS was reached
        self.skipped = 0

    @staticmethod
    def _daemon_configured() -> bool:
        return bool(os.environ.get("DOCKER_HOST")) or os.path.exists("/var/run/docker.sock")

    def inspect(self, reference: str) -> Optional[Base]:
        if not self.enabled or not _REFERENCE.fullmatch(reference) or reference.startswith("-"):
            return None
        if self.client is None:
            import shutil

            self.client = shutil.which("docker") if self._daemon_configured() else None
            if self.client is None:
                self.enabled = False
                return None
        if reference not in self.cache:
            if len(self.cache) >= self.MAX_QUESTIONS:
                self.skipped += 1
                return None
            self.cache[reference] = self._inspect(reference)
        return self.cache[reference]

    def _inspect(self, reference: str) -> Optional[Base]:
        import subprocess

        assert self.client is not None
        try:
            result = subprocess.run([self.client, "image", "inspect", "--format", "{{json .Config}}", "--", reference],
                                    capture_output=True, text=True, timeout=self.timeout, check=False,
                                    stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            self.enabled = False  # no daemon after all: do not ask again
            return None
        if result.returncode != 0:
            if "daemon" in result.stderr.lower() and "running" in result.stderr.lower():
                self.enabled = False
            return None
        try:
            config = json.loads(result.stdout or "null") or {}
        except ValueError:
            return None
        if not isinstance(config, dict):
            return None
        user = config.get("User") or "0"
        labels = config.get("Labels") or {}
        return replace(UNKNOWN_BASE, image=reference, user=str(user), source="docker image inspect",
                       healthcheck=bool(config.get("Healthcheck")),
                       oci_labels=isinstance(labels, dict) and any(str(k).startswith("org.opencontainers.image.")
                                                                   for k in labels))


def lookup(ref: ImageRef, inspector: Optional[Inspector]) -> Base:
    """The table's description, else the local daemon's (user only), else unknown."""
    base = describe(ref)
    if base.known or inspector is None:
        return base
    inspected = inspector.inspect(ref.raw)
    return inspected if inspected is not None else base
