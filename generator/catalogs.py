"""Template catalogs: where they are registered, how they are fetched, what they hold.

A catalog is a directory or a git repository with `scaffold-catalog.toml` at its root
(schema in docs/catalogs.md). Catalogs are registered in the user's config
(`$XDG_CONFIG_HOME/scaffold/config.toml`), in the project (`.scaffold/config.toml` or
`[tool.scaffold]` in pyproject.toml) and by `SCAFFOLD_CATALOGS` (`name=url#ref,...`);
the built-in templates are the catalog `builtin`.

Git catalogs are cloned with the `git` CLI into `$XDG_CACHE_HOME/scaffold/catalogs/<name>`
(`--no-checkout`, then a checkout of the pinned ref with hooks disabled) and fetched again
on each use; when the URL cannot be reached the cached copy is used, saying so.

A catalog template is rendered from a temporary copier template assembled from a copy of
the built-in templates plus the catalog template's files under `_catalog/`, so that
`{% extends "python/Dockerfile.jinja" %}` resolves against the built-ins; the built-in
companion files (compose.yaml, k8s/, the CI pipeline) join them unless it has its own. copier's unsafe
features (tasks, migrations, Jinja extensions) are refused unless the person trusts the
catalog (`scaffold catalog add --trust`, user config only).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from generator import fs
from generator.errors import CatalogError, InputError, TrustError
from generator.languages import by_name, names
from generator.templates import BUILTIN_CATALOG, TemplateSource, builtin_source, builtin_templates, template_version

CATALOG_FILE = "scaffold-catalog.toml"
#: the built-in templates' directory of project files (copier.yml `_subdirectory`)
BUILTIN_PROJECT = "project"
#: the files of it that a catalog template owns: only those it has are generated
OWN_FILES = ("Dockerfile.jinja", ".dockerignore.jinja")
TEMPLATE_SUFFIX = ".jinja"
CATALOGS_ENV = "SCAFFOLD_CATALOGS"
TRUSTED_ENV = "SCAFFOLD_TRUSTED"
REGISTRY_ENV = "SCAFFOLD_BASE_REGISTRY"
PROJECT_CONFIG = ".scaffold/config.toml"
BUILTIN = BUILTIN_CATALOG
#: where a catalog was registered: by the person (user config, environment) or by the repository
USER, ENVIRONMENT, PROJECT = "user", "environment", "project"
#: catalog names and template ids
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
#: a git ref as registered: a tag, branch or commit, never an option
_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}")
#: copier.yml keys that run code, and how they are called in messages
UNSAFE_KEYS = (("_tasks", "tasks"), ("_migrations", "migrations"), ("_jinja_extensions", "Jinja extensions"))
TEMPLATE_KEYS = {"id": str, "description": str, "languages": list, "language": str, "path": str,
                 "replaces": str, "version": str, "git": str}
#: a config or catalog file is small: a bigger one is refused, not parsed
MAX_CONFIG_BYTES = 256 << 10
#: what a catalog template may hold at most (files, bytes), copied for every render
MAX_TEMPLATE_FILES, MAX_TEMPLATE_BYTES = 2000, 32 << 20


# -- config ------------------------------------------------------------------------------


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "scaffold"


def user_config_path() -> Path:
    return config_home() / "config.toml"


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scaffold" / "catalogs"


def parse_toml(text: str, where: str, error: type = InputError) -> Dict[str, Any]:
    """TOML text as a dict; one-line `error` naming `where` and the line when malformed."""
    from generator._toml import loads

    try:
        return loads(text)
    except ValueError as failure:  # TOMLDecodeError
        raise error(f"{where}: not valid TOML: {str(failure).splitlines()[0]}") from None
    except RecursionError:
        raise error(f"{where}: not valid TOML: nested too deeply") from None


def load_toml(root: Path, rel: str, error: type = InputError) -> Optional[Dict[str, Any]]:
    """The TOML file `rel` below `root` (read through generator.fs: no links, bounded), None when absent."""
    if not root.is_dir():
        return None
    text = fs.read_text(root, rel, limit=MAX_CONFIG_BYTES, error=error)
    return None if text is None else parse_toml(text, str(root / rel), error)


@dataclass
class CatalogEntry:
    """A registered catalog: where it is, which version (ref) is pinned, and who registered it."""

    name: str
    url: str
    ref: str = ""
    #: the file or variable it was registered in, for messages
    source: str = ""
    #: USER, ENVIRONMENT or PROJECT: only what the person registered can be trusted
    scope: str = USER

    @property
    def is_git(self) -> bool:
        path = Path(self.url)
        if "://" not in self.url and path.is_dir():
            return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())
        return True


@dataclass
class Config:
    """The merged settings: catalogs by precedence (env, project, pyproject, user) and the mirror.

    Trust binds to what the person registered: a catalog is trusted only when it was
    registered in the user config or the environment AND its URL is in the user
    config's `trusted` list or its name in SCAFFOLD_TRUSTED. A catalog the repository
    registers is used only when the person has allowed its URL (registered it
    themselves, or listed it in the user config's `allowed`), and is never trusted.
    """

    catalogs: Dict[str, CatalogEntry] = field(default_factory=dict)
    base_registry: str = ""
    base_registry_origin: str = ""
    trusted_urls: List[str] = field(default_factory=list)
    trusted_names: List[str] = field(default_factory=list)
    #: URLs the person allows a repository to register (user config `allowed`, or registered by them)
    allowed_urls: List[str] = field(default_factory=list)
    #: catalogs the repository registers that the person has not allowed: not used
    refused: Dict[str, CatalogEntry] = field(default_factory=dict)
    #: things to tell the person (an unreachable catalog, an unused one); printed by the CLI
    notices: List[str] = field(default_factory=list)

    def trusted(self, entry: CatalogEntry) -> bool:
        if entry.scope == PROJECT:
            return False
        return entry.name in self.trusted_names or entry.url in self.trusted_urls


def _is_remote(url: str) -> bool:
    return "://" in url or bool(re.match(r"^[^/\\]+@[^/\\]+:", url))


def _check_url(url: Any, where: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise InputError(f"{where}: must be a non-empty string (a git URL or a directory)")
    if url.startswith("-") or any(ord(c) < 32 or ord(c) == 127 for c in url) or url.lower().startswith("ext::"):
        raise InputError(f"{where}: {url!r} is not a URL or path")
    return url.strip()


def _check_ref(ref: Any, where: str) -> str:
    if not isinstance(ref, str) or not _REF.fullmatch(ref) or ".." in ref:
        raise InputError(f"{where}: {ref!r} is not a tag, branch or commit")
    return ref


def check_name(name: str, where: str = "catalog name") -> str:
    if not _NAME.fullmatch(name or ""):
        raise InputError(f"{where}: {name!r} must be lowercase letters, digits, - and _ (starting with a letter or digit)")
    return name


def _url_list(data: Mapping[str, Any], key: str, origin: str) -> List[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(url, str) for url in value):
        raise InputError(f"{origin}: {key} must be a list of catalog URLs")
    return value


def _settings(data: Mapping[str, Any], origin: str, base: Optional[Path], config: Config, scope: str) -> None:
    """Merge one config source into `config` (sources are applied lowest precedence first)."""
    from generator.images import check_registry

    user = scope == USER
    known = ("catalogs", "base_registry") + (("trusted", "allowed") if user else ())
    for key in data:
        if key not in known:
            if key in ("trusted", "allowed"):
                raise InputError(f"{origin}: {key} is honoured only in the user config ({user_config_path()}); "
                                 "a project cannot trust or allow a catalog for you")
            raise InputError(f"{origin}: unknown key {key!r} (expected {', '.join(known)})")
    if "base_registry" in data:
        value = data["base_registry"]
        if not isinstance(value, str):
            raise InputError(f"{origin}: base_registry must be a string")
        try:
            config.base_registry = check_registry(value, f"{origin}: base_registry") if value else ""
        except ValueError as error:
            raise InputError(str(error)) from None
        config.base_registry_origin = origin
    config.trusted_urls.extend(_url_list(data, "trusted", origin))
    config.allowed_urls.extend(_url_list(data, "allowed", origin))
    catalogs = data.get("catalogs", {})
    if not isinstance(catalogs, dict):
        raise InputError(f"{origin}: catalogs must be a table ([catalogs.NAME] with url and ref)")
    for name, entry in catalogs.items():
        where = f"{origin}: catalogs.{name}"
        check_name(name, where)
        if name == BUILTIN:
            raise InputError(f"{where}: the name builtin is reserved for the built-in templates")
        if not isinstance(entry, dict):
            raise InputError(f"{where}: must be a table with url (and ref)")
        for key in entry:
            if key not in ("url", "ref"):
                raise InputError(f"{where}.{key}: unknown key (expected url, ref)")
        url = _check_url(entry.get("url"), f"{where}.url")
        if base is not None and not _is_remote(url) and not Path(url).is_absolute():
            url = str((base / url).resolve())
        ref = _check_ref(entry["ref"], f"{where}.ref") if entry.get("ref") else ""
        config.catalogs.pop(name, None)
        config.catalogs[name] = CatalogEntry(name, url, ref, origin, scope)


def registry_override(pairs: Sequence[str]) -> Tuple[Optional[str], List[str]]:
    """`scaffold upgrade --set base_registry=...` among the `--set` pairs: the registry mirror it sets
    (checked; "" for none, None when not given) and the other pairs, for the answers."""
    from generator.images import check_registry

    registry: Optional[str] = None
    others: List[str] = []
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key.strip() != "base_registry":
            others.append(pair)
            continue
        try:
            registry = check_registry(value, "--set base_registry") if value.strip() else ""
        except ValueError as error:
            raise InputError(str(error)) from None
    return registry, others


def parse_env_catalogs(value: str) -> Dict[str, Any]:
    """`SCAFFOLD_CATALOGS=name=url#ref,name2=url2`: the same shape as a config's catalogs table."""
    catalogs: Dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, sep, rest = item.partition("=")
        if not sep:
            raise InputError(f"{CATALOGS_ENV}: {item!r} is not name=url (or name=url#ref)")
        url, _, ref = rest.partition("#")
        catalogs[name.strip()] = {"url": url.strip(), **({"ref": ref.strip()} if ref.strip() else {})}
    return catalogs


def load_config(project: Optional[Path] = None) -> Config:
    """User config, then pyproject `[tool.scaffold]`, then `.scaffold/config.toml`, then the environment.

    The project's files are untrusted: read through generator.fs, their catalogs kept
    only when the person allowed the URL (see `Config`), `trusted`/`allowed` refused.
    """
    config = Config()
    user = user_config_path()
    data = load_toml(user.parent, user.name)
    if data is not None:
        _settings(data, str(user), None, config, USER)
    if project is not None:
        try:
            pyproject = load_toml(project, "pyproject.toml")
        except InputError:
            pyproject = None  # detection reports a malformed pyproject.toml
        tool = pyproject.get("tool", {}).get("scaffold") if pyproject and isinstance(pyproject.get("tool"), dict) else None
        if tool is not None:
            if not isinstance(tool, dict):
                raise InputError(f"{project / 'pyproject.toml'}: tool.scaffold must be a table")
            _settings(tool, f"{project / 'pyproject.toml'} [tool.scaffold]", project.resolve(), config, PROJECT)
        local = load_toml(project, PROJECT_CONFIG)
        if local is not None:
            _settings(local, str(project / PROJECT_CONFIG), project.resolve(), config, PROJECT)
    if os.environ.get(CATALOGS_ENV):
        _settings({"catalogs": parse_env_catalogs(os.environ[CATALOGS_ENV])}, CATALOGS_ENV, Path.cwd(), config,
                  ENVIRONMENT)
    if os.environ.get(TRUSTED_ENV):
        config.trusted_names.extend(name.strip() for name in os.environ[TRUSTED_ENV].split(",") if name.strip())
    if os.environ.get(REGISTRY_ENV):
        _settings({"base_registry": os.environ[REGISTRY_ENV]}, REGISTRY_ENV, None, config, ENVIRONMENT)
    _apply_consent(config, user, project)
    # highest precedence first
    config.catalogs = dict(reversed(list(config.catalogs.items())))
    return config


def _apply_consent(config: Config, user_file: Path, project: Optional[Path]) -> None:
    """Set aside the repository's catalogs whose URL the person has not allowed.

    A name the repository registers over one of the person's own then falls back to
    the person's registration (re-read from the user config and the environment).
    """
    allowed = set(config.allowed_urls)
    allowed.update(entry.url for entry in config.catalogs.values() if entry.scope != PROJECT)
    for name, entry in list(config.catalogs.items()):
        if entry.scope == PROJECT and entry.url not in allowed:
            config.refused[name] = config.catalogs.pop(name)
    if not config.refused:
        return
    own = Config()
    data = load_toml(user_file.parent, user_file.name)
    if data is not None:
        _settings(data, str(user_file), None, own, USER)
    if os.environ.get(CATALOGS_ENV):
        _settings({"catalogs": parse_env_catalogs(os.environ[CATALOGS_ENV])}, CATALOGS_ENV, Path.cwd(), own,
                  ENVIRONMENT)
    for name, entry in config.refused.items():
        if name in own.catalogs and name not in config.catalogs:
            config.catalogs[name] = own.catalogs[name]
        config.notices.append(
            f"catalog {name} ({entry.url}) is registered by this repository ({entry.source}) and is not used: "
            f"catalogs a repository registers need your consent; if you want it, run "
            f"`scaffold catalog add {name} {entry.url}`")


def dump_toml(data: Mapping[str, Any]) -> str:
    """TOML text for a config mapping (tomli-w: the writer that pairs with tomllib)."""
    import tomli_w

    return tomli_w.dumps(data)


def register(root: Path, rel: str, name: str, url: str, ref: str, trust_url: str = "", allow_url: str = "") -> None:
    """Add or replace `[catalogs.NAME]` in the config file `rel` below `root` (the
    project, or the user config directory).

    `trust_url` is added to the user config's `trusted` list, `allow_url` to its
    `allowed` list (a project registration the person made themselves); both are the
    URL as it resolves (a relative directory made absolute).
    """
    data = load_toml(root, rel) or {}
    catalogs = data.setdefault("catalogs", {})
    if not isinstance(catalogs, dict):
        raise InputError(f"{root / rel}: catalogs must be a table")
    catalogs[name] = {"url": url, **({"ref": ref} if ref else {})}
    fs.write_files(root, {rel: dump_toml(data)})
    for key, wanted in (("trusted", trust_url), ("allowed", allow_url)):
        if not wanted:
            continue
        home = user_config_dir()
        settings = load_toml(home, "config.toml") or {}
        listed = settings.setdefault(key, [])
        if not isinstance(listed, list):
            raise InputError(f"{home / 'config.toml'}: {key} must be a list of catalog URLs")
        if wanted not in listed:
            listed.append(wanted)
            fs.write_files(home, {"config.toml": dump_toml(settings)})


def user_config_dir() -> Path:
    """The user config directory, created when missing (it is ours, not the repository's)."""
    home = config_home()
    home.mkdir(parents=True, exist_ok=True)
    return home


# -- the catalog file ----------------------------------------------------------------------


@dataclass
class TemplateSpec:
    id: str
    description: str
    languages: List[str]
    path: str
    replaces: str = ""
    version: str = ""
    #: the template's own git repository (then `version` pins it and `path` is inside it)
    git: str = ""


def parse_catalog(root: Path) -> Dict[str, TemplateSpec]:
    """The catalog's `scaffold-catalog.toml`: its templates by id; one-line error naming file, key and problem."""
    path = root / CATALOG_FILE
    data = load_toml(root, CATALOG_FILE, error=CatalogError)
    if data is None:
        raise CatalogError(f"{path}: not found; a catalog has a {CATALOG_FILE} at its root")
    for key in data:
        if key not in ("schema", "description", "templates"):
            raise CatalogError(f"{path}: {key}: unknown key (expected schema, description, templates)")
    if "schema" in data and data["schema"] != 1:
        raise CatalogError(f"{path}: schema: {data['schema']!r} is not a supported schema version (1)")
    if "description" in data and not isinstance(data["description"], str):
        raise CatalogError(f"{path}: description: must be a string")
    entries = data.get("templates")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise CatalogError(f"{path}: templates: missing or not an array of tables ([[templates]] with id, description, "
                         "languages, path)")
    templates: Dict[str, TemplateSpec] = {}
    for index, entry in enumerate(entries):
        label = f"templates[{index}]" + (f" (id {entry['id']!r})" if isinstance(entry.get("id"), str) else "")
        for key, value in entry.items():
            if key not in TEMPLATE_KEYS:
                raise CatalogError(f"{path}: {label}.{key}: unknown key (expected {', '.join(TEMPLATE_KEYS)})")
            if not isinstance(value, TEMPLATE_KEYS[key]):
                expected = "an array of strings" if TEMPLATE_KEYS[key] is list else "a string"
                raise CatalogError(f"{path}: {label}.{key}: must be {expected}, not {type(value).__name__}")
        if "languages" not in entry and "language" in entry:
            entry = {**entry, "languages": [entry["language"]]}
        if "git" in entry:  # a template in its own repository: pinned, its root by default
            entry = {"path": ".", **entry}
            url = _check_url(entry["git"], f"{path}: {label}.git")
            if not ("://" in url or url.startswith("/") or re.match(r"^[\w.-]+@[\w.-]+:", url)):
                raise CatalogError(f"{path}: {label}.git: {url!r} must be a URL or an absolute path")
            if not entry.get("version"):
                raise CatalogError(f"{path}: {label}.version: missing (a template in its own git repository is "
                                 "pinned by a tag or commit)")
            _check_ref(entry["version"], f"{path}: {label}.version")
        for key in ("id", "description", "languages", "path"):
            if key not in entry:
                raise CatalogError(f"{path}: {label}.{key}: missing (required: id, description, languages, path)")
        check_name(entry["id"], f"{path}: {label}.id")
        languages = entry["languages"]
        if not languages or not all(lang in names() for lang in languages):
            raise CatalogError(f"{path}: {label}.languages: {languages!r} must list some of {', '.join(names())}")
        replaces = entry.get("replaces", "")
        if replaces and replaces not in languages:
            raise CatalogError(f"{path}: {label}.replaces: {replaces!r} must be one of the template's languages {languages}")
        _relative(entry["path"], f"{path}: {label}.path")
        if entry["id"] in templates:
            raise CatalogError(f"{path}: {label}.id: {entry['id']!r} is listed twice")
        templates[entry["id"]] = TemplateSpec(entry["id"], entry["description"], list(languages), entry["path"],
                                              replaces, entry.get("version", ""), entry.get("git", ""))
    return templates


def _relative(value: str, where: str) -> None:
    """A path inside the catalog: relative, no `..`, no backslashes or control characters."""
    parts = value.replace("\\", "/").split("/")
    if (not value or value.startswith("/") or "\\" in value or re.match(r"^[A-Za-z]:", value) or ".." in parts
            or any(ord(c) < 32 for c in value)):
        raise CatalogError(f"{where}: {value!r} must be a relative path inside the catalog (no .., not absolute)")


def inside(root: Path, path: Path, where: str) -> Path:
    """`path` resolved (symlinks followed), refused unless it stays inside `root`."""
    resolved = path.resolve()
    try:
        resolved.relative_to(root.resolve())
    except ValueError:
        raise CatalogError(f"{where}: leads outside the catalog (symbolic link or ..); refused") from None
    return resolved


# -- fetching ------------------------------------------------------------------------------


def _git(*args: str, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """git without hooks, prompts or the `ext::` transport (which runs commands)."""
    git = shutil.which("git")
    if not git:
        raise CatalogError("git is not installed: it is needed to fetch git catalogs")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
           "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")}
    try:
        return subprocess.run([git, "-c", "core.hooksPath=/dev/null", "-c", "protocol.ext.allow=never", *args],
                              cwd=cwd, capture_output=True, text=True, env=env, timeout=300, check=False)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", "timed out after 300 s")


