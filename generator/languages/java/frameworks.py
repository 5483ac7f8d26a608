"""Java server frameworks as data: where each keeps its port setting and the port it listens on without one.

One engine (`config_port`) reads every entry: the framework is the first whose artifact is a
dependency of the project (Spring Boot is known from its parent or plugin instead); its
configuration files are read in order (`.properties`: `key=value`; YAML: the dotted key as
nested mappings or written flat, the first item of a list, e.g. Dropwizard's connectors), and
the first port found wins. With none, the framework's default applies, as a convention. The
defaults are the frameworks' documented ones (docs/detect.md lists the table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple

from generator.detect.model import Evidence, excerpt
from generator.detect.walker import Repo

Offer = Tuple[str, Evidence]
RESOURCES = "src/main/resources/"


@dataclass(frozen=True)
class Framework:
    """One server framework: how it is recognised, where its port is set, and its default."""

    name: str
    #: a dependency artifactId that says the project uses it ("" : recognised otherwise, Spring Boot)
    artifacts: str
    #: configuration files below the project's directory, read in order
    config_files: Tuple[str, ...]
    #: the dotted keys holding the port, strongest first
    port_keys: Tuple[str, ...]
    #: None: the framework has none, the code's listening call decides (Vert.x)
    default_port: Optional[int]
    #: the program's command when it takes its configuration file as an argument (`server config.yml`; "": none)
    command: str = ""
    #: the health endpoint on the app's port, served when an artifact matching `health_artifacts` is a dependency
    health: str = ""
    health_artifacts: str = ""
    #: the key naming the active profiles (comma-separated) in those files, and the file of one profile
    #: ({profile} and {ext} replaced; its settings win over the plain files')
    profile_key: str = ""
    profile_file: str = ""
    #: the prefix of a key set for the production profile only, which wins over the plain key (Quarkus: %prod.)
    production_prefix: str = ""
    #: the setting that renames the configuration files, read from the project's sources (Spring's
    #: `spring.config.name=orders` reads orders.properties): the names it gives replace `{name}` in
    #: `config_files` and `profile_file`, `default_name` when it is not set
    name_key: str = ""
    default_name: str = ""
    #: Gradle plugin ids that say the project is built as one of its applications (Micronaut's application
    #: plugin brings the HTTP server itself, `micronaut { runtime("netty") }`: no dependency names it)
    plugins: Tuple[str, ...] = ()


SPRING_EXTENSIONS = ("properties", "yml", "yaml")
SPRING_BOOT = Framework(
    # bootstrap.* (Spring Cloud) is read first and overridden by application.*
    "Spring Boot", "", tuple(RESOURCES + f"{name}.{ext}" for name in ("{name}", "bootstrap") for ext in SPRING_EXTENSIONS),
    ("server.port",), 8080, health="/actuator/health", health_artifacts=r"spring-boot-starter-actuator",
    profile_key="spring.profiles.active", profile_file=RESOURCES + "{name}-{profile}.{ext}",
    name_key="spring.config.name", default_name="application")
#: the frameworks recognised by a dependency, the first matching wins
FRAMEWORKS = (
    Framework("Quarkus", r"quarkus-.+", tuple(RESOURCES + f"application.{ext}" for ext in ("properties", "yaml", "yml")),
              ("quarkus.http.port",), 8080, health="/q/health", health_artifacts=r"quarkus-smallrye-health",
              production_prefix="%prod.", plugins=("io.quarkus",)),
    Framework("Micronaut", r"micronaut-http-server(?:-netty)?",
              tuple(RESOURCES + f"application.{ext}" for ext in ("yml", "yaml", "properties")),
              ("micronaut.server.port",), 8080, health="/health", health_artifacts=r"micronaut-management",
              plugins=("io.micronaut.application",)),
    # Helidon MP's server defaults to 7001 (its MicroProfile config guide); SE's WebServer is set in application.yaml
    Framework("Helidon MP", r"helidon-microprofile(?:-.+)?",
              (RESOURCES + "META-INF/microprofile-config.properties", RESOURCES + "application.yaml"),
              ("server.port",), 7001, health="/health",
              health_artifacts=r"helidon-microprofile(?:-health)?"),  # the full bundle includes health
    Framework("Helidon SE", r"helidon-webserver(?:-.+)?", (RESOURCES + "application.yaml", RESOURCES + "application.yml"),
              ("server.port",), 8080, health="/observe/health", health_artifacts=r"helidon-webserver-observe-health"),
    # the configuration file is the program's argument (`server config.yml`), usually at the project's top;
    # its health checks are on the admin port, not the app's: no health path
    Framework("Dropwizard", r"dropwizard-core", ("config.yml", "config.yaml", "server.yml", "example.yml"),
              ("server.applicationConnectors.port", "server.connector.port"), 8080, command="server"),
    # set in code (listen.py reads the call): these defaults apply when the code calls none
    Framework("Spark", r"spark-core", (), (), 4567),
    Framework("Javalin", r"javalin", (), (), 8080),
    # no default port: `listen(8080)`, `listen(config().getInteger("http.port", 8801))` in code (listen.py), or
    # the JSON configuration its launcher reads (`-conf`; the starter's src/main/conf/config.json)
    Framework("Vert.x", r"vertx-(?:core|web)", ("src/main/conf/config.json", "conf/config.json", "config.json",
                                                RESOURCES + "config.json", RESOURCES + "conf/config.json"),
              ("http.port", "server.port"), None),
)


def named(name: str) -> Framework:
    """The table's entry of that name (listen.py takes the code-set frameworks' defaults from here)."""
    return next(f for f in (SPRING_BOOT,) + FRAMEWORKS if f.name == name)


def framework_for(spring_boot: bool, dependencies: Sequence[str], plugins: Iterable[str] = ()) -> Optional[Framework]:
    """Spring Boot when the build says so, else the first framework one of whose artifacts is a dependency
    or whose Gradle plugin the build applies."""
    if spring_boot:
        return SPRING_BOOT
    applied = set(plugins)
    return next((f for f in FRAMEWORKS if any(re.fullmatch(f.artifacts, a) for a in dependencies)
                 or applied.intersection(f.plugins)), None)


def used_artifact(framework: Framework, dependencies: Sequence[str]) -> str:
    """The dependency that made the framework recognised (its name for Spring Boot, known otherwise)."""
    return next((a for a in dependencies if framework.artifacts and re.fullmatch(framework.artifacts, a)),
                framework.name)


def health_path(framework: Framework, dependencies: Sequence[str]) -> Tuple[str, str]:
    """(path, the dependency that serves it), ("", "") when the framework's health module is not a dependency."""
    served = next((a for a in dependencies if framework.health_artifacts and re.fullmatch(framework.health_artifacts, a)),
                  "")
    return (framework.health, served) if served else ("", "")


