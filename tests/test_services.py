"""Backing services: detection per language, the answers, the files that run them, the secret files.

The service table (generator/services) is the one place a service is described; these tests
check that detection reads each language's driver names and the address variables and URLs
an app names, that `--service`/`--no-services` are answers validated against the table and
recorded, that compose.yaml runs each service hardened beside the app and the manifests take
its address from the app's Secret, and that `scaffold new` makes each password once, private
and out of git and of the build context.
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from generator.detect import detect
from generator.detect.model import AppCandidate
from generator.detect.walker import Repo
from generator.errors import InputError
from generator.render import render
from generator.runtime import runtime_for
from generator.services import SERVICES, parse_services, services_of
from generator.services.detect import detect_services
from generator.validate import resolve_answers, validate
from tests.cases import BASE, COMMON
from tests.helpers import FIXTURES, copy_fixture, scaffold, tree
from tests.lint_tools import checkov_kubernetes, compose_config, compose_lint, trivy_config

#: the one compose-lint finding a service keeps: its image is pinned by tag, its digest at deploy time
#: (no registry answers here to resolve one; docs/runtime.md)
SERVICE_DIGEST = ("CL-0019 medium {service}: Image '{image}' is pinned to a tag but not a digest. Tags can be "
                  "overwritten on the registry, so this does not guarantee image immutability.")

# -- detection: each language's driver names, the address variables, the URLs -------------------

#: (language, files, the services found): the drivers, and what must not count
DETECTION = [
    ("python", {"requirements.txt": "Django==5.1\npsycopg2-binary==2.9.10\n"}, ["postgres"]),
    ("python", {"requirements.txt": "psycopg[binary]>=3.2\ndjango-redis\n"}, ["postgres", "redis"]),
    ("python", {"pyproject.toml": '[tool.poetry.dependencies]\nredis = "^5"\nPyMySQL = "*"\n'}, ["mariadb", "redis"]),
    ("python", {"requirements.txt": "types-redis\nredis-tools-docs\n# psycopg2\n"}, []),
    ("python", {"app/settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.mysql"}}\n'}, ["mariadb"]),
    ("python", {"app.py": 'import os\nbroker = os.environ["REDIS_URL"]\n'}, ["redis"]),
    ("python", {"app.py": 'import os\nurl = os.environ["DATABASE_URL"]\n'}, []),  # which database: not said
    ("python", {"app.py": 'url = os.getenv("DATABASE_URL", "postgresql+psycopg://app@db/app")\n'}, ["postgres"]),
    ("python", {"tests/conftest.py": 'URL = "postgresql://test@localhost/test"\n'}, []),  # tests are not the app
    # Go: what the program imports; go.mod also requires what a library of it only offers (`// indirect`)
    ("go", {"main.go": 'import "github.com/jackc/pgx/v5/pgxpool"\n'}, ["postgres"]),
    ("go", {"main.go": 'import (\n\t_ "github.com/go-sql-driver/mysql"\n\t"github.com/redis/go-redis/v9"\n)\n'},
     ["mariadb", "redis"]),
    ("go", {"go.mod": "module x\n", "main.go": 'var dsn = os.Getenv("POSTGRES_DSN")\n'}, ["postgres"]),
    ("go", {"main.go": 'import "github.com/lib/pqueue"\n'}, []),
    ("go", {"go.mod": "module x\n\nrequire (\n\tgithub.com/jinzhu/gorm v1.9.16\n\tgithub.com/lib/pq v1.10.0 // indirect\n"
                      "\tgithub.com/go-sql-driver/mysql v1.5.0 // indirect\n)\n",
            "db.go": 'import _ "github.com/jinzhu/gorm/dialects/sqlite"\n'}, []),  # GORM 1 on SQLite
    ("go", {"db.go": 'import _ "github.com/jinzhu/gorm/dialects/postgres"\n'}, ["postgres"]),
    ("java", {"pom.xml": "<artifactId>mysql-connector-j</artifactId>\n"}, ["mariadb"]),
    ("java", {"build.gradle": "runtimeOnly 'org.postgresql:postgresql:42.7.4'\n"}, ["postgres"]),
    ("java", {"pom.xml": "<artifactId>spring-boot-starter-data-jpa</artifactId>\n"}, []),  # JPA alone: no database
    ("java", {"src/main/resources/application.properties": "spring.datasource.url=jdbc:postgresql://db:5432/app\n"},
     ["postgres"]),
    ("java", {"build.gradle.kts": 'implementation("io.lettuce:lettuce-core:6.4.0")\n'}, ["redis"]),
    # MongoDB and RabbitMQ: the drivers, the address variables, the URLs
    ("python", {"requirements.txt": "motor==3.6.0\npika==1.3.2\n"}, ["mongodb", "rabbitmq"]),
    ("python", {"pyproject.toml": '[project]\ndependencies = ["beanie>=1.27", "aio-pika"]\n'}, ["mongodb", "rabbitmq"]),
    ("python", {"app.py": 'import os\nclient = MongoClient(os.environ["MONGO_URI"])\n'}, ["mongodb"]),
    ("python", {"app.py": 'DATABASE_URL = os.getenv("DATABASE_URL", "mongodb://localhost/app")\n'}, ["mongodb"]),
    # Celery alone (or its `amqp` dependency, locked) says no broker; its broker URL's scheme does
    ("python", {"requirements.txt": "celery==5.4.0\namqp==5.3.1\nkombu==5.4.2\n"}, []),
    ("python", {"requirements.txt": "celery==5.4.0\n", "tasks.py": 'app = Celery(broker="pyamqp://rabbit//")\n'},
     ["rabbitmq"]),
    ("python", {"requirements.txt": "celery[redis]==5.4.0\n",
                "tasks.py": 'app = Celery(broker=os.environ["CELERY_BROKER_URL"])\n'}, ["redis"]),
    ("go", {"main.go": 'import "go.mongodb.org/mongo-driver/v2/mongo"\n'}, ["mongodb"]),
    ("go", {"main.go": 'import (\n\t"github.com/streadway/amqp"\n)\nvar u = os.Getenv("RABBITMQ_URL")\n'},
     ["rabbitmq"]),
    ("go", {"go.mod": "module x\n\nrequire go.mongodb.org/mongo-driver v1.17.1 // indirect\n"}, []),
    ("java", {"pom.xml": "<artifactId>spring-boot-starter-data-mongodb-reactive</artifactId>\n"}, ["mongodb"]),
    ("java", {"build.gradle": "implementation 'org.mongodb:mongodb-driver-sync:5.2.1'\n"
                              "implementation 'org.springframework.boot:spring-boot-starter-amqp'\n"},
     ["mongodb", "rabbitmq"]),
    ("java", {"src/main/resources/application.yml": "spring:\n  rabbitmq:\n    addresses: amqp://mq:5672\n"},
     ["rabbitmq"]),
]


@pytest.mark.parametrize("language,files,services", DETECTION,
                         ids=[f"{lang}-{i}" for i, (lang, _, _) in enumerate(DETECTION)])
def test_services_are_detected_from_drivers_variables_and_urls(tmp_path, language, files, services):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    app = AppCandidate(language, "demo", ".")
    detect_services(Repo(tmp_path), app)
    assert app.value("services", []) == services
    if services:  # the evidence is a file and line that names one of them
        evidence = app.facts["services"].evidence
        assert evidence and evidence.file in files and evidence.line


def test_an_address_the_repositorys_compose_file_gives_the_app_counts(tmp_path):
    """A Celery worker reads its broker from BROKER_URL, which only the repository's compose file sets (to
    pyamqp://); another service's environment (built elsewhere, or an image) says nothing of this app."""
    (tmp_path / "worker").mkdir()
    (tmp_path / "worker" / "tasks.py").write_text('app = Celery("tasks", broker=environ["BROKER_URL"])\n')
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  worker:\n    build: worker/\n    environment:\n      - BROKER_URL=pyamqp://rabbitmq:5672\n"
        "      - RESULT_BACKEND=rpc://\n  other:\n    build: other\n    environment:\n"
        "      MONGO_URL: mongodb://mongo/app\n  mongo:\n    image: mongo:7\n")
    app = AppCandidate("python", "worker", "worker")
    detect_services(Repo(tmp_path), app)
    assert app.value("services") == ["rabbitmq"]
    assert str(app.facts["services"].evidence).startswith("docker-compose.yml:5")


