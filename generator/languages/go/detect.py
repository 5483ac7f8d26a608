"""Go detection: modules (go.mod), workspaces (go.work) and their main packages.

One candidate per main package. A module's candidates are rooted at its go.mod
directory; when a go.work `use`s modules, the build starts from the go.work
directory instead, so its candidates are rooted there. Reading is bounded: only
non-test .go files, at most `MAX_GO_FILES` per module (shallowest first, where main
packages live) and `MAX_GO_BYTES` of each.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from generator.detect.model import AppCandidate, Evidence, excerpt
from generator.detect.walker import Repo, parent_dir

#: .go files read per module at most
MAX_GO_FILES = 2000
#: bytes read from one .go file
MAX_GO_BYTES = 256 * 1024

#: modules that only build with cgo; a require of one of them (or of a path below it,
#: e.g. ".../v2" or "imagick.v3") means the binary needs cgo
CGO_MODULES = (
    "github.com/mattn/go-sqlite3",
    "github.com/confluentinc/confluent-kafka-go",
    "github.com/go-gl/gl",
    "github.com/go-gl/glfw",
    "gopkg.in/gographics/imagick",
    "github.com/tecbot/gorocksdb",
    "github.com/linxGnu/grocksdb",
)

#: directives of go.mod and go.work; anything else makes the go command fail
DIRECTIVES = frozenset(
    {"module", "go", "toolchain", "godebug", "require", "replace", "exclude", "retract", "tool", "ignore", "use"}
)
GO_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?((rc|beta)\d+)?$")
TOOLCHAIN = re.compile(r"^go\d+\.\d+(\.\d+)?((rc|beta)\d+)?(-[\w.+-]+)?$")
MAJOR_SUFFIX = re.compile(r"^v\d+$")

BUILD_IGNORE = re.compile(r"^//(go:build|\s*\+build)\s+ignore\s*$")
PACKAGE = re.compile(r"^package\s+([A-Za-z_]\w*)")
IMPORT_C = re.compile(r'^import\s+"C"')
IMPORT_BLOCK = re.compile(r"^import\s*\(")
BLOCK_C = re.compile(r'^\s*"C"\s*(//.*)?$')
#: what a line holding a port mentions (a cheap test of a whole file first)
PORT_HINT = re.compile(r'Listen|\.Run|\.Start|Addr|"PORT"')
#: a literal listen address: net/http, net.Listen, http.Server{Addr:}, gin .Run, echo .Start, fiber .Listen
ADDRESS = re.compile(
    r'(?:\bListenAndServe(?:TLS)?|\bListen|\.Run|\.Start)\(\s*(?:"tcp[46]?"\s*,\s*)?"([^"]*)"'
    r'|\bAddr\s*:\s*"([^"]*)"'
)
HOST_PORT = re.compile(r"^(?:[\w.-]*|\[[0-9A-Fa-f:.]*\]):(\d{1,5})$")
#: os.Getenv("PORT"), os.LookupEnv("PORT") or a helper such as getenv("PORT", "8080")
PORT_ENV = re.compile(r'\b(?:Getenv|LookupEnv)\(\s*"PORT"\s*\)|"PORT"\s*,')
#: a default next to os.Getenv("PORT"): `port = "3000"`, `return "8080"`, `getenv("PORT", "8080")`
PORT_DEFAULT = re.compile(r'(?:[=,(]|\breturn)\s*":?(\d{1,5})"')
#: lines around os.Getenv("PORT") searched for its default, before and after
PORT_WINDOW = (3, 5)


@dataclass
class GoFile:
    """The directives of a go.mod or go.work that detection uses, each with its line."""

    path: str
    module: Optional[Tuple[str, Evidence]] = None
    go: Optional[Tuple[str, Evidence]] = None
    toolchain: Optional[Tuple[str, Evidence]] = None
    requires: List[Tuple[str, Evidence]] = field(default_factory=list)
    uses: List[Tuple[str, Evidence]] = field(default_factory=list)

    @property
    def dir(self) -> str:
        return parent_dir(self.path)


@dataclass
class Source:
    """What one .go file says: its package, an `import "C"`, a port."""

    path: str
    package: str = ""
    clause: Optional[Evidence] = None
    cgo: Optional[Evidence] = None
    port: Optional[Tuple[int, Evidence]] = None


@dataclass
class Module:
    """A go.mod and the sources that belong to it (not to a nested module)."""

    mod: GoFile
    files: List[str] = field(default_factory=list)

    @property
    def dir(self) -> str:
        return self.mod.dir


def detect(repo: Repo) -> List[AppCandidate]:
    """Every main package of every module or workspace in the repository."""
    modules: Dict[str, Module] = {}
    works: List[str] = []
    for rel in repo.files():
        if _ignored_by_go(rel):
            continue
        name = posixpath.basename(rel)
        if name == "go.mod":
            modules[parent_dir(rel)] = Module(_parse(repo, rel))
        elif name == "go.work":
            works.append(rel)
    if not modules:
        return []
    _assign_sources(repo, modules)

    apps: List[AppCandidate] = []
    claimed: Set[str] = set()
    for rel in sorted(works, key=lambda p: (p.count("/"), p)):
        work = _parse(repo, rel)
        used = [modules[d] for d in _used_dirs(repo, work, modules) if d not in claimed]
        for module in used:
            claimed.add(module.dir)
        if used:
            apps.extend(_candidates(repo, work.dir, used, work))
    for directory in sorted(modules):
        if directory not in claimed:
            apps.extend(_candidates(repo, directory, [modules[directory]], None))
    return apps


def _ignored_by_go(rel: str) -> bool:
    """The go command skips `testdata` and directories starting with "." or "_"."""
    return any(part == "testdata" or part.startswith((".", "_")) for part in rel.split("/")[:-1])


# -- go.mod / go.work ------------------------------------------------------------


def _parse(repo: Repo, rel: str) -> GoFile:
    """The module, go, toolchain, require and use directives; anything malformed is warned."""
    parsed = GoFile(rel)
    block: Optional[str] = None
    bad: List[int] = []
    for number, raw in enumerate(repo.lines(rel), start=1):
        code = raw.split("//", 1)[0].replace("(", " ( ").replace(")", " ) ")
        tokens = [t.strip("\"`") for t in code.split()]
        evidence = Evidence(rel, number, excerpt(raw))
        if not tokens:
            continue
        if block is not None and tokens == [")"]:
            block = None
        elif block is not None:
            if not _directive(repo, parsed, block, tokens, evidence):
                bad.append(number)
        elif tokens[0] in DIRECTIVES and tokens[1:] == ["("]:
            block = tokens[0]
        elif tokens[0] in DIRECTIVES and tokens[1:] == ["(", ")"]:
            continue  # an empty block
        elif tokens[0] not in DIRECTIVES or not _directive(repo, parsed, tokens[0], tokens[1:], evidence):
            bad.append(number)
    if block is not None:
        repo.warn(rel, f"unterminated `{block} (` block")
    if bad:
        repo.warn(rel, f"malformed line {', '.join(str(n) for n in bad[:5])}; ignored")
    if parsed.module is None and posixpath.basename(rel) == "go.mod":
        repo.warn(rel, "no module directive")
    return parsed


def _directive(repo: Repo, parsed: GoFile, verb: str, args: List[str], evidence: Evidence) -> bool:
    """Record one directive's value; False when it is malformed (a bad version warns itself)."""
    if not args:
        return False
    value, single = args[0], len(args) == 1
    if verb == "go":
        if single and GO_VERSION.match(value):
            parsed.go = (value, evidence)
        else:
            repo.warn(parsed.path, f"line {evidence.line}: `go {' '.join(args)}` is not a Go version; ignored")
    elif verb == "toolchain":
        if single and TOOLCHAIN.match(value):
            parsed.toolchain = (value, evidence)
        elif args != ["default"]:
            repo.warn(parsed.path, f"line {evidence.line}: `toolchain {' '.join(args)}` is not a toolchain; ignored")
    elif verb == "module":
        if not single:
            return False
        parsed.module = (value, evidence)
    elif verb == "use":
        if not single:
            return False
        parsed.uses.append((value, evidence))
    elif verb == "require":
        parsed.requires.append((value, evidence))
    return True


