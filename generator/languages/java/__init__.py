"""Java: a Maven or Gradle build and the module that produces the application.

Built with the project's wrapper or the build tool's image; the final image carries a
jlink-ed runtime on distroless cc (or a stripped debian slim), or runs on a distroless
JRE. Detection is in `detect.py` (imported only when detecting).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple

from generator.languages.base import CONFIG_FILE, AnswerField, Flavour, Language, Resources, WritablePath
from generator.parsers import matching, one_of, parse_args, parse_bool, parse_relpath, text
from generator.pins import DEBIAN_CODENAMES, GRADLE_IMAGE_VERSION, JAVA_DEBIAN, MAVEN_IMAGE_VERSION

if TYPE_CHECKING:  # pragma: no cover
    from generator.detect.model import AppCandidate, Fact
    from generator.detect.walker import Repo
    from generator.languages.java.build import JavaBuild
    from generator.services import Drivers
    from generator.state.patterns import StatePattern

#: the LTS releases we generate for; a project is built with the first that runs its source level
SUPPORTED = ("17", "21", "25")
_VERSION = r"(?:1\.)?(\d{1,2})(?:[.+_-].*)?"

MAIN_CLASS_MISSING = (
    "no main class found (looked for <mainClass> or <Main-Class> in the spring-boot, shade, assembly, jar and "
    "exec plugins of pom.xml, the exec.mainClass, mainClass and main.class properties, mainClass or Main-Class in "
    "build.gradle(.kts), a @SpringBootApplication class, and one class with a main method in the sources); pass "
    "{flag} com.example.Main, or {flag} '' when the jar's manifest names it"
)


#: how the build makes the app runnable: its launcher (Spring Boot, Quarkus's fast-jar: target/quarkus-app/),
#: one jar with its dependencies inside (shade, assembly), or a plain jar with its dependencies beside it
PACKAGINGS = ("spring-boot", "quarkus", "shade", "assembly", "jar")
#: packagings that start through their own launcher: no main class is needed
LAUNCHED = {"spring-boot": "Spring Boot's launcher", "quarkus": "Quarkus's quarkus-run.jar"}
#: an extracted Spring Boot jar's classes and dependencies, for a main class other than its Start-Class
BOOT_CLASSPATH = "/app/BOOT-INF/classes:/app/BOOT-INF/lib/*"

#: the images of a JDK or JRE whose tag starts with the Java version (eclipse-temurin:17-jdk)
JDK_IMAGES = ("eclipse-temurin", "openjdk", "amazoncorretto", "ibm-semeru-runtimes", "sapmachine", "zulu-openjdk",
              "adoptopenjdk", "ibmjava", "jdk", "jre")
#: JDK images whose tag starts with the Java version, named by a family with variants: Oracle's
#: jdk-no-fee-term:21, BellSoft's liberica-openjre-alpine:17, Azul's zulu-openjdk-alpine:21, GraalVM's jdk-community:21
JDK_IMAGE_FAMILIES = re.compile(r"jdk-no-fee-term|jdk-community|graalvm-(?:ce|community)|"
                                r"(?:liberica-open(?:jdk|jre)|zulu-openjdk)(?:-[a-z0-9]+)*")
#: JDK images that carry the version in their name, not their tag: AdoptOpenJDK's adoptopenjdk/openjdk11, Red Hat's
#: UBI registry.access.redhat.com/ubi9/openjdk-21 (and -runtime)
JDK_IN_NAME = re.compile(r"open(?:jdk|jre)-?(\d+)(?:-runtime)?")
#: build tool images whose tag names the JDK after the tool's version (maven:3.9-eclipse-temurin-21, gradle:8-jdk17)
BUILD_IMAGES = ("maven", "gradle")
#: the version files detection reads after the build files (a statement may overrule what they say)
VERSION_FILE_NAMES = (".java-version", ".sdkmanrc", ".tool-versions")
#: java options that take the next word as their value
_JAVA_VALUES = ("-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-opens", "--add-exports",
                "--add-modules", "--add-reads", "--patch-module", "--upgrade-module-path", "--limit-modules")


def parse_boot_version(raw: Any) -> str:
    """Spring Boot's major.minor ("2.1.8.RELEASE" -> "2.1"), "" when unknown (the newest forms)."""
    value = text(raw) if raw not in (None, "") else ""
    match = re.fullmatch(r"([0-9]{1,2})\.([0-9]{1,3})(?:[.-][0-9A-Za-z.-]*)?", value)
    if value and not match:
        raise ValueError("is not a Spring Boot version (like 3.3 or 2.7.18)")
    return f"{int(match.group(1))}.{int(match.group(2))}" if match else ""