def _last_line(result: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in (result.stderr or "").splitlines() if line.strip()]
    return lines[-1] if lines else f"git exited {result.returncode}"


@dataclass
class Fetched:
    root: Path
    version: str
    commit: str = ""
    offline: bool = False


def fetch(entry: CatalogEntry, notices: List[str]) -> Fetched:
    """The catalog's files: a directory in place, or a git checkout of the pinned ref in the cache.

    The cache is ours (`$XDG_CACHE_HOME/scaffold/catalogs/<name>`); a cached clone of
    another URL is replaced, so a name never serves another repository's tags.
    """
    if not entry.is_git:
        return Fetched(Path(entry.url).resolve(), entry.ref or "local")
    cache = cache_root() / entry.name
    offline = False
    if (cache / ".git").is_dir():
        origin = _git("config", "--get", "remote.origin.url", cwd=cache).stdout.strip()
        if origin != entry.url:
            shutil.rmtree(cache)
    if not (cache / ".git").is_dir():
        if cache.exists() or cache.is_symlink():
            shutil.rmtree(cache) if cache.is_dir() and not cache.is_symlink() else cache.unlink()
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f".{entry.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        result = _git("clone", "--no-checkout", "--quiet", "--", entry.url, str(partial))
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise CatalogError(f"catalog {entry.name}: cannot fetch {entry.url} ({_last_line(result)}) and there is "
                               f"no cached copy in {cache}; check the URL and the network")
        partial.rename(cache)
    else:
        result = _git("fetch", "--quiet", "--force", "--tags", "--prune", "origin",
                      "+refs/heads/*:refs/remotes/origin/*", cwd=cache)
        if result.returncode != 0:
            offline = True
            notices.append(f"catalog {entry.name}: {entry.url} is unreachable ({_last_line(result)}); offline: using "
                           f"the cached copy in {cache}")
    commit = ""
    for candidate in ([f"refs/tags/{entry.ref}", f"refs/remotes/origin/{entry.ref}", entry.ref] if entry.ref
                      else ["refs/remotes/origin/HEAD", "HEAD"]):
        result = _git("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", cwd=cache)
        if result.returncode == 0:
            commit = result.stdout.strip()
            break
    if not commit:
        where = "the cached copy (offline)" if offline else entry.url
        raise CatalogError(f"catalog {entry.name}: no tag, branch or commit {entry.ref or 'HEAD'!r} in {where}")
    for args in (("-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", commit),
                 ("clean", "-ffdxq")):
        result = _git(*args, cwd=cache)
        if result.returncode != 0:
            raise CatalogError(f"catalog {entry.name}: cannot check out {commit[:12]} in {cache} ({_last_line(result)})")
    return Fetched(cache, entry.ref or commit[:12], commit, offline)


