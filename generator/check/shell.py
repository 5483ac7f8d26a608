"""Just enough of the POSIX shell to see which programs a RUN line runs, with which words.

The rules ask questions such as "does this RUN remove /bin/sh", "does it pipe", "does
apt-get install get --no-install-recommends". A real shell grammar is not needed for
that, and a Dockerfile's RUN text is untrusted, so the words come from the small
shared scanner (`generator.shellwords`, its SHELL dialect): quotes, `$(...)` and
backticks are kept inside words, commands are split on unquoted `;`, `&`, `&&`,
`||`, `|`, newlines and parentheses, and it runs in linear time on any input. It
never evaluates anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List

from generator import shellwords

#: words that only introduce the command that follows them
_PREFIXES = frozenset({"then", "do", "else", "if", "elif", "while", "until", "!", "time", "exec",
                       "command", "nohup", "env", "{", "}"})
#: sudo's options that take a value
_SUDO_VALUES = frozenset({"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_REDIRECTION = re.compile(r"\d*(?:>>|>&|&>|>|<<<|<)(.*)", re.S)
#: a script longer than this is only read up to it (rules look at programs, not at megabytes of text)
MAX_SCRIPT = 256 * 1024


@dataclass
class Command:
    """One simple command: its words (quotes removed) and the VAR=value assignments before it."""

    argv: List[str]
    assignments: Dict[str, str] = field(default_factory=dict)

    @property
    def program(self) -> str:
        """The program's base name (`/usr/bin/apt-get` -> `apt-get`), "" when there is none."""
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""

    def has(self, *options: str) -> bool:
        return any(word in options for word in self.argv[1:])


@dataclass
class Script:
    commands: List[Command]
    #: the operators between commands, in order (`&&`, `|`, `;`, ...)
    operators: List[str]

    @property
    def pipes(self) -> bool:
        return "|" in self.operators

    def running(self, *programs: str) -> List[Command]:
        return [command for command in self.commands if command.program in programs]


def parse_script(script: str) -> Script:
    """Split shell text into simple commands (never raises, linear time)."""
    scanned = shellwords.scan(script[:MAX_SCRIPT], shellwords.SHELL)
    commands = [command for command in (_command(words) for words, _ in scanned.commands()) if command.argv]
    return Script(commands, [token.text for token in scanned.tokens if token.operator and token.text != "\n"])


def _command(raw: List[str]) -> Command:
    words = [shellwords.unquote(word) for word in raw]
    assignments: Dict[str, str] = {}
    kept: List[str] = []
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
            continue
        redirection = _REDIRECTION.fullmatch(word)
        if redirection and not (kept and kept[-1] in ("-exec", "-execdir")) and not word[:1].isalpha():
            skip_next = redirection.group(1) == ""
            continue
        kept.append(word)
    argv: List[str] = []
    sudo = skip_value = False
    for word in kept:
        if skip_value:
            skip_value = False
        elif not argv and _ASSIGNMENT.match(word):
            key, _, value = word.partition("=")
            assignments[key] = value
        elif not argv and word in _PREFIXES:
            continue
        elif not argv and word == "sudo":
            sudo = True
        elif not argv and sudo and word.startswith("-"):
            skip_value = word in _SUDO_VALUES
        else:
            argv.append(word)
    return Command(argv, assignments)
