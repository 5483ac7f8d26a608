"""The team's own `.dockerignore` entries carried into the one we write over it (`new --force`, `adopt`).

Their file is untrusted: only a plain exclusion that BuildKit accepts is carried. An exception
(`!pattern`) could bring back a file ours keeps out (a secret), and a pattern that leaves out
the whole context (`*`, `**`) would only have worked with those exceptions: both are said, not
carried.
"""

from __future__ import annotations

from typing import List, Tuple

#: the heading above the carried entries
HEADING = "# kept from your previous .dockerignore"
#: patterns that leave out the whole build context
_EVERYTHING = {"*", "**", ".", "**/*", "*/**"}


def merge(ours: str, theirs: str) -> Tuple[str, List[str]]:
    """Our .dockerignore with their entries it lacks appended; and what of theirs was not carried, and why."""
    from generator.check.ignorefile import BadPattern, Unsupported, compile_patterns, read_all

    try:
        patterns = read_all(theirs)
    except BadPattern as error:
        return ours, [f"your .dockerignore was not merged: {error}"]
    present = set(read_all(ours))
    carried: List[str] = []
    skipped: List[str] = []
    for pattern in patterns:
        if pattern in present or pattern in carried:
            continue
        if pattern.startswith("!") or pattern in _EVERYTHING:
            skipped.append(pattern)
            continue
        try:
            compile_patterns([pattern])
        except (BadPattern, Unsupported):
            skipped.append(pattern)
            continue
        if pattern.isprintable():
            carried.append(pattern)
        else:
            skipped.append(pattern.encode("unicode_escape").decode("ascii"))
    notes = [f"your .dockerignore entries not carried (an exception or a catch-all could ship what ours keeps "
             f"out): {', '.join(skipped)}"] if skipped else []
    if not carried:
        return ours, notes
    return (ours if ours.endswith("\n") else ours + "\n") + "\n" + HEADING + "\n" + "\n".join(carried) + "\n", notes
