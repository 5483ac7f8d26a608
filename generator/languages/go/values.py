"""What a Go value followed back is (`Found`, with the `Knob` that sets it), and the bits of Go syntax it is read from.

These are the pieces shared by the expression evaluator (`expr`), the option
declarations of configuration libraries (`options`) and the listener rules
(`listen`): the top-level arguments of a call, a split outside brackets and
strings, the value of a literal, the expression assigned to a name on a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence

from generator.detect.model import Evidence

ASSIGN = re.compile(r"(?<![=!<>:+\-*/%&|^])(:=|=)(?!=)")


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


def merge(results: Sequence[Optional[Found]]) -> Optional[Found]:
    """The first value found and the first knob found, across several candidate sources."""
    present = [r for r in results if r is not None]
    if not present:
        return None
    valued = next((r for r in present if r.value is not None), None)
    knob = next((r.knob for r in present if r.knob is not None), None)
    if valued is None:
        return Found(None, None, knob) if knob else None
    return Found(valued.value, valued.evidence, valued.knob or knob, valued.weak, valued.indirect)


def join(*parts: str) -> str:
    """Several caveats as one sentence list."""
    return "; ".join(p for p in parts if p)


def call_args(code: str, start: int) -> Optional[List[str]]:
    """The top-level arguments of the call whose "(" is at `start` (None when unbalanced)."""
    cut = _cut(code, start, ",", enclosed=True)
    if cut is None:
        return None
    return [] if cut == [""] else cut


def split_top(expr: str, separator: str) -> List[str]:
    """`expr` split on `separator` outside brackets and strings."""
    return _cut(expr, 0, separator, enclosed=False) or [""]


#: how far a call's arguments are read before the call counts as unbalanced
MAX_CALL = 4000


def _cut(text: str, start: int, separator: str, enclosed: bool) -> Optional[List[str]]:
    """`text` from `start` cut at `separator` outside brackets and strings. Enclosed: `text[start]` opens a
    bracket and its close ends the cut (None when it does not close within MAX_CALL characters)."""
    parts: List[str] = []
    current: List[str] = []
    top = 1 if enclosed else 0
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        if char == '"':
            end = _string_end(text, index)
            current.append(text[index:end + 1])
            index = end + 1
            continue
        if char in "([{":
            depth += 1
            if depth > 1 or not enclosed:
                current.append(char)
        elif char in ")]}":
            depth -= 1
            if enclosed and depth == 0:
                parts.append("".join(current).strip())
                return parts
            current.append(char)
        elif char == separator and depth == top:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
        if enclosed and index - start > MAX_CALL:
            return None
    if enclosed:
        return None
    parts.append("".join(current).strip())
    return parts


def _string_end(text: str, index: int) -> int:
    """Where the interpreted string opening at `index` ends (its closing quote, else the end of its line)."""
    end = index + 1
    while end < len(text) and text[end] != '"' and text[end] != "\n":
        end += 2 if text[end] == "\\" else 1
    return end


def literal(expr: str) -> Optional[str]:
    """The value of a string or integer literal (None for anything else)."""
    expr = expr.strip()
    if len(expr) >= 2 and expr[0] == '"' and expr[-1] == '"' and '"' not in expr[1:-1].replace('\\"', ""):
        return expr[1:-1].replace('\\"', '"')
    if re.fullmatch(r"\d{1,5}", expr):
        return expr
    return None


def assigned(name: str, text: str) -> Optional[str]:
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


def right_side(text: str) -> Optional[str]:
    """The expression assigned on this line, whatever the target."""
    match = ASSIGN.search(text)
    return text[match.end():].split(";")[0].strip() if match else None
