"""`scaffold adopt`: a hand-written Dockerfile replaced by a hardened one that keeps what it stated.

Modules: `stated` (what the Dockerfile says: port, start command, version, user, ENV,
each with its line) and `command` (the CLI entry: `add_parser`, `run`). Reading uses
`scaffold check`'s parser; writing is `scaffold new`'s plan.
"""

from generator.adopt.command import add_parser, run

__all__ = ["add_parser", "run"]