def test_a_driver_alone_that_the_repositorys_compose_does_not_run_is_no_service():
    """A query tool lists pymongo among the sources its users may connect to; its own compose file runs
    postgres and redis, and nothing of its code gives MongoDB an address: no mongodb service, said with
    the flag that adds it. The drivers whose services the compose file runs stay."""
    repo = Repo(FIXTURES / "python/query-sources")
    app = AppCandidate("python", "query-sources", ".")
    detect_services(repo, app)
    assert app.value("services") == ["postgres", "redis"]
    assert [(n.file, n.message) for n in repo.notices] == [
        ("requirements.txt", "line 7: a mongodb driver, but the repository's compose runs no mongodb: no mongodb "
                             "service (--service mongodb)")]


def test_a_driver_is_the_evidence_before_a_setting(tmp_path):
    (tmp_path / "a_settings.py").write_text('ENGINE = "django.db.backends.postgresql"\n')
    (tmp_path / "requirements.txt").write_text("psycopg==3.2.3\n")
    app = AppCandidate("python", "demo", ".")
    detect_services(Repo(tmp_path), app)
    assert str(app.facts["services"].evidence).startswith("requirements.txt:1")


def test_the_repositorys_compose_file_says_which_of_several_databases(tmp_path):
    """Drivers for PostgreSQL and MariaDB: the repository's compose file runs mariadb:10.11, so that one
    is the app's (both would set DATABASE_URL, which new --yes refused)."""
    project = copy_fixture("python/flask-compose-database", tmp_path)
    app = AppCandidate("python", "demo", ".")
    detect_services(Repo(project), app)
    assert app.value("services") == ["mariadb", "redis"]
    assert str(app.facts["services"].evidence).startswith("docker-compose.yml:12")
    result = scaffold("new", "--yes", "--force", str(project))  # compose.yaml in place of the repository's
    assert result.returncode == 0, result.stderr
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    assert {"mariadb", "redis"} <= set(compose["services"]) and "postgres" not in compose["services"]


