"""Safe file access below a root directory that an untrusted party may have laid out.

A repository can ship symbolic links anywhere: `.scaffold -> /elsewhere`,
`Dockerfile -> /proc/self/environ`, a FIFO named `answers.yml`. A check such as
`path.is_symlink()` followed by `open(path)` is a string test, and it misses links on
parent components. Here every path below the root is walked one component at a time
with directory file descriptors and `O_NOFOLLOW`: a symbolic link on any component
is refused at open time, whatever the name says. Reads take regular files only and
are bounded; writes are a transaction: every file is staged first, then renamed into
place, and a failure at any point puts back every file as it was and leaves no
staged file behind.

The root itself is the person's choice (a path they typed, or our own config/cache
directory) and may be a link; nothing below it may.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Dict, Iterator, List, Mapping, Optional, Tuple, TypeVar, Union

from generator.errors import RecordError, WriteError

#: what a generated file, a record or a pristine copy may weigh at most when read
MAX_TEXT_BYTES = 4 << 20

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
#: O_NONBLOCK: opening a FIFO planted under a file's name must not hang
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK

Content = Union[str, bytes]
_T = TypeVar("_T")


def parts_of(rel: str) -> List[str]:
    """The components of a relative path; refused when absolute, empty or climbing (`..`)."""
    parts = [part for part in rel.split("/") if part not in ("", ".")]
    if rel.startswith("/") or not parts or ".." in parts or any("\0" in part for part in parts):
        raise WriteError(f"{rel!r} is not a plain path inside the project; refused")
    return parts


def _reason(error: OSError, name: str, dir_fd: Optional[int] = None, entry: str = "") -> str:
    """Why opening `name` failed, in words.

    Under O_NOFOLLOW a link fails with ELOOP, or ENOTDIR when a directory was asked
    for; `entry` in `dir_fd` is looked at to tell a link from a file.
    """
    link = error.errno == errno.ELOOP
    if error.errno == errno.ENOTDIR and dir_fd is not None:
        with contextlib.suppress(OSError):
            link = stat.S_ISLNK(os.stat(entry, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    if link:
        return f"{name} is a symbolic link (refusing to follow it)"
    if error.errno == errno.ENOTDIR:
        return f"{name} is not a directory"
    return f"{name}: {error.strerror or error}"


def _open_dir(root_fd: int, parts: List[str], rel: str, create: bool = False,
              created: Optional[List[Tuple[int, str]]] = None, missing_ok: bool = False) -> Optional[int]:
    """A descriptor of the directory `parts` below `root_fd`, no component a link.

    With `create`, missing directories are made (mode 0755), each appended to `created`
    as (parent descriptor, name) so that a rollback can remove it. With `missing_ok`, a
    missing component gives None instead of an error; a link or a file never does.
    """
    fd = os.dup(root_fd)
    try:
        for depth, part in enumerate(parts, start=1):
            if create:
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                    if created is not None:
                        created.append((os.dup(fd), part))
                except FileExistsError:
                    pass
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if missing_ok:
                    os.close(fd)
                    return None
                raise WriteError(f"cannot use {rel}: {'/'.join(parts[:depth])} does not exist") from None
            except OSError as error:
                raise WriteError(f"cannot use {rel}: {_reason(error, '/'.join(parts[:depth]), fd, part)}") from None
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def open_directory(root_fd: int, rel: str) -> int:
    """A descriptor of the directory `rel` below `root_fd` ("" for itself), no component a link
    (`WriteError` naming why otherwise); the caller closes it."""
    fd = _open_dir(root_fd, parts_of(rel) if rel else [], rel or ".")
    assert fd is not None  # missing_ok is not set: a missing directory raises
    return fd


@contextlib.contextmanager
def opened_root(root: Path) -> Iterator[int]:
    """A descriptor of the root directory, closed afterwards."""
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise WriteError(f"{root}: {error.strerror or error}") from None
    try:
        yield fd
    finally:
        os.close(fd)


def private_dir(root: Path, rel: str) -> bool:
    """Make the directory `rel` (one level below an existing one, no component a link) reachable by its
    owner only (0700), creating it if need be; True when it was created."""
    parts = parts_of(rel)
    with opened_root(root) as root_fd:
        parent = _open_dir(root_fd, parts[:-1], rel)
        assert parent is not None  # missing_ok is not set
        try:
            try:
                os.mkdir(parts[-1], 0o700, dir_fd=parent)
                created = True
            except FileExistsError:
                created = False
            fd = os.open(parts[-1], _DIR_FLAGS, dir_fd=parent)
            try:
                os.fchmod(fd, 0o700)  # whatever the umask, or the mode it had
            finally:
                os.close(fd)
        except OSError as error:
            raise WriteError(f"cannot use {rel}: {_reason(error, rel, parent, parts[-1])}") from None
        finally:
            os.close(parent)
    return created


def remove_empty_dir(root: Path, rel: str) -> None:
    """Remove the directory `rel` if it is empty (what `private_dir` created for a write that failed)."""
    parts = parts_of(rel)
    with opened_root(root) as root_fd:
        parent = _open_dir(root_fd, parts[:-1], rel, missing_ok=True)
        if parent is None:
            return
        try:
            os.rmdir(parts[-1], dir_fd=parent)
        except OSError:
            pass  # not empty, or gone: nothing of ours to remove
        finally:
            os.close(parent)


def _at_entry(root: Path, rel: str, act: Callable[[str, int], _T], error: type, verb: str) -> Optional[_T]:
    """`act(name, parent)` on the entry `rel` (its name, a descriptor of its directory), no parent component
    a link: None when it or a parent is missing; any other failure raised as `error` ("cannot {verb} ...")."""
    parts = parts_of(rel)
    with opened_root(root) as root_fd:
        try:
            parent = _open_dir(root_fd, parts[:-1], rel, missing_ok=True)
        except WriteError as failure:
            raise error(str(failure)) from None
    if parent is None:
        return None
    try:
        return act(parts[-1], parent)
    except FileNotFoundError:
        return None
    except OSError as failure:
        raise error(f"cannot {verb} {rel}: {_reason(failure, rel, parent, parts[-1])}") from None
    finally:
        os.close(parent)


def lstat(root: Path, rel: str) -> Optional[os.stat_result]:
    """The entry at `rel` itself (a link is reported as a link), None when absent.

    A symbolic link on a parent component is refused, as for reads and writes.
    """
    return _at_entry(root, rel, lambda name, parent: os.stat(name, dir_fd=parent, follow_symlinks=False),
                     WriteError, "use")


def exists(root: Path, rel: str) -> bool:
    """Whether anything (a link included) is at `rel`."""
    return lstat(root, rel) is not None


def read_bytes(root: Path, rel: str, limit: int = MAX_TEXT_BYTES, error: type = RecordError,
               too_big_reason: str = "not a file scaffold wrote") -> Optional[bytes]:
    """The bytes of the regular file `rel`, None when absent; refused when a link, not a
    regular file, or larger than `limit` (raised as `error`, naming the file and `too_big_reason`)."""
    too_big = f"cannot read {rel}: larger than {limit // 1024} KiB, {too_big_reason}"
    fd = _at_entry(root, rel, lambda name, parent: os.open(name, _READ_FLAGS, dir_fd=parent), error, "read")
    if fd is None:
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        raise error(f"cannot read {rel}: not a regular file" if not stat.S_ISREG(info.st_mode) else too_big)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise error(too_big)
    return data


def read_text(root: Path, rel: str, limit: int = MAX_TEXT_BYTES, error: type = RecordError) -> Optional[str]:
    """`read_bytes` decoded as UTF-8; undecodable bytes are refused (raised as `error`)."""
    data = read_bytes(root, rel, limit, error)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as failure:
        raise error(f"cannot read {rel}: not UTF-8 text (byte {failure.start})") from None


# -- writing -------------------------------------------------------------------------


@dataclass
class _Staged:
    rel: str
    parent: int
    name: str
    #: the staged content ("" for a removal)
    temp: str
    exclusive: bool
    #: the replaced file, kept under this name (hard link) until the transaction ends
    backup: Optional[str] = None
    committed: bool = False
    #: the file is removed rather than written
    removal: bool = False


@dataclass
class _Transaction:
    root_fd: int
    staged: List[_Staged] = field(default_factory=list)
    created_dirs: List[Tuple[int, str]] = field(default_factory=list)
    parents: Dict[str, int] = field(default_factory=dict)

    def parent(self, parts: List[str], rel: str) -> int:
        key = "/".join(parts)
        if key not in self.parents:
            fd = _open_dir(self.root_fd, parts, rel, create=True, created=self.created_dirs)
            assert fd is not None  # created, never missing
            self.parents[key] = fd
        return self.parents[key]

    def stage(self, rel: str, content: Content, exclusive: bool, mode: int) -> None:
        parts = parts_of(rel)
        parent = self.parent(parts[:-1], rel)
        name = parts[-1]
        try:
            existing = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            existing = None
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            kind = "a symbolic link" if stat.S_ISLNK(existing.st_mode) else "not a regular file"
            raise WriteError(f"cannot write {rel}: it is {kind}; refusing to write through or over it")
        if existing is not None and exclusive:
            raise WriteError(f"{rel} already exists")
        temp = f".{name}.{secrets.token_hex(4)}.scaffold-tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=parent)
        self.staged.append(_Staged(rel, parent, name, temp, exclusive))
        data = content.encode("utf-8") if isinstance(content, str) else content
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)  # whatever the umask
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    def stage_removal(self, rel: str) -> None:
        """A regular file to remove at commit (kept until then, put back on rollback)."""
        parts = parts_of(rel)
        parent = self.parent(parts[:-1], rel)
        existing = os.stat(parts[-1], dir_fd=parent, follow_symlinks=False)
        if not stat.S_ISREG(existing.st_mode):
            raise WriteError(f"cannot remove {rel}: it is not a regular file")
        self.staged.append(_Staged(rel, parent, parts[-1], "", False, removal=True))

    def commit(self) -> None:
        for item in self.staged:
            if item.removal:
                backup = f".{item.name}.{secrets.token_hex(4)}.scaffold-old"
                os.link(item.name, backup, src_dir_fd=item.parent, dst_dir_fd=item.parent, follow_symlinks=False)
                item.backup = backup
                os.unlink(item.name, dir_fd=item.parent)
                item.committed = True
                continue
            if item.exclusive:
                # link() never replaces: a file that appeared since staging makes this fail
                try:
                    os.link(item.temp, item.name, src_dir_fd=item.parent, dst_dir_fd=item.parent,
                            follow_symlinks=False)
                except FileExistsError:
                    raise WriteError(f"{item.rel} already exists (written by something else meanwhile)") from None
                item.committed = True
                os.unlink(item.temp, dir_fd=item.parent)
                continue
            backup = f".{item.name}.{secrets.token_hex(4)}.scaffold-old"
            try:
                os.link(item.name, backup, src_dir_fd=item.parent, dst_dir_fd=item.parent, follow_symlinks=False)
                item.backup = backup
            except FileNotFoundError:
                pass
            try:
                current = os.stat(item.name, dir_fd=item.parent, follow_symlinks=False)
                if not stat.S_ISREG(current.st_mode):
                    raise WriteError(f"cannot write {item.rel}: it changed into a link or directory meanwhile")
            except FileNotFoundError:
                pass
            os.rename(item.temp, item.name, src_dir_fd=item.parent, dst_dir_fd=item.parent)
            item.committed = True

    def rollback(self) -> None:
        """Put every committed file back as it was, remove staged files and new directories."""
        for item in reversed(self.staged):
            with contextlib.suppress(OSError):
                if item.committed and item.backup:
                    os.rename(item.backup, item.name, src_dir_fd=item.parent, dst_dir_fd=item.parent)
                    item.backup = None
                elif item.committed:
                    os.unlink(item.name, dir_fd=item.parent)
            if item.temp:
                with contextlib.suppress(OSError):
                    os.unlink(item.temp, dir_fd=item.parent)
        for parent, name in reversed(self.created_dirs):
            with contextlib.suppress(OSError):
                os.rmdir(name, dir_fd=parent)

    def close(self) -> None:
        for item in self.staged:
            if item.backup:
                with contextlib.suppress(OSError):
                    os.unlink(item.backup, dir_fd=item.parent)
        for fd in self.parents.values():
            os.close(fd)
        for fd, _ in self.created_dirs:
            os.close(fd)


#: the files completed transactions wrote during this command, for what an interrupt reports
_WRITTEN: List[Path] = []


def written() -> List[Path]:
    """The files written so far by this command (each transaction completely, or not at all)."""
    return list(_WRITTEN)


def forget_written() -> None:
    """A new command starts: nothing written yet."""
    _WRITTEN.clear()


def write_files(root: Path, files: Mapping[str, Content], exclusive: Collection[str] = (),
                modes: Optional[Mapping[str, int]] = None, remove: Collection[str] = ()) -> List[str]:
    """Write every file below `root` as one transaction; returns the names written.

    Files named in `remove` (regular files) are removed in the same transaction: a
    failure puts them back too.

    Files are written with mode 0644 unless `modes` names another.

    Files named in `exclusive` must not exist: they are created with link(2), which
    never replaces, so two runs racing for the same file cannot both win. The others
    replace what is there (a regular file only). Any failure (a link on the path, a
    directory in the way, a full disk, a permission) raises `WriteError` naming the
    file, after every file is put back as it was and no staged file is left behind.
    """
    with opened_root(root) as root_fd:
        transaction = _Transaction(root_fd)
        try:
            for rel in remove:
                try:
                    transaction.stage_removal(rel)
                except OSError as error:
                    raise WriteError(f"cannot remove {rel}: {error.strerror or error}") from None
            for rel, content in files.items():
                try:
                    transaction.stage(rel, content, rel in exclusive, (modes or {}).get(rel, 0o644))
                except OSError as error:
                    raise WriteError(f"cannot write {rel}: {error.strerror or error}") from None
            try:
                transaction.commit()
            except OSError as error:
                failed = next((item.rel for item in transaction.staged if not item.committed), "a file")
                raise WriteError(f"cannot write {failed}: {error.strerror or error}") from None
        except BaseException as error:
            transaction.rollback()
            transaction.close()
            if isinstance(error, WriteError):
                raise WriteError(f"{error}; nothing was written") from None
            raise
        _WRITTEN.extend(root / rel for rel in files)  # committed: an interrupt from here on says so
        transaction.close()
    return list(files)


def free_name(root: Path, rel: str, suffix: str) -> str:
    """`rel` + suffix, or + suffix.1, .2 ...: the first name nothing occupies (for backups)."""
    candidate = f"{rel}{suffix}"
    number = 0
    while exists(root, candidate):
        number += 1
        candidate = f"{rel}{suffix}.{number}"
    return candidate


@contextlib.contextmanager
def scratch_dir(prefix: str) -> Iterator[str]:
    """A temporary directory, removed on every way out, an interrupt included.

    SIGINT and SIGTERM are held while it is created, so that no interrupt can land between
    its creation and the clean-up that removes it (`tempfile.TemporaryDirectory` has that
    gap); one that came meanwhile is delivered inside the `try`.
    """
    import shutil
    import signal
    import tempfile

    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        work = tempfile.mkdtemp(prefix=prefix)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def project_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on the project directory for one command.

    flock(2) on the directory itself: no lock file to leave behind or to plant; a
    second scaffold command on the same project refuses instead of interleaving.
    """
    import fcntl

    with opened_root(root) as fd:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WriteError(f"another scaffold command is working on {root}; try again when it has finished") from None
        except OSError:
            pass  # a filesystem without flock: the exclusive creates still keep two runs apart
        yield
