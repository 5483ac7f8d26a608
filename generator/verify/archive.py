"""An image read as `docker save` writes it, streamed: its layers in order and the filesystem they make.

Nothing is extracted. Of each file only its tar header is kept, plus whether it starts like an
ELF program; the content is kept only for the few small files the checks read (package
databases, /etc/passwd and /etc/group, dpkg's configuration). Memory grows with the number of
files, not with their size, so a multi-GB image is read as a stream from `docker save`.

Both layouts `docker save` writes are read: the legacy one (`<id>/layer.tar`, `manifest.json`)
and the OCI one of Docker 25+ (`blobs/sha256/...`, `manifest.json`, `index.json`), layers
plain or gzip-compressed. Layer contents are untrusted: names are normalised inside `/`.
"""

from __future__ import annotations

import json
import posixpath
import tarfile
from typing import IO, Dict, Iterator, List, Optional, Set, Tuple

from generator.verify.report import CannotVerify

#: files whose content the checks read (paths relative to /)
KEPT = frozenset({
    "var/lib/dpkg/status", "var/lib/dpkg/diversions", "lib/apk/db/installed", "etc/passwd", "etc/group",
    "etc/os-release", "usr/lib/os-release", "etc/dpkg/dpkg.cfg",
})
KEPT_PREFIXES = ("var/lib/dpkg/status.d/", "etc/dpkg/dpkg.cfg.d/")
#: dpkg's per-package file lists
KEPT_INFO = ("var/lib/dpkg/info/", ".list")
#: a kept file larger than this makes the archive unreadable (no real package database is near it)
MAX_KEPT = 256 * 1024 * 1024

#: the largest JSON document (manifest, config) read from the archive
MAX_JSON = 16 * 1024 * 1024
#: how compressed layers start: gzip, zstd (which tarfile cannot read: reported as such)
COMPRESSED = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd")

WHITEOUT, OPAQUE = ".wh.", ".wh..wh..opq"


def normal(name: str) -> str:
    """A member name as a path relative to / ("./usr/bin/" -> "usr/bin"; "" is /); never above /."""
    return posixpath.normpath("/" + name).lstrip("/")


def _kept(path: str) -> bool:
    return (path in KEPT or path.startswith(KEPT_PREFIXES)
            or (path.startswith(KEPT_INFO[0]) and path.endswith(KEPT_INFO[1])))


class Entry:
    """One file of a layer: path (relative to /), kind (f file, d dir, l symlink, h hardlink, o other)."""

    __slots__ = ("path", "kind", "mode", "uid", "gid", "size", "target", "elf", "layer")

    def __init__(self, path: str, kind: str, mode: int, uid: int, gid: int, size: int = 0, target: str = "",
                 elf: bool = False, layer: int = 0) -> None:
        self.path, self.kind, self.mode, self.uid, self.gid = path, kind, mode, uid, gid
        self.size, self.target, self.elf, self.layer = size, target, elf, layer

    def __repr__(self) -> str:
        return f"Entry({self.path!r}, {self.kind}, {oct(self.mode)}, {self.uid}:{self.gid})"


