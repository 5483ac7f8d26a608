"""Read a Dockerfile the way the builder does: instructions after line continuations."""

from __future__ import annotations

from typing import List, Tuple


def instructions(dockerfile: str) -> List[Tuple[str, str]]:
    """(KEYWORD, arguments) for every instruction; comments and blank lines skipped."""
    result: List[Tuple[str, str]] = []
    pending = ""
    for line in dockerfile.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction are dropped by the parser
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        if full:
            keyword, _, args = full.partition(" ")
            result.append((keyword.upper(), args.strip()))
    if pending.strip():
        keyword, _, args = pending.strip().partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def keywords(dockerfile: str) -> List[str]:
    return [keyword for keyword, _ in instructions(dockerfile)]


def final_stage(dockerfile: str) -> List[Tuple[str, str]]:
    """The instructions of the last stage (from its FROM on)."""
    steps = instructions(dockerfile)
    start = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[start:]