def parse_module(raw: Any) -> str:
    """A build module path, "" for a single-module build."""
    if raw in (None, "", "."):
        return ""
    value = parse_relpath(raw)
    return "" if value == "." else value


class Java(Language):
    name = "java"
    title = "Java"
    description = "Java: a jlink runtime on distroless (or debian), or a distroless JRE"
    looks_for = "pom.xml, build.gradle or build.gradle.kts"
    default_version = "21"
    version_pattern = _VERSION
    version_kind = "a Java version (like 21)"
    default_port = 8080
    fields = (
        AnswerField("build_tool", one_of("maven", "gradle"), "maven or gradle", default="maven", detected=True),
        AnswerField("wrapper", parse_bool, "use the project's mvnw/gradlew", type="bool", default=False, detected=True),
        AnswerField("module", parse_module, "the module that produces the app", default="", detected=True),
        AnswerField("gradle_project", matching(r":?[A-Za-z0-9_.-]{1,100}(:[A-Za-z0-9_.-]{1,100}){0,15}",
                                               "a Gradle project path (like :api)"),
                    "Gradle: the project path of the module when settings.gradle moves its directory (projectDir)",
                    default="", detected=True),
        AnswerField("module_aggregated", parse_bool, "the root's <modules> lists the module (Maven: -pl MODULE -am); "
                    "false: it only inherits from the root's POM (-f MODULE/pom.xml)", type="bool", default=True,
                    detected=True),
        AnswerField("spring_boot", parse_bool, "a Spring Boot app", type="bool", default=False, detected=True),
        AnswerField("spring_boot_version", parse_boot_version, "Spring Boot's version, major.minor: it decides how "
                    "the jar is layered and its launcher class ('': 3.3 or newer)", default="", settable=True,
                    detected=True),
        AnswerField("preview_release", matching(r"[0-9]{1,3}", "a Java release (like 21)"),
                    "the Java release whose preview features the code uses (--enable-preview; '': none)",
                    default="", detected=True),
        AnswerField("maven_version", matching(r"[0-9]{1,2}\.[0-9]{1,3}(\.[0-9]{1,3})?", "a Maven version (like 3.9.9)"),
                    "the Maven the wrapper downloads ('': 3.6.1 or newer)", default="", detected=True),
        AnswerField("main_class", matching(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*",
                                           "a Java class name (like com.example.Main)"),
                    "the main class ('': the jar's manifest)", flag="--main-class", settable=True,
                    prompt="Main class (empty: the jar's manifest)", detected=True, missing=MAIN_CLASS_MISSING),
        AnswerField("packaging", one_of(*PACKAGINGS), ", ".join(PACKAGINGS[:-1]) + " or " + PACKAGINGS[-1],
                    default="jar", detected=True),
        AnswerField("maven_profiles", matching(r"[A-Za-z0-9_.-]{1,64}(,[A-Za-z0-9_.-]{1,64}){0,15}",
                                               "Maven profile ids separated by commas (like prod,docker)"),
                    "the Maven profiles the build activates (-P; '': those active by default)", default="",
                    flag="--maven-profiles", settable=True),
        AnswerField("classifier", matching(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", "a jar classifier (like exec)"),
                    "the runnable jar's classifier when the build attaches it beside the plain jar (Boot's "
                    "repackage <classifier>, shade's shadedClassifierName; '': the only or the largest jar)",
                    default="", detected=True, settable=True),
        AnswerField("args", parse_args, "the program's arguments after the main class or jar, e.g. Dropwizard's "
                    "server /app/config.yml", type="json", default=[], flag="--args", settable=True, detected=True),
        CONFIG_FILE,
        AnswerField("health_path", matching(r"/[A-Za-z0-9._~/-]{0,200}", "an absolute URL path (like /q/health)"),
                    "the health endpoint the framework serves on the app's port, which probes GET ('': probe the "
                    "TCP port; Spring Boot: also see actuator)", default="", detected=True, settable=True),
        AnswerField("cds", parse_bool, "start from a class-data sharing archive of the classes, made at build time "
                    "(a training run for Spring Boot 3.3+, else the JDK's default archive)",
                    type="bool", default=True, flag="--no-cds", settable=True, flag_value=False),
        AnswerField("actuator", parse_bool, "Spring Boot Actuator is a dependency: Kubernetes probes "
                    "/actuator/health", type="bool", default=False, detected=True, settable=True),
        AnswerField("jdbc_scheme", one_of("mariadb", "mysql"), "the JDBC URL scheme of the app's MySQL-protocol "
                    "driver, for the mariadb service's SPRING_DATASOURCE_URL (mysql: MySQL Connector/J, which takes "
                    "jdbc:mysql: only; mariadb: MariaDB Connector/J)", default="mariadb", detected=True, settable=True),
    )
    finals = (
        Flavour("distroless", "jlink-ed runtime on distroless cc, no shell"),
        Flavour("debian", "jlink-ed runtime on debian slim, shell and apt removed"),
        Flavour("jre", "distroless Java: the full JRE, no jlink step, no shell"),
    )
    #: the heap is 75% of the memory limit (JAVA_TOOL_OPTIONS in the template); a server's
    #: thread pool (Tomcat: 200) plus the JVM's own threads
    resources = Resources(memory_mb=1024, pids=512)
    startup_seconds = 90
    no_health_command = ("the image has no shell and no HTTP client, on purpose, and a probe written in Java would "
                         "start a second JVM at every interval")

    def config_mount(self, answers: Mapping[str, Any]) -> Optional[Tuple[str, str]]:
        """The image copies the configuration file into /app under its own name (the arguments name it there)."""
        config = str(answers.get(CONFIG_FILE.key) or "")
        return (config, "/app/" + config.rsplit("/", 1)[-1]) if config else None

    def start_command(self, answers: Mapping[str, Any]) -> List[str]:
        """The launcher: Spring Boot's, Quarkus's, the main class on the class path, or the jar's manifest
        (classes compiled with preview features load only with --enable-preview), then the program's arguments."""
        return [*self._launcher(answers), *answers.get("args", [])]

    def _launcher(self, answers: Mapping[str, Any]) -> List[str]:
        java = ["/usr/bin/java" if answers["final"] == "jre" else "/opt/java/runtime/bin/java"]
        if answers.get("preview_release"):
            java.append("--enable-preview")
        if answers.get("packaging") == "spring-boot":
            if answers.get("main_class"):  # a class other than the manifest's Start-Class: the exploded jar's path
                return [*java, "-cp", BOOT_CLASSPATH, str(answers["main_class"])]
            build = self.build(answers)
            if build.trained:  # the extracted jar and the archive its training run left
                return [*java, f"-XX:SharedArchiveFile={build.cds_archive}", "-jar", "/app/app.jar"]
            return [*java, build.launcher]
        if answers.get("packaging") == "quarkus":
            return [*java, "-jar", "/app/quarkus-run.jar"]
        if answers.get("main_class"):
            classpath = "/app/app.jar" + (":/app/lib/*" if answers.get("packaging") == "jar" else "")
            return [*java, "-cp", classpath, str(answers["main_class"])]
        return [*java, "-jar", "/app/app.jar"]

    def asks(self, key: str, answers: Mapping[str, Any]) -> bool:
        """Quarkus's quarkus-run.jar starts the class Quarkus generates: no main class to ask for."""
        return not (key == "main_class" and answers.get("packaging") == "quarkus")

    def check(self, answers: Mapping[str, Any]) -> Optional[str]:
        """Preview features run only on the exact release they were compiled for; a Quarkus app starts
        from quarkus-run.jar, whatever main class is given."""
        if answers.get("packaging") == "quarkus" and answers.get("main_class"):
            return (f"main class {answers['main_class']}: a Quarkus app starts from quarkus-run.jar, which runs the "
                    "main class Quarkus generates (or the @QuarkusMain class in the sources), so it would change "
                    "nothing; leave --main-class out")
        preview = answers.get("preview_release")
        if preview and preview != answers["version"]:
            return (f"the build compiles with --enable-preview for Java {preview}, whose preview features run only on "
                    f"a JDK {preview} exactly; the images here are Java {', '.join(SUPPORTED)}: build for one of them "
                    "(<release> or the toolchain) or remove --enable-preview")
        return None

    def writable_paths(self, answers: Mapping[str, Any]) -> List[WritablePath]:
        """java.io.tmpdir only: hsperfdata is off (-XX:-UsePerfData), so nothing else is written."""
        return [WritablePath("/tmp", "java.io.tmpdir: temporary files (an embedded Tomcat's work directory, "
                             "uploads); no hsperfdata (-XX:-UsePerfData)", 128)]

    def http_probe_path(self, answers: Mapping[str, Any]) -> str:
        """The framework's health endpoint (frameworks.py); Spring Boot Actuator's /actuator/health when set."""
        if answers.get("health_path"):
            return str(answers["health_path"])
        return "/actuator/health" if answers.get("spring_boot") and answers.get("actuator") else ""

    def built_version(self, major: int) -> str:
        for supported in SUPPORTED:  # the LTS that runs this source level
            if major <= int(supported):
                return supported
        raise ValueError(f"Java {major} is newer than the supported {SUPPORTED[-1]}")

    def build(self, answers: Mapping[str, Any]) -> "JavaBuild":
        """How the build tool runs, which jar it leaves, its layout and launcher, jlink's options (build.py)."""
        from generator.languages.java.build import plan

        return plan(answers)

    def images(self, answers: Mapping[str, Any]) -> Dict[str, str]:
        version = str(answers["version"])
        release = JAVA_DEBIAN[version]
        if answers.get("build_tool") == "maven" and not answers.get("wrapper"):
            builder = f"maven:{MAVEN_IMAGE_VERSION}-eclipse-temurin-{version}"
        elif answers.get("build_tool") == "gradle" and not answers.get("wrapper"):
            builder = f"gradle:{GRADLE_IMAGE_VERSION}-jdk{version}"
        else:
            builder = f"eclipse-temurin:{version}-jdk"
        finals = {
            "distroless": f"gcr.io/distroless/cc-debian{release}:nonroot",
            "debian": f"debian:{DEBIAN_CODENAMES[release]}-slim",
            "jre": f"gcr.io/distroless/java{version}-debian{release}:nonroot",
        }
        return {"builder": builder, "final": finals[str(answers["final"])]}

    def image_version(self, name: str, tag: str) -> Optional[str]:
        distroless = re.fullmatch(r"gcr\.io/distroless/java(\d+)(?:-debian\d+)?", name)
        if distroless:
            return distroless.group(1)
        image = name.rsplit("/", 1)[-1]
        named = JDK_IN_NAME.fullmatch(image)
        if named:  # the version in the image name (adoptopenjdk/openjdk13:alpine-jre)
            return named.group(1)
        if image in BUILD_IMAGES:
            match = re.search(r"(?:temurin|jdk|openjdk|corretto|zulu|semeru|sapmachine|liberica|graalvm)-?(\d+)", tag)
            return match.group(1) if match else ""
        if image not in JDK_IMAGES and not JDK_IMAGE_FAMILIES.fullmatch(image):
            return None
        match = re.match(r"(?:1\.(?=\d))?(\d+)", tag)
        return match.group(1) if match else ""

    def start_answers(self, argv: Sequence[str]) -> Tuple[Dict[str, Any], List[str]]:
        """`java [options] -jar [options] app.jar` is the jar's manifest (main class ""); `java [options] Main`
        is Main; the words after them are the program's arguments (the java launcher reads options up to the
        first other word, after -jar too). The template sets its own JVM options."""
        import shlex

        if not argv or argv[0].rsplit("/", 1)[-1] != "java":
            return {}, [f"it runs {argv[0] if argv else 'nothing'}, not java: the new image runs the jar it builds"]
        answers: Dict[str, Any] = {}
        options: List[str] = []
        rest: List[str] = []
        jar = False
        index = 1
        while index < len(argv):
            word = argv[index]
            if word in ("-cp", "-classpath", "--class-path"):
                index += 2  # the template lays out its own class path
            elif word == "-jar":
                jar = True
                index += 1
            elif word in ("-m", "--module"):
                return {}, [f"it runs the module {' '.join(argv[index + 1:index + 2])}: the Java template runs a jar "
                            "or a main class (pass --main-class)"]
            elif word in _JAVA_VALUES:
                options.extend(argv[index:index + 2])
                index += 2
            elif word.startswith("-"):
                options.append(word)
                index += 1
            else:
                launcher = jar or word.startswith("org.springframework.boot.loader.")
                answers["main_class"], rest = ("" if launcher else word), list(argv[index + 1:])
                break
        notes = []
        if options:
            notes.append(f"its JVM options ({shlex.join(options)}) are not carried: the Java template sets its own "
                         "(JAVA_TOOL_OPTIONS); add them there after adopting, or pass JAVA_TOOL_OPTIONS at run time")
        if rest:
            answers["args"] = rest
        return answers, notes

    def derive(self, app: "AppCandidate", raw: Mapping[str, Any], origins: Mapping[str, str]) -> Dict[str, Tuple[Any, str]]:
        """Spring Boot's and Quarkus's launchers know the main class: none is needed. A main class detected
        for them is the one the manifest names (Start-Class), so it is left to the launcher; only one a
        person or an adopted Dockerfile gives changes the start."""
        launcher = LAUNCHED.get(str(raw.get("packaging")))
        if launcher:
            return {"main_class": ("", origins.get("packaging", launcher))}
        return {}

    #: sources, resources and build files (a frontend plugin's workingDirectory) name the UI's output
    backend_suffixes = (".java", ".kt", ".xml", ".properties", ".yml", ".yaml", ".gradle", ".kts")
    #: Spring Boot and Quarkus serve what the class path holds under these
    static_by_convention = r"(?:.+/)?src/main/resources/(?:static|public|resources|META-INF/resources)(?:/.*)?"

    def ui_folder(self, app: "AppCandidate") -> str:
        """The build module's folder: a multi-module build's UI belongs to the module it sits in."""
        module = app.value("module")
        return str(module) if module else ""

    def stated_refusal(self, key: str, value: Any, heuristic: "Optional[Fact]") -> str:
        """A JDK older than the release the build compiles for cannot run what it builds (a stale Dockerfile's
        `FROM ubi9/openjdk-21` beside `maven.compiler.release` 23): the build file's release stands. A version
        file (.java-version) read by detection is no build file: a statement may overrule it."""
        if key != "version" or heuristic is None or heuristic.evidence is None \
                or PurePosixPath(heuristic.evidence.file).name in VERSION_FILE_NAMES:
            return ""
        from generator.languages.java.detect import java_major

        stated, needed = java_major(str(value)), java_major(str(heuristic.value))
        if stated is None or needed is None:
            return ""
        if int(stated) < int(needed):
            return (f"older than Java {needed}, which {heuristic.evidence.file}"
                    f"{':' + str(heuristic.evidence.line) if heuristic.evidence.line else ''} compiles for")
        return ""

    def settle(self, repo: "Repo", app: "AppCandidate") -> None:
        from generator.languages.java.detect import gradle_wrapper_jdk, stated_profile_port

        gradle_wrapper_jdk(repo, app)
        stated_profile_port(repo, app)

    def state_patterns(self) -> "Tuple[StatePattern, ...]":
        from generator.languages.java.state import PATTERNS

        return PATTERNS

    def service_drivers(self) -> "Drivers":
        from generator.languages.java.services import DRIVERS

        return DRIVERS


JAVA = Java()
