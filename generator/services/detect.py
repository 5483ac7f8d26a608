"""The services an app uses, read from its dependencies, the address variables it reads and the URLs
its settings hold: one engine over the service table and each language's driver names.

A driver in the dependencies is the strongest evidence; an address variable whose name says the
service (REDIS_URL) or a URL of its scheme (a default `postgresql://...`, `jdbc:postgresql:`) in the
code or settings counts too. DATABASE_URL alone says no service: the scheme beside it does.
The fact is a list of service names with the first evidence; it becomes the `services` answer
through its parser like any other.

An app often carries drivers for several databases and runs on one of them (or on an embedded one)
by setting. The repository's own compose files then say which: when they run exactly one of the
databases found (an image `mariadb:10.11` beside the app), that one is kept; otherwise no database is
chosen, and a warning names them and `--service` (two would both set DATABASE_URL: refused).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Dict, Iterable, List, Optional, Tuple

from generator.detect.model import AppCandidate, Evidence, excerpt
from generator.detect.walker import Repo
from generator.services import SERVICES, Driver, Drivers, Service

#: files read per app at most
MAX_FILES = 400
#: folders whose files are not the app's own (tests, dependencies, environments)
SKIPPED_DIRS = frozenset({"test", "tests", "testdata", "vendor", "node_modules", ".venv", "venv", "docs", "examples"})


def detect_services(repo: Repo, app: AppCandidate) -> None:
    """Set `services` on `app` (names in the table's order) with the first evidence found."""
    from generator.languages import by_name

    table = by_name(app.language).service_drivers()
    if table is None:
        return
    found: Dict[str, Evidence] = {}
    for rel, number, line, service in _mentions(repo, app.root, table):
        found.setdefault(service, Evidence(rel, number, excerpt(line.strip())))
    databases = [s.name for s in SERVICES if s.name in found and s.kind == "database"]
    if len(databases) > 1:
        stated = _compose_images(repo)
        chosen = [name for name in databases if name in stated]
        if len(chosen) == 1:
            found[chosen[0]] = stated[chosen[0]]
        else:
            first = found[databases[0]]
            repo.warn(first.file, f"drivers for {', '.join(databases)}, no compose file runs just one: no database "
                                  f"chosen (--service {databases[0]})")
        for name in databases:
            if chosen != [name]:
                del found[name]
    if found:
        ordered = [service.name for service in SERVICES if service.name in found]
        app.set("services", ordered, found[ordered[0]])


def _compose_images(repo: Repo) -> Dict[str, Evidence]:
    """{service: the image line} for each table service a compose file of the repository runs from its image."""
    from generator.detect.stated.compose import declared

    stated: Dict[str, Evidence] = {}
    for rel, _, data in declared(repo):
        image = data.get("image") if isinstance(data, dict) else None
        if not isinstance(image, str) or SKIPPED_DIRS.intersection(rel.split("/")[:-1]):
            continue
        service = _service_of_image(image)
        if service is not None and service.name not in stated:
            stated[service.name] = repo.evidence_for(rel, image)
    return stated


def _service_of_image(image: str) -> Optional[Service]:
    """The table's service an image reference runs (`docker.io/library/postgres:16`, `bitnami/redis`), or None."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0].lower()
    return next((service for service in SERVICES if name in service.images), None)


def _mentions(repo: Repo, root: str, table: Drivers) -> Iterable[Tuple[str, int, str, str]]:
    """(file, line number, line, service) for every driver, address variable or URL found."""
    drivers, settings = _names(table.drivers), _names(table.settings)
    named = [(re.compile(r"\b(?:" + "|".join(s.variables) + r")\b"), s.name) for s in SERVICES]
    schemes = [(re.compile("|".join(re.escape(scheme) for scheme in s.schemes), re.I), s.name) for s in SERVICES]
    files = _files(repo, root, table.dependencies + table.sources)
    for rel in sorted(files, key=lambda rel: not _matches(rel, table.dependencies)):  # a driver is the best evidence
        patterns = (drivers if _matches(rel, table.dependencies) else []) + (
            settings + named + schemes if _matches(rel, table.sources) else [])
        text = repo.read_text(rel) or ""
        # a pattern found on no line is not in the file's text either: only those found in it are tried per line
        present = [(pattern, service) for pattern, service in patterns if pattern.search(text)]
        for number, line in enumerate(text.splitlines() if present else [], 1):
            if line.lstrip().startswith(("#", "//")):
                continue  # a comment names what is not used
            for pattern, service in present:
                if pattern.search(line):
                    yield rel, number, line, service


def _names(drivers: Iterable[Driver]) -> List[Tuple["re.Pattern[str]", str]]:
    """A pattern per driver: any of its names, whole (`redis` is not `django-redis` nor `redis.conf`)."""
    return [(re.compile(r"(?<![\w.\-/])(?:" + "|".join(re.escape(n) for n in d.names) + r")(?![\w.\-])", re.I),
             d.service) for d in drivers]


def _files(repo: Repo, root: str, globs: Tuple[str, ...]) -> List[str]:
    files = [rel for rel in repo.files(root) if _matches(rel, globs)
             and not rel.endswith("_test.go") and not SKIPPED_DIRS.intersection(rel.split("/")[:-1])]
    return files[:MAX_FILES]


def _matches(rel: str, globs: Iterable[str]) -> bool:
    return any(PurePosixPath(rel).match(glob) for glob in globs)
