"""What a language is to the generator: one declaration that every step reads.

A language says what it looks for and detects it (`detect`), which answers it has
(`AnswerField`s: parser, help, default, flag, whether `upgrade --set` may change it,
prompt), which versions it builds (`parse_version`), which final images it offers
(`Flavour`s, the default and the rule that refuses one), the base images for a set of
answers, and where its templates live. The CLI flags, `--set` keys, prompts, copier
questions and the validation loop are all derived from these declarations, so a
language is added (or changed) in its own package plus one registry line.

Declarations must stay cheap to import (`scaffold --help` builds its flags from
them): detection code is imported inside `detect()`, never at module level, and the
declarations are NamedTuples rather than dataclasses (whose import alone costs more
than the rest of `--help`); the build plans, frozen dataclasses, are imported at render
time only.

A language is five small interfaces with defaults, one per concern: `Detection` (what it
looks for, its apps), `Answers` (its fields, versions, finals and rules), `Build` (base
images and the build plan), `Runtime` (the runtime contract's hooks) and `Adopt` (what a
hand-written Dockerfile says); `Language` is all five.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple

from generator.answer_field import COPIER_TYPES, DEFAULT_ORIGIN, AnswerField  # noqa: F401 (the interface names them)
from generator.frontend.answers import FIELDS as FRONTEND
from generator.services import names as service_names
from generator.services import parse_services
from generator.parsers import (NO_PORT, Parser, matching, one_of, parse_bool, parse_id, parse_names,
                               parse_optional_port, parse_optional_relpath, parse_relpath, parse_release, parse_slug, parse_state_paths,
                               parse_syntax, text)

if TYPE_CHECKING:  # pragma: no cover
    from generator.detect.model import AppCandidate, Fact
    from generator.detect.walker import Repo
    from generator.services import Drivers
    from generator.state.patterns import StatePattern

class WritablePath(NamedTuple):
    """A directory the app writes at run time; everything else is read-only (HARDENING R1).

    compose mounts a tmpfs over it and Kubernetes an emptyDir, both of `size_mb`.
    """

    path: str
    #: why the app writes there, one line (written beside the mount)
    why: str
    size_mb: int = 64


class Resources(NamedTuple):
    """What one container may use at most (HARDENING R4): compose limits, Kubernetes limits."""

    #: CPUs (compose `cpus`, Kubernetes `limits.cpu`)
    cpus: float = 1.0
    #: MiB (compose `mem_limit`, Kubernetes `limits.memory` and `requests.memory`)
    memory_mb: int = 512
    #: processes and threads (compose `pids_limit`; Kubernetes sets it per node)
    pids: int = 256
    #: CPU requested from a Kubernetes scheduler, in millicores
    cpu_request_m: int = 100


#: the one path every app may write: temporary files, in memory
TMP = WritablePath("/tmp", "temporary files (the only writable path the image itself needs)")


class Flavour(NamedTuple):
    """A final image a language offers, explained in a few words (shown in the prompt)."""

    name: str
    summary: str


# -- the answers every language has, declared once ----------------------------------------

APP_NAME = AnswerField("app_name", parse_slug, "image title and user name (a slug)", flag="--name", settable=True,
                       prompt="App name (the image title, compose service and Kubernetes name)")
SOURCE_DIR = AnswerField("source_dir", parse_relpath, "directory the build starts from", default=".")


def version_field(parse: Parser, default: Optional[str] = None, title: str = "Language") -> AnswerField:
    """The language version answer, with the parser, default and question of the language declaring it."""
    return AnswerField("version", parse, "language version", flag="--language-version", metavar="VERSION",
                       settable=True, detected=True, default=default, prompt=f"{title} version")


def final_field(finals: Sequence[Flavour]) -> AnswerField:
    """The final image answer: one of the flavours of the language declaring it."""
    return AnswerField("final", one_of(*(flavour.name for flavour in finals)), "final image flavour", flag="--final",
                       settable=True, prompt="Final image")


#: the version and final answers as every language has them (key, flag, help); each language's
#: own, with its parser, default and flavours, are bound when it is declared (Answers.__init__)
VERSION = version_field(matching(r"[0-9][0-9.]{0,15}", "a version (like 1.22)"))
#: null for a command-line program, hence copier's json type (int does not take null)
PORT = AnswerField("port", parse_optional_port, f"port the app listens on ({NO_PORT}: a command-line program, no "
                   "EXPOSE and no probe)", type="json", flag="--port", settable=True,
                   prompt="Port the app listens on", detected=True)
FINAL = final_field(())
UID = AnswerField("uid", parse_id, "numeric user id in the final image", type="int", default=10001, flag="--uid",
                  settable=True, prompt="User id in the image, numeric and non-root")
GID = AnswerField("gid", parse_id, "numeric group id in the final image", type="int", default=10001, flag="--gid",
                  settable=True, prompt="Group id in the image, numeric and non-root")
SYNTAX = AnswerField("syntax", parse_syntax, "a `# syntax=` frontend, pinned by digest (docker/dockerfile:1.X"
                     "@sha256:...); off by default because it pulls an image at build time", default="",
                     flag="--syntax", metavar="REF", settable=True)

# -- how the image runs: the companion files (generator/runtime.py, docs/runtime.md) ---------

COMPOSE = AnswerField("compose", parse_bool, "write compose.yaml, which runs the image hardened", type="bool",
                      default=True, flag="--no-compose", settable=True, flag_value=False)
KUBERNETES = AnswerField("kubernetes", parse_bool, "write Kubernetes manifests under k8s/ (Pod Security "
                         "\"restricted\", default-deny NetworkPolicy)", type="bool", default=False,
                         flag="--kubernetes", settable=True, flag_value=True)
CI = AnswerField("ci", one_of("none", "github", "gitlab"), "write a CI pipeline that lints, builds (SBOM, "
                 "provenance), verifies and scans the image: github (.github/workflows/container.yml), gitlab "
                 "(.gitlab-ci.yml) or none", default="none", flag="--ci", metavar="github|gitlab|none", settable=True)
SECRETS = AnswerField("secrets", parse_names, "secrets the app reads as files, /run/secrets/NAME (comma-separated "
                      "names; compose reads each from secrets/NAME)", type="json", default=[], flag="--secret",
                      metavar="NAME[,NAME...]", settable=True)
#: declared by a language whose apps have release steps (Python: migrations); the runtime
#: contract reads it wherever it is declared (Language.release_steps)
RELEASE = AnswerField("release", parse_release, "release steps run once before the app starts, in order (e.g. "
                      "'python manage.py migrate'; none: no step, not even a detected one); exec form, no shell",
                      type="json", default=[],
                      flag="--release", metavar="CMD", settable=True, detected=True)
#: declared by a language whose programs are started with a configuration file (Java, Python): the
#: image bakes a copy (it runs with `docker run` alone) and compose and Kubernetes mount the file
#: read-only over it (Language.config_mount)
CONFIG_FILE = AnswerField("config_file", parse_optional_relpath, "the configuration file the program is started "
                          "with, relative to the app (the configuration its arguments name): a read-only copy in "
                          "the image, mounted read-only over it by compose (configs) and Kubernetes (a ConfigMap) "
                          "('': none)", default="", flag="--config-file", settable=True, detected=True)

# -- state: the folders the app writes (generator/runtime.py, docs/runtime.md) --------------
#: the image creates each owned by the app's user; nothing else is writable
WRITABLE = AnswerField("writable", parse_state_paths, "folders the app writes and may lose on exit (comma-separated; "
                       "relative: inside /app): a tmpfs in compose, an emptyDir in Kubernetes", type="json",
                       default=[], flag="--writable", metavar="PATH[,PATH...]", settable=True, detected=True)
DATA = AnswerField("data", parse_state_paths, "folders whose files are kept (a SQLite file, uploads; comma-separated; "
                   "relative: inside /app): a named volume in compose, a PersistentVolumeClaim in Kubernetes",
                   type="json", default=[], flag="--data", metavar="PATH[,PATH...]", settable=True, detected=True)

#: detected from a .env.example: the person's own .env, read by compose at run time, never built in
ENV_FILE = AnswerField("env_file", parse_bool, "give the app the settings of your .env in compose (env_file, "
                       "required: false; .dockerignore keeps it out of the image)", type="bool", default=False,
                       flag="--env-file", settable=True, detected=True, flag_value=True)

#: the backing services compose runs beside the app (generator/services: the one table)
SERVICES = AnswerField("services", parse_services, "backing services the app uses, run beside it in compose (names, "
                       "repeatable or comma-separated: " + ", ".join(service_names()) + "); their password is a "
                       "secret file", type="json", default=[], flag="--service", metavar="NAME[,NAME...]",
                       settable=True, detected=True, repeatable=True, off_flag=("--no-services", []))

#: before the language's own answers (what the app is) and after them (how the image runs)
COMMON_HEAD: Tuple[AnswerField, ...] = (APP_NAME, SOURCE_DIR, VERSION)
COMMON_TAIL: Tuple[AnswerField, ...] = (PORT, FINAL, UID, GID, SYNTAX, COMPOSE, KUBERNETES, CI, SECRETS, WRITABLE,
                                        DATA, ENV_FILE, SERVICES)


# -- what a language is, by concern: each a small interface with defaults that fit most languages ---


class Detection:
    """What the language looks for, and its apps in a repository."""

    #: the registry name: `language` in answers, `language/name` in app ids, the template directory
    name: str
    #: how people write it: "Go"
    title: str
    #: one line for `catalog list`
    description: str
    #: the files that make a directory an app of this language (the "nothing found" message)
    looks_for: str

    @property
    def templates(self) -> str:
        """Its directory under templates/ (copier.yml picks it by `language`, so it is the name)."""
        return self.name

    def detect(self, repo: "Repo") -> "List[AppCandidate]":
        """The apps of this language in `repo` (never raises for bad content: repo.warn): the `detect`
        function of the `detect` module beside the declaration, imported here, never at module level."""
        from importlib import import_module

        apps: List[AppCandidate] = import_module(f"{type(self).__module__}.detect").detect(repo)
        return apps

    def settle(self, repo: "Repo", app: "AppCandidate") -> None:
        """Checks of an app that need its facts as finally ranked (the repository's statements over the
        heuristics): warnings through repo.warn, and the facts that follow from a stated one (Java: the port
        of the Spring profile the stated arguments activate)."""

    def state_patterns(self) -> "Tuple[StatePattern, ...]":
        """How its programs name the folders they write (a SQLite file, uploads): detection's table
        (generator/state/paths.py)."""
        return ()

    #: the suffixes of its own source and configuration files: a line of one naming a UI's output (a
    #: go:embed, STATICFILES_DIRS, a Maven resource) ties that UI to the app (generator/frontend/detect.py)
    backend_suffixes: Tuple[str, ...] = ()
    #: where its frameworks serve static files by convention (a regex over a path relative to the app): a
    #: UI built there is expected without a line naming it
    static_by_convention: str = ""

    def ui_folder(self, app: "AppCandidate") -> str:
        """The folder of the app (relative to its root) that a UI of its own sits in: '' for all of it."""
        return ""

    def backend_folders(self, repo: "Repo", app: "AppCandidate") -> "Optional[Set[str]]":
        """The folders of the app's own code, where the language tells its programs apart; None: all."""
        return None

    def service_drivers(self) -> "Optional[Drivers]":
        """Which of its dependency names imply a backing service, and where they are written
        (generator/services/detect.py); None: it says nothing of services."""
        return None