# -- resolution ----------------------------------------------------------------------------


@dataclass
class Resolved:
    """A template to render: built-in (directory None) or a catalog's."""

    catalog: str
    id: str
    description: str
    languages: List[str]
    version: str
    directory: Optional[Path] = None
    root: Optional[Path] = None
    replaces: str = ""
    trusted: bool = False
    entry: Optional[CatalogEntry] = None

    @property
    def name(self) -> str:
        return f"{self.catalog}/{self.id}"

    @property
    def builtin(self) -> bool:
        return self.directory is None


def split_spec(spec: str, where: str = "--template") -> Tuple[str, str]:
    catalog, sep, template = (spec or "").partition("/")
    if not sep:
        raise InputError(f"{where}: {spec!r} must be CATALOG/TEMPLATE (e.g. builtin/python or team/python)")
    return check_name(catalog, f"{where}: catalog"), check_name(template, f"{where}: template")


def builtin_resolved(language: str) -> Resolved:
    return Resolved(BUILTIN, language, by_name(language).description, [language],
                    template_version(builtin_templates()), replaces="", trusted=True)


def _not_registered(name: str, config: Config, context: str = "") -> CatalogError:
    refused = config.refused.get(name)
    if refused is not None:
        return TrustError(f"catalog {name}{context} is registered by this repository ({refused.source}) as "
                          f"{refused.url}, which you have not allowed; if you want it, run "
                          f"`scaffold catalog add {name} {refused.url}`")
    known = ", ".join([BUILTIN, *config.catalogs])
    return CatalogError(f"catalog {name}{context} is not registered (registered: {known}); register it with "
                        f"`scaffold catalog add {name} URL` (or {CATALOGS_ENV}={name}=URL)")


