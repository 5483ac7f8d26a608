"""The `.dockerignore` beside a Dockerfile: does it keep secrets and `.git` out of the build context?

`COPY . .` copies whatever the context holds unless `.dockerignore` excludes it, and a
`.env`, a private key or `.git` copied into a layer stays there for anyone who pulls
the image. This module reads the ignore file that BuildKit would use
(`<Dockerfile>.dockerignore` first, else `.dockerignore` in the context, assumed to be
the Dockerfile's directory) through check's link-safe view (generator.check.files: a
link is never followed, so a `.dockerignore -> ~/.aws/credentials` is refused, not
printed), decides what it excludes as BuildKit does (generator.check.ignorefile), and
names what leaks by the families of generator.secret_names, the list the generated
`.dockerignore` is rendered from.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, List, Optional, Tuple

from generator.check.dockerfile import decode
from generator.check.ignorefile import BadPattern, Below, Matcher, Unsupported, compile_patterns, read_all
from generator.secret_names import family_of

if TYPE_CHECKING:
    from generator.check.files import Place

MAX_BYTES = 256 * 1024
#: always added by --fix (cheap prevention), unless the build copies them on purpose: (entry, a path it excludes)
BASELINE = (("**/.git", ".git/HEAD"), ("**/.env", ".env"))
#: a context larger than this is only scanned this far
MAX_ENTRIES = 20000
MAX_DEPTH = 8


@dataclass(frozen=True)
class Leak:
    """A file in the build context that the ignore file lets through."""

    path: str
    entries: Tuple[str, ...]
    what: str


@dataclass
class DockerIgnore:
    """An ignore file: where it is, its text, and what BuildKit makes of it."""

    name: str
    text: str
    matcher: Matcher
    #: why BuildKit refuses it or check cannot judge a pattern ("" when neither); judged as excluding nothing
    problem: str = ""

    def excludes(self, path: str) -> bool:
        """Whether `path` (relative to the context) is left out of the build context."""
        return self.matcher.excludes(path)


def parse(name: str, text: str) -> DockerIgnore:
    """An ignore file's text as BuildKit reads it (a refused file excludes nothing, with the reason)."""
    try:
        return DockerIgnore(name, text, Matcher(compile_patterns(read_all(text))))
    except BadPattern as error:
        problem = f"BuildKit refuses {name} ({error}): the build fails until it is fixed"
    except Unsupported as error:
        problem = f"check cannot judge {name}: it uses {error}"
    return DockerIgnore(name, text, Matcher([]), problem)


def read(dockerfile: "Place") -> Optional[DockerIgnore]:
    """The ignore file BuildKit uses for `dockerfile`, None when there is none (UnreadableDockerfile when
    it is a link, not a regular file, or too large)."""
    for name in (dockerfile.sibling(dockerfile.rel.rsplit("/", 1)[-1] + ".dockerignore"),
                 dockerfile.sibling(".dockerignore")):
        data = name.read(MAX_BYTES, ".dockerignore")
        if data is not None:
            return parse(name.rel.rsplit("/", 1)[-1], decode(data))
    return None


def leaks(context: "Place", ignore: Optional[DockerIgnore], keep: Tuple[str, ...] = ()) -> Tuple[List[Leak], bool]:
    """Secret-looking files in the build context (the directory of `context`) that would be sent, and
    whether the scan was cut short.

    The walk opens every directory with O_NOFOLLOW from the project root down, never follows
    a link, enters an excluded directory only where an exception (`!`) may bring part of it
    back, and stops after MAX_ENTRIES entries.
    """
    matcher = ignore.matcher if ignore is not None else Matcher([])
    found: List[Leak] = []
    seen = 0
    for relative, name, excluded in _walk(context, matcher):
        seen += 1
        if seen > MAX_ENTRIES:
            return found, True
        if excluded or any(relative == k or relative.startswith(k.rstrip("/") + "/") for k in keep):
            continue
        family = family_of(name)
        if family is not None:
            found.append(Leak(relative, family.entries, family.what))
    return found, False


def _walk(context: "Place", matcher: Matcher) -> Iterator[Tuple[str, str, bool]]:
    """(path in the context, name, whether it is excluded) for each entry of the context, at any depth."""
    from generator import fs
    from generator.errors import ScaffoldError

    directory = context.directory
    try:
        with fs.opened_root(context.root) as root_fd:
            top = fs.open_directory(root_fd, directory)
    except ScaffoldError:
        return
    stack: List[Tuple[int, str, Below, int]] = [(top, "", Below(), 0)]
    try:
        while stack:
            fd, prefix, above, depth = stack.pop()
            try:
                for name, mode in _entries(fd):
                    relative = prefix + name
                    excluded, below = matcher.step(relative, above)
                    yield relative, name, excluded
                    if not stat.S_ISDIR(mode) or depth >= MAX_DEPTH or name == "node_modules" or family_of(name):
                        continue
                    if below.current_out and below.legacy_out:  # no builder looks inside
                        continue
                    child = _open_child(fd, name)
                    if child is not None:
                        stack.append((child, relative + "/", below, depth + 1))
            finally:
                os.close(fd)
    finally:
        for fd, _, _, _ in stack:
            os.close(fd)


def _entries(fd: int) -> List[Tuple[str, int]]:
    """(name, mode of the entry itself) in a directory, sorted; [] when it cannot be listed."""
    found: List[Tuple[str, int]] = []
    try:
        names = sorted(os.listdir(fd))
    except OSError:
        return []
    for name in names:
        with contextlib.suppress(OSError):
            found.append((name, os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode))
    return found


def _open_child(fd: int, name: str) -> Optional[int]:
    from generator import fs
    from generator.errors import ScaffoldError

    try:
        return fs.open_directory(fd, name)
    except ScaffoldError:
        return None


def entries_to_add(found: List[Leak], ignore: Optional[DockerIgnore], keep: Tuple[str, ...]) -> List[str]:
    """The entries --fix appends: those of each family that leaks, plus the baseline not yet covered."""
    entries: List[str] = []
    for leak in found:
        entries.extend(entry for entry in leak.entries if entry not in entries)
    for entry, probe in BASELINE:
        kept = any(probe == k or probe.startswith(k.rstrip("/") + "/") for k in keep)
        if entry not in entries and not kept and not (ignore is not None and ignore.excludes(probe)):
            entries.append(entry)
    return entries
