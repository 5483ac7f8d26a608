"""Which paths of a build context a `.dockerignore` leaves out, exactly as BuildKit decides it.

A port of what the build itself runs, so that check never says "kept out" about a file
a real build ships: moby/patternmatcher's `ignorefile.ReadAll` (a comment is a line
whose very first character is `#`; other lines are trimmed of Unicode white space; `!`
marks an exception; each pattern is cleaned as Go's filepath.Clean does and loses one
leading `/`), `New` (a pattern must be valid for Go's filepath.Match, or the build
fails), `Pattern.compile` (the pattern becomes a Go regular expression: `**` any
number of directories, `*` and `?` anything but `/`, `[`, `]` and `\\` passed through,
so `[!x]` is the class of `!` and `x`, `[^x]` a negated class and `\\n` a newline), and
`MatchesUsingParentResults` with the walk of tonistiigi/fsutil's filter (a pattern that
matched a directory matches everything below it; the last matching pattern wins; an
excluded directory is entered only where an exception may bring part of it back). The
Go regular expression is then translated into Python's with Go's meaning kept (RE2
classes, escapes, `$` at the very end only).

Builders differ: Docker before 23 (fsutil before 2022, moby fileutils) matched every
pattern by its regular expression (`**` alone is `.*`, which stops at a newline;
`**.env` is `(.*/)?\\.env`, not "ends in .env") and never entered an excluded directory
for a wildcard exception. A secret is "kept out" only when BOTH the current reading and
that legacy one keep it out: check never tells a person a file stays out that one of
the builders still in use ships.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

#: Go's unicode.IsSpace, which strings.TrimSpace trims
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"
#: bufio.Scanner's default token limit: a longer line fails the build
MAX_LINE = 64 * 1024
_MAX_RUNE = 0x10FFFF
_Ranges = List[Tuple[int, int]]


class BadPattern(ValueError):
    """BuildKit refuses this .dockerignore (the build fails)."""


class Unsupported(ValueError):
    """A construct of Go's regular expressions that this port does not evaluate (Unicode classes)."""


# ---- ignorefile.ReadAll -------------------------------------------------------------------------------


