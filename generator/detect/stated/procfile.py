"""A Procfile process line as a shell would read it: release steps, then the server command.

Heroku runs the line with a shell, so projects chain steps before the server
(`flask db upgrade; gunicorn app:app`) and read the port from `$PORT`. An exec-form
ENTRYPOINT has no shell: split naively, `upgrade;` becomes an argument and the image
cannot start. A line that is only commands joined by `;` or `&&` is decomposed: every
command but the last is a release step (run once, in order, before the app; a failing
one stops the rollout, as `&&` would), the last is the server; `$PORT`, `${PORT}` and
`${PORT:-N}` become the port. Anything else a shell would interpret (pipes, `||`,
background `&`, redirections, other variables, `sh -c`, `cd`) is not guessed at: the
line is refused with the reason, and `--cmd` / `--release` say what to run instead.
"""

from __future__ import annotations

import re
import shlex
from typing import List, NamedTuple, Optional

from generator.parsers import shell_syntax

#: `$PORT`, `${PORT}`, `${PORT:-N}`, `${PORT-N}` (the default, when given, is group 1)
PORT_VARIABLE = re.compile(r"\$(?:\{PORT(?::?-([0-9]{1,5}))?\}|PORT\b)")
#: shell builtins that change the shell itself: meaningless as a step of their own
BUILTINS = frozenset({"cd", "export", "source", ".", "set", "unset", "umask", "ulimit", "alias", "eval"})
#: at most this many commands in one line (the release answer holds at most 8 steps)
MAX_COMMANDS = 9


class WebLine(NamedTuple):
    """A decomposed web: line: release steps, the server command, the port `${PORT:-N}` names."""

    release: List[List[str]]
    command: List[str]
    port_default: Optional[int]


def split_sequence(line: str) -> List[str]:
    """`line` cut at every `;` and `&&` outside quotes (a `\\` escapes the next character)."""
    parts, current, quote, index = [], [], "", 0
    while index < len(line):
        char = line[index]
        if quote:
            current.append(char)
            if char == "\\" and quote == '"' and index + 1 < len(line):
                current.append(line[index + 1])
                index += 1
            elif char == quote:
                quote = ""
        elif char == "\\" and index + 1 < len(line):
            current.append(line[index : index + 2])
            index += 1
        elif char in "'\"":
            quote = char
            current.append(char)
        elif char == ";" or line.startswith("&&", index):
            parts.append("".join(current))
            current = []
            index += 1 if char == ";" else 2
            continue
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def decompose(line: str) -> "WebLine | str":
    """The line's release steps and server command, `$PORT` still in them (`with_port` replaces it),
    or why it cannot be run without a shell: a sentence naming the construct."""
    commands = [part for part in split_sequence(line) if part.strip()]
    if not commands:
        return "no command"
    if len(commands) > MAX_COMMANDS:
        return f"more than {MAX_COMMANDS} commands"
    argvs = []
    for text in commands:
        try:
            argv = shlex.split(text)
        except ValueError as error:
            return f"cannot be split: {error}"
        if argv[0] == "exec" and len(argv) > 1:
            argv = argv[1:]
        syntax = shell_syntax(with_port(argv, 1))
        if syntax:
            return f"shell syntax {syntax}"
        if argv[0] in BUILTINS:
            return f"the shell builtin `{argv[0]}`"
        argvs.append(argv)
    default = next((int(m.group(1)) for m in PORT_VARIABLE.finditer(line) if m.group(1)), None)
    return WebLine(argvs[:-1], argvs[-1], default)


def uses_port(argv: List[str]) -> bool:
    return any(PORT_VARIABLE.search(arg) for arg in argv)


def with_port(argv: List[str], port: int) -> List[str]:
    """`argv` with every `$PORT` form replaced by `port`."""
    return [PORT_VARIABLE.sub(str(port), arg) for arg in argv]
