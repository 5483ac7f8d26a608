"""Images in the `docker save` format, built in memory: what `scaffold verify` reads, without Docker.

    layers = [[directory("usr/bin"), file("usr/bin/sh", ELF, 0o755)], [whiteout("usr/bin/sh")]]
    archive = saved_image({"User": "10001:10001", "Entrypoint": ["/app"]}, layers)

Both layouts `docker save` writes: the legacy one (`<id>/layer.tar`) and the OCI one of
Docker 25+ (`blobs/sha256/...`), layers optionally gzip-compressed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import posixpath
import tarfile
from typing import Any, Dict, List, Optional, Tuple

Item = Tuple[tarfile.TarInfo, bytes]

#: the start of an ELF program (what verify looks at)
ELF = b"\x7fELF\x02\x01\x01" + bytes(9)


def _info(path: str, kind: bytes, mode: int, uid: int, gid: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(path)
    info.type, info.mode, info.uid, info.gid, info.mtime = kind, mode, uid, gid, 1700000000
    return info


def file(path: str, data: bytes = b"", mode: int = 0o644, uid: int = 0, gid: int = 0) -> Item:
    info = _info(path, tarfile.REGTYPE, mode, uid, gid)
    info.size = len(data)
    return info, data


def directory(path: str, mode: int = 0o755, uid: int = 0, gid: int = 0) -> Item:
    return _info(path, tarfile.DIRTYPE, mode, uid, gid), b""


def symlink(path: str, target: str) -> Item:
    info = _info(path, tarfile.SYMTYPE, 0o777, 0, 0)
    info.linkname = target
    return info, b""


def hardlink(path: str, target: str, mode: int = 0o755) -> Item:
    info = _info(path, tarfile.LNKTYPE, mode, 0, 0)
    info.linkname = target
    return info, b""


def whiteout(path: str) -> Item:
    """The entry a layer carries to delete `path` of a lower layer."""
    return file(posixpath.join(posixpath.dirname(path), ".wh." + posixpath.basename(path)))


def opaque(path: str) -> Item:
    """The entry that hides everything lower layers have in directory `path`."""
    return file(posixpath.join(path, ".wh..wh..opq"))


def layer_tar(items: List[Item], compress: bool = False) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in items:
            tar.addfile(info, io.BytesIO(data) if data else None)
    raw = buffer.getvalue()
    return gzip.compress(raw, mtime=0) if compress else raw


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def saved_image(config: Dict[str, Any], layers: List[List[Item]], layout: str = "legacy", compress: bool = False,
                tag: str = "test/image:1", history: Optional[List[str]] = None) -> bytes:
    """A `docker save` archive of one image: `config` is the image config's "config" part."""
    blobs = [layer_tar(items, compress) for items in layers]
    steps = history or [f"RUN step {number}" for number in range(1, len(layers) + 1)]
    image_config = json.dumps({
        "architecture": "amd64", "os": "linux", "config": config,
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{_digest(layer_tar(items))}" for items in layers]},
        "history": [{"created_by": step} for step in steps],
    }).encode()
    members: List[Tuple[str, bytes]] = []
    links: Dict[str, str] = {}  # member -> the member it is a symlink to
    if layout == "legacy":
        names: List[str] = []
        first: Dict[bytes, str] = {}
        for index, blob in enumerate(blobs):
            layer_id = _digest(blob + bytes([index]))
            name = f"{layer_id}/layer.tar"
            members += [(f"{layer_id}/VERSION", b"1.0"), (f"{layer_id}/json", b"{}")]
            # the same bytes again (an empty layer twice, say): docker links to the first copy
            if blob in first:
                links[name] = "../" + first[blob]
            else:
                members.append((name, blob))
            first.setdefault(blob, name)
            names.append(name)
        config_name = f"{_digest(image_config)}.json"
        members.append((config_name, image_config))
    else:
        names = [f"blobs/sha256/{_digest(blob)}" for blob in blobs]
        config_name = f"blobs/sha256/{_digest(image_config)}"
        members += [(config_name, image_config), *{name: blob for name, blob in zip(names, blobs)}.items()]
        members += [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), ("index.json", b'{"schemaVersion": 2}')]
    members.append(("manifest.json", json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": names}]).encode()))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, target in links.items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