def read_all(text: str) -> List[str]:
    """The patterns of a .dockerignore, as BuildKit reads them (exceptions keep their `!`)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    patterns: List[str] = []
    for number, line in enumerate(lines, start=1):
        if len(line.encode("utf-8", "surrogatepass")) > MAX_LINE:
            raise BadPattern(f"line {number} is longer than 64 KiB")
        if line.endswith("\r"):
            line = line[:-1]
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        if line.startswith("#"):
            continue
        pattern = line.strip(_GO_SPACE)
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip(_GO_SPACE)
        if pattern:
            pattern = go_clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        patterns.append("!" + pattern if invert else pattern)
    return patterns


def go_clean(path: str) -> str:
    """Go's filepath.Clean on a `/`-separated path."""
    rooted = path.startswith("/")
    parts: List[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = ("/" if rooted else "") + "/".join(parts)
    return cleaned or ("/" if rooted else ".")


# ---- patternmatcher.New and Pattern ----------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    text: str
    exclusion: bool
    #: "exact", "prefix", "suffix" or "regexp" (patternmatcher's matchType)
    kind: str
    regex: "re.Pattern[str]"
    #: the regular expression Docker before 23 matched every pattern with
    legacy: "re.Pattern[str]"

    def legacy_match(self, path: str) -> bool:
        return self.legacy.search(path) is not None

    def match(self, path: str) -> bool:
        if self.kind == "exact":
            return path == self.text
        if self.kind == "prefix":
            return path.startswith(self.text[:-2])
        if self.kind == "suffix":
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        return self.regex.search(path) is not None


def compile_patterns(patterns: Sequence[str]) -> List[Pattern]:
    """patternmatcher.New: BadPattern where the build would fail, Unsupported where check cannot judge."""
    compiled: List[Pattern] = []
    for raw in patterns:
        text = raw.strip(_GO_SPACE)
        if not text:
            continue
        text = go_clean(text)
        exclusion = text.startswith("!")
        if exclusion:
            if len(text) == 1:
                raise BadPattern('illegal exclusion pattern: "!"')
            text = text[1:]
        _check_glob(text)
        kind, current, legacy = _go_regexp(text)
        try:
            compiled.append(Pattern(text, exclusion, kind, re.compile(_translate(current), re.ASCII),
                                    re.compile(_translate(legacy), re.ASCII)))
        except re.error:
            raise BadPattern(f"syntax error in pattern {text}") from None
    return compiled


def _check_glob(pattern: str) -> None:
    """Go's filepath.Match(pattern, ".") error: a bad escape or character class fails the build."""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if index + 1 >= len(pattern):
                raise BadPattern(f"syntax error in pattern {pattern} (a trailing backslash)")
            index += 2
        elif char == "[":
            index = _check_glob_class(pattern, index + 1)
        else:
            index += 1


def _check_glob_class(pattern: str, index: int) -> int:
    if index < len(pattern) and pattern[index] == "^":
        index += 1
    ranges = 0
    while not (index < len(pattern) and pattern[index] == "]" and ranges > 0):
        index = _glob_char(pattern, index)
        if pattern[index] == "-":
            index = _glob_char(pattern, index + 1)
        ranges += 1
    return index + 1


def _glob_char(pattern: str, index: int) -> int:
    """filepath's getEsc: one class character (escaped or not) that something must follow."""
    if index >= len(pattern) or pattern[index] in "-]":
        raise BadPattern(f"syntax error in pattern {pattern} (a character class)")
    if pattern[index] == "\\":
        index += 1
        if index >= len(pattern):
            raise BadPattern(f"syntax error in pattern {pattern} (a trailing backslash)")
    index += 1
    if index >= len(pattern):
        raise BadPattern(f"syntax error in pattern {pattern} (an unclosed character class)")
    return index


def _go_regexp(pattern: str) -> Tuple[str, str, str]:
    """Pattern.compile: (match type, the Go regular expression, the one Docker before 23 used: a trailing
    `**` is `.*` there, where the current one keeps it out of the expression for a prefix match)."""
    out = ["^"]
    legacy_tail = ""
    kind = "exact"
    index = 0
    position = 0
    while index < len(pattern):
        char = pattern[index]
        index += 1
        if char == "*":
            if index < len(pattern) and pattern[index] == "*":
                index += 1
                if index < len(pattern) and pattern[index] == "/":
                    index += 1
                if index >= len(pattern):
                    if kind == "exact":
                        kind = "prefix"
                        legacy_tail = ".*"
                    else:
                        out.append(".*")
                        kind = "regexp"
                else:
                    out.append("(.*/)?")
                    kind = "regexp"
                if position == 0:
                    kind = "suffix"
            else:
                out.append("[^/]*")
                kind = "regexp"
        elif char == "?":
            out.append("[^/]")
            kind = "regexp"
        elif char in ".+()|{}$":
            out.append("\\" + char)
        elif char == "\\":
            if index < len(pattern):
                out.append("\\" + pattern[index])
                index += 1
                kind = "regexp"
            else:
                out.append("\\")
        elif char in "[]":
            out.append(char)
            kind = "regexp"
        else:
            out.append(char)
        position += 1
    current = "".join(out)
    return kind, current + "$", current + legacy_tail + "$"


# ---- Go's regular expressions in Python's words -----------------------------------------------------

_PERL = {"d": [(0x30, 0x39)], "s": [(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)],
         "w": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]}
_POSIX = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)], "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0x00, 0x7F)], "blank": [(0x09, 0x09), (0x20, 0x20)], "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "digit": [(0x30, 0x39)], "graph": [(0x21, 0x7E)], "lower": [(0x61, 0x7A)], "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)], "space": [(0x09, 0x0D), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)], "word": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}
_SIMPLE_ESCAPES = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}


def _translate(go: str) -> str:
    """A Python regular expression that matches what the Go (RE2, Perl flags) one does."""
    out: List[str] = []
    index = 0
    while index < len(go):
        char = go[index]
        if char == "\\":
            piece, index = _escape_outside(go, index + 1)
            out.append(piece)
        elif char == "[":
            ranges, negated, index = _char_class(go, index + 1)
            out.append(_class(ranges, negated))
        elif char in "^.*?()|":
            out.append(char)
            index += 1
        elif char == "$":
            out.append(r"\Z")  # Go's `$` is the end of the text; Python's also matches before a final newline
            index += 1
        else:
            out.append(_literal(ord(char)))
            index += 1
    return "".join(out)


def _escape_outside(go: str, index: int) -> Tuple[str, int]:
    if index >= len(go):
        raise BadPattern("a trailing backslash")
    char = go[index]
    anchors = {"A": r"\A", "z": r"\Z", "b": r"\b", "B": r"\B"}
    if char in anchors:
        return anchors[char], index + 1
    if char == "Q":
        end = go.find("\\E", index + 1)
        text = go[index + 1:] if end < 0 else go[index + 1:end]
        return "".join(_literal(ord(c)) for c in text), len(go) if end < 0 else end + 2
    ranges, index = _escape(go, index)
    return _class(ranges, False), index