def _used_dirs(repo: Repo, work: GoFile, modules: Dict[str, Module]) -> List[str]:
    """The module directories a go.work uses; ones outside it or without a go.mod are warned."""
    found: List[str] = []
    for use, evidence in work.uses:
        target = posixpath.normpath(posixpath.join(work.dir, use.replace("\\", "/")))
        inside = work.dir == "." or target == work.dir or target.startswith(work.dir + "/")
        if use.startswith("/") or target.split("/")[0] == ".." or not inside:
            repo.warn(work.path, f"line {evidence.line}: use {use} is outside the workspace; ignored")
        elif target not in modules:
            repo.warn(work.path, f"line {evidence.line}: use {use} has no go.mod; ignored")
        elif target not in found:
            found.append(target)
    return found


# -- sources ---------------------------------------------------------------------


def _assign_sources(repo: Repo, modules: Dict[str, Module]) -> None:
    """Give each non-test .go file to the nearest module above it, shallowest files first."""
    owners: Dict[str, Optional[str]] = {}

    def owner(directory: str) -> Optional[str]:
        if directory not in owners:
            if directory in modules:
                owners[directory] = directory
            else:
                owners[directory] = None if directory == "." else owner(parent_dir(directory))
        return owners[directory]

    for rel in repo.files():
        if rel.endswith(".go") and not rel.endswith("_test.go") and not _ignored_by_go(rel):
            owned_by = owner(parent_dir(rel))
            if owned_by is not None:
                modules[owned_by].files.append(rel)
    for module in modules.values():
        module.files.sort(key=lambda p: (p.count("/"), p))
        if len(module.files) > MAX_GO_FILES:
            repo.warn(module.mod.path, f"more than {MAX_GO_FILES} .go files; only the shallowest {MAX_GO_FILES} were read")
            del module.files[MAX_GO_FILES:]


