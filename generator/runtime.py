"""The runtime contract: how the image runs, derived once from the validated answers.

Only the tool that wrote the Dockerfile knows the numeric user, the port, the start
command, the paths the app writes and a probe that works without a shell. `runtime_for`
gathers them from the answers and the language's hooks (`Language.start_command`,
`environment`, `release_steps`, `writable_paths`, `health_command`, `http_probe_path`, `resources`,
`startup_seconds`), and every file that runs the image renders from the one `Runtime`:
the Dockerfile (USER, EXPOSE, HEALTHCHECK, ENTRYPOINT), compose.yaml and the Kubernetes
manifests. It is recorded beside the answers for readers and derived again on every
`scaffold upgrade`, never read back. What each setting is for: docs/runtime.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

from generator.languages import by_name
from generator.languages.base import TMP, Resources, WritablePath
from generator.services import services_of
from generator.services.run import SECRETS_PATH, ServiceRun, app_environment, service_runs
from generator.state import STATE_LABEL

#: below this port a process needs CAP_NET_BIND_SERVICE to listen (HARDENING R2)
PRIVILEGED_PORTS = 1024
#: Kubernetes `runAsUser`/`runAsGroup` must be above this (HARDENING R7; checkov CKV_K8S_40, Trivy KSV-0020/21)
KUBERNETES_MIN_ID = 10000
#: how much a kept folder asks for (Kubernetes PersistentVolumeClaim `storage`), MiB
DATA_SIZE_MB = 1024


@dataclass(frozen=True)
class Writable:
    """A path the app writes: a tmpfs in compose and an emptyDir in Kubernetes, or when `kept` a named
    volume and a PersistentVolumeClaim (named `volume` in both)."""

    path: str
    why: str
    size_mb: int
    #: its volume name (a DNS label, unique in the pod and the compose project)
    volume: str
    #: whether its files outlive the container (`--data`)
    kept: bool = False


@dataclass(frozen=True)
class Probe:
    """How an orchestrator sees that the app is up: its port, and what it can run or ask."""

    port: int
    #: an HTTP path the framework serves for health (Kubernetes httpGet); "" : a TCP connection
    http_path: str
    #: an exec-form probe the image can run itself (Dockerfile HEALTHCHECK, compose); () : none
    command: Tuple[str, ...]
    #: why there is no `command`, written where the probe would be
    no_command: str
    #: how long the app may take to start before failed probes count
    startup_seconds: int


@dataclass(frozen=True)
class ConfigMount:
    """The configuration file the program is started with, mounted read-only over the image's copy."""

    #: the file, relative to the build context (where compose.yaml is)
    source: str
    #: where the program reads it (the image's copy)
    target: str

    @property
    def name(self) -> str:
        """The file's own name: the ConfigMap's key."""
        return self.target.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Runtime:
    """Everything the Dockerfile, compose.yaml and the manifests agree on (docs/runtime.md)."""

    #: the app's name as a DNS label: image, compose service and network, Kubernetes objects
    name: str
    uid: int
    gid: int
    #: the port the app listens on; None for a command-line program (no probe, no Service)
    port: Optional[int]
    #: what ENTRYPOINT runs
    command: Tuple[str, ...]
    #: `NAME=value` settings of the image (ENV), e.g. the listen address a Go program reads
    env: Tuple[str, ...]
    #: commands run once, in order, before the app starts (compose one-shot services, initContainers)
    release: Tuple[Tuple[str, ...], ...]
    #: the only writable paths (tmpfs, emptyDir); the root filesystem is read-only
    writable: Tuple[Writable, ...]
    #: None for a command-line program
    probe: Optional[Probe]
    resources: Resources
    #: capabilities added back after dropping ALL (only NET_BIND_SERVICE, for a port below 1024)
    capabilities: Tuple[str, ...]
    #: secrets the app reads as files under /run/secrets (its own, then its services' passwords)
    secrets: Tuple[str, ...]
    #: the configuration file mounted read-only (compose configs, a ConfigMap); None: none
    config: Optional[ConfigMount] = None
    #: the backing services compose runs beside it (generator/services)
    services: Tuple[ServiceRun, ...] = ()
    #: NAME=value settings that tell the app where its services are (compose `environment`)
    service_env: Tuple[str, ...] = ()

    @property
    def secret_files(self) -> Dict[str, str]:
        """The secrets the app reads under another file name than their own: {secret: file name}."""
        return {run.secret: run.app_file for run in self.services if run.app_file != run.secret}

    @property
    def service_addresses(self) -> Tuple[str, ...]:
        """The names of the settings that are the team's in a cluster (addresses, user names): Kubernetes
        takes each from the app's Secret; the rest (a password file's path) are the same everywhere."""
        return tuple(setting.split("=", 1)[0] for setting in self.service_env if not _fixed(setting))

    @property
    def service_fixed(self) -> Tuple[str, ...]:
        """The settings Kubernetes gives as they are (a password file's path, Spring's config tree)."""
        return tuple(setting for setting in self.service_env if _fixed(setting))

    @property
    def server(self) -> bool:
        return self.port is not None

    @property
    def state_dirs(self) -> Tuple[str, ...]:
        """The folders the image creates owned by the app's user, and the only ones: every writable
        path but /tmp. A tmpfs takes the mode of the folder it covers, and a fresh named volume its
        owner, so the folder must exist in the image with the app's owner for either to be writable."""
        return tuple(sorted(w.path for w in self.writable if w.path != TMP.path))

    @property
    def state_label(self) -> str:
        """The image label naming `state_dirs` (for templates)."""
        return STATE_LABEL

    @property
    def volumes(self) -> Tuple[Writable, ...]:
        """The kept paths: named volumes (compose), PersistentVolumeClaims (Kubernetes)."""
        return tuple(w for w in self.writable if w.kept)

    def run_mounts(self) -> Tuple[str, ...]:
        """`docker run` options for the writable paths, as compose mounts them: a tmpfs each (owned by
        the app's user but /tmp), a named volume `NAME-VOLUME` for each kept one."""
        return tuple(f"--tmpfs {w.path}" if w.path == TMP.path else f"-v {self.name}-{w.volume}:{w.path}" if w.kept
                     else f"--tmpfs {w.path}:uid={self.uid},gid={self.gid},mode=0700" for w in self.writable)

    @property
    def tmpfs(self) -> Tuple[Writable, ...]:
        """The paths lost on exit: tmpfs (compose), emptyDir (Kubernetes)."""
        return tuple(w for w in self.writable if not w.kept)

    def to_record(self) -> Dict[str, Any]:
        """Plain data for `.scaffold/answers.yml` (for readers: upgrade derives it again)."""
        probe = None
        if self.probe is not None:
            probe = {"port": self.probe.port, "http_path": self.probe.http_path or None,
                     "command": list(self.probe.command) or None,
                     "no_command": self.probe.no_command if not self.probe.command else None,
                     "startup_seconds": self.probe.startup_seconds}
            probe = {key: value for key, value in probe.items() if value is not None}
        return {
            "user": f"{self.uid}:{self.gid}",
            "port": self.port,
            "command": list(self.command),
            "env": list(self.env),
            "release": [list(step) for step in self.release],
            "writable": [{"path": w.path, "size_mb": w.size_mb, "why": w.why, "kept": w.kept} for w in self.writable],
            "probe": probe,
            "resources": dict(self.resources._asdict()),
            "capabilities": list(self.capabilities),
            "secrets": list(self.secrets),
            "config": {"source": self.config.source, "target": self.config.target} if self.config else None,
            "services": [service.name for service in self.services],
        }


