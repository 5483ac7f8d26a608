"""Go detection: modules (go.mod), workspaces (go.work) and their main packages.

One candidate per main package. A module's candidates are rooted at its go.mod
directory; when a go.work `use`s modules, the build starts from the go.work
directory instead, so its candidates are rooted there. For each main package the
program is the package plus the module packages it imports (transitively, through
the workspace and local `replace`s): that program alone decides whether it listens
(a server, with the port it listens on) or not (a command-line program), and whether
it needs cgo. Several candidates are ordered so that the first, the one `new --yes`
takes, is the likeliest service, with the reason in the fact `choice`.

Reading is bounded: only non-test .go files, at most `MAX_GO_FILES` per module
(shallowest first, where main packages live) and `MAX_GO_BYTES` of each.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from generator.detect.model import AppCandidate, Evidence, excerpt
from generator.detect.walker import Repo, parent_dir
from generator.languages.go.configfiles import ConfigFiles, config_file
from generator.languages.go.listen import Address, Listener, Program
from generator.languages.go.values import Knob, call_args
from generator.languages.go.source import GoSource

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
#: packages that import one of CGO_MODULES themselves (an import of one reaches cgo)
CGO_BRIDGES = (
    "github.com/jinzhu/gorm/dialects/sqlite",
    "gorm.io/driver/sqlite",
)

#: an import path in one of CGO_MODULES or CGO_BRIDGES
CGO_IMPORT = re.compile("^(?:" + "|".join(re.escape(p) for p in CGO_MODULES + CGO_BRIDGES) + r")(?:[/.]|$)")

#: directives of go.mod and go.work; anything else makes the go command fail
DIRECTIVES = frozenset(
    {"module", "go", "toolchain", "godebug", "require", "replace", "exclude", "retract", "tool", "ignore", "use"}
)
GO_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?((rc|beta)\d+)?$")
TOOLCHAIN = re.compile(r"^go\d+\.\d+(\.\d+)?((rc|beta)\d+)?(-[\w.+-]+)?$")
MAJOR_SUFFIX = re.compile(r"^v\d+$")
#: a generated Go file says so in its first lines
GENERATED = re.compile(r"^// Code generated .* DO NOT EDIT\.$", re.M)
#: files that mark a Go project of the GOPATH era (dependency managers before modules)
GOPATH_MARKERS = ("Godeps/Godeps.json", "Gopkg.toml", "glide.yaml", "vendor.json", "vendor/vendor.json")
#: path components of main packages that are rarely the app to containerise
NOT_THE_APP = frozenset({"example", "examples", "_example", "demo", "demos", "sample", "samples", "test", "tests",
                         "testing", "e2e", "tool", "tools", "hack", "script", "scripts", "bench", "benchmark",
                         "benchmarks", "gen", "generate", "generator", "internal", "contrib", "misc", "third_party"})
#: a subcommand name that starts a server (when several reach the listener)
SERVE_WORDS = ("serve", "server", "start", "run", "web", "api", "http", "daemon")
FUNC_MAIN = re.compile(r"^func main\(\)", re.M)
COBRA_USE = re.compile(r"\bUse:\s*\"([A-Za-z][\w-]*)")
COBRA_LITERAL = re.compile(r"(?:(\w+)\s*(?::=|=)\s*)?&cobra\.Command\s*\{")
ADD_COMMAND = re.compile(r"\bAddCommand\s*\(")


@dataclass
class GoFile:
    """The directives of a go.mod or go.work that detection uses, each with its line."""

    path: str
    module: Optional[Tuple[str, Evidence]] = None
    go: Optional[Tuple[str, Evidence]] = None
    toolchain: Optional[Tuple[str, Evidence]] = None
    requires: List[Tuple[str, str, Evidence]] = field(default_factory=list)
    replaces: List[Tuple[str, str, Evidence]] = field(default_factory=list)
    uses: List[Tuple[str, Evidence]] = field(default_factory=list)

    @property
    def dir(self) -> str:
        return parent_dir(self.path)


@dataclass
class Module:
    """A go.mod and the sources that belong to it (not to a nested module)."""

    mod: GoFile
    files: List[str] = field(default_factory=list)
    sources: List[GoSource] = field(default_factory=list)

    @property
    def dir(self) -> str:
        return self.mod.dir

    @property
    def path(self) -> str:
        return self.mod.module[0] if self.mod.module else ""

    def packages(self) -> Dict[str, List[GoSource]]:
        """Directory -> the sources built for linux in it."""
        found: Dict[str, List[GoSource]] = {}
        for source in self.sources:
            if source.built:
                found.setdefault(parent_dir(source.path), []).append(source)
        return found

    def import_path(self, directory: str) -> str:
        return self.path if directory == self.dir else f"{self.path}/{_below(directory, self.dir)}"


def detect(repo: Repo) -> List[AppCandidate]:
    """Every main package of every module or workspace in the repository, the likeliest service first."""
    modules: Dict[str, Module] = {}
    works: List[str] = []
    loose: List[str] = []
    for rel in repo.files():
        if not rel.endswith(("go.mod", "go.work", ".go")) or _ignored_by_go(rel):
            continue
        name = rel.rpartition("/")[2]
        if name == "go.mod":
            modules[parent_dir(rel)] = Module(_parse(repo, rel))
        elif name == "go.work":
            works.append(rel)
        elif name.endswith(".go"):
            loose.append(rel)
    if not modules:
        _explain_no_module(repo, loose)
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
            apps.extend(_candidates(repo, work.dir, used, work, modules))
    for directory in sorted(modules):
        if directory not in claimed:
            apps.extend(_candidates(repo, directory, [modules[directory]], None, modules))
    return _ordered(apps)


def _ignored_by_go(rel: str) -> bool:
    """The go command skips `testdata` and directories starting with "." or "_"."""
    return any(part == "testdata" or part.startswith((".", "_")) for part in rel.split("/")[:-1])


def _below(path: str, directory: str) -> str:
    return path if directory == "." else path[len(directory) + 1:]


def _explain_no_module(repo: Repo, loose: List[str]) -> None:
    """Go code without go.mod: say that Go builds modules only, and how to make one."""
    mains = [rel for rel in loose[:500] if not rel.endswith("_test.go")
             and re.search(r"^package\s+main\b", repo.read_text(rel, limit=8192) or "", re.M)]
    if not mains:
        return
    marker = next((m for m in GOPATH_MARKERS if repo.is_file(m)), None)
    era = f" (a GOPATH-era project: {marker})" if marker else ""
    where = parent_dir(mains[0])
    repo.hint(f"Go code without go.mod{era}, e.g. {mains[0]}: the go command builds modules only; run "
              f"`go mod init <module path>` and `go mod tidy` in {'the repository root' if where == '.' else where}, "
              "then scaffold again")


# -- go.mod / go.work ------------------------------------------------------------


def _parse(repo: Repo, rel: str) -> GoFile:
    """The module, go, toolchain, require, replace and use directives; anything malformed is warned."""
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
        parsed.requires.append((value, args[1] if len(args) > 1 else "", evidence))
    elif verb == "replace" and "=>" in args:
        arrow = args.index("=>")
        if arrow >= 1 and len(args) > arrow + 1:
            parsed.replaces.append((args[0], args[arrow + 1], evidence))
    return True


def _broken_uses(work: GoFile, modules: Dict[str, Module]) -> List[Tuple[str, Evidence]]:
    """The `use`s of a go.work that name a directory without go.mod: the go command refuses the workspace."""
    return [(use, evidence) for use, evidence in work.uses
            if posixpath.normpath(posixpath.join(work.dir, use)) not in modules and not use.startswith("/")]


def _used_dirs(repo: Repo, work: GoFile, modules: Dict[str, Module]) -> List[str]:
    """The module directories a go.work uses; ones outside it or without a go.mod are warned."""
    found: List[str] = []
    for use, evidence in work.uses:
        target = posixpath.normpath(posixpath.join(work.dir, use.replace("\\", "/")))
        inside = work.dir == "." or target == work.dir or target.startswith(work.dir + "/")
        if use.startswith("/") or target.split("/")[0] == ".." or not inside:
            repo.warn(work.path, f"line {evidence.line}: use {use} is outside the workspace; ignored")
        elif target not in modules:
            repo.warn(work.path, f"line {evidence.line}: use {use} has no go.mod; the workspace cannot build "
                      f"until `go work edit -dropuse={use}`")
        elif target not in found:
            found.append(target)
    return found


# -- sources ---------------------------------------------------------------------


def _assign_sources(repo: Repo, modules: Dict[str, Module]) -> None:
    """Give each non-test .go file to the nearest module above it, shallowest files first, and read it."""
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
        module.sources = [GoSource.read(rel, repo.read_text(rel, limit=MAX_GO_BYTES) or "") for rel in module.files]


# -- candidates ------------------------------------------------------------------


@dataclass
class Build:
    """The modules one build sees (a module, or a workspace's), their packages by import path."""

    root: str
    modules: List[Module]
    packages: Dict[str, List[GoSource]] = field(default_factory=dict)
    import_paths: Dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for module in self.modules:
            for directory, sources in module.packages().items():
                path = module.import_path(directory)
                self.packages[path] = sources
                self.import_paths[directory] = path

    def program(self, main: List[GoSource]) -> Program:
        """The main package and the packages of the build it imports, nearest first."""
        order: List[str] = []
        seen: Set[str] = set()
        todo = [imp.path for source in main for imp in source.imports]
        while todo:
            path = todo.pop(0)
            if path in seen or path not in self.packages:
                continue
            seen.add(path)
            order.append(path)
            todo.extend(imp.path for source in self.packages[path] for imp in source.imports)
        return Program(main, {p: self.packages[p] for p in order})


def _candidates(repo: Repo, root: str, used: List[Module], work: Optional[GoFile],
                modules: Dict[str, Module]) -> List[AppCandidate]:
    """One candidate per main package of `used`, built from `root`."""
    build = Build(root, used + _replaced(repo, used, modules, root))
    broken_work = _broken_uses(work, modules) if work else []
    vendor = _vendor(repo, root, used)
    apps: List[AppCandidate] = []
    for module in used:
        for directory, sources in sorted(module.packages().items()):
            if not any(s.package == "main" for s in sources):
                continue
            main = [s for s in sources if s.package == "main"]
            app = AppCandidate(language="go", name=_name(repo, module, directory), root=root)
            rel = _below(directory, root)
            mains = [s for s in main if "func main()" in s.text and FUNC_MAIN.search(s.code)]
            clause = mains[0].clause if mains else main[0].clause
            app.set("package", "." if directory == root else f"./{rel}", clause)
            for key, found in (
                ("version", (work.go if work else None) or module.mod.go),
                ("toolchain", (work.toolchain if work else None) or module.mod.toolchain),
                ("module", module.mod.module),
            ):
                if found:
                    app.set(key, *found)
            if len(mains) > 1:  # a folder of `go run file.go` exercises, not one program
                app.set("unbuildable", f"func main() in {len(mains)} files of one package", Evidence(mains[1].path))
                repo.warn(mains[0].path, f"func main() also in {', '.join(s.path.rsplit('/', 1)[-1] for s in mains[1:3])}"
                          f"{', ...' if len(mains) > 3 else ''}: the package cannot build as one program")
            if work is not None and broken_work:
                app.set("unbuildable", f"its go.work uses {broken_work[0][0]}, which has no go.mod", broken_work[0][1])
            program = build.program(main)
            program.configs = ConfigFiles(repo, module.dir, program.everything)
            config = config_file(repo, root, program.everything)
            if config:
                app.set("config_file", *config)
            _listening(repo, app, program, posixpath.normpath(posixpath.join(root, config[0])) if config else None)
            cgo, weak = _cgo(repo, program, build.modules)
            app.set("cgo", cgo is not None, cgo, weak=weak)
            app.set("vendor", vendor is not None, vendor)
            app.set("workspace", work is not None, Evidence(work.path) if work else None)
            _generated(repo, program)
            apps.append(app)
    return apps


def _replaced(repo: Repo, used: List[Module], modules: Dict[str, Module], root: str) -> List[Module]:
    """Modules that a `replace` points at in the repository (their packages are part of the build)."""
    found: List[Module] = []
    for module in used:
        for _, target, evidence in module.mod.replaces:
            if not target.startswith((".", "/")):
                continue  # a replacement by another module version, fetched like any other
            directory = posixpath.normpath(posixpath.join(module.dir, target))
            if target.startswith("/") or directory.split("/")[0] == ".." or directory not in modules:
                repo.warn(module.mod.path, f"line {evidence.line}: replace => {target}: no go.mod there in the "
                          "repository; the image cannot build it")
                continue
            if root != "." and directory != root and not directory.startswith(root + "/"):
                repo.warn(module.mod.path, f"line {evidence.line}: replace => {target} is outside {root}, which the "
                          "Dockerfile builds from: the build cannot see it")
            if modules[directory] not in used and modules[directory] not in found:
                found.append(modules[directory])
    return found


def _listening(repo: Repo, app: AppCandidate, program: Program, baked: Optional[str]) -> None:
    """kind, port, and the start arguments or environment that make the program listen on all interfaces.

    `baked` is the configuration file the image holds (the config_file answer), if any."""
    address, listeners = program.address()
    if not listeners:
        app.set("kind", "cli", None)
        return
    app.set("kind", "server", listeners[0].evidence)
    command = _subcommand(program, listeners)
    args: List[str] = [command[0]] if command else []
    env: List[str] = []
    if address is None:
        app.set("port", 8080, None, weak="no port found in the code: 8080 is only Go's usual one (set --port)")
    else:
        app.set("port", address.port, address.evidence, weak=address.weak)
        if address.loopback:
            fix = _to_all_interfaces(address)
            if fix is None:
                app.set("loopback", True, address.evidence)
                where = address.evidence or (address.listener.evidence if address.listener else None)
                line = f"line {where.line}: " if where and where.line else ""
                repo.warn(where.file if where else app.root,
                          f"{line}binds {address.host}:{address.port} (loopback) {_where_set(address.knob)}: "
                          f"unreachable from outside a container; listen on \":{address.port}\" instead")
            elif address.knob is None or address.knob.role != "address":  # an address knob: port_setting moves it
                (args if fix[0] == "flag" else env).append(fix[1])
    knob = address.knob if address else None
    _config_file_note(repo, knob, baked)
    setting = _port_setting(knob)
    if setting:
        app.set("port_setting", setting, knob.evidence if knob else None)
    if args:
        app.set("args", args, command[1] if command else knob.evidence if knob else None)
    if env:
        app.set("env", env, knob.evidence if knob else None)


def _config_file_note(repo: Repo, knob: Optional[Knob], baked: Optional[str]) -> None:
    """A port read from a configuration file the image does not hold (not the config_file answer)."""
    if (knob is not None and knob.kind == "config" and knob.evidence and not knob.evidence.file.endswith(".go")
            and knob.evidence.file != baked):
        repo.warn(knob.evidence.file, f"the program reads its port from this file ({knob.name}), which the image "
                  "does not hold (the binary only): mount it, or set the port another way the program reads")


def _where_set(knob: Optional[Knob]) -> str:
    return "in its configuration file" if knob is not None and knob.kind == "config" else "in the code"


def _port_setting(knob: Optional[Knob]) -> str:
    """The flag or variable that sets the port, PORT standing for the port answer ("" when the code sets it)."""
    if knob is None or knob.kind not in ("flag", "env") or knob.role not in ("port", "address"):
        return ""
    value = "PORT" if knob.role == "port" else "0.0.0.0:PORT"
    return f"--{knob.name}={value}" if knob.kind == "flag" else f"{knob.name}={value}"


def _to_all_interfaces(address: Address) -> Optional[Tuple[str, str]]:
    """("flag", "--addr=0.0.0.0:8080") or ("env", "LISTEN_ADDR=0.0.0.0:8080"); None when the host is in the code."""
    knob: Optional[Knob] = address.knob
    if knob is None or knob.role == "port" or knob.kind == "config":
        return None
    value = "0.0.0.0" if knob.role == "host" else f"0.0.0.0:{address.port}"
    if knob.kind == "flag":
        return "flag", f"--{knob.name}={value}"
    return "env", f"{knob.name}={value}"


def _subcommand(program: Program, listeners: List[Listener]) -> Optional[Tuple[str, Evidence]]:
    """The cobra subcommand that starts the server, when the root command itself reaches no listener."""
    commands: List[Tuple[str, str, GoSource, int]] = []  # (use, variable or constructor, file, line)
    added: Set[str] = set()
    adds: Dict[str, Set[str]] = {}  # file: the names it adds as subcommands (`rootCmd.AddCommand(serve.ServeCmd)`)
    for source in program.everything:
        if "cobra.Command" not in source.code and "AddCommand" not in source.code:
            continue
        for match in COBRA_LITERAL.finditer(source.code):
            named_as = COBRA_USE.search(source.code, match.end(), match.end() + 2000)
            if named_as:
                line = source.line_of(named_as.start())
                commands.append((named_as.group(1), match.group(1) or source.unit_at(line) or "", source, line))
        for match in ADD_COMMAND.finditer(source.code):
            args = call_args(source.code, match.end() - 1) or []
            names = {name for arg in args for name in re.findall(r"[A-Za-z_]\w*", arg)}
            added.update(names)
            adds.setdefault(source.path, set()).update(names)
    if not commands:
        return None
    reaching = [c for c in commands if any(program.reaches(c[2], listener) for listener in listeners)]
    # a root command whose file imports the package of a subcommand it adds reaches the listener through that
    # subcommand (k8sgpt's root.go adds serve.ServeCmd), not by itself
    reaching = [c for c in reaching if c[1] in added or not any(
        other[1] in adds.get(c[2].path, set()) and posixpath.dirname(other[2].path) != posixpath.dirname(c[2].path)
        for other in reaching if other[1] in added)]
    if not reaching or any(c[1] not in added for c in reaching):
        return None  # the root command serves (or nothing is known)
    named = sorted(reaching, key=lambda c: SERVE_WORDS.index(c[0]) if c[0] in SERVE_WORDS else len(SERVE_WORDS))
    if len(named) > 1 and named[0][0] not in SERVE_WORDS:
        return None
    word, _, source, line = named[0]
    return word, source.evidence(line)


def _cgo(repo: Repo, program: Program, modules: List[Module]) -> Tuple[Optional[Evidence], str]:
    """Where the program needs cgo (None: it does not), and why that is only likely ("" when it is read)."""
    for source in program.everything:
        if source.cgo:
            return source.cgo, ""
    for source in program.everything:
        if "cgo import" not in source.memo:
            source.memo["cgo import"] = next((imp.evidence for imp in source.imports if CGO_IMPORT.match(imp.path)), None)
        if source.memo["cgo import"]:
            return source.memo["cgo import"], ""
    for module in modules:
        for path, _, evidence in module.mod.requires:
            if _under(path, CGO_MODULES):
                return evidence, ""
    for module in modules:
        found = _go_sum_cgo(repo, module)
        if found:
            return found, "go.sum downloads a module that needs cgo, for some package of the build"
    return None, ""


def _under(path: str, prefixes: Tuple[str, ...]) -> bool:
    return any(path == p or path.startswith((p + "/", p + ".")) for p in prefixes)


def _go_sum_cgo(repo: Repo, module: Module) -> Optional[Evidence]:
    """A go.sum line for a cgo module's source (not only its go.mod): a dependency builds it."""
    rel = posixpath.join(module.dir, "go.sum") if module.dir != "." else "go.sum"
    text = repo.read_text(rel) if repo.is_file(rel) else None
    if not text or not any(known in text for known in CGO_MODULES):
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if len(parts) == 3 and not parts[1].endswith("/go.mod") and _under(parts[0], CGO_MODULES):
            return Evidence(rel, number, excerpt(line))
    return None


def _vendor(repo: Repo, root: str, used: List[Module]) -> Optional[Evidence]:
    """vendor/ when it can be built from: its modules.txt agrees with go.mod (else a warning, and no vendor)."""
    vendor = posixpath.join(root, "vendor") if root != "." else "vendor"
    if not repo.is_dir(vendor):
        return None
    listing = f"{vendor}/modules.txt"
    text = repo.read_unlisted(listing)
    vendored: Dict[str, Tuple[str, int]] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "#" and not parts[1].startswith("#"):
            vendored[parts[1]] = (parts[2], number)
    for module in used:
        go = module.mod.go[0] if module.mod.go else "1.0"
        listed_all = text is not None and _minor(go) >= 14  # since Go 1.14 every requirement is listed
        for path, version, _ in module.mod.requires:
            if text is not None and (vendored[path][0] == version if path in vendored else not listed_all):
                continue
            repo.warn(listing, f"out of date with go.mod ({path}): built with modules, vendor/ left out; "
                      "`go mod vendor` fixes it")
            return None
    return Evidence(vendor)


def _minor(version: str) -> int:
    match = re.match(r"1\.(\d+)", version)
    return int(match.group(1)) if match else 0


def _generated(repo: Repo, program: Program) -> None:
    """`//go:generate` directives whose output is not in the repository: the build needs it."""
    for source in program.everything:
        for command, evidence in source.generate_directives():
            directory = parent_dir(source.path)
            outputs = _generate_outputs(command, directory)
            missing = [o for o in outputs if o.endswith(".go") and not repo.is_file(o)]
            unknown = not outputs and not any(GENERATED.search(s.text[:2048]) for s in program.everything
                                               if parent_dir(s.path) == directory)
            if missing or unknown:
                tool = command.split()[0] if command.split()[:1] != ["go"] else " ".join(command.split()[:3])
                what = f"{posixpath.basename(missing[0])} is missing" if missing else "no generated file is here"
                repo.warn(evidence.file, f"line {evidence.line}: go:generate {tool}: {what}; run `go generate` and "
                          "commit it")


def _generate_outputs(command: str, directory: str) -> List[str]:
    """The files a go:generate command names as its output (stringer's <type>_string.go by default)."""
    words = command.replace("=", " ").split()
    found: List[str] = []
    for index, word in enumerate(words[:-1]):
        if word.lstrip("-") in ("o", "output", "out", "destination", "file") and word.startswith("-") or word == ">":
            found.append(words[index + 1].strip("\"'"))
    if not found and words[:1] == ["stringer"] or (len(words) > 2 and words[:2] == ["go", "run"] and "stringer" in words[2]):
        types = next((words[i + 1] for i, w in enumerate(words[:-1]) if w.lstrip("-") == "type"), "")
        if types:
            found.append(f"{types.split(',')[0].lower()}_string.go")
    return [posixpath.normpath(posixpath.join(directory, f)) if directory != "." else posixpath.normpath(f)
            for f in found if f and not f.startswith("/")]


def _name(repo: Repo, module: Module, directory: str) -> str:
    """The binary's name: the package directory, or for a module-root main the module path."""
    if directory == module.dir and module.mod.module:
        parts = [part for part in module.mod.module[0].split("/") if part]
        if len(parts) > 1 and MAJOR_SUFFIX.match(parts[-1]):
            parts.pop()
        if parts:
            return parts[-1].lower()
    return (posixpath.basename(directory) if directory != "." else repo.root.name).lower()


# -- several apps ------------------------------------------------------------------


def _ordered(apps: List[AppCandidate]) -> List[AppCandidate]:
    """The likeliest service first: one that can build, a server over a command-line program, a reachable one over one bound to
    loopback in its code, then not an example or tool, in the root module, named like its module (or its
    daemon: wtf -> wtfd), shallow, by name."""
    if len(apps) < 2:
        return apps

    def rank(app: AppCandidate) -> Tuple[int, int, int, int, int, int, str]:
        kind = 2 if app.value("kind") != "server" else 1 if app.value("loopback") else 0
        package = str(app.value("package", "."))
        where = [p for p in f"{app.root}/{package}".split("/") if p not in (".", "")]
        module = str(app.value("module", "")).rstrip("/").rsplit("/", 1)[-1].lower()
        named = app.name in (module, f"{module}d", f"{module}-server", f"{module}server", "server") if module else False
        return (1 if app.value("unbuildable") else 0, kind, 1 if any(p.lower() in NOT_THE_APP for p in where) else 0,
                0 if app.root == "." else 1, 0 if named else 1, len(where), app.id)

    ordered = sorted(apps, key=rank)
    first = ordered[0]
    servers = [a for a in ordered if a.value("kind") == "server"]
    if len(servers) == 1:
        reason = f"the only server among {len(ordered)} main packages (the others listen on no port)"
    elif servers:
        reason = f"one of {len(servers)} servers among {len(ordered)} main packages"
    else:
        reason = f"one of {len(ordered)} command-line programs (none listens)"
    broken = sum(1 for a in ordered if a.value("unbuildable"))
    if broken and not first.value("unbuildable"):
        reason += f"; {broken} of the others cannot build"
    rivals = [a for a in ordered if rank(a)[:2] == rank(first)[:2]]  # as buildable, the same kind
    weak = "" if len(rivals) == 1 else "a guess among several, by name and place"
    first.set("choice", reason, first.facts["kind"].evidence if "kind" in first.facts else None, weak=weak)
    return ordered

