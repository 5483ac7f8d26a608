"""The services an app uses, read from its dependencies, the address variables it reads and the URLs
its settings hold: one engine over the service table and each language's driver names.

A driver in the dependencies is the strongest evidence; an address variable whose name says the
service (REDIS_URL) or a URL of its scheme (a default `postgresql://...`, `jdbc:postgresql:`) in the
code or settings counts too. DATABASE_URL alone says no service: the scheme beside it does.
The fact is a list of service names with the first evidence; it becomes the `services` answer
through its parser like any other.

A compose file of the repository that gives the app (a service built from its folder) such a URL in its
environment counts as the code would: a Celery worker's `BROKER_URL=pyamqp://rabbitmq` is often only there.

An app often carries drivers for several databases and runs on one of them (or on an embedded one)
by setting. The repository's own compose files then say which: when they run exactly one of the
databases found (an image `mariadb:10.11` beside the app), that one is kept; otherwise no database is
chosen, and a warning names them and `--service` (two would both set DATABASE_URL: refused).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from generator.detect.model import AppCandidate, Evidence, excerpt
from generator.detect.walker import Repo
from generator.images import parse_image
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
    addressed: Set[str] = set()  # services the app's code or compose gives an address, not only a driver
    for rel, number, line, service in _mentions(repo, app.root, table):
        found.setdefault(service, Evidence(rel, number, excerpt(line.strip())))
        if not _matches(rel, table.dependencies):
            addressed.add(service)
    for name, evidence in _compose_addresses(repo, app.root):
        found.setdefault(name, evidence)
        addressed.add(name)
    stated = _compose_images(repo)
    databases = [s.name for s in SERVICES if s.name in found and s.kind == "database"]
    if len(databases) > 1:
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
    _drop_unrun_drivers(repo, found, addressed, stated)
    if found:
        ordered = [service.name for service in SERVICES if service.name in found]
        app.set("services", ordered, found[ordered[0]])
        _warn_shadowing(repo, app.root, table, ordered)


def _drop_unrun_drivers(repo: Repo, found: Dict[str, Evidence], addressed: Set[str],
                        stated: Dict[str, Evidence]) -> None:
    """A service known from a driver alone, beside a compose file of the repository that runs others of the
    table's services and not this one, is not the app's: the team runs the app without it (redash's pymongo
    is one of its query sources; its compose runs postgres and redis)."""
    for name in [name for name in found if name not in addressed and stated and name not in stated]:
        evidence = found.pop(name)
        repo.warn(evidence.file, f"line {evidence.line}: a {name} driver, but the repository's compose runs "
                                 f"no {name}: no {name} service (--service {name})")


def _warn_shadowing(repo: Repo, root: str, table: Drivers, services: List[str]) -> None:
    """Warn where the app's own settings take over the address compose gives it (a spring.data.mongodb.uri:
    Spring Boot then ignores the host, user and password settings), with what to do."""
    for service in SERVICES:
        settings = service.shadowing.get(table.convention, ()) if service.name in services else ()
        found = _setting_in(repo, root, table, settings) if settings else None
        if found:
            rel, number, setting = found
            repo.warn(rel, f"line {number}: {setting} overrides compose's {service.name} address and password: keep "
                           "it in a local profile")


def _setting_in(repo: Repo, root: str, table: Drivers, settings: Tuple[str, ...]) -> Optional[Tuple[str, int, str]]:
    """(file, line, setting) of the first of `settings` the app's own files set: `a.b.c=` or `a.b.c:` on a line,
    or nested keys in YAML (`a:` / `b:` / `c:`)."""
    pattern = re.compile(r"(?<![\w.\-])(" + "|".join(re.escape(s) for s in settings) + r")\s*[=:]")
    for rel in _files(repo, root, table.sources):
        lines = (repo.read_text(rel) or "").splitlines()
        for number, line in enumerate(lines, 1):
            match = None if line.lstrip().startswith(("#", "//", "!")) else pattern.search(line)
            if match:
                return rel, number, match.group(1)
        if rel.endswith((".yml", ".yaml")):
            nested = _nested(repo, rel, lines, settings)
            if nested:
                return nested
    return None


def _nested(repo: Repo, rel: str, lines: List[str], settings: Tuple[str, ...]) -> Optional[Tuple[str, int, str]]:
    """A setting written as nested YAML keys, with the line of its last key after the lines of the others."""
    from generator.detect.stated.files import yaml_documents

    for document in yaml_documents(repo, rel):
        for setting in settings:
            node: Any = document
            for key in setting.split("."):
                node = node.get(key) if isinstance(node, dict) else None
            if node is None:
                continue
            number = 0
            for key in setting.split("."):  # each key's line, in order: the last one's is the setting's
                number = next((n for n, line in enumerate(lines[number:], number + 1)
                               if line.strip().startswith(f"{key}:")), number)
            return rel, number or 1, setting
    return None


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


def _compose_addresses(repo: Repo, root: str) -> Iterable[Tuple[str, Evidence]]:
    """(service, the line) for each address of a table scheme that a compose file of the repository gives the
    app (a service built from its folder): `BROKER_URL=pyamqp://rabbitmq:5672` says RabbitMQ as a default in the
    code would."""
    from generator.detect.stated.compose import services

    schemes = [(re.compile("|".join(re.escape(scheme) for scheme in s.schemes), re.I), s.name) for s in SERVICES]
    for built in services(repo):
        if built.context != root or SKIPPED_DIRS.intersection(built.file.split("/")[:-1]):
            continue
        declared = built.data.get("environment")
        values = declared.values() if isinstance(declared, dict) else declared if isinstance(declared, list) else ()
        for value in values:
            for pattern, name in schemes:
                if isinstance(value, str) and pattern.search(value):
                    yield name, repo.evidence_for(built.file, value)


def _service_of_image(image: str) -> Optional[Service]:
    """The table's service an image reference runs (`docker.io/library/postgres:16`, `bitnami/redis`), or None."""
    name = parse_image(image).basename
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
