"""Go: a module (go.mod) or workspace (go.work) and one of its main packages.

Built in the golang image; the binary ships alone on scratch (static, CGO_ENABLED=0),
on distroless (static, or base with glibc for cgo) or on a stripped debian slim.
Detection is in `detect.py` (imported only when detecting).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from generator.languages.base import CONFIG_FILE, DEFAULT_ORIGIN, AnswerField, Flavour, Language, Resources
from generator.parsers import has_control, parse_args, parse_bool, parse_relpath, parse_slug, slugify, text
from generator.pins import DEBIAN_CODENAMES, GO_DEBIAN

if TYPE_CHECKING:  # pragma: no cover
    from generator.detect.model import AppCandidate, Fact
    from generator.detect.walker import Repo
    from generator.languages.go.build import GoBuild
    from generator.services import Drivers
    from generator.state.patterns import StatePattern

#: the oldest Go we generate for: an older go line is built with this one
MIN_MINOR = 22
_VERSION = r"(?:go)?1\.(\d{1,2})(?:\.\d{1,3})?(?:rc\d+)?"


def parse_package(raw: Any) -> str:
    """A main package relative to the module: "." or "./cmd/api"."""
    value = parse_relpath(raw)
    return "." if value == "." else f"./{value}"


#: an environment setting the image declares: a plain name, a value without quotes, spaces or `$`
_ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]{0,63}"
_ENV_VALUE = r"[A-Za-z0-9_.:/@%+,=\[\]-]{0,256}"
_SECRET_NAME = r"(?i).*(pass|secret|token|key|credential|auth|private|cert).*"


def parse_env(raw: Any) -> List[str]:
    """Environment settings `NAME=value` (a list, or a string of them separated by spaces); none by default.

    For settings such as a listen address only: a name that looks like a secret is refused,
    since a secret in ENV is baked into the image for anyone who pulls it (H10).
    """
    if raw is None or raw == "" or raw == []:
        return []
    if isinstance(raw, str):
        if has_control(raw):
            raise ValueError("contains a control character or line break")
        raw = raw.split()
    if not isinstance(raw, (list, tuple)) or len(raw) > 16:
        raise ValueError("expected NAME=value settings (at most 16)")
    settings: List[str] = []
    for item in raw:
        name, equals, value = text(item).partition("=")
        if not equals or not re.fullmatch(_ENV_NAME, name) or not re.fullmatch(_ENV_VALUE, value):
            raise ValueError(f"{item!r} is not NAME=value (a plain name; letters, digits and _.:/@%+,=[]- in the value)")
        if re.fullmatch(_SECRET_NAME, name):
            raise ValueError(f"{name} looks like a secret, which must not be baked into the image (H10): pass it "
                             "at run time, as a file (docker secrets, a Kubernetes Secret)")
        settings.append(f"{name}={value}")
    return settings


#: the flag or variable that sets where the program listens, PORT standing for the port answer
_PORT_SETTING = re.compile(r"(?P<name>--?[A-Za-z0-9][A-Za-z0-9._-]{0,63}|[A-Za-z_][A-Za-z0-9_]{0,63})=(?:0\.0\.0\.0:)?PORT")


def parse_port_setting(raw: Any) -> str:
    """`--addr=0.0.0.0:PORT`, `--port=PORT`, `LISTEN_PORT=PORT` (a flag, or a variable); "" when none."""
    value = text(raw).strip() if raw is not None else ""
    if value and not _PORT_SETTING.fullmatch(value):
        raise ValueError("is not a flag or variable set to PORT (like --addr=0.0.0.0:PORT or LISTEN_PORT=PORT)")
    return value


#: a build tag (`netgo`, `sqlite_omit_load_extension`, `go1.22`)
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]{0,63}")
#: `-X importpath.name=value`: a package path, a variable, a plain value (no quote, space, `$` or backquote)
_LINK_SETTING = re.compile(r"(?P<name>[A-Za-z0-9_./~-]{1,200}\.[A-Za-z_][A-Za-z0-9_]{0,63})=(?P<value>[A-Za-z0-9_.:/@%+,=-]{0,128})")


def _items(raw: Any, what: str) -> List[str]:
    """A list answer given as a list, or as one string of items separated by spaces (and commas for tags)."""
    if raw is None or raw == "" or raw == []:
        return []
    if isinstance(raw, str):
        if has_control(raw):
            raise ValueError("contains a control character or line break")
        raw = raw.replace(",", " ").split() if what == "tags" else raw.split()
    if not isinstance(raw, (list, tuple)) or len(raw) > 32:
        raise ValueError(f"expected {what} (at most 32)")
    return [text(item) for item in raw]


def parse_tags(raw: Any) -> List[str]:
    """Build tags for `go build -tags` (`netgo osusergo`, or a list); none by default."""
    tags = _items(raw, "tags")
    for tag in tags:
        if not _TAG.fullmatch(tag):
            raise ValueError(f"{tag!r} is not a build tag (letters, digits, _ and .)")
    return list(dict.fromkeys(tags))


def parse_ldflags(raw: Any) -> List[str]:
    """Link settings `-X importpath.name=value` (a list, or a string of them); none by default. Only -X with a
    plain value: the build already strips symbols (-s -w), and other linker flags change how it links."""
    words = [word for word in _items(raw, "-X settings") if word != "-X"]
    settings = []
    for word in words:
        setting = word[2:].lstrip("=") if word.startswith("-X") else word
        if not _LINK_SETTING.fullmatch(setting):
            raise ValueError(f"{word!r} is not an -X importpath.name=value setting with a plain value")
        settings.append(setting)
    return settings


class Go(Language):
    name = "go"
    title = "Go"
    description = "Go: static binary on scratch (or distroless/debian), built with the module cache"
    looks_for = "go.mod or go.work"
    default_version = "1.25"
    version_pattern = _VERSION
    version_kind = "a Go version (like 1.22)"
    default_port = 8080
    fields = (
        AnswerField("package", parse_package, "the main package to build, e.g. ./cmd/api", default=".",
                    flag="--package", settable=True, prompt="Main package to build", detected=True),
        AnswerField("binary", parse_slug, "name of the built binary (from the main package)"),
        AnswerField("cgo", parse_bool, "the program uses cgo (needs a libc)", type="bool", default=False, detected=True),
        AnswerField("vendor", parse_bool, "build from vendor/", type="bool", default=False, detected=True),
        AnswerField("workspace", parse_bool, "a go.work workspace", type="bool", default=False, detected=True),
        AnswerField("args", parse_args, "arguments the binary always starts with (a subcommand, a listen address), "
                    "e.g. --args='serve --addr=0.0.0.0:8080' (with '=' when they start with a dash); none by default", type="json", flag="--args", settable=True,
                    prompt="Arguments the program starts with", detected=True),
        AnswerField("env", parse_env, "environment settings of the image, NAME=value separated by spaces, e.g. a "
                    "listen address (never a secret); none by default", type="json", flag="--env", metavar="NAME=VALUE",
                    settable=True, detected=True),
        AnswerField("port_setting", parse_port_setting, "the flag or environment variable that sets where the "
                    "program listens, PORT standing for the port answer (e.g. --addr=0.0.0.0:PORT): the image sets "
                    "it, so the program listens on every interface at the EXPOSEd port; '' for none", default="",
                    flag="--port-setting", metavar="SETTING", settable=True, detected=True),
        AnswerField("tags", parse_tags, "build tags of `go build -tags`, e.g. --tags='netgo osusergo'; none by "
                    "default", type="json", flag="--tags", metavar="TAGS", settable=True, detected=True),
        AnswerField("ldflags", parse_ldflags, "link settings `-X importpath.name=value` (plain values only), e.g. "
                    "--ldflags='-X main.edition=oss'; none by default", type="json", flag="--ldflags",
                    metavar="SETTINGS", settable=True, detected=True),
        CONFIG_FILE,
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

    def build_answers(self, flags: Sequence[str], repo: "Repo", root: str) -> Tuple[Dict[str, Any], List[str]]:
        """The tags and `-X` settings of the repository's `go build` (flags.py)."""
        from generator.languages.go.flags import build_answers

        return build_answers(flags, repo, root)

    def built_version(self, number: int) -> str:
        return f"1.{max(number, MIN_MINOR)}"

    def build(self, answers: Mapping[str, Any]) -> "GoBuild":
        """cgo, the flags of `go build`, whether modules are downloaded (build.py)."""
        from generator.languages.go.build import plan

        return plan(answers)

    def images(self, answers: Mapping[str, Any]) -> Dict[str, str]:
        codename = DEBIAN_CODENAMES[GO_DEBIAN]
        finals = {
            "scratch": "scratch",
            "distroless": f"gcr.io/distroless/{'base' if answers.get('cgo') else 'static'}-debian{GO_DEBIAN}:nonroot",
            "debian": f"debian:{codename}-slim",
        }
        return {"builder": f"golang:{answers['version']}-{codename}", "final": finals[str(answers["final"])]}

    def start_command(self, answers: Mapping[str, Any]) -> List[str]:
        """The binary, where the template installs it (/usr/local/bin), the arguments it always starts with,
        and the flag that makes it listen at the port answer (unless the arguments set that flag already)."""
        args = list(answers.get("args", []))
        setting = self._listen_setting(answers)
        if setting.startswith("-") and not any(arg.split("=")[0] == setting.split("=")[0] for arg in args):
            args.append(setting)
        return [f"/usr/local/bin/{answers['binary']}", *args]

    def environment(self, answers: Mapping[str, Any]) -> List[str]:
        """The env answer, and the variable that makes the program listen at the port answer (unless set there)."""
        env = list(answers.get("env", []))
        setting = self._listen_setting(answers)
        if setting and not setting.startswith("-") and not any(e.split("=")[0] == setting.split("=")[0] for e in env):
            env.append(setting)
        return env

    def _listen_setting(self, answers: Mapping[str, Any]) -> str:
        """port_setting with the port answer in it ("" for a command-line program or when there is none)."""
        setting, port = str(answers.get("port_setting") or ""), answers.get("port")
        if not setting or port is None:
            return ""
        name, _, value = setting.partition("=")
        return f"{name}={value.replace('PORT', str(port))}"

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
        """The binary is the main package's, built by the template; the arguments after it are carried as `args`.
        A command that runs the Go toolchain (a development image's `go run main.go serve`, a test image's
        `go test ./...`) is not the program: `go run`'s own arguments follow its package or files, anything
        else is not carried."""
        if argv and argv[0].rsplit("/", 1)[-1] == "go":
            if len(argv) < 2 or argv[1] != "run":
                return {}, [f"runs the Go toolchain (`{' '.join(argv[:2])}`), not the program: not carried"]
            args = _after_go_run(list(argv[2:]))
            note = "`go run` compiles and runs in one step: the new image runs the binary it builds"
            return ({"args": args} if args else {}), [note + (" with the same arguments" if args else "")]
        return ({"args": list(argv[1:])} if len(argv) > 1 else {}), []

    def stated_refusal(self, key: str, value: Any, heuristic: "Optional[Fact]") -> str:
        """A Go version older than go.mod's `go` line cannot build the module: the golang images set
        GOTOOLCHAIN=local, so a development Dockerfile's old `FROM golang:1.22` does not override `go 1.25`."""
        if key != "version" or heuristic is None or heuristic.evidence is None \
                or not heuristic.evidence.file.endswith("go.mod"):
            return ""
        try:
            stated, needed = self.parse_version(value), self.parse_version(heuristic.value)
        except ValueError:
            return ""
        if int(stated.split(".")[1]) < int(needed.split(".")[1]):
            return f"older than the `go {heuristic.value}` line of {heuristic.evidence.file}, which it cannot build"
        return ""

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

    #: a go:embed pattern names the UI's output
    backend_suffixes = (".go",)

    def backend_folders(self, repo: "Repo", app: "AppCandidate") -> "Optional[Set[str]]":
        """The program's own packages: a UI embedded by another program of the module is not its own."""
        package = app.value("package")
        if not package:
            return None
        from generator.languages.go.packages import program_folders

        return program_folders(repo, app.root, str(package))

    def state_patterns(self) -> "Tuple[StatePattern, ...]":
        from generator.languages.go.state import PATTERNS

        return PATTERNS

    def service_drivers(self) -> "Drivers":
        from generator.languages.go.services import DRIVERS

        return DRIVERS


#: `go run` flags that take the next word as their value (`-tags netgo`); others are single words
GO_RUN_VALUE_FLAGS = frozenset({"-C", "-asmflags", "-buildmode", "-buildvcs", "-compiler", "-exec", "-gccgoflags",
                                "-gcflags", "-installsuffix", "-ldflags", "-mod", "-modfile", "-o", "-overlay", "-p",
                                "-pgo", "-pkgdir", "-tags", "-toolexec"})


def _after_go_run(words: List[str]) -> List[str]:
    """The program's arguments in `go run [build flags] package|files.go [arguments]`."""
    while words and words[0].startswith("-"):
        flag = words.pop(0)
        if flag == "--":
            break
        if "=" not in flag and flag in GO_RUN_VALUE_FLAGS and words:
            words.pop(0)
    if words and words[0].endswith(".go"):
        while words and words[0].endswith(".go"):
            words.pop(0)
    elif words:
        words.pop(0)  # the package: `.`, `./cmd/api`, `example.com/app@latest`
    return words


GO = Go()
