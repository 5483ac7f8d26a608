"""What a stated start command means, for any language: the port it names, then the language's reading.

A command is carried only as an argv that needs no shell: a string is split like a
shell would (no expansion), and anything a shell would interpret (`sh -c`, `;`, `$VAR`
other than the port) drops the statement with a notice naming the file and line
(generator.parsers.shell_syntax, the same rule as every ENTRYPOINT we write).

The port is read the same way for every language: an option naming where to listen
(`-b :8000`, `--listen=0.0.0.0:9090`, `--port 8000`, `--port $PORT`). For a language
that has a `port_setting` answer the option becomes that setting (`--listen=0.0.0.0:PORT`)
and leaves the arguments, so that the port answer moves the program; the rest of the
argv is the language's to read (`Language.start_answers`, the hook `scaffold adopt` uses).
"""

from __future__ import annotations

import re
import shlex
from typing import Any, List, Optional, Sequence, Tuple

from generator.detect.model import Evidence
from generator.detect.stated import Statement, Target, scripts
from generator.detect.stated.procfile import PORT_VARIABLE
from generator.parsers import shell_syntax

#: an option whose value says where to listen (`-b`, `--bind`, `--listen-addr`, `--listener`, `--http-port`, `-p`)
LISTEN_OPTION = re.compile(r"--?(?:b|p|[A-Za-z0-9.-]*(?:port|listen|listener|addr|address|bind|http))", re.IGNORECASE)
#: options named like that which are about another listener or a peer (`--metrics-port`, `--db-addr`)
NOT_THE_APP = re.compile(r"metric|admin|debug|health|grpc|pprof|manage|prom|db|database|redis|proxy|upstream|"
                         r"peer|cluster|gossip|raft|internal|remote|backend|smtp|mail|mysql|postgres|mongo|amqp|"
                         r"rabbit|kafka|elastic|memcache|nats|otel|collector|jaeger|zipkin|statsd", re.IGNORECASE)
#: a listen value: `8000`, `:8000`, `0.0.0.0:8000`, `[::]:8000`, `host:$PORT`
LISTEN_VALUE = re.compile(r"(?:(?P<host>[A-Za-z0-9_.\[\]:-]*):)?(?P<port>[0-9]{1,6}|PORT)")
#: hosts that listen on every interface (the only ones a container can be reached on)
ALL_INTERFACES = ("", "0.0.0.0", "[::]", "::", "*")
#: programs that build or rebuild the sources and then run them (a development container's `make fresh`,
#: a file watcher's `air`): what they run is the app, but the command is not the app's start command
DEVELOPMENT_RUNNERS = frozenset({"make", "gmake", "task", "just", "mage", "air", "reflex", "CompileDaemon", "modd",
                                 "watchexec", "nodemon", "entr"})
#: longest stated command split (a longer one is not a start command anyone wrote)
MAX_COMMAND = 4096


def split(command: Any, target: Target, evidence: Evidence) -> Optional[List[str]]:
    """A stated command (a string or a list) as an argv without shell syntax; None (said) when it needs one."""
    if isinstance(command, str):
        if len(command) > MAX_COMMAND or any(not ch.isprintable() for ch in command):
            target.warn(evidence, "the command is too long or holds control characters: not used")
            return None
        try:
            argv = shlex.split(command)
        except ValueError as error:
            target.warn(evidence, f"the command cannot be split into words ({error}): not used")
            return None
    elif isinstance(command, list) and all(isinstance(word, (str, int)) for word in command):
        argv = [str(word) for word in command]
    else:
        return None
    if argv[:1] == ["exec"]:
        argv = argv[1:]
    if not argv:
        return None
    syntax = shell_syntax([PORT_VARIABLE.sub("8080", word) for word in argv])
    if syntax:
        target.warn(evidence, f"the command needs a shell ({syntax}), which the hardened image does not have: "
                              "not used")
        return None
    return argv


