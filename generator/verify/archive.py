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
from typing import IO, Any, Dict, Iterator, List, Optional, Set, Tuple

from generator.verify import limits
from generator.verify.limits import Counter, LimitExceeded, check_path
from generator.verify.report import CannotVerify

#: files whose content the checks read (paths relative to /)
KEPT = frozenset({
    "var/lib/dpkg/status", "var/lib/dpkg/diversions", "lib/apk/db/installed", "etc/passwd", "etc/group",
    "etc/os-release", "usr/lib/os-release", "etc/dpkg/dpkg.cfg",
})
KEPT_PREFIXES = ("var/lib/dpkg/status.d/", "etc/dpkg/dpkg.cfg.d/")
#: dpkg's per-package file lists
KEPT_INFO = ("var/lib/dpkg/info/", ".list")

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
    """The config blob (parsed JSON, any shape: generator.verify.config reads it) and the layers, lowest first."""

    def __init__(self, config: Any, layers: List[Layer], tags: List[str]) -> None:
        self.config = config
        self.layers = layers
        self.tags = tags
        steps = config.get("history") if isinstance(config, dict) else None
        history = [h for h in steps if isinstance(h, dict) and not h.get("empty_layer")] if isinstance(steps, list) else []
        for layer, step in zip(layers, history if len(history) == len(layers) else []):
            layer.created_by = str(step.get("created_by") or "")


def read_saved(stream: IO[bytes], image: str = "") -> SavedImage:
    """Read a `docker save` archive from a stream (a pipe is fine); raise CannotVerify if it is not one.

    What is kept is bounded (generator.verify.limits): past a bound, a LimitExceeded.
    """
    reader = _Reader()
    try:
        outer = tarfile.open(fileobj=stream, mode="r|", tarinfo=_BoundedInfo)  # type: ignore[call-overload]
        for member in _members(outer, reader.members):
            reader.member(outer, member)
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise CannotVerify(f"cannot read the image archive: {error}") from None
    return _assemble(reader.layers, reader.blobs, reader.aliases, image)


