"""Python detection: project directories, how they install, and how they start.

Every directory holding a Python manifest is one candidate. Values are read only
through `Repo`, stored raw with the line they came from, and checked later by
`generator.validate`; nothing here raises for what a repository contains.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from generator import shellwords
from generator.detect.model import AppCandidate, Evidence, excerpt
from generator.detect.stated import procfile
from generator.detect.stated.scripts import shell_script
from generator.detect.walker import Repo, iter_dirs_up, parent_dir
from generator.languages.python import MIN_MINOR, apps, frameworks, listeners, migrations, scripts, servers, uwsgi
from generator.languages.python.frameworks import FRAMEWORKS
from generator.languages.python.native import NATIVE

#: a port and where it came from (no evidence: nothing but a convention)
Port = Tuple[int, Optional[Evidence]]
#: a start command, its evidence, and the port it listens on
Start = Tuple[List[str], Optional[Evidence], Optional[Port]]

#: files that make their directory a Python project
PROJECT_FILES = frozenset({"pyproject.toml", "setup.py", "setup.cfg", "Pipfile"})
#: pyproject tables that mean "a project", as opposed to tool configuration only
PROJECT_TABLES = (("project",), ("build-system",), ("tool", "poetry"), ("tool", "pdm"))
#: directories whose manifests belong to tests or documentation, never to an application
IGNORED_DIRS = frozenset({"test", "tests", "testing", "doc", "docs"})
#: words in a requirements file name that mean it is not what the application runs with
DEV_WORDS = frozenset(
    {"dev", "develop", "development", "test", "tests", "testing", "lint", "doc", "docs", "ci", "local", "typing"}
)
#: words naming the runtime requirements when there is no plain requirements.txt, best first
PREFERRED_WORDS = (
    frozenset({"prod", "production", "deploy", "release", "runtime"}),
    frozenset({"base", "main", "common"}),
)
REQUIREMENTS_NAME = re.compile(r"^requirements(?:[-_.](.+))?\.txt$")
#: requirement files followed through `-r` at most (a chain of includes is bounded)
MAX_INCLUDES = 20

#: package managers in precedence order: (name, lock file, pyproject table, manifest) naming it
MANAGERS = (
    ("uv", "uv.lock", (), ""),
    ("poetry", "poetry.lock", ("tool", "poetry"), ""),
    ("pdm", "pdm.lock", ("tool", "pdm"), ""),
    ("pipenv", "Pipfile.lock", (), "Pipfile"),
)
#: switches by which a manager is told not to install the project itself
NOT_A_PACKAGE = (("tool", "poetry", "package-mode"), ("tool", "uv", "package"), ("tool", "pdm", "distribution"))
#: console-script tables, in precedence order
SCRIPT_TABLES = (("project", "scripts"), ("tool", "poetry", "scripts"))

#: version pin files: searched from the project directory up, in this order within a directory
PIN_FILES = (
    (".python-version", re.compile(r"^\s*([^\s#]+)")),
    ("runtime.txt", re.compile(r"^\s*([^\s#]+)")),
    (".tool-versions", re.compile(r"^\s*python\s+([^\s#]+)")),
)
MINOR = re.compile(r"^(?:python-?)?v?([0-9]+)\.([0-9]+)")
SPEC_CLAUSE = re.compile(r"^\s*(===|==|~=|>=|<=|!=|>|<|\^|~|=)?\s*v?([0-9]{1,4})\.([0-9]{1,4})")

REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
REQUIREMENT_INCLUDE = re.compile(r"^(?:-r|--requirement)(?:\s*=\s*|\s*)(\S+)")
REQUIREMENT_CONSTRAINT = re.compile(r"^(?:-c|--constraint)(?:\s*=\s*|\s*)(\S+)")
REQUIREMENT_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
TOML_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(?:#.*)?$")

DJANGO_SETTINGS = re.compile(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([^"']+)["']""")
#: a requirement we write into the Dockerfile as it is declared: a name, extras, version clauses and an
#: environment marker in double quotes, nothing a shell would interpret (generator.languages.python repeats it)
DECLARED_REQUIREMENT = re.compile(r"""[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[A-Za-z0-9._, -]*\])?[A-Za-z0-9<>=!~.*+, ;"()_-]*""")
MAX_DECLARED = 64
#: frameworks whose releases before (major, minor) run on no Python we build for: (name, release, Pythons)
LEGACY_PINS = (("django", (2, 2), "Python 3.7 at most"),)
#: releases before these import pkg_resources when they start, which setuptools 81 and later no longer ship (and
#: a fresh install gets the latest setuptools): (distribution, first release that does not)
PKG_RESOURCES_PINS = (("gunicorn", (21, 0)),)
PINNED_VERSION = re.compile(r"==\s*v?([0-9]+)\.([0-9]+)[0-9.]*")
#: the setup.cfg sections that describe a package (the others configure tools)
SETUP_CFG_PROJECT = re.compile(r"^\s*\[(?:metadata|options)(?:\.[^\]]*)?\]")
#: a FastAPI requirement whose extras bring uvicorn
FASTAPI_WITH_SERVER = re.compile(r"fastapi\s*\[[^\]]*\b(?:standard|all)\b", re.IGNORECASE)
#: a quoted dotted name ("proj.settings"): a module a settings assignment may name
DOTTED_STRING = re.compile(r"""["']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)["']""")
WSGI_MODULE = re.compile(r"^application\s*=\s*get_wsgi_application\(")
WSGI_APPLICATION = re.compile(r"""^\s*WSGI_APPLICATION\s*=\s*["']([^"']+)["']""")
#: the detection fact `kind` of a program that listens on no port (generator.validate.CLI)
CLI = "cli"
#: file names likeliest to create the application, scanned first
APP_MODULES = ("app.py", "main.py", "wsgi.py", "asgi.py", "server.py", "application.py")
#: Python files scanned for an application object at most
MAX_SOURCES = 200

