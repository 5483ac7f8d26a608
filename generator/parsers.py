"""Parsers: one untrusted value in, one safe value out, or `ValueError(reason)`.

Detection facts come from an untrusted repository; flags and prompt answers come
from a person who can mistype. Each answer field (generator.languages) names one of
these parsers (or a language's own), which returns a safe value (numbers, slugs,
relative paths of plain characters, argv lists without control characters) or raises
`ValueError` with a reason that reads after the answer's name and origin: "port from
--port must be a port number from 1 to 65535". Templates may therefore interpolate
answers without further escaping.

They live apart from `generator.validate` (the loop over the registry) because the
language declarations use them: the registry imports this module, validate imports both.
"""

from __future__ import annotations

import re
from typing import Any, Callable, List, Optional, Sequence

MAX_ARGS = 64
MAX_ARG_LENGTH = 512

#: patterns as text, compiled (and cached by `re`) on first use: `scaffold --help` imports
#: this module through the language declarations and never parses anything
_SLUG = r"[a-z0-9][a-z0-9._-]{0,62}"
_PATH_PART = r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}"
_SYNTAX = r"docker/dockerfile:[0-9][0-9a-z.-]{0,30}@sha256:[0-9a-f]{64}"
_CONTROL = r"[\x00-\x1f\x7f\u0085\u2028\u2029]"


def has_control(value: str) -> bool:
    """Whether `value` holds a control character or a line break (Unicode ones included)."""
    return re.search(_CONTROL, value) is not None

Parser = Callable[[Any], Any]


def text(raw: Any) -> str:
    """A single line of text (numbers accepted as text); stripped."""
    if raw is None:
        raise ValueError("is missing")
    if not isinstance(raw, (str, int)) or isinstance(raw, bool):
        raise ValueError("expected text")
    value = str(raw).strip()
    if has_control(value):
        raise ValueError("contains a control character or line break")
    return value


def optional_text(raw: Any) -> str:
    """Text where absent means empty."""
    return "" if raw is None else text(raw)


def parse_slug(raw: Any) -> str:
    value = text(raw)
    if not re.fullmatch(_SLUG, value):
        raise ValueError("use lowercase letters, digits, '.', '_' or '-' (at most 63)")
    return value


def slugify(raw: str) -> str:
    """A detected name made into a slug (detected names are only suggestions)."""
    value = re.sub(r"[^a-z0-9._-]+", "-", str(raw).lower()).strip("-._")[:63]
    return value or "app"


def parse_relpath(raw: Any) -> str:
    """A path inside the project: plain characters, no `..`, no absolute path ("." allowed)."""
    value = text(raw).replace("\\", "/")
    parts = [p for p in value.split("/") if p not in ("", ".")]
    if value.startswith("/"):
        raise ValueError("must be relative to the project")
    if not parts:
        return "."
    for part in parts:
        if part == ".." or not re.fullmatch(_PATH_PART, part):
            raise ValueError(f"path part {part!r} is not allowed (letters, digits, _ . @ + -; no '..')")
    return "/".join(parts)


def parse_optional_relpath(raw: Any) -> str:
    """A path inside the project, or "" for none."""
    return "" if not raw else parse_relpath(raw)


def parse_port(raw: Any) -> int:
    value = _int(raw)
    if not 1 <= value <= 65535:
        raise ValueError("must be a port number from 1 to 65535")
    return value


#: how a person says "this program listens on no port" (a command-line program)
NO_PORT = "none"


def parse_optional_port(raw: Any) -> Optional[int]:
    """A port, or None for a program that listens on none (None, "" or "none")."""
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", NO_PORT)):
        return None
    try:
        return parse_port(raw)
    except ValueError as error:
        raise ValueError(f"{error} (or {NO_PORT} for a command-line program)") from None


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
    value = text(raw)
    if not re.fullmatch(r"[0-9]{1,10}", value):
        raise ValueError("expected a whole number")
    return int(value)


def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = text(raw).lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off", ""):
        return False
    raise ValueError("expected true or false")


def parse_args(raw: Any) -> List[str]:
    """Arguments a program starts with (a list, or a string split like a shell would); none by default."""
    if raw is None or raw == "" or raw == []:
        return []
    return parse_argv(raw)


