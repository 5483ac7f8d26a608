"""Preparing a catalog template to render: a temporary copier template assembled from a copy of the
built-in templates plus the catalog template's files under `_catalog/`, so that
`{% extends "python/Dockerfile.jinja" %}` resolves against the built-ins; the built-in companion
files (compose.yaml, k8s/, the CI pipeline) join them unless it has its own. copier's unsafe
features (tasks, migrations, Jinja extensions) are reported for the render to refuse unless trusted.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path
from typing import Any, Dict, Iterator, List

from generator import fs
from generator.catalogs.config import (
    BUILTIN_PROJECT,
    MAX_CONFIG_BYTES,
    MAX_TEMPLATE_BYTES,
    MAX_TEMPLATE_FILES,
    OWN_FILES,
    TEMPLATE_SUFFIX,
    TRUSTED_ENV,
    UNSAFE_KEYS,
)
from generator.catalogs.parse import inside
from generator.catalogs.resolve import Resolved
from generator.errors import CatalogError
from generator.templates import TemplateSource, builtin_source, builtin_templates


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
    with fs.scratch_dir("scaffold-template-") as work:
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