PROCFILE_WEB = re.compile(r"^\s*web\s*:\s*(.*)$")
PROCFILE_RELEASE = re.compile(r"^\s*release\s*:\s*(.*)$")
#: options by which a server or program is given its configuration file
CONFIG_OPTIONS = ("-c", "--config", "--config-file", "--ini", "--paste")
#: longest Procfile command considered (longer ones are not a command anyone wrote)
MAX_COMMAND = 4096
#: command-line words followed by a port, as "N" or "host:N"
PORT_OPTIONS = frozenset({"--port", "-p", "--bind", "-b", "runserver"})
#: gunicorn's `bind` setting: a literal "host:N", else the default of a PORT variable read in it
GUNICORN_BINDS = (
    re.compile(r"""^\s*bind\s*=\s*\[?\s*f?["']([^"'{]*:[0-9]{1,5})["']"""),
    re.compile(r"""^\s*bind\s*=.*(?:environ\.get|getenv)\(\s*["']PORT["']\s*,\s*["']?([0-9]{1,5})"""),
)
#: calls fixing the port in the module that is run: app.run(port=N), uvicorn.run(app, port=N), HTTPServer(("", N))
CODE_PORTS = (
    re.compile(r"\.run(?:_app)?\(.*\bport\s*=\s*([0-9]+)"),
    re.compile(r"(?:HTTPServer|TCPServer)\(\s*\(\s*['\"][^'\"]*['\"]\s*,\s*([0-9]+)"),
)
#: the port assumed when a command needs one and no convention applies (a Procfile's $PORT)
DEFAULT_PORT = 8000
#: the servers looked for, in order, when no framework says which
SERVER_ORDER = ("gunicorn", "uvicorn", "hypercorn", "waitress-serve", "uwsgi")
#: `python_requires` where setuptools projects declare the Pythons they run on (and an sdist's metadata)
SETUP_VERSIONS = (
    ("setup.cfg", re.compile(r"^\s*python_requires\s*=\s*([^#\n]+)")),
    ("setup.py", re.compile(r"""python_requires\s*=\s*["']([^"']+)["']""")),
    ("PKG-INFO", re.compile(r"^Requires-Python:\s*(.+)$")),
)


@dataclass
class _Project:
    """One project directory: its parsed manifests (empty when absent or malformed) and own files."""

    repo: Repo
    root: str
    toml: Dict[str, Dict[str, Any]]
    files: List[str]
    requirements: Optional[str] = None
    #: the files `requirements` reaches through -r and -c (repository-relative)
    includes: List[str] = field(default_factory=list)
    deps: Dict[str, Evidence] = field(default_factory=dict)
    #: the dependency groups installed besides the main dependencies (those holding a production server)
    groups: List[Tuple[str, Evidence]] = field(default_factory=list)
    #: the application object ("main:app", "mysite.wsgi:application"), when a framework was found
    target: str = ""
    #: the parameters of the factory `target` calls ("" : none, or not a factory)
    factory_parameters: str = ""

    @property
    def pyproject(self) -> Dict[str, Any]:
        return self.toml["pyproject.toml"]

    def path(self, local: str) -> str:
        """A project-relative path as a repository-relative one."""
        return local if self.root == "." else f"{self.root}/{local}"

    def local(self, rel: str) -> str:
        """A repository-relative path inside the project as a project-relative one."""
        return rel if self.root == "." else rel[len(self.root) + 1 :]


def detect(repo: Repo) -> List[AppCandidate]:
    """One candidate per Python project directory, sorted by root."""
    roots = _project_roots(repo)
    return [_candidate(_load(repo, root, roots)) for root in roots]


# -- finding projects ------------------------------------------------------------


def _project_roots(repo: Repo) -> List[str]:
    """Directories with a manifest; requirement files below an already found project are its own."""
    marked: Dict[str, bool] = {}  # directory -> holds a project file (not only requirements)
    for rel in repo.files():
        if _ignored(parent_dir(rel)):
            continue
        if posixpath.basename(rel) in PROJECT_FILES and _is_manifest(repo, rel):
            marked[parent_dir(rel)] = True
        elif _requirements_rank(rel) is not None:
            marked.setdefault(_requirements_owner(rel), False)
    roots: List[str] = []
    for directory in sorted(marked, key=lambda d: (_depth(d), d)):
        if marked[directory] or not any(_below(directory, root) for root in roots):
            roots.append(directory)
    return sorted(roots)


def _is_manifest(repo: Repo, rel: str) -> bool:
    """A pyproject.toml or setup.cfg configuring only tools (flake8, pytest...) is no project; an
    unparsable pyproject.toml might be."""
    if posixpath.basename(rel) in ("setup.py", "setup.cfg") and repo.is_file(_join(parent_dir(rel), "__init__.py")):
        return False  # a setup.py inside a package (a vendored copy, a template): the package, not an app
    if posixpath.basename(rel) == "setup.cfg":
        return repo.find_line(rel, SETUP_CFG_PROJECT) is not None
    if posixpath.basename(rel) != "pyproject.toml":
        return True
    data = repo.load_toml(rel)
    return data is None or any(_get(data, *keys) is not None for keys in PROJECT_TABLES)


def _load(repo: Repo, root: str, roots: List[str]) -> _Project:
    nested = [other for other in roots if other != root and _below(other, root)]
    prefix = "" if root == "." else root + "/"
    files = [
        rel
        for rel in repo.files(root)
        if not _ignored(parent_dir(rel[len(prefix) :])) and not any(_below(rel, other) for other in nested)
    ]
    toml = {name: repo.load_toml(prefix + name) or {} for name in ("pyproject.toml", "Pipfile")}
    project = _Project(repo, root, toml, files)
    project.requirements = _requirements_file(project)
    project.deps = _dependencies(project)
    return project


def _candidate(p: _Project) -> AppCandidate:
    app = AppCandidate("python", _name(p), p.root)
    for step in (_version, _patch_pin, _package_manager, _groups, _installable, _framework, _start, _config_file, _migrations,
                 _native, _legacy_pins, _pkg_resources):
        step(p, app)
    return app


def _config_file(p: _Project, app: AppCandidate) -> None:
    """The configuration file the start command names (`-c config.yaml`, `--ini uwsgi.ini`), when it is a file
    of the project: compose and Kubernetes mount it read-only over the image's copy."""
    command = app.value("start_command")
    argv = [word for word in command if isinstance(word, str)] if isinstance(command, list) else []
    for _, _, value in servers.option_values(argv, 1, CONFIG_OPTIONS):
        path = posixpath.normpath(value) if value and not value.startswith(("/", "python:")) else ""
        if path and not path.startswith("..") and p.repo.is_file(p.path(path)):
            fact = app.facts["start_command"]
            app.set("config_file", path, fact.evidence)
            return


def missing_config(repo: Repo, app: AppCandidate) -> None:
    """A configuration file the ranked start command names (`--config hypercorn.toml`) that is not in the app's
    directory, the build context: the image would not hold it and the server would stop at start. Checked once
    the statements are ranked, as a Dockerfile above the app may copy it from elsewhere."""
    fact = app.facts.get("start_command")
    argv = [word for word in fact.value if isinstance(word, str)] if fact and isinstance(fact.value, list) else []
    for _, option, value in servers.option_values(argv, 1, CONFIG_OPTIONS):
        if not value or value.startswith("python:"):
            continue
        path = _join(app.root, posixpath.normpath(value)) if not value.startswith("/") else ""
        if path and (path.startswith("..") or not repo.is_file(path)):
            where = fact.evidence.file if fact and fact.evidence else app.root
            repo.warn(where, f"{option} {value} is not in {app.root}/, the build context: the server would not "
                      "start; move it there or pass --cmd")


def _native(p: _Project, app: AppCandidate) -> None:
    """Dependencies that build from source against system libraries (native.py), with the first one's line."""
    names = [name for name in NATIVE if name in p.deps]
    if names:
        app.set("native", names, p.deps[names[0]])


