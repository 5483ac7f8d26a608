"""What an app keeps and writes at run time, found in its code and settings (docs/runtime.md).

`paths.detect_state` adds the `data` (kept: a volume) and `writable` (lost on exit: a
tmpfs) facts to a detected app; the answers of the same names (generator/languages/base.py)
take them, and generator/runtime.py turns them into the folders the image creates.
`config.detect_config` adds `env_file` when the app documents its settings in a .env.example.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from generator.detect.model import AppCandidate
    from generator.detect.walker import Repo


def detect_state(repo: "Repo", app: "AppCandidate") -> None:
    """The state and configuration facts of one detected app."""
    from generator.state.config import detect_config
    from generator.state.paths import detect_paths

    detect_paths(repo, app)
    detect_config(repo, app)
