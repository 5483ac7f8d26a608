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
`{% extends "python/Dockerfile.jinja" %}` resolves against the built-ins. copier's unsafe
features (tasks, migrations, Jinja extensions) are refused unless the person trusts the
catalog (`scaffold catalog add --trust`, user config only).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from generator.validate import InputError

CATALOG_FILE = "scaffold-catalog.toml"
CATALOGS_ENV = "SCAFFOLD_CATALOGS"
TRUSTED_ENV = "SCAFFOLD_TRUSTED"
REGISTRY_ENV = "SCAFFOLD_BASE_REGISTRY"
PROJECT_CONFIG = ".scaffold/config.toml"
BUILTIN = "builtin"
LANGUAGES = ("go", "python", "java")
#: catalog names and template ids
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
#: a git ref as registered: a tag, branch or commit, never an option
_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}")
#: one part of a file a catalog template may generate
_OUTPUT_PART = re.compile(r"[A-Za-z0-9_.@+-]{1,128}")
#: copier.yml keys that run code, and how they are called in messages
UNSAFE_KEYS = (("_tasks", "tasks"), ("_migrations", "migrations"), ("_jinja_extensions", "Jinja extensions"))
TEMPLATE_KEYS = {"id": str, "description": str, "languages": list, "language": str, "path": str,
                 "replaces": str, "version": str, "git": str}
BUILTIN_DESCRIPTIONS = {
    "go": "Go: static binary on scratch (or distroless/debian), built with the module cache",
    "python": "Python: a virtualenv on the same interpreter, slim or distroless",
    "java": "Java: a jlink runtime on distroless (or debian), or a distroless JRE",
}


def note(text: str) -> None:
    print(text, file=sys.stderr)


# -- config ------------------------------------------------------------------------------


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "scaffold"


def user_config_path() -> Path:
    return config_home() / "config.toml"


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scaffold" / "catalogs"


def load_toml(path: Path) -> Dict[str, Any]:
    """A TOML file as a dict; one-line InputError naming the file and line when malformed."""
    from generator._toml import loads

    try:
        return loads(path.read_text(encoding="utf-8"))
    except ValueError as error:  # TOMLDecodeError, UnicodeDecodeError
        raise InputError(f"{path}: not valid TOML: {str(error).splitlines()[0]}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None


@dataclass
class CatalogEntry:
    """A registered catalog: where it is and which version (ref) is pinned."""

    name: str
    url: str
    ref: str = ""
    source: str = ""

    @property
    def is_git(self) -> bool:
        path = Path(self.url)
        if "://" not in self.url and path.is_dir():
            return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())
        return True


@dataclass
class Config:
    """The merged settings: catalogs by precedence (env, project, pyproject, user) and the mirror."""

    catalogs: Dict[str, CatalogEntry] = field(default_factory=dict)
    base_registry: str = ""
    base_registry_origin: str = ""
    trusted_urls: List[str] = field(default_factory=list)
    trusted_names: List[str] = field(default_factory=list)

    def trusted(self, entry: CatalogEntry) -> bool:
        return entry.name in self.trusted_names or entry.url in self.trusted_urls


def _is_remote(url: str) -> bool:
    return "://" in url or bool(re.match(r"^[^/\\]+@[^/\\]+:", url))