@pytest.mark.parametrize("images", [[], ["postgres:16", "mysql:8.4"]], ids=["no-compose", "both-run"])
def test_several_databases_and_no_single_one_stated_choose_none(tmp_path, images):
    """No compose file, or one running both (a test matrix): no database is chosen, the warning names them
    and --service, and new --yes writes the app with the cache alone instead of refusing."""
    project = copy_fixture("python/flask-compose-database", tmp_path)
    (project / "docker-compose.yml").unlink()
    if images:
        (project / "compose.yaml").write_text("services:\n" + "".join(
            f"  db{n}:\n    image: {image}\n" for n, image in enumerate(images)))
    repo = Repo(project)
    app = AppCandidate("python", "demo", ".")
    detect_services(repo, app)
    assert app.value("services") == ["redis"]
    assert [(n.file, n.message) for n in repo.notices] == [
        ("requirements.txt", "drivers for postgres, mariadb, no compose file runs just one: no database chosen "
                             "(--service postgres)")]
    if not images:
        result = scaffold("new", "--yes", str(project))
        assert result.returncode == 0, result.stderr
        assert "--service postgres" in result.stderr
        compose = yaml.safe_load((project / "compose.yaml").read_text())
        assert "redis" in compose["services"] and not {"postgres", "mariadb"} & set(compose["services"])


# -- the answers ----------------------------------------------------------------------------------


def test_service_names_are_checked_against_the_table():
    assert parse_services("redis, postgres postgres") == ["redis", "postgres"]
    assert parse_services([]) == parse_services("") == []
    with pytest.raises(ValueError, match="one of: postgres, mariadb, redis, mongodb, rabbitmq"):
        parse_services("cassandra")
    with pytest.raises(ValueError):
        parse_services({"postgres": 1})
    assert [s.name for s in services_of({"services": ["redis", "postgres"]})] == ["postgres", "redis"]


def recorded(project: Path) -> Dict:
    return yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())


def test_service_flags_repeat_or_take_a_list_and_no_services_wins_over_detection(tmp_path):
    given, none = (copy_fixture("python/django-postgres", tmp_path / name) for name in ("given", "none"))
    result = scaffold("new", "--yes", "--service", "redis", "--service", "mariadb,redis", str(given))
    assert result.returncode == 0, result.stderr
    assert recorded(given)["answers"]["services"] == ["redis", "mariadb"]
    assert {"redis", "mariadb"} <= set(yaml.safe_load((given / "compose.yaml").read_text())["services"])
    result = scaffold("new", "--yes", "--no-services", str(none))
    assert result.returncode == 0, result.stderr
    assert recorded(none)["answers"]["services"] == []
    # the app and its release step (Django's migrate: its settings configure a database), no database beside it
    assert list(yaml.safe_load((none / "compose.yaml").read_text())["services"]) == [
        "python-django-postgres-release", "python-django-postgres"]
    assert not (none / "secrets").exists()


