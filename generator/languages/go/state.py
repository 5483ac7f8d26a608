"""How Go programs name the folders they write (generator/state/paths.py reads this table)."""

from __future__ import annotations

import re
from typing import Tuple

from generator.state.patterns import StatePattern

_GO = ("*.go",)

PATTERNS: Tuple[StatePattern, ...] = (
    StatePattern(_GO, re.compile(r"""sql\.Open\(\s*"sqlite3?"\s*,\s*"(?:file:)?(?P<path>[^"?]+)"""),
                 "a SQLite database (sql.Open)"),
    StatePattern(_GO, re.compile(r"""gorm\.Open\(\s*"sqlite3"\s*,\s*"(?:file:)?(?P<path>[^"?]+)"""),
                 "a SQLite database (GORM 1's gorm.Open)"),
    StatePattern(_GO, re.compile(r"""\bsqlite\.Open\(\s*"(?:file:)?(?P<path>[^"?]+)"""),
                 "a SQLite database (GORM's sqlite.Open)"),
    StatePattern(_GO, re.compile(r"""os\.MkdirAll\(\s*(?:filepath\.Join\(\s*)?"(?P<path>[\w.-]+)"""),
                 "a folder created at start (os.MkdirAll)", is_file=False),
)
