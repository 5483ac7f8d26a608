"""The image's OS package database as scanners read it, and whether it tells the truth (H16).

Trivy, Grype, Snyk, Docker Scout and Clair report CVEs for the packages an image's database
lists: dpkg's `/var/lib/dpkg/status` (with `info/<package>.list`), distroless's
`/var/lib/dpkg/status.d/<package>` (with `<package>.md5sums` where present), apk's
`/lib/apk/db/installed`. A library whose package is not listed is invisible to them; a
listed package whose files are gone is noise. RPM databases are binary: their presence is
noted, their consistency is not checked.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from generator.verify import limits
from generator.verify.archive import Filesystem, Layer, normal
from generator.verify.limits import Counter, LimitExceeded, check_path

DPKG, STATUS, STATUS_D, INFO = "var/lib/dpkg", "var/lib/dpkg/status", "var/lib/dpkg/status.d", "var/lib/dpkg/info"
APK = "lib/apk/db/installed"
RPM = ("var/lib/rpm/Packages", "var/lib/rpm/Packages.db", "var/lib/rpm/rpmdb.sqlite",
       "usr/lib/sysimage/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/Packages.db")
#: where OS packages put programs and libraries (never /usr/local or /opt: Debian policy and the FHS)
SYSTEM_DIRS = ("bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/", "usr/bin/", "usr/sbin/", "usr/lib/",
               "usr/lib32/", "usr/lib64/", "usr/libx32/", "usr/libexec/", "usr/games/")


class Package:
    """A listed package; `files` (relative to /) is None when the database keeps no file list for it."""

    def __init__(self, name: str, version: str, files: Optional[List[str]]) -> None:
        self.name, self.version, self.files = name, version, files


class PackageDb:
    """What the image's database says: its kind ("dpkg", "dpkg status.d", "apk", "rpm" or "" for none)."""

    def __init__(self) -> None:
        self.kinds: List[str] = []
        self.packages: List[Package] = []
        #: a database whose content is not read (rpm): nothing can be said about consistency
        self.opaque = ""

    @property
    def kind(self) -> str:
        return " + ".join(self.kinds)


def stanzas(text: str) -> Iterator[Dict[str, str]]:
    """deb822 paragraphs (dpkg status, apk's installed uses one-letter keys the same way).

    A field's continuation lines are collected in a list and joined once: a field of a million
    lines costs linear time, not quadratic.
    """
    fields: Dict[str, List[str]] = {}
    last: Optional[List[str]] = None
    for line in text.splitlines():
        if not line.strip():
            if fields:
                yield {key: "\n".join(lines) for key, lines in fields.items()}
            fields, last = {}, None
        elif line[0] in " \t" and last is not None:
            last.append(line.strip())
        elif ":" in line:
            key, _, value = line.partition(":")
            last = fields[key] = [value.strip()]
    if fields:
        yield {key: "\n".join(lines) for key, lines in fields.items()}


def _text(data: Optional[bytes]) -> str:
    return data.decode("utf-8", errors="replace") if data else ""


def _list(data: Optional[bytes]) -> List[str]:
    """A dpkg .list: one absolute path a line."""
    return [normal(line.strip()) for line in _text(data).splitlines() if line.strip()]


def _md5sums(data: Optional[bytes]) -> List[str]:
    """An md5sums file: `<md5>  <path without the leading slash>` a line."""
    return [normal(line.split(None, 1)[1].strip()) for line in _text(data).splitlines() if len(line.split(None, 1)) == 2]


def _apk(text: str) -> Iterator[Tuple[str, str, List[str]]]:
    for fields_text in text.split("\n\n"):
        name = version = directory = ""
        files: List[str] = []
        for line in fields_text.splitlines():
            key, _, value = line.partition(":")
            if key == "P":
                name = value
            elif key == "V":
                version = value
            elif key == "F":
                directory = value
            elif key == "R":
                files.append(normal(posixpath.join(directory, value)))
        if name:
            yield name, version, files


def read_database(fs: Filesystem) -> PackageDb:
    db = PackageDb()
    status = fs.content(STATUS)
    if status is not None:
        db.kinds.append("dpkg")
        for fields in stanzas(_text(status)):
            if not fields.get("Package") or "installed" not in fields.get("Status", "").split()[2:3]:
                continue
            name, arch = fields["Package"], fields.get("Architecture", "")
            listed = fs.content(f"{INFO}/{name}:{arch}.list")
            if listed is None:
                listed = fs.content(f"{INFO}/{name}.list")
            db.packages.append(Package(name, fields.get("Version", ""), _list(listed) if listed is not None else None))
    entries = sorted(p for p in fs.listdir(STATUS_D) if not p.endswith(".md5sums"))
    if entries:
        db.kinds.append("dpkg status.d")
    for path in entries:
        sums = fs.content(path + ".md5sums")
        for fields in stanzas(_text(fs.content(path))):
            if fields.get("Package") and "installed" in (fields.get("Status", "x x installed").split()[2:3]):
                db.packages.append(Package(fields["Package"], fields.get("Version", ""),
                                           _md5sums(sums) if sums is not None else None))
    installed = fs.content(APK)
    if installed is not None:
        db.kinds.append("apk")
        db.packages.extend(Package(name, version, files) for name, version, files in _apk(_text(installed)))
    rpm = next((path for path in RPM if fs.exists(path)), None)
    if rpm:
        db.kinds.append("rpm")
        db.opaque = f"an RPM database (/{rpm}), which verify does not read"
    return db


