"""Python servers and where they listen: every command we start listens on 0.0.0.0 at the port.

Inside a container, 127.0.0.1 is the container's own loopback: a server bound there
starts and can never be reached. gunicorn, uvicorn, hypercorn, daphne, `flask run`,
`fastapi dev` and Django's `runserver` bind 127.0.0.1 unless told otherwise, and each
has a default port that may not be the one the image EXPOSEs. `listen_on` states the
host and the port in the command itself, in place where the command already names them,
so the EXPOSEd port is always the port of the start command. Commands of programs not
known here are left as written.

Pure functions over argv lists: detection (`detect.py`) and the runtime contract
(`Python.start_command`) both use them, so `scaffold detect` shows what the image runs.
"""

from __future__ import annotations

import posixpath
import re
from typing import Callable, List, NamedTuple, Optional, Tuple

#: hosts that mean "every interface": kept as written (IPv6 ones included)
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]", "*"})
ALL_INTERFACES = "0.0.0.0"
RUNSERVER = "runserver"


class Server(NamedTuple):
    """How one server program is installed, told where to listen, and started for an application."""

    #: the port it listens on when told nothing
    default_port: int
    #: options taking "host:port" (gunicorn's --bind); the first is the one added
    bind: Tuple[str, ...] = ()
    #: options taking a host, and a port; the first of each is the one added
    host: Tuple[str, ...] = ()
    port: Tuple[str, ...] = ()
    #: options that make it listen on no TCP port we can set (a Unix socket, a file descriptor, a config file)
    elsewhere: Tuple[str, ...] = ()
    #: the distributions that install it (any one will do): named when none is a dependency
    distributions: Tuple[str, ...] = ()
    #: switches meant for development only (a reloader): dropped from what the image runs
    development: Tuple[str, ...] = ()
    #: the whole program is a development server: why, in a few words ("" for a production server)
    for_development: str = ""
    #: its command serving an application target ("module:app", "module:factory()") at a port; None when
    #: it cannot serve that target (or is never the one we choose)
    serve: Optional[Callable[[str, int], Optional[List[str]]]] = None
    #: it calls a factory with one argument (aiohttp's runner passes the remaining argv): a factory must take one
    passes_argv: bool = False
    #: its parser stops at the first argument that is not an option (getopt): an option added after the
    #: application would be taken for a second argument, so options are added right after the program
    options_first: bool = False


def _factory(target: str) -> Tuple[str, bool]:
    """("module:factory", True) for a factory target "module:factory()", else (target, False)."""
    return (target[:-2], True) if target.endswith("()") else (target, False)


def _gunicorn(target: str, port: int) -> List[str]:
    return ["gunicorn", "--bind", f"{ALL_INTERFACES}:{port}", target]  # gunicorn calls "m:factory()" itself


def _uvicorn(target: str, port: int) -> List[str]:
    name, factory = _factory(target)
    return ["uvicorn", *(["--factory"] if factory else []), name, "--host", ALL_INTERFACES, "--port", str(port)]


def _hypercorn(target: str, port: int) -> List[str]:
    return ["hypercorn", "--bind", f"{ALL_INTERFACES}:{port}", target]


def _waitress(target: str, port: int) -> List[str]:
    name, factory = _factory(target)
    return ["waitress-serve", f"--listen={ALL_INTERFACES}:{port}", *(["--call"] if factory else []), name]


def _uwsgi(target: str, port: int) -> Optional[List[str]]:
    """uWSGI speaking HTTP itself (--http-socket: no front proxy in the image); it imports an object, never
    calls a factory."""
    if _factory(target)[1]:
        return None
    return ["uwsgi", "--http-socket", f"{ALL_INTERFACES}:{port}", "--master", "--module", target]


def _aiohttp(target: str, port: int) -> Optional[List[str]]:
    """aiohttp's own runner calls a factory with the remaining argv: an application object is run by its
    module's `web.run_app` instead."""
    name, factory = _factory(target)
    if not factory:
        return None
    return ["python", "-m", "aiohttp.web", "-H", ALL_INTERFACES, "-P", str(port), name]