@pytest.mark.parametrize("flags,message", [
    (("--service", "cassandra"), "services from --service has 'cassandra', which is not one of: postgres, mariadb, "
                                 "redis, mongodb, rabbitmq"),
    (("--service", "redis", "--no-services"), "not allowed with argument"),
])
def test_bad_service_answers_are_one_line_errors_and_write_nothing(tmp_path, flags, message):
    project = copy_fixture("python/django-postgres", tmp_path)
    before = tree(project)
    result = scaffold("new", "--yes", *flags, str(project))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and tree(project) == before


def test_services_are_recorded_upgradable_and_validated_again(tmp_path):
    project = copy_fixture("python/django-postgres", tmp_path)
    assert scaffold("new", "--yes", str(project)).returncode == 0
    answers = recorded(project)
    assert answers["answers"]["services"] == ["postgres"] and answers["runtime"]["services"] == ["postgres"]
    password = (project / "secrets" / "postgres-password").read_bytes()
    result = scaffold("upgrade", "--set", "services=postgres,redis", str(project))
    assert result.returncode == 0, result.stderr
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    assert {"postgres", "redis"} <= set(compose["services"])
    assert (project / "secrets" / "postgres-password").read_bytes() == password  # kept, never made again
    assert (project / "secrets" / "redis-password").is_file()
    text = (project / ".scaffold" / "answers.yml").read_text().replace("- postgres\n", "- cassandra\n", 1)
    (project / ".scaffold" / "answers.yml").write_text(text)
    result = scaffold("upgrade", str(project))
    assert result.returncode == 2 and "services" in result.stderr and "cassandra" in result.stderr, result.stderr


# -- the password files ---------------------------------------------------------------------------


def test_each_password_is_random_private_and_out_of_git_the_record_and_the_build(tmp_path):
    projects = [copy_fixture("python/django-postgres", tmp_path / str(n)) for n in (1, 2)]
    for project in projects:
        assert scaffold("new", "--yes", "--service", "postgres,redis", str(project)).returncode == 0
    first, second = ((p / "secrets" / "postgres-password").read_text() for p in projects)
    assert first != second and len(first.strip()) >= 32
    project = projects[0]
    folder = project / "secrets"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "postgres-password", "redis-password"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in folder.iterdir())
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert "\nsecrets\n" in (project / ".dockerignore").read_text()
    written = {p: p.read_text() for p in project.rglob("*") if p.is_file() and folder not in p.parents}
    assert not [p for p, text in written.items() if first.strip() in text]  # nowhere else, not in the record


def test_a_linked_secrets_folder_is_refused_and_nothing_is_written(tmp_path):
    project = copy_fixture("python/django-postgres", tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "secrets").symlink_to(outside)
    before = tree(project)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 2 and "secrets" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert tree(project) == before and list(outside.iterdir()) == []


# -- the files that run them ------------------------------------------------------------------------

#: every service, in sets an app can have together (one database: both would set DATABASE_URL)
SETS = (["postgres", "redis"], ["mariadb"], ["mongodb", "rabbitmq"])


def answers_with_services(language: str, services: List[str], **changes) -> Dict:
    final = {"go": "scratch", "python": "slim", "java": "distroless"}[language]
    return validate({**COMMON, **BASE[language], "final": final, "kubernetes": True, "services": services, **changes})


