"""A Dockerfile parser that follows BuildKit's reading rules and never raises on what it reads.

`scaffold check` reads Dockerfiles written by others, and `scaffold adopt` reads the
values one states (EXPOSE, the start command, the base image of each stage, ENV and
ARG), each with its line. So this parser follows BuildKit's own reading rules (parser
directives, the `# escape=` character, line continuations with comment and blank lines
inside them, heredocs, JSON versus shell form, flags, stages and `--from`, ARG before
the first FROM) and reports what it cannot make sense of as `Problem`s with a line
instead of raising: unknown instructions, unterminated heredocs, invalid directives.

The only exception it raises is `UnreadableDockerfile` from `read_dockerfile`: a file
that is missing, a symbolic link (or below one), not a regular file, too large, or binary. Every loop is linear in the
size of the input, which is bounded (`MAX_BYTES`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Tuple

from generator import shellwords
from generator.errors import InputError
from generator.images import ImageRef, parse_image
from generator.output import one_line

if TYPE_CHECKING:
    from generator.check.files import Place

#: a Dockerfile is text written by people; anything larger is refused rather than read whole
MAX_BYTES = 1024 * 1024
#: an exec-form array longer than this is not parsed as JSON (it is shell form then, as for invalid JSON)
MAX_JSON = 64 * 1024
#: what one variable expansion may produce: `ENV a=$a$a` repeated would double it on every line
MAX_EXPANSION = 16 * 1024
#: stages and instructions check judges at most (real Dockerfiles have a few dozen of each)
MAX_STAGES, MAX_INSTRUCTIONS = 256, 2048

INSTRUCTIONS = frozenset({
    "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
    "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
})
#: instructions whose arguments may hold heredocs (`<<EOF`), as in BuildKit
HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})
#: instructions that take a JSON array (exec form) or a shell string
JSON_INSTRUCTIONS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL", "ADD", "COPY", "VOLUME"})
KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})

_DIRECTIVE = re.compile(r"#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.*?)[ \t]*$")
_HEREDOC = re.compile(r"<<(-?)(['\"]?)([A-Za-z0-9_.-]+)\2$")
_STAGE_NAME = re.compile(r"[a-z][a-z0-9._-]*")


class UnreadableDockerfile(InputError):
    """The file cannot be checked at all (missing, not a regular file, too large, binary): exit 2."""


@dataclass(frozen=True)
class Problem:
    """Something BuildKit would refuse or misread, at a line."""

    line: int
    message: str


@dataclass(frozen=True)
class Heredoc:
    name: str
    body: str
    #: the line of the first body line
    line: int
    #: `<<-`: leading tabs of the body and terminator are stripped
    chomp: bool
    #: `<<"EOF"` or `<<'EOF'`: no variable expansion in the body
    quoted: bool


@dataclass
class Instruction:
    """One instruction: the keyword, its flags and arguments, and the physical lines it spans."""

    keyword: str
    #: 1-based physical line of the keyword, and of the last line (continuations and heredocs included)
    line: int
    end_line: int
    #: `--name=value` flags before the arguments, in order (`--link` gives ("link", None))
    flags: List[Tuple[str, Optional[str]]]
    #: the text after the keyword and flags, continuation lines joined, comment lines dropped
    arguments: str
    #: the JSON array of the exec form, None for the shell form (or when not JSON)
    exec_form: Optional[List[str]] = None
    heredocs: List[Heredoc] = field(default_factory=list)
    #: the stage it belongs to (-1: before the first FROM, a global ARG)
    stage: int = -1

    def flag(self, name: str) -> Optional[str]:
        """The value of the last `--name=value` flag ("" for a bare `--name`), None when absent."""
        found: Optional[str] = None
        for key, value in self.flags:
            if key == name:
                found = "" if value is None else value
        return found

    def words(self) -> List[str]:
        """The arguments as words (exec form: the array; shell form: split on blanks, quotes kept)."""
        if self.exec_form is not None:
            return list(self.exec_form)
        return split_words(self.arguments)


@dataclass(frozen=True)
class Assignment:
    """An ENV or ARG value (None: an ARG without a default), with its line."""

    key: str
    value: Optional[str]
    line: int


@dataclass(frozen=True)
class Port:
    """An EXPOSE entry; `number` is None when it is not a plain port (a variable, a range)."""

    text: str
    number: Optional[int]
    protocol: str
    line: int


@dataclass(frozen=True)
class Command:
    """A start command: the exec form as a list, or the shell form as its string."""

    keyword: str
    line: int
    exec_form: Optional[List[str]]
    shell: Optional[str]


@dataclass
class Stage:
    index: int
    #: the name after AS (lowercase, as BuildKit compares it), or None
    name: Optional[str]
    #: the image as written, and with the global ARG defaults substituted
    image: str
    resolved_image: str
    platform: Optional[str]
    line: int
    instructions: List[Instruction]
    #: the index of the earlier stage this one is built FROM, else None
    parent: Optional[int] = None
    #: the image reference, None for `scratch`, a stage, or an image that still holds a variable
    ref: Optional[ImageRef] = None

    @property
    def label(self) -> str:
        return self.name or str(self.index)

    def each(self, *keywords: str) -> List[Instruction]:
        return [i for i in self.instructions if i.keyword in keywords]

    def env(self) -> List[Assignment]:
        """Every ENV key=value of this stage, in order (variables inside values not expanded)."""
        return [pair for i in self.each("ENV") for pair in env_pairs(i)]

    def args(self) -> List[Assignment]:
        return [pair for i in self.each("ARG") for pair in arg_pairs(i)]

    def ports(self) -> List[Port]:
        return [port for i in self.each("EXPOSE") for port in expose_ports(i)]

    def entrypoint(self) -> Optional[Command]:
        found = self.each("ENTRYPOINT")
        return start_command(found[-1]) if found else None

    def cmd(self) -> Optional[Command]:
        found = self.each("CMD")
        return start_command(found[-1]) if found else None

    @property
    def from_line(self) -> int:
        return self.line


@dataclass
class Dockerfile:
    """A parsed Dockerfile: directives, global ARGs, stages, and the problems met reading it."""

    path: Optional[Path]
    text: str
    #: physical lines without their line endings (index 0 is line 1)
    lines: List[str]
    #: the file's line ending ("\r\n" when its first line ends so, else "\n")
    newline: str
    directives: Dict[str, Tuple[str, int]]
    escape: str
    global_args: List[Instruction]
    stages: List[Stage]
    problems: List[Problem]
    #: instructions in file order (global ARGs, FROMs and the rest)
    instructions: List[Instruction]

    def __post_init__(self) -> None:
        self._by_line = {i.line: i for i in self.instructions}

    def at(self, line: int) -> Optional[Instruction]:
        """The instruction that starts at `line`."""
        return self._by_line.get(line)

    def stage(self, name_or_index: str) -> Optional[Stage]:
        key = name_or_index.lower()
        for stage in self.stages:
            if stage.name == key:
                return stage
        if key.isdigit() and int(key) < len(self.stages):
            return self.stages[int(key)]
        return None

    def final_stage(self, target: Optional[str] = None) -> Optional[Stage]:
        """The stage `docker build` runs: `--target`, else the last one."""
        if target:
            return self.stage(target)
        return self.stages[-1] if self.stages else None

    def global_arg_defaults(self) -> Dict[str, str]:
        values: Dict[str, str] = {}
        for instruction in self.global_args:
            for pair in arg_pairs(instruction):
                if pair.value is not None:
                    values[pair.key] = pair.value
        return values

    def ancestry(self, stage: Stage) -> List[Stage]:
        """The stage and the earlier stages it is built FROM, oldest first."""
        chain = [stage]
        parent = stage.parent
        while parent is not None and len(chain) <= len(self.stages):
            chain.append(self.stages[parent])
            parent = chain[-1].parent
        return chain[::-1]


# ---- reading -------------------------------------------------------------------------------------


def read_dockerfile(place: "Place", max_bytes: int = MAX_BYTES) -> Dockerfile:
    """Parse the file at `place` (read without following links); `UnreadableDockerfile` when it cannot be
    checked at all."""
    data = place.read(max_bytes, "Dockerfile")
    if data is None:
        raise UnreadableDockerfile(f"{place.display}: no such file")
    return parse(decode(data, place.path), place.path)


def decode(data: bytes, path: Optional[Path] = None) -> str:
    """UTF-8; undecodable bytes become U+FFFD rather than an error (a BOM is kept: `parse` skips it)."""
    return data.decode("utf-8", errors="replace")


def parse(text: str, path: Optional[Path] = None) -> Dockerfile:
    """Parse Dockerfile text; never raises (what cannot be understood becomes a Problem)."""
    return _Parser(text, path).run()


class _Parser:
    def __init__(self, text: str, path: Optional[Path]) -> None:
        self.path = path
        self.text = text
        raw = (text[1:] if text.startswith("\ufeff") else text).split("\n")  # BuildKit skips a BOM
        if raw and raw[-1] == "":
            raw.pop()
        self.newline = "\r\n" if raw and raw[0].endswith("\r") else "\n"
        self.lines = [line[:-1] if line.endswith("\r") else line for line in raw]
        self.problems: List[Problem] = []
        self.directives: Dict[str, Tuple[str, int]] = {}
        self.escape = "\\"

    def run(self) -> Dockerfile:
        start = self._directives()
        instructions = self._instructions(start)
        stages, global_args = self._stages(instructions)
        return Dockerfile(self.path, self.text, self.lines, self.newline, self.directives, self.escape,
                          global_args, stages, self.problems, instructions)

    def _problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))

    def _directives(self) -> int:
        """Parser directives at the top (`# escape=`, `# syntax=`); the index of the first other line."""
        index = 0
        while index < len(self.lines):
            match = _DIRECTIVE.fullmatch(self.lines[index])
            if not match:
                break
            name, value = match.group(1).lower(), match.group(2)
            if name not in KNOWN_DIRECTIVES:
                break  # an unknown directive is a comment, and ends the directives
            if name in self.directives:
                self._problem(index + 1, f"parser directive {name} given twice (BuildKit refuses the file)")
            self.directives[name] = (value, index + 1)
            if name == "escape":
                if value in ("\\", "`"):
                    self.escape = value
                else:
                    self._problem(index + 1, f"invalid escape character {value!r} (only \\ or `); BuildKit refuses the file")
            index += 1
        return index

    def _is_comment(self, line: str) -> bool:
        return line.lstrip(" \t").startswith("#")

    def _continues(self, line: str) -> Tuple[str, bool]:
        """(line without a trailing escape character, whether it continues on the next line)."""
        stripped = line.rstrip(" \t")
        if stripped.endswith(self.escape):
            return stripped[:-1], True
        return line, False

    def _instructions(self, index: int) -> List[Instruction]:
        instructions: List[Instruction] = []
        lines = self.lines
        total = len(lines)
        while index < total:
            first = lines[index]
            if self._is_comment(first) or not first.strip(" \t"):
                index += 1
                continue
            start = index
            piece, more = self._continues(first.lstrip(" \t"))
            parts = [piece]
            index += 1
            while more and index < total:
                line = lines[index]
                index += 1
                if self._is_comment(line):
                    continue
                if not line.strip(" \t"):
                    continue  # an empty continuation line: BuildKit skips it (and warns)
                piece, more = self._continues(line)
                parts.append(piece)
            if more:
                self._problem(start + 1, "the last instruction ends with a line continuation and nothing follows")
            logical = "".join(parts)
            instruction = self._instruction(logical, start + 1, index)
            if instruction is None:
                continue
            if instruction.keyword in HEREDOC_INSTRUCTIONS:
                index = self._heredocs(instruction, index)
            instructions.append(instruction)
        return instructions

    def _instruction(self, logical: str, line: int, end_line: int) -> Optional[Instruction]:
        text = logical.strip()
        if not text:
            return None
        head, _, rest = _split_first(text)
        keyword = head.upper()
        if keyword not in INSTRUCTIONS:
            self._problem(line, f"unknown instruction {_excerpt(head, 40)} (BuildKit refuses the file)")
        flags, arguments = _flags(rest) if keyword not in ("ENV", "LABEL", "ARG", "MAINTAINER") else ([], rest)
        exec_form = _json_array(arguments) if keyword in JSON_INSTRUCTIONS else None
        return Instruction(keyword, line, end_line, flags, arguments, exec_form)

    def _heredocs(self, instruction: Instruction, index: int) -> int:
        """Read the bodies of the instruction's heredocs, which follow it; the index after them."""
        if instruction.exec_form is not None:
            return index
        lines = self.lines
        for word in split_words(instruction.arguments):
            match = _HEREDOC.match(word)
            if not match:
                continue
            chomp, quoted, name = bool(match.group(1)), bool(match.group(2)), match.group(3)
            body: List[str] = []
            start = index + 1
            terminated = False
            while index < len(lines):
                line = lines[index]
                index += 1
                candidate = line.lstrip("\t") if chomp else line
                if candidate == name:
                    terminated = True
                    break
                body.append(candidate)
            if not terminated:
                self._problem(instruction.line, f"heredoc {name} is never terminated (BuildKit refuses the file)")
            instruction.heredocs.append(Heredoc(name, "\n".join(body) + ("\n" if body else ""), start, chomp, quoted))
            instruction.end_line = index
        return index

    def _stages(self, instructions: List[Instruction]) -> Tuple[List[Stage], List[Instruction]]:
        stages: List[Stage] = []
        global_args: List[Instruction] = []
        defaults: Dict[str, str] = {}
        names: Dict[str, int] = {}
        for instruction in instructions:
            if instruction.keyword == "FROM":
                stage = self._stage(instruction, len(stages), defaults, names)
                instruction.stage = stage.index
                if stage.name:
                    if stage.name in names:
                        self._problem(instruction.line, f"stage name {stage.name} is used twice")
                    names[stage.name] = stage.index
                stages.append(stage)
            elif not stages:
                if instruction.keyword == "ARG":
                    global_args.append(instruction)
                    for pair in arg_pairs(instruction):
                        if pair.value is not None:
                            defaults[pair.key] = expand(pair.value, defaults)[0]
                elif instruction.keyword in INSTRUCTIONS:
                    self._problem(instruction.line, f"{instruction.keyword} before the first FROM "
                                  "(only ARG may come first); BuildKit refuses the file")
            else:
                instruction.stage = len(stages) - 1
                stages[-1].instructions.append(instruction)
        return stages, global_args

    def _stage(self, instruction: Instruction, index: int, defaults: Mapping[str, str],
               names: Mapping[str, int]) -> Stage:
        words = split_words(instruction.arguments)
        image = words[0] if words else ""
        name: Optional[str] = None
        if len(words) >= 3 and words[1].lower() == "as":
            name = words[2].lower()
            if not _STAGE_NAME.fullmatch(name):
                self._problem(instruction.line, f"invalid stage name {_excerpt(words[2], 40)}")
        elif len(words) != 1:
            self._problem(instruction.line, "FROM takes an image and optionally AS name")
        if not image:
            self._problem(instruction.line, "FROM without an image")
        resolved, unresolved = expand(image, defaults)
        stage = Stage(index, name, image, resolved, instruction.flag("platform"), instruction.line, [])
        key = resolved.lower()
        if key in names:
            stage.parent = names[key]
        elif resolved and resolved != "scratch" and not unresolved:
            stage.ref = parse_image(resolved)
        return stage


