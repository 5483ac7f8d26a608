"""The settings an app documents for its environment: a .env.example beside it (the `env_file` fact).

The example names the variables; the person's own `.env` holds the values. compose reads
it at run time (`env_file`, not required), and .dockerignore keeps every `.env` out of the
build context, so no value reaches the image.
"""

from __future__ import annotations

import posixpath

from generator.detect.model import AppCandidate, Evidence
from generator.detect.walker import Repo

#: the names projects give the committed example of their .env, in the order looked for
EXAMPLES = (".env.example", ".env.sample", ".env.template", ".env.dist")


def detect_config(repo: Repo, app: AppCandidate) -> None:
    """`env_file` when the app's directory has an example .env."""
    for name in EXAMPLES:
        rel = name if app.root in ("", ".") else posixpath.join(app.root, name)
        if repo.is_file(rel):
            app.set("env_file", True, Evidence(rel))
            return
