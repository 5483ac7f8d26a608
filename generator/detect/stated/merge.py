"""One engine from statements to facts: the best-ranked valid statement wins, the others are kept.

For each answer a statement names, the statements are checked with the answer's own
parser (the one a flag goes through; a bad value is dropped with a notice naming its
file and line), ordered by rank (the kind of file, generator.detect.stated.SOURCES) and
then by the order the readers found them, and the first becomes the fact, with its
evidence and source. The others, and the fact the code heuristics had found, become its
`alternatives` when they say something else: `scaffold detect` shows each conflict.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional

from generator.detect.model import AppCandidate, Fact
from generator.detect.stated import Reader, Statement, Target
from generator.detect.walker import Repo


def readers() -> List[Reader]:
    """Every reader, best-ranked source first (the rank is the statement's; this is only the order)."""
    from generator.detect.stated import builds, compose, orchestration, platform, processes

    return [builds.read, compose.read, platform.read, orchestration.read, processes.read]


def rank_statements(repo: Repo, apps: List[AppCandidate]) -> None:
    """What the repository states about each app, ranked into its facts."""
    from generator.detect.stated import compose
    from generator.languages import by_name

    services = tuple(compose.services(repo)) if apps else ()
    roots = [app.root for app in apps]
    noticed = frozenset(notice.file for notice in repo.notices)
    for app in apps:
        others = list(roots)
        others.remove(app.root)  # the other apps' roots: its own again when a sibling shares it
        target = Target(repo, by_name(app.language), app.root, app.name, tuple(others), services, noticed)
        statements = [statement for read in readers() for statement in read(target)]
        apply(target, app, statements)


def apply(target: Target, app: AppCandidate, statements: List[Statement]) -> None:
    """Rank `statements` into `app.facts`, over the facts its language's heuristics found."""
    from generator.validate import CLI  # the kind of a program that listens on nothing: a stated port overrules it

    by_key: Dict[str, List[Statement]] = {}
    for statement in statements:
        field = target.language.field(statement.key)
        if field is None or not field.detected:
            continue  # an answer detection does not give (uid): `scaffold adopt` reads it, detection does not
        try:
            field.parse(statement.value)
        except ValueError as error:
            target.warn(statement.evidence, f"{statement.key.replace('_', ' ')} not used ({error}): "
                                            f"{_shown(statement.value)}")
            continue
        refusal = target.language.stated_refusal(statement.key, statement.value, app.facts.get(statement.key))
        if refusal:
            target.warn(statement.evidence, f"{statement.key.replace('_', ' ')} {_shown(statement.value)} not used: "
                                            f"{refusal}")
            continue
        by_key.setdefault(statement.key, []).append(statement)
    for key, found in by_key.items():
        app.facts[key] = _ranked(target.language.field(key), app.facts.get(key), found)
    kind = app.facts.get("kind")
    if "port" in by_key and kind is not None and kind.value == CLI:
        app.facts["kind"] = Fact("server", app.facts["port"].evidence, source=app.facts["port"].source,
                                 alternatives=(kind,))


def _ranked(field: Any, heuristic: Optional[Fact], found: List[Statement]) -> Fact:
    """The fact for one answer: the best statement, unless the language's own reading stands (below)."""
    ranked = sorted(found, key=lambda statement: statement.rank)  # stable: the readers' order among equals
    statements = [Fact(s.value, s.evidence, s.weak, s.source) for s in ranked]
    read = heuristic is not None and heuristic.value is not None and heuristic.evidence is not None
    primary = [fact for fact, s in zip(statements, ranked) if not s.fallback]
    if heuristic is not None and heuristic.value is not None and (
            (read and not primary)  # only fallbacks, and the language read a value from a file
            or (primary and _same(field, heuristic, primary[0]))):
        return replace(heuristic, alternatives=tuple(_differing(heuristic.value, statements)))
    winner = (primary or statements)[0]
    runners = [fact for fact in statements if fact is not winner]
    if heuristic is not None and heuristic.value is not None:
        runners.append(heuristic)
    return replace(winner, alternatives=tuple(_differing(winner.value, runners)))


def _same(field: Any, heuristic: Fact, statement: Fact) -> bool:
    """Whether the language's fact stands for the statement: it read the same file (knowing more of what the
    line means, as Python does a Procfile's), or found the same answer firmly elsewhere."""
    assert statement.evidence is not None
    if heuristic.evidence is not None and heuristic.evidence.file == statement.evidence.file:
        return True
    if heuristic.evidence is None:
        return False  # a default, which no file states: the statement says where the value is written
    try:
        return not heuristic.weak and field.parse(heuristic.value) == field.parse(statement.value)
    except ValueError:
        return False


def _differing(value: object, runners: List[Fact]) -> List[Fact]:
    """The runners-up that say something else than the winner, the first of each value."""
    seen = [value]
    kept = []
    for fact in runners:
        if fact.value not in seen:
            seen.append(fact.value)
            kept.append(fact)
    return kept


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