def _check_url(url: Any, where: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise InputError(f"{where}: must be a non-empty string (a git URL or a directory)")
    if url.startswith("-") or any(ord(c) < 32 for c in url):
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


def _settings(data: Mapping[str, Any], origin: str, base: Optional[Path], config: Config, user: bool) -> None:
    """Merge one config source into `config` (sources are applied lowest precedence first)."""
    from generator.images import check_registry

    for key in data:
        if key not in ("catalogs", "base_registry", "trusted"):
            raise InputError(f"{origin}: unknown key {key!r} (expected catalogs, base_registry{', trusted' if user else ''})")
    if "base_registry" in data:
        value = data["base_registry"]
        if not isinstance(value, str):
            raise InputError(f"{origin}: base_registry must be a string")
        try:
            config.base_registry = check_registry(value, f"{origin}: base_registry") if value else ""
        except ValueError as error:
            raise InputError(str(error)) from None
        config.base_registry_origin = origin
    if "trusted" in data:
        if not user:
            raise InputError(f"{origin}: trusted is honoured only in the user config ({user_config_path()}); "
                             "a project cannot trust a catalog for you")
        trusted = data["trusted"]
        if not isinstance(trusted, list) or not all(isinstance(url, str) for url in trusted):
            raise InputError(f"{origin}: trusted must be a list of catalog URLs")
        config.trusted_urls.extend(trusted)
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
        config.catalogs[name] = CatalogEntry(name, url, ref, origin)


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
    """User config, then pyproject `[tool.scaffold]`, then `.scaffold/config.toml`, then the environment."""
    config = Config()
    user = user_config_path()
    if user.is_file():
        _settings(load_toml(user), str(user), None, config, user=True)
    if project is not None:
        pyproject = project / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = load_toml(pyproject)
            except InputError:
                data = {}  # detection reports a malformed pyproject.toml
            tool = data.get("tool", {}).get("scaffold") if isinstance(data.get("tool"), dict) else None
            if tool is not None:
                if not isinstance(tool, dict):
                    raise InputError(f"{pyproject}: tool.scaffold must be a table")
                _settings(tool, f"{pyproject} [tool.scaffold]", project.resolve(), config, user=False)
        local = project / PROJECT_CONFIG
        if local.is_file():
            _settings(load_toml(local), str(local), project.resolve(), config, user=False)
    if os.environ.get(CATALOGS_ENV):
        _settings({"catalogs": parse_env_catalogs(os.environ[CATALOGS_ENV])}, CATALOGS_ENV, Path.cwd(), config, user=False)
    if os.environ.get(TRUSTED_ENV):
        config.trusted_names.extend(name.strip() for name in os.environ[TRUSTED_ENV].split(",") if name.strip())
    if os.environ.get(REGISTRY_ENV):
        _settings({"base_registry": os.environ[REGISTRY_ENV]}, REGISTRY_ENV, None, config, user=False)
    # highest precedence first
    config.catalogs = dict(reversed(list(config.catalogs.items())))
    return config


def dump_toml(data: Mapping[str, Any]) -> str:
    """TOML text for a config mapping (tomli-w: the writer that pairs with tomllib)."""
    import tomli_w

    return tomli_w.dumps(data)


def register(path: Path, name: str, url: str, ref: str, trust_file: Optional[Path] = None, trust_url: str = "") -> None:
    """Add or replace `[catalogs.NAME]` in the config file `path`; with trust_file, add url to its `trusted`."""
    from generator.render import write_atomically

    data = load_toml(path) if path.is_file() else {}
    catalogs = data.setdefault("catalogs", {})
    if not isinstance(catalogs, dict):
        raise InputError(f"{path}: catalogs must be a table")
    catalogs[name] = {"url": url, **({"ref": ref} if ref else {})}
    write_atomically(path.parent, {path.name: dump_toml(data)})
    if trust_file is not None:
        trust = load_toml(trust_file) if trust_file.is_file() else {}
        trusted = trust.setdefault("trusted", [])
        if not isinstance(trusted, list):
            raise InputError(f"{trust_file}: trusted must be a list of catalog URLs")
        if (trust_url or url) not in trusted:
            trusted.append(trust_url or url)
        write_atomically(trust_file.parent, {trust_file.name: dump_toml(trust)})


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


def parse_catalog(path: Path) -> Dict[str, TemplateSpec]:
    """`scaffold-catalog.toml`: its templates by id; one-line InputError naming file, key and problem."""
    if not path.is_file():
        raise InputError(f"{path}: not found; a catalog has a {CATALOG_FILE} at its root")
    data = load_toml(path)
    for key in data:
        if key not in ("schema", "description", "templates"):
            raise InputError(f"{path}: {key}: unknown key (expected schema, description, templates)")
    if "schema" in data and data["schema"] != 1:
        raise InputError(f"{path}: schema: {data['schema']!r} is not a supported schema version (1)")
    if "description" in data and not isinstance(data["description"], str):
        raise InputError(f"{path}: description: must be a string")
    entries = data.get("templates")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise InputError(f"{path}: templates: missing or not an array of tables ([[templates]] with id, description, "
                         "languages, path)")
    templates: Dict[str, TemplateSpec] = {}
    for index, entry in enumerate(entries):
        label = f"templates[{index}]" + (f" (id {entry['id']!r})" if isinstance(entry.get("id"), str) else "")
        for key, value in entry.items():
            if key not in TEMPLATE_KEYS:
                raise InputError(f"{path}: {label}.{key}: unknown key (expected {', '.join(TEMPLATE_KEYS)})")
            if not isinstance(value, TEMPLATE_KEYS[key]):
                expected = "an array of strings" if TEMPLATE_KEYS[key] is list else "a string"
                raise InputError(f"{path}: {label}.{key}: must be {expected}, not {type(value).__name__}")
        if "languages" not in entry and "language" in entry:
            entry = {**entry, "languages": [entry["language"]]}
        if "git" in entry:  # a template in its own repository: pinned, its root by default
            entry = {"path": ".", **entry}
            url = _check_url(entry["git"], f"{path}: {label}.git")
            if not ("://" in url or url.startswith("/") or re.match(r"^[\w.-]+@[\w.-]+:", url)):
                raise InputError(f"{path}: {label}.git: {url!r} must be a URL or an absolute path")
            if not entry.get("version"):
                raise InputError(f"{path}: {label}.version: missing (a template in its own git repository is "
                                 "pinned by a tag or commit)")
            _check_ref(entry["version"], f"{path}: {label}.version")
        for key in ("id", "description", "languages", "path"):
            if key not in entry:
                raise InputError(f"{path}: {label}.{key}: missing (required: id, description, languages, path)")
        check_name(entry["id"], f"{path}: {label}.id")
        languages = entry["languages"]
        if not languages or not all(lang in LANGUAGES for lang in languages):
            raise InputError(f"{path}: {label}.languages: {languages!r} must list some of {', '.join(LANGUAGES)}")
        replaces = entry.get("replaces", "")
        if replaces and replaces not in languages:
            raise InputError(f"{path}: {label}.replaces: {replaces!r} must be one of the template's languages {languages}")
        _relative(entry["path"], f"{path}: {label}.path")
        if entry["id"] in templates:
            raise InputError(f"{path}: {label}.id: {entry['id']!r} is listed twice")
        templates[entry["id"]] = TemplateSpec(entry["id"], entry["description"], list(languages), entry["path"],
                                              replaces, entry.get("version", ""), entry.get("git", ""))
    return templates


def _relative(value: str, where: str) -> None:
    """A path inside the catalog: relative, no `..`, no backslashes or control characters."""
    parts = value.replace("\\", "/").split("/")
    if (not value or value.startswith("/") or "\\" in value or re.match(r"^[A-Za-z]:", value) or ".." in parts
            or any(ord(c) < 32 for c in value)):
        raise InputError(f"{where}: {value!r} must be a relative path inside the catalog (no .., not absolute)")


def inside(root: Path, path: Path, where: str) -> Path:
    """`path` resolved (symlinks followed), refused unless it stays inside `root`."""
    resolved = path.resolve()
    try:
        resolved.relative_to(root.resolve())
    except ValueError:
        raise InputError(f"{where}: leads outside the catalog (symbolic link or ..); refused") from None
    return resolved


# -- fetching ------------------------------------------------------------------------------


def _git(*args: str, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    git = shutil.which("git")
    if not git:
        raise InputError("git is not installed: it is needed to fetch git catalogs")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
           "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")}
    try:
        return subprocess.run([git, "-c", "core.hooksPath=/dev/null", *args], cwd=cwd, capture_output=True,
                              text=True, env=env, timeout=300, check=False)
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


