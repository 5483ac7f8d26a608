"""The options a Go program declares, library by library: flag/pflag, kingpin, urfave/cli, viper, env tags,
and the helpers that declare a listen-address flag for a program (the Prometheus exporter toolkit's).

Each library's way of declaring an option with a default is one entry of `LIBRARIES`
(what to look for in a file, and how to read one declaration), so that a new library
is a new entry, not a new branch. What an entry yields is a `Found`: the default
value and the `Knob` (the flag, config key or environment variable) that sets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Tuple

from generator.languages.go.source import GoSource
from generator.languages.go.values import Found, Knob, call_args, literal, split_top

#: the value types of flag/pflag declarations (`flag.String`, `fs.IntVarP`, ...)
_FLAG_TYPES = r"(?:String|Int|Int64|Int32|Uint|Uint16|Uint32|Uint64)"
FLAG_PTR = re.compile(r"\." + _FLAG_TYPES + r"P?\(\s*\"")
FLAG_VAR = re.compile(r"\." + _FLAG_TYPES + r"VarP?\(\s*&")
FLAG_CALL = re.compile(_FLAG_TYPES + r"(Var)?(P)?")
SET_DEFAULT = re.compile(r"\bSetDefault\(\s*\"(?P<name>[^\"]+)\"\s*,")
KINGPIN = re.compile(r'\b\w*Flag\(\s*(?:\w+\s*,\s*)?"(?P<name>[\w.-]+)"\s*,\s*"(?:[^"\\\n]|\\.)*"\s*\)'
                     r'(?:\s*\.\s*\w+\([^()\n]*\))*?\s*\.\s*Default\(\s*"(?P<value>[^"]*)"')
#: urfave/cli's `&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Value: "3000"}` (one level of braces inside)
URFAVE = re.compile(r"(?:String|Int|Uint)Flag\s*\{(?:[^{}]|\{[^{}]*\})*?\bName:\s*\"(?P<name>[^\"]+)\""
                    r"(?:[^{}]|\{[^{}]*\})*?\bValue:\s*(?P<value>\"[^\"]*\"|\d+)", re.S)
ENV_TAG = re.compile(r"`[^`\n]*\benv(?:config)?:\"(?P<env>\w+)[^\"]*\"[^`\n]*\b(?:envDefault|default):\"(?P<value>[^\"]*)\"")


@dataclass(frozen=True)
class FlagHelper:
    """A library function that declares a listen-address flag itself, given its default: `kingpinflag.AddFlags(
    kingpin.CommandLine, ":9100")` declares --web.listen-address (every Prometheus exporter shares it)."""

    #: the flag it declares
    flag: str
    #: which argument is the default address
    default: int
    #: the import paths the function is called from
    packages: Tuple[str, ...]


#: helpers declaring a listen-address flag, by function name
FLAG_HELPERS = {
    "AddFlags": FlagHelper("web.listen-address", 1, ("github.com/prometheus/exporter-toolkit/web/kingpinflag",
                                                     "github.com/prometheus/exporter-toolkit/web/flag")),
}
KOANF_DEFAULTS = re.compile(r"\bconfmap\.Provider\(\s*map\[string\]\s*(?:interface\{\}|any)\s*\{")
HELPER_CALL = re.compile(r"\b(?P<name>\w+\.(?:" + "|".join(FLAG_HELPERS) + r"))\s*\(")


def flag_helper(source: GoSource, name: str, args: List[str]) -> Optional[Tuple[FlagHelper, str]]:
    """(the helper, its default expression) when `name` ("kingpinflag.AddFlags") is a listen-address helper."""
    alias, _, short = name.rpartition(".")
    helper = FLAG_HELPERS.get(short)
    if helper is None or source.aliases.get(alias) not in helper.packages or len(args) <= helper.default:
        return None
    return helper, args[helper.default]


def flag_binding(name: str) -> "re.Pattern[str]":
    """`fs.StringVar(&name, ...)`: where a flag/pflag declaration writes into the variable `name`."""
    return re.compile(r"\." + _FLAG_TYPES + r"VarP?\(\s*&" + re.escape(name) + r"\s*,")


def flag_call(short: str, args: List[str]) -> Optional[Tuple[str, str]]:
    """(option name, default expression) of a flag/pflag declaration call, else None."""
    match = FLAG_CALL.fullmatch(short)
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


@dataclass(frozen=True)
class Library:
    """One way of declaring options: a cheap test of the file's text, and the reader of its declarations."""

    name: str
    #: text a file must hold to be worth reading (any one of them)
    needles: Tuple[str, ...]
    read: Callable[[GoSource], Iterator[Found]]


