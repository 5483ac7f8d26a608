"""What the repository itself states about how its app runs, ranked above the code heuristics.

Files written by the people who run the app say it more reliably than any reading of
the code: a Dockerfile's EXPOSE and CMD, a compose service's ports, a Procfile's web
line, a fly.toml's internal_port, a Kubernetes containerPort, a systemd ExecStart.
Each reader (one module per kind of source) turns one kind of file into `Statement`s:
plain, untrusted data with the file, line and text it came from. Nothing is executed;
every file is read through the detection `Repo` (bounded, link-safe) and YAML, TOML
and JSON are parsed with limits (files.py). `merge.apply` ranks the statements of every
app over what its language's heuristics found; validation (generator.validate) then
checks the winners like any detected fact.

The ranks, best first (docs/detect.md): the app's own Dockerfile, a compose service
that builds it, platform files (fly.toml, render.yaml, railway, nixpacks, Procfile,
app.json, version files), Kubernetes manifests and Helm values, process managers and
scripts (systemd, supervisord, uWSGI, gunicorn config, an entrypoint script's exec
line, goreleaser). Below them: the code heuristics, then the language's defaults.
The person's flags stay above everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, FrozenSet, List, Tuple

from generator.detect.model import Evidence

#: the kinds of source, best first; a statement's rank is its kind's position
DOCKERFILE = "dockerfile"
COMPOSE = "compose"
PLATFORM = "platform"
ORCHESTRATION = "kubernetes"
PROCESS = "process"
SOURCES: Tuple[str, ...] = (DOCKERFILE, COMPOSE, PLATFORM, ORCHESTRATION, PROCESS)
#: the rank of a fact the language's code heuristics found (below every statement)
HEURISTICS_RANK = len(SOURCES)


@dataclass(frozen=True)
class Statement:
    """One answer a repository file states (untrusted), where it says it, and the kind of file."""

    key: str
    value: Any
    evidence: Evidence
    source: str
    #: why it is only likely (a `$PORT` default), shown like a fact's `weak`
    weak: str = ""
    #: it only fills in what the heuristics did not find (a version file picks a local tool, while the
    #: build file the language reads states what the build targets)
    fallback: bool = False

    @property
    def rank(self) -> int:
        return SOURCES.index(self.source)


@dataclass(frozen=True)
class Target:
    """The app a reader looks for: its language, its root, and the roots of the other apps found."""

    repo: Any
    language: Any
    root: str
    name: str
    others: Tuple[str, ...]
    #: the compose services that build from the repository (compose.services), listed once
    services: Tuple[Any, ...] = ()
    #: files the languages' detection warned about already (it said what is wrong with them: once is enough)
    noticed: FrozenSet[str] = frozenset()

    def warn(self, evidence: Evidence, message: str) -> None:
        """A notice on the statement's file, naming its line (unless the language warned about that file)."""
        if evidence.file not in self.noticed:
            where = f"line {evidence.line}: " if evidence.line else ""
            self.repo.warn(evidence.file, f"{where}{message}")

    @property
    def siblings(self) -> bool:
        """Whether other apps share its root (several main packages of one module): then a statement is
        its only when it runs a program of its name."""
        return self.root in self.others

    def runs(self, program: str) -> bool:
        """Whether a stated command that runs `program` can be the target's (see `siblings`)."""
        return not self.siblings or program.rsplit("/", 1)[-1] == self.name

    @property
    def alone(self) -> bool:
        """Whether it is the repository's only app (then a manifest that names no app is its)."""
        return not self.others


#: a reader: the statements one kind of source makes about the target app
Reader = Callable[[Target], List[Statement]]