def _migrations(p: _Project, app: AppCandidate) -> None:
    """The framework's migrations as the release step (migrations.py), unless the Procfile states the steps."""
    if "release" in app.facts:
        return
    found = migrations.release(migrations.Project(
        p.repo, p.root, p.deps, str(app.value("framework") or ""), p.target, str(app.value("django_settings") or "")))
    if found:
        app.set("release", [found[0]], found[1])


def _legacy_pins(p: _Project, app: AppCandidate) -> None:
    """A framework pinned to a release older than every Python we build for, with no Python pinned:
    said, rather than left to fail inside `docker build` (collectstatic) or at start."""
    if app.value("version"):
        return
    for name, (major, minor), python in LEGACY_PINS:
        evidence = p.deps.get(name)
        pinned = PINNED_VERSION.search(evidence.text) if evidence else None
        if evidence and pinned and (int(pinned.group(1)), int(pinned.group(2))) < (major, minor):
            p.repo.warn(str(evidence), f"{name} {pinned.group(0).lstrip('= ')} predates Python 3.{MIN_MINOR} "
                        f"(it supports {python}): pin the Python it runs on, or upgrade {name}")
            return


def _groups(p: _Project, app: AppCandidate) -> None:
    """The dependency groups that hold the production server (poetry, uv and pdm install them too)."""
    if p.groups and app.value("package_manager") in ("poetry", "uv", "pdm"):
        app.set("groups", [group for group, _ in p.groups], p.groups[0][1])


def _pkg_resources(p: _Project, app: AppCandidate) -> None:
    """A pinned release that imports pkg_resources at start (gunicorn 20): setuptools 81 and later have none, so
    the image builds and then cannot start; said with the line and the release to upgrade to."""
    for name, (major, minor) in PKG_RESOURCES_PINS:
        evidence = p.deps.get(name)
        pinned = PINNED_VERSION.search(evidence.text) if evidence else None
        if evidence and pinned and (int(pinned.group(1)), int(pinned.group(2))) < (major, minor):
            p.repo.warn(str(evidence), f"{name} {pinned.group(0).lstrip('= ')} imports pkg_resources, which setuptools "
                        f"81+ lacks: it cannot start; upgrade to {major}.{minor} or later")


def _name(p: _Project) -> str:
    for keys in (("project", "name"), ("tool", "poetry", "name")):
        value = _get(p.pyproject, *keys)
        if isinstance(value, str) and value:
            return value
    return p.repo.root.name if p.root == "." else posixpath.basename(p.root)


# -- requirements and dependencies ------------------------------------------------


def _requirements_rank(rel: str) -> Optional[int]:
    """How likely `rel` is the runtime requirements file (0 best), None for dev/test ones or others."""
    name, directory = posixpath.basename(rel), posixpath.basename(parent_dir(rel))
    if directory == "requirements" and name.endswith(".txt"):
        words = name[: -len(".txt")]
    else:
        match = REQUIREMENTS_NAME.match(name)
        if not match:
            return None
        words = match.group(1) or ""
    tokens = set(re.split(r"[-_.]+", words.lower())) - {""}
    if tokens & DEV_WORDS:
        return None
    if not tokens:
        return 0
    ranks = [rank for rank, preferred in enumerate(PREFERRED_WORDS, start=1) if tokens & preferred]
    return ranks[0] if ranks else len(PREFERRED_WORDS) + 1


def _requirements_owner(rel: str) -> str:
    """The project directory of a requirements file (requirements/prod.txt belongs to its parent)."""
    directory = parent_dir(rel)
    return parent_dir(directory) if posixpath.basename(directory) == "requirements" else directory


def _requirements_file(p: _Project) -> Optional[str]:
    """requirements.txt, else the best-named runtime file beside it or in requirements/."""
    homes = {p.root, p.path("requirements")}
    ranked = [(_requirements_rank(rel), rel) for rel in p.files if parent_dir(rel) in homes]
    best = min(((rank, rel) for rank, rel in ranked if rank is not None), default=None)
    return best[1] if best else None


def _dependencies(p: _Project) -> Dict[str, Evidence]:
    """Runtime dependency names (PEP 503 normalized) from every manifest, first mention kept."""
    deps: Dict[str, Evidence] = {}
    if p.requirements:
        seen: Set[str] = set()
        _read_requirements(p.repo, p.requirements, deps, seen)
        p.includes = sorted(seen - {p.requirements})
    pyproject, pipfile = p.path("pyproject.toml"), p.path("Pipfile")
    dependencies = _get(p.pyproject, "project", "dependencies")
    for item in dependencies if isinstance(dependencies, list) else []:
        if isinstance(item, str):
            _add(deps, item, _toml_evidence(p.repo, pyproject, "project", re.compile(re.escape(item))))
    for rel, data, table in (
        (pyproject, p.pyproject, "tool.poetry.dependencies"),
        (pipfile, p.toml["Pipfile"], "packages"),
    ):
        for name in _table(data, *table.split(".")):
            if name != "python":
                _add(deps, name, _toml_evidence(p.repo, rel, table, _key(name)))
    for group, members in _server_groups(p):
        p.groups.append((group, next(iter(members.values()))))
        for name, evidence in members.items():
            deps.setdefault(name, evidence)
    return deps


#: dependency groups of tools, never what the app runs on
DEV_GROUP = re.compile(r"dev|develop|development|tests?|testing|lint|linting|docs?|typing|types|ci|bench\w*|mypy|"
                       r"style|format|coverage", re.IGNORECASE)
#: the distributions of the production servers (a group holding one is how the app runs: `prod`, `server`)
SERVER_DISTRIBUTIONS = frozenset(server.distributions[0] for name, server in servers.SERVERS.items()
                                 if server.distributions and not server.for_development and " " not in name)


def _server_groups(p: _Project) -> List[Tuple[str, Dict[str, Evidence]]]:
    """Dependency groups (poetry's [tool.poetry.group.X], PEP 735 [dependency-groups]) that hold a production
    server and are not named for development: the server is there, so the image installs the group."""
    pyproject = p.path("pyproject.toml")
    found: List[Tuple[str, Dict[str, Evidence]]] = []
    declared: List[Tuple[str, str, List[str]]] = []
    for group, data in _table(p.pyproject, "tool", "poetry", "group").items():
        names = list(_table(data, "dependencies"))
        declared.append((group, f"tool.poetry.group.{group}.dependencies", names))
    installs_groups = any(p.repo.is_file(p.path(lock)) for lock in ("uv.lock", "pdm.lock"))  # pip's build does not
    for group, items in _table(p.pyproject, "dependency-groups").items() if installs_groups else ():
        names = [item for item in items if isinstance(item, str)] if isinstance(items, list) else []
        declared.append((group, "dependency-groups", names))
    for group, table, names in declared:
        if not isinstance(group, str) or DEV_GROUP.fullmatch(group):
            continue
        members: Dict[str, Evidence] = {}
        for name in names:
            key = _key(name) if table != "dependency-groups" else re.compile(re.escape(name))
            _add(members, name, _toml_evidence(p.repo, pyproject, table, key))
        if SERVER_DISTRIBUTIONS & set(members):
            found.append((group, members))
    return found