# ---- pieces --------------------------------------------------------------------------------------


def _split_first(text: str) -> Tuple[str, str, str]:
    """(first word, separator, rest) splitting on the first run of blanks."""
    match = re.search(r"\s+", text)
    if not match:
        return text, "", ""
    return text[:match.start()], match.group(), text[match.end():]


def _flags(rest: str) -> Tuple[List[Tuple[str, Optional[str]]], str]:
    """Leading `--name[=value]` words, and the arguments after them."""
    flags: List[Tuple[str, Optional[str]]] = []
    while rest.startswith("--"):
        word, _, after = _split_first(rest)
        if word == "--":
            rest = after
            break
        name, equals, value = word[2:].partition("=")
        flags.append((name.lower(), _unquote(value) if equals else None))
        rest = after
    return flags, rest.strip()


def _json_array(arguments: str) -> Optional[List[str]]:
    """The exec form's array, if the arguments are a JSON array of strings (else None: shell form)."""
    text = arguments.strip()
    if not text.startswith("[") or len(text) > MAX_JSON:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def split_words(text: str) -> List[str]:
    """Blank-separated words, keeping quoted blanks inside a word (quotes kept)."""
    return shellwords.scan(text, shellwords.DOCKERFILE).words()


def _unquote(word: str) -> str:
    """Quotes removed as the Dockerfile reader removes them (`"a b"` -> `a b`, `'x'` -> `x`)."""
    return shellwords.unquote(word, shellwords.DOCKERFILE)