class Answers:
    """The answers the language has, how they are checked and which final images they allow.

    `answer_fields` is bound when the language is declared (its one instance created): the
    common answers, the version and final answers with the language's parser, default and
    flavours, and its own `fields`.
    """

    title: str
    default_version: str
    default_port: int
    #: its own answers, after the common ones that come first and before the rest
    fields: Tuple[AnswerField, ...] = ()
    #: final images, the usual default first
    finals: Tuple[Flavour, ...]
    #: every answer, in the order asked and recorded: common, its own, common
    answer_fields: Tuple[AnswerField, ...]

    def __init__(self) -> None:
        bound = {
            VERSION.key: version_field(self.parse_version, self.default_version, self.title),
            PORT.key: PORT._replace(default=self.default_port),
            FINAL.key: final_field(self.finals),
        }
        self.answer_fields = (tuple(bound.get(f.key, f) for f in COMMON_HEAD) + self.fields + FRONTEND
                              + tuple(bound.get(f.key, f) for f in COMMON_TAIL))

    #: the versions people write (matched lower-cased, a leading "v" dropped); group 1 is the number that
    #: decides the image (a Go or Python minor, a Java major)
    version_pattern: str
    #: what a value that does not match is not: "a Go version (like 1.22)"
    version_kind: str

    def parse_version(self, raw: Any) -> str:
        """A version as the image tags name it ("1.22", "3.12", "17"); ValueError(reason)."""
        match = re.fullmatch(self.version_pattern, text(raw).lower().lstrip("v"))
        if not match:
            raise ValueError(f"is not {self.version_kind}")
        return self.built_version(int(match.group(1)))

    def built_version(self, number: int) -> str:
        """The version the images are built with for the number `version_pattern` read; ValueError(reason)."""
        raise NotImplementedError

    def default_final(self, answers: Mapping[str, Any]) -> str:
        """The final flavour used when none was chosen (the first, unless the answers rule it out)."""
        return self.finals[0].name

    def final_refusal(self, answers: Mapping[str, Any], final: str) -> Optional[str]:
        """Why `final` cannot be used with these answers (None: it can).

        The one rule: validation refuses with it, the prompt offers only what it allows,
        and the tests enumerate the cases with it.
        """
        return None

    def derive(self, app: "AppCandidate", raw: Mapping[str, Any], origins: Mapping[str, str]) -> Dict[str, Tuple[Any, str]]:
        """Raw answers that follow from the detected ones: {key: (value, origin)}."""
        return {}

    def asks(self, key: str, answers: Mapping[str, Any]) -> bool:
        """Whether a prompt asks for answer `key` given the answers so far: not when it could change nothing."""
        return True

    def check(self, answers: Mapping[str, Any]) -> Optional[str]:
        """A rule across answers, checked after each passed its parser: the whole message when broken.

        The message says what was looked for and the flag or file that fixes it.
        """
        return None

    def field(self, key: str) -> Optional[AnswerField]:
        return next((f for f in self.answer_fields if f.key == key), None)

    @property
    def final_names(self) -> Tuple[str, ...]:
        return tuple(flavour.name for flavour in self.finals)

    def allowed_finals(self, answers: Mapping[str, Any]) -> Tuple[Flavour, ...]:
        """The flavours `final_refusal` lets through for these answers."""
        return tuple(f for f in self.finals if self.final_refusal(answers, f.name) is None)


