"""A small evaluator of Go expressions: the value an expression has at a line, followed back without running anything.

Literals, concatenations, `fmt.Sprintf`, `net.JoinHostPort`, variables and constants
(nearest assignment first), flag defaults, environment reads with a fallback
(`getEnv("X", "80")`, `cmp.Or(os.Getenv("X"), "9020")`), viper defaults, struct
fields set elsewhere in the program and functions of ours returning a value. The
calls it knows are a table (`BY_NAME`, `BY_CASELESS_NAME`, then `GENERAL`): one
handler per kind of call, so a new kind is a new entry. What it finds is a `Found`:
the value, where it is written and the `Knob` (flag, config key, environment
variable) that sets it from outside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Set, Tuple, Union

from generator.detect.model import Evidence
from generator.languages.go.configfiles import ConfigFiles
from generator.languages.go.options import FLAG_HELPERS, SET_DEFAULT, declared_options, flag_binding, flag_call, flag_helper
from generator.languages.go.source import GoSource
from generator.languages.go.values import ASSIGN, Found, Knob, assigned, call_args, join, literal, merge, right_side, split_top

ENV_READ = re.compile(r"\b(?:os|syscall)\.(?:Getenv|LookupEnv)\(")
#: names of functions that read an environment variable with a fallback: getEnv("X", "80")
ENV_HELPER = re.compile(r"(?i)env|lookup|getor|ordefault")
#: the names a viper instance goes by: viper.GetString("addr"), cfg.Get("port")
VIPER_RECEIVERS = ("viper", "v", "cfg", "config")
#: the key a struct tag fills a field from: `mapstructure:"port"`, `yaml:"addr,omitempty"`, `koanf:"address"`
STRUCT_TAG = re.compile(r'\b(?:mapstructure|koanf|yaml|toml|json):"([\w.-]+)')
#: how many calls and names deep a value is followed
MAX_DEPTH = 8


@dataclass(frozen=True)
class Call:
    """A call met while following a value: its name as written, its argument texts, and where it is."""

    name: str
    args: List[str]
    source: GoSource
    line: int
    depth: int

    @property
    def short(self) -> str:
        """The name without its package or receiver: `Sprintf` of `fmt.Sprintf`."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def evidence(self) -> Evidence:
        return self.source.evidence(self.line)


class _Pass:
    """A handler's answer when the call is not of its kind after all: the next handler is asked."""


PASS = _Pass()
Handler = Callable[["Evaluator", Call], Union[Optional[Found], _Pass]]