def _escape(go: str, index: int) -> Tuple[_Ranges, int]:
    """Go's parseEscape and Perl classes (after the backslash): the characters it stands for."""
    char = go[index]
    following = go[index + 1] if index + 1 < len(go) else ""
    if ord(char) < 0x80 and not char.isalnum():
        return [(ord(char), ord(char))], index + 1
    if char in "dsw":
        return _PERL[char], index + 1
    if char in "DSW":
        return _complement(_PERL[char.lower()]), index + 1
    if char in _SIMPLE_ESCAPES:
        return [(_SIMPLE_ESCAPES[char],) * 2], index + 1
    if char == "0" or (char in "1234567" and following != "" and following in "01234567"):
        digits = re.match(r"[0-7]{1,3}", go[index:])
        assert digits is not None
        value = int(digits.group(0), 8)
        return [(value, value)], index + len(digits.group(0))
    if char == "x":
        return _hex_escape(go, index + 1)
    if char in "pP":
        raise Unsupported("a Unicode class (\\p)")
    raise BadPattern(f"an invalid escape \\{char}")


def _hex_escape(go: str, index: int) -> Tuple[_Ranges, int]:
    braced = re.match(r"\{([0-9A-Fa-f]{1,8})\}", go[index:])
    plain = re.match(r"[0-9A-Fa-f]{2}", go[index:])
    match = braced or plain
    if match is None:
        raise BadPattern("an invalid escape \\x")
    value = int(match.group(1) if braced else match.group(0), 16)
    if value > _MAX_RUNE:
        raise BadPattern("an invalid escape \\x")
    return [(value, value)], index + match.end()


def _char_class(go: str, index: int) -> Tuple[_Ranges, bool, int]:
    """Go's parseClass (after `[`): (ranges, negated, index after `]`)."""
    negated = index < len(go) and go[index] == "^"
    if negated:
        index += 1
    ranges: _Ranges = []
    first = True
    while index >= len(go) or go[index] != "]" or first:
        if index >= len(go):
            raise BadPattern("a missing closing ]")
        first = False
        named = _named_class(go, index)
        if named is not None:
            found, index = named
            ranges.extend(found)
            continue
        if go.startswith("\\", index) and index + 1 < len(go) and go[index + 1] in "dDsSwWpP":
            found, index = _escape(go, index + 1)
            ranges.extend(found)
            continue
        low, index = _class_char(go, index)
        high = low
        if index + 1 < len(go) and go[index] == "-" and go[index + 1] != "]":
            high, index = _class_char(go, index + 1)
            if high < low:
                raise BadPattern("an invalid character class range")
        ranges.append((low, high))
    return ranges, negated, index + 1


def _named_class(go: str, index: int) -> Optional[Tuple[_Ranges, int]]:
    if not go.startswith("[:", index):
        return None
    end = go.find(":]", index + 2)
    if end < 0:
        return None
    name = go[index + 2:end]
    negated = name.startswith("^")
    ranges = _POSIX.get(name[1:] if negated else name)
    if ranges is None:
        raise BadPattern("an invalid character class")
    return (_complement(ranges) if negated else ranges), end + 2


def _class_char(go: str, index: int) -> Tuple[int, int]:
    if index >= len(go):
        raise BadPattern("a missing closing ]")
    if go[index] != "\\":
        return ord(go[index]), index + 1
    if index + 1 >= len(go):
        raise BadPattern("a trailing backslash")
    ranges, after = _escape(go, index + 1)
    if len(ranges) != 1 or ranges[0][0] != ranges[0][1]:
        raise BadPattern("an invalid character class range")
    return ranges[0][0], after


def _complement(ranges: _Ranges) -> _Ranges:
    result: _Ranges = []
    low = 0
    for start, end in sorted(ranges):
        if start > low:
            result.append((low, start - 1))
        low = max(low, end + 1)
    if low <= _MAX_RUNE:
        result.append((low, _MAX_RUNE))
    return result


def _literal(code: int) -> str:
    char = chr(code)
    return char if char.isascii() and char.isalnum() else f"\\U{code:08x}"


def _class(ranges: _Ranges, negated: bool) -> str:
    body = "".join(_literal(low) if low == high else f"{_literal(low)}-{_literal(high)}" for low, high in ranges)
    if not body:
        return "[^\\U00000000-\\U0010ffff]" if not negated else "[\\U00000000-\\U0010ffff]"
    return f"[{'^' if negated else ''}{body}]"