def _scan(repo: Repo, rel: str) -> Source:
    """What one .go file says; a file built only with `//go:build ignore` says nothing.

    Past the package clause, lines are looked at only while the text could still hold
    an `import "C"` or a port: most files mention neither, and reading is the cost.
    """
    source = Source(rel)
    text = repo.read_text(rel, limit=MAX_GO_BYTES) or ""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if BUILD_IGNORE.match(line):
            return source
        match = PACKAGE.match(line)
        if match:
            source.package, source.clause = match.group(1), _evidence(rel, lines, index)
            body = index + 1
            break
    else:
        return source
    look_cgo, look_port = '"C"' in text, PORT_HINT.search(text) is not None
    in_imports = False
    for index in range(body, len(lines)):
        if not (look_cgo or look_port):
            break
        line = lines[index]
        if look_cgo:
            if IMPORT_C.match(line) or (in_imports and BLOCK_C.match(line)):
                source.cgo, look_cgo = _evidence(rel, lines, index), False
            elif IMPORT_BLOCK.match(line):
                in_imports = True
            elif in_imports and line.strip().startswith(")"):
                in_imports = False
        if look_port and not line.lstrip().startswith("//"):
            source.port = _port_at(rel, lines, index)
            look_port = source.port is None
    return source


def _port_at(rel: str, lines: List[str], index: int) -> Optional[Tuple[int, Evidence]]:
    """A port on this line: a literal listen address, or the default of os.Getenv("PORT")."""
    line = lines[index]
    for match in ADDRESS.finditer(line):
        address = HOST_PORT.match(match.group(1) or match.group(2) or "")
        port = _valid_port(address.group(1)) if address else None
        if port:
            return port, _evidence(rel, lines, index)
    if PORT_ENV.search(line):
        before, after = PORT_WINDOW
        nearby = range(max(0, index - before), min(len(lines), index + after + 1))
        for near in sorted(nearby, key=lambda i: abs(i - index)):
            if lines[near].lstrip().startswith("//"):
                continue
            for match in PORT_DEFAULT.finditer(lines[near]):
                port = _valid_port(match.group(1))
                if port:
                    return port, _evidence(rel, lines, near)
    return None


