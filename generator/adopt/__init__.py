"""`scaffold adopt`: a hand-written Dockerfile replaced by a hardened one that keeps what it stated.

Modules: `stated` (what the Dockerfile says: port, start command, version, user, ENV,
each with its line), `evidence` (which Dockerfile and app, which stated values are used,
what is not carried) and `command` (the CLI entry: `add_parser`, `run`). Reading uses
`scaffold check`'s parser; planning and writing is `generator.workflow.plan_adopt`, the
workflow `scaffold new` has.
"""