def statements(target: Target, argv: Sequence[str], evidence: Evidence, source: str,
               port_default: Optional[int] = None) -> List[Statement]:
    """What a start command states for the target's language: port, port setting, its own answers."""
    followed = scripts.follow(target, list(argv)) if argv else None
    if followed is not None:
        # `command: entrypoints/gunicorn.sh`: the image has no shell, the script's last command is what runs
        ended = split(followed.command, target, followed.evidence)
        if ended is None:
            return []
        for note in followed.notes:
            target.warn(evidence, f"the start command {note}")
        argv, evidence = ended, followed.evidence
    elif argv and scripts.script_of(target, list(argv)):
        target.warn(evidence, f"the start command runs the shell script {argv[-1]}, whose last command cannot be "
                              "read without a shell, which the hardened image does not have: not used")
        return []
    if not argv or not target.runs(argv[0]):
        return []  # another app's program, of the same directory
    if argv[0].rsplit("/", 1)[-1] in DEVELOPMENT_RUNNERS:
        target.warn(evidence, f"the start command runs `{argv[0]}`, which builds and runs the sources (a development "
                              "setup), not the program: not carried")
        return []
    language = target.language
    words, port, setting = listen(argv, language.field("port_setting") is not None)
    weak = ""
    if port == "PORT":
        port, weak = port_default, "the default of `$PORT`, which the platform sets" if port_default else ""
    if any(PORT_VARIABLE.search(word) for word in words):
        # the platform's port, and without a default nothing here says which: the heuristics decide
        words = [PORT_VARIABLE.sub(str(port_default), word) for word in words] if port_default else []
    found: List[Statement] = []
    if isinstance(port, int):
        found.append(Statement("port", port, evidence, source, weak))
    if setting:
        found.append(Statement("port_setting", setting, evidence, source))
    answers, notes = language.start_answers(words) if words else ({}, [])
    for note in notes:
        target.warn(evidence, f"the start command: {note}")
    found += [Statement(key, value, evidence, source) for key, value in answers.items()]
    return found


def listen(argv: Sequence[str], movable: bool) -> Tuple[List[str], Any, str]:
    """The argv, the port its listen option names (an int, "PORT" for `$PORT`, or None) and, when the
    language can move the program (`movable`), the option as a port setting, taken out of the argv."""
    words = list(argv)
    for index, word in enumerate(words):
        option, equals, value = word.partition("=")
        if not equals and index + 1 < len(words):
            value = words[index + 1]
        if not LISTEN_OPTION.fullmatch(option) or NOT_THE_APP.search(option) or not value:
            continue
        match = LISTEN_VALUE.fullmatch(PORT_VARIABLE.sub("PORT", value))
        if match is None:
            continue
        port = match.group("port")
        number: Any = "PORT" if port == "PORT" else int(port)
        host = match.group("host")
        if not movable or (host is not None and host not in ALL_INTERFACES):
            return words, number, ""
        setting = f"{option}={'0.0.0.0:' if host is not None else ''}PORT"
        taken = 1 if equals else 2
        return words[:index] + words[index + taken:], number, setting
    return words, None, ""


#: a variable that may say where to listen (`PORT`, `LISTEN_ADDR`, `HTTP_BIND`, `SERVER_PORT`)
LISTEN_VARIABLE = re.compile(r"[A-Z0-9_]*(?:PORT|LISTEN|ADDR|ADDRESS|BIND)[A-Z0-9_]*")


def environment(target: Target, name: Any, value: Any, evidence: Evidence, source: str) -> List[Statement]:
    """What one stated environment variable means: the port (and the setting that moves it, for a language
    with `port_setting`), or an answer the language reads from ENV (`Language.env_answers`)."""
    if not isinstance(name, str) or not isinstance(value, (str, int)) or isinstance(value, bool):
        return []
    value = str(value)
    wanted = dict(target.language.env_answers)
    if name in wanted:
        return [Statement(wanted[name], value, evidence, source)]
    if name == "PORT":
        return [Statement("port", int(value) if value.isdigit() else value, evidence, source)]
    listens = LISTEN_VARIABLE.fullmatch(name) and not NOT_THE_APP.search(name)  # DB_PORT: where its database is
    match = LISTEN_VALUE.fullmatch(value) if listens else None
    if match is None or match.group("port") == "PORT":
        return []
    found = [Statement("port", int(match.group("port")), evidence, source)]
    host = match.group("host")
    if target.language.field("port_setting") is not None and (host is None or host in ALL_INTERFACES):
        found.append(Statement("port_setting", f"{name}={'0.0.0.0:' if host is not None else ''}PORT", evidence,
                               source))
    return found
