"""What detection produces: plain data, each value with the evidence it came from.

Every value here is *untrusted*: it was read from the repository. Nothing in this
module may reach a template; `generator.validate` turns a candidate into answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

#: a list of argv lists: release steps
FactValue = Union[str, int, bool, List[str], List[List[str]], None]

#: longest excerpt of a source line kept as evidence
EXCERPT_LIMIT = 120


def excerpt(text: str) -> str:
    """A short, printable excerpt of an untrusted line, safe to show in a terminal."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text.strip())
    if len(cleaned) > EXCERPT_LIMIT:
        cleaned = cleaned[: EXCERPT_LIMIT - 1] + "…"
    return cleaned


@dataclass(frozen=True)
class Evidence:
    """Where a value was found: a file relative to the repository root, and a line."""

    file: str
    line: Optional[int] = None
    text: str = ""

    def to_json(self) -> Dict[str, Any]:
        return {"file": self.file, "line": self.line, "text": self.text}

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Fact:
    """One detected value and why we believe it (no evidence means a convention/default).

    `weak` says why the value is only likely (a framework's default, a guess between
    several candidates); `detect` shows it, so a doubtful value is never passed off as read.
    `source` names the kind of file a repository statement came from (`dockerfile`,
    `compose`, ...; "" for the code heuristics), and `alternatives` the other values
    found for the same answer, best first, each with its own evidence and source
    (generator.detect.stated ranks them), so that a conflict is shown, not hidden.
    """

    value: FactValue
    evidence: Optional[Evidence] = None
    weak: str = ""
    source: str = ""
    alternatives: Tuple["Fact", ...] = ()

    def to_json(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {
            "value": self.value,
            "evidence": self.evidence.to_json() if self.evidence else None,
        }
        if self.weak:
            data["weak"] = self.weak
        if self.source:
            data["source"] = self.source
        if self.alternatives:
            data["alternatives"] = [alternative.to_json() for alternative in self.alternatives]
        return data


@dataclass
class AppCandidate:
    """One application found in the repository.

    `root` is the directory (relative to the scanned root, POSIX, "." for the root)
    that the build starts from: the go.mod / go.work directory, the Python project
    directory, the Maven/Gradle root build. `facts` holds the language's keys,
    documented in docs/architecture.md.
    """

    language: str
    name: str
    root: str
    facts: Dict[str, Fact] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """How `--app` names this candidate: language/name (unique per repository)."""
        return f"{self.language}/{self.name}"

    def value(self, key: str, default: FactValue = None) -> FactValue:
        fact = self.facts.get(key)
        return default if fact is None or fact.value is None else fact.value

    def set(self, key: str, value: FactValue, evidence: Optional[Evidence] = None, weak: str = "") -> None:
        self.facts[key] = Fact(value, evidence, weak)

    def to_json(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "language": self.language,
            "name": self.name,
            "root": self.root,
            "facts": {key: fact.to_json() for key, fact in sorted(self.facts.items())},
        }


@dataclass(frozen=True)
class Notice:
    """Something in the repository we could not read or understand (never fatal)."""

    file: str
    message: str

    def to_json(self) -> Dict[str, str]:
        return {"file": self.file, "message": self.message}

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class Report:
    """Everything `scaffold detect` says about a repository."""

    root: str
    apps: List[AppCandidate] = field(default_factory=list)
    warnings: List[Notice] = field(default_factory=list)
    #: why nothing was found, where a language could tell (`Repo.hint`)
    hints: List[str] = field(default_factory=list)

    def to_json(self) -> Dict[str, Any]:
        return {
            "root": self.root,
            "apps": [app.to_json() for app in self.apps],
            "warnings": [w.to_json() for w in self.warnings],
        }
