"""Where templates are: the built-ins, their version, and a template ready to render.

Kept apart from rendering and from catalogs so that both can use it without importing
each other (and without importing copier): catalogs prepare a `TemplateSource`,
rendering renders one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

from generator.errors import InputError

#: the name of the built-in templates wherever a catalog name is expected (`builtin/go`)
BUILTIN_CATALOG = "builtin"
#: for template development and tests only: a directory used instead of the built-in templates
TEMPLATES_ENV = "SCAFFOLD_TEMPLATES"


def builtin_templates() -> Path:
    """The templates shipped with the package (wheel) or beside it (source checkout).

    `SCAFFOLD_TEMPLATES` points at a modified copy instead, so that template changes
    (and `scaffold upgrade` across them) can be tried without reinstalling.
    """
    override = os.environ.get(TEMPLATES_ENV)
    if override:
        path = Path(override)
        if not (path / "VERSION").is_file():
            raise InputError(f"{TEMPLATES_ENV}={override} is not a templates directory (no VERSION file)")
        return path
    packaged = Path(__file__).parent / "_templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def template_version(templates: Path) -> str:
    return (templates / "VERSION").read_text(encoding="utf-8").strip()


@dataclass
class TemplateSource:
    """A copier template ready to render, and how far it is trusted."""

    #: the copier template directory (holding copier.yml)
    directory: Path
    #: shown in messages: `builtin/go`, `team/python`
    name: str
    version: str
    #: may run copier tasks and Jinja extensions, and use every filter
    trusted: bool = False
    #: the unsafe copier features its copier.yml asks for (tasks, migrations, Jinja extensions)
    unsafe_features: List[str] = field(default_factory=list)
    #: shown after "if you trust it, run": how to trust it
    trust_hint: str = ""
    #: values added to what templates see (catalog name and version)
    context: Dict[str, Any] = field(default_factory=dict)


def builtin_source() -> TemplateSource:
    templates = builtin_templates()
    return TemplateSource(templates, "builtin", template_version(templates), trusted=True)