def _read_requirements(repo: Repo, rel: str, deps: Dict[str, Evidence], seen: Set[str]) -> None:
    """Names required by `rel` and by the files it includes with -r or -c (listed files only)."""
    if rel in seen or len(seen) >= MAX_INCLUDES:
        return
    seen.add(rel)
    for number, line in enumerate(repo.lines(rel), start=1):
        text = re.sub(r"(^|\s)#.*", "", line).strip()
        include = REQUIREMENT_INCLUDE.match(text) or REQUIREMENT_CONSTRAINT.match(text)
        if include:
            target = posixpath.normpath(posixpath.join(parent_dir(rel), include.group(1)))
            if repo.is_file(target):
                _read_requirements(repo, target, deps, seen)
        elif text and not text.startswith("-") and not REQUIREMENT_URL.match(text):
            _add(deps, text, Evidence(rel, number, excerpt(line)))


def _add(deps: Dict[str, Evidence], requirement: str, evidence: Evidence) -> None:
    match = REQUIREMENT_NAME.match(requirement)
    if match:
        deps.setdefault(re.sub(r"[-_.]+", "-", match.group(1)).lower(), evidence)


# -- facts -------------------------------------------------------------------------


def _version(p: _Project, app: AppCandidate) -> None:
    """Pin files first, nearest directory first: they say what runs, a manifest only what may.

    In one directory: .python-version, runtime.txt, .tool-versions; then the project's
    Pipfile python_version, requires-python, poetry's python dependency, setuptools'
    python_requires (setup.cfg, setup.py) and an sdist's Requires-Python.
    """
    for directory in iter_dirs_up(p.root):
        for name, pattern in PIN_FILES:
            hit = p.repo.find_line(name if directory == "." else f"{directory}/{name}", pattern)
            if hit:
                app.set("version", _minor(hit[0].group(1)), hit[1])
                return
    for manifest, keys, parse in DECLARED_VERSIONS:
        value = _get(p.toml[manifest], *keys)
        version = parse(value) if isinstance(value, str) else None
        if version:
            table = ".".join(keys[:-1])
            app.set("version", version, _toml_evidence(p.repo, p.path(manifest), table, _key(keys[-1])))
            return
    for name, pattern in SETUP_VERSIONS:
        hit = p.repo.find_line(p.path(name), pattern)
        version = _lowest_minor(hit[0].group(1).strip()) if hit else None
        if hit and version:
            app.set("version", version, hit[1])
            return


#: a version specifier that allows one patch release only: poetry's `python = "3.11.7"`, `==3.11.7`
PATCH_PIN = re.compile(r"\s*(?:==\s*)?(\d+)\.(\d+)\.(\d+)\s*")


def _no_lock(p: _Project, manager: str, lock: str, manifest: str) -> None:
    """A poetry, pdm or pipenv project without its lock file: the build installs what the lock pins, and
    mounts it; said before `docker build` fails on the missing file."""
    if manager == "poetry" and _get(p.pyproject, "tool", "poetry", "dependencies") is None \
            and _get(p.pyproject, "project", "dependencies") is None:
        return  # a [tool.poetry] table of settings only (no dependencies to lock)
    p.repo.warn(manifest, f"no {lock}: the image installs what it pins; run `{manager} lock` and commit it")


def _patch_pin(p: _Project, app: AppCandidate) -> None:
    """A manifest that allows one patch release of Python (`python = "3.11.7"`) fits no image: the images
    are a minor's latest patch. poetry export then marks every dependency `python_full_version == "3.11.7"`,
    and pip skips them all without a word (an image without its dependencies); pip, uv and pdm refuse
    to install the project. Said with the line, and what to write instead."""
    for manifest, keys in (("pyproject.toml", ("tool", "poetry", "dependencies", "python")),
                           ("pyproject.toml", ("project", "requires-python"))):
        value = _get(p.toml[manifest], *keys)
        match = PATCH_PIN.fullmatch(value) if isinstance(value, str) else None
        if match:
            minor = f"{match.group(1)}.{match.group(2)}"
            evidence = _toml_evidence(p.repo, p.path(manifest), ".".join(keys[:-1]), _key(keys[-1]))
            wider = f"~{minor}" if keys[-1] == "python" else f">={minor},<{match.group(1)}.{int(match.group(2)) + 1}"
            p.repo.warn(str(evidence), f"Python {value.strip().lstrip('= ')} only: no image has it; write "
                        f"\"{wider}\" (poetry export would skip every dependency)")
            return


def _minor(text: str) -> str:
    """ "3.12.1" and "python-3.12.1" give "3.12"; anything else stays as written."""
    match = MINOR.match(text.strip())
    return f"{match.group(1)}.{match.group(2)}" if match else text


def _lowest_minor(spec: str) -> Optional[str]:
    """The lowest major.minor a version specifier allows, or None without a lower bound.

    ">=3.10,<4" gives "3.10", "~=3.11", "^3.11", "==3.12.*" the named minor. Within
    one alternative the highest lower bound counts; across poetry's "||" alternatives
    the lowest. Upper bounds and exclusions never raise the answer.
    """
    lows = []
    for alternative in spec.split("||"):
        bounds = []
        for clause in re.split(r",|\s+(?=[<>=!~^])", alternative):
            match = SPEC_CLAUSE.match(clause)
            if match and match.group(1) not in ("<", "<=", "!="):
                bounds.append((int(match.group(2)), int(match.group(3))))
        if bounds:
            lows.append(max(bounds))
    return "{}.{}".format(*min(lows)) if lows else None


#: version declarations in the manifests, in precedence order: (manifest, keys, parser)
DECLARED_VERSIONS: Tuple[Tuple[str, Tuple[str, ...], Callable[[str], Optional[str]]], ...] = (
    ("Pipfile", ("requires", "python_version"), _minor),
    ("Pipfile", ("requires", "python_full_version"), _minor),
    ("pyproject.toml", ("project", "requires-python"), _lowest_minor),
    ("pyproject.toml", ("tool", "poetry", "dependencies", "python"), _lowest_minor),
)


