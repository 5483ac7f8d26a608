"""Backing services an app talks to (a database, a cache, a document store, a broker): one table, read by detection, validation
and the templates alike (docs/runtime.md).

`SERVICES` says, per service, everything compose.yaml and the manifests need: the official image
(its tag pinned in generator/pins.py), port, user, health command, data folder, the environment
it takes (its password always from a file), and the address the app is given. Languages only
declare which of their dependency names imply which service (`Language.service_drivers`);
detection (`generator/services/detect.py`) reads those and the address variables and URLs an app
names. `services_of(answers)` answers "which services does this app use" for the rest of the program.
"""

from __future__ import annotations

from typing import Any, List, Mapping, NamedTuple, Tuple

#: services one app may name at most (the table's size bounds it anyway)
MAX_SERVICES = 8
#: where compose reads the secrets from, beside compose.yaml (git-ignored, out of the build context)
SECRETS_DIR = "secrets"


class Driver(NamedTuple):
    """Dependency names of one language that mean the app talks to `service` (a language's table)."""

    service: str
    #: as written in the language's dependency files (distribution, import path, artifactId)
    names: Tuple[str, ...]


class Drivers(NamedTuple):
    """What one language says about services: where its dependencies and its settings are written,
    and which dependency names imply which service."""

    #: globs of the files that list dependencies (requirements.txt, pom.xml; Go's imports, in *.go)
    dependencies: Tuple[str, ...]
    #: globs of the code and settings that may name an address variable or a URL
    sources: Tuple[str, ...]
    drivers: Tuple[Driver, ...]
    #: names in the code or settings that imply a service (Django's ENGINE "django.db.backends.postgresql")
    settings: Tuple[Driver, ...] = ()
    #: which address settings the app is given (a key of `Service.address`): "url" (DATABASE_URL and
    #: its kin) or "spring" (Spring Boot's datasource properties)
    convention: str = "url"


class Service(NamedTuple):
    """One backing service as its official image runs it, hardened."""

    name: str
    title: str
    port: int
    #: the image's own user (uid:gid); the container runs as it, so it needs no capability to chown or switch
    user: str
    #: "database" (SQL: what an app migrates, one per app), "cache", "documents" or "broker": only databases
    #: are chosen between when an app has drivers for several
    kind: str
    #: compose healthcheck test (["CMD", ...] or ["CMD-SHELL", "..."]); {secret} as in `environment`
    health: Tuple[str, ...]
    #: its data folder: a named volume, created owned by `user` from the image's folder
    data: str
    #: the folders it writes besides its data (sockets, pid files): tmpfs owned by `user`
    runs: Tuple[str, ...]
    #: NAME=value settings of the image; {secret} is the password file's path in the container
    environment: Tuple[str, ...]
    #: the command, when the image takes the password in no variable ({secret} as above); () : the image's.
    #: Redis reads its configuration from standard input (`-`): the password is on no command line, and
    #: `exec` leaves redis-server the container's first process, which saves its data on `docker stop`
    command: Tuple[str, ...]
    #: the app's address settings by convention (Language.service_convention): NAME=value, {host} the
    #: service's host name, {secret} its password file in the app's container, {jdbc_scheme} the scheme
    #: the app's MySQL-protocol driver takes (the `jdbc_scheme` answer: Java's)
    address: Mapping[str, Tuple[str, ...]]
    #: the file name the app reads its password under, by convention, where not the secret's own name:
    #: Spring Boot reads /run/secrets/spring.datasource.password as that property (a config tree)
    password_file: Mapping[str, str]
    #: environment variables whose name alone says the app reads this service's address
    variables: Tuple[str, ...]
    #: URL schemes whose address names this service (a default DATABASE_URL, spring.datasource.url)
    schemes: Tuple[str, ...]
    #: image names (the last part of the repository, before the tag) that run this service in a compose
    #: file of the repository's own: what it states it runs beside the app
    images: Tuple[str, ...] = ()
    #: settings of the app's own files, by convention, that take over the address it is given (Spring
    #: Boot ignores spring.data.mongodb.host and the password beside a spring.data.mongodb.uri): detection
    #: warns where the app sets one
    shadowing: Mapping[str, Tuple[str, ...]] = {}

    @property
    def image(self) -> str:
        from generator.pins import SERVICE_IMAGES

        return SERVICE_IMAGES[self.name]

    @property
    def secret(self) -> str:
        """The compose secret (and Kubernetes Secret key) holding its password: a file under secrets/."""
        return f"{self.name}-password"