def _valid_port(digits: str) -> Optional[int]:
    port = int(digits)
    return port if 1 <= port <= 65535 else None


def _evidence(rel: str, lines: List[str], index: int) -> Evidence:
    return Evidence(rel, index + 1, excerpt(lines[index]))


# -- candidates ------------------------------------------------------------------


def _candidates(repo: Repo, root: str, modules: List[Module], work: Optional[GoFile]) -> List[AppCandidate]:
    """One candidate per main package of `modules`, built from `root`.

    cgo and a port set in library code are looked for across all of `modules`: a
    workspace builds its modules together.
    """
    scanned = [(module, [_scan(repo, rel) for rel in module.files]) for module in modules]
    everything = [source for _, sources in scanned for source in sources]
    library = [s for s in everything if s.package not in ("", "main")]
    cgo = _cgo(everything, modules)
    vendor = posixpath.join(root, "vendor") if root != "." else "vendor"
    has_vendor = repo.is_dir(vendor)

    apps: List[AppCandidate] = []
    for module, sources in scanned:
        mains: Dict[str, List[Source]] = {}
        for source in sources:
            if source.package == "main":
                mains.setdefault(parent_dir(source.path), []).append(source)
        for directory, files in sorted(mains.items()):
            app = AppCandidate(language="go", name=_name(repo, module, directory), root=root)
            rel = directory if root == "." else directory[len(root) + 1 :]
            app.set("package", "." if directory == root else f"./{rel}", files[0].clause)
            for key, found in (
                ("version", (work.go if work else None) or module.mod.go),
                ("toolchain", (work.toolchain if work else None) or module.mod.toolchain),
                ("module", module.mod.module),
                ("port", _first_port(files, library)),
            ):
                if found:
                    app.set(key, *found)
            app.set("cgo", cgo is not None, cgo)
            app.set("vendor", has_vendor, Evidence(vendor) if has_vendor else None)
            app.set("workspace", work is not None, Evidence(work.path) if work else None)
            apps.append(app)
    return apps


def _cgo(sources: List[Source], modules: List[Module]) -> Optional[Evidence]:
    """Where the build needs cgo: an `import "C"`, else a require of a known cgo module."""
    for source in sources:
        if source.cgo:
            return source.cgo
    for module in modules:
        for path, evidence in module.mod.requires:
            if any(path == known or path.startswith((known + "/", known + ".")) for known in CGO_MODULES):
                return evidence
    return None


def _first_port(main: List[Source], library: List[Source]) -> Optional[Tuple[int, Evidence]]:
    """The main package's own port first, then one set in library code of the build."""
    return next((source.port for source in main + library if source.port), None)


def _name(repo: Repo, module: Module, directory: str) -> str:
    """The binary's name: the package directory, or for a module-root main the module path."""
    if directory == module.dir and module.mod.module:
        parts = [part for part in module.mod.module[0].split("/") if part]
        if len(parts) > 1 and MAJOR_SUFFIX.match(parts[-1]):
            parts.pop()
        if parts:
            return parts[-1].lower()
    return (posixpath.basename(directory) if directory != "." else repo.root.name).lower()