def _package_manager(p: _Project, app: AppCandidate) -> None:
    for name, lock, table, manifest in MANAGERS:
        if p.repo.is_file(p.path(lock)):
            app.set("package_manager", name, Evidence(p.path(lock)))
            app.set("lock_file", lock, Evidence(p.path(lock)))
            return
        if table and _get(p.pyproject, *table) is not None:
            app.set("package_manager", name, _toml_evidence(p.repo, p.path("pyproject.toml"), ".".join(table)))
            _no_lock(p, name, lock, p.path("pyproject.toml"))
            return
        if manifest and p.repo.is_file(p.path(manifest)):
            app.set("package_manager", name, Evidence(p.path(manifest)))
            _no_lock(p, name, lock, p.path(manifest))
            return
    if p.requirements:
        app.set("package_manager", "pip", Evidence(p.requirements))
        app.set("requirements_file", p.local(p.requirements), Evidence(p.requirements))
        inside = [p.local(rel) for rel in p.includes if _below(rel, p.root)]
        if inside:
            app.set("included_files", inside, Evidence(p.requirements))
        for rel in p.includes:
            if not _below(rel, p.root):
                p.repo.warn(p.requirements, f"includes {rel}, outside the project directory (the build context): "
                            "the dependency step cannot read it")
        return
    marker = next((p.path(f) for f in ("pyproject.toml", "setup.py", "setup.cfg") if p.repo.is_file(p.path(f))), None)
    app.set("package_manager", "pip", Evidence(marker) if marker else None)
    declared = _declared_dependencies(p)
    if declared:
        app.set("dependencies", declared[0], declared[1])
    workspace = next((d for d in iter_dirs_up(p.root) if d != p.root and p.repo.is_file(_join(d, "uv.lock"))), None)
    if workspace is not None and marker:
        p.repo.warn(marker, f"a member of the uv workspace in {workspace!r}, whose uv.lock is outside this build: "
                    "installed with pip, unlocked")


def _declared_dependencies(p: _Project) -> Optional[Tuple[List[str], Evidence]]:
    """The dependencies a pip-installed project declares statically ([project] dependencies, else
    setup.cfg install_requires), for a cached step of their own; None when any is not a plain
    PEP 508 requirement (a URL, a local path), or when they are computed (dynamic, setup.py)."""
    items = _get(p.pyproject, "project", "dependencies")
    evidence: Optional[Evidence] = None
    if isinstance(items, list):
        evidence = _toml_evidence(p.repo, p.path("pyproject.toml"), "project", _key("dependencies"))
    elif p.repo.is_file(p.path("setup.cfg")) and _get(p.pyproject, "project") is None:
        items, evidence = _install_requires(p)
    if not items or not evidence or len(items) > MAX_DECLARED:
        return None
    requirements = [item.strip() for item in items if isinstance(item, str)]
    if len(requirements) != len(items) or not all(DECLARED_REQUIREMENT.fullmatch(r) for r in requirements):
        return None
    return requirements, evidence


def _install_requires(p: _Project) -> Tuple[Optional[List[str]], Optional[Evidence]]:
    """setup.cfg's [options] install_requires: one requirement a line (or `;`-free on the same line)."""
    rel, section, found, line_number = p.path("setup.cfg"), "", None, 0
    for number, line in enumerate(p.repo.lines(rel), start=1):
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            section = header.group(1).strip()
            if found is not None:
                break
            continue
        if found is None:
            key = re.match(r"^install_requires\s*=\s*(.*)$", line) if section == "options" else None
            if key:
                found, line_number = [key.group(1).strip()] if key.group(1).strip() else [], number
        elif line[:1] in (" ", "\t") and line.strip() and not line.strip().startswith("#"):
            found.append(line.strip())
        elif line.strip() and not line.strip().startswith("#"):
            break
    if found is None:
        return None, None
    return found, Evidence(rel, line_number, excerpt(p.repo.lines(rel)[line_number - 1]))


def _join(directory: str, name: str) -> str:
    return name if directory == "." else f"{directory}/{name}"


def _installable(p: _Project, app: AppCandidate) -> None:
    """The project itself is a package: a PEP 517 build of [project] or a poetry package, or setuptools."""
    pyproject = p.path("pyproject.toml")
    switched_off = next((keys for keys in NOT_A_PACKAGE if _get(p.pyproject, *keys) is False), None)
    if switched_off:
        table = ".".join(switched_off[:-1])
        app.set("installable", False, _toml_evidence(p.repo, pyproject, table, _key(switched_off[-1])))
        return
    if _get(p.pyproject, "build-system") is not None and (
        _get(p.pyproject, "project") is not None or _is_poetry_package(p)
    ):
        app.set("installable", True, _toml_evidence(p.repo, pyproject, "build-system"))
        return
    setup = next((p.path(f) for f in ("setup.py", "setup.cfg") if p.repo.is_file(p.path(f))
                  and _is_manifest(p.repo, p.path(f))), None)
    app.set("installable", setup is not None, Evidence(setup) if setup else None)


def _is_poetry_package(p: _Project) -> bool:
    """Poetry installs the project when it declares packages or a module named after it exists."""
    poetry = _table(p.pyproject, "tool", "poetry")
    name = poetry.get("name")
    if poetry.get("packages"):
        return True
    return isinstance(name, str) and _module_file(p, re.sub(r"[-_.]+", "_", name).lower()) is not None


def _framework(p: _Project, app: AppCandidate) -> None:
    found = _django(p, app) or _web_app(p)
    if found:
        name, p.target, evidence = found
        app.set("framework", name, evidence)
    framework = FRAMEWORKS.get(str(app.value("framework") or ""))
    server = next(((name, found) for name in (framework.servers if framework else SERVER_ORDER)
                   for found in [_installed(p, name)] if found), None)
    if server:
        app.set("server", server[0], server[1])
    elif app.value("framework") == "fastapi" and "fastapi" in p.deps and FASTAPI_WITH_SERVER.search(p.deps["fastapi"].text):
        app.set("server", "uvicorn", p.deps["fastapi"])  # fastapi[standard] installs uvicorn (and `fastapi run`)


def _django(p: _Project, app: AppCandidate) -> Optional[Tuple[str, str, Evidence]]:
    """manage.py plus WSGI_APPLICATION in its settings (or a django dependency)."""
    manage = p.path("manage.py")
    if not p.repo.is_file(manage):
        return None
    literal = p.repo.find_line(manage, DJANGO_SETTINGS)
    settings = (literal[0].group(1), literal[1], "") if literal else _settings_in_code(p, manage)
    module = settings[0] if settings else ""
    wsgi = _wsgi_application(p, module)
    if wsgi:
        found = ("django", ":".join(wsgi[0].rsplit(".", 1)), wsgi[1])
    elif "django" in p.deps:
        found = ("django", f"{module.split('.')[0]}.wsgi:application" if module else _wsgi_module(p), p.deps["django"])
    else:
        return None
    if settings:
        app.set("django_settings", module, settings[1], settings[2])
    return found


def _wsgi_module(p: _Project) -> str:
    """The WSGI module `startproject` writes (`<project>/wsgi.py` calling get_wsgi_application), when no
    settings module says which: "<project>.wsgi:application", "" when there is none or several."""
    found = [p.local(rel) for rel in p.files if p.local(rel).count("/") == 1 and rel.endswith("/wsgi.py")
             and p.repo.find_line(rel, WSGI_MODULE)]
    return f"{found[0].split('/')[0]}.wsgi:application" if len(found) == 1 else ""


