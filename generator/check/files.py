"""Every file `scaffold check --fix` writes goes through `write_files`, and nowhere else.

One door, so that what --fix writes follows the project's file-writing rules
(generator.fs: no symbolic link on any path component, every file staged then renamed
into place as one transaction, everything put back on failure). Backups are created
exclusively: an existing `Dockerfile.orig` is never replaced, even by a run racing this one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Collection, List, Mapping, Union


def write_files(root: Path, files: Mapping[str, Union[str, bytes]], exclusive: Collection[str] = ()) -> List[str]:
    """Write `files` ({name relative to root: text or bytes}) as one transaction; names in `exclusive` must be new."""
    from generator.fs import write_files as write_transaction

    return write_transaction(root, files, exclusive)


def backup_name(root: Path, name: str) -> str:
    """`name`.orig, else `name`.orig.1, .2, ...: the first name nothing uses."""
    from generator.fs import free_name

    return free_name(root, name, ".orig")