_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand(text: str, values: Mapping[str, str]) -> Tuple[str, bool]:
    """Substitute `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}` as Docker does for FROM,
    USER, COPY flags and EXPOSE; (result, whether some variable had no value).

    The result is cut at MAX_EXPANSION characters (counted as unresolved): the work is linear
    in `text` whatever the values hold."""
    unresolved = False
    out: List[str] = []
    size = 0
    position = 0
    for match in _VARIABLE.finditer(text):
        value, missing = _substitute(match, values)
        unresolved = unresolved or missing
        for piece in (text[position:match.start()], value):
            out.append(piece[:MAX_EXPANSION - size])
            size += len(out[-1])
        position = match.end()
        if size >= MAX_EXPANSION:
            return "".join(out), True
    out.append(text[position:][:MAX_EXPANSION - size])
    result = "".join(out)
    return result, unresolved or len(result) >= MAX_EXPANSION


def _substitute(match: "re.Match[str]", values: Mapping[str, str]) -> Tuple[str, bool]:
    """The value one `$VAR` reference stands for, and whether the variable had none."""
    name = match.group(1) or match.group(4)
    operator, word = match.group(2), match.group(3) or ""
    value = values.get(name)
    if operator in (":-", "-"):
        if value is None or (operator == ":-" and value == ""):
            return word, False
        return value, False
    if operator in (":+", "+"):
        return (word if value is not None and (operator == "+" or value != "") else ""), False
    if value is None:
        return "", True
    return value, False