def _settings_in_code(p: _Project, manage: str) -> Optional[Tuple[str, Evidence, str]]:
    """A settings module chosen in code (`"x.production" if ... else "x.settings"`): among the dotted
    names manage.py quotes that are modules of the project, the one named `settings`, else the first."""
    found: List[Tuple[str, Evidence]] = []
    for number, line in enumerate(p.repo.lines(manage), start=1):
        for name in DOTTED_STRING.findall(line):
            if _module_file(p, name) and name not in [module for module, _ in found]:
                found.append((name, Evidence(manage, number, excerpt(line))))
    if not found:
        return None
    module, evidence = next(((m, e) for m, e in found if m.rsplit(".", 1)[-1] == "settings"), found[0])
    others = [m for m, _ in found if m != module]
    weak = f"chosen in code; the others it may choose: {', '.join(others)}" if others else "set in code, not literally"
    return module, evidence, weak


def _wsgi_application(p: _Project, settings_module: str) -> Optional[Tuple[str, Evidence]]:
    """WSGI_APPLICATION from the settings module, or from a sibling (settings/base.py)."""
    settings = _module_file(p, settings_module) if settings_module else None
    if settings is None:
        return None
    siblings = [f for f in p.files if parent_dir(f) == parent_dir(settings) and f.endswith(".py") and f != settings]
    for rel in [settings, *siblings]:
        hit = p.repo.find_line(rel, WSGI_APPLICATION)
        if hit:
            return hit[0].group(1), hit[1]
    return None


def _web_app(p: _Project) -> Optional[Tuple[str, str, Evidence]]:
    """A FastAPI/Flask dependency (or an extension of one) and the application object (apps.py)."""
    frameworks = [name for name in apps.APP_CLASSES if name in p.deps or any(d.startswith(f"{name}-") for d in p.deps)]
    if not frameworks:
        return None
    sources = sorted(
        (f for f in p.files if f.endswith(".py")),
        key=lambda f: (p.local(f).count("/"), _rank(posixpath.basename(f), APP_MODULES), f),
    )
    modules = ((rel, _module_name(p.local(rel)), p.repo.read_text(rel) or "") for rel in sources[:MAX_SOURCES])
    found = apps.find(modules, frameworks)
    if found is None:
        return None
    lines = p.repo.lines(found.file)
    text = lines[found.line - 1] if 0 < found.line <= len(lines) else ""
    p.factory_parameters = found.parameters
    return found.framework, found.target, Evidence(found.file, found.line, excerpt(text))


# -- start command and port ---------------------------------------------------------


def _start(p: _Project, app: AppCandidate) -> None:
    """The first rule that knows how the app starts also says which port it listens on."""
    for rule in (_procfile, _uwsgi_config, _conventional, _scripts, _main_package, _script_file):
        found = rule(p, app)
        if found:
            argv, evidence, port = found
            development = servers.development(argv)
            if development:
                p.repo.warn(evidence.file if evidence else p.root, f"{shlex.join(argv)}: {development}, not what "
                            "an image runs; looking for a production server")
                continue
            argv, dropped = servers.without_development(argv)
            if dropped:
                p.repo.warn(evidence.file if evidence else p.root, dropped)
            if port:
                argv, changed = servers.listen_on(argv, port[0])
                if changed and evidence:
                    p.repo.warn(evidence.file, f"{changed}: it listens on every interface at the EXPOSEd port")
            app.set("start_command", argv, evidence)
            if port:
                app.set("port", port[0], port[1])
            _check_installed(p, app, argv, evidence)
            return
    _no_start(p, app)


def unserved(project: Path, root: str, argv: List[str]) -> str:
    """The server `argv` runs when no dependency of the project at `root` installs it ("" : one does, or
    it is no server we know)."""
    return _unserved(_load(Repo(project), root, [root]), argv)


def _unserved(p: _Project, argv: List[str]) -> str:
    distributions = servers.installed_by(argv)
    found = servers.program(argv)
    if not found or not distributions or any(name in p.deps for name in distributions):
        return ""
    return (f"runs {found.name}, which no dependency installs: add {distributions[0]} to the project's "
            "dependencies, or the image cannot start")


def _check_installed(p: _Project, app: AppCandidate, argv: List[str], evidence: Optional[Evidence]) -> None:
    """A server the start command runs that no dependency installs: the image would not find it."""
    said = _unserved(p, argv)
    found = servers.program(argv)
    if said and found and app.value("server") != found.name:
        p.repo.warn(evidence.file if evidence else p.root, said)


def _installed(p: _Project, server: str) -> Optional[Evidence]:
    """Where a dependency installing `server` is declared (None: none does)."""
    return next((p.deps[name] for name in servers.SERVERS[server].distributions if name in p.deps), None)


def _no_start(p: _Project, app: AppCandidate) -> None:
    """Nothing says how the app starts: a warning naming what was found, the server to add and the --cmd."""
    where = p.path("pyproject.toml") if p.repo.is_file(p.path("pyproject.toml")) else (p.requirements or p.root)
    name = app.value("framework") or next((name for name in apps.APP_CLASSES if name in p.deps), None)
    framework = FRAMEWORKS.get(str(name or ""))
    if framework is None:
        return
    installed = next((server for server in framework.servers if _installed(p, server)), None)
    server = installed or framework.servers[0]
    target = p.target or "MODULE:APP"
    command = servers.serve(server, target, framework.default_port) or \
        servers.serve(server, "MODULE:FACTORY()", framework.default_port) or []
    cmd = f"pass --cmd '{shlex.join(command)}'"
    if not p.target:
        p.repo.warn(where, f"no {name} app object found (top level or factory); {cmd}")
    elif installed:
        p.repo.warn(where, f"{p.target}: {server} cannot serve it as it is; {cmd}")
    else:
        distribution = servers.SERVERS[server].distributions[0]
        p.repo.warn(where, f"no production server for {name} (add {distribution}); {cmd}")


def _procfile(p: _Project, app: AppCandidate) -> Optional[Start]:
    """The Procfile's web: process: steps chained before the server become release steps, and
    `$PORT` the port it will get (procfile.py); a line that needs a shell is kept as written, so
    that validation refuses it with the flag that fixes it."""
    rel = p.path("Procfile")
    hit = p.repo.find_line(rel, PROCFILE_WEB)
    if not hit:
        return None
    line, evidence = hit[0].group(1), hit[1]
    if len(line) > MAX_COMMAND:
        p.repo.warn(rel, f"web: command cannot be split (longer than {MAX_COMMAND} characters), ignored")
        return None
    web = procfile.decompose(line)
    if isinstance(web, str):
        try:
            argv = shellwords.split(line)
        except ValueError as error:
            p.repo.warn(rel, f"web: command cannot be split ({error}), ignored")
            return None
        if argv:
            p.repo.warn(rel, f"web: needs a shell ({web}); pass the server with --cmd, steps before it with --release")
        return (argv, evidence, None) if argv else None
    argv = web.command
    if argv and shell_script(p.repo, posixpath.dirname(rel) or ".", argv[0]):
        return None  # a script of the repository: the image has no shell; what it ends with is a statement
    explicit = servers.stated_port(argv) or _argv_port(argv)
    port: Optional[Port]
    if explicit:
        port = (explicit, evidence)
    elif procfile.uses_port(argv):
        conventional = _conventional_port(app, argv)
        port = (web.port_default or (conventional[0] if conventional else DEFAULT_PORT), evidence)
    else:
        port = _port(p, app, argv, _launched_file(p, argv))
    if port:
        argv = procfile.with_port(argv, port[0])
    release = [procfile.with_port(step, port[0]) if port else step for step in web.release]
    if release:
        p.repo.warn(rel, f"web: the {len(release)} command(s) before the server become release steps, run once "
                    "before the app starts")
    declared = _procfile_release(p, rel)
    if declared or release:
        app.set("release", [*(declared[0] if declared else []), *release], declared[1] if declared else evidence)
    return argv, evidence, port


