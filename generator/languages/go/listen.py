"""Where a Go program listens: its listener calls, the address each is given, and how to change it.

A listener is a call that binds a socket (`http.ListenAndServe`, `net.Listen`, a
framework's `Run`/`Start`/`Listen`). Its address argument is followed back through
the code of the program, without running anything: literals, concatenations,
`fmt.Sprintf`, variables and constants (nearest assignment first), flag defaults
(`flag.String("port", ":3000", ...)` then `*port`), environment reads with a fallback
(`getEnv("X", "80")`, `cmp.Or(os.Getenv("X"), "9020")`), viper defaults and struct
fields set elsewhere in the module (`ListenAddr: "127.0.0.1:8787"`). What it finds
carries the flag or environment variable that sets it (a `Knob`), so that an address
bound to loopback can be moved to all interfaces from the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

from generator.detect.model import Evidence
from generator.languages.go.source import GoSource, reachable

#: a cheap test of a whole file: could it hold a listener, a flag, a default or an env read?
HINT = re.compile(r"Listen|Serve|\.Run\(|\.Start|Addr|Port|PORT|port\b|Flag|SetDefault|Getenv|LookupEnv")
LISTEN_CALL = re.compile(r"\b(?P<fn>ListenAndServe(?:TLS)?|Listen(?:TLS)?|Start(?:TLS)?|Run(?:TLS)?)\s*\(")
#: the receiver before a call: `http.`, `e.`, `api.NewServer().` (looked for in the text just before it)
RECEIVER = re.compile(r"(?:[A-Za-z_]\w*(?:\(\))?\.)+$")
SERVER_LITERAL = re.compile(r"\b(\w+)\.Server\s*\{")
HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]*\]|[\w.-]*):(?P<port>\d{1,5})$")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
#: flag and viper/kingpin/urfave declarations: the option name, then its default
FLAG_PTR = re.compile(r"\.(?:String|Int|Int64|Int32|Uint|Uint16|Uint32|Uint64)P?\(\s*\"")
FLAG_VAR = re.compile(r"\.(?:String|Int|Int64|Int32|Uint|Uint16|Uint32|Uint64)VarP?\(\s*&")
SET_DEFAULT = re.compile(r"\bSetDefault\(\s*\"(?P<name>[^\"]+)\"\s*,")
KINGPIN = re.compile(r'\b\w*Flag\(\s*(?:\w+\s*,\s*)?"(?P<name>[\w.-]+)"\s*,\s*"(?:[^"\\\n]|\\.)*"\s*\)'
                     r'(?:\s*\.\s*\w+\([^()\n]*\))*?\s*\.\s*Default\(\s*"(?P<value>[^"]*)"')
URFAVE = re.compile(r"(?:String|Int|Uint)Flag\s*\{[^}]*?\bName:\s*\"(?P<name>[^\"]+)\"[^}]*?\bValue:\s*(?P<value>\"[^\"]*\"|\d+)",
                    re.S)
ENV_TAG = re.compile(r"`[^`\n]*\benv(?:config)?:\"(?P<env>\w+)[^\"]*\"[^`\n]*\b(?:envDefault|default):\"(?P<value>[^\"]*)\"")
PORT_READ = re.compile(r"\b(?:Getenv|LookupEnv)\(\s*\"PORT\"\s*\)")
ENV_READ = re.compile(r"\b(?:os|syscall)\.(?:Getenv|LookupEnv)\(")
#: names of functions that read an environment variable with a fallback: getEnv("X", "80")
ENV_HELPER = re.compile(r"(?i)env|lookup|getor|ordefault")
ASSIGN = re.compile(r"(?<![=!<>:+\-*/%&|^])(:=|=)(?!=)")
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
MAX_DEPTH = 8


@dataclass(frozen=True)
class Knob:
    """What sets a value from outside: a command-line flag or an environment variable."""

    kind: str  # "flag" or "env"
    name: str
    evidence: Optional[Evidence]
    #: what the knob's value is: "address" (host:port), "port" or "host"
    role: str = "address"


@dataclass(frozen=True)
class Found:
    """A value followed back to where it is written (None: not found), and what sets it."""

    value: Optional[str]
    evidence: Optional[Evidence]
    knob: Optional[Knob] = None
    weak: str = ""
    #: found through a struct field set in another file: any struct with that field could be it
    indirect: bool = False


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


def call_args(code: str, start: int) -> Optional[List[str]]:
    """The top-level arguments of the call whose "(" is at `start` (None when unbalanced)."""
    depth, index = 0, start
    args: List[str] = []
    current: List[str] = []
    while index < len(code):
        char = code[index]
        if char == '"':
            end = index + 1
            while end < len(code) and code[end] != '"' and code[end] != "\n":
                end += 2 if code[end] == "\\" else 1
            current.append(code[index:end + 1])
            index = end + 1
            continue
        if char in "([{":
            depth += 1
            if depth > 1:
                current.append(char)
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                last = "".join(current).strip()
                if last or args:
                    args.append(last)
                return args
            current.append(char)
        elif char == "," and depth == 1:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
        if index - start > 4000:
            return None
    return None


def split_top(expr: str, separator: str) -> List[str]:
    """`expr` split on `separator` outside brackets and strings."""
    parts, depth, current, in_string = [], 0, [], False
    index = 0
    while index < len(expr):
        char = expr[index]
        if in_string:
            current.append(char)
            if char == "\\" and index + 1 < len(expr):
                current.append(expr[index + 1])
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            current.append(char)
        elif char in "([{":
            depth += 1
            current.append(char)
        elif char in ")]}":
            depth -= 1
            current.append(char)
        elif char == separator and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current).strip())
    return parts


def literal(expr: str) -> Optional[str]:
    """The value of a string or integer literal (None for anything else)."""
    expr = expr.strip()
    if len(expr) >= 2 and expr[0] == '"' and expr[-1] == '"' and '"' not in expr[1:-1].replace('\\"', ""):
        return expr[1:-1].replace('\\"', '"')
    if re.fullmatch(r"\d{1,5}", expr):
        return expr
    return None


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


class Program:
    """One main package and the module packages it imports (in import order), read lazily."""

    def __init__(self, main: List[GoSource], packages: Dict[str, List[GoSource]]) -> None:
        self.main = main
        #: the packages it imports from the build, by import path, nearest first
        self.packages = packages
        self.local_paths = set(packages)
        libraries = list(packages.values())
        self.libraries = libraries
        self.everything = main + [s for package in libraries for s in package]
        self._package_of: Dict[str, List[GoSource]] = {}
        for package in [main, *libraries]:
            for source in package:
                self._package_of[source.path] = package
        self._stack: Set[Tuple[str, str, int]] = set()

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
                first = replace(first, weak=_join(first.weak, "the program also listens on " +
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
            return self._field("Addr", source, listener.line)
        return self.resolve(listener.argument, source, listener.line)

    def _fallback(self, listeners: List[Listener], main_only: bool = False) -> Optional[Address]:
        """A listener whose address we could not follow: the option named like a port, else nothing."""
        for found, what in self._options(self.main if main_only else self.everything):
            parsed = parse_address(found.value or "")
            if parsed:
                weak = _join(found.weak, f"the default of {what}, not traced to the listener")
                return Address(parsed[1], parsed[0], found.evidence, _role(found.knob, found.value or ""), weak,
                               listeners[0])
        return None

    def _options(self, sources: List[GoSource]) -> Iterator[Tuple[Found, str]]:
        """Flags, viper keys and env defaults named like a listen address or port, main package first."""
        for source in sources:
            if not HINT.search(source.text):
                continue
            for found in _declared_options(source):
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

    # -- following values back -----------------------------------------------------------

    def resolve(self, expr: str, source: GoSource, line: int, depth: int = 0) -> Optional[Found]:
        """The value of an expression at a line of `source`, followed back (None: unknown)."""
        expr = expr.strip()
        key = (expr, source.path, line)
        if depth > MAX_DEPTH or key in self._stack or not expr:
            return None
        self._stack.add(key)
        try:
            return self._resolve(expr, source, line, depth + 1)
        finally:
            self._stack.discard(key)

    def _resolve(self, expr: str, source: GoSource, line: int, depth: int) -> Optional[Found]:
        value = literal(expr)
        if value is not None:
            return Found(value, source.evidence(line))
        while expr.startswith("(") and expr.endswith(")") and split_top(expr[1:-1], ")") == [expr[1:-1]]:
            expr = expr[1:-1].strip()
        parts = split_top(expr, "+")
        if len(parts) > 1:
            return self._concat([self.resolve(p, source, line, depth) for p in parts], parts)
        if expr.startswith("*") or expr.startswith("&"):
            return self.resolve(expr[1:], source, line, depth)
        call = re.match(r"^([\w.]+)\s*\(", expr)
        if call and expr.endswith(")"):
            return self._call(call.group(1), call_args(expr, call.end() - 1) or [], source, line, depth)
        if re.fullmatch(r"[A-Za-z_]\w*", expr):
            return self._identifier(expr, source, line, depth)
        if re.fullmatch(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", expr):
            return self._field(expr.rsplit(".", 1)[1], source, line, depth)
        return None

    def _concat(self, parts: List[Optional[Found]], texts: List[str]) -> Optional[Found]:
        """"host:" + port, ":" + port: the pieces joined; a knob of one piece sets that part."""
        values = [p.value if p and p.value is not None else None for p in parts]
        if all(v is None for v in values):
            knobbed = next((p for p in parts if p and p.knob), None)
            return Found(None, None, knobbed.knob) if knobbed else None
        joined = "".join(v if v is not None else "\0" for v in values)
        knob, weak = None, ""
        for index, part in enumerate(parts):
            if part and part.knob and knob is None:
                before = "".join(v or "" for v in values[:index])
                role = "port" if before.endswith(":") else "host" if "".join(v or "" for v in values[index + 1:]).startswith(":") else part.knob.role
                knob = replace(part.knob, role=role)
            if part and part.weak:
                weak = part.weak
        indirect = any(p.indirect for p in parts if p)
        followed = [p.evidence for p, text in zip(parts, texts) if p and p.evidence and literal(text) is None]
        anywhere = [p.evidence for p in parts if p and p.evidence]
        evidence: Optional[Evidence] = (followed or anywhere)[0] if followed or anywhere else None
        if "\0" in joined:
            host, _, port = joined.rpartition(":")
            if "\0" in port:
                return Found(None, evidence, knob, weak, indirect) if knob else None
            joined = (host if "\0" not in host else "") + ":" + port
        return Found(joined, evidence, knob, weak, indirect)

    def _call(self, name: str, args: List[str], source: GoSource, line: int, depth: int) -> Optional[Found]:
        short = name.rsplit(".", 1)[-1]
        if short == "Sprintf" and args:
            return self._sprintf(args, source, line, depth)
        if short == "JoinHostPort" and len(args) == 2:  # net.JoinHostPort(host, port)
            return self._concat([self.resolve(args[0], source, line, depth), Found(":", None),
                                 self.resolve(args[1], source, line, depth)], [args[0], '":"', args[1]])
        if short.lower() in ("getenv", "lookupenv", "mustgetenv", "env") and len(args) == 1:
            env = self.resolve(args[0], source, line, depth)
            if env and env.value:
                return Found(None, None, Knob("env", env.value, source.evidence(line), "address"))
            return None
        if short in ("GetString", "GetInt", "Get") and args and name.split(".")[0] in ("viper", "v", "cfg", "config"):
            key = literal(args[0])
            return self._viper(key) if key else None
        if short == "Or" and args:  # cmp.Or(os.Getenv("X"), "9020"): the first non-empty
            return _merge([self.resolve(a, source, line, depth) for a in args])
        flag = _flag_call(short, args)
        if flag is not None:
            option, default = flag
            found = self.resolve(default, source, line, depth) if default else None
            return Found(found.value if found else None, source.evidence(line),
                         Knob("flag", option, source.evidence(line), "address"), found.weak if found else "")
        if len(args) >= 2 and ENV_HELPER.search(short):
            env = self.resolve(args[0], source, line, depth)
            fallback = self.resolve(args[1], source, line, depth)
            if env and env.value and re.fullmatch(r"[A-Z_][A-Z0-9_]*", env.value):
                return Found(fallback.value if fallback else None, fallback.evidence if fallback else source.evidence(line),
                             Knob("env", env.value, source.evidence(line), "address"))
        if args:  # a conversion or wrapper: strconv.Itoa(port), iris.Addr(":8080")
            inner = self.resolve(args[0], source, line, depth)
            if inner:
                return inner
        if not args and "." not in name:  # a function of ours returning the value
            return self._returns(name, source, depth)
        return None

    def _sprintf(self, args: List[str], source: GoSource, line: int, depth: int) -> Optional[Found]:
        form = literal(args[0])
        if form is None:
            return None
        values = [self.resolve(a, source, line, depth) for a in args[1:]]
        pieces: List[Optional[Found]] = []
        texts: List[str] = []
        verbs = list(re.finditer(r"%[-+# 0-9.]*[dsvq]", form))
        last = 0
        for index, verb in enumerate(verbs):
            pieces.append(Found(form[last:verb.start()], source.evidence(line)))
            texts.append('"x"')
            pieces.append(values[index] if index < len(values) else None)
            texts.append("x")
            last = verb.end()
        pieces.append(Found(form[last:], source.evidence(line)))
        texts.append('"x"')
        return self._concat(pieces, texts)

    def _returns(self, function: str, source: GoSource, depth: int) -> Optional[Found]:
        """What a function of the package returns: its literals and env reads, merged."""
        results: List[Optional[Found]] = []
        for other in self._package_of.get(source.path, [source]):
            for name, first, last in other.units:
                if name != function:
                    continue
                for index in range(first, last + 1):
                    text = other.code_lines[index]
                    match = re.search(r"\breturn\s+(.+)$", text)
                    if match:
                        results.append(self.resolve(split_top(match.group(1), ",")[0], other, index, depth))
                    elif ENV_READ.search(text) or ASSIGN.search(text):
                        rhs = _rhs(text)
                        if rhs and ENV_READ.search(rhs):
                            results.append(self.resolve(rhs, other, index, depth))
        return _merge(results)

    def _viper(self, key: str) -> Optional[Found]:
        for source in self.everything:
            if "SetDefault" not in source.code:
                continue
            for match in SET_DEFAULT.finditer(source.code):
                if match.group("name") != key:
                    continue
                args = call_args(source.code, source.code.index("(", match.start()))
                line = source.line_of(match.start())
                value = self.resolve(args[1], source, line) if args and len(args) > 1 else None
                return Found(value.value if value else None, source.evidence(line),
                             Knob("config", key, source.evidence(line), "address"))
        return None

    def _identifier(self, name: str, source: GoSource, line: int, depth: int) -> Optional[Found]:
        """A variable or constant: its nearest assignments in the function, else the file, else the package."""
        near = self._assignments(name, source, line, depth, local=True)
        if near:
            return near
        for other in [source] + [s for s in self._package_of.get(source.path, []) if s is not source]:
            found = self._assignments(name, other, None, depth, local=False)
            if found:
                return found
        return None

    def _assignments(self, name: str, source: GoSource, line: Optional[int], depth: int, local: bool) -> Optional[Found]:
        """`name`'s values in `source`: in the function holding `line` up to it, nearest first and back to
        its declaration (local), or its package-level declarations and flag bindings (not local)."""
        if name not in source.code:
            return None
        unit = source.unit_at(line) if line is not None else None
        if local and (unit is None or line is None):
            return None
        pattern = re.compile(r"\b" + re.escape(name) + r"\b")
        binding = re.compile(r"\.(?:String|Int|Int64|Int32|Uint|Uint16|Uint32|Uint64)VarP?\(\s*&" + re.escape(name) + r"\s*,")
        hits: List[Tuple[int, Optional[Found], bool]] = []  # (line, value, declares)
        for index, text in enumerate(source.code_lines):
            if name not in text or not pattern.search(text):
                continue
            bound = binding.search(text)
            if local and (index > line or source.unit_at(index) != unit):  # type: ignore[operator]
                continue
            if bound:
                offset = source.offset(index) + bound.start()
                args = call_args(source.code, source.code.index("(", offset)) or []
                hits.append((index, self._call(bound.group(0)[1:].split("(")[0], args, source, index, depth), True))
                continue
            if not local and source.unit_at(index) is not None:
                continue
            rhs = _assigned(name, text)
            if rhs is not None:
                declares = ":=" in text or text.lstrip().startswith(("var", "const"))
                hits.append((index, self.resolve(rhs, source, index, depth), declares))
        if local:
            hits.sort(key=lambda hit: -hit[0])
        results: List[Optional[Found]] = []
        for _, found, declares in hits:
            results.append(found)
            if local and declares:
                break
        return _merge(results)

    def _field(self, field: str, source: GoSource, line: int, depth: int = 0) -> Optional[Found]:
        """A struct field (cfg.ListenAddr, s.Addr): set in this file, else anywhere in the program."""
        key_value = re.compile(r"(?<![\w.])" + re.escape(field) + r"\s*:\s*(?!=)")
        setter = re.compile(r"\." + re.escape(field) + r"\s*=(?!=)\s*")
        results: List[Optional[Found]] = []
        for candidates in ([source], [s for s in self.everything if s is not source]):
            for other in candidates:
                if field not in other.code:
                    continue
                for index, text in enumerate(other.code_lines):
                    if field not in text:
                        continue
                    match = key_value.search(text) or setter.search(text)
                    if not match:
                        continue
                    rhs = split_top(text[match.end():].rstrip().rstrip("{").rstrip(), ",")[0].rstrip("}").strip()
                    found = self.resolve(rhs, other, index, depth) if rhs else None
                    if found and other is not source:
                        found = replace(found, indirect=True, weak=_join(
                            found.weak, f"followed through the field {field} set at {other.evidence(index)}"))
                    results.append(found)
            merged = _merge(results)
            if merged and merged.value is not None:
                return merged
        return _merge(results)


def _role(knob: Optional[Knob], value: str) -> Optional[Knob]:
    """The knob's role from the shape of the value it sets, unless a concatenation said it."""
    if knob is None or knob.role != "address":
        return knob
    if ":" in value:
        return knob
    return replace(knob, role="port" if value.isdigit() else "host")


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _merge(results: Sequence[Optional[Found]]) -> Optional[Found]:
    """The first value found and the first knob found, across several candidate sources."""
    present = [r for r in results if r is not None]
    if not present:
        return None
    valued = next((r for r in present if r.value is not None), None)
    knob = next((r.knob for r in present if r.knob is not None), None)
    if valued is None:
        return Found(None, None, knob) if knob else None
    return Found(valued.value, valued.evidence, valued.knob or knob, valued.weak, valued.indirect)