def _fixed(setting: str) -> bool:
    value = setting.split("=", 1)[1]
    return value.startswith(SECRETS_PATH) or "configtree:" in value


def dns_label(name: str) -> str:
    """An app name (a slug) as a DNS-1123 label: Kubernetes names, image and network names."""
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:63].rstrip("-")
    return label or "app"


def _volume(path: WritablePath, taken: "Iterable[Writable]") -> str:
    """A volume name for `path` that no other writable path of the pod has."""
    base = dns_label(path.path.strip("/") or "root")[:55].rstrip("-")
    names = {w.volume for w in taken}
    name, number = base, 1
    while name in names:
        number += 1
        name = f"{base}-{number}"
    return name


def _state_paths(language_paths: "Iterable[WritablePath]",
                 answers: Mapping[str, Any]) -> "Iterable[Tuple[WritablePath, bool]]":
    """The writable paths in the order their reason wins: kept folders (`--data`) first, since a
    volume also serves a path the language writes, then the language's, then `--writable`."""
    for path in answers.get("data") or ():
        yield WritablePath(path, "kept: a named volume (compose), a PersistentVolumeClaim (Kubernetes); "
                           "the image creates it owned by the app's user", DATA_SIZE_MB), True
    for path in language_paths:
        yield path, False
    for path in answers.get("writable") or ():
        yield WritablePath(path, "written by the app and lost on exit; the image creates it owned by the "
                           "app's user"), False


