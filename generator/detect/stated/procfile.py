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
from dataclasses import replace
from typing import List, NamedTuple, Optional

from generator import shellwords
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


#: a web: line's own dialect: one command's words (as `shlex.split` reads them), chained by `;` and `&&`
SEQUENCE = replace(shellwords.ARGV, operators=("&&", ";"))


def decompose(line: str) -> "WebLine | str":
    """The line's release steps and server command, `$PORT` still in them (`with_port` replaces it),
    or why it cannot be run without a shell: a sentence naming the construct."""
    scanned = shellwords.scan(line, SEQUENCE)
    groups = scanned.commands()
    commands = [(index == len(groups) - 1, words) for index, (words, _) in enumerate(groups) if "".join(words).strip()]
    if not commands:
        return "no command"
    if len(commands) > MAX_COMMANDS:
        return f"more than {MAX_COMMANDS} commands"
    argvs = []
    for last, words in commands:
        if last and scanned.problem:
            return f"cannot be split: {scanned.problem}"
        argv = [shellwords.unquote(word, SEQUENCE) for word in words]
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
