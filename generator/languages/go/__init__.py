"""Go: a module (go.mod) or workspace (go.work) and one of its main packages.

Built in the golang image; the binary ships alone on scratch (static, CGO_ENABLED=0),
on distroless (static, or base with glibc for cgo) or on a stripped debian slim.
Detection is in `detect.py` (imported only when detecting).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple

from generator.languages.base import DEFAULT_ORIGIN, AnswerField, Flavour, Language, Resources
from generator.parsers import parse_bool, parse_relpath, parse_slug, slugify, text

if TYPE_CHECKING:  # pragma: no cover
    from generator.detect.model import AppCandidate
    from generator.detect.walker import Repo

#: the oldest Go we generate for: an older go line is built with this one
MIN_MINOR = 22
_VERSION = r"(?:go)?1\.(\d{1,2})(?:\.\d{1,3})?(?:rc\d+)?"


def parse_package(raw: Any) -> str:
    """A main package relative to the module: "." or "./cmd/api"."""
    value = parse_relpath(raw)
    return "." if value == "." else f"./{value}"


class Go(Language):
    name = "go"
    title = "Go"
    description = "Go: static binary on scratch (or distroless/debian), built with the module cache"
    looks_for = "go.mod or go.work"
    default_version = "1.25"
    default_port = 8080
    fields = (
        AnswerField("package", parse_package, "the main package to build, e.g. ./cmd/api", default=".",
                    flag="--package", settable=True, prompt="Main package to build", detected=True),
        AnswerField("binary", parse_slug, "name of the built binary (from the main package)"),
        AnswerField("cgo", parse_bool, "the program uses cgo (needs a libc)", type="bool", default=False, detected=True),
        AnswerField("vendor", parse_bool, "build from vendor/", type="bool", default=False, detected=True),
        AnswerField("workspace", parse_bool, "a go.work workspace", type="bool", default=False, detected=True),
    )
    finals = (
        Flavour("scratch", "empty: the static binary, CA certificates, the app user"),
        Flavour("distroless", "distroless static (base for cgo): CA certs, tzdata, no shell"),
        Flavour("debian", "debian slim, shell and package tools removed"),
    )
    #: one static binary: little memory, few threads, starts at once
    resources = Resources(memory_mb=256, pids=128)
    startup_seconds = 10
    no_health_command = "the image holds the binary alone: no shell, no HTTP client to run a probe with"

    def detect(self, repo: "Repo") -> "List[AppCandidate]":
        from generator.languages.go import detect

        return detect.detect(repo)

    def parse_version(self, raw: Any) -> str:
        match = re.fullmatch(_VERSION, text(raw).lower().lstrip("v"))
        if not match:
            raise ValueError("is not a Go version (like 1.22)")
        return f"1.{max(int(match.group(1)), MIN_MINOR)}"

    def images(self, answers: Mapping[str, Any]) -> Dict[str, str]:
        finals = {
            "scratch": "scratch",
            "distroless": "gcr.io/distroless/base-debian12:nonroot" if answers.get("cgo")
            else "gcr.io/distroless/static-debian12:nonroot",
            "debian": "debian:bookworm-slim",
        }
        return {"builder": f"golang:{answers['version']}-bookworm", "final": finals[str(answers["final"])]}

    def start_command(self, answers: Mapping[str, Any]) -> List[str]:
        """The binary, where the template installs it (/usr/local/bin)."""
        return [f"/usr/local/bin/{answers['binary']}"]

    def default_final(self, answers: Mapping[str, Any]) -> str:
        return "distroless" if answers.get("cgo") else "scratch"

    def final_refusal(self, answers: Mapping[str, Any], final: str) -> Optional[str]:
        if final == "scratch" and answers.get("cgo"):
            return "cannot be scratch: the program uses cgo and needs a libc (use distroless or debian)"
        return None

    def derive(self, app: "AppCandidate", raw: Mapping[str, Any], origins: Mapping[str, str]) -> Dict[str, Tuple[Any, str]]:
        """The newer of go.mod's go and toolchain lines; the binary named after the main package."""
        derived: Dict[str, Tuple[Any, str]] = {}
        toolchain = app.facts.get("toolchain")
        if toolchain is not None and self._newer(raw.get("version"), toolchain.value):
            derived["version"] = (toolchain.value, str(toolchain.evidence or origins.get("version", DEFAULT_ORIGIN)))
        package = str(raw.get("package") or ".")
        name = package.rstrip("/").rsplit("/", 1)[-1] if package not in (".", "./") else app.name
        derived["binary"] = (slugify(name), origins.get("package", DEFAULT_ORIGIN))
        return derived

    def image_version(self, name: str, tag: str) -> Optional[str]:
        if name.rsplit("/", 1)[-1] != "golang" and name != "cgr.dev/chainguard/go":
            return None
        match = re.match(r"v?(\d+(?:\.\d+)*)", tag)
        return match.group(1) if match else ""

    def start_answers(self, argv: Sequence[str]) -> Tuple[Dict[str, Any], List[str]]:
        """The binary is the main package's, built by the template: its arguments cannot follow it."""
        if len(argv) > 1:
            import shlex

            return {}, [f"its arguments ({shlex.join(argv[1:])}) are not carried: the Go template starts the "
                        "binary without arguments (read them from the environment, or add them to ENTRYPOINT "
                        "after adopting; `scaffold upgrade` keeps that edit)"]
        return {}, []

    def _newer(self, version: Any, toolchain: Any) -> bool:
        """Whether the toolchain line names a newer Go than the go line (a bad line never wins)."""
        try:
            mine = self.parse_version(version)
        except ValueError:
            return False  # validation reports a bad go line
        try:
            theirs = self.parse_version(toolchain)
        except ValueError:
            return False  # a bad toolchain line is ignored
        return int(theirs.split(".")[1]) > int(mine.split(".")[1])


GO = Go()