class Evaluator:
    """Follows expressions back through one main package and the module packages it imports."""

    def __init__(self, main: List[GoSource], packages: Dict[str, List[GoSource]]) -> None:
        self.main = main
        #: the packages it imports from the build, by import path, nearest first
        self.packages = packages
        self.libraries = list(packages.values())
        self.everything = main + [s for package in self.libraries for s in package]
        self._package_of: Dict[str, List[GoSource]] = {}
        for package in [main, *self.libraries]:
            for source in package:
                self._package_of[source.path] = package
        self._stack: Set[Tuple[str, str, int]] = set()
        #: struct fields already followed, by (field, file, depth): a field set from fields of the same name
        #: in many files (`Host: d.system.Host`) would otherwise be followed again at every depth, exponentially
        self._fields: Dict[Tuple[str, str, int], Optional[Found]] = {}
        #: the configuration files the program names (configfiles.py); set by detection, which has the repository
        self.configs: Optional[ConfigFiles] = None

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

    def argument(self, call: Call, index: int) -> Optional[Found]:
        """The value of one argument of a call."""
        return self.resolve(call.args[index], call.source, call.line, call.depth)

    def _resolve(self, expr: str, source: GoSource, line: int, depth: int) -> Optional[Found]:
        value = literal(expr)
        if value is not None:
            return Found(value, source.evidence(line))
        while expr.startswith("(") and expr.endswith(")") and split_top(expr[1:-1], ")") == [expr[1:-1]]:
            expr = expr[1:-1].strip()
        parts = split_top(expr, "+")
        if len(parts) > 1:
            return concat([self.resolve(p, source, line, depth) for p in parts], parts)
        if expr.startswith("*") or expr.startswith("&"):
            return self.resolve(expr[1:], source, line, depth)
        call = re.match(r"^([\w.]+)\s*\(", expr)
        if call and expr.endswith(")"):
            return self.call(Call(call.group(1), call_args(expr, call.end() - 1) or [], source, line, depth))
        if re.fullmatch(r"[A-Za-z_]\w*", expr):
            return self._identifier(expr, source, line, depth)
        if re.fullmatch(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", expr):
            found = self.field(expr.rsplit(".", 1)[1], source, depth)
            return found if found and found.value is not None else self.config_field(expr) or found
        return None

    def call(self, call: Call) -> Optional[Found]:
        """A call's value: asked of its handler by name, then of the general handlers in turn."""
        named = [BY_NAME.get(call.short), BY_CASELESS_NAME.get(call.short.lower())]
        for handler in [h for h in named if h is not None] + list(GENERAL):
            result = handler(self, call)
            if not isinstance(result, _Pass):
                return result
        return None

    def returns(self, function: str, source: GoSource, depth: int) -> Optional[Found]:
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
                        rhs = right_side(text)
                        if rhs and ENV_READ.search(rhs):
                            results.append(self.resolve(rhs, other, index, depth))
        return merge(results)

    def viper_default(self, key: str) -> Optional[Found]:
        """The default a `SetDefault(key, ...)` anywhere in the program gives a viper key."""
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

    def config_value(self, key: str) -> Optional[Found]:
        """What the program's configuration file gives the key (viper and koanf read the file over defaults)."""
        return self.configs.value(key) if self.configs and self.configs.files else None

    def config_field(self, expr: str) -> Optional[Found]:
        """`cfg.System.Port` of a struct the configuration file fills: the file's `system.port`, each field named
        by its tag (`mapstructure:"system"`, yaml, toml, json, koanf) or in lower case; the longest path given."""
        if not (self.configs and self.configs.files):
            return None
        keys = [self._tag_key(name) for name in expr.split(".")[1:]]
        for first in range(len(keys) - 1):
            found = self.config_value(".".join(keys[first:]))
            if found:
                return found
        return None

    def _tag_key(self, name: str) -> str:
        """The key a struct field `name` is filled from: its tag's, else its name in lower case."""
        declaration = re.compile(r"^\s*" + re.escape(name) + r"\s+[\w.*\[\]]+\s+`([^`]*)`", re.M)
        for source in self.everything:
            if name not in source.text:
                continue
            for match in declaration.finditer(source.text):
                tag = STRUCT_TAG.search(match.group(1))
                if tag:
                    return tag.group(1).lower()
        return name.lower()

    def option(self, name: str) -> Optional[Found]:
        """The flag of that name the program declares (urfave/cli's `&cli.StringFlag{Name: "port", Value: "3000"}`)."""
        for source in self.everything:
            for found in declared_options(source):
                if found.knob is not None and found.knob.kind == "flag" and found.knob.name.lstrip("-") == name:
                    return found
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
        binding = flag_binding(name)
        hits: List[Tuple[int, Optional[Found], bool]] = []  # (line, value, declares)
        for index, text in enumerate(source.code_lines):
            if name not in text or not pattern.search(text):
                continue
            if local and (index > line or source.unit_at(index) != unit):  # type: ignore[operator]
                continue
            bound = binding.search(text)
            if bound:
                offset = source.offset(index) + bound.start()
                args = call_args(source.code, source.code.index("(", offset)) or []
                hits.append((index, self.call(Call(bound.group(0)[1:].split("(")[0], args, source, index, depth)), True))
            elif local or source.unit_at(index) is None:
                hit = self._assignment(name, source, index, depth)
                if hit:
                    hits.append(hit)
        if local:
            hits.sort(key=lambda hit: -hit[0])
        results: List[Optional[Found]] = []
        for _, found, declares in hits:
            results.append(found)
            if local and declares:
                break
        return merge(results)

    def _assignment(self, name: str, source: GoSource, index: int, depth: int) -> Optional[Tuple[int, Optional[Found], bool]]:
        """(line, value, whether it declares `name`) of a line assigning to `name`; None when it does not."""
        text = source.code_lines[index]
        rhs = assigned(name, text)
        if rhs is None:
            return None
        declares = ":=" in text or text.lstrip().startswith(("var", "const"))
        return index, self.resolve(rhs, source, index, depth), declares

    def field(self, field: str, source: GoSource, depth: int = 0) -> Optional[Found]:
        """A struct field (cfg.ListenAddr, s.Addr): set in this file, else anywhere in the program
        (worked out once per field, file and depth)."""
        key = (field, source.path, depth)
        if key not in self._fields:
            self._fields[key] = None  # a field met again while it is being followed adds nothing
            self._fields[key] = self._field(field, source, depth)
        return self._fields[key]

    def _field(self, field: str, source: GoSource, depth: int) -> Optional[Found]:
        key_value = re.compile(r"(?<![\w.])" + re.escape(field) + r"\s*:\s*(?!=)")
        setter = re.compile(r"\." + re.escape(field) + r"\s*=(?!=)\s*")
        results: List[Optional[Found]] = []
        # of the other files, those importing the package the field is read in first: a struct of that package
        # is filled there (serve.go's `server.Config{Port: port}`), not by a file that never sees the type
        home = {path for path, sources in self.packages.items() if source in sources}
        others = sorted((s for s in self.everything if s is not source),
                        key=lambda other: not any(imp.path in home for imp in other.imports))
        for candidates in ([source], others):
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
                        found = replace(found, indirect=True, weak=join(
                            found.weak, f"followed through the field {field} set at {other.evidence(index)}"))
                    results.append(found)
            merged = merge(results)
            if merged and merged.value is not None:
                return merged
        return merge(results)


# -- concatenation -----------------------------------------------------------------------


def concat(parts: List[Optional[Found]], texts: List[str]) -> Optional[Found]:
    """"host:" + port, ":" + port: the pieces joined; a knob of one piece sets that part."""
    present = [p for p in parts if p is not None]
    values = [p.value if p else None for p in parts]
    if all(v is None for v in values):
        knobbed = next((p for p in present if p.knob), None)
        return Found(None, None, knobbed.knob) if knobbed else None
    knob = _piece_knob(parts, values)
    weak = next((p.weak for p in reversed(present) if p.weak), "")
    indirect = any(p.indirect for p in present)
    evidence = _piece_evidence(parts, texts)
    joined = "".join(v if v is not None else "\0" for v in values)
    if "\0" in joined:  # a piece we could not follow: keep the port when it is known
        host, _, port = joined.rpartition(":")
        if "\0" in port:
            return Found(None, evidence, knob, weak, indirect) if knob else None
        joined = (host if "\0" not in host else "") + ":" + port
    return Found(joined, evidence, knob, weak, indirect)


def _piece_evidence(parts: List[Optional[Found]], texts: List[str]) -> Optional[Evidence]:
    """Where a joined value is written: the first piece followed back from a name, else the first piece known."""
    followed = [p.evidence for p, text in zip(parts, texts) if p and p.evidence and literal(text) is None]
    anywhere = [p.evidence for p in parts if p and p.evidence]
    return (followed or anywhere)[0] if followed or anywhere else None


def _piece_knob(parts: List[Optional[Found]], values: List[Optional[str]]) -> Optional[Knob]:
    """The first piece's knob, its role told by what is around it: after a ":" it sets the port."""
    index = next((i for i, part in enumerate(parts) if part and part.knob), None)
    if index is None:
        return None
    knob = parts[index].knob  # type: ignore[union-attr]
    assert knob is not None
    if "".join(v or "" for v in values[:index]).endswith(":"):
        return replace(knob, role="port")
    if "".join(v or "" for v in values[index + 1:]).startswith(":"):
        return replace(knob, role="host")
    return knob


# -- the calls the evaluator knows ------------------------------------------------------------


def _sprintf(ev: Evaluator, call: Call) -> Union[Optional[Found], _Pass]:
    """fmt.Sprintf(":%d", port): the format's pieces joined with the arguments' values."""
    if not call.args:
        return PASS
    form = literal(call.args[0])
    if form is None:
        return None
    values = [ev.argument(call, index) for index in range(1, len(call.args))]
    pieces: List[Optional[Found]] = []
    texts: List[str] = []
    last = 0
    for index, verb in enumerate(re.finditer(r"%[-+# 0-9.]*[dsvq]", form)):
        pieces += [Found(form[last:verb.start()], call.evidence), values[index] if index < len(values) else None]
        texts += ['"x"', "x"]
        last = verb.end()
    pieces.append(Found(form[last:], call.evidence))
    texts.append('"x"')
    return concat(pieces, texts)


def _join_host_port(ev: Evaluator, call: Call) -> Union[Optional[Found], _Pass]:
    """net.JoinHostPort(host, port)."""
    if len(call.args) != 2:
        return PASS
    return concat([ev.argument(call, 0), Found(":", None), ev.argument(call, 1)], [call.args[0], '":"', call.args[1]])


def _env_read(ev: Evaluator, call: Call) -> Union[Optional[Found], _Pass]:
    """os.Getenv("ADDR"): no value, the environment variable that sets it."""
    if len(call.args) != 1:
        return PASS
    env = ev.argument(call, 0)
    if env and env.value:
        return Found(None, None, Knob("env", env.value, call.evidence, "address"))
    return None


def _viper_get(ev: Evaluator, call: Call) -> Union[Optional[Found], _Pass]:
    """viper.GetString("addr"): the key's SetDefault."""
    if not call.args or call.name.split(".")[0] not in VIPER_RECEIVERS:
        return PASS
    key = literal(call.args[0])
    return (ev.config_value(key) or ev.viper_default(key)) if key else None


def _option_get(ev: Evaluator, call: Call) -> Union[Optional[Found], _Pass]:
    """c.String("port") (urfave/cli's context, cobra's flag set): the declared option's default, set by it."""
    name = literal(call.args[0]) if len(call.args) == 1 else None
    return (ev.config_value(name) or ev.option(name) or PASS) if name else PASS


def _first_set(ev: Evaluator, call: Call) -> Union[Optional[Found], _Pass]:
    """cmp.Or(os.Getenv("X"), "9020"): the first non-empty."""
    if not call.args:
        return PASS
    return merge([ev.argument(call, index) for index in range(len(call.args))])


def _flag_default(ev: Evaluator, call: Call) -> Union[Optional[Found], _Pass]:
    """flag.String("addr", ":8080", ...): the default, set by the flag."""
    flag = flag_call(call.short, call.args)
    if flag is None:
        return PASS
    option, default = flag
    found = ev.resolve(default, call.source, call.line, call.depth) if default else None
    return Found(found.value if found else None, call.evidence,
                 Knob("flag", option, call.evidence, "address"), found.weak if found else "")


def _helper_flag(ev: Evaluator, call: Call) -> Union[Optional[Found], _Pass]:
    """kingpinflag.AddFlags(kingpin.CommandLine, ":9100"): the default, set by the flag the helper declares."""
    helper = flag_helper(call.source, call.name, call.args)
    if helper is None:
        return PASS
    found = ev.resolve(helper[1], call.source, call.line, call.depth)
    return Found(found.value if found else None, call.evidence, Knob("flag", helper[0].flag, call.evidence, "address"),
                 found.weak if found else "")


def _env_fallback(ev: Evaluator, call: Call) -> Union[Optional[Found], _Pass]:
    """getEnv("PORT", "8080") and the like: a helper named for the environment, given a variable and a fallback."""
    if len(call.args) < 2 or not ENV_HELPER.search(call.short):
        return PASS
    env, fallback = ev.argument(call, 0), ev.argument(call, 1)
    if not (env and env.value and re.fullmatch(r"[A-Z_][A-Z0-9_]*", env.value)):
        return PASS
    return Found(fallback.value if fallback else None, fallback.evidence if fallback else call.evidence,
                 Knob("env", env.value, call.evidence, "address"))


def _wrapper(ev: Evaluator, call: Call) -> Union[Optional[Found], _Pass]:
    """A conversion or wrapper: strconv.Itoa(port), iris.Addr(":8080"): its first argument."""
    return (ev.argument(call, 0) or PASS) if call.args else PASS


def _own_function(ev: Evaluator, call: Call) -> Union[Optional[Found], _Pass]:
    """getAddr(): what a function of ours returns."""
    if call.args or "." in call.name:
        return PASS
    return ev.returns(call.name, call.source, call.depth)


#: handlers by the call's name without its package (exactly as written)
BY_NAME: Dict[str, Handler] = {
    "Sprintf": _sprintf,
    "JoinHostPort": _join_host_port,
    "GetString": _viper_get,
    "GetInt": _viper_get,
    "Get": _viper_get,
    "Or": _first_set,
    **{name: _option_get for name in ("String", "Int", "Uint", "Int64", "MustString", "MustInt", "MustInt64")},
    **{name: _helper_flag for name in FLAG_HELPERS},
}
#: handlers by the call's name in lower case (helpers are spelt every way: getenv, GetEnv, MustGetenv)
BY_CASELESS_NAME: Dict[str, Handler] = {name: _env_read for name in ("getenv", "lookupenv", "mustgetenv", "env")}
#: handlers asked of every call, in turn, after the one its name picks
GENERAL: Tuple[Handler, ...] = (_flag_default, _env_fallback, _wrapper, _own_function)
