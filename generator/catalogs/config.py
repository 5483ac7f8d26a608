"""Catalog settings: where catalogs are registered, which the person trusts or allows, the registry mirror.

Catalogs are registered in the user's config (`$XDG_CONFIG_HOME/scaffold/config.toml`), in
the project (`.scaffold/config.toml` or `[tool.scaffold]` in pyproject.toml) and by
`SCAFFOLD_CATALOGS` (`name=url#ref,...`). A project's files are untrusted: the catalogs
they register are used only with the person's consent, and never trusted.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from generator import fs
from generator.errors import InputError
from generator.templates import BUILTIN_CATALOG

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


def is_remote(url: str) -> bool:
    return "://" in url or bool(re.match(r"^[^/\\]+@[^/\\]+:", url))


def check_url(url: Any, where: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise InputError(f"{where}: must be a non-empty string (a git URL or a directory)")
    if url.startswith("-") or any(ord(c) < 32 or ord(c) == 127 for c in url) or url.lower().startswith("ext::"):
        raise InputError(f"{where}: {url!r} is not a URL or path")
    return url.strip()


def check_ref(ref: Any, where: str) -> str:
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
        url = check_url(entry.get("url"), f"{where}.url")
        if base is not None and not is_remote(url) and not Path(url).is_absolute():
            url = str((base / url).resolve())
        ref = check_ref(entry["ref"], f"{where}.ref") if entry.get("ref") else ""
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