# ---- the walks: fsutil's filter with MatchesUsingParentResults, and the legacy one ---------------------

#: characters that make an exception a wildcard (fsutil's patternChars on Linux)
_WILDCARDS = "*[]?^\\"


@dataclass(frozen=True)
class Below:
    """What the builders' walks know about a directory on the way down to its entries."""

    #: the current walk: which patterns matched the directory (MatchInfo)
    matched: Optional[List[bool]] = None
    #: the current walk skipped it (an excluded directory not entered): everything below is left out
    current_out: bool = False
    #: the legacy walk skipped it
    legacy_out: bool = False


@dataclass
class Matcher:
    """The patterns of one .dockerignore, evaluated path by path as the builders' walks do."""

    patterns: List[Pattern] = field(default_factory=list)

    def step(self, path: str, above: Optional[Below] = None) -> Tuple[bool, Below]:
        """(whether every builder leaves `path` out, what its entries need to know when it is a directory)."""
        above = above or Below()
        current, matched = (True, None) if above.current_out else self._current(path, above.matched)
        legacy = above.legacy_out or self._legacy_matches(path)
        below = Below(matched, above.current_out or (current and not self._current_enters(path)),
                      above.legacy_out or (legacy and not self._legacy_enters(path)))
        return current and legacy, below

    def excludes(self, path: str) -> bool:
        """Whether `path` (relative to the context, `/`-separated) is left out by every builder."""
        return self._along(path)[0]

    def current_excludes(self, path: str) -> bool:
        """Whether the current BuildKit (fsutil's filter, patternmatcher's match types) leaves `path` out."""
        return self._along(path)[1]

    def legacy_excludes(self, path: str) -> bool:
        """Whether Docker before 23 (moby fileutils, fsutil before 2022) leaves `path` out."""
        return self._along(path)[2]

    def _along(self, path: str) -> Tuple[bool, bool, bool]:
        """(left out by every builder, by the current one, by the legacy one), walking down to `path`."""
        parts = go_clean(path).split("/")
        above = Below()
        for depth in range(1, len(parts)):
            _, above = self.step("/".join(parts[:depth]), above)
        current = True if above.current_out else self._current(path, above.matched)[0]
        legacy = above.legacy_out or self._legacy_matches(path)
        return current and legacy, current, legacy

    def _current(self, path: str, parent: Optional[List[bool]]) -> Tuple[bool, List[bool]]:
        """patternmatcher's MatchesUsingParentResults."""
        excluded = False
        matched = [False] * len(self.patterns)
        for index, pattern in enumerate(self.patterns):
            match = parent[index] if parent else False
            if not match:
                if pattern.exclusion != excluded:
                    continue
                match = pattern.match(path) or (not parent and self._parent_matches(pattern, path))
            matched[index] = match
            if match:
                excluded = not pattern.exclusion
        return excluded, matched

    @staticmethod
    def _parent_matches(pattern: Pattern, path: str) -> bool:
        parts = path.split("/")[:-1]
        return any(pattern.match("/".join(parts[:depth])) for depth in range(1, len(parts) + 1))

    def _current_enters(self, directory: str) -> bool:
        """fsutil's filter: an excluded directory is walked when an exception has a wildcard, or names
        something below it."""
        exceptions = [_without_trailing_glob(p.text) for p in self.patterns if p.exclusion]
        if any(char in text for text in exceptions for char in _WILDCARDS):
            return True
        return any((text + "/").startswith(directory + "/") for text in exceptions)

    def _legacy_matches(self, path: str) -> bool:
        """moby fileutils' Matches (Docker before 23): every pattern by its regular expression, the parent
        of the pattern's own depth."""
        parents = path.split("/")[:-1]
        excluded = False
        for pattern in self.patterns:
            match = pattern.legacy_match(path)
            depth = pattern.text.count("/") + 1
            if not match and parents and depth <= len(parents):
                match = pattern.legacy_match("/".join(parents[:depth]))
            if match:
                excluded = not pattern.exclusion
        return excluded

    def _legacy_enters(self, directory: str) -> bool:
        return any((p.text + "/").startswith(directory + "/") for p in self.patterns if p.exclusion)


def _without_trailing_glob(text: str) -> str:
    for suffix in ("/**", "/*"):
        if text.endswith(suffix):
            text = text[:-len(suffix)]
    return text
