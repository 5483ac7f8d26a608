"""Just enough of the POSIX shell to see which programs a RUN line runs, with which words.

The rules ask questions such as "does this RUN remove /bin/sh", "does it pipe", "does
apt-get install get --no-install-recommends". A real shell grammar is not needed for
that, and a Dockerfile's RUN text is untrusted, so this splitter is deliberately
small: quotes, `$(...)` and backticks are kept inside words, commands are split on
unquoted `;`, `&`, `&&`, `||`, `|`, newlines and parentheses, and it runs in linear
time on any input. It never evaluates anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List

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
    text = script[:MAX_SCRIPT]
    segments: List[str] = []
    operators: List[str] = []
    current: List[str] = []
    quote = ""
    depth = 0  # inside $( ... )
    index = 0
    length = len(text)
    at_word_start = True
    while index < length:
        char = text[index]
        if quote:
            current.append(char)
            if char == "\\" and quote != "'" and index + 1 < length:
                index += 1
                current.append(text[index])
            elif char == quote:
                quote = ""
            index += 1
            continue
        if char == "\\" and index + 1 < length:
            if text[index + 1] == "\n":  # a line continuation inside a heredoc script
                index += 2
                continue
            current.append(text[index:index + 2])
            index += 2
            at_word_start = False
            continue
        if char in "'\"`":
            quote = char
            current.append(char)
            index += 1
            at_word_start = False
            continue
        if char == "$" and text.startswith("$(", index):
            depth += 1
            current.append("$(")
            index += 2
            continue
        if depth:
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            current.append(char)
            index += 1
            continue
        if char == "#" and at_word_start:
            end = text.find("\n", index)
            index = length if end < 0 else end
            continue
        operator = _operator(text, index)
        if operator:
            segments.append("".join(current))
            current = []
            if operator != "\n":
                operators.append(operator)
            index += len(operator)
            at_word_start = True
            continue
        current.append(char)
        at_word_start = char in " \t"
        index += 1
    segments.append("".join(current))
    commands = [command for command in (_command(segment) for segment in segments) if command.argv]
    return Script(commands, operators)


def _operator(text: str, index: int) -> str:
    """The control operator starting at `index` ("" for none); `2>&1` and `&>` are redirections."""
    char = text[index]
    if char in "&|" and text.startswith(char * 2, index):
        return char * 2
    if char == "|":
        return "|"
    if char == "&":
        redirection = text.startswith("&>", index) or (index > 0 and text[index - 1] in "<>")
        return "" if redirection else "&"
    return char if char in ";\n()" else ""


def _command(segment: str) -> Command:
    words = [unquote(word) for word in _words(segment)]
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


def _words(segment: str) -> List[str]:
    words: List[str] = []
    current: List[str] = []
    quote = ""
    depth = 0
    index = 0
    while index < len(segment):
        char = segment[index]
        if quote:
            current.append(char)
            if char == "\\" and quote != "'" and index + 1 < len(segment):
                index += 1
                current.append(segment[index])
            elif char == quote:
                quote = ""
        elif char == "\\" and index + 1 < len(segment):
            current.append(segment[index:index + 2])
            index += 1
        elif char in "'\"`":
            quote = char
            current.append(char)
        elif char == "$" and segment.startswith("$(", index):
            depth += 1
            current.append("$(")
            index += 1
        elif depth and char in "()":
            depth += 1 if char == "(" else -1
            current.append(char)
        elif char in " \t\r" and not depth:
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
        index += 1
    if current:
        words.append("".join(current))
    return words


def unquote(word: str) -> str:
    """Shell quote removal (no expansion): `"a b"` -> `a b`, `'$x'` -> `$x`, `\\ ` -> ` `."""
    if "'" not in word and '"' not in word and "\\" not in word:
        return word
    out: List[str] = []
    quote = ""
    index = 0
    while index < len(word):
        char = word[index]
        if quote == "'":
            if char == "'":
                quote = ""
            else:
                out.append(char)
        elif quote == '"':
            if char == '"':
                quote = ""
            elif char == "\\" and index + 1 < len(word) and word[index + 1] in '"\\$`':
                index += 1
                out.append(word[index])
            else:
                out.append(char)
        elif char in "'\"":
            quote = char
        elif char == "\\" and index + 1 < len(word):
            index += 1
            out.append(word[index])
        else:
            out.append(char)
        index += 1
    return "".join(out)
