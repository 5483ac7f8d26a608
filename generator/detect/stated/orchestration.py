"""Kubernetes manifests and Helm values: containerPort, command/args, env of the app's container.

A manifest names images, not source directories, so a container is the app's when its
name or its image's name is the app's name, or when the repository has no other app.
Helm values are read from a chart (a directory with Chart.yaml) named like the app, or
any chart when the app is alone: `service.port` / `service.targetPort` / `containerPort`.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Optional

from generator.detect.stated import ORCHESTRATION, Statement, Target, commands, files
from generator.detect.walker import parent_dir
from generator.images import parse_image

#: workload kinds whose pod template holds the containers
WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"})
#: manifests looked at at most (a repository of generated manifests is not read whole)
MAX_MANIFESTS = 200


def read(target: Target) -> List[Statement]:
    """The app's containers' statements: those named like it first, then the others of a lone app, a
    one-word image (`postgres:18`, an official image beside the app: its database) last."""
    found: List[List[Statement]] = [[], [], []]
    manifests = [rel for rel in target.repo.files() if rel.endswith((".yaml", ".yml"))
                 and "/templates/" not in f"/{rel}" and not rel.rsplit("/", 1)[-1].startswith(("compose", "docker-"))]
    for rel in manifests[:MAX_MANIFESTS]:
        if rel.rsplit("/", 1)[-1] in ("values.yaml", "values.yml"):
            found[0] += _values(target, rel)
            continue
        if "kind:" not in (target.repo.read_text(rel, limit=files.MAX_BYTES) or ""):
            continue
        for document in files.yaml_documents(target.repo, rel):
            for container in _containers(document):
                rank = _ours(target, container)
                if rank is not None:
                    found[rank] += _container(target, rel, container)
    return [statement for ranked in found for statement in ranked]


def _containers(document: Any) -> Iterator[dict]:
    if not isinstance(document, dict) or document.get("kind") not in WORKLOADS:
        return
    spec = document.get("spec")
    for key in ("jobTemplate", "template"):
        while isinstance(spec, dict) and isinstance(spec.get(key), dict):
            spec = spec[key].get("spec")
    spec = spec if document.get("kind") != "Pod" else document.get("spec")
    for container in spec.get("containers") or [] if isinstance(spec, dict) else []:
        if isinstance(container, dict):
            yield container


def _ours(target: Target, container: dict) -> Optional[int]:
    """0: named like the app; 1: another container of a lone app; 2: one of a lone app, on a one-word
    image (most likely a service beside it); None: not the app's."""
    written = str(container.get("image") or "")
    image = parse_image(written).basename if written else ""
    if target.name in (container.get("name"), image):
        return 0
    if not target.alone:
        return None
    return 2 if written and "/" not in written and "$" not in written else 1


def _container(target: Target, rel: str, container: dict) -> List[Statement]:
    found: List[Statement] = []
    for port in container.get("ports") or [] if isinstance(container.get("ports"), list) else []:
        number = port.get("containerPort") if isinstance(port, dict) else None
        if isinstance(number, int) and not isinstance(number, bool):
            found.append(Statement("port", number, files.evidence(target.repo, rel, f"containerPort: {number}"),
                                   ORCHESTRATION))
    command, args = container.get("command"), container.get("args")
    if isinstance(command, list) or isinstance(args, list):
        shown = (command or args or [""])[0]
        evidence = files.evidence(target.repo, rel, shown)
        argv = commands.split((command or []) + (args or []), target, evidence) if command else None
        if argv:
            found += commands.statements(target, argv, evidence, ORCHESTRATION)
    for variable in container.get("env") or [] if isinstance(container.get("env"), list) else []:
        if isinstance(variable, dict) and "value" in variable:
            found += commands.environment(target, variable.get("name"), variable.get("value"),
                                          files.evidence(target.repo, rel, variable.get("name")), ORCHESTRATION)
    return found


def _values(target: Target, rel: str) -> List[Statement]:
    chart = parent_dir(rel)
    if not target.repo.is_file(f"{chart}/Chart.yaml" if chart != "." else "Chart.yaml"):
        return []
    if not (target.alone or chart.rsplit("/", 1)[-1] == target.name):
        return []
    found: List[Statement] = []
    for document in files.yaml_documents(target.repo, rel):
        service = document.get("service") if isinstance(document, dict) else None
        ports = [service.get("targetPort"), service.get("port")] if isinstance(service, dict) else []
        ports.append(document.get("containerPort") if isinstance(document, dict) else None)
        for port in ports:
            if isinstance(port, int) and not isinstance(port, bool):
                found.append(Statement("port", port, files.evidence(target.repo, rel, port), ORCHESTRATION))
    return found