@pytest.mark.parametrize("services", SETS, ids="-".join)
@pytest.mark.parametrize("language", sorted(BASE))
def test_compose_runs_each_service_hardened_beside_the_app(language, services):
    release = {"release": ["python manage.py migrate"]} if language == "python" else {}
    answers = answers_with_services(language, services, **release)
    runtime = runtime_for(answers)
    wanted = [s for s in SERVICES if s.name in services]
    compose = yaml.safe_load(render(answers)["compose.yaml"])
    containers = compose["services"]
    app = containers[runtime.name]
    internal = f"{runtime.name}-services"
    assert compose["networks"][internal] == {"internal": True}
    assert len(containers) == 1 + len(runtime.release) + len(wanted)
    for service in wanted:
        run = containers[service.name]
        assert run["image"] == service.image and run["user"] == service.user
        assert run["read_only"] is True and run["cap_drop"] == ["ALL"] and "cap_add" not in run
        assert run["security_opt"] == ["no-new-privileges:true"] and run["networks"] == [internal]
        assert "ports" not in run and "expose" not in run
        assert run["volumes"] == [f"{service.name}-data:{service.data}"] and f"{service.name}-data" in compose["volumes"]
        assert run["secrets"] == [service.secret] and compose["secrets"][service.secret] == {
            "file": f"./secrets/{service.secret}"}
        assert run["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
        assert not any("PASSWORD=" in f"{k}={v}" and not k.endswith("_FILE") for k, v in run.get("environment", {}).items())
    first = containers[f"{runtime.name}-release"] if runtime.release else app
    assert first["depends_on"] == {s.name: {"condition": "service_healthy"} for s in wanted}
    for container in [app] + ([first] if runtime.release else []):
        mounted = {entry if isinstance(entry, str) else entry["source"] for entry in container["secrets"]}
        assert internal in container["networks"] and mounted == {s.secret for s in wanted}
        assert not [k for k, v in container["environment"].items() if "password" in k.lower()
                    and not v.startswith("/run/secrets/")]  # a password is a file, never a value


@pytest.mark.parametrize("dependencies,scheme", [
    (["mysql-connector-j"], "mysql"),  # MySQL Connector/J takes jdbc:mysql: only
    (["mariadb-java-client"], "mariadb"),
    (["mysql-connector-java", "mariadb-java-client"], "mariadb"),
])
def test_a_spring_app_gets_the_jdbc_url_its_mysql_driver_takes(tmp_path, dependencies, scheme):
    """Spring Boot loads the driver its URL's scheme names: jdbc:mariadb: beside MySQL Connector/J failed at start
    ("Failed to load driver class org.mariadb.jdbc.Driver")."""
    artifacts = "".join(f"<dependency><artifactId>{a}</artifactId></dependency>" for a in dependencies)
    (tmp_path / "pom.xml").write_text(
        "<project><parent><artifactId>spring-boot-starter-parent</artifactId><version>3.3.4</version></parent>"
        f"<artifactId>app</artifactId><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId>"
        f"</dependency>{artifacts}</dependencies></project>")
    (app,) = detect(tmp_path).apps
    answers = resolve_answers(app, {"main_class": "com.example.App"}).values
    assert answers["services"] == ["mariadb"] and answers["jdbc_scheme"] == scheme
    assert f"SPRING_DATASOURCE_URL=jdbc:{scheme}://mariadb:3306/app" in runtime_for(validate(answers)).service_env


def test_the_address_follows_the_language_convention():
    python = runtime_for(answers_with_services("python", SETS[0]))
    assert "DATABASE_URL=postgresql://app@postgres:5432/app" in python.service_env
    assert "DATABASE_PASSWORD_FILE=/run/secrets/postgres-password" in python.service_env
    java = runtime_for(answers_with_services("java", SETS[0]))
    assert "SPRING_DATASOURCE_URL=jdbc:postgresql://postgres:5432/app" in java.service_env
    # an additional location, not an import: it overrides the app's application.properties
    assert "SPRING_CONFIG_ADDITIONAL_LOCATION=optional:configtree:/run/secrets/" in java.service_env
    assert not [setting for setting in java.service_env if "PASSWORD" in setting]
    assert java.secret_files == {"postgres-password": "spring.datasource.password",
                                 "redis-password": "spring.data.redis.password"}
    files = render(answers_with_services("java", SETS[0]))
    app = yaml.safe_load(files["compose.yaml"])["services"]["demo"]
    assert {"source": "postgres-password", "target": "spring.datasource.password"} in app["secrets"]
    pod = yaml.safe_load(files["k8s/deployment.yaml"])["spec"]["template"]["spec"]
    (secret,) = [v for v in pod["volumes"] if v["name"] == "secrets"]
    assert {"key": "redis-password", "path": "spring.data.redis.password"} in secret["secret"]["items"]


def test_mongodb_and_rabbitmq_take_their_passwords_from_the_secret_file_only():
    """MongoDB's image reads MONGO_INITDB_ROOT_PASSWORD_FILE; RabbitMQ's takes no password file since 3.9, so its
    command writes `default_pass` from the secret into a config file on a tmpfs: no value in compose.yaml."""
    answers = answers_with_services("python", ["mongodb", "rabbitmq"])
    text = render(answers)["compose.yaml"]
    containers = yaml.safe_load(text)["services"]
    mongo, rabbit = containers["mongodb"], containers["rabbitmq"]
    assert mongo["image"].startswith("mongo:") and mongo["environment"] == {
        "MONGO_INITDB_ROOT_USERNAME": "app", "MONGO_INITDB_ROOT_PASSWORD_FILE": "/run/secrets/mongodb-password"}
    assert mongo["healthcheck"]["test"][:2] == ["CMD", "mongosh"]
    assert rabbit["image"].startswith("rabbitmq:") and "management" not in rabbit["image"]
    assert rabbit["healthcheck"]["test"] == ["CMD", "rabbitmq-diagnostics", "-q", "check_port_connectivity"]
    assert not [k for k in rabbit.get("environment", {}) if "PASS" in k]  # RABBITMQ_DEFAULT_PASS(_FILE): neither
    script = rabbit["command"][-1]
    assert rabbit["command"][:2] == ["sh", "-c"] and "default_pass = $$(cat /run/secrets/rabbitmq-password)" in script
    assert script.rstrip().endswith("exec rabbitmq-server")  # the broker is the container's first process
    # the config file it writes sits on a tmpfs of the broker's own (in memory, never in the project)
    assert any(entry.startswith("/etc/rabbitmq/conf.d:") for entry in rabbit["tmpfs"])
    assert rabbit["environment"]["RABBITMQ_NODENAME"] == "rabbit@localhost"  # its data folder survives a new host name
    app = runtime_for(answers)
    assert "MONGODB_URI=mongodb://app@mongodb:27017/app?authSource=admin" in app.service_env
    assert "MONGODB_PASSWORD_FILE=/run/secrets/mongodb-password" in app.service_env
    assert "AMQP_URL=amqp://app@rabbitmq:5672/" in app.service_env
    assert "RABBITMQ_PASSWORD_FILE=/run/secrets/rabbitmq-password" in app.service_env


def test_a_spring_app_reads_the_mongodb_and_rabbitmq_passwords_from_its_config_tree():
    java = runtime_for(answers_with_services("java", ["mongodb", "rabbitmq"]))
    assert {"SPRING_DATA_MONGODB_HOST=mongodb", "SPRING_DATA_MONGODB_USERNAME=app",
            "SPRING_DATA_MONGODB_AUTHENTICATION_DATABASE=admin", "SPRING_RABBITMQ_USERNAME=app",
            # addresses, not host: it overrides an app's own spring.rabbitmq.addresses, and without credentials
            # in it Spring Boot takes spring.rabbitmq.password (the config tree's file)
            "SPRING_RABBITMQ_ADDRESSES=rabbitmq:5672"} <= set(java.service_env)
    assert not [setting for setting in java.service_env if "PASSWORD" in setting or "URI" in setting]
    assert java.secret_files == {"mongodb-password": "spring.data.mongodb.password",
                                 "rabbitmq-password": "spring.rabbitmq.password"}


def test_a_spring_mongodb_uri_of_the_apps_own_is_warned_about(tmp_path):
    """spring.data.mongodb.uri wins over the host, user and password settings compose gives: a warning says so."""
    project = copy_fixture("java/spring-mongodb", tmp_path)
    settings = project / "src" / "main" / "resources" / "application.properties"
    settings.write_text(settings.read_text() + "spring.data.mongodb.uri=mongodb://localhost:27017/catalog\n")
    repo = Repo(project)
    app = AppCandidate("java", "demo", ".")
    detect_services(repo, app)
    assert app.value("services") == ["mongodb", "rabbitmq"]
    assert [(n.file, n.message) for n in repo.notices] == [
        ("src/main/resources/application.properties", "line 7: spring.data.mongodb.uri overrides compose's mongodb "
                                                      "address and password: keep it in a local profile")]
    settings.unlink()  # nested keys in application.yml say the same
    (settings.parent / "application.yml").write_text(
        "spring:\n  data:\n    redis:\n      url: redis://cache\n    mongodb:\n      database: catalog\n"
        "      uri: mongodb://localhost:27017/catalog\n")
    repo = Repo(project)
    detect_services(repo, AppCandidate("java", "demo", "."))
    assert [(n.file, n.message) for n in repo.notices] == [
        ("src/main/resources/application.yml", "line 7: spring.data.mongodb.uri overrides compose's mongodb "
                                               "address and password: keep it in a local profile")]


def test_the_fixtures_apps_get_mongodb_and_rabbitmq_beside_them(tmp_path):
    for fixture, wanted in [("python/fastapi-mongodb", {"mongodb"}), ("go/rabbitmq-worker", {"rabbitmq"}),
                            ("java/spring-mongodb", {"mongodb", "rabbitmq"})]:
        project = copy_fixture(fixture, tmp_path / fixture.replace("/", "-"))
        result = scaffold("new", "--yes", str(project))
        assert result.returncode == 0, result.stderr
        assert wanted <= set(yaml.safe_load((project / "compose.yaml").read_text())["services"])
        assert sorted(p.name for p in (project / "secrets").iterdir()) == sorted(
            [".gitignore"] + [f"{name}-password" for name in wanted])


def test_kubernetes_takes_the_addresses_from_a_configmap_and_the_passwords_as_files():
    answers = answers_with_services("python", SETS[0])
    runtime = runtime_for(answers)
    files = render(answers)
    pod = yaml.safe_load(files["k8s/deployment.yaml"])["spec"]["template"]["spec"]
    (main,) = pod["containers"]
    env = {item["name"]: item for item in main["env"]}
    assert env["DATABASE_URL"]["valueFrom"] == {"configMapKeyRef": {"name": f"{runtime.name}-services",
                                                                    "key": "DATABASE_URL"}}
    assert env["REDIS_PASSWORD_FILE"]["value"] == "/run/secrets/redis-password"
    (secret,) = [v for v in pod["volumes"] if v["name"] == "secrets"]
    assert {item["key"] for item in secret["secret"]["items"]} == {"postgres-password", "redis-password"}
    assert "kind: Secret" not in "".join(files.values()) and "kind: ConfigMap" not in "".join(files.values())
    egress = yaml.safe_load_all(files["k8s/networkpolicy.yaml"])
    ports = [p["port"] for policy in egress for rule in policy["spec"].get("egress", []) for p in rule["ports"]]
    assert {5432, 6379} <= set(ports)


def test_an_app_named_like_a_service_or_two_databases_are_refused():
    with pytest.raises(InputError, match="app is named redis, like the redis service"):
        answers_with_services("go", ["redis"], app_name="redis")
    with pytest.raises(InputError, match="would each set DATABASE_PASSWORD_FILE, DATABASE_URL"):
        answers_with_services("python", ["postgres", "mariadb"])
    with pytest.raises(InputError, match="SPRING_DATASOURCE_URL"):
        answers_with_services("java", ["postgres", "mariadb"])


@pytest.fixture(scope="module")
def service_projects(tmp_path_factory) -> Dict[str, Path]:
    root = tmp_path_factory.mktemp("services")
    projects = {}
    for language, services in [(language, services) for language in sorted(BASE) for services in SETS]:
        project = root / f"{language}-{'-'.join(services)}"
        for name, text in render(answers_with_services(language, services)).items():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            (project / name).write_text(text)
        (project / "secrets").mkdir()
        for service in services:
            (project / "secrets" / f"{service}-password").write_text("not a real secret\n")
        projects[project.name] = project
    return projects


@pytest.mark.lint
def test_service_renders_pass_compose_and_compose_lint_but_the_digest(service_projects):
    for project in service_projects.values():
        assert compose_config(project) == ""
        expected: List[str] = [SERVICE_DIGEST.format(service=s.name, image=s.image) for s in SERVICES
                               if f"-{s.name}" in project.name]
        assert sorted(compose_lint(project / "compose.yaml")) == sorted(expected)


@pytest.mark.lint
def test_service_manifests_pass_checkov_and_trivy(service_projects, tmp_path):
    for language, project in service_projects.items():
        shutil.copytree(project / "k8s", tmp_path / language)
    assert {name: entry["failed"] for name, entry in checkov_kubernetes(tmp_path).items() if entry["failed"]} == {}
    assert {target: found for target, found in trivy_config(tmp_path).items()
            if [f for f in found if f[1] != "LOW"]} == {}
