"""A uWSGI ini file: where it listens, what it serves, and whether an image can run it as it is.

Projects served by uWSGI keep their settings in an ini file (`[uwsgi]` section):
`http-socket`/`http` speak HTTP, `socket` speaks the uwsgi protocol to a front proxy
(nginx), `module`/`wsgi-file` + `callable` name the application. A file that speaks
HTTP on every interface runs as it is (`uwsgi --ini FILE`); one that names a host
directory (`chdir`, `home`, a virtualenv), drops privileges itself, daemonizes, or
speaks only the uwsgi protocol cannot run in the image, and its application is served
with `--http-socket` instead (`detect.py`). Pure functions over the file's lines.
"""

from __future__ import annotations

import re
from typing import List, NamedTuple, Optional, Tuple

SECTION = re.compile(r"^\s*\[\s*uwsgi\s*\]\s*$")
OTHER_SECTION = re.compile(r"^\s*\[")
SETTING = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*[=:]\s*(.*?)\s*$")
#: settings that speak HTTP, first is preferred
HTTP_KEYS = ("http-socket", "http")
#: settings that tie the file to the host it was written for, or to a front proxy
UNPORTABLE = frozenset({"chdir", "home", "virtualenv", "venv", "pyhome", "uid", "gid", "daemonize", "logto",
                        "socket", "uwsgi-socket", "plugin", "plugins", "pidfile"})


class UwsgiConfig(NamedTuple):
    """What a `[uwsgi]` section says: the HTTP binding (host, port), the application target, the settings that
    keep it from running in an image, and the line of the binding (else of the section)."""

    http: Optional[Tuple[str, int]]
    target: str
    unportable: List[str]
    line: int


def read(lines: List[str]) -> Optional[UwsgiConfig]:
    """The `[uwsgi]` section of an ini file's lines (None: the file has none)."""
    settings: List[Tuple[str, str, int]] = []
    inside, section = False, 0
    for number, text in enumerate(lines, start=1):
        if SECTION.match(text):
            inside, section = True, section or number
        elif OTHER_SECTION.match(text):
            inside = False
        elif inside and not text.lstrip().startswith(("#", ";")):
            match = SETTING.match(text)
            if match:
                settings.append((match.group(1).lower().replace("_", "-"), match.group(2), number))
    if not section:
        return None
    values = {key: (value, number) for key, value, number in reversed(settings)}  # the first of each wins
    http = next(((_binding(values[key][0]), values[key][1]) for key in HTTP_KEYS if key in values), None)
    return UwsgiConfig(http[0] if http else None, _target(values), sorted(k for k in values if k in UNPORTABLE),
                       http[1] if http and http[0] else section)


def why_not(config: UwsgiConfig) -> str:
    """Why the file cannot run as it is, in a few words."""
    if config.unportable:
        return f"it sets {', '.join(config.unportable)} (the host it was written for, or a front proxy)"
    if config.http is None:
        return "it speaks no HTTP (no http-socket)"
    return f"it listens on {config.http[0]}, unreachable from outside a container"


def _binding(value: str) -> Optional[Tuple[str, int]]:
    """(host, port) of "host:port" or ":port"; None for a Unix socket or anything else."""
    host, colon, port = value.rpartition(":")
    if not colon or not re.fullmatch(r"[0-9]{1,5}", port) or not 1 <= int(port) <= 65535:
        return None
    return host, int(port)


def _target(values: dict) -> str:  # type: ignore[type-arg]
    """"module:callable" from `module` (with its own `:callable`, or `callable`) or a top-level `wsgi-file`."""
    callable_ = values.get("callable", ("", 0))[0]
    module = values.get("module", values.get("wsgi", ("", 0)))[0]
    if not module:
        wsgi_file = values.get("wsgi-file", ("", 0))[0]
        if re.fullmatch(r"[A-Za-z_]\w*(?:/[A-Za-z_]\w*)*\.py", wsgi_file):
            module = wsgi_file[: -len(".py")].replace("/", ".")
    if not re.fullmatch(r"[A-Za-z_][\w.]*(?::[A-Za-z_]\w*)?", module):
        return ""
    if ":" in module:
        return module
    return f"{module}:{callable_ or 'application'}" if re.fullmatch(r"[A-Za-z_]\w*", callable_ or "application") else ""