def parse_argv(raw: Any) -> List[str]:
    """A command as argv: a list, or a string split like a shell would (no expansion)."""
    if raw is None:
        raise ValueError("is missing")
    if isinstance(raw, str):
        from generator import shellwords  # here: `scaffold --help` imports this module and never splits a command

        if has_control(raw):
            raise ValueError("contains a control character or line break")
        try:
            raw = shellwords.split(raw)
        except ValueError as error:
            raise ValueError(f"cannot be split into arguments ({error})") from None
    if not isinstance(raw, (list, tuple)):
        raise ValueError("expected a command (a string or a list of arguments)")
    if not raw:
        raise ValueError("is empty (give the program and its arguments)")
    if len(raw) > MAX_ARGS:
        raise ValueError(f"has more than {MAX_ARGS} arguments")
    argv = []
    for arg in raw:
        if not isinstance(arg, str) or has_control(arg) or len(arg) > MAX_ARG_LENGTH:
            raise ValueError("each argument must be text without control characters or line breaks")
        argv.append(arg)
    if not argv[0].strip():
        raise ValueError("the program name is empty")
    syntax = shell_syntax(argv)
    if syntax:
        raise ValueError(f"contains shell syntax ({syntax}), which an exec-form ENTRYPOINT would hand to the program "
                         "as plain text, and the final image has no shell to run it; give the server command alone "
                         "(release steps such as migrations run apart from it)")
    return argv


#: arguments that only mean something to a shell: an operator or redirection on its own, one at
#: the edge of a word (`upgrade;`, `>log`, `2>&1`), an expansion (`$PORT`, `${PORT:-8}`, `$(id)`, backquotes)
_SHELL_OPERATOR = re.compile(r"^(?:[0-9]*[<>]{1,2}&?[0-9]*|&>{1,2}|[;&|]{1,2}|\|&)$")
_SHELL_EDGE = re.compile(r"(?:[;|]|&&)$|^(?:[;|]|&&)|^[0-9]*(?:>>?|<)")
_SHELL_EXPANSION = re.compile(r"\$\{[^}]*\}?|\$\(|\$[A-Za-z_][A-Za-z0-9_]*|`")
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})


def shell_syntax(argv: List[str]) -> str:
    """The first shell construct in `argv` ("`;`", "`$PORT`", "`sh -c`"), or "" when it is a plain command.

    Exec form runs the program directly: no shell splits `a; b`, expands `$PORT` or
    follows `> log`, so an argv holding one of them cannot do what it says.
    """
    if argv[0].rsplit("/", 1)[-1] in _SHELLS and "-c" in argv[1:]:
        return f"`{argv[0]} -c`"
    for arg in argv:
        if _SHELL_OPERATOR.fullmatch(arg):
            return f"`{arg}`"
        match = _SHELL_EXPANSION.search(arg) or _SHELL_EDGE.search(arg)
        if match:
            return "backquotes" if match.group(0) == "`" else f"`{match.group(0)}`"
    return ""


def parse_syntax(raw: Any) -> str:
    value = optional_text(raw)
    if value and not re.fullmatch(_SYNTAX, value):
        raise ValueError("must be docker/dockerfile:<version>@sha256:<64 hex digits> (pinned by digest)")
    return value


def one_of(*choices: str) -> Parser:
    def parse(raw: Any) -> str:
        value = text(raw).lower()
        if value not in choices:
            raise ValueError(f"must be one of: {', '.join(choices)}")
        return value

    return parse


def matching(pattern: str, example: str) -> Parser:
    """Text that is empty or matches `pattern` in full ("is not <example>" otherwise)."""

    def parse(raw: Any) -> str:
        value = optional_text(raw)
        if value and not re.fullmatch(pattern, value):
            raise ValueError(f"is not {example}")
        return value

    return parse


#: how a person says "no release step" (one detected from the framework included)
NO_RELEASE = "none"
#: release steps one app may declare at most (each runs before the app, in order)
MAX_RELEASE_STEPS = 8


