"""Which base images a Dockerfile names, for each language, version and final flavour.

One table, so that pinning policy lives in one place and a registry mirror can
rewrite every image the templates name. Tags are pinned to a version and a Debian
release (never `latest`); the interpreter or libc of the builder always matches
the final image so that what is built in one stage runs in the other.
"""

from __future__ import annotations

import re
from typing import Dict, Tuple

#: final flavours per language, the default first
FINALS: Dict[str, Tuple[str, ...]] = {
    "go": ("scratch", "distroless", "debian"),
    "python": ("slim", "distroless"),
    "java": ("distroless", "debian", "jre"),
}

#: the Python that a distroless python3 image ships, by Debian release; a venv only
#: runs on the interpreter (and path) it was created with, so distroless is offered
#: only for these versions, with a Debian builder whose python3 is the same.
DISTROLESS_PYTHON = {"3.11": "12", "3.13": "13"}
DEBIAN_CODENAMES = {"12": "bookworm", "13": "trixie"}

#: supported language versions (a detected older one is raised to the first)
SUPPORTED_JAVA = ("17", "21", "25")
MAVEN_IMAGE_VERSION = "3.9"
GRADLE_IMAGE_VERSION = "8"


def java_debian(java_version: str) -> str:
    """The Debian release a Java runtime is built for: 12 for Java 17, 13 after it."""
    return "12" if java_version == "17" else "13"


def default_final(language: str, *, cgo: bool = False) -> str:
    if language == "go" and cgo:
        return "distroless"
    return FINALS[language][0]


def images_for(answers: Dict[str, object]) -> Dict[str, str]:
    """The image references a render needs, keyed by role (`builder`, `final`, ...)."""
    language, version, final = answers["language"], str(answers["version"]), answers["final"]
    if language == "go":
        finals = {
            "scratch": "scratch",
            "distroless": "gcr.io/distroless/base-debian12:nonroot"
            if answers.get("cgo")
            else "gcr.io/distroless/static-debian12:nonroot",
            "debian": "debian:bookworm-slim",
        }
        return {"builder": f"golang:{version}-bookworm", "final": finals[str(final)]}
    if language == "python":
        if final == "distroless":
            release = DISTROLESS_PYTHON[version]
            codename = DEBIAN_CODENAMES[release]
            return {
                "builder": f"debian:{codename}-slim",
                "final": f"gcr.io/distroless/python3-debian{release}:nonroot",
            }
        slim = f"python:{version}-slim-bookworm"
        return {"builder": slim, "final": slim}
    if language == "java":
        release = java_debian(version)
        codename = DEBIAN_CODENAMES[release]
        if answers.get("build_tool") == "maven" and not answers.get("wrapper"):
            builder = f"maven:{MAVEN_IMAGE_VERSION}-eclipse-temurin-{version}"
        elif answers.get("build_tool") == "gradle" and not answers.get("wrapper"):
            builder = f"gradle:{GRADLE_IMAGE_VERSION}-jdk{version}"
        else:
            builder = f"eclipse-temurin:{version}-jdk"
        finals = {
            "distroless": f"gcr.io/distroless/cc-debian{release}:nonroot",
            "debian": f"debian:{codename}-slim",
            "jre": f"gcr.io/distroless/java{version}-debian{release}:nonroot",
        }
        return {"builder": builder, "final": finals[str(final)]}
    raise ValueError(f"unknown language {language!r}")


#: a registry mirror: `host[:port]` and an optional path, lowercase (validated, never a tag or digest)
_MIRROR = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?(?:/[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?)*")


def check_registry(value: str, origin: str = "base_registry") -> str:
    """A `base_registry` setting, without a trailing slash; ValueError naming `origin` when malformed."""
    registry = value.strip().rstrip("/")
    if not _MIRROR.fullmatch(registry):
        raise ValueError(f"{origin}: {value!r} is not a registry mirror (expected host[:port][/path], "
                         "lowercase, e.g. registry.example.internal/library)")
    return registry


def mirrored(image: str, registry: str) -> str:
    """`image` pulled through the mirror `registry` (empty: unchanged).

    The rule: `scratch` stays `scratch`; a Docker Hub image (no registry host in its
    first path component) becomes `<mirror>/<name>` with `docker.io/` and `library/`
    dropped (`golang:1.22-bookworm` -> `<mirror>/golang:1.22-bookworm`); an image of
    another registry keeps its path without the host (`gcr.io/distroless/static:nonroot`
    -> `<mirror>/distroless/static:nonroot`). Tags and digests are kept; an image that
    already names the mirror is left alone.
    """
    if not registry or image == "scratch" or image.startswith(registry + "/"):
        return image
    first, sep, rest = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        if first in ("docker.io", "index.docker.io", "registry-1.docker.io"):
            path = rest[len("library/"):] if rest.startswith("library/") else rest
        else:
            path = rest
    else:
        path = image[len("library/"):] if image.startswith("library/") else image
    return f"{registry}/{path}"


def mirrored_images(images: Dict[str, str], registry: str) -> Dict[str, str]:
    """Every role of an `images_for` result through the mirror."""
    return {role: mirrored(image, registry) for role, image in images.items()}