def _procfile_release(p: _Project, rel: str) -> Optional[Tuple[List[List[str]], Evidence]]:
    """The Procfile's release: process (Heroku runs it before each new release), as release steps."""
    hit = p.repo.find_line(rel, PROCFILE_RELEASE)
    if not hit or len(hit[0].group(1)) > MAX_COMMAND:
        return None
    steps = procfile.decompose(hit[0].group(1))
    if isinstance(steps, str):
        p.repo.warn(rel, f"release: needs a shell ({steps}), ignored; pass the steps with --release")
        return None
    return [*steps.release, steps.command], hit[1]


def _conventional(p: _Project, app: AppCandidate) -> Optional[Start]:
    """How the framework is served in production: the first of its servers a dependency installs that can serve
    the application object (frameworks.py); never its development server."""
    framework = FRAMEWORKS.get(str(app.value("framework") or ""))
    if framework is None or not p.target:
        return None
    for server in framework.servers:
        if servers.SERVERS[server].passes_argv and p.target.endswith("()") and not p.factory_parameters:
            continue  # it would call the factory with an argument the factory does not take
        if _installed(p, server) or app.value("server") == server:
            port = _port(p, app, [server], None)
            argv = servers.serve(server, p.target, port[0] if port else DEFAULT_PORT)
            if argv:
                return argv, app.facts["framework"].evidence, port
    return None


def _uwsgi_config(p: _Project, app: AppCandidate) -> Optional[Start]:
    """A uWSGI ini file the project keeps, when a dependency installs uWSGI (uwsgi.py reads it)."""
    if not _installed(p, "uwsgi"):
        return None
    for rel in sorted(f for f in p.files if f.endswith(".ini") and p.local(f).count("/") <= 1):
        config = uwsgi.read(p.repo.lines(rel))
        if config is None:
            continue
        where = Evidence(rel, config.line, excerpt(p.repo.lines(rel)[config.line - 1])) if config.line else Evidence(rel)
        binding = config.http
        if binding and not config.unportable and servers.wildcard(binding[0]):
            return ["uwsgi", "--ini", p.local(rel)], where, (binding[1], where)
        target = config.target or p.target
        if not target:
            continue
        port = (binding[1], where) if binding else _port(p, app, ["uwsgi"], None)
        argv = servers.serve("uwsgi", target, port[0] if port else DEFAULT_PORT)
        if argv:
            p.repo.warn(rel, f"{uwsgi.why_not(config)}: the image runs uWSGI with its module and "
                        "--http-socket on every interface instead")
            return argv, where, port
    return None


def _scripts(p: _Project, app: AppCandidate) -> Optional[Start]:
    """The console script that starts a server (else the first), with the subcommand of it that serves; it
    exists only once the project is installed."""
    if not app.value("installable"):
        return None
    declared = _console_scripts(p)
    if not declared:
        return None
    def serves(rel: str) -> bool:
        return listeners.listener(p.repo.read_text(rel) or "") is not None

    packages = [(script, _package_files(p, _module_file(p, script.module))) for script in declared]
    # its own module starting a server says more than a sibling module of its package doing so
    served = [pair for pair in packages if pair[1] and serves(pair[1][0])] or \
        [pair for pair in packages if any(serves(rel) for rel in pair[1])]
    script, files = served[0] if served else (declared[0], [])
    argv = [script.name]
    subcommand = scripts.serving_subcommand([(rel, p.repo.read_text(rel) or "") for rel in files])
    if subcommand:
        argv.append(subcommand[0])
    return _program(p, app, argv, script.evidence, _module_file(p, script.module))


def _console_scripts(p: _Project) -> List[scripts.Script]:
    """What pyproject.toml, setup.cfg and setup.py declare, in that order."""
    pyproject = p.path("pyproject.toml")
    found = [script for keys in SCRIPT_TABLES for name, target in _table(p.pyproject, *keys).items()
             for script in scripts.from_table({name: target}, _toml_evidence(p.repo, pyproject, ".".join(keys),
                                                                             _key(name)))]
    if p.repo.is_file(p.path("setup.cfg")):
        found += scripts.from_setup_cfg(p.path("setup.cfg"), p.repo.lines(p.path("setup.cfg")))
    if p.repo.is_file(p.path("setup.py")):
        found += scripts.from_setup_py(p.path("setup.py"), p.repo.read_text(p.path("setup.py")) or "")
    return found


def _main_package(p: _Project, app: AppCandidate) -> Optional[Start]:
    """A package with __main__.py at the root or under src/ runs with python -m."""
    for rel in p.files:
        parts = p.local(rel).split("/")
        if parts[-1] == "__main__.py" and (len(parts) == 2 or (len(parts) == 3 and parts[0] == "src")):
            return _program(p, app, ["python", "-m", parts[-2]], Evidence(rel), rel)
    return None


def _script_file(p: _Project, app: AppCandidate) -> Optional[Start]:
    for name in ("app.py", "main.py"):
        rel = p.path(name)
        if p.repo.is_file(rel):
            return _program(p, app, ["python", name], p.repo.evidence_for(rel, "__main__"), rel)
    return None


def _program(p: _Project, app: AppCandidate, argv: List[str], evidence: Evidence,
             code: Optional[str]) -> Optional[Start]:
    """A program of the project's own: a server when its package starts one (listeners.py), its port
    from the call or a --port option; else a command-line program (kind cli: no port, no probe)."""
    files = _package_files(p, code)
    texts = [(rel, p.repo.read_text(rel) or "") for rel in files]
    started = [(rel, text, line) for rel, text in texts for line in [listeners.listener(text)] if line]
    framework = str(app.value("framework") or "")
    for rel, text, line in started:
        reason = frameworks.development_call(framework, text.split("\n")[line - 1])
        if reason:
            p.repo.warn(f"{rel}:{line}", f"starts {reason}, not what an image runs")
            return None
    if not started:
        if app.value("framework"):
            return None  # a web app's module run as a script serves nothing: no start command (_no_start)
        app.set("kind", CLI, evidence)
        return argv, evidence, None
    port = _code_port(p, argv, code)
    for rel, text in texts:
        option = (listeners.port_option(text) or listeners.settings_port(text)) if port is None else None
        if option:
            port = option[0], _line_evidence(p, rel, option[1])
    port = port or _port(p, app, argv, None)
    for rel, text in texts:
        loopback = listeners.loopback_option(text)
        if loopback:
            fixed = shlex.join([*argv, "--host", "0.0.0.0", "--port", str(port[0] if port else DEFAULT_PORT)])
            p.repo.warn(f"{rel}:{loopback[1]}", f"--host defaults to {loopback[0]}, unreachable in a container; "
                        f"pass --cmd '{fixed}'")
            break
    return argv, evidence, port


