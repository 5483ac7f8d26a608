"""Detection: every language of the registry behind one small interface.

Each language's `detect(repo) -> list[AppCandidate]` (generator.languages) reads only
through `repo` and returns candidates whose facts carry their evidence. Detection
never raises for bad repository content: it calls `repo.warn(...)` and goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence

from generator.detect.model import AppCandidate, Evidence, Fact, Notice, Report
from generator.detect.stated.merge import rank_statements
from generator.detect.walker import Repo
from generator.languages import LANGUAGES, by_name, titles
from generator.services.detect import detect_services
from generator.state import detect_state


def detect(path: Path) -> Report:
    """Scan the repository at `path` for every language, in registry order."""
    repo = Repo(path)
    report = Report(root=str(repo.root))
    for language in LANGUAGES:
        report.apps.extend(language.detect(repo))
    rank_statements(repo, report.apps)  # what the repository's own files say, ranked over the heuristics
    for app in report.apps:
        by_name(app.language).settle(repo, app)  # the language's checks of the ranked facts
        detect_state(repo, app)  # the folders it writes
        detect_services(repo, app)  # the databases and caches it talks to
    from generator.frontend.detect import attach_all  # the UI an app builds in, whatever its language

    attach_all(repo, report.apps, by_name)
    _make_ids_unique(report.apps)
    report.warnings = list(repo.notices)
    report.hints = list(repo.hints)
    return report


def _make_ids_unique(apps: List[AppCandidate]) -> None:
    """Two candidates with the same language/name get their root appended to the name."""
    seen: Dict[str, int] = {}
    for app in apps:
        seen[app.id] = seen.get(app.id, 0) + 1
    for app in apps:
        if seen[app.id] > 1 and app.root != ".":
            app.name = f"{app.name}-{app.root.replace('/', '-')}"


def nothing_found_message(hints: Sequence[str] = ()) -> str:
    """What was looked for, language by language: the "nothing recognised" error, after why (when known)."""
    looked = "; ".join(f"{language.name}: {language.looks_for}" for language in LANGUAGES)
    why = "".join(f": {hint}" for hint in hints[:1])
    return f"no {titles()} application found{why} (looked for {looked})"


__all__ = ["AppCandidate", "Evidence", "Fact", "Notice", "Report", "Repo", "detect", "nothing_found_message"]
