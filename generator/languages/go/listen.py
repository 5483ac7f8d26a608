"""Where a Go program listens: its listener calls, the address each is given, and how to change it.

A listener is a call that binds a socket (`http.ListenAndServe`, `net.Listen`, a
framework's `Run`/`Start`/`Listen`); how each call takes its address is one entry of
`LISTEN_RULES`, and the frameworks are data (`FRAMEWORKS`). The address argument is
followed back by the expression evaluator (`expr`: literals, concatenations,
`fmt.Sprintf`, variables, flag defaults, environment reads with a fallback, viper
defaults, struct fields set elsewhere). What it finds carries the flag or environment
variable that sets it (a `Knob`), so that an address bound to loopback can be moved to
all interfaces from the command line. When no listener's address is found, the options
the program declares (`options`) named like a port or address are the fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Callable, Dict, Iterator, List, Optional, Set, Tuple

from generator.detect.model import Evidence
from generator.languages.go.expr import ENV_READ, Evaluator
from generator.languages.go.options import declared_options
from generator.languages.go.source import GoSource, reachable
from generator.languages.go.values import Found, Knob, call_args, join, literal

#: a cheap test of a whole file: could it hold a listener, a flag, a default or an env read?
HINT = re.compile(r"Listen|Serve|\.Run\(|\.Start|Addr|Port|PORT|port\b|Flag|SetDefault|Getenv|LookupEnv")
LISTEN_CALL = re.compile(r"\b(?P<fn>ListenAndServe(?:TLS)?|Listen(?:TLS)?|Start(?:TLS)?|Run(?:TLS)?)\s*\(")
#: the receiver before a call: `http.`, `e.`, `api.NewServer().` (looked for in the text just before it)
RECEIVER = re.compile(r"(?:[A-Za-z_]\w*(?:\(\))?\.)+$")
SERVER_LITERAL = re.compile(r"\b(\w+)\.Server\s*\{")
HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]*\]|[\w.-]*):(?P<port>\d{1,5})$")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
PORT_READ = re.compile(r"\b(?:Getenv|LookupEnv)\(\s*\"PORT\"\s*\)")
#: words of option names that name another port than the app's (metrics, a database, ...)
OTHER_WORDS = frozenset({"metrics", "metric", "debug", "admin", "grpc", "pprof", "health", "db", "database",
                         "redis", "postgres", "mysql", "smtp", "mail", "proxy", "upstream", "backend", "target",
                         "remote", "prometheus", "profiler", "tls", "https", "internal", "management", "stats"})
#: functions whose listener is an extra one (debug, metrics, redirect), not the app's
SIDE_LISTENER = re.compile(r"(?i)debug|metric|pprof|redirect|health|admin|prom")
#: frameworks whose Run/Start/Listen is a listener (import path prefixes)
FRAMEWORKS = {
    "Run": ("github.com/gin-gonic/gin", "github.com/kataras/iris", "github.com/beego/beego", "github.com/astaxie/beego"),
    "Start": ("github.com/labstack/echo",),
    "Listen": ("github.com/gofiber/fiber", "github.com/valyala/fasthttp"),
}
#: packages whose ListenAndServe takes its address from a flag configuration, by import path: the argument's index
#: (the exporter toolkit's web.ListenAndServe(server, flags, logger) listens on --web.listen-address)
FLAG_CONFIG_SERVERS = {"github.com/prometheus/exporter-toolkit/web": 1}
#: the packages whose Listen("tcp", addr) binds a socket, by import path and by their usual name
NET_PACKAGES = ("net", "crypto/tls")
NET_NAMES = ("net", "tls")


@dataclass(frozen=True)
class Listener:
    source: GoSource
    line: int  # 0-based
    call: str
    #: the address argument (None: the call takes none; the address is a struct's Addr, or a default)
    argument: Optional[str]
    #: the function holding the call (None: top-level code)
    function: Optional[str]

    @property
    def evidence(self) -> Evidence:
        return self.source.evidence(self.line)

    @property
    def side(self) -> bool:
        """A debug/metrics/redirect listener beside the app's own."""
        return bool(self.function and SIDE_LISTENER.search(self.function))


