"""Platform files at the app's root: how a PaaS runs it (Procfile, app.json, fly.toml, render.yaml,
railway.json/.toml, nixpacks.toml, railpack.json) and the version files its tools read.

A Procfile's `web:` line is read as Heroku's shell would (procfile.decompose: steps chained
before the server become release steps, `${PORT:-N}` names the port); the other start
commands must need no shell at all (commands.split).
"""

from __future__ import annotations

import re
from typing import Any, List, Optional

from generator.detect.model import Evidence, excerpt
from generator.detect.stated import PLATFORM, Statement, Target, commands, files, procfile
from generator.detect.walker import normalize

#: `web: gunicorn app:app` (the process a platform routes HTTP to)
WEB_LINE = re.compile(r"web:\s*(.+)")
#: a version as written in a version file (`3.12.1`, `17.0.2-tem`, `1.22`)
VERSION = re.compile(r"v?(\d+(?:\.\d+){0,2})")


def read(target: Target) -> List[Statement]:
    if target.siblings:  # a platform runs one app of a directory: which one, only its command can say
        return _procfile(target)
    return (_procfile(target) + _fly(target) + _render(target) + _railway(target) + _nixpacks(target)
            + _app_json(target) + _versions(target))


def _at(target: Target, name: str) -> Optional[str]:
    rel = normalize(f"{target.root}/{name}")
    return rel if target.repo.is_file(rel) else None


def _procfile(target: Target) -> List[Statement]:
    rel = _at(target, "Procfile")
    if rel is None:
        return []
    found = target.repo.find_line(rel, WEB_LINE)
    if found is None:
        return []
    match, evidence = found
    web = procfile.decompose(match.group(1))
    if isinstance(web, str):
        target.warn(evidence, f"the web: process needs a shell ({web}), which the hardened image does not have: "
                              "not used")
        return []
    statements = commands.statements(target, web.command, evidence, PLATFORM, web.port_default)
    if web.release:
        steps = [procfile.with_port(step, web.port_default) if web.port_default else step for step in web.release]
        statements.append(Statement("release", steps, evidence, PLATFORM))
    return statements


def _command(target: Target, rel: str, command: Any) -> List[Statement]:
    if not isinstance(command, str) or not command.strip():
        return []
    evidence = files.evidence(target.repo, rel, command.strip()[:40])
    argv = commands.split(command, target, evidence)
    return commands.statements(target, argv, evidence, PLATFORM) if argv else []


def _port(target: Target, rel: str, port: Any) -> List[Statement]:
    if isinstance(port, bool) or not isinstance(port, (int, str)):
        return []
    return [Statement("port", int(port) if str(port).isdigit() else port, files.evidence(target.repo, rel, port),
                      PLATFORM)]


def _env(target: Target, rel: str, env: Any) -> List[Statement]:
    found: List[Statement] = []
    for name, value in env.items() if isinstance(env, dict) else ():
        found += commands.environment(target, name, value, files.evidence(target.repo, rel, name), PLATFORM)
    return found


def _fly(target: Target) -> List[Statement]:
    rel = _at(target, "fly.toml")
    data = files.toml(target.repo, rel) if rel else None
    if not isinstance(data, dict):
        return []
    assert rel is not None
    found: List[Statement] = []
    http = data.get("http_service")
    if isinstance(http, dict):
        found += _port(target, rel, http.get("internal_port"))
    for service in data.get("services") or [] if isinstance(data.get("services"), list) else []:
        if isinstance(service, dict):
            found += _port(target, rel, service.get("internal_port"))
    processes = data.get("processes")
    if isinstance(processes, dict):
        found += _command(target, rel, processes.get("app") or processes.get("web"))
    return found + _env(target, rel, data.get("env"))


def _render(target: Target) -> List[Statement]:
    """render.yaml at the repository's root: the service whose rootDir is the app."""
    rel = "render.yaml" if target.repo.is_file("render.yaml") else None
    found: List[Statement] = []
    for document in files.yaml_documents(target.repo, rel) if rel else []:
        assert rel is not None
        services = document.get("services") if isinstance(document, dict) else None
        for service in services if isinstance(services, list) else []:
            if not isinstance(service, dict) or normalize(str(service.get("rootDir") or ".")) != target.root:
                continue
            found += _command(target, rel, service.get("startCommand"))
            variables = service.get("envVars")
            for variable in variables if isinstance(variables, list) else []:
                if isinstance(variable, dict) and "value" in variable:
                    found += commands.environment(target, variable.get("key"), variable.get("value"),
                                                  files.evidence(target.repo, rel, variable.get("key")), PLATFORM)
    return found


def _railway(target: Target) -> List[Statement]:
    for name in ("railway.json", "railway.toml", "railpack.json"):
        rel = _at(target, name)
        data = (files.json_data if name.endswith(".json") else files.toml)(target.repo, rel) if rel else None
        deploy = data.get("deploy") if isinstance(data, dict) else None
        if rel and isinstance(deploy, dict):
            return _command(target, rel, deploy.get("startCommand"))
    return []


def _nixpacks(target: Target) -> List[Statement]:
    rel = _at(target, "nixpacks.toml")
    data = files.toml(target.repo, rel) if rel else None
    start = data.get("start") if isinstance(data, dict) else None
    return _command(target, rel, start.get("cmd")) if rel and isinstance(start, dict) else []


def _app_json(target: Target) -> List[Statement]:
    """app.json (Heroku): the values of its `env` entries."""
    rel = _at(target, "app.json")
    data = files.json_data(target.repo, rel) if rel else None
    env = data.get("env") if isinstance(data, dict) else None
    if not rel or not isinstance(env, dict):
        return []
    values = {name: entry.get("value") if isinstance(entry, dict) else entry for name, entry in env.items()}
    return _env(target, rel, {name: value for name, value in values.items() if value is not None})


def _versions(target: Target) -> List[Statement]:
    """`.<language>-version`, .tool-versions, .sdkmanrc and runtime.txt (`<tool>-<version>`): the language's
    version, where the tool named is the language (its name, or an image name it knows: `golang`)."""
    language = target.language
    found: List[Statement] = []
    rel = _at(target, f".{language.name}-version")
    if rel:
        found += _version(target, rel, 1, (target.repo.lines(rel) or [""])[0])
    for name, separator in ((".tool-versions", None), (".sdkmanrc", "="), ("runtime.txt", "-")):
        rel = _at(target, name)
        for number, line in enumerate(target.repo.lines(rel) if rel else [], start=1):
            tool, _, version = line.strip().partition(separator) if separator else line.strip().partition(" ")
            if tool and (tool == language.name or language.image_version(tool, "") is not None):
                assert rel is not None
                found += _version(target, rel, number, version.strip().split(" ")[0].rsplit("-", 1)[-1]
                                  if tool == language.name and "-" in version and not separator else version.strip())
    return found


def _version(target: Target, rel: str, number: int, written: str) -> List[Statement]:
    match = VERSION.match(written.strip())
    if not match:
        return []
    line = target.repo.lines(rel)[number - 1] if target.repo.lines(rel) else written
    return [Statement("version", match.group(1), Evidence(rel, number, excerpt(line)), PLATFORM, fallback=True)]
