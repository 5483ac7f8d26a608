"""Python packages that compile against system libraries: what their build needs and what they load at run time.

One entry per package, only for those PyPI has no Linux wheel of (they always build from
the sdist): the Debian packages their build compiles against (`build`: installed in the
build stage, never copied) and the shared libraries the compiled module loads
(`runtime`, by Debian release: installed into the final image's runtime root by dpkg, so
its database lists them for scanners). A package with Linux wheels (psycopg2-binary,
lxml, cryptography, cffi) needs nothing and is not here. Detection reads the app's
dependencies against this table (the `native` fact); the answer holds table names only, so
nothing from a repository reaches an apt command.
"""

from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Tuple


class Native(NamedTuple):
    """What one package built from source needs."""

    #: Debian packages its build compiles against (a C compiler included)
    build: Tuple[str, ...]
    #: the libraries it loads at run time, by Debian release number ("12": bookworm)
    runtime: Dict[str, Tuple[str, ...]]


#: PEP 503 names -> their needs; Debian 12 (python:X-slim, distroless for 3.11) and 13 (distroless for 3.13)
NATIVE = {
    # psycopg2 (not -binary): pg_config and libpq's headers from libpq-dev
    "psycopg2": Native(("gcc", "libpq-dev"), {"12": ("libpq5",), "13": ("libpq5",)}),
    "mysqlclient": Native(("gcc", "pkg-config", "default-libmysqlclient-dev"),
                          {"12": ("libmariadb3",), "13": ("libmariadb3",)}),
    "python-ldap": Native(("gcc", "libldap2-dev", "libsasl2-dev"),
                          {"12": ("libldap-2.5-0", "libsasl2-2"), "13": ("libldap2", "libsasl2-2")}),
}

#: packages one app may name at most (the table's size bounds it anyway)
MAX_NATIVE = len(NATIVE)


def parse_native(raw: Any) -> List[str]:
    """Names of the table (a list, or text split at commas; none: [] or "none"), each once, in table order."""
    if raw is None or raw == "" or raw == [] or raw == "none":
        return []
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)):
        raise ValueError("expected a list of package names")
    names = set()
    for item in items:
        name = str(item).strip().lower().replace("_", "-")
        if name not in NATIVE:
            raise ValueError(f"{name[:60]!r} is not a package whose system libraries we know "
                             f"({', '.join(NATIVE)})")
        names.add(name)
    return [name for name in NATIVE if name in names]


def packages(names: List[str], debian: str) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """The Debian packages to build with and to run with, for table `names` on Debian release `debian`."""
    build: List[str] = []
    runtime: List[str] = []
    for name in names:
        build += [package for package in NATIVE[name].build if package not in build]
        runtime += [package for package in NATIVE[name].runtime[debian] if package not in runtime]
    return tuple(sorted(build)), tuple(sorted(runtime))