def env_pairs(instruction: Instruction) -> List[Assignment]:
    """ENV's `key=value ...` pairs (quotes removed), or the legacy `ENV key value with blanks`."""
    words = split_words(instruction.arguments)
    if not words:
        return []
    if "=" not in words[0]:
        _, _, value = _split_first(instruction.arguments.strip())
        return [Assignment(words[0], _unquote(value.strip()), instruction.line)]
    pairs = []
    for word in words:
        key, _, value = word.partition("=")
        pairs.append(Assignment(key, _unquote(value), instruction.line))
    return pairs


def arg_pairs(instruction: Instruction) -> List[Assignment]:
    """ARG's `name[=default] ...` (None: no default)."""
    pairs = []
    for word in split_words(instruction.arguments):
        key, equals, value = word.partition("=")
        pairs.append(Assignment(key, _unquote(value) if equals else None, instruction.line))
    return pairs


def label_pairs(instruction: Instruction) -> List[Assignment]:
    return [Assignment(_unquote(p.key), p.value, p.line) for p in env_pairs(instruction)]


def expose_ports(instruction: Instruction) -> List[Port]:
    """EXPOSE's entries: `8080`, `8080/tcp`, `53/udp`; a variable or range has no number."""
    ports = []
    for word in split_words(instruction.arguments):
        text = _unquote(word)
        number_text, _, protocol = text.partition("/")
        number = int(number_text) if number_text.isdigit() and 0 < int(number_text) < 65536 else None
        ports.append(Port(text, number, (protocol or "tcp").lower(), instruction.line))
    return ports


