"""Base images, whatever the language: image references, pinning helpers and the registry mirror.

Each language says which images a render names (`Language.images` in
generator.languages), by role (`builder`, `final`, helper stages). The rules they
share: tags are pinned to a version and a Debian release (never `latest`); the
interpreter or libc of the builder matches the final image so that what is built in
one stage runs in the other; and a registry mirror (`base_registry`) rewrites every
image the templates name, by the one rule in `mirrored`. The versions images are pinned
to are all in generator.pins. An image reference is cut in one place (`parse_image`), for
`check`'s base rules and for detection's reading of compose files and manifests alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict

#: a registry mirror: `host[:port]` and an optional path, lowercase (validated, never a tag or digest)
_MIRROR = r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?(?:/[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?)*"


def check_registry(value: str, origin: str = "base_registry") -> str:
    """A `base_registry` setting, without a trailing slash; ValueError naming `origin` when malformed."""
    registry = value.strip().rstrip("/")
    if not re.fullmatch(_MIRROR, registry):
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
    """Every role of a `Language.images` result through the mirror."""
    return {role: mirrored(image, registry) for role, image in images.items()}


@dataclass(frozen=True)
class ImageRef:
    """`[registry/]repository[:tag][@digest]`, with Docker Hub's defaults made explicit."""

    raw: str
    registry: str
    repository: str
    tag: str
    digest: str

    @property
    def name(self) -> str:
        """The repository as people write it: Docker Hub official images without `library/`."""
        if self.registry == "docker.io" and self.repository.startswith("library/"):
            return self.repository[len("library/"):]
        if self.registry == "docker.io":
            return self.repository
        return f"{self.registry}/{self.repository}"

    @property
    def basename(self) -> str:
        """The last part of the repository (`bitnami/redis` -> `redis`): what names the software in it."""
        return self.repository.rsplit("/", 1)[-1]


def parse_image(reference: str) -> ImageRef:
    """Split `[registry/]repository[:tag][@digest]` with Docker Hub's defaults."""
    rest, _, digest = reference.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    tag = ""
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1:]
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, remainder
        if registry in ("index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"):
            registry = "docker.io"
    else:
        registry, repository = "docker.io", rest
    if registry == "docker.io" and "/" not in repository:
        repository = f"library/{repository}"
    return ImageRef(reference, registry.lower(), repository.lower(), tag, digest)