def fetch(entry: CatalogEntry) -> Fetched:
    """The catalog's files: a directory in place, or a git checkout of the pinned ref in the cache."""
    if not entry.is_git:
        return Fetched(Path(entry.url).resolve(), entry.ref or "local")
    cache = cache_root() / entry.name
    offline = False
    if (cache / ".git").is_dir():
        origin = _git("config", "--get", "remote.origin.url", cwd=cache).stdout.strip()
        if origin != entry.url:  # registered elsewhere now: no tag of the old repository may linger
            shutil.rmtree(cache)
    if not (cache / ".git").is_dir():
        if cache.exists():
            shutil.rmtree(cache)
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f".{entry.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        result = _git("clone", "--no-checkout", "--quiet", "--", entry.url, str(partial))
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise InputError(f"catalog {entry.name}: cannot fetch {entry.url} ({_last_line(result)}) and there is no "
                             f"cached copy in {cache}; check the URL and the network")
        partial.rename(cache)
    else:
        result = _git("fetch", "--quiet", "--force", "--tags", "--prune", "origin",
                      "+refs/heads/*:refs/remotes/origin/*", cwd=cache)
        if result.returncode != 0:
            offline = True
            note(f"catalog {entry.name}: {entry.url} is unreachable ({_last_line(result)}); offline: using the "
                 f"cached copy in {cache}")
    commit = ""
    for candidate in ([f"refs/tags/{entry.ref}", f"refs/remotes/origin/{entry.ref}", entry.ref] if entry.ref
                      else ["refs/remotes/origin/HEAD", "HEAD"]):
        result = _git("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", cwd=cache)
        if result.returncode == 0:
            commit = result.stdout.strip()
            break
    if not commit:
        where = "the cached copy (offline)" if offline else entry.url
        raise InputError(f"catalog {entry.name}: no tag, branch or commit {entry.ref or 'HEAD'!r} in {where}")
    for args in (("-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", commit),
                 ("clean", "-ffdxq")):
        result = _git(*args, cwd=cache)
        if result.returncode != 0:
            raise InputError(f"catalog {entry.name}: cannot check out {commit[:12]} in {cache} ({_last_line(result)})")
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
    #: the registry mirror to render with (set by the command)
    registry: str = ""

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
    from generator.render import builtin_templates, template_version

    return Resolved(BUILTIN, language, BUILTIN_DESCRIPTIONS[language], [language],
                    template_version(builtin_templates()), replaces="", trusted=True)