def start_command(instruction: Instruction) -> Command:
    """CMD or ENTRYPOINT (or HEALTHCHECK CMD) as exec form or shell string."""
    if instruction.keyword == "HEALTHCHECK":
        _, _, rest = _split_first(instruction.arguments.strip())
        array = _json_array(rest)
        return Command("HEALTHCHECK", instruction.line, array, None if array is not None else rest.strip())
    if instruction.exec_form is not None:
        return Command(instruction.keyword, instruction.line, list(instruction.exec_form), None)
    return Command(instruction.keyword, instruction.line, None, instruction.arguments.strip())


def copy_sources(instruction: Instruction) -> Tuple[List[str], str]:
    """COPY/ADD (sources, destination); heredoc sources are named `<<NAME`."""
    words = instruction.exec_form if instruction.exec_form is not None else [
        _unquote(word) for word in split_words(instruction.arguments)]
    if len(words) < 2:
        return list(words), ""
    return list(words[:-1]), words[-1]


def _excerpt(text: str, limit: int) -> str:
    return printable(text if len(text) <= limit else text[:limit] + "...")


def printable(text: str) -> str:
    """Text from the Dockerfile made safe for one line of a terminal (the project's escaping)."""
    return one_line(text)


#: Dockerfile, Dockerfile.<variant>, Dockerfile-<variant>, <variant>.Dockerfile, and the same for Containerfile
_DOCKERFILE_NAME = re.compile(r"(?:dockerfile|containerfile)(?:[.-][a-z0-9_-]+)?|[a-z0-9_.-]+\.(?:dockerfile|containerfile)",
                              re.IGNORECASE)
#: variants that are not Dockerfiles: backups, templates, documents, data
_NOT_VARIANTS = frozenset({"orig", "bak", "rej", "old", "swp", "dockerignore", "md", "txt", "json", "yaml", "yml",
                           "golden", "j2", "jinja", "tmpl", "tpl", "template", "sh", "in", "example", "sample"})


def is_dockerfile_name(name: str) -> bool:
    """Dockerfile, Containerfile, Dockerfile.<variant>, <variant>.Dockerfile (not backups, templates or data)."""
    if not _DOCKERFILE_NAME.fullmatch(name):
        return False
    lower = name.lower()
    if lower.startswith(("dockerfile", "containerfile")):
        variant = lower.split(".", 1)[1] if "." in lower else ""
        return variant not in _NOT_VARIANTS
    return True
