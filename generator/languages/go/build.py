"""How a Go program is built, decided from its validated answers: the plan the Dockerfile lays out.

Imported at render time only (`Go.build`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Tuple

#: what every build passes: no build paths in the binary; the linker's: no symbols and no DWARF
FLAGS = ("-trimpath",)
LDFLAGS = ("-s", "-w")


@dataclass(frozen=True)
class GoBuild:
    """The build plan: cgo and the flags of `go build`, and where modules come from."""

    #: CGO_ENABLED: 1 links libc dynamically (a final with glibc), 0 makes a static binary
    cgo: int
    #: the flags of `go build`, before `-o`
    flags: Tuple[str, ...]
    #: whether modules are downloaded (into a cache mount) rather than read from vendor/
    download: bool


def plan(answers: Mapping[str, Any]) -> GoBuild:
    """The build plan for validated answers: the repository's build tags and `-X` settings (validated: plain
    words, nothing a shell would expand) join the flags every build passes."""
    vendor = bool(answers.get("vendor"))
    tags = list(answers.get("tags") or [])
    link = [*LDFLAGS, *(f"-X {setting}" for setting in answers.get("ldflags") or [])]
    flags = (("-mod=vendor",) if vendor else ()) + FLAGS + ((f"-tags={','.join(tags)}",) if tags else ()) \
        + (f'-ldflags="{" ".join(link)}"',)
    return GoBuild(cgo=1 if answers.get("cgo") else 0, flags=flags, download=not vendor)