def _flag_call(short: str, args: List[str]) -> Optional[Tuple[str, str]]:
    """(option name, default expression) of a flag/pflag declaration call, else None."""
    match = re.fullmatch(r"(?:String|Int|Int64|Int32|Uint|Uint16|Uint32|Uint64)(Var)?(P)?", short)
    if not match:
        return None
    offset = (1 if match.group(1) else 0)
    shorthand = 1 if match.group(2) else 0
    if len(args) != offset + shorthand + 3:
        return None
    name = literal(args[offset])
    if name is None or not re.fullmatch(r"[\w.-]+", name):
        return None
    return name, args[offset + 1 + shorthand]


def _assigned(name: str, text: str) -> Optional[str]:
    """The expression assigned to `name` on this line (`name := E`, `x, name = a, b`, `var name T = E`)."""
    match = ASSIGN.search(text)
    if not match:
        return None
    lhs = re.sub(r"^\s*(?:if|for|switch|var|const)\s+", "", text[:match.start()]).strip()
    rhs = text[match.end():].split(";")[0].strip().rstrip("{").strip()
    targets = [t.strip() for t in split_top(lhs, ",")]
    names = [t.split()[0] if t.split() else t for t in targets]
    if name not in names and not any(n.endswith("." + name) for n in names):
        return None
    values = split_top(rhs, ",")
    position = next(i for i, n in enumerate(names) if n == name or n.endswith("." + name))
    if len(values) == len(names):
        return values[position]
    return rhs if len(names) == 1 or position == 0 else None


