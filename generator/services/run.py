"""How the app's backing services run (compose.yaml) and how the app finds them (compose, Kubernetes):
the service table laid out for validated answers (docs/runtime.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Tuple

from generator.languages.base import Resources
from generator.services import CONVENTIONS, Service, services_of

#: where compose and Kubernetes mount secret files in every container
SECRETS_PATH = "/run/secrets"


@dataclass(frozen=True)
class ServiceRun:
    """One service as compose runs it: everything templates lay out, formatted."""

    name: str
    title: str
    image: str
    port: int
    user: str
    #: compose healthcheck test
    health: Tuple[str, ...]
    #: its data folder, on the named volume `volume`
    data: str
    volume: str
    #: tmpfs folders it writes besides (sockets)
    runs: Tuple[str, ...]
    environment: Tuple[str, ...]
    #: () : the image's own command
    command: Tuple[str, ...]
    #: the compose secret holding its password (a file under secrets/)
    secret: str
    #: NAME=value settings the app is given to reach it (no password: that is the secret file)
    address: Tuple[str, ...]
    #: the name of its password file in the app's containers (the secret's own, or what its convention reads)
    app_file: str = ""
    #: what its container may use at most (compose limits)
    resources: Resources = Resources()

    @property
    def uid(self) -> str:
        return self.user.split(":", 1)[0]

    @property
    def gid(self) -> str:
        return self.user.split(":", 1)[1]


def _run(service: Service, convention: str, jdbc_scheme: str) -> ServiceRun:
    app_file = service.password_file.get(convention, service.secret)
    values = {"secret": f"{SECRETS_PATH}/{service.secret}", "host": service.name, "jdbc_scheme": jdbc_scheme}
    return ServiceRun(
        name=service.name, title=service.title, image=service.image, port=service.port, user=service.user,
        health=tuple(part.format(**values) for part in service.health), data=service.data,
        volume=f"{service.name}-data", runs=service.runs,
        environment=tuple(setting.format(**values) for setting in service.environment),
        command=tuple(part.format(**values) for part in service.command), secret=service.secret,
        address=tuple(setting.format(**{**values, "secret": f"{SECRETS_PATH}/{app_file}"})
                      for setting in service.address[convention]), app_file=app_file)


def _convention(answers: Mapping[str, Any]) -> str:
    """How the app's language takes its services' addresses (a key of `Service.address`)."""
    from generator.languages import by_name

    drivers = by_name(answers["language"]).service_drivers()
    return drivers.convention if drivers else "url"


def service_runs(answers: Mapping[str, Any]) -> Tuple[ServiceRun, ...]:
    """The services the answers name, laid out for the app's language's convention."""
    convention = _convention(answers)
    jdbc_scheme = str(answers.get("jdbc_scheme") or "mariadb")  # Java's answer; others take no JDBC URL
    return tuple(_run(service, convention, jdbc_scheme) for service in services_of(answers))


def app_environment(answers: Mapping[str, Any]) -> Tuple[str, ...]:
    """Every NAME=value the app is given for its services: their addresses, then what its convention adds."""
    runs = service_runs(answers)
    if not runs:
        return ()
    return tuple(setting for run in runs for setting in run.address) + CONVENTIONS[_convention(answers)]