class _Reader:
    """One archive being read: the layers and JSON blobs found so far, and the bounds they count against."""

    def __init__(self) -> None:
        self.layers: Dict[str, Layer] = {}
        self.blobs: Dict[str, bytes] = {}
        self.aliases: Dict[str, str] = {}
        self.members = Counter("members in the image archive", limits.MAX_MEMBERS)
        self.blob_count = Counter("JSON documents in the image archive", limits.MAX_BLOBS)
        self.json_bytes = Counter("bytes of JSON in the image archive", limits.MAX_JSON_TOTAL)
        self.entries = Counter("files, directories and links in the image's layers", limits.MAX_ENTRIES)
        self.kept = Counter("bytes of package databases and account files in the image", limits.MAX_KEPT_BYTES)
        self.content = Counter("bytes of files in the image's layers", limits.MAX_CONTENT_BYTES)

    def member(self, outer: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        name = normal(member.name)
        if member.issym() and name.endswith("layer.tar"):  # legacy layout: a repeated layer links to the first
            self.aliases[name] = normal(posixpath.join(posixpath.dirname(name), member.linkname))
        if not member.isfile():
            return
        data = outer.extractfile(member)
        assert data is not None
        head = data.read(tarfile.BLOCKSIZE)
        if name.endswith("layer.tar") or (name.startswith("blobs/") and _is_layer(head)):
            self.layers[name] = self.layer(name, _Prefixed(head, data))
        elif head[:1] in (b"{", b"["):
            if member.size > limits.MAX_JSON:
                raise LimitExceeded(f"the image archive holds {name}, {member.size:,} bytes of JSON", limits.MAX_JSON)
            self.blob_count.add()
            self.json_bytes.add(member.size)
            self.blobs[name] = head + data.read(member.size - len(head))

    def layer(self, name: str, data: _Prefixed) -> Layer:
        """One layer's entries, whiteouts and kept files."""
        layer = Layer(name)
        files: Dict[str, Entry] = {}
        tar = tarfile.open(fileobj=data, mode="r|*", tarinfo=_BoundedInfo)  # type: ignore[call-overload]
        for member in _members(tar, self.entries):
            path = check_path(normal(member.name))
            base = posixpath.basename(path)
            if base.startswith(WHITEOUT):
                _whiteout(layer, path, base)
            elif path:
                entry = self.entry(tar, member, path, files, layer)
                files[path] = entry
                layer.entries.append(entry)
        return layer

    def entry(self, tar: tarfile.TarFile, member: tarfile.TarInfo, path: str, files: Dict[str, Entry],
              layer: Layer) -> Entry:
        kind = next((k for test, k in KINDS if test(member)), "o")
        entry = Entry(path, kind, member.mode & 0o7777, member.uid, member.gid, member.size if kind == "f" else 0)
        if kind == "l":
            entry.target = check_path(member.linkname)
        elif kind == "h":
            entry.target = check_path(normal(member.linkname))
            linked = files.get(entry.target)
            entry.elf, entry.size = (linked.elf, linked.size) if linked else (False, 0)
        elif kind == "f":
            self.content.add(member.size)
            entry.elf = self.head(tar, member, path, layer) == b"\x7fELF"
        return entry

    def head(self, tar: tarfile.TarFile, member: tarfile.TarInfo, path: str, layer: Layer) -> bytes:
        """A file's first 4 bytes; the whole of it, into `layer.kept`, when the checks read it (see KEPT)."""
        content = tar.extractfile(member)
        assert content is not None
        if not _kept(path):
            return content.read(4)
        self.kept.add(member.size)
        layer.kept[path] = content.read(member.size)
        return layer.kept[path][:4]


def _whiteout(layer: Layer, path: str, base: str) -> None:
    parent = posixpath.dirname(path)
    if base == OPAQUE:
        layer.opaque.append(parent)
    elif not base.startswith(WHITEOUT + WHITEOUT):  # .wh..wh.* are aufs metadata, not deletions
        layer.whiteouts.append(posixpath.join(parent, base[len(WHITEOUT):]))


class _BoundedInfo(tarfile.TarInfo):
    """tarfile's header reader, refusing extended headers (pax, GNU long names) too large or chained too long.

    tarfile reads such a header whole into memory and recurses once per chained header: a hostile
    layer could ask for gigabytes or overflow the stack with one.
    """

    chain = 0

    def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:  # type: ignore[override]
        if self.type not in EXTENDED:
            return super()._proc_member(tarfile_)  # type: ignore[misc]
        if self.size > limits.MAX_TAR_HEADER:
            raise LimitExceeded(f"an extended tar header of {self.size:,} bytes", limits.MAX_TAR_HEADER)
        chain = _BoundedInfo.chain + 1  # the headers being read, nested (tarfile recurses; one reader at a time)
        if chain > limits.MAX_TAR_HEADER_CHAIN:
            raise LimitExceeded(f"{chain} extended tar headers in a row", limits.MAX_TAR_HEADER_CHAIN)
        _BoundedInfo.chain = chain
        try:
            return super()._proc_member(tarfile_)  # type: ignore[misc]
        finally:
            _BoundedInfo.chain = chain - 1


EXTENDED = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE,
            tarfile.SOLARIS_XHDTYPE)


def _is_layer(head: bytes) -> bool:
    """Whether an OCI blob's first block is a layer: a tar header, an empty tar, or compressed data."""
    return head[257:262] == b"ustar" or head.startswith(COMPRESSED) or (len(head) == tarfile.BLOCKSIZE and not head.strip(b"\0"))