def _rhs(text: str) -> Optional[str]:
    match = ASSIGN.search(text)
    return text[match.end():].split(";")[0].strip() if match else None


def _declared_options(source: GoSource) -> List[Found]:
    """Flags (flag, pflag, kingpin, urfave/cli), viper defaults and env struct tags of one file (once per file)."""
    if "options" not in source.memo:
        source.memo["options"] = list(_find_options(source))
    return list(source.memo["options"])


def _find_options(source: GoSource) -> Iterator[Found]:
    code = source.code
    for pattern in (FLAG_PTR, FLAG_VAR):
        for match in pattern.finditer(code):
            start = code.index("(", match.start())
            args = call_args(code, start) or []
            flag = _flag_call(code[match.start() + 1:start], args)
            if flag:
                line = source.line_of(match.start())
                value = literal(flag[1])
                if value is None:
                    helper = re.match(r"^[\w.]+\((.*)\)$", flag[1])
                    inner = split_top(helper.group(1), ",") if helper else []
                    value = literal(inner[-1]) if inner else None
                yield Found(value, source.evidence(line), Knob("flag", flag[0], source.evidence(line)))
    for match in SET_DEFAULT.finditer(code):
        args = call_args(code, code.index("(", match.start())) or []
        if len(args) == 2:
            line = source.line_of(match.start())
            yield Found(literal(args[1]), source.evidence(line), Knob("config", match.group("name"), source.evidence(line)))
    for pattern, needle in ((KINGPIN, "Default("), (URFAVE, "Flag")):
        if needle not in code:
            continue
        for match in pattern.finditer(code):
            line = source.line_of(match.start())
            yield Found(literal(match.group("value")) or match.group("value"), source.evidence(line),
                        Knob("flag", match.group("name"), source.evidence(line)))
    if "default:" in source.text or "envDefault:" in source.text:
        for index, text in enumerate(source.raw_lines):
            tag = ENV_TAG.search(text)
            if tag:
                yield Found(tag.group("value"), source.evidence(index), Knob("env", tag.group("env"), source.evidence(index)))