def catalog_templates(entry: CatalogEntry, config: Config) -> Tuple[Fetched, Dict[str, TemplateSpec]]:
    fetched = fetch(entry, config.notices)
    return fetched, parse_catalog(fetched.root)


def resolve(spec: str, config: Config, where: str = "--template", context: str = "") -> Resolved:
    """`CATALOG/TEMPLATE` to a template ready to render (fetched, paths checked)."""
    catalog, template = split_spec(spec, where)
    if catalog == BUILTIN:
        if template not in names():
            raise InputError(f"{where}: no template {spec!r}; the built-in ones are "
                             + ", ".join(f"{BUILTIN}/{lang}" for lang in names()))
        return builtin_resolved(template)
    entry = config.catalogs.get(catalog)
    if entry is None:
        raise _not_registered(catalog, config, context)
    fetched, templates = catalog_templates(entry, config)
    if template not in templates:
        raise CatalogError(f"{where}: catalog {catalog} has no template {template!r} (it has: {', '.join(templates)})")
    return _resolved(entry, fetched, templates[template], config)


def _resolved(entry: CatalogEntry, fetched: Fetched, spec: TemplateSpec, config: Config) -> Resolved:
    file = fetched.root / CATALOG_FILE
    if spec.git:
        # fetched like a catalog (cached, offline fallback, hooks off) at the version the catalog pins;
        # trusted as far as the catalog that lists it is
        fetched = fetch(CatalogEntry(f"{entry.name}--{spec.id}", spec.git, spec.version, entry.source, entry.scope),
                        config.notices)
    directory = fetched.root / spec.path
    if not directory.exists():
        raise CatalogError(f"{file}: template {spec.id!r}: path {spec.path!r} does not exist in the catalog")
    directory = inside(fetched.root, directory, f"{file}: template {spec.id!r}: path {spec.path!r}")
    if not directory.is_dir():
        raise CatalogError(f"{file}: template {spec.id!r}: path {spec.path!r} is not a directory")
    version = fetched.version if entry.is_git or spec.git else (spec.version or fetched.version)
    return Resolved(entry.name, spec.id, spec.description, spec.languages, version, directory, fetched.root,
                    spec.replaces, config.trusted(entry), entry)


