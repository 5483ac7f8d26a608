"""What one .go file says, read the way the go command reads it, without a Go parser.

The header (build constraints, package clause, imports) is read for every file: it
decides whether the file is built for linux at all, and which packages it pulls in.
The rest of the text is read only when asked (`code`), with comments removed and
multi-line raw strings blanked, so that a listener written inside a code template or
a comment never counts. Line numbers are kept, so evidence points at the real line.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from generator.detect.model import Evidence, excerpt

#: comments, interpreted strings, raw strings and rune literals, in the order Go lexes them
_LEXEME = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|`[^`]*`|\'(?:[^\'\\\n]|\\.)*\'', re.S)
PACKAGE = re.compile(r"^package\s+([A-Za-z_]\w*)")
GO_BUILD = re.compile(r"^//go:build\s+(.*)$")
PLUS_BUILD = re.compile(r"^//\s*\+build\s+(.*)$")
IMPORT_ONE = re.compile(r'^import\s+(?:([\w.]+)\s+)?"([^"]*)"')
IMPORT_BLOCK = re.compile(r"^import\s*\(")
IMPORT_SPEC = re.compile(r'^\s*(?:([\w.]+)\s+)?"([^"]*)"')
TOP_FUNC = re.compile(r"^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)")
IDENT = re.compile(r"[A-Za-z_]\w*")
GENERATE = re.compile(r"^//go:generate\s+(\S.*)$")

#: the platform an image is built for: linux, on either common architecture
GOOS = "linux"
ARCHES = ("amd64", "arm64")
KNOWN_OS = frozenset(
    "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 "
    "windows zos".split()
)
KNOWN_ARCH = frozenset(
    "386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le ppc "
    "ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm".split()
)
#: tags true on linux besides the OS and architecture (cgo is counted off: a file that needs it
#: has a fallback the static build takes, or the import "C" elsewhere says so)
_TRUE_TAGS = frozenset({"linux", "unix", "gc"})


def built_for_linux(name: str, constraint: Optional[str], plus_lines: List[str]) -> bool:
    """Whether the go command builds this file for linux (amd64 or arm64): name and constraints."""
    return any(_name_matches(name, arch) and _constraint_holds(constraint, plus_lines, arch) for arch in ARCHES)


def _name_matches(name: str, arch: str) -> bool:
    """`x_darwin.go`, `x_windows_amd64.go`, `x_arm.go`: the file name's own constraint."""
    parts = name[:-3].split("_")[1:] if name.endswith(".go") else []
    if len(parts) >= 2 and parts[-2] in KNOWN_OS and parts[-1] in KNOWN_ARCH:
        return parts[-2] == GOOS and parts[-1] == arch
    if parts and parts[-1] in KNOWN_OS:
        return parts[-1] == GOOS
    if parts and parts[-1] in KNOWN_ARCH:
        return parts[-1] == arch
    return True


def _tag(tag: str, arch: str) -> bool:
    return tag in _TRUE_TAGS or tag == arch or re.fullmatch(r"go1\.\d+", tag) is not None


def _constraint_holds(constraint: Optional[str], plus_lines: List[str], arch: str) -> bool:
    if constraint is not None:
        try:
            return _BuildExpr(constraint, arch).value()
        except ValueError:
            return True  # the go command rejects it; not ours to judge
    for line in plus_lines:  # every line must hold; a space is OR, a comma AND, ! negates
        if not any(all(_tag(t.lstrip("!"), arch) != t.startswith("!") for t in option.split(",") if t)
                   for option in line.split()):
            return False
    return True


