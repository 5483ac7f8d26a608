"""Whether a program the project runs (a console script, `python -m pkg`, `python app.py`) listens.

A command-line tool is not a server: given EXPOSE 8000 and a TCP probe, its image gets a
health check that can never pass, and a web server among its dependencies (a CLI that
can start uvicorn) proves nothing. What counts is a call that opens a listening socket
in the program's own package. Its port is read from the call or from a `--port` option's
default (click/typer/argparse) or a pydantic-settings field's; a `--host` option defaulting to loopback is reported,
because such a server is unreachable in a container unless told `--host 0.0.0.0`.
These functions read module texts given by the caller (detect.py does the file access).
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

#: calls that start a server; generic `.run(` is not one (a TUI's App.run(), a task runner)
LISTENER = re.compile(
    r"\b(?:uvicorn\.run|hypercorn\.asyncio\.serve|waitress\.serve|web\.run_app|run_simple|make_server"
    r"|start_server|socketio\.run|app\.run|serve_forever|(?:Threading)?(?:HTTP|TCP|WSGI)Server)\s*\("
    r"|\.run\([^)\n]*\b(?:host|port)\s*="
    r"|\.listen\(\s*[0-9]"
)
#: a `--port` option's default, the option spanning lines (click, typer, argparse)
PORT_OPTION = re.compile(r"""["']--port["'][^()]{0,300}?\bdefault\s*=\s*([0-9]{1,5})\b""")
#: a pydantic-settings field giving the port its default (`port: int = 8080` in a BaseSettings class)
SETTINGS_PORT = re.compile(r"^\s+port\s*:\s*int\s*=\s*(?:Field\(\s*(?:default\s*=\s*)?)?([0-9]{1,5})\b", re.MULTILINE)
#: a `--host` option whose default is the loopback interface
LOOPBACK_OPTION = re.compile(r"""["']--host["'][^()]{0,300}?\bdefault\s*=\s*["'](127\.0\.0\.1|localhost)["']""")


def listener(text: str) -> Optional[int]:
    """The line of the first call that starts a server in `text`, None when there is none."""
    match = LISTENER.search(text)
    return line_of(text, match.start()) if match else None


def port_option(text: str) -> Optional[Tuple[int, int]]:
    """(default port, line) of a `--port` option in `text`."""
    match = PORT_OPTION.search(text)
    if not match or not 1 <= int(match.group(1)) <= 65535:
        return None
    return int(match.group(1)), line_of(text, match.start(1))


def settings_port(text: str) -> Optional[Tuple[int, int]]:
    """(default port, line) of a pydantic-settings `port` field, the port a script passes to its server."""
    match = SETTINGS_PORT.search(text) if "BaseSettings" in text else None
    if not match or not 1 <= int(match.group(1)) <= 65535:
        return None
    return int(match.group(1)), line_of(text, match.start(1))


def loopback_option(text: str) -> Optional[Tuple[str, int]]:
    """(host, line) of a `--host` option that defaults to the loopback interface."""
    match = LOOPBACK_OPTION.search(text)
    return (match.group(1), line_of(text, match.start(1))) if match else None


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