SERVERS = {
    "gunicorn": Server(8000, bind=("--bind", "-b"), distributions=("gunicorn",), development=("--reload",),
                       serve=_gunicorn),
    "uvicorn": Server(8000, host=("--host",), port=("--port",), elsewhere=("--uds", "--fd"),
                      distributions=("uvicorn",), development=("--reload",), serve=_uvicorn),
    # Quart depends on hypercorn: a Quart project has it without naming it
    "hypercorn": Server(8000, bind=("--bind", "-b"), distributions=("hypercorn", "quart"), development=("--reload",),
                        serve=_hypercorn),
    "daphne": Server(8000, host=("--bind", "-b"), port=("--port", "-p"), elsewhere=("-u", "--unix-socket", "--fd",
                                                                                     "-e", "--endpoint"),
                     distributions=("daphne",)),
    "waitress-serve": Server(8080, bind=("--listen",), elsewhere=("--unix-socket",), distributions=("waitress",),
                             serve=_waitress, options_first=True),
    # a configuration file (--ini) says where uWSGI listens: the command is left as written
    "uwsgi": Server(8000, bind=("--http-socket", "--http"), elsewhere=("--ini", "--yaml", "--json", "--xml"),
                    distributions=("uwsgi", "pyuwsgi"), development=("--py-autoreload",), serve=_uwsgi),
    "aiohttp.web": Server(8080, host=("-H", "--hostname"), port=("-P", "--port"), elsewhere=("-U", "--path"),
                          distributions=("aiohttp",), serve=_aiohttp, passes_argv=True),
    # subcommands: `flask run`, `fastapi run|dev`, handled by `program`
    "flask run": Server(5000, host=("--host", "-h"), port=("--port", "-p"), distributions=("flask",),
                        for_development="Flask's development server"),
    "fastapi run": Server(8000, host=("--host",), port=("--port",), distributions=("fastapi-cli", "fastapi")),
    "fastapi dev": Server(8000, host=("--host",), port=("--port",), distributions=("fastapi-cli", "fastapi"),
                          for_development="FastAPI's development server (it reloads on changes)"),
    RUNSERVER: Server(8000, distributions=("django",), for_development="Django's development server"),
}
#: modules run with `python -m` that are the servers above
MODULES = {"gunicorn": "gunicorn", "uvicorn": "uvicorn", "hypercorn": "hypercorn", "daphne": "daphne",
           "waitress": "waitress-serve", "flask": "flask", "fastapi": "fastapi", "aiohttp.web": "aiohttp.web",
           "uwsgi": "uwsgi", "pyuwsgi": "uwsgi"}


class Program(NamedTuple):
    """A recognised server command: its name and where its own arguments start in argv."""

    name: str
    start: int


def program(argv: List[str]) -> Optional[Program]:
    """The server `argv` runs (`gunicorn`, `flask run`, `runserver`...), None for any other program."""
    if not argv:
        return None
    name, start = posixpath.basename(argv[0]), 1
    if re.fullmatch(r"python[0-9.]*", name):
        if len(argv) > 2 and argv[1] == "-m":
            name, start = MODULES.get(argv[2], ""), 3
        elif len(argv) > 2 and posixpath.basename(argv[1]) == "manage.py" and RUNSERVER in argv[2:]:
            return Program(RUNSERVER, argv.index(RUNSERVER, 2) + 1)
        else:
            return None
    if name in ("django-admin", "django-admin.py") and RUNSERVER in argv[1:]:
        return Program(RUNSERVER, argv.index(RUNSERVER, 1) + 1)
    if name in ("flask", "fastapi"):
        # flask's options (--app X) may come before the subcommand; fastapi has `run` and `dev`
        subcommands = ("run",) if name == "flask" else ("run", "dev")
        index = next((i for i in range(start, len(argv)) if argv[i] in subcommands), None)
        if index is None:
            return None
        return Program(f"{name} {argv[index]}", index + 1)
    return Program(name, start) if name in SERVERS else None


def default_port(argv: List[str]) -> Optional[int]:
    """The port the server of `argv` listens on when told nothing (None: not a known server)."""
    found = program(argv)
    if found is None:
        return None
    return SERVERS[found.name].default_port


def stated_port(argv: List[str]) -> Optional[int]:
    """The port a known server's command itself names (None: it names none, or not a known server)."""
    found = program(argv)
    if found is None:
        return None
    if found.name == RUNSERVER:
        address = _runserver_address(argv, found.start)
        return _port_of(argv[address]) if address is not None else None
    server = SERVERS[found.name]
    for _index, _option, value in option_values(argv, found.start, server.bind + server.port):
        port = _port_of(value) if value is not None else None
        if port:
            return port
    return None


def listen_on(argv: List[str], port: int) -> Tuple[List[str], str]:
    """`argv` listening on every interface at `port`, and what was changed in a sentence ("" : nothing).

    Where the command names a host or a port, that argument is changed in place; where it names
    none, the option is added. A wildcard host (`[::]`, `0.0.0.0`, empty) is kept; a loopback or
    any other host becomes 0.0.0.0. A command listening on a Unix socket is left alone.
    """
    found = program(argv)
    if found is None:
        return list(argv), ""
    if found.name == RUNSERVER:
        return _runserver(argv, found.start, port)
    server = SERVERS[found.name]
    if any(option for _, option, _ in option_values(argv, found.start, server.elsewhere)):
        return list(argv), ""
    result = list(argv)
    changes: List[str] = []
    at = found.start if server.options_first else None
    if server.bind:
        _set(result, found.start, server.bind, lambda value: _address(value, port), f"{ALL_INTERFACES}:{port}",
             changes, at)
    else:
        _set(result, found.start, server.host, lambda value: value if wildcard(value) else ALL_INTERFACES,
             ALL_INTERFACES, changes, at)
        _set(result, found.start, server.port, lambda value: str(port), str(port), changes,
             None if at is None else at + len(result) - len(argv))
    if result == list(argv):
        return result, ""
    return result, f"{found.name}: {', '.join(changes)}"