def _flags(source: GoSource) -> Iterator[Found]:
    """flag and pflag: `flag.String("port", ":3000", ...)`, `fs.IntVarP(&port, "port", "p", 80, ...)`."""
    code = source.code
    for pattern in (FLAG_PTR, FLAG_VAR):
        for match in pattern.finditer(code):
            start = code.index("(", match.start())
            args = call_args(code, start) or []
            flag = flag_call(code[match.start() + 1:start], args)
            if flag:
                line = source.line_of(match.start())
                value = literal(flag[1])
                if value is None:  # a default wrapped in a helper: envOr("PORT", "80")
                    helper = re.match(r"^[\w.]+\((.*)\)$", flag[1])
                    inner = split_top(helper.group(1), ",") if helper else []
                    value = literal(inner[-1]) if inner else None
                yield Found(value, source.evidence(line), Knob("flag", flag[0], source.evidence(line)))


def _viper_defaults(source: GoSource) -> Iterator[Found]:
    """viper: `viper.SetDefault("addr", ":8080")`."""
    code = source.code
    for match in SET_DEFAULT.finditer(code):
        args = call_args(code, code.index("(", match.start())) or []
        if len(args) == 2:
            line = source.line_of(match.start())
            yield Found(literal(args[1]), source.evidence(line), Knob("config", match.group("name"), source.evidence(line)))


def _pattern_flags(pattern: "re.Pattern[str]") -> Callable[[GoSource], Iterator[Found]]:
    """A library whose declarations one pattern reads whole, naming its `name` and `value`."""
    def read(source: GoSource) -> Iterator[Found]:
        for match in pattern.finditer(source.code):
            line = source.line_of(match.start())
            yield Found(literal(match.group("value")) or match.group("value"), source.evidence(line),
                        Knob("flag", match.group("name"), source.evidence(line)))
    return read


def _flag_helpers(source: GoSource) -> Iterator[Found]:
    """`kingpinflag.AddFlags(kingpin.CommandLine, ":9100")`: the flag it declares, with the default given."""
    code = source.code
    for match in HELPER_CALL.finditer(code):
        args = call_args(code, code.index("(", match.start())) or []
        found = flag_helper(source, match.group("name"), args)
        if found:
            line = source.line_of(match.start())
            yield Found(literal(found[1]), source.evidence(line), Knob("flag", found[0].flag, source.evidence(line)))


def _koanf_defaults(source: GoSource) -> Iterator[Found]:
    """koanf: `k.Load(confmap.Provider(map[string]interface{}{"port": 8080}, "."), nil)`, its defaults map."""
    code = source.code
    for match in KOANF_DEFAULTS.finditer(code):
        entries = call_args(code, match.end() - 1) or []  # the map literal's entries
        for entry in entries:
            key, colon, value = entry.partition(":")
            name = literal(key.strip())
            if colon and name:
                line = source.line_of(match.start())
                yield Found(literal(value.strip()), source.evidence(line), Knob("config", name, source.evidence(line)))


def _env_tags(source: GoSource) -> Iterator[Found]:
    """envconfig and caarlos0/env struct tags: `env:"PORT" envDefault:"8080"` (read on the raw lines)."""
    for index, text in enumerate(source.raw_lines):
        tag = ENV_TAG.search(text)
        if tag:
            yield Found(tag.group("value"), source.evidence(index), Knob("env", tag.group("env"), source.evidence(index)))


#: every option library we read, in the order their declarations are reported
LIBRARIES = (
    Library("flag/pflag", ("",), _flags),
    Library("viper", ("",), _viper_defaults),
    Library("kingpin", ("Default(",), _pattern_flags(KINGPIN)),
    Library("urfave/cli", ("Flag",), _pattern_flags(URFAVE)),
    Library("koanf", ("confmap.Provider",), _koanf_defaults),
    Library("env struct tags", ("default:", "envDefault:"), _env_tags),
    Library("listen-address helpers", tuple(f"{name}(" for name in FLAG_HELPERS), _flag_helpers),
)


def declared_options(source: GoSource) -> List[Found]:
    """Flags, viper defaults and env struct tags of one file (worked out once per file)."""
    if "options" not in source.memo:
        source.memo["options"] = [found for library in LIBRARIES
                                  if any(needle in source.text for needle in library.needles)
                                  for found in library.read(source)]
    return list(source.memo["options"])