class _BuildExpr:
    """A `//go:build` expression: ||, &&, !, parentheses and tags."""

    def __init__(self, text: str, arch: str) -> None:
        self.tokens = re.findall(r"\|\||&&|!|\(|\)|[\w.]+|\S", text)
        self.at = 0
        self.arch = arch

    def value(self) -> bool:
        result = self._or()
        if self.at != len(self.tokens):
            raise ValueError("trailing tokens")
        return result

    def _peek(self) -> str:
        return self.tokens[self.at] if self.at < len(self.tokens) else ""

    def _or(self) -> bool:
        return any(self._operands("||", self._and))

    def _and(self) -> bool:
        return all(self._operands("&&", self._not))

    def _operands(self, operator: str, operand: Callable[[], bool]) -> List[bool]:
        """Every operand of a run joined by `operator`, each read (none skipped: the tokens must be used up)."""
        values = [operand()]
        while self._peek() == operator:
            self.at += 1
            values.append(operand())
        return values

    def _not(self) -> bool:
        token = self._peek()
        self.at += 1
        if token == "!":
            return not self._not()
        if token == "(":
            result = self._or()
            if self._peek() != ")":
                raise ValueError("unbalanced")
            self.at += 1
            return result
        if not re.fullmatch(r"[\w.]+", token):
            raise ValueError(f"unexpected {token!r}")
        return _tag(token, self.arch)


def strip(text: str) -> str:
    """The code without comments; a multi-line raw string becomes "" (its line breaks kept)."""

    def replace(match: "re.Match[str]") -> str:
        lexeme = match.group(0)
        if lexeme.startswith("//"):
            return ""
        if lexeme.startswith("/*"):
            return "\n" * lexeme.count("\n") or " "
        if lexeme.startswith("`"):
            if "\n" in lexeme:
                return '""' + "\n" * lexeme.count("\n")
            return '"' + lexeme[1:-1].replace("\\", "\\\\").replace('"', '\\"') + '"'
        return lexeme

    return _LEXEME.sub(replace, text)


@dataclass
class Import:
    path: str
    alias: str
    evidence: Evidence