class Layer:
    """One layer: what it adds, what it deletes (whiteouts, opaque directories), the kept files' bytes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.index = 0
        self.entries: List[Entry] = []
        self.whiteouts: List[str] = []
        self.opaque: List[str] = []
        self.kept: Dict[str, bytes] = {}
        self.created_by = ""


class SavedImage:
    """The config (as in the image's config blob) and the layers, lowest first."""

    def __init__(self, config: dict, layers: List[Layer], tags: List[str]) -> None:
        self.config = config
        self.layers = layers
        self.tags = tags
        history = [h for h in config.get("history") or [] if isinstance(h, dict) and not h.get("empty_layer")]
        for layer, step in zip(layers, history if len(history) == len(layers) else []):
            layer.created_by = str(step.get("created_by") or "")


def read_saved(stream: IO[bytes], image: str = "") -> SavedImage:
    """Read a `docker save` archive from a stream (a pipe is fine); raise CannotVerify if it is not one."""
    layers: Dict[str, Layer] = {}
    blobs: Dict[str, bytes] = {}
    aliases: Dict[str, str] = {}
    try:
        outer = tarfile.open(fileobj=stream, mode="r|")
        for member in _members(outer):
            name = normal(member.name)
            if member.issym() and name.endswith("layer.tar"):  # legacy layout: a repeated layer links to the first
                aliases[name] = normal(posixpath.join(posixpath.dirname(name), member.linkname))
            if not member.isfile():
                continue
            data = outer.extractfile(member)
            assert data is not None
            head = data.read(tarfile.BLOCKSIZE)
            if name.endswith("layer.tar") or (name.startswith("blobs/") and _is_layer(head)):
                layers[name] = _read_layer(name, _Prefixed(head, data))
            elif head[:1] in (b"{", b"["):
                blobs[name] = head + data.read(MAX_JSON + 1 - len(head))
                if len(blobs[name]) > MAX_JSON:
                    raise CannotVerify(f"the image archive holds {name}, over {MAX_JSON} bytes of JSON: "
                                       "not a docker save archive")
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise CannotVerify(f"cannot read the image archive: {error}") from None
    return _assemble(layers, blobs, aliases, image)


def _is_layer(head: bytes) -> bool:
    """Whether an OCI blob's first block is a layer: a tar header, an empty tar, or compressed data."""
    return head[257:262] == b"ustar" or head.startswith(COMPRESSED) or (len(head) == tarfile.BLOCKSIZE and not head.strip(b"\0"))


def _assemble(layers: Dict[str, Layer], blobs: Dict[str, bytes], aliases: Dict[str, str], image: str) -> SavedImage:
    try:
        manifests = json.loads(blobs["manifest.json"])
        chosen = next((m for m in manifests if image and image in (m.get("RepoTags") or [])), manifests[0])
        config = json.loads(blobs[normal(chosen["Config"])])
        names = [normal(name) for name in chosen["Layers"]]
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as error:
        raise CannotVerify(f"not a docker save archive (manifest.json or the image config unreadable: {error!r})") from None
    ordered = []
    for index, name in enumerate(names):
        layer = layers.get(aliases.get(name, name))
        if layer is None:
            raise CannotVerify(f"the image archive lacks layer {name} that its manifest names")
        if layer.index and layer.index != index:  # the same bytes twice in the stack: the same files twice
            copy = Layer(layer.name)
            copy.entries, copy.whiteouts, copy.opaque, copy.kept = layer.entries, layer.whiteouts, layer.opaque, layer.kept
            layer = copy
        layer.index = index
        ordered.append(layer)
    return SavedImage(config if isinstance(config, dict) else {}, ordered, list(chosen.get("RepoTags") or []))


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """Members one by one, forgetting each: a stream of 100,000 files keeps no list of them."""
    while True:
        member = tar.next()
        if member is None:
            return
        tar.members.clear()  # type: ignore[attr-defined]  # typeshed omits the attribute
        yield member


class _Prefixed:
    """A stream with the bytes already read from it put back in front (for tarfile's `read`)."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.rest.read(size)
        if size < 0:
            data, self.head = self.head + self.rest.read(), b""
            return data
        data, self.head = self.head[:size], self.head[size:]
        return data + (self.rest.read(size - len(data)) if len(data) < size else b"")


KINDS = ((tarfile.TarInfo.isreg, "f"), (tarfile.TarInfo.isdir, "d"), (tarfile.TarInfo.issym, "l"),
         (tarfile.TarInfo.islnk, "h"))


def _read_layer(name: str, data: _Prefixed) -> Layer:
    layer = Layer(name)
    files: Dict[str, Entry] = {}
    tar = tarfile.open(fileobj=data, mode="r|*")  # type: ignore[call-overload]
    for member in _members(tar):
        path = normal(member.name)
        base = posixpath.basename(path)
        if base.startswith(WHITEOUT):
            parent = posixpath.dirname(path)
            if base == OPAQUE:
                layer.opaque.append(parent)
            elif not base.startswith(WHITEOUT + WHITEOUT):  # .wh..wh.* are aufs metadata, not deletions
                layer.whiteouts.append(posixpath.join(parent, base[len(WHITEOUT):]))
            continue
        if not path:
            continue
        kind = next((k for test, k in KINDS if test(member)), "o")
        entry = Entry(path, kind, member.mode & 0o7777, member.uid, member.gid, member.size if kind == "f" else 0)
        if kind == "l":
            entry.target = member.linkname
        elif kind == "h":
            entry.target = normal(member.linkname)
            linked = files.get(entry.target)
            entry.elf, entry.size = (linked.elf, linked.size) if linked else (False, 0)
        elif kind == "f" and member.size >= 4:
            content = tar.extractfile(member)
            assert content is not None
            if _kept(path):
                if member.size > MAX_KEPT:
                    raise CannotVerify(f"layer {name}: /{path} is {member.size} bytes, too large to read")
                layer.kept[path] = content.read()
                entry.elf = layer.kept[path][:4] == b"\x7fELF"
            else:
                entry.elf = content.read(4) == b"\x7fELF"
        elif kind == "f" and _kept(path):
            layer.kept[path] = b""  # an empty package database is still one
        files[path] = entry
        layer.entries.append(entry)
    return layer


class Hidden:
    """What one layer's whiteouts hide of the layers below it: the deleted paths, files and bytes."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.paths: List[str] = []
        self.files = 0
        self.size = 0


class Filesystem:
    """The root filesystem the layers make, lowest first, with whiteouts applied as overlayfs does."""

    def __init__(self, layers: List[Layer]) -> None:
        self.layers = layers
        self.entries: Dict[str, Entry] = {}
        self.children: Dict[str, Dict[str, None]] = {}  # directory -> its children (an ordered set)
        self.hidden: List[Hidden] = []
        self.whiteouts = 0
        #: every path any layer had as a directory, deleted later or not
        self.ever_directories: Set[str] = set()
        for layer in layers:
            self._apply(layer)

    def _apply(self, layer: Layer) -> None:
        hidden = Hidden(layer)
        self.whiteouts += len(layer.whiteouts) + len(layer.opaque)
        for directory in layer.opaque:
            removed = [e for child in list(self.children.get(directory, ())) for e in self._remove(child)]
            self._account(hidden, directory + "/", removed)
        for path in layer.whiteouts:
            self._account(hidden, path, self._remove(path))
        for entry in layer.entries:
            old = self.entries.get(entry.path)
            if old is not None and old.kind == "d" and entry.kind != "d":
                self._remove(entry.path)  # a file over a directory replaces the whole tree
            entry.layer = layer.index
            self._add(entry)
            if entry.kind == "d":
                self.ever_directories.add(entry.path)
        if hidden.paths:
            self.hidden.append(hidden)

    @staticmethod
    def _account(hidden: Hidden, path: str, removed: List[Entry]) -> None:
        if removed:
            hidden.paths.append(path)
            hidden.files += sum(1 for e in removed if e.kind != "d")
            hidden.size += sum(e.size for e in removed if e.kind == "f")

    def _add(self, entry: Entry) -> None:
        self.entries[entry.path] = entry
        path = entry.path
        while path:
            parent = posixpath.dirname(path)
            siblings = self.children.setdefault(parent, {})
            if path in siblings:
                return
            siblings[path] = None
            path = parent

    def _remove(self, path: str) -> List[Entry]:
        removed: List[Entry] = []
        stack = [path]
        while stack:
            current = stack.pop()
            entry = self.entries.pop(current, None)
            if entry is not None:
                removed.append(entry)
            stack.extend(self.children.pop(current, {}))
        self.children.get(posixpath.dirname(path), {}).pop(path, None)
        return removed

    # -- reading the result --

    def exists(self, path: str) -> bool:
        """Whether `path` (relative to /) names something, symlinks in its directories followed."""
        real = self.resolve(path, follow_last=False)
        return real is not None and (real == "" or real in self.entries or real in self.children)

    def resolve(self, path: str, follow_last: bool = True) -> Optional[str]:
        """The path with symlinks followed inside the image (None for a loop); it may not exist."""
        parts = [p for p in path.split("/") if p not in ("", ".")]
        done: List[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == "..":
                if done:
                    done.pop()
                continue
            entry = self.entries.get("/".join(done + [part]))
            if entry is not None and entry.kind == "l" and (parts or follow_last):
                hops += 1
                if hops > 40:
                    return None
                if entry.target.startswith("/"):
                    done = []
                parts = [p for p in entry.target.split("/") if p not in ("", ".")] + parts
                continue
            done.append(part)
        return "/".join(done)

    def file(self, path: str) -> Optional[Entry]:
        """The file (or hardlink) a path leads to, symlinks followed; None if it is not one."""
        real = self.resolve(path)
        entry = self.entries.get(real) if real is not None else None
        return entry if entry is not None and entry.kind in ("f", "h") else None

    def content(self, path: str) -> Optional[bytes]:
        """The bytes of a kept file (see KEPT) as the image has it, or None."""
        real = self.resolve(path)
        entry = self.entries.get(real) if real is not None else None
        if entry is None or entry.kind not in ("f", "h"):
            return None
        kept = self.layers[entry.layer].kept
        return kept.get(entry.target if entry.kind == "h" else entry.path)

    def listdir(self, path: str) -> List[str]:
        """The paths directly inside a directory (symlinks followed to it)."""
        real = self.resolve(path)
        return list(self.children.get(real, ())) if real is not None else []

    def walk(self, path: str) -> Iterator[Entry]:
        """Every entry at and below `path` (its directories' symlinks are not followed)."""
        stack = [path]
        while stack:
            current = stack.pop()
            entry = self.entries.get(current)
            if entry is not None:
                yield entry
            stack.extend(self.children.get(current, ()))

    def files_count(self) -> int:
        return sum(1 for e in self.entries.values() if e.kind != "d")


def describe(layer: Layer, count: int) -> Tuple[str, str]:
    """("layer 5 of 6", "RUN rm -rf ...") for messages: the layer's place and the step that made it."""
    step = " ".join(layer.created_by.replace("/bin/sh -c #(nop) ", "").split())
    if len(step) > 100:
        step = step[:99] + "…"
    return f"layer {layer.index + 1} of {count}", step
