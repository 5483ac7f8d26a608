"""The services' passwords: made at random on the first run, never written in a generated file.

Each is a file `secrets/<service>-password` beside compose.yaml, which compose mounts under
/run/secrets in the service's container and the app's. Compose mounts a file secret as it is
(outside swarm it ignores `uid`, `gid` and `mode`), and the service (uid 999) and the app (uid
10001) both read it, so the file is mode 0644 inside `secrets/`, a folder of mode 0700: on this
machine only its owner reaches it; in the containers both users can read it. `secrets/.gitignore`
keeps the folder out of git, and .dockerignore out of the build context. A file already there is
the team's and is never replaced (a rotated password stays rotated).
"""

from __future__ import annotations

import secrets as random
from pathlib import Path
from typing import Any, Dict, Mapping

from generator import fs
from generator.services import SECRETS_DIR, services_of

#: the password file's mode: readable by the service's and the app's users in the containers
PASSWORD_MODE = 0o644
#: what keeps the folder out of git, whatever the project's own .gitignore says
GITIGNORE = f"{SECRETS_DIR}/.gitignore"
#: random bytes per password (url-safe text: no quote or shell character to escape anywhere)
PASSWORD_BYTES = 24


def missing_files(project: Path, answers: Mapping[str, Any]) -> Dict[str, str]:
    """The secret files the answers' services need and the project lacks: {relative path: content}."""
    wanted = {f"{SECRETS_DIR}/{service.secret}": random.token_urlsafe(PASSWORD_BYTES) + "\n"
              for service in services_of(answers)}
    if wanted:
        wanted[GITIGNORE] = "# The services' passwords (made by scaffold new): never committed.\n*\n"
    return {rel: content for rel, content in wanted.items() if not fs.exists(project, rel)}


def write_missing(project: Path, files: Mapping[str, str], write: Any) -> Any:
    """Run `write(files, modes)` with the secrets folder made private first (and removed again when
    it was made for a write that failed)."""
    if not files:
        return write({}, {})
    created = fs.private_dir(project, SECRETS_DIR)
    try:
        return write(dict(files), {rel: PASSWORD_MODE for rel in files})
    except BaseException:
        if created:
            fs.remove_empty_dir(project, SECRETS_DIR)
        raise