class Build:
    """What the validated answers decide about the build: base images and the build plan."""

    def images(self, answers: Mapping[str, Any]) -> Dict[str, str]:
        """The base images a render names, by role (`builder`, `final`, helper stages); their versions
        come from generator.pins."""
        raise NotImplementedError

    def build(self, answers: Mapping[str, Any]) -> Any:
        """The build plan templates lay out (`build` in their context): a frozen dataclass of the
        choices the answers decide (installer steps, tool flags, layouts), computed in the
        language's build.py (imported inside); None when there are none."""
        return None


class Runtime:
    """How the image runs: the hooks of the runtime contract (generator/runtime.py)."""

    #: what one container of this language may use (the runtime contract's limits)
    resources: Resources = Resources()
    #: how long the app may take to start before its probes count (seconds)
    startup_seconds: int = 30
    #: why the image has no health probe of its own, when `health_command` gives none
    no_health_command = "the image has no shell and no HTTP client to run one, on purpose"

    def start_command(self, answers: Mapping[str, Any]) -> List[str]:
        """The argv the image's ENTRYPOINT runs (exec form: no shell)."""
        raise NotImplementedError

    def config_mount(self, answers: Mapping[str, Any]) -> Optional[Tuple[str, str]]:
        """The configuration file the program is started with: (its path relative to the app, where the
        image has it), mounted read-only there at run time; None: none. The app's files are in /app."""
        config = str(answers.get(CONFIG_FILE.key) or "")
        return (config, f"/app/{config}") if config else None

    def environment(self, answers: Mapping[str, Any]) -> List[str]:
        """`NAME=value` settings the image declares (ENV): what the program must read to listen right."""
        return []

    def release_steps(self, answers: Mapping[str, Any]) -> List[List[str]]:
        """Commands run once, in order, before the app starts: the `release` answer where declared."""
        return [list(step) for step in answers.get(RELEASE.key) or []]

    def writable_paths(self, answers: Mapping[str, Any]) -> List[WritablePath]:
        """The directories the app writes at run time; the rest of the filesystem is read-only."""
        return [TMP]

    def health_command(self, answers: Mapping[str, Any]) -> Optional[List[str]]:
        """An exec-form probe the image itself can run (HEALTHCHECK, compose); None: it has none."""
        return None

    def http_probe_path(self, answers: Mapping[str, Any]) -> str:
        """An HTTP path the framework is known to serve for health ("" : probe the TCP port)."""
        return ""


