"""The shape of the languages' tables of state paths: one entry per way a program names a folder
it writes. Apart from the detection that reads them (paths.py), so that a language can declare its
table without importing detection."""

from __future__ import annotations

import re
from typing import NamedTuple, Tuple

#: what settings name a path in with (for the languages' tables)
QUOTE = r"""["']"""


class StatePattern(NamedTuple):
    """One way a program names a path it writes."""

    #: globs of the files it appears in (PurePosixPath.match rules)
    files: Tuple[str, ...]
    pattern: "re.Pattern[str]"
    #: what it is, for the evidence and messages ("a SQLite database")
    what: str
    #: "data" (kept) or "writable" (lost on exit)
    kind: str = "data"
    #: the path names a file, whose folder is the one written
    is_file: bool = True
    #: the folder when the pattern names none (Flask's instance folder)
    fixed: str = ""