@dataclass
class Addition:
    """A catalog checked for `scaffold catalog add`: fetched, every template's path inside it."""

    entry: CatalogEntry
    #: the URL as it is recorded (a directory: absolute in the user config, as typed in the project's)
    url: str
    #: the ref to record: the one given, else (git) the commit it was fetched at
    ref: str
    #: no ref was given and the current commit was pinned
    pinned: bool
    templates: Dict[str, TemplateSpec]
    notices: List[str]


def prepare_add(name: str, url: str, ref: Optional[str], project: Optional[Path] = None) -> Addition:
    """Check and fetch a catalog to register (in the user config, or in `project`'s with `project`)."""
    name = check_name(name)
    if name == BUILTIN:
        raise InputError("the name builtin is reserved for the built-in templates")
    url = _check_url(url, "URL")
    if not _is_remote(url) and Path(url).exists():
        url = str(Path(url).resolve()) if project is None else url
    ref = _check_ref(ref, "--ref") if ref else ""
    full = str((project / url).resolve()) if project and not _is_remote(url) and not Path(url).is_absolute() else url
    entry = CatalogEntry(name, full, ref, "command line")
    config = Config()
    fetched, templates = catalog_templates(entry, config)
    for spec in templates.values():
        _resolved(entry, fetched, spec, config)  # every path exists and stays inside
    pinned = entry.is_git and not ref
    return Addition(entry, url, fetched.commit if pinned else ref, pinned, templates, config.notices)