class Adopt:
    """What a hand-written Dockerfile says in the language's terms (`scaffold adopt`); results are untrusted."""

    #: ENV variables whose value is one of this language's answers ((variable, answer key), ...)
    env_answers: Tuple[Tuple[str, str], ...] = ()
    #: whether the image holds the app's whole directory (an interpreted language: its build stage stages
    #: the sources for the final one through a RUN, which adopt cannot follow to say a file is missing)
    ships_sources: bool = False

    def image_version(self, name: str, tag: str) -> Optional[str]:
        """The language version a base image's name and tag state, as written ("python", "3.11-slim" ->
        "3.11"): None when the image is not one of this language's, "" when it is but says no version
        (`golang:latest`). It goes through `parse_version` like any other value."""
        return None

    def unserved(self, project: Path, root: str, argv: Sequence[str]) -> str:
        """What is wrong when the start command `argv` runs a server no dependency of the app in
        `project`/`root` installs ("runs uvicorn, which no dependency installs: add uvicorn ..."); "" if none."""
        return ""

    def start_answers(self, argv: Sequence[str]) -> Tuple[Dict[str, Any], List[str]]:
        """The raw answers a hand-written start command states, and what of it is not carried, each
        said in a sentence. `argv` is what the old image ran, its paths made relative to the app's
        directory; it holds no shell syntax."""
        return {}, []

    def stated_refusal(self, key: str, value: Any, heuristic: "Optional[Fact]") -> str:
        """Why a statement of `key` cannot be the app's, given what the language read from its own build
        files (`heuristic`), "" when it can: e.g. a toolchain older than the build file requires."""
        return ""

    def build_answers(self, flags: Sequence[str], repo: "Repo", root: str) -> Tuple[Dict[str, Any], List[str]]:
        """The raw answers the flags of the language's own build command state (`<name> build FLAGS` in a
        RUN or a Makefile recipe, a release tool's build entry), and what of them is not carried, each said
        in a sentence. `repo` and `root` are the app's, to check a flag against its files. None by default."""
        return {}, []


class Language(Detection, Answers, Build, Runtime, Adopt):
    """One language: every concern above. Subclasses set the attributes, keep their detection in the
    `detect` module beside them, and implement `built_version`, `images` and `start_command`; the rest have
    defaults. The one instance
    (`GO = Go()`) is the declaration: it binds the answers then."""

    def __repr__(self) -> str:
        return f"<language {self.name}>"
