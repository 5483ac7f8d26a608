"""A stated command that runs a shell script of the repository: the command the script ends with.

`command: entrypoints/gunicorn.sh` in a compose file, `web: ./start.sh` in a Procfile: the
hardened image has no shell to run the script, and the script says what runs in the end.
Its last command is taken, with the variables the script itself sets expanded as a shell
would (`APP=${APP:-src.main:app}`, `CONF=${CONF:-$DEFAULT_CONF}`: the default, since the
image sets none of them), and a path of the old image that names a file of the app
(`/src/gunicorn/conf.py` for `gunicorn/conf.py`) made relative to the app. The script is
read as text, never run. It is not followed when its last line is not a plain command (a
`fi`, a `wait`), when it changes directory or reads another file (`cd`, `source`), or when
a variable is left that it does not set; the commands before the last are named in a
notice, as the image does not run them.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from typing import Dict, List, NamedTuple, Optional, Tuple

from generator.detect.model import Evidence, excerpt
from generator.detect.stated import Target, files
from generator.detect.walker import Repo

#: `NAME=value` or `export NAME=value` (one assignment, as scripts set their defaults)
ASSIGNMENT = re.compile(r"(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)")
#: `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}` (a default may name variables itself)
VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<unset>:?-)"
                      r"(?P<default>(?:[^}$]|\$[A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*\})*))?\}"
                      r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
#: lines that set up the shell and run nothing of the app's
QUIET = re.compile(r"(?:set|echo|printf|true|:)(?:\s.*)?")
#: lines after which the last command no longer runs where the image would run it
MOVES = re.compile(r"(?:cd|pushd|source|\.)(?:\s.*)?")
#: a shell's own control flow: which command runs last is then the shell's to decide
CONTROL = re.compile(r"(?:if|then|elif|else|fi|for|while|until|do|done|case|esac|function|trap|wait)\b.*|[{}()].*"
                     r"|.*(?:&&|\|\||;|&|\|)\s*$")
#: shell scripts by name, and by their first line
SHEBANG = re.compile(r"#!\s*(?:/usr)?/bin/(?:env\s+)?(?:ba|da)?sh\b")
#: the shells a script may be run with (`sh start.sh`)
SHELLS = ("sh", "bash", "dash")
#: the longest script read (a start script is a few lines)
MAX_LINES = 200
#: the longest value a variable or the last command may expand to (`X=$X$X` doubles at each line)
MAX_EXPANDED = 4096


class Followed(NamedTuple):
    """The script's last command as one line, where it is, and what the image will not run of the script."""

    command: str
    evidence: Evidence
    notes: List[str]


class _Unresolved(Exception):
    """A variable the script does not set (the image's environment would decide it)."""


def script_of(target: Target, argv: List[str]) -> Optional[str]:
    """The repository path of the shell script `argv` runs (`./start.sh`, `sh bin/run.sh`), None otherwise."""
    words = argv[1:] if argv and posixpath.basename(argv[0]) in SHELLS else argv
    if len(words) != 1 or words[0].startswith(("/", "-")):
        return None  # a script given arguments hands them on: what it does with them is not read here
    return shell_script(target.repo, target.root, words[0])


def shell_script(repo: Repo, root: str, program: str) -> Optional[str]:
    """The repository path of `program` (relative to `root`) when it is a shell script of the repository,
    which an image without a shell cannot run; None otherwise."""
    rel = files.joined(root, program)
    if rel is None or not repo.is_file(rel):
        return None
    text = files.text(repo, rel) or ""
    return rel if rel.endswith(".sh") or SHEBANG.match(text) else None


def follow(target: Target, argv: List[str]) -> Optional[Followed]:
    """What the script `argv` runs ends with, as a command line with the script's variables expanded; None
    when `argv` runs no script of the repository, or the script's end cannot be read without a shell."""
    rel = script_of(target, argv)
    if rel is None:
        return None
    lines = _lines(files.text(target.repo, rel) or "")
    if not lines or len(lines) > MAX_LINES:
        return None
    if any(CONTROL.fullmatch(line) for _, line in lines):
        return None
    variables: Dict[str, str] = {}
    ran: List[str] = []
    for number, line in lines[:-1]:
        assignment = ASSIGNMENT.fullmatch(line)
        if assignment:
            try:
                variables[assignment.group("name")] = _value(assignment.group("value"), variables)
            except _Unresolved:
                variables.pop(assignment.group("name"), None)
            continue
        if MOVES.fullmatch(line):
            return None
        if not QUIET.fullmatch(line):
            ran.append(f"{line} (line {number})")
    number, last = lines[-1]
    command = last[len("exec "):].strip() if last.startswith("exec ") else last
    command = command.replace('"$@"', "").replace("$@", "").strip()
    try:
        words = shlex.split(_expanded(command, variables))
    except (_Unresolved, ValueError):  # a variable it does not set, or quotes that do not close
        return None
    if not words:
        return None
    words = [_in_app(target, word) for word in words]
    notes = [f"runs {rel}, whose last command is carried"]
    if ran:
        notes.append(f"{rel} also runs {'; '.join(ran)}, which the image does not")
    return Followed(shlex.join(words), Evidence(rel, number, excerpt(last)), notes)


def _lines(text: str) -> List[Tuple[int, str]]:
    """(line number, text) of each command line: comments and blank lines left out, continuations joined."""
    found: List[Tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        found.append((start, (pending + line).strip()))
        pending = ""
    return found


def _expanded(text: str, variables: Dict[str, str]) -> str:
    """`text` with each variable the script sets (or its default) put in; _Unresolved for any other."""
    def one(match: "re.Match[str]") -> str:
        name = match.group("braced") or match.group("bare")
        given = variables.get(name)
        unset = match.group("unset")
        if given is not None and (given or unset != ":-"):
            return given
        if unset:
            return _value(match.group("default") or "", variables)
        if name == "PORT":
            return match.group(0)  # the platform's port: the start command's reader knows it
        raise _Unresolved(name)

    expanded = VARIABLE.sub(one, text)
    if len(expanded) > MAX_EXPANDED:
        raise _Unresolved(text[:40])
    return expanded


def _value(written: str, variables: Dict[str, str]) -> str:
    """An assignment's value as the shell gives it: variables expanded, quotes removed."""
    expanded = _expanded(written.strip(), variables)
    try:
        words = shlex.split(expanded)
    except ValueError as error:
        raise _Unresolved(written) from error
    if '"' in expanded.strip("\"'") or "'" in expanded.strip("\"'"):
        raise _Unresolved(written)
    return " ".join(words)


def _in_app(target: Target, word: str) -> str:
    """An absolute path of the old image that ends in a file of the app, as that file's path in the app
    (`/src/gunicorn/conf.py` -> `gunicorn/conf.py`); any other word as it is."""
    if not word.startswith("/") or word.count("/") < 2:
        return word
    parts = word.strip("/").split("/")
    for index in range(1, len(parts)):
        rel = files.joined(target.root, "/".join(parts[index:]))
        if rel is not None and target.repo.is_file(rel):
            return "/".join(parts[index:])
    return word