def config_files(repo: Repo, directory: str, framework: Framework, sources: Sequence[str] = (),
                 given: Optional["Given"] = None) -> Iterator[str]:
    """The framework's configuration files present below the project's directory, strongest first: the
    active profiles' (the last named wins), then the plain ones in order; under the names the project's
    `sources` give them (`name_key`). `given`: the names and profiles the program's arguments set, over those."""
    names = list(reversed(given.names)) if given and given.names else config_names(repo, sources, framework)
    plain = [rel for rel in (name if directory == "." else f"{directory}/{name}"
                             for pattern in framework.config_files for name in _named(pattern, names))
             if repo.is_file(rel)]
    profiles = list(given.profiles) if given and given.profiles else active_profiles(repo, plain, framework)
    for profile in reversed(profiles):
        for ext in SPRING_EXTENSIONS:
            for name in _named(framework.profile_file.replace("{profile}", profile).replace("{ext}", ext), names):
                rel = name if directory == "." else f"{directory}/{name}"
                if repo.is_file(rel):
                    yield rel
    yield from plain


def _named(pattern: str, names: Sequence[str]) -> List[str]:
    return [pattern.replace("{name}", name) for name in names] if "{name}" in pattern else [pattern]


def config_names(repo: Repo, sources: Sequence[str], framework: Framework) -> List[str]:
    """The configuration files' names the sources set (`"spring.config.name=orders"`, `setProperty(
    "spring.config.name", "orders,common")`: the last listed wins, so it is read first), else the default."""
    if not framework.name_key:
        return [framework.default_name]
    setting = re.compile(r'"' + re.escape(framework.name_key) + r'\s*(?:[=:]\s*|"\s*,\s*")([\w.,-]{1,200})"')
    for rel in sources:
        hit = repo.find_line(rel, setting)
        if hit:
            names = [n.strip() for n in hit[0].group(1).split(",") if re.fullmatch(r"[\w.-]{1,64}", n.strip())]
            if names:
                return list(reversed(names))
    return [framework.default_name]


