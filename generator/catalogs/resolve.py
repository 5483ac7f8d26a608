"""`CATALOG/TEMPLATE` to a template ready to render: the built-in one, or a registered catalog's (fetched,
its paths checked), and the template that replaces a language's built-in one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from generator.catalogs.config import (
    BUILTIN,
    CATALOG_FILE,
    CATALOGS_ENV,
    CatalogEntry,
    Config,
    check_name,
    check_ref,
    check_url,
    is_remote,
)
from generator.catalogs.fetch import Fetched, fetch
from generator.catalogs.parse import TemplateSpec, inside, parse_catalog
from generator.errors import CatalogError, InputError, TrustError
from generator.languages import by_name, names
from generator.templates import builtin_templates, template_version


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
    url = check_url(url, "URL")
    if not is_remote(url) and Path(url).exists():
        url = str(Path(url).resolve()) if project is None else url
    ref = check_ref(ref, "--ref") if ref else ""
    full = str((project / url).resolve()) if project and not is_remote(url) and not Path(url).is_absolute() else url
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
