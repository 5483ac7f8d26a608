"""Hostile `docker save` archives, built in memory: each asks verify's reader for unbounded work or memory.

Every builder takes a size (how far past the bound to go, or how close to stay below it) and
returns the archive's bytes; tests/test_verify_limits.py verifies each in a child process under
a 1 GiB address-space cap and a time limit. Layers are gzip-compressed where their content is
large, as an attacker would send them: a few hundred KB of archive expand to gigabytes.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from typing import Any, Callable, Dict, List, Sequence, Tuple

from tests.saved_images import ELF, Item, directory, file, saved_image, symlink

GOOD = {"User": "10001:10001", "Entrypoint": ["/app"], "Healthcheck": {"Test": ["NONE"]},
        "Labels": {"org.opencontainers.image.title": "app"}}
ROOT = [file("app", ELF, 0o555), directory("etc"), file("etc/passwd", b"app:x:10001:10001::/:/x\n")]


class Zeros(io.RawIOBase):
    """`size` zero bytes, read in chunks (a large file's content, never held whole)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def gzip_layer(write: Callable[[tarfile.TarFile], None]) -> bytes:
    """A gzip-compressed layer written by `write` (level 1: zeros compress 1000:1 at once)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1, mtime=0) as packed:
        with tarfile.open(fileobj=packed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            write(tar)
    return buffer.getvalue()


def archive_with_blob_layer(config: Dict[str, Any], layer: bytes) -> bytes:
    """An OCI-layout `docker save` archive whose one layer is the given (compressed) blob."""
    return _outer(config, [("blobs/sha256/layer0", layer)])


def _outer(config: Dict[str, Any], layers: List[Tuple[str, bytes]], extra: Sequence[Tuple[str, bytes]] = (),
           manifest: Any = None, blob: Any = None) -> bytes:
    """An OCI-layout archive: the config blob (`blob`, or one made of `config`), layers, other members, manifest."""
    if blob is None:
        blob = {"architecture": "amd64", "os": "linux", "config": config, "rootfs": {"type": "layers", "diff_ids": []}}
    blob = json.dumps(blob).encode()
    members = [("blobs/sha256/config", blob), *layers, *extra]
    if manifest is None:
        manifest = [{"Config": "blobs/sha256/config", "RepoTags": ["t:1"], "Layers": [name for name, _ in layers]}]
    members.append(("manifest.json", json.dumps(manifest).encode()))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def large_kept_files(count: int, size: int) -> bytes:
    """`count` dpkg file lists of `size` zero bytes each: the reader keeps such files whole."""
    def write(tar: tarfile.TarFile) -> None:
        for info, data in ROOT:
            tar.addfile(info, io.BytesIO(data))
        for index in range(count):
            info = tarfile.TarInfo(f"var/lib/dpkg/info/p{index}.list")
            info.size = size
            tar.addfile(info, Zeros(size))
    return archive_with_blob_layer(GOOD, gzip_layer(write))


def json_blobs(count: int, size: int) -> bytes:
    """`count` JSON-looking members of `size` bytes beside the image: the reader keeps them to find the config."""
    body = b"{" + b" " * max(0, size - 2) + b"}"
    return _outer(GOOD, [("blobs/sha256/layer0", _plain_layer(ROOT))],
                  [(f"blobs/sha256/junk{index}", body) for index in range(count)])


def _plain_layer(items: List[Item]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in items:
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buffer.getvalue()


def deep_paths(count: int, depth: int) -> bytes:
    """`count` files each `depth` directories deep in a tree of their own: every ancestor a new path."""
    def write(tar: tarfile.TarFile) -> None:
        for info, data in ROOT:
            tar.addfile(info, io.BytesIO(data))
        for index in range(count):
            tar.addfile(tarfile.TarInfo(f"d{index}/" + "x/" * depth + "f"))
    return archive_with_blob_layer(GOOD, gzip_layer(write))


def many_entries(count: int) -> bytes:
    """`count` tar headers of one empty file, repeated: each is an entry of the layer."""
    header = _plain_layer([file("f")])[:tarfile.BLOCKSIZE]
    raw = _plain_layer(ROOT)
    body = raw.rstrip(b"\0")
    body += b"\0" * (-len(body) % tarfile.BLOCKSIZE)
    layer = gzip.compress(body + header * count + bytes(2 * tarfile.BLOCKSIZE), compresslevel=1, mtime=0)
    return archive_with_blob_layer(GOOD, layer)


def symlink_chains(path_entries: int, links: int, hops: int) -> bytes:
    """PATH of `path_entries` directories, and `links` shells in bin directories, each `hops` links from a file."""
    items = list(ROOT) + [directory("l"), file("l/0", ELF, 0o755)]
    long = "/".join(["."] * 200)  # a target that walks many components per hop
    items += [symlink(f"l/{n}", f"/{long}/l/{n - 1}") for n in range(1, hops + 1)]
    items += [directory(f"b{n}") for n in range(links)]
    items += [directory(f"b{n}/bin") for n in range(links)] + [symlink(f"b{n}/bin/sh", f"/l/{hops}") for n in range(links)]
    path = ":".join(f"/p{n}" for n in range(path_entries))
    return saved_image({**GOOD, "Entrypoint": ["missing-program"], "Env": [f"PATH={path}"]}, [items])


def dpkg_rules(rules: int, missing: int) -> bytes:
    """`rules` dpkg path-exclude rules and a package listing `missing` files the image lacks."""
    config = "".join(f"path-exclude /usr/share/doc/x{n}/*/*\n" for n in range(rules)).encode()
    listed = "".join(f"/usr/share/man/m{n}/page-{n}.gz\n" for n in range(missing)).encode()
    items = list(ROOT) + [
        directory("etc/dpkg"), directory("etc/dpkg/dpkg.cfg.d"), file("etc/dpkg/dpkg.cfg.d/rules", config),
        directory("var"), directory("var/lib"), directory("var/lib/dpkg"), directory("var/lib/dpkg/info"),
        file("var/lib/dpkg/status", b"Package: big\nStatus: install ok installed\nArchitecture: amd64\n"),
        file("var/lib/dpkg/info/big:amd64.list", listed)]
    return saved_image(GOOD, [items])


def repeated_layers(times: int) -> bytes:
    """The manifest names one layer `times` times: its files are applied again each time."""
    layer = _plain_layer(ROOT + [file(f"f{n}") for n in range(2000)])
    manifest = [{"Config": "blobs/sha256/config", "RepoTags": ["t:1"], "Layers": ["blobs/sha256/layer0"] * times}]
    return _outer(GOOD, [("blobs/sha256/layer0", layer)], manifest=manifest)


def big_tar_header(size: int) -> bytes:
    """A pax extended header of `size` bytes, one `comment` record (tarfile reads one whole)."""
    record = f"{size} comment=".encode()
    record += b"x" * (size - len(record) - 1) + b"\n"
    header = tarfile.TarInfo("././@PaxHeader")
    header.type, header.size = tarfile.XHDTYPE, size
    body = header.tobuf(tarfile.USTAR_FORMAT) + record + bytes(-size % tarfile.BLOCKSIZE)
    body += tarfile.TarInfo("f").tobuf(tarfile.USTAR_FORMAT) + bytes(2 * tarfile.BLOCKSIZE)
    return archive_with_blob_layer(GOOD, gzip.compress(body, compresslevel=1, mtime=0))


def chained_tar_headers(count: int) -> bytes:
    """`count` pax extended headers in a row (tarfile recurses once for each)."""
    one = _plain_layer([file("f" * 200)])  # a name too long for the header: a pax record carries it
    pax = one[:tarfile.BLOCKSIZE * 2]  # the pax header and its one block of records
    assert pax[156:157] == b"x", "the first member must carry a pax header"
    layer = gzip.compress(pax * count + one[tarfile.BLOCKSIZE * 2:], compresslevel=1, mtime=0)
    return archive_with_blob_layer(GOOD, layer)


def config_types(key: str, value: Any) -> bytes:
    """An image whose config holds `value` at `key` (None: the whole "config" is `value`)."""
    return saved_image({**GOOD, key: value}, [ROOT])


def manifest_types(manifest: Any) -> bytes:
    return _outer(GOOD, [("blobs/sha256/layer0", _plain_layer(ROOT))], manifest=manifest)


def raw_config(blob: Any) -> bytes:
    """An image whose config blob is `blob`, of whatever JSON shape."""
    return _outer(GOOD, [("blobs/sha256/layer0", _plain_layer(ROOT))], blob=blob)