def development(argv: List[str]) -> str:
    """Why `argv` starts a development server (Django's runserver, `flask run`, `fastapi dev`), "" when it
    does not: such a server reloads, debugs and is not made to take traffic, so the image never runs one."""
    found = program(argv)
    return f"`{found.name}` is {SERVERS[found.name].for_development}" if found and SERVERS[found.name].for_development \
        else ""


def without_development(argv: List[str]) -> Tuple[List[str], str]:
    """`argv` without its server's development switches (`--reload`), and what was dropped ("" : nothing)."""
    found = program(argv)
    if found is None:
        return list(argv), ""
    switches = SERVERS[found.name].development
    kept = argv[: found.start] + [arg for arg in argv[found.start :] if arg.partition("=")[0] not in switches]
    dropped = [arg for arg in argv[found.start :] if arg.partition("=")[0] in switches]
    return kept, (f"{found.name}: {' '.join(dropped)} dropped (development only)" if dropped else "")


def serve(server: str, target: str, port: int) -> Optional[List[str]]:
    """The command by which `server` serves `target` at `port` (None: it cannot serve that target)."""
    build = SERVERS[server].serve
    return build(target, port) if build else None


def installed_by(argv: List[str]) -> Tuple[str, ...]:
    """The distributions that install the server `argv` runs (any one will do; () : not a server we know)."""
    found = program(argv)
    return SERVERS[found.name].distributions if found else ()


# -- helpers ---------------------------------------------------------------------------------


def option_values(argv: List[str], start: int, names: Tuple[str, ...]) -> List[Tuple[int, str, Optional[str]]]:
    """(index of the value, option, value) for each of `names` in argv[start:] ("--x=v" and "--x v"; None: the
    option ends the command)."""
    found: List[Tuple[int, str, Optional[str]]] = []
    for index in range(start, len(argv)):
        arg = argv[index]
        option, equals, value = arg.partition("=")
        if equals and option in names:
            found.append((index, option, value))
        elif arg in names:
            found.append((index + 1, arg, argv[index + 1] if index + 1 < len(argv) else None))
    return found


def _set(argv: List[str], start: int, names: Tuple[str, ...], change: Callable[[str], str], added: str,
         changes: List[str], at: Optional[int] = None) -> None:
    """Rewrite each value of the options `names` with `change`; add `names[0] added` when there is none (at the
    end, or at index `at`)."""
    occurrences = option_values(argv, start, names)
    if not occurrences:
        argv[len(argv) if at is None else at:at] = [names[0], added]
        changes.append(f"{names[0]} {added} added")
        return
    for index, option, value in occurrences:
        new = change(value or "")
        if value is None or new == value:
            continue
        if index < len(argv) and argv[index] == value:
            argv[index] = new
        else:  # --option=value
            argv[index] = f"{option}={new}"
        changes.append(f"{option} {value} -> {new}")



def _address(value: str, port: int) -> str:
    """A "host:port" bind at `port`: its host kept when it means every interface, else 0.0.0.0."""
    if value.startswith(("unix:", "fd://")):
        return value
    host = value.rsplit(":", 1)[0] if ":" in value else ""
    return f"{host if wildcard(host) and ':' in value else ALL_INTERFACES}:{port}"


def wildcard(host: str) -> bool:
    return host in WILDCARD_HOSTS


def _port_of(value: str) -> Optional[int]:
    text = value.rsplit(":", 1)[-1]
    number = int(text) if re.fullmatch(r"[0-9]{1,5}", text) else 0
    return number if 1 <= number <= 65535 else None


def _runserver_address(argv: List[str], start: int) -> Optional[int]:
    """The index of runserver's optional "[host:]port" argument (the first that is not an option)."""
    for index in range(start, len(argv)):
        if not argv[index].startswith("-"):
            return index
    return None


def _runserver(argv: List[str], start: int, port: int) -> Tuple[List[str], str]:
    result = list(argv)
    index = _runserver_address(argv, start)
    wanted = f"{ALL_INTERFACES}:{port}"
    if index is None:
        result.insert(start, wanted)
        return result, f"runserver: {wanted} added"
    value = argv[index]
    host = value.rsplit(":", 1)[0] if ":" in value else ""
    new = f"{host}:{port}" if ":" in value and wildcard(host) and host else wanted
    if new == value:
        return result, ""
    result[index] = new
    return result, f"runserver: {value} -> {new}"