def path_excluded(fs: Filesystem) -> Excluder:
    """dpkg's path-exclude/path-include rules (etc/dpkg/dpkg.cfg{,.d/*}): files dpkg never installs."""
    rules: List[Tuple[bool, str]] = []
    for path in ["etc/dpkg/dpkg.cfg", *sorted(fs.listdir("etc/dpkg/dpkg.cfg.d"))]:
        for line in _text(fs.content(path)).splitlines():
            match = RULE.match(line)
            if match:
                rules.append((match.group(1) == "path-exclude", match.group(2)))
    if len(rules) > limits.MAX_DPKG_RULES:
        raise LimitExceeded(f"dpkg's configuration has {len(rules):,} path-exclude/path-include rules",
                            limits.MAX_DPKG_RULES)
    return Excluder(rules)


RULE = re.compile(r"\s*(path-exclude|path-include)[=\s]\s*(\S+)")


class Excluder:
    """Whether dpkg's rules exclude a path, the work bounded: a rule tried on a path costs the
    path's length once per `*` of the rule (and once more), counted against MAX_RULE_WORK."""

    def __init__(self, rules: List[Tuple[bool, str]]) -> None:
        for _, pattern in rules:
            check_path(pattern)
        # last rule first: the first that matches decides; each pattern compiled once
        self.rules = [(exclude, re.compile(fnmatch.translate(pattern)), 1 + pattern.count("*"))
                      for exclude, pattern in reversed(rules)]
        self.work = Counter("characters dpkg's path rules compare with the files packages list", limits.MAX_RULE_WORK)

    def __call__(self, path: str) -> bool:
        """The last rule that matches decides, as in dpkg (fnmatch without FNM_PATHNAME: * spans /)."""
        for exclude, pattern, stars in self.rules:
            self.work.add(stars * (len(path) + 1))
            if pattern.match("/" + path):
                return exclude
        return False


def diversions(fs: Filesystem) -> Dict[str, Tuple[str, str]]:
    """dpkg-divert's table: original path -> (where it lives now, the diverting package)."""
    lines = _text(fs.content(f"{DPKG}/diversions")).splitlines()
    return {normal(lines[i].strip()): (normal(lines[i + 1].strip()), lines[i + 2].strip())
            for i in range(0, len(lines) - 2, 3)}


def owned_paths(fs: Filesystem, packages: Iterable[Package]) -> Dict[str, str]:
    """Real path (symlinked directories followed, dpkg diversions applied) -> the package that lists it."""
    diverted = diversions(fs)
    owned: Dict[str, str] = {}
    for package in packages:
        for path in package.files or ():
            moved, by = diverted.get(path, (path, package.name))
            real = fs.resolve(moved if by != package.name else path, follow_last=False)
            if real is not None:
                owned.setdefault(real, package.name)
    return owned


def missing_files(fs: Filesystem, db: PackageDb) -> Dict[str, List[str]]:
    """Listed package -> the files it lists that are not in the image (dpkg's own exclusions aside)."""
    excluded = path_excluded(fs)
    diverted = diversions(fs)
    listed = [(package, path) for package in db.packages for path in package.files or ()]
    # a list names directories too; a missing one (an emptied apt cache) is no missing file
    directories = fs.ever_directories | {posixpath.dirname(path) for _, path in listed}
    missing: Dict[str, List[str]] = {}
    for package, path in listed:
        moved, by = diverted.get(path, (path, package.name))
        where = moved if by != package.name else path
        if not fs.exists(where) and where not in directories and not excluded(path):
            missing.setdefault(package.name, []).append(where)
    return missing


def system_programs(fs: Filesystem) -> List[str]:
    """ELF programs and libraries in system directories (where only OS packages put them)."""
    return sorted(e.path for e in fs.entries.values() if e.elf and e.kind in ("f", "h") and e.path.startswith(SYSTEM_DIRS))


def ever_listed(fs: Filesystem, layers: List[Layer]) -> Dict[str, str]:
    """Real path -> package, from every file list any layer ever wrote (also those deleted later)."""
    listed: Dict[str, str] = {}
    for layer in layers:
        for path, data in layer.kept.items():
            name = posixpath.basename(path)
            if path.startswith(INFO + "/") and name.endswith(".list"):
                files, package = _list(data), name[: -len(".list")].split(":")[0]
            elif path.startswith(STATUS_D + "/") and name.endswith(".md5sums"):
                files, package = _md5sums(data), name[: -len(".md5sums")]
            elif path == APK:
                for package, _, files in _apk(_text(data)):
                    listed.update({real: package for real in _reals(fs, files)})
                continue
            else:
                continue
            listed.update({real: package for real in _reals(fs, files)})
    return listed


def _reals(fs: Filesystem, paths: List[str]) -> Iterator[str]:
    for path in paths:
        real = fs.resolve(path, follow_last=False)
        if real is not None:
            yield real
