"""The only way into a template: untrusted values in, checked answers out.

Detection facts come from an untrusted repository; flags and prompt answers come
from a person who can mistype. Each answer key has one parser here that either
returns a safe value (numbers, slugs, relative paths of plain characters, argv lists
without control characters) or raises `InputError` with a one-line message naming
where the bad value came from and how to override it. Templates may therefore
interpolate answers without further escaping, and exec-form arguments are
JSON-encoded by the templates on top of that.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from generator.detect.model import AppCandidate
from generator.errors import InputError
from generator.images import DISTROLESS_PYTHON, FINALS, SUPPORTED_JAVA, default_final

LANGUAGES = ("go", "python", "java")
DEFAULT_UID = 10001
DEFAULT_PORTS = {"go": 8080, "python": 8000, "java": 8080}
DEFAULT_VERSIONS = {"go": "1.25", "python": "3.12", "java": "21"}
#: oldest versions we generate for; an older project is built with this one (noted)
MIN_VERSIONS = {"go": (1, 22), "python": (3, 9)}
MAX_ARGS = 64
MAX_ARG_LENGTH = 512

_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
_PATH_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}")
_JAVA_CLASS = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*")
_PY_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_SYNTAX = re.compile(r"docker/dockerfile:[0-9][0-9a-z.-]{0,30}@sha256:[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


# -- parsers: raw value -> safe value, or ValueError(reason) ----------------------


def _text(raw: Any) -> str:
    if not isinstance(raw, (str, int)) or isinstance(raw, bool):
        raise ValueError("expected text")
    value = str(raw).strip()
    if _CONTROL.search(value):
        raise ValueError("contains a control character or line break")
    return value


def parse_slug(raw: Any) -> str:
    value = _text(raw)
    if not _SLUG.fullmatch(value):
        raise ValueError("use lowercase letters, digits, '.', '_' or '-' (at most 63)")
    return value


def slugify(raw: str) -> str:
    """A detected name made into a slug (detected names are only suggestions)."""
    value = re.sub(r"[^a-z0-9._-]+", "-", str(raw).lower()).strip("-._")[:63]
    return value or "app"


def parse_relpath(raw: Any) -> str:
    """A path inside the project: plain characters, no `..`, no absolute path ("." allowed)."""
    value = _text(raw).replace("\\", "/")
    parts = [p for p in value.split("/") if p not in ("", ".")]
    if value.startswith("/"):
        raise ValueError("must be relative to the project")
    if not parts:
        return "."
    for part in parts:
        if part == ".." or not _PATH_PART.fullmatch(part):
            raise ValueError(f"path part {part!r} is not allowed (letters, digits, _ . @ + -; no '..')")
    return "/".join(parts)


def parse_module_path(raw: Any) -> str:
    """A build module path, "" for a single-module build."""
    if raw in (None, "", "."):
        return ""
    value = parse_relpath(raw)
    return "" if value == "." else value


def parse_go_package(raw: Any) -> str:
    value = parse_relpath(raw)
    return "." if value == "." else f"./{value}"


def parse_port(raw: Any) -> int:
    value = _int(raw)
    if not 1 <= value <= 65535:
        raise ValueError("must be a port number from 1 to 65535")
    return value


def parse_id(raw: Any) -> int:
    value = _int(raw)
    if not 1 <= value <= 2_147_483_647:
        raise ValueError("must be a non-root numeric id from 1 to 2147483647")
    return value


def _int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("expected a number")
    if isinstance(raw, int):
        return raw
    text = _text(raw)
    if not re.fullmatch(r"[0-9]{1,10}", text):
        raise ValueError("expected a whole number")
    return int(text)


def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw).lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off", ""):
        return False
    raise ValueError("expected true or false")


def parse_argv(raw: Any) -> List[str]:
    """A command as argv: a list, or a string split like a shell would (no expansion)."""
    if isinstance(raw, str):
        if _CONTROL.search(raw):
            raise ValueError("contains a control character or line break")
        try:
            raw = shlex.split(raw)
        except ValueError as error:
            raise ValueError(f"cannot be split into arguments ({error})") from None
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ValueError("expected a non-empty command")
    if len(raw) > MAX_ARGS:
        raise ValueError(f"has more than {MAX_ARGS} arguments")
    argv = []
    for arg in raw:
        if not isinstance(arg, str) or _CONTROL.search(arg) or len(arg) > MAX_ARG_LENGTH:
            raise ValueError("each argument must be text without control characters or line breaks")
        argv.append(arg)
    if not argv[0].strip():
        raise ValueError("the program name is empty")
    return argv


def parse_java_class(raw: Any) -> str:
    value = _text(raw)
    if value and not _JAVA_CLASS.fullmatch(value):
        raise ValueError("is not a Java class name (like com.example.Main)")
    return value


def parse_py_module(raw: Any) -> str:
    value = _text(raw) if raw is not None else ""
    if value and not _PY_MODULE.fullmatch(value):
        raise ValueError("is not a Python module name (like mysite.settings)")
    return value


def parse_syntax(raw: Any) -> str:
    value = _text(raw) if raw is not None else ""
    if value and not _SYNTAX.fullmatch(value):
        raise ValueError("must be docker/dockerfile:<version>@sha256:<64 hex digits> (pinned by digest)")
    return value


def one_of(*choices: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = _text(raw).lower()
        if value not in choices:
            raise ValueError(f"must be one of: {', '.join(choices)}")
        return value

    return parse


def parse_version(language: str, raw: Any) -> str:
    """A language version as the image tags name it: "1.22", "3.12", "17"."""
    value = _text(raw).lower().lstrip("v")
    if language == "go":
        match = re.fullmatch(r"(?:go)?1\.(\d{1,2})(?:\.\d{1,3})?(?:rc\d+)?", value)
        if not match:
            raise ValueError("is not a Go version (like 1.22)")
        minor = max(int(match.group(1)), MIN_VERSIONS["go"][1])
        return f"1.{minor}"
    if language == "python":
        match = re.fullmatch(r"(?:python-?)?3\.(\d{1,2})(?:\.\d{1,3})?", value)
        if not match:
            raise ValueError("is not a Python 3 version (like 3.12)")
        minor = max(int(match.group(1)), MIN_VERSIONS["python"][1])
        return f"3.{minor}"
    if language == "java":
        match = re.fullmatch(r"(?:1\.)?(\d{1,2})(?:[.+_-].*)?", value)
        if not match:
            raise ValueError("is not a Java version (like 21)")
        major = int(match.group(1))
        for supported in SUPPORTED_JAVA:  # the LTS that runs this source level
            if major <= int(supported):
                return supported
        raise ValueError(f"Java {major} is newer than the supported {SUPPORTED_JAVA[-1]}")
    raise ValueError(f"unknown language {language!r}")


# -- the answer table ---------------------------------------------------------------


@dataclass(frozen=True)
class AnswerField:
    """One answer: its parser, the languages it applies to, and the flag that sets it."""

    key: str
    parse: Callable[[Any], Any]
    languages: Tuple[str, ...] = LANGUAGES
    flag: Optional[str] = None


FIELDS: Tuple[AnswerField, ...] = (
    AnswerField("app_name", parse_slug, flag="--name"),
    AnswerField("source_dir", parse_relpath),
    AnswerField("port", parse_port, flag="--port"),
    AnswerField("uid", parse_id, flag="--uid"),
    AnswerField("gid", parse_id, flag="--gid"),
    AnswerField("syntax", parse_syntax, flag="--syntax"),
    AnswerField("package", parse_go_package, ("go",), "--package"),
    AnswerField("binary", parse_slug, ("go",)),
    AnswerField("cgo", parse_bool, ("go",)),
    AnswerField("vendor", parse_bool, ("go",)),
    AnswerField("workspace", parse_bool, ("go",)),
    AnswerField("package_manager", one_of("pip", "poetry", "uv", "pdm", "pipenv"), ("python",)),
    AnswerField("requirements_file", lambda raw: "" if not raw else parse_relpath(raw), ("python",)),
    AnswerField("installable", parse_bool, ("python",)),
    AnswerField("start_command", parse_argv, ("python",), "--cmd"),
    AnswerField("django", parse_bool, ("python",)),
    AnswerField("django_settings", parse_py_module, ("python",)),
    AnswerField("build_tool", one_of("maven", "gradle"), ("java",)),
    AnswerField("wrapper", parse_bool, ("java",)),
    AnswerField("module", parse_module_path, ("java",)),
    AnswerField("spring_boot", parse_bool, ("java",)),
    AnswerField("main_class", parse_java_class, ("java",), "--main-class"),
    AnswerField("packaging", one_of("spring-boot", "shade", "assembly", "jar"), ("java",)),
)


def validate(raw: Mapping[str, Any], origins: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """Check every answer of `raw` (a language's full set); raise InputError naming the first bad one."""
    origins = origins or {}

    def fail(key: str, reason: str) -> InputError:
        where = origins.get(key, "the answers")
        return InputError(f"{key.replace('_', ' ')} from {where} {reason}")

    language = raw.get("language")
    if language not in LANGUAGES:
        raise fail("language", f"must be one of: {', '.join(LANGUAGES)}")
    answers: Dict[str, Any] = {"language": language}
    try:
        answers["version"] = parse_version(language, raw.get("version"))
    except ValueError as error:
        raise fail("version", str(error)) from None
    for spec in FIELDS:
        if language not in spec.languages:
            continue
        try:
            answers[spec.key] = spec.parse(raw.get(spec.key))
        except ValueError as error:
            raise fail(spec.key, str(error)) from None
    answers["final"] = _check_final(answers, raw.get("final"), fail)
    if language == "python" and not answers["start_command"]:
        raise fail("start_command", "is missing; pass --cmd")
    return answers


def _check_final(answers: Dict[str, Any], raw: Any, fail: Callable[[str, str], InputError]) -> str:
    language = answers["language"]
    try:
        final = one_of(*FINALS[language])(raw if raw else default_final(language, cgo=answers.get("cgo", False)))
    except ValueError as error:
        raise fail("final", str(error)) from None
    if language == "go" and final == "scratch" and answers["cgo"]:
        raise fail("final", "cannot be scratch: the program uses cgo and needs a libc (use distroless or debian)")
    if language == "python" and final == "distroless" and answers["version"] not in DISTROLESS_PYTHON:
        versions = " or ".join(DISTROLESS_PYTHON)
        raise fail("final", f"cannot be distroless for Python {answers['version']}: distroless ships Python {versions}")
    return final


def answers_for(app: AppCandidate, overrides: Mapping[str, Any]) -> Dict[str, Any]:
    """Validated answers for a detected candidate: defaults, then detected facts, then overrides.

    Each value's origin (a flag, a file:line, a default) is kept so that an error
    names it: "port from --port must be a port number ...".
    """
    language = app.language
    raw: Dict[str, Any] = {
        "language": language,
        "app_name": slugify(app.name),
        "source_dir": app.root,
        "version": DEFAULT_VERSIONS[language],
        "port": DEFAULT_PORTS[language],
        "uid": DEFAULT_UID,
        "gid": DEFAULT_UID,
        "syntax": "",
    }
    origins: Dict[str, str] = {key: "the defaults" for key in raw}
    origins["app_name"] = origins["source_dir"] = f"the detected app {app.id}"
    for key, fact in app.facts.items():
        if fact.value is None or key not in _DETECTED_KEYS[language]:
            continue
        raw[key] = fact.value
        origins[key] = str(fact.evidence) if fact.evidence else f"the detected app {app.id}"
    if language == "go":
        raw["version"] = _newer_go(raw["version"], app.value("toolchain"))
        package = str(raw.get("package") or ".")
        raw.setdefault("binary", slugify(package.rstrip("/").rsplit("/", 1)[-1] if package not in (".", "./") else app.name))
        origins.setdefault("binary", origins.get("package", "the defaults"))
    if language == "python":
        raw["django"] = app.value("framework") == "django"
        if raw.get("package_manager") == "pip" and not raw.get("requirements_file"):
            raw["installable"] = True  # pip reaches [project] dependencies only by installing the project
    for key, value in overrides.items():
        if value is None:
            continue
        raw[key] = value
        origins[key] = _flag_name(key)
    return validate(raw, origins)


def _newer_go(version: Any, toolchain: Any) -> Any:
    """The go line or the toolchain line of go.mod, whichever names the newer Go."""
    try:
        return max(parse_version("go", version), parse_version("go", toolchain), key=lambda v: int(v.split(".")[1]))
    except ValueError:
        return version  # validation reports a bad go line; a bad toolchain line is ignored


#: detection facts that become answers, per language (the rest are evidence only)
_DETECTED_KEYS = {
    "go": {"version", "port", "package", "cgo", "vendor", "workspace"},
    "python": {"version", "port", "package_manager", "requirements_file", "installable", "start_command", "django_settings"},
    "java": {"version", "port", "build_tool", "wrapper", "module", "spring_boot", "main_class", "packaging"},
}


def _flag_name(key: str) -> str:
    for spec in FIELDS:
        if spec.key == key and spec.flag:
            return spec.flag
    return {"version": "--language-version", "final": "--final"}.get(key, f"--set {key}")