def replacement(language: str, config: Config) -> Optional[Resolved]:
    """The first usable catalog (by precedence) whose template declares `replaces = language`."""
    found: List[Resolved] = []
    for entry in config.catalogs.values():
        try:
            fetched, templates = catalog_templates(entry, config)
        except CatalogError as error:
            raise CatalogError(f"{error} (needed to see whether it replaces the built-in {language} template; "
                               f"--template {BUILTIN}/{language} skips it)") from None
        for spec in templates.values():
            if spec.replaces == language:
                found.append(_resolved(entry, fetched, spec, config))
    if len(found) > 1:
        config.notices.append(f"{', '.join(r.name for r in found)} all replace the built-in {language} template; "
                              f"using {found[0].name} (highest precedence; choose with --template)")
    return found[0] if found else None


# -- preparing a template to render -------------------------------------------------------


def _copy_tree(src: Path, dest: Path, root: Path, where: str) -> None:
    """Copy a catalog template's files, following only symlinks that stay inside the catalog (bounded)."""
    count = size = 0
    for current, dirs, files in os.walk(src):
        here = Path(current)
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in list(dirs):
            if (here / name).is_symlink():
                raise CatalogError(f"{where}: {(here / name).relative_to(root)} is a symbolic link to a directory; "
                                   "not supported in catalogs")
        target_dir = dest / here.relative_to(src)
        target_dir.mkdir(parents=True, exist_ok=True)
        for name in files:
            path = here / name
            real = inside(root, path, f"{where}: {path.relative_to(root)}")
            if real.is_file():
                count += 1
                size += real.stat().st_size
                if count > MAX_TEMPLATE_FILES or size > MAX_TEMPLATE_BYTES:
                    raise CatalogError(f"{where}: more than {MAX_TEMPLATE_FILES} files or {MAX_TEMPLATE_BYTES >> 20} "
                                       "MiB; not a template")
                shutil.copyfile(real, target_dir / name)