def _not_registered(name: str, config: Config, context: str = "") -> InputError:
    known = ", ".join([BUILTIN, *config.catalogs])
    return InputError(f"catalog {name}{context} is not registered (registered: {known}); register it with "
                      f"`scaffold catalog add {name} URL` (or {CATALOGS_ENV}={name}=URL)")


def catalog_templates(entry: CatalogEntry, config: Config) -> Tuple[Fetched, Dict[str, TemplateSpec]]:
    fetched = fetch(entry)
    return fetched, parse_catalog(fetched.root / CATALOG_FILE)


def resolve(spec: str, config: Config, where: str = "--template", context: str = "") -> Resolved:
    """`CATALOG/TEMPLATE` to a template ready to render (fetched, paths checked)."""
    catalog, template = split_spec(spec, where)
    if catalog == BUILTIN:
        if template not in LANGUAGES:
            raise InputError(f"{where}: no template {spec!r}; the built-in ones are "
                             + ", ".join(f"{BUILTIN}/{lang}" for lang in LANGUAGES))
        return builtin_resolved(template)
    entry = config.catalogs.get(catalog)
    if entry is None:
        raise _not_registered(catalog, config, context)
    fetched, templates = catalog_templates(entry, config)
    if template not in templates:
        raise InputError(f"{where}: catalog {catalog} has no template {template!r} (it has: {', '.join(templates)})")
    return _resolved(entry, fetched, templates[template], config)


def _resolved(entry: CatalogEntry, fetched: Fetched, spec: TemplateSpec, config: Config) -> Resolved:
    file = fetched.root / CATALOG_FILE
    if spec.git:
        # fetched like a catalog (cached, offline fallback, hooks off) at the version the catalog pins;
        # trusted as far as the catalog that lists it is
        fetched = fetch(CatalogEntry(f"{entry.name}--{spec.id}", spec.git, spec.version, entry.source))
    directory = fetched.root / spec.path
    if not directory.exists():
        raise InputError(f"{file}: template {spec.id!r}: path {spec.path!r} does not exist in the catalog")
    directory = inside(fetched.root, directory, f"{file}: template {spec.id!r}: path {spec.path!r}")
    if not directory.is_dir():
        raise InputError(f"{file}: template {spec.id!r}: path {spec.path!r} is not a directory")
    version = fetched.version if entry.is_git or spec.git else (spec.version or fetched.version)
    return Resolved(entry.name, spec.id, spec.description, spec.languages, version, directory, fetched.root,
                    spec.replaces, config.trusted(entry), entry)