def _assemble(layers: Dict[str, Layer], blobs: Dict[str, bytes], aliases: Dict[str, str], image: str) -> SavedImage:
    chosen, config = _manifest(blobs, image)
    names = [normal(name) for name in chosen["Layers"]]
    if len(names) > limits.MAX_LAYERS:
        raise LimitExceeded(f"the manifest names {len(names):,} layers", limits.MAX_LAYERS)
    stacked = Counter("files, directories and links in the image's layers, repeated layers counted again",
                      limits.MAX_ENTRIES)
    ordered = []
    for index, name in enumerate(names):
        layer = layers.get(aliases.get(name, name))
        if layer is None:
            raise CannotVerify(f"the image archive lacks layer {name} that its manifest names")
        stacked.add(len(layer.entries) + len(layer.whiteouts) + len(layer.opaque))
        if layer.index and layer.index != index:  # the same bytes twice in the stack: the same files twice
            copy = Layer(layer.name)
            copy.entries, copy.whiteouts, copy.opaque, copy.kept = layer.entries, layer.whiteouts, layer.opaque, layer.kept
            layer = copy
        layer.index = index
        ordered.append(layer)
    return SavedImage(config, ordered, _tags(chosen))


def _tags(manifest: Dict[str, Any]) -> List[str]:
    tags = manifest.get("RepoTags")
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def _manifest(blobs: Dict[str, bytes], image: str) -> Tuple[Dict[str, Any], Any]:
    """The manifest entry of the image (the one tagged `image`, else the first) and its config, parsed.

    The manifest must have the shape docker save writes; the config may be anything JSON (the
    checks report a config of the wrong shape as findings).
    """
    try:
        manifests = json.loads(blobs["manifest.json"])
        candidates = [m for m in manifests if isinstance(m, dict)] if isinstance(manifests, list) else []
        chosen = next((m for m in candidates if image and image in _tags(m)), candidates[0])
        layers, config_name = chosen.get("Layers"), chosen.get("Config")
        if not isinstance(config_name, str) or not isinstance(layers, list) or not all(
                isinstance(name, str) for name in layers):
            raise ValueError("an entry without a Config name and a list of Layers")
        return chosen, json.loads(blobs[normal(config_name)])
    except (KeyError, IndexError, TypeError, ValueError, RecursionError) as error:
        raise CannotVerify(f"not a docker save archive (manifest.json or the image config unreadable: {error!r})") from None


def _members(tar: tarfile.TarFile, count: Counter) -> Iterator[tarfile.TarInfo]:
    """Members one by one, forgetting each (a stream of 100,000 files keeps no list of them), counted."""
    while True:
        member = tar.next()
        if member is None:
            return
        count.add()
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
        self.nodes = Counter("files and directories in the image's tree", limits.MAX_NODES)
        self.tree_bytes = Counter("bytes of paths in the image's tree", limits.MAX_TREE_BYTES)
        #: every lookup (resolve) of every check counts its steps here: symlink chains cannot multiply the work
        self.steps = Counter("path components walked following the image's symlinks", limits.MAX_LOOKUP_STEPS)
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
            self.nodes.add()
            self.tree_bytes.add(len(path))
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
        """The path with symlinks followed inside the image (None for a loop); it may not exist.

        As the kernel: at most MAX_HOPS links in one lookup. Every component walked counts
        against the image's lookup budget (`steps`).
        """
        todo = _parts(path)  # reversed: the next component is the last
        done: List[str] = []  # the real path so far, as the joined prefixes ("usr", "usr/lib", ...)
        hops = 0
        while todo:
            self.steps.add()
            part = todo.pop()
            if part == "..":
                if done:
                    done.pop()
                continue
            key = f"{done[-1]}/{part}" if done else part
            entry = self.entries.get(key)
            if entry is not None and entry.kind == "l" and (todo or follow_last):
                hops += 1
                if hops > limits.MAX_HOPS:
                    return None
                if entry.target.startswith("/"):
                    done = []
                todo += _parts(entry.target)
                continue
            done.append(key)
        return done[-1] if done else ""

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


def _parts(path: str) -> List[str]:
    """A path's components, last first (popped from the end in order)."""
    return [part for part in reversed(path.split("/")) if part not in ("", ".")]


def describe(layer: Layer, count: int) -> Tuple[str, str]:
    """("layer 5 of 6", "RUN rm -rf ...") for messages: the layer's place and the step that made it."""
    step = " ".join(layer.created_by.replace("/bin/sh -c #(nop) ", "").split())
    if len(step) > 100:
        step = step[:99] + "…"
    return f"layer {layer.index + 1} of {count}", step
