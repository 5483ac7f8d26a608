"""How a Go program is built, decided from its validated answers: the plan the Dockerfile lays out.

Imported at render time only (`Go.build`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Tuple

#: what every build passes: no build paths in the binary, no symbols and no DWARF
FLAGS = ("-trimpath", '-ldflags="-s -w"')


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
    """The build plan for validated answers."""
    vendor = bool(answers.get("vendor"))
    return GoBuild(cgo=1 if answers.get("cgo") else 0, flags=(("-mod=vendor",) if vendor else ()) + FLAGS,
                   download=not vendor)
