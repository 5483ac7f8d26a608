"""How Python apps name the folders they write (generator/state/paths.py reads this table)."""

from __future__ import annotations

import re
from typing import Tuple

from generator.state.patterns import QUOTE as Q
from generator.state.patterns import StatePattern

_PY = ("*.py",)
#: a folder variable of the settings joined with a name: `BASE_DIR / "x"`, `os.path.join(PROJECT_DIR, "x")`
#: (the `base` group: generator/state/paths.py resolves it where the file defines it from __file__)
_BASE = r"""(?:os\.path\.join\(\s*)?(?P<base>[A-Z][A-Z0-9_]{0,40}_DIR)\s*[/,]\s*"""
#: a setting read from the environment with a default: `os.getenv("MEDIA_ROOT", default)`
_ENV_DEFAULT = r"""(?:os\.(?:getenv|environ\.get)\(\s*""" + Q + r"""\w+""" + Q + r"""\s*,\s*)?"""

PATTERNS: Tuple[StatePattern, ...] = (
    StatePattern(_PY, re.compile(r"""sqlite:///(?P<path>[^"'\s?]+)"""), "a SQLite database (SQLAlchemy URL)"),
    StatePattern(_PY, re.compile(Q + r"NAME" + Q + r"\s*:\s*" + _BASE + Q + r"(?P<path>[\w.-]+)" + Q
                                 + r"\s*[/,]\s*" + Q + r"[\w.-]+\.sqlite3?" + Q),
                 "a SQLite database (Django DATABASES NAME)", is_file=False),
    StatePattern(_PY, re.compile(Q + r"NAME" + Q + r"\s*:\s*" + _BASE + Q + r"(?P<path>[\w.-]+\.sqlite3?)" + Q),
                 "a SQLite database (Django DATABASES NAME)"),
    StatePattern(_PY, re.compile(r"\binstance_path\b"), "Flask's instance folder (instance_path)", fixed="instance"),
    StatePattern(_PY, re.compile(r"MEDIA_ROOT\s*=\s*" + _ENV_DEFAULT + _BASE + Q + r"(?P<path>[\w./-]+)" + Q),
                 "uploaded files (Django MEDIA_ROOT)", is_file=False),
    StatePattern(_PY, re.compile(r"UPLOAD_FOLDER" + Q + r"?\]?\s*=\s*" + Q + r"(?P<path>[\w./-]+)" + Q),
                 "uploaded files (UPLOAD_FOLDER)", is_file=False),
    # a folder made at start and the log file a logging handler opens (Flask's tutorial logs/ folder)
    StatePattern(_PY, re.compile(r"\bos\.(?:mkdir|makedirs)\(\s*(?:os\.path\.join\(\s*)?" + Q + r"(?P<path>[\w.-]+)" + Q),
                 "a folder created at start (os.mkdir, os.makedirs)", is_file=False),
    StatePattern(_PY, re.compile(r"\b(?:Rotating|TimedRotating|Watched)?FileHandler\(\s*(?:filename\s*=\s*)?" + Q
                                 + r"(?P<path>[\w./-]+)" + Q),
                 "a log file (logging FileHandler)", kind="writable"),
)