def active_profiles(repo: Repo, files: Sequence[str], framework: Framework) -> List[str]:
    """The profiles the plain files activate (`spring.profiles.active=prod,cloud`), plain names only."""
    if not framework.profile_key:
        return []
    for raw, _ in key_offers(repo, files, framework.profile_key):
        return [name.strip() for name in raw.split(",") if re.fullmatch(r"[\w-]{1,64}", name.strip())]
    return []


@dataclass(frozen=True)
class Given:
    """The configuration names and profiles a program's arguments set (`--spring.config.name=orders`,
    `--spring.profiles.active=prod,cloud`), in the order written."""

    names: Tuple[str, ...] = ()
    profiles: Tuple[str, ...] = ()
    #: the argument that set them
    argument: str = ""


def given_by(framework: Framework, args: Sequence[str]) -> Optional[Given]:
    """What the program's arguments set of the framework's configuration names and profiles (None: nothing)."""
    names: Tuple[str, ...] = ()
    profiles: Tuple[str, ...] = ()
    argument = ""
    for arg in args:
        for key, kind in ((framework.name_key, "names"), (framework.profile_key, "profiles")):
            if key and isinstance(arg, str) and arg.startswith(f"--{key}="):
                listed = tuple(n.strip() for n in arg.split("=", 1)[1].split(",") if re.fullmatch(r"[\w.-]{1,64}", n.strip()))
                if kind == "names":
                    names = listed
                else:
                    profiles = listed
                argument = argument or arg
    return Given(names, profiles, argument) if names or profiles else None


def config_port(repo: Repo, directory: str, framework: Framework, sources: Sequence[str] = (),
                given: Optional[Given] = None) -> Iterator[Offer]:
    """The port settings in the framework's configuration files, in the order they are read."""
    keys = [framework.production_prefix + key for key in framework.port_keys if framework.production_prefix]
    for rel in config_files(repo, directory, framework, sources, given):
        for key in keys + list(framework.port_keys):
            yield from key_offers(repo, [rel], key)


def key_offers(repo: Repo, files: Sequence[str], key: str) -> Iterator[Offer]:
    """The values of a dotted key in each file: `.properties` lines, else YAML."""
    for rel in files:
        if rel.endswith(".properties"):
            hit = repo.find_line(rel, re.compile(rf"^\s*{re.escape(key)}\s*[=:\s]\s*(.*)"))
            if hit:
                yield hit[0].group(1).strip(), hit[1]
        else:
            yield from yaml_offers(repo, rel, key)


def yaml_offers(repo: Repo, rel: str, key: str) -> Iterator[Offer]:
    """The scalar at a dotted key in each YAML document, read as nodes (nothing is built)."""
    import yaml

    try:
        documents = list(yaml.compose_all(repo.read_text(rel) or "", Loader=yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError) as error:  # the composer recurses per nesting level
        reason = getattr(error, "problem", None) or type(error).__name__
        repo.warn(rel, f"malformed YAML, ignored ({reason})")
        return
    for document in documents:
        node = at(document, key.split("."))
        if isinstance(node, yaml.ScalarNode):
            number = node.start_mark.line + 1
            yield node.value, Evidence(rel, number, excerpt(repo.lines(rel)[number - 1]))


def at(node: Any, parts: List[str]) -> Any:
    """The node at a key path: nested mappings or a flat dotted key at any level; a list is its first item."""
    import yaml

    if isinstance(node, yaml.SequenceNode) and node.value:
        node = node.value[0]
    if not parts:
        return node
    if not isinstance(node, yaml.MappingNode):
        return None
    for length in range(len(parts), 0, -1):  # "server.port:" flat, or "server:" then "port:"
        name = ".".join(parts[:length])
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                found = at(value, parts[length:])
                if found is not None:
                    return found
    return None
