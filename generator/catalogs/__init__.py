"""Template catalogs: where they are registered, how they are fetched, what they hold, how one renders.

A catalog is a directory or a git repository with `scaffold-catalog.toml` at its root
(schema in docs/catalogs.md); the built-in templates are the catalog `builtin`. One module
per concern, this package's names are the API the commands use:

- `config`: registrations (user config, project, environment), consent, trust, the mirror;
- `fetch`: git catalogs cloned into the cache, hooks off, offline fallback;
- `parse`: `scaffold-catalog.toml`, checked key by key;
- `resolve`: `CATALOG/TEMPLATE` to a template ready to render, and `catalog add`'s checks;
- `source`: a catalog template assembled over the built-ins in a temporary directory.
"""

from generator.catalogs.config import (
    BUILTIN,
    PROJECT_CONFIG,
    CatalogEntry,
    Config,
    load_config,
    register,
    registry_override,
    user_config_dir,
    user_config_path,
)
from generator.catalogs.resolve import (
    Addition,
    Resolved,
    builtin_resolved,
    catalog_templates,
    prepare_add,
    replacement,
    resolve,
)
from generator.catalogs.source import template_source, unsafe_features

__all__ = [
    "BUILTIN", "PROJECT_CONFIG", "Addition", "CatalogEntry", "Config", "Resolved", "builtin_resolved",
    "catalog_templates", "load_config", "prepare_add", "register", "registry_override", "replacement", "resolve",
    "template_source", "unsafe_features", "user_config_dir", "user_config_path",
]
