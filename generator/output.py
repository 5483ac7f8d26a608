"""What the commands print, made safe for a terminal.

Much of what scaffold prints comes from the repository or a catalog: directory and
file names, module paths, recorded values, template text. A name holding an escape
sequence could clear the screen, retitle the window, or forge a second `error:` line.
Every string printed goes through here: messages on stderr are one line each, with
every control character shown escaped (`\\x1b`, `\\n`); so is every line of a report on
stdout, field by field; content on stdout (a generated file, a diff) keeps its line
breaks and tabs and escapes every other control character. JSON output escapes them
by itself.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

#: C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: "re.Match[str]") -> str:
    char = match.group(0)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def one_line(text: str) -> str:
    """`text` with every control character escaped, line breaks included."""
    return _CONTROL.sub(_escape, text)


def printable(text: str) -> str:
    """`text` with line breaks and tabs kept and every other control character escaped."""
    return _CONTROL_BUT_LAYOUT.sub(_escape, text)


class Output:
    """Messages for people on stderr (colour only on a terminal, never with NO_COLOR); data on stdout."""

    def __init__(self) -> None:
        self.color = sys.stderr.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"

    def _paint(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def _say(self, label: str, text: str) -> None:
        print(f"{label}{one_line(text)}", file=sys.stderr)

    def info(self, text: str) -> None:
        self._say("", text)

    def warn(self, text: str) -> None:
        self._say(f"{self._paint('33', 'warning:')} ", text)

    def error(self, text: str) -> None:
        self._say(f"{self._paint('31', 'error:')} ", text)

    def ok(self, text: str) -> None:
        self._say(f"{self._paint('32', 'ok:')} ", text)

    def line(self, text: str = "") -> None:
        """One line of a report on stdout: every control character escaped, line breaks too."""
        sys.stdout.write(one_line(text) + "\n")

    def text(self, text: str) -> None:
        """Content on stdout (a generated file, a diff): line breaks kept, other controls escaped."""
        sys.stdout.write(printable(text))

    def data(self, value: Any) -> None:
        """JSON on stdout (json escapes every control character)."""
        print(json.dumps(value, indent=2))
