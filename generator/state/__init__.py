"""What an app keeps and writes at run time, found in its code and settings (docs/runtime.md).

`paths.detect_state` adds the `data` (kept: a volume) and `writable` (lost on exit: a
tmpfs) facts to a detected app; the answers of the same names (generator/languages/base.py)
take them, and generator/runtime.py turns them into the folders the image creates.
`config.detect_config` adds `env_file` when the app documents its settings in a .env.example.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List

#: the image label that names the folders the image made the app's: `scaffold check` and
#: `scaffold verify` accept exactly these as the user's (generator/runtime.py writes it)
STATE_LABEL = "io.hardened-scaffold.state"
#: folders one label may declare at most
MAX_DECLARED = 64

if TYPE_CHECKING:  # pragma: no cover
    from generator.detect.model import AppCandidate
    from generator.detect.walker import Repo


def declared_folders(label: str) -> List[str]:
    """The absolute folders a state label's value declares (space-separated); only what a writable
    path may be counts: never /, /app or a system folder, so a label cannot make the app's code its own."""
    from generator.parsers import parse_writable_path

    folders: List[str] = []
    for word in label.split()[:MAX_DECLARED]:
        try:
            path = parse_writable_path(word) if word.startswith("/") else ""
        except ValueError:
            continue
        if path and path not in folders:
            folders.append(path)
    return folders


def detect_state(repo: "Repo", app: "AppCandidate") -> None:
    """The state and configuration facts of one detected app."""
    from generator.state.config import detect_config
    from generator.state.paths import detect_paths

    detect_paths(repo, app)
    detect_config(repo, app)