def replacement(language: str, config: Config) -> Optional[Resolved]:
    """The first registered catalog (by precedence) whose template declares `replaces = language`."""
    found: List[Resolved] = []
    for entry in config.catalogs.values():
        try:
            fetched, templates = catalog_templates(entry, config)
        except InputError as error:
            raise InputError(f"{error} (needed to see whether it replaces the built-in {language} template; "
                             f"--template {BUILTIN}/{language} skips it)") from None
        for spec in templates.values():
            if spec.replaces == language:
                found.append(_resolved(entry, fetched, spec, config))
    if len(found) > 1:
        note(f"warning: {', '.join(r.name for r in found)} all replace the built-in {language} template; "
             f"using {found[0].name} (highest precedence; choose with --template)")
    return found[0] if found else None


# -- rendering -----------------------------------------------------------------------------


def _copy_tree(src: Path, dest: Path, root: Path, where: str) -> None:
    """Copy a catalog template's files, following only symlinks that stay inside the catalog."""
    for current, dirs, files in os.walk(src):
        here = Path(current)
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in list(dirs):
            if (here / name).is_symlink():
                raise InputError(f"{where}: {(here / name).relative_to(root)} is a symbolic link to a directory; "
                                 "not supported in catalogs")
        target_dir = dest / here.relative_to(src)
        target_dir.mkdir(parents=True, exist_ok=True)
        for name in files:
            path = here / name
            real = inside(root, path, f"{where}: {path.relative_to(root)}")
            if real.is_file():
                shutil.copyfile(real, target_dir / name)


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
    for name in ("copier.yml", "copier.yaml"):
        own = dest / "_catalog" / name
        if own.is_file():
            try:
                extra = yaml.safe_load(own.read_text(encoding="utf-8"))
            except yaml.YAMLError as error:
                raise InputError(f"{where}: {name} is not valid YAML ({str(error).splitlines()[0]})") from None
            if not isinstance(extra, dict):
                raise InputError(f"{where}: {name} must be a mapping")
            merged.update({key: value for key, value in extra.items() if key != "_subdirectory"})
            own.unlink()
    merged["_subdirectory"] = "_catalog"
    (dest / "copier.yml").write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
    return [label for key, label in UNSAFE_KEYS if merged.get(key)]


def refused(template: Resolved, features: List[str]) -> InputError:
    url = template.entry.url if template.entry else "URL"
    return InputError(f"template {template.name} uses copier {', '.join(features)} (code run on your machine), "
                      f"refused because catalog {template.catalog} is not trusted; if you trust it, run "
                      f"`scaffold catalog add {template.catalog} {url} --trust` (or {TRUSTED_ENV}={template.catalog}); "
                      "nothing was written")


def check_outputs(template: Resolved, files: Mapping[str, str]) -> None:
    """A catalog template writes plain files into the project, never into .git or .scaffold."""
    for name in files:
        parts = name.split("/")
        if parts[0] in (".git", ".scaffold") or not all(_OUTPUT_PART.fullmatch(p) and p not in (".", "..") for p in parts):
            raise InputError(f"template {template.name} generates {name!r}, which is not a plain file name outside "
                             ".git and .scaffold; refused, nothing was written")


def unsafe_features(template: Resolved) -> List[str]:
    """What `catalog show` reports: the unsafe keys of the template's own copier.yml."""
    import yaml

    assert template.directory is not None
    for name in ("copier.yml", "copier.yaml"):
        own = template.directory / name
        if own.is_file():
            try:
                data = yaml.safe_load(own.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                return ["(copier.yml is not valid YAML)"]
            return [label for key, label in UNSAFE_KEYS if isinstance(data, dict) and data.get(key)]
    return []
