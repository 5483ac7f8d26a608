"""Stand-ins for the official service images a generated compose.yaml names.

No container registry is reachable here, and `../shared/offline-images` has no recipe
for databases, caches or Node. `service_image(docker, "postgres:16-bookworm")` builds
one from Debian's packages on the Debian stand-in (tests/e2e/services/<name>/), with
the official image's interface (environment, data folder, user, port, entrypoint,
health command), tags it with the official name the compose file uses, and labels it
`standin.real-version` with what is really inside (Debian's PostgreSQL is 15, whatever
the tag says), as the base-image stand-ins do. An image already present is kept: a
registry's real image, or a stand-in built before.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Dict

if TYPE_CHECKING:
    from tests.e2e.docker import Docker

RECIPES = Path(__file__).resolve().parent / "services"

#: the official image name (its recipe folder) → what the stand-in really holds
KNOWN: Dict[str, str] = {
    "postgres": "PostgreSQL 15 (Debian bookworm)",
    "redis": "Redis 7.0 (Debian bookworm)",
    "mariadb": "MariaDB 10.11 (Debian bookworm)",
    "node": "Node.js 18 and npm 9 (Debian bookworm), corepack from npm",
    "rabbitmq": "RabbitMQ 3.10 (Debian bookworm)",
}


def recipe(tag: str) -> str:
    """The recipe folder for an official image name (`postgres:16-bookworm` → postgres)."""
    name = tag.split("@", 1)[0].rsplit(":", 1)[0].rsplit("/", 1)[-1]
    if name not in KNOWN:
        raise LookupError(f"no stand-in recipe for {tag} (known: {', '.join(sorted(KNOWN))})")
    return name


def service_image(docker: "Docker", tag: str) -> str:
    """Make sure an image tagged `tag` exists (building the stand-in if need be); return the tag."""
    name = recipe(tag)
    if docker.has_image(tag):
        return tag
    from tests.e2e.docker import standins

    standins_for = RECIPES / name / "Dockerfile"
    standins(standins_for)  # the Debian stand-in the recipe starts FROM
    with tempfile.TemporaryDirectory(prefix="scaffold-service-") as tmp:
        context = Path(tmp)
        for item in (RECIPES / name).iterdir():
            shutil.copy2(item, context / item.name)
        # the host's CA bundle, for TLS through this workplace's registry proxy (npm)
        shutil.copy2("/etc/ssl/certs/ca-certificates.crt", context / "host-ca.crt")
        docker.run("build", "-q", "-t", tag, "--label", f"standin.real-version={KNOWN[name]}", str(context),
                   timeout=1800)
    return tag


def main() -> None:  # pragma: no cover - a convenience for people: python -m tests.e2e.services TAG...
    import sys

    from tests.e2e.docker import Docker, client

    found = client()
    if not found:
        raise SystemExit("no docker client")
    for tag in sys.argv[1:]:
        print(service_image(Docker(found), tag))


if __name__ == "__main__":
    main()