def parse_release(raw: Any) -> List[List[str]]:
    """Release steps: commands run once before the app starts (migrations), in order.

    None, "", "none" or [] is none; a string is one command (split like `parse_argv`, so shell
    syntax is refused); a list holds commands, each a string or an argv list. A JSON
    list written as text (`--set release='["a b", "c"]'`) is read as that list.
    """
    if raw is None or raw == "" or raw == [] or raw == NO_RELEASE:
        return []
    if isinstance(raw, str) and raw.lstrip().startswith("["):
        import json  # here: `scaffold --help` never parses a release

        try:
            raw = json.loads(raw)
        except ValueError:
            raise ValueError("starts like a JSON list but is not one") from None
    steps = [raw] if isinstance(raw, str) else raw
    if not isinstance(steps, (list, tuple)):
        raise ValueError("expected a command or a list of commands")
    if len(steps) > MAX_RELEASE_STEPS:
        raise ValueError(f"has more than {MAX_RELEASE_STEPS} steps")
    parsed = []
    for number, step in enumerate(steps, 1):
        try:
            parsed.append(parse_argv(step))
        except ValueError as error:
            raise ValueError(f"step {number} {error}" if len(steps) > 1 else str(error)) from None
    return parsed


#: secrets one app may declare at most
MAX_SECRETS = 32


def list_of(raw: Any, limit: int, what: str) -> Sequence[Any]:
    """The items of a list answer, unparsed: none (None, "" or []) is []; refused when not a list or
    longer than `limit` ("expected a list of {what}", "has more than {limit} {what}")."""
    if raw is None or raw == "" or raw == []:
        return []
    if not isinstance(raw, (list, tuple)):
        raise ValueError(f"expected a list of {what}")
    if len(raw) > limit:
        raise ValueError(f"has more than {limit} {what}")
    return raw


def _each_once(raw: Any, separators: str, limit: int, parse_item: Callable[[Any], str], what: str) -> List[str]:
    """A list answer: a list, or text split at `separators`; each item parsed, kept once, in order;
    none ("" or []) is []; empty items (what an item parser returns for "") are left out."""
    if raw is None or raw == "" or raw == []:
        return []
    if isinstance(raw, str):
        raw = [part for part in re.split(separators, raw) if part.strip()]
    if not isinstance(raw, (list, tuple)):
        raise ValueError(f"expected {what} separated by commas")
    if len(raw) > limit:
        raise ValueError(f"has more than {limit} {what}")
    items: List[str] = []
    for item in raw:
        parsed = parse_item(item)
        if parsed and parsed not in items:
            items.append(parsed)
    return items


def parse_names(raw: Any) -> List[str]:
    """Names (slugs, each once): a list, or text separated by commas or spaces; "" is none."""
    return _each_once(raw, r"[,\s]+", MAX_SECRETS, parse_slug, "names")


def choices_once(raw: Any, choices: Sequence[str], limit: int) -> List[str]:
    """Names among `choices`, each once (a list, or text separated by commas or spaces); "" is none."""
    def parse_choice(item: Any) -> str:
        value = text(item).lower()
        if value not in choices:
            raise ValueError(f"has {value!r}, which is not one of: {', '.join(choices)}")
        return value

    return _each_once(raw, r"[,\s]+", limit, parse_choice, "names")


#: directories a writable path may never cover: the system, and the app's code and virtualenv
NOT_WRITABLE = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/run", "/sbin", "/sys", "/usr",
                 "/opt", "/app/venv")


def parse_writable_path(raw: Any) -> str:
    """A directory the app writes at run time: "" for none; relative means inside the app (/app).

    It becomes a tmpfs (compose) or an emptyDir (Kubernetes) mounted over that path, so it
    may not be the root, the app directory itself, or a system directory it would hide.
    """
    value = optional_text(raw)
    if not value:
        return ""
    relative = not value.startswith("/")
    inside = parse_relpath(value if relative else value.lstrip("/"))
    path = ("/app" if relative else "") + ("" if inside == "." else "/" + inside) or "/"
    if path in ("/", "/app") or any(path == d or path.startswith(d + "/") for d in NOT_WRITABLE):
        raise ValueError(f"would put a writable mount over {path} (not /, the app directory or a system directory)")
    return path


#: writable or kept paths one app may declare at most
MAX_STATE_PATHS = 16


def parse_state_paths(raw: Any) -> List[str]:
    """Directories the app writes (`--writable`, `--data`): comma-separated text or a list; none: [].

    Each is a `parse_writable_path` (relative: inside /app), each once, in order.
    """
    return _each_once(raw, ",", MAX_STATE_PATHS, parse_writable_path, "paths")