def _package_files(p: _Project, code: Optional[str]) -> List[str]:
    """The module a program runs, then the other modules of its top-level package (bounded)."""
    if code is None:
        return []
    parts = p.local(code).split("/")
    depth = 2 if parts[0] == "src" and len(parts) > 2 else 1
    if len(parts) <= depth:
        return [code]
    package = p.path("/".join(parts[:depth])) + "/"
    others = sorted(f for f in p.files if f.startswith(package) and f.endswith(".py") and f != code)
    return [code, *others[: MAX_SOURCES - 1]]


def _line_evidence(p: _Project, rel: str, line: int) -> Evidence:
    lines = p.repo.lines(rel)
    return Evidence(rel, line, excerpt(lines[line - 1]) if 0 < line <= len(lines) else "")


def _port(p: _Project, app: AppCandidate, argv: List[str], code: Optional[str]) -> Optional[Port]:
    """The port the server's configuration or the run module fixes, else the convention of the
    framework, of the server, or of the server program `argv` runs."""
    return _code_port(p, argv, code) or _conventional_port(app, argv)


def _code_port(p: _Project, argv: List[str], code: Optional[str]) -> Optional[Port]:
    """The port gunicorn's configuration or a call in the run module fixes."""
    sources = [(_gunicorn_config(p, argv), pattern) for pattern in GUNICORN_BINDS] if _is_gunicorn(argv) else []
    sources += [(code, pattern) for pattern in CODE_PORTS] if code else []
    for rel, pattern in sources:
        hit = p.repo.find_line(rel, pattern)
        number = _port_number(hit[0].group(1).rsplit(":", 1)[-1]) if hit else None
        if hit and number:
            return number, hit[1]
    return None


def _conventional_port(app: AppCandidate, argv: List[str]) -> Optional[Port]:
    """The framework's port, else the chosen server's default, else the default of the server `argv` runs."""
    framework, server = app.facts.get("framework"), app.facts.get("server")
    if framework and isinstance(framework.value, str) and framework.value in FRAMEWORKS:
        return FRAMEWORKS[framework.value].default_port, framework.evidence
    if server and isinstance(server.value, str) and server.value in servers.SERVERS:
        return servers.SERVERS[server.value].default_port, server.evidence
    default = servers.default_port(argv)
    return (default, None) if default else None


def _is_gunicorn(argv: List[str]) -> bool:
    found = servers.program(argv)
    return found is not None and found.name == "gunicorn"


def _gunicorn_config(p: _Project, argv: List[str]) -> str:
    """The configuration file gunicorn reads: -c/--config FILE, else gunicorn.conf.py in /app."""
    for _, _, given in servers.option_values(argv, 0, ("-c", "--config")):
        value = (given or "").removeprefix("python:")
        if value.endswith(".py") and not value.startswith("/") and ".." not in value.split("/"):
            return p.path(posixpath.normpath(value))
    return p.path("gunicorn.conf.py")


def _argv_port(argv: List[str]) -> Optional[int]:
    """A literal port after --port/-p/--bind/-b/runserver ("N", "host:N" or "--bind=host:N")."""
    for index, arg in enumerate(argv):
        option, _, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if option in PORT_OPTIONS:
            value = value or (argv[index + 1] if index + 1 < len(argv) else "")
            number = _port_number(value.rsplit(":", 1)[-1])
            if number:
                return number
    return None


def _launched_file(p: _Project, argv: List[str]) -> Optional[str]:
    """The file `python x.py` or `python -m pkg` runs, when it is in the project."""
    if len(argv) < 2 or not re.fullmatch(r"python[0-9.]*", posixpath.basename(argv[0])):
        return None
    if argv[1] == "-m" and len(argv) > 2:
        return _module_file(p, f"{argv[2]}.__main__") or _module_file(p, argv[2])
    return p.path(argv[1]) if argv[1].endswith(".py") and p.repo.is_file(p.path(argv[1])) else None


def _port_number(text: str) -> Optional[int]:
    number = int(text) if re.fullmatch(r"[0-9]{1,5}", text) else 0
    return number if 1 <= number <= 65535 else None


# -- helpers ---------------------------------------------------------------------------


def _get(data: Any, *keys: str) -> Any:
    """data[k1][k2]..., or None where a level is missing or not a table."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _table(data: Any, *keys: str) -> Dict[str, Any]:
    value = _get(data, *keys)
    return value if isinstance(value, dict) else {}


def _key(name: str) -> "re.Pattern[str]":
    return re.compile(rf"""^\s*["']?{re.escape(name)}["']?\s*=""")


def _toml_evidence(repo: Repo, rel: str, table: str, pattern: Optional["re.Pattern[str]"] = None) -> Evidence:
    """The line of `rel` inside [table] matching `pattern` (the header itself without one)."""
    current = ""
    for number, line in enumerate(repo.lines(rel), start=1):
        header = TOML_HEADER.match(line)
        if header:
            current = re.sub(r"[\s\"']", "", header.group(1))
            if pattern is None and current == table:
                return Evidence(rel, number, excerpt(line))
        elif pattern is not None and current == table and pattern.search(line):
            return Evidence(rel, number, excerpt(line))
    return Evidence(rel)


def _module_file(p: _Project, module: str) -> Optional[str]:
    """The file defining a dotted module, at the project root or under src/."""
    path = module.replace(".", "/")
    for base in ("", "src/"):
        for candidate in (f"{base}{path}.py", f"{base}{path}/__init__.py"):
            if p.repo.is_file(p.path(candidate)):
                return p.path(candidate)
    return None


def _module_name(local: str) -> str:
    """src/pkg/web.py → pkg.web; pkg/__init__.py → pkg."""
    parts = local[: -len(".py")].split("/")
    if parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _rank(name: str, preferred: Tuple[str, ...]) -> int:
    return preferred.index(name) if name in preferred else len(preferred)


def _ignored(directory: str) -> bool:
    return any(part in IGNORED_DIRS for part in directory.split("/"))


def _depth(directory: str) -> int:
    return 0 if directory == "." else directory.count("/") + 1


def _below(rel: str, directory: str) -> bool:
    """True when `rel` lies strictly inside `directory` ("." holds everything)."""
    return directory == "." or rel.startswith(directory + "/")
