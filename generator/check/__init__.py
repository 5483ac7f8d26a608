"""`scaffold check`: Dockerfiles checked against the hardening contract, and fixed where it is safe.

Modules: `dockerfile` (the parser, also for `scaffold adopt`), `shell` (RUN lines),
`bases` (what base images bring), `analysis` (each stage's state), `dockerignore` (what
leaks into the build context) over `ignorefile` (BuildKit's reading of the patterns),
`rules` (H1-H17), `fix`, `files` (the one place that reads and writes, never through a
link below the project root), `report` (text, JSON, SARIF) and `command` (the CLI
entry: `add_parser`, `run`).
"""

from generator.check.command import add_parser, run

__all__ = ["add_parser", "run"]