@dataclass(eq=False)
class GoSource:
    """One non-test .go file: its header always, its code on demand."""

    path: str
    text: str
    package: str = ""
    clause: Optional[Evidence] = None
    #: built for linux (file name and build constraints); a file that is not says nothing
    built: bool = True
    imports: List[Import] = field(default_factory=list)
    cgo: Optional[Evidence] = None
    #: what other modules worked out about this file, once (its listeners, its options)
    memo: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, path: str, text: str) -> "GoSource":
        source = cls(path, text)
        source._header()
        return source

    def _header(self) -> None:
        lines = self.raw_lines
        constraint: Optional[str] = None
        plus: List[str] = []
        body = len(lines)
        for index, line in enumerate(lines):
            stripped = line.strip()
            build = GO_BUILD.match(stripped)
            if build:
                constraint = build.group(1)
                continue
            old = PLUS_BUILD.match(stripped)
            if old:
                plus.append(old.group(1))
                continue
            match = PACKAGE.match(line)
            if match:
                self.package, self.clause = match.group(1), self.evidence(index)
                body = index + 1
                break
        name = self.path.rsplit("/", 1)[-1]
        self.built = bool(self.package) and built_for_linux(name, constraint, plus)
        if not self.built:
            return
        in_block = in_comment = False
        for index in range(body, len(lines)):
            line = lines[index].split("//", 1)[0] if '"' not in lines[index] else lines[index]
            stripped = line.strip()
            if in_comment:  # a cgo preamble, or any block comment between the imports
                in_comment = "*/" not in stripped
                continue
            if stripped.startswith("/*"):
                in_comment = "*/" not in stripped[2:]
                continue
            if in_block:
                if stripped.startswith(")"):
                    in_block = False
                    continue
                spec = IMPORT_SPEC.match(line)
                if spec:
                    self._import(spec, index)
                continue
            if IMPORT_BLOCK.match(stripped):
                in_block = True
                rest = stripped.split("(", 1)[1]
                spec = IMPORT_SPEC.match(rest)
                if spec:
                    self._import(spec, index)
                if ")" in rest:
                    in_block = False
                continue
            one = IMPORT_ONE.match(stripped)
            if one:
                self._import(one, index)
                continue
            if stripped and not stripped.startswith("//"):
                break  # the first declaration: imports are over

    def _import(self, match: "re.Match[str]", index: int) -> None:
        path = match.group(2)
        alias = match.group(1) or path.rstrip("/").rsplit("/", 1)[-1]
        evidence = self.evidence(index)
        self.imports.append(Import(path, alias, evidence))
        if path == "C" and self.cgo is None:
            self.cgo = evidence

    # -- the text ------------------------------------------------------------------

    @cached_property
    def raw_lines(self) -> List[str]:
        return self.text.splitlines()

    @cached_property
    def code(self) -> str:
        """The file without comments (line numbers kept)."""
        return strip(self.text)

    @cached_property
    def code_lines(self) -> List[str]:
        return self.code.split("\n")

    def evidence(self, index: int) -> Evidence:
        line = self.raw_lines[index] if index < len(self.raw_lines) else ""
        return Evidence(self.path, index + 1, excerpt(line))

    @cached_property
    def _line_starts(self) -> List[int]:
        return [0] + [match.end() for match in re.finditer("\n", self.code)]

    def offset(self, line: int) -> int:
        """The offset in `code` where a 0-based line starts."""
        return self._line_starts[line]

    def line_of(self, offset: int) -> int:
        """The 0-based line of a character offset of `code`."""
        return bisect.bisect_right(self._line_starts, offset) - 1

    @cached_property
    def aliases(self) -> Dict[str, str]:
        """Import alias -> import path."""
        return {imp.alias: imp.path for imp in self.imports}

    def imports_any(self, *prefixes: str) -> bool:
        return any(imp.path == p or imp.path.startswith(p + "/") for imp in self.imports for p in prefixes)

    # -- functions -----------------------------------------------------------------

    @cached_property
    def units(self) -> List[Tuple[str, int, int]]:
        """Top-level functions and methods: (name, first line, last line), 0-based."""
        found: List[Tuple[str, int, int]] = []
        lines = self.code_lines
        index = 0
        while index < len(lines):
            match = TOP_FUNC.match(lines[index])
            if not match:
                index += 1
                continue
            end = index
            if not lines[index].rstrip().endswith("}"):
                end = next((i for i in range(index + 1, len(lines)) if lines[i].startswith("}")), len(lines) - 1)
            found.append((match.group(1), index, end))
            index = end + 1
        return found

    def unit_at(self, line: int) -> Optional[str]:
        """The function or method holding a 0-based line (None: top-level code)."""
        for name, first, last in self.units:
            if first <= line <= last:
                return name
        return None

    @cached_property
    def unit_refs(self) -> Dict[Optional[str], Set[str]]:
        """Identifiers used in each function or method (None: the top-level code outside them)."""
        lines = self.code_lines
        refs: Dict[Optional[str], Set[str]] = {}
        inside: Set[int] = set()
        for name, first, last in self.units:
            refs.setdefault(name, set()).update(IDENT.findall("\n".join(lines[first:last + 1])))
            inside.update(range(first, last + 1))
        refs[None] = set(IDENT.findall("\n".join(line for i, line in enumerate(lines) if i not in inside)))
        return refs

    def generate_directives(self) -> List[Tuple[str, Evidence]]:
        """The `//go:generate` lines of the file, as written."""
        if "//go:generate" not in self.text:
            return []
        return [(match.group(1).strip(), self.evidence(index))
                for index, line in enumerate(self.raw_lines) for match in [GENERATE.match(line)] if match]


def reachable(sources: List[GoSource], roots: Tuple[str, ...] = ("main", "init"), top_level: bool = True) -> Set[str]:
    """Function names of one package reachable from `roots` (and from its top-level code), by name.

    By name only: a method and a function of the same name are one; that errs on the
    side of "reachable", never of hiding a listener that runs.
    """
    refs: Dict[Optional[str], Set[str]] = {None: set()}
    for source in sources:
        for name, used in source.unit_refs.items():
            refs.setdefault(name, set()).update(used)
    seen: Set[str] = set()
    todo = [name for name in roots if name in refs]
    if top_level:
        todo += sorted(n for n in refs.get(None, set()) if n in refs)
    while todo:
        name = todo.pop()
        if name in seen or name is None:
            continue
        seen.add(name)
        todo.extend(n for n in refs.get(name, set()) if n in refs and n not in seen)
    return seen