#: the database user and database every service is set up with
ACCOUNT = "app"
#: what an app of a convention is given once whatever its services: Spring Boot reads each file under
#: /run/secrets as a property named after it (a config tree): its password is such a file. As an
#: additional location, the tree overrides the app's application.properties (a development
#: `spring.datasource.password` there is common); imported through SPRING_CONFIG_IMPORT, it did not
CONVENTIONS = {"url": (), "spring": ("SPRING_CONFIG_ADDITIONAL_LOCATION=optional:configtree:/run/secrets/",)}

SERVICES: Tuple[Service, ...] = (
    Service(
        "postgres", "PostgreSQL", 5432, "999:999", "database",
        ("CMD", "pg_isready", "--host=127.0.0.1", f"--username={ACCOUNT}", f"--dbname={ACCOUNT}"),
        "/var/lib/postgresql/data", ("/var/run/postgresql",),
        (f"POSTGRES_USER={ACCOUNT}", f"POSTGRES_DB={ACCOUNT}", "POSTGRES_PASSWORD_FILE={secret}"), (),
        {"url": (f"DATABASE_URL=postgresql://{ACCOUNT}@{{host}}:5432/{ACCOUNT}", "DATABASE_PASSWORD_FILE={secret}"),
         "spring": (f"SPRING_DATASOURCE_URL=jdbc:postgresql://{{host}}:5432/{ACCOUNT}",
                    f"SPRING_DATASOURCE_USERNAME={ACCOUNT}")},
        {"spring": "spring.datasource.password"},
        ("POSTGRES_URL", "POSTGRES_HOST", "POSTGRES_DSN", "PGHOST", "PG_DSN"),
        ("postgres://", "postgresql://", "postgresql+", "jdbc:postgresql:", "r2dbc:postgresql:"),
        ("postgres", "postgresql", "postgis", "timescaledb", "pgvector"),
    ),
    Service(
        "mariadb", "MariaDB (MySQL protocol)", 3306, "999:999", "database",
        ("CMD", "healthcheck.sh", "--connect", "--innodb_initialized"),
        "/var/lib/mysql", ("/run/mysqld",),
        (f"MARIADB_USER={ACCOUNT}", f"MARIADB_DATABASE={ACCOUNT}", "MARIADB_PASSWORD_FILE={secret}",
         "MARIADB_ROOT_PASSWORD_FILE={secret}"), (),
        {"url": (f"DATABASE_URL=mysql://{ACCOUNT}@{{host}}:3306/{ACCOUNT}", "DATABASE_PASSWORD_FILE={secret}"),
         "spring": (f"SPRING_DATASOURCE_URL=jdbc:{{jdbc_scheme}}://{{host}}:3306/{ACCOUNT}",
                    f"SPRING_DATASOURCE_USERNAME={ACCOUNT}")},
        {"spring": "spring.datasource.password"},
        ("MYSQL_URL", "MYSQL_HOST", "MYSQL_DSN", "MARIADB_URL", "MARIADB_HOST"),
        ("mysql://", "mysql+", "mariadb://", "mariadb+", "jdbc:mysql:", "jdbc:mariadb:"),
        ("mariadb", "mysql", "mysql-server", "percona-server"),
    ),
    Service(
        "redis", "Redis", 6379, "999:999", "cache",
        ("CMD-SHELL", 'REDISCLI_AUTH="$(cat {secret})" redis-cli ping | grep -q PONG'),
        "/data", (),
        (), ("sh", "-c", "exec redis-server - <<EOF\nrequirepass $(cat {secret})\nEOF\n"),
        {"url": ("REDIS_URL=redis://{host}:6379/0", "REDIS_PASSWORD_FILE={secret}"),
         "spring": ("SPRING_DATA_REDIS_HOST={host}", "SPRING_DATA_REDIS_PORT=6379")},
        {"spring": "spring.data.redis.password"},
        ("REDIS_URL", "REDIS_HOST", "REDIS_ADDR", "REDIS_DSN"),
        ("redis://", "rediss://"),
        ("redis", "redis-stack-server", "valkey", "keydb"),
    ),
    # The official image makes a root user from MONGO_INITDB_ROOT_*_FILE on an empty volume (it makes no
    # other user): the app signs in as it, against the admin database (authSource).
    Service(
        "mongodb", "MongoDB", 27017, "999:999", "documents",
        ("CMD", "mongosh", "--quiet", "--norc", "--eval", "quit(db.adminCommand('ping').ok ? 0 : 1)"),
        "/data/db", ("/data/configdb",),
        (f"MONGO_INITDB_ROOT_USERNAME={ACCOUNT}", "MONGO_INITDB_ROOT_PASSWORD_FILE={secret}"), (),
        {"url": (f"MONGODB_URI=mongodb://{ACCOUNT}@{{host}}:27017/{ACCOUNT}?authSource=admin",
                 "MONGODB_PASSWORD_FILE={secret}"),
         "spring": ("SPRING_DATA_MONGODB_HOST={host}", "SPRING_DATA_MONGODB_PORT=27017",
                    f"SPRING_DATA_MONGODB_DATABASE={ACCOUNT}", f"SPRING_DATA_MONGODB_USERNAME={ACCOUNT}",
                    "SPRING_DATA_MONGODB_AUTHENTICATION_DATABASE=admin")},
        {"spring": "spring.data.mongodb.password"},
        ("MONGODB_URI", "MONGODB_URL", "MONGO_URI", "MONGO_URL", "MONGODB_HOST", "MONGO_HOST", "MONGO_DSN",
         "SPRING_DATA_MONGODB_URI"),
        ("mongodb://", "mongodb+srv://"),
        ("mongo", "mongodb", "mongodb-community-server", "percona-server-mongodb"),
        {"spring": ("spring.data.mongodb.uri",)},
    ),
    # The image takes no password from a file since RabbitMQ 3.9 (RABBITMQ_DEFAULT_PASS_FILE makes its
    # entrypoint exit): its command writes a config file with `default_pass` on a tmpfs, read from the
    # secret at each start (used only when the volume is empty). A fixed node name keeps the data folder
    # (named after the node) the same when compose recreates the container with another host name.
    Service(
        "rabbitmq", "RabbitMQ", 5672, "999:999", "broker",
        # `ping` answers as soon as the Erlang node is up, seconds before the broker accepts a connection (its
        # users are not there yet): healthy must mean the app can connect, so the listeners are checked
        ("CMD", "rabbitmq-diagnostics", "-q", "check_port_connectivity"),
        "/var/lib/rabbitmq", ("/etc/rabbitmq/conf.d", "/var/log/rabbitmq"),
        ("RABBITMQ_NODENAME=rabbit@localhost",),
        ("sh", "-c", "umask 077\ncat > /etc/rabbitmq/conf.d/90-scaffold.conf <<EOF\nlog.console = true\n"
                     f"log.file = false\ndefault_user = {ACCOUNT}\ndefault_pass = $(cat {{secret}})\nEOF\n"
                     "exec rabbitmq-server\n"),
        {"url": (f"AMQP_URL=amqp://{ACCOUNT}@{{host}}:5672/", "RABBITMQ_PASSWORD_FILE={secret}"),
         "spring": ("SPRING_RABBITMQ_ADDRESSES={host}:5672", f"SPRING_RABBITMQ_USERNAME={ACCOUNT}")},
        {"spring": "spring.rabbitmq.password"},
        ("AMQP_URL", "AMQP_URI", "AMQP_DSN", "RABBITMQ_URL", "RABBITMQ_URI", "RABBITMQ_HOST", "RABBITMQ_ADDR",
         "RABBIT_URL", "SPRING_RABBITMQ_HOST", "SPRING_RABBITMQ_ADDRESSES"),
        ("amqp://", "amqps://", "pyamqp://", "librabbitmq://"),
        ("rabbitmq",),
    ),
)


def names() -> Tuple[str, ...]:
    return tuple(service.name for service in SERVICES)


def parse_services(raw: Any) -> List[str]:
    """Service names from the table, each once (a list, or text separated by commas or spaces); none: []."""
    from generator.parsers import choices_once

    return choices_once(raw, names(), MAX_SERVICES)


def services_of(answers: Mapping[str, Any]) -> Tuple[Service, ...]:
    """Which backing services the app uses, in the table's order: what compose runs beside it, and whether a
    database is configured (`databases_of`). Validated answers, or raw ones (a language's `derive` sees the
    detected `services` fact there): only the table's names count."""
    wanted = set(answers.get("services") or ())
    return tuple(service for service in SERVICES if service.name in wanted)


def databases_of(answers: Mapping[str, Any]) -> Tuple[Service, ...]:
    """The databases among them (what migrations run against): none means no database is configured."""
    return tuple(service for service in services_of(answers) if service.kind == "database")
