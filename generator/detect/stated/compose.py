"""Compose files: the service whose build context is the app (ports, command, entrypoint, environment).

Only the container side of a port mapping is the app's (`8080:8000` -> 8000); a command
is carried as an argv without shell syntax (commands.split). The services are listed once
per repository (`services`) because the Dockerfile reader asks which Dockerfile a service
builds the app with (`build.dockerfile`).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

from generator.detect.stated import COMPOSE, Statement, Target, commands, files
from generator.detect.walker import Repo, parent_dir

#: compose.yaml, compose.override.yml, docker-compose.yml, docker-compose.prod.yaml
COMPOSE_NAME = re.compile(r"(?:docker-)?compose(?:\.[A-Za-z0-9_-]+)?\.ya?ml")
#: the container side of a port mapping: `8000`, `8080:8000`, `127.0.0.1:8080:8000/tcp`
CONTAINER_PORT = re.compile(r"(?:.*:)?([0-9]{1,6})(?:/tcp)?")


class Service(NamedTuple):
    """One compose service that builds an image from the repository."""

    file: str
    name: str
    #: the build context and Dockerfile, as repository paths
    context: str
    dockerfile: Optional[str]
    data: Dict[str, Any]


def declared(repo: Repo) -> Iterator[Tuple[str, str, Any]]:
    """(compose file, service name, its data) for every service of every compose file of the repository."""
    for rel in repo.files():
        if not COMPOSE_NAME.fullmatch(rel.rsplit("/", 1)[-1]):
            continue
        for document in files.yaml_documents(repo, rel):
            entries = document.get("services") if isinstance(document, dict) else None
            for name, data in (entries.items() if isinstance(entries, dict) else ()):
                yield rel, str(name), data


def services(repo: Repo) -> List[Service]:
    """Every service of every compose file that builds from the repository (others are images: not ours)."""
    found = []
    for rel, name, data in declared(repo):
        service = _service(rel, name, data, dotenv(repo, parent_dir(rel)))
        if service is not None:
            found.append(service)
    return found


def _service(rel: str, name: str, data: Any, variables: Dict[str, str]) -> Optional[Service]:
    build = data.get("build") if isinstance(data, dict) else None
    if isinstance(build, str):
        build = {"context": build}
    if not isinstance(build, dict):
        return None
    context = files.joined(parent_dir(rel), interpolated(build.get("context", "."), variables))
    if context is None:
        return None
    dockerfile = interpolated(build.get("dockerfile"), variables)
    return Service(rel, name, context, files.joined(context, dockerfile) if isinstance(dockerfile, str) else None,
                   data)


#: a variable as Compose interpolates it: `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `$NAME`
VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<unset>:?-)(?P<default>[^}$]*))?\}"
                      r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
#: the longest build path interpolation may give (a path naming `$A` a thousand times, A a long value: no path)
MAX_PATH = 4096
#: `NAME=value` in a .env file (`export` allowed), the value quoted or not
DOTENV_LINE = re.compile(r"\s*(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*)")


def interpolated(value: Any, variables: Dict[str, str]) -> Any:
    """A compose path with its variables set as Compose sets them: the project's .env (`variables`), else the
    default written after `:-`/`-`; a variable neither gives, or any other form, leaves the value as written
    (a path that names no file). Only build paths are interpolated: a command's `$PORT` is the platform's."""
    if not isinstance(value, str) or "$" not in value:
        return value
    unresolved = False

    def one(match: "re.Match[str]") -> str:
        nonlocal unresolved
        name = match.group("braced") or match.group("bare")
        given = variables.get(name)
        if match.group("unset") == ":-" and not given:
            return str(match.group("default"))
        if match.group("unset") == "-" and given is None:
            return str(match.group("default"))
        if given is None:
            unresolved = True
            return match.group(0)
        return given

    result = VARIABLE.sub(one, value)
    return value if unresolved or "$" in result or len(result) > MAX_PATH else result


def dotenv(repo: Repo, directory: str) -> Dict[str, str]:
    """The variables of the `.env` beside a compose file (Compose reads it to interpolate the file): plain
    `NAME=value` lines, quotes removed, an unquoted value's ` # comment` dropped."""
    rel = files.joined(directory, ".env")
    source = files.text(repo, rel) if rel and repo.is_file(rel) else None
    variables: Dict[str, str] = {}
    for line in (source or "").splitlines():
        match = DOTENV_LINE.fullmatch(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        value = match.group("value").strip()
        if len(value) > 1 and value[0] in "'\"" and value.endswith(value[0]):
            value = value[1:-1]
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
        variables[match.group("name")] = value
    return variables


def read(target: Target) -> List[Statement]:
    found: List[Statement] = []
    mine = [service for service in target.services
            if service.context == target.root and (not target.siblings or service.name == target.name)]
    # web, worker and scheduler services built from the same context: the one that publishes a port
    # runs the app; the others' commands (`celery worker`) are its other processes, not its start
    listening = [service for service in mine if _published(service)]
    for service in mine:
        commanded = _command(target, service) if not listening or service in listening else []
        found += _ports(target, service) + commanded + _environment(target, service)
    return found


def _published(service: Service) -> bool:
    """Whether the service publishes or exposes a port (the web process among the app's services)."""
    return any(isinstance(service.data.get(key), list) and service.data.get(key) for key in ("ports", "expose"))


def _ports(target: Target, service: Service) -> List[Statement]:
    found = []
    for entry in service.data.get("ports") or [] if isinstance(service.data.get("ports"), list) else []:
        written = entry.get("target") if isinstance(entry, dict) else entry
        match = CONTAINER_PORT.fullmatch(str(written)) if isinstance(written, (str, int)) else None
        if match:
            evidence = files.evidence(target.repo, service.file, written)
            found.append(Statement("port", int(match.group(1)), evidence, COMPOSE))
    return found


def _command(target: Target, service: Service) -> List[Statement]:
    entrypoint, command = service.data.get("entrypoint"), service.data.get("command")
    if entrypoint is None and command is None:
        return []
    shown = entrypoint if entrypoint is not None else command
    evidence = files.evidence(target.repo, service.file, shown[0] if isinstance(shown, list) and shown else shown)
    argv = commands.split(entrypoint, target, evidence) if entrypoint is not None else []
    if argv is None:
        return []
    if command is not None:
        rest = commands.split(command, target, evidence)
        if rest is None:
            return []
        argv += rest
    return commands.statements(target, argv, evidence, COMPOSE) if argv else []


def _environment(target: Target, service: Service) -> List[Statement]:
    declared = service.data.get("environment")
    pairs: List[Any] = []
    if isinstance(declared, dict):
        pairs = list(declared.items())
    elif isinstance(declared, list):
        pairs = [str(item).partition("=")[::2] for item in declared if "=" in str(item)]
    found = []
    for name, value in pairs:
        evidence = files.evidence(target.repo, service.file, f"{name}")
        found += commands.environment(target, name, value, evidence, COMPOSE)
    return found