def _copier_yaml(path: Path, where: str) -> Dict[str, Any]:
    """A template's own copier.yml (bounded, safe YAML), {} when absent."""
    import yaml

    text = fs.read_text(path.parent, path.name, limit=MAX_CONFIG_BYTES, error=CatalogError)
    if text is None:
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CatalogError(f"{where}: {path.name} is not valid YAML ({str(error).splitlines()[0]})") from None
    except RecursionError:
        raise CatalogError(f"{where}: {path.name} is not valid YAML (nested too deeply)") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CatalogError(f"{where}: {path.name} must be a mapping")
    return data


def assemble(template: Resolved, builtins: Path, dest: Path) -> List[str]:
    """A copier template in `dest`: the built-ins plus `template`'s files in `_catalog/`.

    Returns the unsafe copier features the result uses (tasks, migrations, Jinja extensions).
    """
    import yaml

    assert template.directory is not None and template.root is not None
    shutil.copytree(builtins, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    where = f"template {template.name}"
    _copy_tree(template.directory, dest / "_catalog", template.root, where)
    merged = yaml.safe_load((builtins / "copier.yml").read_text(encoding="utf-8")) or {}
    builtin_excludes = list(merged.get("_exclude") or [])
    for name in ("copier.yml", "copier.yaml"):
        own = dest / "_catalog" / name
        extra = _copier_yaml(own, where)
        merged.update({key: value for key, value in extra.items() if key != "_subdirectory"})
        if own.exists():
            own.unlink()
    # the built-in companions' conditions hold whatever the catalog excludes besides
    merged["_exclude"] = builtin_excludes + [item for item in _as_list(merged.get("_exclude"))
                                             if item not in builtin_excludes]
    _check_answers_file(merged.get("_answers_file"), where)
    _add_companions(builtins / BUILTIN_PROJECT, dest / "_catalog")
    merged["_subdirectory"] = "_catalog"
    (dest / "copier.yml").write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
    return [label for key, label in UNSAFE_KEYS if merged.get(key)]


def _check_answers_file(value: Any, where: str) -> None:
    """copier's `_answers_file`: a relative path inside what is rendered (copier asserts it, a catalog may not)."""
    if value is None:
        return
    parts = str(value).replace("\\", "/").split("/")
    if not isinstance(value, str) or not value or value.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", value):
        raise CatalogError(f"{where}: copier.yml: _answers_file {value!r} must be a relative path inside the "
                           "generated files (no .., not absolute); refused, nothing was written")


def _as_list(value: Any) -> List[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value] if value else []


def _add_companions(project: Path, catalog: Path) -> None:
    """The built-in companion files (compose.yaml, k8s/, CI) a catalog template does not have itself.

    A catalog template owns its Dockerfile and .dockerignore (only what it has is
    generated); the files that run the image come from the runtime contract and are the
    built-in ones unless the template has a file of the same name (with or without
    `.jinja`), which it then owns.
    """
    for source in sorted(project.rglob("*")):
        rel = source.relative_to(project)
        if not source.is_file() or rel.as_posix() in OWN_FILES:
            continue
        plain = rel.with_name(rel.name[: -len(TEMPLATE_SUFFIX)]) if rel.name.endswith(TEMPLATE_SUFFIX) else rel
        if (catalog / rel).exists() or (catalog / plain).exists():
            continue
        (catalog / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, catalog / rel)


@contextlib.contextmanager
def template_source(template: Resolved) -> Iterator[TemplateSource]:
    """The copier template to render for `template`: the built-ins, or a catalog template
    assembled over them in a temporary directory (removed afterwards)."""
    if template.builtin:
        yield builtin_source()
        return
    with tempfile.TemporaryDirectory(prefix="scaffold-template-") as work:
        directory = Path(work, "template")
        features = assemble(template, builtin_templates(), directory)
        url = template.entry.url if template.entry else "URL"
        hint = (f"; if you trust it, run `scaffold catalog add {template.catalog} {url} --trust` "
                f"(or {TRUSTED_ENV}={template.catalog} for a catalog you registered)")
        yield TemplateSource(directory, template.name, template.version, template.trusted, features, hint,
                             {"catalog_template": template.name, "catalog_version": template.version})


def unsafe_features(template: Resolved) -> List[str]:
    """What `catalog show` reports: the unsafe keys of the template's own copier.yml."""
    assert template.directory is not None
    for name in ("copier.yml", "copier.yaml"):
        try:
            data = _copier_yaml(template.directory / name, f"template {template.name}")
        except CatalogError:
            return ["(copier.yml is not valid YAML)"]
        if data:
            return [label for key, label in UNSAFE_KEYS if data.get(key)]
    return []
