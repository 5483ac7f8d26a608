"""How Java apps name the folders they write, in Spring settings and logging configuration (generator/state/paths.py
reads this table)."""

from __future__ import annotations

import re
from typing import Tuple

from generator.state.patterns import StatePattern

_SPRING = ("application*.properties", "application*.yml", "application*.yaml")
#: Logback's configuration on the classpath, the one the jar reads (a FileAppender's <file>, relative to the
#: working directory); a logback.xml elsewhere is read only when a -Dlogback.configurationFile names it
_LOGBACK = ("src/main/resources/logback.xml", "src/main/resources/logback-spring.xml")

PATTERNS: Tuple[StatePattern, ...] = (
    StatePattern(_SPRING, re.compile(r"jdbc:h2:file:(?P<path>[^;\s\"']+)"), "an H2 database file"),
    StatePattern(_SPRING, re.compile(r"jdbc:sqlite:(?P<path>[^;\s\"'?]+)"), "a SQLite database"),
    StatePattern(_SPRING, re.compile(r"logging\.file(?:\.name)?\s*[=:]\s*(?P<path>[^\s#]+)"),
                 "a log file (logging.file.name)", kind="writable"),
    StatePattern(_SPRING, re.compile(r"logging\.file\.path\s*[=:]\s*(?P<path>[^\s#]+)"),
                 "a log folder (logging.file.path)", kind="writable", is_file=False),
    StatePattern(_LOGBACK, re.compile(r"<file>\s*(?P<path>[^<\s$]+)\s*</file>"), "a log file (logback <file>)",
                 kind="writable"),
)