def runtime_for(answers: Mapping[str, Any]) -> Runtime:
    """The contract for validated answers (generator.validate), from the language's hooks."""
    language = by_name(answers["language"])
    port = answers.get("port")
    services = service_runs(answers)
    writable: Dict[str, Writable] = {}
    for path, kept in _state_paths(language.writable_paths(answers), answers):
        if path.path not in writable:  # the first reason given for a path wins
            writable[path.path] = Writable(path.path, path.why, path.size_mb, _volume(path, writable.values()), kept)
    probe = None
    if port is not None:
        command = language.health_command(answers)
        probe = Probe(int(port), language.http_probe_path(answers), tuple(command or ()),
                      "" if command else language.no_health_command, language.startup_seconds)
    return Runtime(
        name=dns_label(str(answers["app_name"])),
        uid=int(answers["uid"]),
        gid=int(answers["gid"]),
        port=port,
        command=tuple(language.start_command(answers)),
        env=tuple(language.environment(answers)),
        release=tuple(tuple(step) for step in language.release_steps(answers)),
        writable=tuple(writable.values()),
        probe=probe,
        resources=language.resources,
        capabilities=("NET_BIND_SERVICE",) if port is not None and port < PRIVILEGED_PORTS else (),
        secrets=tuple(dict.fromkeys([*(answers.get("secrets") or ()), *(run.secret for run in services)])),
        config=_config(answers, language.config_mount(answers)),
        services=services,
        service_env=app_environment(answers),
    )


def _config(answers: Mapping[str, Any], mount: Optional[Tuple[str, str]]) -> Optional[ConfigMount]:
    """The language's configuration mount, its file relative to the build context (the app's source_dir)."""
    if mount is None:
        return None
    source_dir = str(answers.get("source_dir") or ".")
    return ConfigMount(mount[0] if source_dir == "." else f"{source_dir}/{mount[0]}", mount[1])


def refusal(answers: Mapping[str, Any]) -> Optional[str]:
    """Why these answers cannot give the companion files they ask for (None: they can)."""
    if TMP.path in (answers.get("data") or ()):
        return ("--data /tmp would keep temporary files in a volume; /tmp is always a tmpfs: keep files in a "
                "folder of their own (--data data)")
    clash = next((s.name for s in services_of(answers) if s.name == dns_label(str(answers["app_name"]))), None)
    if clash:
        return (f"the app is named {clash}, like the {clash} service compose runs beside it: give the app another "
                "name (--name)")
    settings = [setting.split("=", 1)[0] for setting in app_environment(answers)]
    twice = sorted({name for name in settings if settings.count(name) > 1})
    if twice:
        return (f"the services {', '.join(s.name for s in services_of(answers))} would each set {', '.join(twice)} "
                "for the app: choose one database (--service)")
    if not answers.get("kubernetes"):
        return None
    low = [key for key in ("uid", "gid") if int(answers[key]) <= KUBERNETES_MIN_ID]
    if low:
        return (f"Kubernetes manifests need {' and '.join(low)} above {KUBERNETES_MIN_ID} (Pod Security "
                f"\"restricted\" and the scanners ask runAsUser/runAsGroup > {KUBERNETES_MIN_ID}, HARDENING "
                f"R7); use {' '.join(f'--{key} 10001' for key in low)}, or leave out --kubernetes")
    port = answers.get("port")
    if port is not None and port < PRIVILEGED_PORTS:
        return (f"Kubernetes manifests need a port of {PRIVILEGED_PORTS} or above: binding port {port} takes a "
                "capability or a sysctl that the scanners flag (Trivy KSV-0117 and KSV-0022, checkov CKV_K8S_25); "
                "make the app listen on a port such as 8080 (the Service can still publish a low port to the "
                "cluster), or leave out --kubernetes")
    return None