def _listeners(source: GoSource) -> List[Listener]:
    """The listener calls of one file (worked out once per file)."""
    if "listeners" not in source.memo:
        source.memo["listeners"] = _find_listeners(source) if HINT.search(source.text) else []
    return list(source.memo["listeners"])


def _find_listeners(source: GoSource) -> List[Listener]:
    code = source.code
    found: List[Listener] = []
    for match in LISTEN_CALL.finditer(code):
        fn = match.group("fn")
        before = code[max(0, match.start() - 120):match.start()]
        receiver = RECEIVER.search(before)
        recv = receiver.group(0) if receiver else ""
        edge = before[:len(before) - len(recv)][-1:] if before[:len(before) - len(recv)] else ""
        if edge and (edge.isalnum() or edge in "._"):
            continue  # part of a longer name, or a call on an expression we do not follow
        line = source.line_of(match.start())
        if re.match(r"^func\s*(?:\([^)]*\)\s*)?" + fn + r"\s*\(", source.code_lines[line]):
            continue  # its declaration
        args = call_args(code, match.end() - 1)
        if args is None:
            continue
        owner = recv[:-1]
        package = source.aliases.get(owner, "") if owner else ""
        base = fn[:-3] if fn.endswith("TLS") else fn
        argument: Optional[str] = None
        if base == "ListenAndServe":
            # http.ListenAndServe(addr, h) takes it; srv.ListenAndServe() uses the server's Addr
            argument = args[0] if args and (package or not owner) else None
        elif base == "Listen":
            if package in ("net", "crypto/tls") or (owner in ("net", "tls") and not package):
                if len(args) < 2 or literal(args[0]) not in ("tcp", "tcp4", "tcp6"):
                    continue
                argument = args[1]
            elif owner and not package and (source.imports_any(*FRAMEWORKS["Listen"]) or
                                            (args and _address_literal(args[0]))):
                argument = args[0] if args else None
            else:
                continue
        else:  # an engine's Run/Start: a method, in a file of that framework or given an address
            if not owner or package:
                continue
            if not (source.imports_any(*FRAMEWORKS[base]) or (args and _address_literal(args[0]))):
                continue
            argument = args[0] if args else None
        found.append(Listener(source, line, fn, argument, source.unit_at(line)))
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
