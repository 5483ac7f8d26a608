"""Detect the frontend an app builds into itself: facts with evidence, never trusted.

A frontend is a directory inside the app with a package.json whose scripts have `build`
(else one script that runs a bundler's production build: `"prod": "vite build"`) and a lockfile that pins every package (npm, yarn classic or berry, pnpm): without a
lockfile the install would not be reproducible, so nothing is proposed. What the
repository states comes first: a Dockerfile of the app whose node stage builds the UI
says the script it runs (`yarn run export`), the folder a later stage copies out of it
and where that stage puts it (`COPY --from=ui /app/dist ./cmd/app/admin`); a Makefile
recipe line that builds it and moves the output says where it goes (`mv build
../server/site`). Else its output
directory comes from the bundler's configuration (vite `build.outDir`, also through one
resolve() of a string, Vue CLI's
`outputDir`, webpack `output.path`, esbuild's `outdir` in the file the build script runs
with node, a `--outDir` in the build script, else the bundler's default). The backend
file that names where the app's build takes it (a go:embed pattern, or one embedding a
folder holding it; STATICFILES_DIRS, a Maven resource) is the evidence that the backend
expects it there. Facts (paths relative to the app's root): `frontend`,
`frontend_manager`, `frontend_node`, `frontend_build`, `frontend_output`;
`frontend_target` when the app's build takes the output elsewhere; `frontend_sources` for
a frontend at the app's root, `frontend_maven_exec` when a pom runs npm through
exec-maven-plugin.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

from generator.detect.model import AppCandidate, Evidence, excerpt
from generator.detect.walker import Repo

if TYPE_CHECKING:  # pragma: no cover
    from generator.languages.base import Detection

#: lockfile -> package manager; yarn.lock with .yarnrc.yml is yarn berry
LOCKFILES = (("package-lock.json", "npm"), ("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn"))
#: how each manager runs a script (through corepack for yarn and pnpm: the node image ships it)
RUN_ARGV = {
    "npm": ["npm", "run"],
    "yarn": ["corepack", "yarn", "run"],
    "yarn-berry": ["corepack", "yarn", "run"],
    "pnpm": ["corepack", "pnpm", "run"],
}
#: a script a Dockerfile's RUN has a package manager run (`yarn run export`, `npm run build:prod`, `pnpm build`)
#: the official node image with a version in its tag (`node:16.13-alpine`, `docker.io/library/node:20`)
_NODE_IMAGE = re.compile(r"(?:(?:docker\.io/)?library/)?node:v?(\d{1,3})(?:[.\w-]{0,60})(?:@sha256:[0-9a-f]{64})?")
_MANAGER = re.compile(r"\b(?:npm|npx|yarn|pnpm|corepack)\b")
_RUN_SCRIPT = re.compile(r"(?:^|[\s;&|(])(?:npm\s+run(?:-script)?|yarn(?:\s+run)?|pnpm(?:\s+run)?)\s+([\w:.-]{1,100})")
#: where a bundler writes when its configuration says nothing
DEFAULT_OUTPUT = (("vite", "dist"), ("react-scripts", "build"), ("webpack", "dist"), ("parcel", "dist"))
#: vite's `build.outDir`, as a string or through one resolve() of one string (`resolve('./static/dist')`,
#: `path.resolve(__dirname, "dist")`: the folder the configuration sits in is where npm runs it)
_VITE_OUT = re.compile(r"""outDir\s*:\s*(?:(['"])([^'"]{1,200})\1|(?:path\.)?resolve\(\s*(?:__dirname\s*,\s*)?"""
                       r"""(['"])([^'"]{1,200})\3\s*\))""")
#: a script that runs a bundler's production build, for a package.json without a `build` script
_BUNDLER_BUILD = re.compile(r"(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:vite\s+build|react-scripts\s+build|vue-cli-service\s+build"
                            r"|next\s+build|ng\s+build|webpack\b.*--mode[= ]production)\b.*")
#: Vue CLI's vue.config.js: `outputDir: 'target/dist'`
_VUE_OUT = re.compile(r"""outputDir\s*:\s*(['"])([^'"]{1,200})\1""")
_WEBPACK_OUT = re.compile(r"""path\s*:\s*(?:path\.(?:resolve|join)\(\s*__dirname\s*,\s*((?:(['"])[^'"]{1,200}\2\s*,?\s*){1,8})\)"""
                          r"""|(['"])([^'"]{1,200})\3)""")
#: webpack's output.path through a variable of the configuration: `path: BUILD_DIR` or
#: `path: path.join(basePath, "./dist")`, the variable made from __dirname (`_WEBPACK_DIR`)
_WEBPACK_VAR_OUT = re.compile(r"""\bpath\s*:\s*(?:path\.(?:resolve|join)\(\s*)?([A-Za-z_$][\w$]{0,60})\s*"""
                              r"""((?:,\s*(['"])[^'"]{1,200}\3\s*){0,8})\)?\s*[,}\n]?""")
_WEBPACK_DIR = r"""(?:const|let|var)\s+{name}\s*=\s*path\.(?:resolve|join)\(\s*__dirname\s*((?:,\s*(['"])[^'"]{{1,200}}\2\s*){{0,8}})\)"""
_SCRIPT_OUT = re.compile(r"--(?:outDir|outdir|out-dir|output-path)[= ]([^\s'\"]{1,200})")
#: a build script that runs a build file of the package with node (`node esbuild.config.mjs`), whose esbuild
#: `outdir` says where it writes
_SCRIPT_FILE = re.compile(r"(?:^|[\s;&|])node\s+(?:\./)?([\w./-]{1,200}\.(?:js|mjs|cjs))(?:$|[\s;&|])")
_ESBUILD_OUT = re.compile(r"""\boutdir\s*:\s*(['"])([^'"]{1,200})\1""")
#: the names make reads a Makefile by, at the app's root
MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
#: a go:embed directive and its patterns
_GO_EMBED = re.compile(r"\s*//go:embed\s+(.{1,500})")
_NODE_MAJOR = re.compile(r"(\d{1,3})")
#: frontend-maven-plugin's Node (`<nodeVersion>v18.17.0</nodeVersion>`, or a property it names)
_POM_NODE = re.compile(r"<nodeVersion>\s*(?:v?(\d{1,3})[^<]{0,40}|\$\{([\w.-]{1,100})\})\s*</nodeVersion>")
#: the oldest Node major the stage builds with (the official image's Debian bookworm tags start there)
OLDEST_NODE = 16
#: backend source files, which count even inside the frontend's folder (a Go package embedding its dist/)
SOURCE_SUFFIXES = (".go", ".py", ".java", ".kt")
#: build files that may name the frontend's folder itself (a Maven plugin's workingDirectory, Gradle's
#: nodeProjectDir): where the backend's own build ran the UI's
BUILD_FILES = ("pom.xml", ".gradle", ".gradle.kts")
#: files at a frontend's root that its install or build reads, besides package.json and the lockfile
#: (not .npmrc: it may hold a registry token, and .dockerignore leaves it out)
_CONFIG_FILE = re.compile(r"\.babelrc|\.browserslistrc|"
                          r"index\.html|tsconfig[\w.-]*\.json|[\w-]+\.config\.(?:js|cjs|mjs|ts|mts|cts|json)")
#: a directory a bundler configuration or index.html names: "./assets/js/main.js", "/src/main.ts", an esbuild
#: entry point "server/ui-src/app.js" (only folders that exist count: not a package's "@scope/name")
_NAMED_DIR = re.compile(r"""['"](?:\.?/)?([A-Za-z0-9_@+-][A-Za-z0-9_@.+-]{0,99})/""")
#: an exec-maven-plugin <executable> that is one of Node's tools
_MAVEN_EXEC_NODE = re.compile(r"<executable>\s*(?:\$\{[^}]{0,100}\}/)?(?:npm|npx|node|yarn|pnpm|corepack)(?:\.cmd|\.exe)?\s*"
                              r"</executable>")
#: a comment line (a go:embed directive is not one: it is what the Go build reads)
_COMMENT = re.compile(r"\s*(?:#|\*|/\*|<!--|//(?!go:embed))")
#: packages whose install script fetches or compiles what the UI's build then needs (node-sass: its native
#: binding), while the stage skips install scripts unless told
NEEDS_INSTALL_SCRIPT = ("node-sass",)
#: at most this many package.json files are looked at per app
MAX_PACKAGES = 20


def attach_all(repo: Repo, apps: List[AppCandidate], language: "Callable[[str], Detection]") -> None:
    """Attach each app's frontend (`language` gives each app's language by name: what its backend files
    are); a buildable UI that no app's own files expect is said once, naming the flag."""
    unexpected: Dict[str, Tuple[str, str]] = {}
    for app in apps:
        alone = sum(other.root == app.root for other in apps) == 1
        attach(repo, app, language(app.language), unexpected, alone)
    attached = {posixpath.normpath(posixpath.join(app.root, str(app.value("frontend")))) for app in apps
                if app.value("frontend")}
    for manifest, (output, flag) in unexpected.items():
        if (posixpath.dirname(manifest) or ".") not in attached:
            repo.warn(manifest, f"no go:embed, static setting or plugin names {_short(output)}: built into no app "
                                f"(--frontend {_short(flag)})")


def attach(repo: Repo, app: AppCandidate, language: "Detection",
           unexpected: Optional[Dict[str, Tuple[str, str]]] = None, alone: bool = True) -> None:
    """Add the `frontend*` facts of the first buildable frontend inside `app` that the app's own backend
    files expect (none: nothing added; `unexpected` gets {package.json: (its output, its folder)} of a UI
    found but not expected). Where the language gives the app a folder of its own (a build module), a UI
    elsewhere in the app counts only when that folder's own files name its output (a sibling module whose
    build output a resources plugin copies in). A Dockerfile's statement alone ties a UI to the app only when
    the app is `alone` at its root (else the program it builds is not told apart)."""
    base = "" if app.root == "." else app.root + "/"
    folder = language.ui_folder(app)
    inside = posixpath.join(base, folder) + "/" if folder else base
    manifests = sorted((f for f in repo.files(app.root) if posixpath.basename(f) == "package.json"),
                       key=lambda f: (f.count("/"), f))
    own = [f for f in manifests if f.startswith(inside)][:MAX_PACKAGES]
    elsewhere = [f for f in manifests if not f.startswith(inside)][:MAX_PACKAGES] if folder else []
    seen: Dict[str, Tuple[str, str]] = {} if unexpected is None else unexpected
    for candidates, named_in in ((own, base), (elsewhere, inside)):
        for manifest in candidates:
            found = _frontend(repo, app, language, base, manifest, seen, named_in, alone)
            if found:
                for key, (value, evidence, weak) in found.items():
                    if value is not None:
                        app.set(key, value, evidence, weak)
                return


def _frontend(repo: Repo, app: AppCandidate, language: "Detection", base: str, manifest: str,
              unexpected: Dict[str, Tuple[str, str]],
              named_in: str, alone: bool = True) -> Optional[Dict[str, Tuple[Any, Optional[Evidence], str]]]:
    """The facts of the frontend `manifest` describes ({key: (value, evidence, weak)}), or None (warned
    when it has a build but cannot be built reproducibly, or would write outside the app); only the
    app's own files under `named_in` may be the evidence that the app expects it."""
    package = _load_json(repo, manifest)
    scripts = package.get("scripts") if package else None
    if package is None or not isinstance(scripts, dict):
        return None
    directory = posixpath.dirname(manifest)
    # a Dockerfile's stage that builds this UI states the script, where it writes and where the app's build
    # takes it (`COPY --from=ui /app/dist ./cmd/app/admin`), over the bundler's configuration
    stated = _stated_stage(repo, app, directory, scripts)
    script = stated.script if stated and stated.script else _build_script(scripts)
    if not isinstance(scripts.get(script), str):
        return None
    lock = _lockfile(repo, directory)
    if lock is None:
        repo.warn(manifest, f"has a {script} script but no lockfile (package-lock.json, yarn.lock, pnpm-lock.yaml): "
                            "no frontend stage, since its install would not be reproducible")
        return None
    lockfile, manager = lock
    if stated:
        relative, output_evidence = posixpath.normpath(posixpath.join(base, stated.output)), stated.evidence
        output = posixpath.relpath(relative, directory or ".")
    else:
        output, output_evidence = _output(repo, directory, package, scripts[script], manifest)
        relative = posixpath.normpath(posixpath.join(directory, output))
        # a Makefile that moves the output where the app's build takes it (`mv build ../server/site`)
        stated = _stated_make(repo, app, directory, scripts, relative)
        script = stated.script if stated else script
    if not (relative + "/").startswith(base) or relative.startswith("../"):
        repo.warn(manifest, f"builds into {output!r}, outside the app at {app.root}: no frontend stage")
        return None
    app_relative = relative[len(base):]
    # where the app's build takes it: where the build writes, unless a stated stage copies it elsewhere
    expected = stated.target if stated else app_relative
    reference = _reference(repo, app, language, base, directory, expected, output_evidence, named_in,
                           stated.evidence if stated and alone else None)
    if reference is None:
        # a UI of the repository is not evidence that this program serves it (a monorepo's other services,
        # a Go module's command-line tools): only what the app's own files say ties it
        unexpected.setdefault(manifest, (expected, posixpath.relpath(directory or ".", app.root)))
        return None
    script_evidence = repo.evidence_for(manifest, f'"{script}"')
    found: Dict[str, Tuple[Any, Optional[Evidence], str]] = {
        "frontend": (posixpath.relpath(directory or ".", app.root), script_evidence, ""),
        "frontend_manager": (manager, Evidence(lockfile), ""),
        "frontend_node": _node_major(repo, directory, package, manifest, stated.node if stated else None),
        "frontend_build": (RUN_ARGV[manager] + [script], (stated.script_evidence if stated else None)
                           or script_evidence, ""),
        "frontend_output": (app_relative, output_evidence if stated else reference, ""),
    }
    if stated and stated.target != app_relative:
        found["frontend_target"] = (stated.target, reference, "")
    found.update(_build_notes(repo, app, package, manifest, base, directory, app_relative))
    return found


def _reference(repo: Repo, app: AppCandidate, language: "Detection", base: str, directory: str, expected: str,
               output_evidence: Evidence, named_in: str, stated: Optional[Evidence]) -> Optional[Evidence]:
    """What ties the UI to the app: the backend names the output (go:embed, STATICFILES_DIRS), else the
    frontend it builds (a Maven plugin's workingDirectory: where the backend's own build would have run it),
    else a framework's static folder (only inside the folder whose files may name it), else `stated` (a
    Dockerfile's or Makefile's line that puts it there)."""
    owned = _owner(repo, app, language, named_in)
    convention = _served_by_convention(language, expected, output_evidence) \
        if (base + expected + "/").startswith(named_in) else None
    return (_backend_reference(repo, app.root, directory, expected, owned)
            or _embedded_above(repo, app.root, expected, owned)
            or _backend_reference(repo, app.root, directory, directory[len(base):],
                                  lambda rel: rel.endswith(BUILD_FILES) and owned(rel), below=False)
            or convention
            or stated)


def _build_notes(repo: Repo, app: AppCandidate, package: Dict[str, Any], manifest: str, base: str, directory: str,
                 app_relative: str) -> Dict[str, Tuple[Any, Optional[Evidence], str]]:
    """What the stage needs to know beyond the build: a Maven exec run it replaces, the UI's own files when
    it shares the app's folder; and a warning for each dependency that needs its install scripts."""
    for name in NEEDS_INSTALL_SCRIPT:
        if name in _dependencies(package):
            repo.warn(manifest, f"{name} gets its binary in an install script, which the frontend stage skips "
                                "(--frontend-scripts runs them)")
    found: Dict[str, Tuple[Any, Optional[Evidence], str]] = {}
    maven_exec = _maven_exec(repo, app.root)
    if maven_exec:
        found["frontend_maven_exec"] = (True, maven_exec, "")
    if directory == base.rstrip("/"):  # the UI shares the app's directory: copy only its own files
        found["frontend_sources"] = _own_sources(repo, directory, app_relative)
    return found


@dataclass(frozen=True)
class StatedStage:
    """What a Dockerfile's stage building the UI states, as paths relative to the app: where its build
    writes (`output`), where the app's build takes it (`target`), the script it runs ("": not said)."""

    output: str
    target: str
    script: str
    evidence: Evidence
    #: the RUN line that runs the script; the Node major the stage's node image is tagged with
    script_evidence: Optional[Evidence] = None
    node: Optional[Tuple[str, Evidence]] = None


def _stated_stage(repo: Repo, app: AppCandidate, directory: str, scripts: Dict[str, Any]) -> Optional[StatedStage]:
    """The first Dockerfile inside the app (its build context the app's directory) with a stage that copies
    the UI's folder, runs its package manager, and whose output a later stage copies in by path."""
    from generator.check.dockerfile import parse
    from generator.detect.stated import builds, files
    from generator.detect.stated.dockerfile import Reader
    from generator.errors import ScaffoldError

    base = "" if app.root == "." else app.root + "/"
    ui = directory[len(base):] if directory.startswith(base) else None
    if ui is None:
        return None
    for rel in builds.dockerfiles(repo, app.root):
        text = files.text(repo, rel) if rel.startswith(base) else None
        if text is None:
            continue
        try:
            dockerfile = parse(text, repo.root / rel)
            outputs = Reader(repo.root / app.root, rel, dockerfile).stage_outputs() if dockerfile.stages else []
        except ScaffoldError:
            continue
        for out in outputs:
            if out.source is None or out.target is None or out.source == ui \
                    or not (ui == "" or out.source.startswith(ui + "/")):
                continue
            named = [(m.group(1), run.line) for run in out.stage.each("RUN")
                     for m in _RUN_SCRIPT.finditer(run.arguments) if isinstance(scripts.get(m.group(1)), str)]
            if not named and not any(_MANAGER.search(run.arguments) for run in out.stage.each("RUN")):
                continue  # a stage that runs no package manager builds no UI
            image = _NODE_IMAGE.fullmatch(out.stage.resolved_image)
            return StatedStage(out.source, out.target, named[-1][0] if named else "", _said(repo, rel, out.line),
                               _said(repo, rel, named[-1][1]) if named else None,
                               (image.group(1), _said(repo, rel, out.stage.line)) if image else None)
    return None


def _stated_make(repo: Repo, app: AppCandidate, directory: str, scripts: Dict[str, Any],
                 output: str) -> Optional[StatedStage]:
    """A Makefile recipe line of the app that builds the UI and then moves or copies its output elsewhere
    (`cd web && npm run build && mv build ../server/site`): the script, and where the output goes."""
    base = "" if app.root == "." else app.root + "/"
    for name in MAKEFILES:
        rel = base + name
        lines = repo.lines(rel)
        for first, last, line in _recipe_lines(lines):
            moved = _moved_output(line, base, directory, scripts, output)
            if moved is None:
                continue
            script, source, target, verb, destination = moved
            moved_at = next((n for n in range(first, last + 1) if verb in lines[n - 1]
                             and destination in lines[n - 1]), first)
            ran_at = next((n for n in range(first, last + 1) if script in lines[n - 1]), first)
            return StatedStage(source[len(base):], target[len(base):], script, _said(repo, rel, moved_at),
                               _said(repo, rel, ran_at))
    return None


def _recipe_lines(lines: List[str]) -> Iterator[Tuple[int, int, str]]:
    """(first line number, last line number, text) of each recipe line of a Makefile, continuations joined."""
    number = 0
    while number < len(lines):
        first, line = number + 1, lines[number]
        while line.endswith("\\") and number + 1 < len(lines):  # a recipe line continued
            number += 1
            line = line[:-1] + " " + lines[number].strip()
        number += 1
        if line.startswith("\t"):
            yield first, number, line


def _moved_output(line: str, base: str, directory: str, scripts: Dict[str, Any],
                  output: str) -> Optional[Tuple[str, str, str, str, str]]:
    """(script, source, target, mv or cp, the destination as written) when one recipe line runs the UI's
    build script in its folder and then moves `output` inside the app. Each recipe line runs in a shell of
    its own from the Makefile's folder, so a `cd` counts within its line."""
    cwd, script = base.rstrip("/"), ""
    for command in re.split(r"&&|;|\|\|", line.strip().lstrip("@-+")):
        words = command.split()
        ran = _RUN_SCRIPT.match(" " + command.strip())
        if len(words) == 2 and words[0] == "cd":
            cwd = posixpath.normpath(posixpath.join(cwd or ".", words[1]))
            cwd = "" if cwd == "." else cwd
        elif cwd == directory and ran:
            script = ran.group(1) if isinstance(scripts.get(ran.group(1)), str) else script
        elif script and len(words) >= 3 and words[0] in ("mv", "cp") and all(w.startswith("-") for w in words[1:-2]):
            source = posixpath.normpath(posixpath.join(cwd or ".", words[-2].rstrip("/")))
            target = posixpath.normpath(posixpath.join(cwd or ".", words[-1].rstrip("/")))
            if source == output and (target + "/").startswith(base) and not target.startswith("../"):
                return script, source, target, words[0], words[-1]
    return None


def _said(repo: Repo, rel: str, number: int) -> Evidence:
    """The evidence of line `number` of `rel` (an instruction's first line)."""
    lines = repo.lines(rel)
    return Evidence(rel, number, excerpt(lines[number - 1].strip() if 0 < number <= len(lines) else ""))


def _build_script(scripts: Dict[str, Any]) -> str:
    """`build`, else the one script that runs a bundler's production build (`"prod": "vite build"`), else ""."""
    if isinstance(scripts.get("build"), str):
        return "build"
    bundling = [name for name, command in scripts.items()
                if isinstance(command, str) and _BUNDLER_BUILD.fullmatch(command.strip())]
    return bundling[0] if len(bundling) == 1 else ""


def _short(path: str) -> str:
    """A path short enough for a one-line warning to keep its end (the flag it names)."""
    return path if len(path) <= 20 else "…" + path[-19:]


def _maven_exec(repo: Repo, root: str) -> Optional[Evidence]:
    """The line of a pom where exec-maven-plugin runs Node's tools (the stage replaces that run)."""
    for pom in repo.glob("pom.xml", under=root):
        hit = repo.find_line(pom, _MAVEN_EXEC_NODE)
        if hit:
            return hit[1]
    return None


def _own_sources(repo: Repo, directory: str, output: str) -> Tuple[Any, Optional[Evidence], str]:
    """What the build of a frontend at the app's root reads: its configuration files there, and the
    directories its bundler configuration and index.html name (`./assets/js/main.js`: assets), never the
    build's `output` itself (left out of the build context, it could not be copied)."""
    prefix = directory + "/" if directory else ""
    here = [f[len(prefix):] for f in repo.files(directory or ".") if "/" not in f[len(prefix):]]
    files = sorted(name for name in here if _CONFIG_FILE.fullmatch(name))
    folders: Set[str] = set()
    for name in files:
        for text in repo.lines(prefix + name):
            folders.update(m.group(1) for m in _NAMED_DIR.finditer(text) if repo.is_dir(prefix + m.group(1)))
    folders.discard("node_modules")
    folders = {folder for folder in folders if folder != output and not folder.startswith(output + "/")}
    return sorted(folders) + files, Evidence(prefix + "package.json"), ""


def _load_json(repo: Repo, rel: str) -> Optional[Dict[str, Any]]:
    text = repo.read_text(rel)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        repo.warn(rel, "malformed JSON, ignored")
        return None
    return data if isinstance(data, dict) else None


def _lockfile(repo: Repo, directory: str) -> Optional[Tuple[str, str]]:
    for name, manager in LOCKFILES:
        path = posixpath.join(directory, name)
        if repo.is_file(path):
            if manager == "yarn" and repo.is_file(posixpath.join(directory, ".yarnrc.yml")):
                manager = "yarn-berry"
            return path, manager
    return None


def _output(repo: Repo, directory: str, package: Dict[str, Any], build: str, manifest: str) -> Tuple[str, Evidence]:
    """The bundler's output directory relative to the frontend, and where that was read."""
    found = _SCRIPT_OUT.search(build)
    if found:
        return found.group(1), repo.evidence_for(manifest, found.group(0))
    for pattern, names in ((_VITE_OUT, "vite.config"), (_VUE_OUT, "vue.config"), (_WEBPACK_OUT, "webpack.config")):
        for config in sorted(repo.glob(f"{names}.*", under=directory or ".")):
            if posixpath.dirname(config) != directory:
                continue
            hit = repo.find_line(config, pattern)
            if hit:
                match, evidence = hit
                return _configured(match), evidence
            through = _webpack_variable(repo, config) if pattern is _WEBPACK_OUT else None
            if through:
                return through
            return _default_output(package), Evidence(config, None, excerpt(f"{names} sets no output directory"))
    script = _SCRIPT_FILE.search(build)
    if script:
        path = posixpath.normpath(posixpath.join(directory, script.group(1)))
        hit = repo.find_line(path, _ESBUILD_OUT) if (path + "/").startswith(directory + "/" if directory else "") \
            else None
        if hit:
            return posixpath.normpath(hit[0].group(2)), hit[1]
    return _default_output(package), repo.evidence_for(manifest, '"build"')


def _webpack_variable(repo: Repo, config: str) -> Optional[Tuple[str, Evidence]]:
    """webpack's output path through a variable the configuration makes from __dirname
    (`const basePath = path.join(__dirname, "client")` ... `path: path.join(basePath, "./dist")`), or None."""
    text = repo.read_text(config) or ""
    for number, line in enumerate(text.splitlines(), 1):
        match = _WEBPACK_VAR_OUT.search(line)
        if match is None or match.group(1) in ("path", "__dirname"):
            continue
        made = re.search(_WEBPACK_DIR.format(name=re.escape(match.group(1))), text)
        if made is not None:
            parts = re.findall(r"""['"]([^'"]+)['"]""", made.group(1) + match.group(2))
            return posixpath.normpath(posixpath.join(".", *parts)), Evidence(config, number, excerpt(line.strip()))
    return None


def _configured(match: "re.Match[str]") -> str:
    if match.re is _VITE_OUT:
        return posixpath.normpath(match.group(2) or match.group(4))
    if match.re is not _WEBPACK_OUT:
        return match.group(2)
    if match.group(1):
        return posixpath.join(*re.findall(r"""['"]([^'"]+)['"]""", match.group(1)))
    return match.group(4)


def _dependencies(package: Dict[str, Any]) -> Dict[str, Any]:
    """The package's dependencies and devDependencies by name (what a malformed manifest gives: none)."""
    found: Dict[str, Any] = {}
    for key in ("devDependencies", "dependencies"):
        if isinstance(package.get(key), dict):
            found.update(package[key])
    return found


def _default_output(package: Dict[str, Any]) -> str:
    deps = _dependencies(package)
    return next((out for name, out in DEFAULT_OUTPUT if name in deps), "dist")


def _node_major(repo: Repo, directory: str, package: Dict[str, Any], manifest: str,
                stage: Optional[Tuple[str, Evidence]] = None) -> Tuple[Any, Optional[Evidence], str]:
    """Node's major version: .nvmrc, .node-version, engines.node, the node image of a Dockerfile's stage that
    builds it (`stage`), then the Node a Maven build installs for it; None: the default."""
    for name in (".nvmrc", ".node-version"):
        path = posixpath.join(directory, name)
        lines = repo.lines(path)
        found = _NODE_MAJOR.search(lines[0]) if lines else None
        if found:
            return found.group(1), Evidence(path, 1, excerpt(lines[0])), ""
    engines = package.get("engines")
    node = engines.get("node") if isinstance(engines, dict) else None
    found = _NODE_MAJOR.search(node) if isinstance(node, str) else None
    if found:
        return found.group(1), repo.evidence_for(manifest, '"node"'), ""
    if stage is not None and int(stage[0]) >= OLDEST_NODE:
        return stage[0], stage[1], ""
    return _maven_node(repo, directory)


def _maven_node(repo: Repo, directory: str) -> Tuple[Any, Optional[Evidence], str]:
    """The Node major frontend-maven-plugin installs, from the nearest pom.xml at or above the frontend (a
    major older than the stage's oldest is raised to it, and said)."""
    folder = directory
    while True:
        pom = posixpath.join(folder, "pom.xml")
        hit = repo.find_line(pom, _POM_NODE)
        if hit:
            match, evidence = hit
            major = match.group(1)
            if match.group(2):  # ${node.version}: the property, set in the same pom
                prop = repo.find_line(pom, re.compile(rf"<{re.escape(match.group(2))}>\s*v?(\d{{1,3}})"))
                if prop is None:
                    return None, None, ""
                major, evidence = prop[0].group(1), prop[1]
            if int(major) < OLDEST_NODE:
                repo.warn(pom, f"builds its UI with Node {major}; the frontend stage uses Node {OLDEST_NODE}, the "
                               "oldest it builds with")
                major = str(OLDEST_NODE)
            return major, evidence, ""
        if folder in ("", "."):
            return None, None, ""
        folder = posixpath.dirname(folder)


def _served_by_convention(language: "Detection", output: str, evidence: Evidence) -> Optional[Evidence]:
    """The bundler's own line when it writes where the app's framework serves static files by convention."""
    convention = language.static_by_convention
    return evidence if convention and re.fullmatch(convention, output) else None


def _owner(repo: Repo, app: AppCandidate, language: "Detection", named_in: str) -> Callable[[str], bool]:
    """Whether a file is one of the app's own backend files: a source or configuration file of its language,
    not hidden nor in a hidden folder (CI and IDE configuration name build folders for their own jobs), and
    in a folder of its own code where the language tells them apart (a Go module's other programs and the
    packages only they use are theirs), under `named_in`."""
    suffixes = language.backend_suffixes
    folders = language.backend_folders(repo, app)

    def owned(rel: str) -> bool:
        if not (rel.startswith(named_in) and rel.endswith(suffixes)) or any(part.startswith(".")
                                                                            for part in rel.split("/")):
            return False
        return folders is None or (posixpath.dirname(rel) or ".") in folders

    return owned


def _backend_reference(repo: Repo, root: str, frontend: str, output: str, owned: Callable[[str], bool],
                       below: bool = True) -> Optional[Evidence]:
    """The first line of the app's own backend files (`owned`) naming the directory `output` (relative to
    the app or to its own file); with `below`, a path inside it counts too (`ui/build/*`)."""
    for rel in repo.files(root):
        inside = frontend and rel.startswith(frontend + "/")
        if (inside and not rel.endswith(SOURCE_SUFFIXES)) or not owned(rel):
            continue
        app_dir = "" if root == "." else root
        here = posixpath.relpath(posixpath.join(app_dir, output) if app_dir else output, posixpath.dirname(rel) or ".")
        needles = [(needle.rsplit("/", 1)[-1], _name_pattern(needle, below)) for needle in {output, here} - {"", "."}]
        for number, line in enumerate(repo.lines(rel), start=1):
            # a line that lacks the path's last part cannot name it: the pattern is tried only on the others
            if any(last in line and pattern.search(line) for last, pattern in needles) and _COMMENT.match(line) is None:
                return Evidence(rel, number, excerpt(line))
    return None


def _embedded_above(repo: Repo, root: str, output: str, owned: Callable[[str], bool]) -> Optional[Evidence]:
    """The go:embed line of the app's own Go files that embeds a folder holding `output` (`//go:embed ui` in
    server/ for server/ui/dist: the package embeds the whole folder, the build's output with it)."""
    app_dir = "" if root == "." else root + "/"
    for rel in repo.files(root):
        if not rel.endswith(".go") or not owned(rel):
            continue
        folder = posixpath.dirname(rel)
        for number, line in enumerate(repo.lines(rel), start=1):
            found = _GO_EMBED.match(line)
            if found is None:
                continue
            for pattern in found.group(1).split():
                pattern = pattern.strip('"`').removeprefix("all:").rstrip("/")
                if not pattern or any(c in pattern for c in "*?[") or pattern.startswith("."):
                    continue
                embedded = posixpath.normpath(posixpath.join(folder, pattern))[len(app_dir):]
                if output.startswith(embedded + "/"):
                    return Evidence(rel, number, excerpt(line))
    return None


def _names(line: str, path: str, below: bool = True) -> bool:
    """Whether `line` names `path` as a whole path (not as part of a longer name), written in one
    string (`ui/build`) or one string per part (`BASE_DIR / "frontend" / "dist"`, `join("ui", "build")`)."""
    return _name_pattern(path, below).search(line) is not None


@functools.lru_cache(maxsize=256)
def _name_pattern(path: str, below: bool) -> "re.Pattern[str]":
    """The pattern `_names` looks for, made once per path (a large repository has hundreds of thousands of lines)."""
    between = r"""(?:/|['"]\s*[/,]\s*['"])"""
    parts = between.join(re.escape(part) for part in path.split("/"))
    end = r"(?:$|[\s'\"/*),\]<])" if below else r"(?:$|[\s'\",)\]<])"
    return re.compile(r"(?:^|[\s'\"/:(=>])" + parts + end)


__all__: List[str] = ["attach", "attach_all"]