@dataclass(frozen=True)
class Address:
    """Where the program listens: port, host, the evidence, what sets it, how sure we are."""

    port: int
    host: str
    evidence: Optional[Evidence]
    knob: Optional[Knob]
    weak: str = ""
    listener: Optional[Listener] = None
    indirect: bool = False

    @property
    def loopback(self) -> bool:
        return self.host.strip("[]") in {h.strip("[]") for h in LOOPBACK}


# -- reading calls -------------------------------------------------------------------


def parse_address(value: str) -> Optional[Tuple[str, int]]:
    """(host, port) of "host:port", ":port" or "port"; None for anything else or port 0."""
    match = HOST_PORT.match(value)
    host, digits = (match.group("host"), match.group("port")) if match else ("", value)
    if not re.fullmatch(r"\d{1,5}", digits):
        return None
    port = int(digits)
    return (host, port) if 1 <= port <= 65535 else None


def option_kind(name: str) -> Optional[str]:
    """"port", "address" or "host" for an option that sets where the app listens; None otherwise."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    if not words or any(w in OTHER_WORDS for w in words):
        return None
    last = words[-1]
    if last == "port" or last.endswith("port"):
        return "port"
    if last in ("addr", "address", "listen", "bind", "http", "listenaddr", "httpaddr", "bindaddr"):
        return "address"
    if last == "host" and len(words) <= 2:
        return "host"
    return None


# -- the program -----------------------------------------------------------------------


class Program(Evaluator):
    """One main package and the module packages it imports (in import order), read lazily."""

    def __init__(self, main: List[GoSource], packages: Dict[str, List[GoSource]]) -> None:
        super().__init__(main, packages)
        self.local_paths = set(packages)

    # -- listeners -------------------------------------------------------------------

    def listeners(self) -> List[Listener]:
        """Every listener that can run: in the main package only where main() reaches it."""
        found: List[Listener] = []
        for source in self.main:
            found.extend(c for c in _listeners(source) if c.function is None or c.function in self.live)
        for package in self.libraries:
            for source in package:
                found.extend(c for c in _listeners(source) if self._called(c))
        if not found:  # no listener we know, but $PORT is read: a server of a framework we do not know
            for source in self.everything:
                for index, text in enumerate(source.code_lines if "PORT" in source.text else []):
                    if PORT_READ.search(text):
                        found.append(Listener(source, index, "$PORT", None, source.unit_at(index)))
                        return found
        return found

    def _called(self, listener: Listener) -> bool:
        """A library listener counts when the program mentions the function holding it.

        By name, from the main package outward; `os.Open` does not call a method Open
        of ours (a selector on another package's name is not a call of ours).
        """
        if listener.function is None:
            return True
        wanted, seen = [listener.function], set()  # type: Tuple[List[str], Set[str]]
        while wanted:
            name = wanted.pop()
            if name in seen or len(seen) > 64:
                continue
            seen.add(name)
            pattern = re.compile(r"(?:(\w+)\.)?\b" + re.escape(name) + r"\b")
            for source in self.everything:
                if name not in source.code:
                    continue
                for match in pattern.finditer(source.code):
                    if match.group(1) in source.aliases and not self._ours(source, match.group(1)):
                        continue
                    line = source.line_of(match.start())
                    if source.code_lines[line].startswith("func") and source.unit_at(line) == name:
                        continue  # its own declaration
                    holder = source.unit_at(line)
                    if source in self.main:
                        if holder is None or holder in self.live:
                            return True
                    elif holder is None:
                        return True
                    else:
                        wanted.append(holder)
        return False

    def _ours(self, source: GoSource, alias: str) -> bool:
        """Whether an import alias of `source` names a package of this program."""
        return source.aliases.get(alias, "") in self.local_paths

    @cached_property
    def live(self) -> Set[str]:
        """The functions of the main package that main() and init() reach."""
        return reachable(self.main)

    def reaches(self, source: GoSource, listener: Listener) -> bool:
        """Whether code in `source` leads to the listener: in it, in a package it imports, or by name."""
        if listener.source is source:
            return True
        todo, seen = [imp.path for imp in source.imports], set()
        while todo:
            path = todo.pop()
            if path in seen or path not in self.packages:
                continue
            seen.add(path)
            if listener.source in self.packages[path]:
                return True
            todo.extend(imp.path for s in self.packages[path] for imp in s.imports)
        package = self._package_of.get(source.path, [])
        if listener.source in package and listener.function:
            roots = tuple(name for refs in source.unit_refs.values() for name in refs)
            return listener.function in reachable(package, roots, top_level=False)
        return False

    # -- the address -----------------------------------------------------------------

    def address(self) -> Tuple[Optional[Address], List[Listener]]:
        """Where the program listens (None: not found) and every listener that can run."""
        listeners = self.listeners()
        own = [c for c in listeners if not c.side] or listeners  # a debug or redirect port is not the app's
        addresses: List[Address] = []
        for listener in own:
            found = self._listener_address(listener)
            if found is None or found.value is None:
                continue
            parsed = parse_address(found.value)
            if parsed:
                addresses.append(Address(parsed[1], parsed[0], found.evidence or listener.evidence,
                                         _role(found.knob, found.value), found.weak, listener, found.indirect))
        if addresses and addresses[0].indirect:
            preferred = self._fallback(listeners, main_only=True)  # a port flag of the main package
            if preferred:
                return preferred, listeners
        if addresses:
            first = addresses[0]
            others = sorted({a.port for a in addresses if a.port != first.port})
            if others:
                first = replace(first, weak=join(first.weak, "the program also listens on " +
                                                  ", ".join(str(p) for p in others)))
            return first, listeners
        if not listeners:
            return None, listeners
        return self._fallback(listeners), listeners

    def _listener_address(self, listener: Listener) -> Optional[Found]:
        source = listener.source
        if listener.call == "$PORT":
            near = self._near_default(source, listener.line)
            weak = "no listener call recognised; the program reads $PORT"
            return replace(near, weak=weak) if near else Found(None, None, weak=weak)
        if listener.argument is None:
            if listener.call.startswith("Run"):
                return Found("8080", listener.evidence, weak="gin's default: Run() without an address listens on :8080")
            return self.field("Addr", source)
        return self.resolve(listener.argument, source, listener.line)

    def _fallback(self, listeners: List[Listener], main_only: bool = False) -> Optional[Address]:
        """A listener whose address we could not follow: the option named like a port, else nothing."""
        for found, what in self._options(self.main if main_only else self.everything):
            parsed = parse_address(found.value or "")
            if parsed:
                weak = join(found.weak, f"the default of {what}, not traced to the listener")
                return Address(parsed[1], parsed[0], found.evidence, _role(found.knob, found.value or ""), weak,
                               listeners[0])
        return None

    def _options(self, sources: List[GoSource]) -> Iterator[Tuple[Found, str]]:
        """Flags, viper keys and env defaults named like a listen address or port, main package first."""
        for source in sources:
            if not HINT.search(source.text):
                continue
            for found in declared_options(source):
                assert found.knob is not None
                if option_kind(found.knob.name) in ("port", "address"):
                    label = "environment variable" if found.knob.kind == "env" else found.knob.kind
                    yield found, f"{label} {found.knob.name}"
            for line, text in enumerate(source.code_lines):
                if "PORT" in text and ENV_READ.search(text):
                    near = self._near_default(source, line)
                    if near:
                        yield near, "$PORT"

    def _near_default(self, source: GoSource, line: int) -> Optional[Found]:
        """The fallback written next to an os.Getenv("PORT") (the lines around it)."""
        for index in sorted(range(max(0, line - 3), min(len(source.code_lines), line + 6)), key=lambda i: abs(i - line)):
            match = re.search(r"(?:[=,(]|\breturn)\s*\"(:?\d{1,5})\"", source.code_lines[index])
            if match:
                return Found(match.group(1), source.evidence(index), Knob("env", "PORT", source.evidence(line), "port"))
        return None

def _role(knob: Optional[Knob], value: str) -> Optional[Knob]:
    """The knob's role from the shape of the value it sets, unless a concatenation said it."""
    if knob is None or knob.role != "address":
        return knob
    if ":" in value:
        return knob
    return replace(knob, role="port" if value.isdigit() else "host")


def _listeners(source: GoSource) -> List[Listener]:
    """The listener calls of one file (worked out once per file)."""
    if "listeners" not in source.memo:
        source.memo["listeners"] = _find_listeners(source) if HINT.search(source.text) else []
    return list(source.memo["listeners"])


def _find_listeners(source: GoSource) -> List[Listener]:
    found = [listener for match in LISTEN_CALL.finditer(source.code) for listener in [_listener_call(source, match)]
             if listener is not None]
    return found + _server_literals(source)


@dataclass(frozen=True)
class _Site:
    """A call that may be a listener: its receiver (`http`, `e`, "" for none), the package that names, its arguments."""

    source: GoSource
    owner: str
    package: str
    args: List[str]


def _listener_call(source: GoSource, match: "re.Match[str]") -> Optional[Listener]:
    """The listener a `Listen`/`Serve`/`Run`/`Start` call is, by the rule of its name; None when it is none."""
    code, fn = source.code, match.group("fn")
    before = code[max(0, match.start() - 120):match.start()]
    receiver = RECEIVER.search(before)
    recv = receiver.group(0) if receiver else ""
    edge = before[:len(before) - len(recv)][-1:]
    if edge and (edge.isalnum() or edge in "._"):
        return None  # part of a longer name, or a call on an expression we do not follow
    line = source.line_of(match.start())
    if re.match(r"^func\s*(?:\([^)]*\)\s*)?" + fn + r"\s*\(", source.code_lines[line]):
        return None  # its declaration
    args = call_args(code, match.end() - 1)
    if args is None:
        return None
    owner = recv[:-1]
    site = _Site(source, owner, source.aliases.get(owner, "") if owner else "", args)
    rule = LISTEN_RULES[fn[:-3] if fn.endswith("TLS") else fn]
    listens, argument = rule(site)
    return Listener(source, line, fn, argument, source.unit_at(line)) if listens else None


def _serve_argument(site: _Site) -> Tuple[bool, Optional[str]]:
    """http.ListenAndServe(addr, h) takes it; srv.ListenAndServe() uses the server's Addr; the exporter toolkit's
    web.ListenAndServe(srv, flags, logger) the flags' listen address."""
    index = FLAG_CONFIG_SERVERS.get(site.package)
    if index is not None:
        return True, site.args[index] if len(site.args) > index else None
    return True, site.args[0] if site.args and (site.package or not site.owner) else None


def _listen_argument(site: _Site) -> Tuple[bool, Optional[str]]:
    """net.Listen("tcp", addr), tls.Listen(...); a framework app's Listen(addr)."""
    if site.package in NET_PACKAGES or (site.owner in NET_NAMES and not site.package):
        if len(site.args) < 2 or literal(site.args[0]) not in ("tcp", "tcp4", "tcp6"):
            return False, None
        return True, site.args[1]
    return _engine_argument(site, "Listen") if site.owner and not site.package else (False, None)


def _engine_argument(site: _Site, base: str) -> Tuple[bool, Optional[str]]:
    """An engine's Run/Start/Listen: a method, in a file of that framework or given an address."""
    if not site.owner or site.package:
        return False, None
    if not (site.source.imports_any(*FRAMEWORKS[base]) or (site.args and _address_literal(site.args[0]))):
        return False, None
    return True, site.args[0] if site.args else None


#: how each listener call takes its address, by the call's name without TLS: (listens?, address argument)
LISTEN_RULES: Dict[str, Callable[[_Site], Tuple[bool, Optional[str]]]] = {
    "ListenAndServe": _serve_argument,
    "Listen": _listen_argument,
    "Run": lambda site: _engine_argument(site, "Run"),
    "Start": lambda site: _engine_argument(site, "Start"),
}


def _server_literals(source: GoSource) -> List[Listener]:
    """`&http.Server{Addr: addr}`: a server whose ListenAndServe() takes the Addr field."""
    code = source.code
    found: List[Listener] = []
    for match in SERVER_LITERAL.finditer(code):
        if source.aliases.get(match.group(1)) != "net/http":
            continue
        fields = call_args(code, match.end() - 1) or []
        addr = next((f.split(":", 1)[1] for f in fields if re.match(r"Addr\s*:", f)), None)
        if addr is not None:
            line = source.line_of(match.start())
            found.append(Listener(source, line, "Server", addr.strip(), source.unit_at(line)))
    return found


def _address_literal(expr: str) -> bool:
    value = literal(expr)
    return value is not None and HOST_PORT.match(value) is not None
