"""A catalog's `scaffold-catalog.toml`: its templates, each checked key by key (one-line errors)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

from generator.catalogs.config import (
    CATALOG_FILE,
    TEMPLATE_KEYS,
    check_name,
    check_ref,
    check_url,
    load_toml,
)
from generator.errors import CatalogError
from generator.languages import names


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
    templates: Dict[str, TemplateSpec] = {}
    for index, entry in enumerate(_entries(root, path)):
        label = f"templates[{index}]" + (f" (id {entry['id']!r})" if isinstance(entry.get("id"), str) else "")
        spec = _template(entry, f"{path}: {label}")
        if spec.id in templates:
            raise CatalogError(f"{path}: {label}.id: {spec.id!r} is listed twice")
        templates[spec.id] = spec
    return templates


def _entries(root: Path, path: Path) -> List[Dict[str, Any]]:
    """The file's `[[templates]]` tables, once its top-level keys are checked."""
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
    return entries


def _template(entry: Dict[str, Any], where: str) -> TemplateSpec:
    """One `[[templates]]` table, checked: known keys of the right types, required ones, names, languages, path."""
    for key, value in entry.items():
        if key not in TEMPLATE_KEYS:
            raise CatalogError(f"{where}.{key}: unknown key (expected {', '.join(TEMPLATE_KEYS)})")
        if not isinstance(value, TEMPLATE_KEYS[key]):
            expected = "an array of strings" if TEMPLATE_KEYS[key] is list else "a string"
            raise CatalogError(f"{where}.{key}: must be {expected}, not {type(value).__name__}")
    if "languages" not in entry and "language" in entry:
        entry = {**entry, "languages": [entry["language"]]}
    if "git" in entry:  # a template in its own repository: pinned, its root by default
        entry = {"path": ".", **entry}
        _check_git(entry, where)
    for key in ("id", "description", "languages", "path"):
        if key not in entry:
            raise CatalogError(f"{where}.{key}: missing (required: id, description, languages, path)")
    check_name(entry["id"], f"{where}.id")
    languages = entry["languages"]
    if not languages or not all(lang in names() for lang in languages):
        raise CatalogError(f"{where}.languages: {languages!r} must list some of {', '.join(names())}")
    replaces = entry.get("replaces", "")
    if replaces and replaces not in languages:
        raise CatalogError(f"{where}.replaces: {replaces!r} must be one of the template's languages {languages}")
    _relative(entry["path"], f"{where}.path")
    return TemplateSpec(entry["id"], entry["description"], list(languages), entry["path"], replaces,
                        entry.get("version", ""), entry.get("git", ""))


def _check_git(entry: Dict[str, Any], where: str) -> None:
    """A template in its own git repository: a URL or absolute path, pinned by a version."""
    url = check_url(entry["git"], f"{where}.git")
    if not ("://" in url or url.startswith("/") or re.match(r"^[\w.-]+@[\w.-]+:", url)):
        raise CatalogError(f"{where}.git: {url!r} must be a URL or an absolute path")
    if not entry.get("version"):
        raise CatalogError(f"{where}.version: missing (a template in its own git repository is pinned by a tag or "
                           "commit)")
    check_ref(entry["version"], f"{where}.version")


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
