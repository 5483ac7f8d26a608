"""Every file `scaffold check` reads or writes goes through here, and nowhere else.

One door, so that check follows the project's file rules (generator.fs). The project
root is the directory the person named, or the current directory for a Dockerfile
named inside it (a Dockerfile named outside it: its own directory). Below that root
nothing crosses a symbolic link, whether the path was typed or came from a shell glob:
every component is opened with O_NOFOLLOW, so `services/*/Dockerfile` cannot reach
another project's Dockerfile through `services/x -> /elsewhere`, and a `.dockerignore`
that is a link is never read (its target could be a credentials file, printed in a
diff). Reads take regular files only, up to a size. Writes are staged then renamed
into place as one transaction, everything put back on failure; backups are created
exclusively (an existing `Dockerfile.orig` is never replaced, even by a racing run).
"""

from __future__ import annotations

import os
import posixpath
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Iterator, List, Mapping, Optional, Union

from generator.check.dockerfile import UnreadableDockerfile


@dataclass(frozen=True)
class Place:
    """A file below the project root; `rel` never climbs and is read without following links."""

    root: Path
    rel: str
    #: how the person wrote it (for messages)
    display: str

    @property
    def path(self) -> Path:
        return self.root / self.rel

    @property
    def directory(self) -> str:
        """The directory holding the file, relative to the root ("" for the root itself)."""
        return posixpath.dirname(self.rel)

    def sibling(self, name: str) -> "Place":
        """The file `name` (a relative path, no `..`) in this file's directory."""
        rel = posixpath.normpath(posixpath.join(self.directory, name))
        shown = posixpath.join(posixpath.dirname(self.display), name) if "/" in self.display else name
        return Place(self.root, rel, shown)

    def read(self, limit: int, what: str) -> Optional[bytes]:
        """At most `limit` bytes of the regular file, None when absent; `UnreadableDockerfile` for a link
        (on any component), a FIFO, a device, a directory, a larger file or binary data."""
        from generator import fs
        from generator.errors import ScaffoldError

        prefix = f"cannot read {self.rel}: "
        try:
            data = fs.read_bytes(self.root, self.rel, limit, UnreadableDockerfile, too_big_reason=f"not read as a {what}")
        except ScaffoldError as error:
            message = str(error)
            reason = message[len(prefix):] if message.startswith(prefix) else message
            if reason.startswith(self.rel + " "):  # "<rel> is a symbolic link ...": say it once, as written
                raise UnreadableDockerfile(f"{self.display} {reason[len(self.rel) + 1:]}") from None
            raise UnreadableDockerfile(f"{self.display}: {reason}") from None
        offset = data.find(b"\0") if data is not None else -1
        if offset >= 0:
            raise UnreadableDockerfile(f"{self.display}: binary data (a NUL byte at offset {offset}); not a {what}")
        return data

    def check_parents(self) -> None:
        """Refuse (`UnreadableDockerfile`) when a directory between the root and the file is a link."""
        from generator import fs
        from generator.errors import ScaffoldError

        try:
            fs.lstat(self.root, self.rel)
        except ScaffoldError as error:
            reason = str(error).split(": ", 1)[-1]
            raise UnreadableDockerfile(f"{self.display}: {reason}; check reads and writes nothing through a link "
                                       "inside the project") from None


def locate(path: Path, directory: Optional[Path] = None) -> Place:
    """The project root and the file's path below it, for a Dockerfile named on the command line (or
    found in the `directory` named): the current directory when inside it, else the directory named."""
    absolute = os.path.abspath(path)
    here = os.getcwd()
    relative = os.path.relpath(absolute, here)
    if relative.split(os.sep)[0] != os.pardir and not os.path.isabs(relative):
        root = Path(os.curdir) if not path.is_absolute() else Path(here)
        return Place(root, Path(relative).as_posix(), _display(path))
    if directory is not None:
        named = os.path.abspath(directory)
        return Place(Path(named), Path(os.path.relpath(absolute, named)).as_posix(), _display(path))
    return Place(Path(os.path.dirname(absolute)), os.path.basename(absolute), _display(path))


def _display(path: Path) -> str:
    text = str(path)
    return text[2:] if text.startswith("./") else text


def write_files(place: Place, files: Mapping[str, Union[str, bytes]], exclusive: Collection[str],
                written: List[str]) -> List[str]:
    """Write `files` ({name in the file's directory: text or bytes}) as one transaction; names in
    `exclusive` must be new. The names written are appended to `written` before an interrupt can land,
    so that Ctrl-C reports truthfully what is on disk."""
    from generator.fs import write_files as write_transaction

    directory = place.directory
    below = {posixpath.join(directory, name): content for name, content in files.items()}
    with _interrupts_deferred():
        write_transaction(place.root, below, [posixpath.join(directory, name) for name in exclusive])
        names = [place.sibling(name).display for name in files]
        written.extend(names)
    return names


def backup_name(place: Place, name: str) -> str:
    """`name`.orig, else `name`.orig.1, .2, ...: the first name nothing uses in the file's directory."""
    from generator.fs import free_name

    directory = place.directory
    return posixpath.basename(free_name(place.root, posixpath.join(directory, name), ".orig"))


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """SIGINT held back while a transaction commits and is recorded (delivered right after)."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:
        yield
        return
    previous = mask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)
