"""Detection: one provider per language behind one small interface.

A provider is a function `detect(repo: Repo) -> list[AppCandidate]`; it reads only
through `repo` and returns candidates whose facts carry their evidence. Providers
never raise for bad repository content: they call `repo.warn(...)` and go on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, List

from generator.detect.model import AppCandidate, Evidence, Fact, Notice, Report
from generator.detect.walker import Repo

Provider = Callable[[Repo], List[AppCandidate]]

#: what each provider looks for, named in the "nothing recognised" message
LOOKED_FOR: Dict[str, str] = {
    "go": "go.mod or go.work",
    "python": "requirements*.txt, pyproject.toml, Pipfile, setup.py or setup.cfg",
    "java": "pom.xml, build.gradle or build.gradle.kts",
}


def providers() -> Dict[str, Provider]:
    """The providers by language (imported here so `scaffold --help` stays fast)."""
    from generator.detect import golang, java, python

    return {"go": golang.detect, "python": python.detect, "java": java.detect}


def detect(path: Path) -> Report:
    """Scan the repository at `path` with every provider."""
    repo = Repo(path)
    report = Report(root=str(repo.root))
    for language, provider in providers().items():
        for app in provider(repo):
            report.apps.append(app)
    _make_ids_unique(report.apps)
    report.warnings = list(repo.notices)
    return report


def _make_ids_unique(apps: List[AppCandidate]) -> None:
    """Two candidates with the same language/name get their root appended to the name."""
    seen: Dict[str, int] = {}
    for app in apps:
        seen[app.id] = seen.get(app.id, 0) + 1
    for app in apps:
        if seen[app.id] > 1 and app.root != ".":
            app.name = f"{app.name}-{app.root.replace('/', '-')}"


def nothing_found_message() -> str:
    looked = "; ".join(f"{lang}: {what}" for lang, what in LOOKED_FOR.items())
    return f"no Go, Python or Java application found (looked for {looked})"


__all__ = ["AppCandidate", "Evidence", "Fact", "Notice", "Report", "Repo", "detect", "nothing_found_message"]
