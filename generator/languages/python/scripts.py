"""The console scripts a project declares, and the subcommand of one that serves.

A project states its programs in its packaging metadata: pyproject.toml's
[project.scripts] (or [tool.poetry.scripts]), setup.cfg's `console_scripts` under
[options.entry_points], or setup.py's `entry_points={"console_scripts": [...]}`. Each
is `name = module:function`; installing the project puts `name` on PATH. setup.py is
read as text, never run: only literal `"name = module:function"` strings count.

A program with subcommands (`tool start`, `tool serve`) prints its usage when started
bare; the subcommand that serves is the one named like serving among those its module
declares (argparse `add_parser("start")`, a click/typer `@cli.command()` function, a
`command == "start"` test), the same words as a Go program's cobra commands.
These functions read texts given by the caller (detect.py does the file access).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from generator.detect.model import Evidence, excerpt

#: `name = module.path:function` (extras in brackets allowed, as setuptools allows them)
ENTRY = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*=\s*([A-Za-z_][\w.]*)(?::[\w.]+)?\s*(?:\[[^\]]*\])?\s*$")
#: setup.py's console_scripts list: the text between its brackets
SETUP_PY_SCRIPTS = re.compile(r"""["']console_scripts["']\s*:\s*\[((?:[^\]"']|"[^"\n]*"|'[^'\n]*')*)\]""")
#: a quoted string inside that list
QUOTED = re.compile(r"""["']([^"'\n]+)["']""")
#: subcommands a module declares: argparse, click/typer (named, or by the function below), a test of the command
SUBCOMMAND = re.compile(
    r"""\.add_parser\(\s*["']([\w-]+)["']"""
    r"""|@[\w.]+\.command\(\s*(?:name\s*=\s*)?["']([\w-]+)["']"""
    r"""|@[\w.]*command\([^)\n]*\)\s*\n(?:\s*@[^\n]*\n)*\s*(?:async\s+)?def\s+(\w+)"""
    r"""|\b\w*(?:command|cmd|action)\w*\s*==\s*["']([\w-]+)["']"""
)
#: subcommand names that start a service, most telling first
SERVE_WORDS = ("serve", "server", "start", "runserver", "run", "web", "http", "daemon")


class Script(NamedTuple):
    """One console script: its name on PATH, the module its function is in, where it is declared."""

    name: str
    module: str
    evidence: Evidence


def from_table(table: Dict[str, Any], evidence: Evidence) -> List[Script]:
    """The scripts of a pyproject.toml table (`name = "module:function"`)."""
    found = []
    for name, target in table.items():
        entry = ENTRY.match(f"{name} = {target}") if isinstance(target, str) else None
        if entry:
            found.append(Script(entry.group(1), entry.group(2), evidence))
    return found


def from_setup_cfg(rel: str, lines: List[str]) -> List[Script]:
    """`console_scripts =` under [options.entry_points]: one `name = module:function` a line."""
    found: List[Script] = []
    section, inside = "", False
    for number, line in enumerate(lines, start=1):
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            section, inside = header.group(1).strip(), False
            continue
        key = re.match(r"^([\w.-]+)\s*=\s*(.*)$", line) if section == "options.entry_points" else None
        if key:
            inside, line = key.group(1) == "console_scripts", key.group(2)
        elif not line[:1].isspace():
            continue
        entry = ENTRY.match(line) if inside else None
        if entry:
            found.append(Script(entry.group(1), entry.group(2), Evidence(rel, number, excerpt(lines[number - 1]))))
    return found


def from_setup_py(rel: str, text: str) -> List[Script]:
    """The literal entries of setup.py's `"console_scripts": [...]`."""
    listed = SETUP_PY_SCRIPTS.search(text)
    if not listed:
        return []
    line = text.count("\n", 0, listed.start()) + 1
    evidence = Evidence(rel, line, excerpt(text.splitlines()[line - 1]))
    entries = (ENTRY.match(quoted.group(1)) for quoted in QUOTED.finditer(listed.group(1)))
    return [Script(entry.group(1), entry.group(2), evidence) for entry in entries if entry]


def serving_subcommand(texts: List[Tuple[str, str]]) -> Optional[Tuple[str, str, int]]:
    """(subcommand, file, line) of the serving subcommand the texts declare; None when they declare none."""
    declared: Dict[str, Tuple[str, int]] = {}
    for rel, text in texts:
        for match in SUBCOMMAND.finditer(text):
            word = next(group for group in match.groups() if group).replace("_", "-")
            declared.setdefault(word, (rel, text.count("\n", 0, match.start()) + 1))
    word = next((word for word in SERVE_WORDS if word in declared), None)
    return (word, *declared[word]) if word else None
