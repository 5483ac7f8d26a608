"""What the commands print, made safe for a terminal.

Much of what scaffold prints comes from the repository or a catalog: directory and
file names, module paths, recorded values, template text. A name holding an escape
sequence could clear the screen, retitle the window, or forge a second `error:` line.
Every string printed goes through here: messages on stderr are one line each, with
every control character shown escaped (`\\x1b`, `\\n`); so is every line of a report on
stdout, field by field; content on stdout (a generated file, a diff) keeps its line
breaks and tabs and escapes every other control character. JSON output escapes them
by itself.

It is also the one place text leaves the program: plain lines, content (generated files,
diffs), JSON, documents a serialiser escaped already (SARIF, a report), and colour, only on
a terminal and never with NO_COLOR (or TERM=dumb). A reader that goes away (`scaffold
check | head -1`) ends the output, not the command: its exit code still says the verdict.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import IO, Any, Callable, Optional

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


def _colour(stream: IO[str]) -> bool:
    """Colour on a terminal only, never with NO_COLOR (https://no-color.org) or TERM=dumb."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class Output:
    """Messages for people on stderr (colour only on a terminal, never with NO_COLOR); data on stdout."""

    def __init__(self) -> None:
        self.color = _colour(sys.stderr)
        #: stdout's reader went away: what is left to print is dropped
        self.closed = False

    def _paint(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def painter(self) -> Optional[Callable[[str, str], str]]:
        """`paint(code, word)` for a report on stdout, or None when stdout takes no colour."""
        if not _colour(sys.stdout):
            return None
        return lambda code, word: f"\033[{code}m{word}\033[0m"

    def _say(self, label: str, text: str) -> None:
        print(f"{label}{one_line(text)}", file=sys.stderr)

    def _out(self, text: str) -> None:
        """Write to stdout; a closed pipe silences it for the rest of the run."""
        if self.closed:
            return
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            self.pipe_closed()

    def pipe_closed(self) -> None:
        """stdout's reader went away: drop the rest, so that Python's final flush cannot raise again."""
        self.closed = True
        _silence_stdout()

    def finish(self) -> None:
        """The end of a command: what is left on stdout flushed (a reader gone by then is no error)."""
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            self.pipe_closed()
        except ValueError:  # stdout closed by the caller
            pass

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
        self._out(one_line(text) + "\n")

    def text(self, text: str, stderr: bool = False) -> None:
        """Content (a generated file, a diff) on stdout, or stderr when stdout carries a document: line
        breaks kept, other controls escaped."""
        if stderr:
            sys.stderr.write(printable(text))
        else:
            self._out(printable(text))

    def data(self, value: Any) -> None:
        """JSON on stdout (json escapes every control character)."""
        self._out(json.dumps(value, indent=2) + "\n")

    def document(self, text: str) -> None:
        """A document its producer escaped already (JSON or SARIF from a serialiser, a report that escapes
        each field and is painted by `painter`), on stdout as it is."""
        self._out(text)
