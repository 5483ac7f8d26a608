"""Every file `scaffold check --fix` writes goes through `write_files`, and nowhere else.

Keeping one door makes it easy to swap in a safer writer (the project's file-writing
module replaces `generator.render.write_atomically` here, in one place). The door
refuses symbolic links and stages every file before renaming it into place, so a
failure leaves the project as it was; `free_name` picks a name that nothing uses, so a
backup never replaces an earlier one.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Mapping

from generator.errors import WriteError

#: Dockerfile.orig, then Dockerfile.orig.1 ... Dockerfile.orig.99
MAX_BACKUPS = 100


def write_files(root: Path, files: Mapping[str, str]) -> List[str]:
    """Write `files` ({name relative to root: text}) atomically; returns the names written."""
    from generator.render import write_atomically

    for name in files:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise WriteError(f"{name}: refusing to write outside {root}")
    try:
        return write_atomically(root, files)
    except OSError as error:
        raise WriteError(f"cannot write in {root}: {error.strerror or error}") from None


def free_name(root: Path, name: str) -> str:
    """`name`.orig, else the first `name`.orig.N that does not exist (WriteError when all are taken)."""
    for index in range(MAX_BACKUPS):
        candidate = f"{name}.orig" if index == 0 else f"{name}.orig.{index}"
        path = root / candidate
        if not path.exists() and not path.is_symlink():
            return candidate
    raise WriteError(f"{root / name}.orig and {MAX_BACKUPS - 1} numbered backups exist already; "
                     "remove old backups before running --fix again")
