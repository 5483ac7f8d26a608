"""How a Java app is built, decided from its validated answers: the plan the Dockerfile lays out.

The choices that depend on versions are made here, as numbers, never in the template:
`-ntp` or the logger setting it stands for (the wrapper's Maven), Spring Boot's layout
(jarmode `tools` from 3.3, `layertools` 2.4 to 3.2, the jar unpacked by hand before: an
older Boot ignores an unknown jarmode and starts the app inside `docker build`) and its
launcher class (in `loader.launch` from 3.2), jlink's options by Java release, and the
class-data sharing archive the app starts from (`cds`).
Imported at render time only (`Java.build`).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace
from typing import Any, Mapping, Tuple

#: Spring Boot's layers, least to most often changed (the order they are copied in)
BOOT_LAYERS = ("dependencies", "spring-boot-loader", "snapshot-dependencies", "application")
#: plugins that read source files (style checks, code generators, npm): off while the poms are
#: alone (skip.*: frontend-maven-plugin, which also downloads Node, and runs npm, webpack, ...)
SOURCE_READERS = ("checkstyle.skip", "pmd.skip", "cpd.skip", "spotless.check.skip", "spotless.apply.skip",
                  "codegen.skip", "xjc.skip", "maven.antrun.skip", "exec.skip", "maven.gitcommitid.skip",
                  "asciidoctor.skip", "protoc.skip", "spring-javaformat.skip", "skip.installnodenpm",
                  "skip.installyarn", "skip.installnodepnpm", "skip.npm", "skip.yarn", "skip.pnpm", "skip.npx",
                  "skip.webpack", "skip.grunt", "skip.gulp", "skip.bower")
#: what Maven before 3.6.1 (no -ntp) takes to stay quiet about transfers
QUIET_TRANSFERS = "-Dorg.slf4j.simpleLogger.log.org.apache.maven.cli.transfer.Slf4jMavenTransferListener=warn"
#: the Gradle task that makes the application jar, by packaging
GRADLE_TASKS = {"spring-boot": "bootJar", "quarkus": "quarkusBuild", "shade": "shadowJar", "assembly": "assemble",
                "jar": "installDist"}
#: Quarkus's fast-jar, beside the jars, in the order it is copied (least often changed first)
QUARKUS_APP = "quarkus-app"
QUARKUS_PARTS = ("lib", "quarkus", "app", "quarkus-run.jar")
COPY_DEPENDENCIES = " dependency:copy-dependencies -DincludeScope=runtime"
#: class-data sharing: an archive of the app's classes from a training run at build time (Spring Boot 3.3+,
#: whose `spring.context.exit=onRefresh` stops the app once its context is up), or only the jlink-ed
#: runtime's default archive of the JDK's classes (any other app: nothing says when a training run is over)
CDS_TRAINED = "trained"
CDS_DEFAULT = "default"
#: where the trained archive is, in the image (read-only, beside the app)
CDS_ARCHIVE = "/app/app.jsa"
#: the JVM option of the build's short-lived tools (Maven, jdeps, jlink, the jar's extraction): the quick
#: compiler only. They run for seconds, mostly starting up, where the optimising compiler costs more than
#: it earns (a Spring Boot app's `mvn package` after a one-line edit: 26 s -> 15 s on a busy 2-core machine)
QUICK_JVM = "-XX:TieredStopAtLevel=1"


@dataclass(frozen=True)
class JavaBuild:
    """The build plan: how the tool runs, which jar it leaves, how it is laid out and linked."""

    #: Maven (else Gradle)
    maven: bool
    #: the command that runs the build tool: the wrapper through sh, or the image's
    tool: str
    #: the build tool's cache, a BuildKit cache mount
    cache: str
    #: where the build leaves its jars, relative to the root
    jars_dir: str
    #: Maven: the options of both passes (batch mode, quiet transfers, no tests, the module)
    maven_flags: Tuple[str, ...] = ()
    #: Maven: the goals of the build, and of the pass over the poms alone
    goals: str = ""
    dependency_goals: str = ""
    #: Maven: the properties that skip source-reading plugins in the pass over the poms alone
    source_readers: Tuple[str, ...] = ()
    #: Gradle: the project path prefix (":app:") and the task that makes the jar
    project: str = ""
    task: str = ""
    #: a plain jar: its runtime dependencies are copied beside it, into lib/ (the class path)
    lib: bool = False
    #: the suffix of the jar to take when several are left ("": the only, or the largest)
    preferred: str = ""
    #: Spring Boot: how the jar becomes layers (tools, layertools, unzip; "" when not Boot)
    boot_layout: str = ""
    boot_layers: Tuple[str, ...] = ()
    #: Spring Boot's launcher class ("" when not Boot)
    launcher: str = ""
    #: Quarkus: the fast-jar directory the build leaves ("" when not Quarkus), copied in `QUARKUS_PARTS`
    quarkus_app: str = ""
    quarkus_parts: Tuple[str, ...] = ()
    #: a file of the project copied into /app (its path in the build stage, "": none), e.g. a configuration
    config_file: str = ""
    #: whether a jlink-ed runtime is built (every final but jre)
    jlinked: bool = True
    #: modules jlink adds to those jdeps lists (loaded as services), and its compression
    extra_modules: str = ""
    compress: str = ""
    #: class-data sharing: CDS_TRAINED, CDS_DEFAULT or "" (off, or the jre final's own JDK archive)
    cds: str = ""
    #: the JVM option of the build's short-lived tools (Maven's MAVEN_OPTS, a build argument; jdeps, jlink)
    quick_jvm: str = QUICK_JVM

    @property
    def trained(self) -> bool:
        """A trained archive: the Boot jar is extracted for `java -jar` (its class path is plain jars, which
        CDS can archive), not for its launcher, whose nested jars it cannot."""
        return self.cds == CDS_TRAINED

    @property
    def cds_archive(self) -> str:
        """Where the trained archive is in the image (the ENTRYPOINT names it)."""
        return CDS_ARCHIVE

    @property
    def boot_libs(self) -> str:
        """Where the Boot layers keep the dependency jars."""
        return "/out/layers/*/lib/*.jar" if self.trained else "/out/layers/*/BOOT-INF/lib/*.jar"

    @property
    def boot_own(self) -> str:
        """The Boot layers' own classes: the application's and the launcher's."""
        return ("/out/layers/application/app.jar" if self.trained
                else "/out/layers/application/BOOT-INF/classes /out/layers/spring-boot-loader")

    @property
    def boot(self) -> bool:
        """A Spring Boot jar, laid out in layers."""
        return bool(self.boot_layout)

    @property
    def candidates(self) -> str:
        """The file listing the jar(s) the build may have meant."""
        return "/tmp/app-jar" if self.preferred else "/tmp/jars"


def release(version: str) -> Tuple[int, ...]:
    """A dotted version as numbers to compare ("" : the newest)."""
    return tuple(int(part) for part in (version or "99").split("."))


def boot_layout(version: str) -> str:
    """jarmode tools (3.3+, or unknown), layertools (2.4 to 3.2, layers on by default), else unpacked by hand."""
    return "tools" if release(version) >= (3, 3) else "layertools" if release(version) >= (2, 4) else "unzip"


def boot_launcher(version: str) -> str:
    """Spring Boot's launcher class: in org.springframework.boot.loader.launch from Boot 3.2."""
    return "org.springframework.boot.loader." + ("launch.JarLauncher" if release(version) >= (3, 2) else "JarLauncher")


def maven_flags(answers: Mapping[str, Any]) -> Tuple[str, ...]:
    """-ntp is Maven 3.6.1+; an older wrapper's Maven takes the logger setting it stands for."""
    wrapper_maven = str(answers.get("maven_version") or "") if answers.get("wrapper") else ""
    quiet = "-ntp" if release(wrapper_maven) >= (3, 6, 1) else QUIET_TRANSFERS
    module = str(answers.get("module") or "")
    profiles = str(answers.get("maven_profiles") or "")
    flags = ("-B", quiet, "-DskipTests") + (("-P", profiles) if profiles else ())
    if module and answers.get("module_aggregated", True) is False:
        return flags + ("-f", module + "/pom.xml")
    return flags + (("-pl", module, "-am") if module else ())


def _maven(answers: Mapping[str, Any], module_dir: str, jlinked: bool) -> JavaBuild:
    packaging = answers["packaging"]
    return JavaBuild(
        maven=True, tool="sh ./mvnw" if answers.get("wrapper") else "mvn", cache="/root/.m2",
        jars_dir=module_dir + "target", maven_flags=maven_flags(answers),
        goals="package" + (COPY_DEPENDENCIES if packaging == "jar" else ""),
        # the pass over the poms alone also copies the dependencies where jdeps reads them
        dependency_goals="package" + (COPY_DEPENDENCIES if packaging == "jar" or jlinked else ""),
        source_readers=SOURCE_READERS, preferred={"shade": "-shaded.jar", "assembly": "-jar-with-dependencies.jar"}
        .get(packaging, ""))


def _gradle(answers: Mapping[str, Any], module_dir: str, jlinked: bool) -> JavaBuild:
    module = str(answers.get("module") or "")
    return JavaBuild(
        maven=False, tool="sh ./gradlew" if answers.get("wrapper") else "gradle", cache="/cache/gradle",
        jars_dir=module_dir + "build/libs", project=":" + (str(answers.get("gradle_project") or "").strip(":")
                                                          or module.replace("/", ":")) + ":" if module else "",
        task=GRADLE_TASKS[answers["packaging"]],
        preferred={"shade": "-all.jar", "assembly": "-jar-with-dependencies.jar"}.get(answers["packaging"], ""))


def plan(answers: Mapping[str, Any]) -> JavaBuild:
    """The build plan for validated answers."""
    module = str(answers.get("module") or "")
    jlinked = answers["final"] != "jre"
    tool = _maven if answers["build_tool"] == "maven" else _gradle
    built = tool(answers, module + "/" if module else "", jlinked)
    version = str(answers["version"])
    boot = str(answers.get("spring_boot_version") or "")
    if answers.get("classifier"):  # two jars: the plain one and the runnable one it names
        built = replace(built, preferred=f"-{answers['classifier']}.jar")
    if answers["packaging"] == "spring-boot":
        built = replace(built, boot_layout=boot_layout(boot), boot_layers=BOOT_LAYERS, launcher=boot_launcher(boot))
    if answers["packaging"] == "quarkus":
        # Maven leaves it in target/, Gradle in build/ (beside build/libs)
        beside = built.jars_dir if built.maven else posixpath.dirname(built.jars_dir)
        built = replace(built, quarkus_app=posixpath.join(beside, QUARKUS_APP), quarkus_parts=QUARKUS_PARTS,
                        source_readers=built.source_readers + ("quarkus.build.skip",) if built.maven else ())
    # jdk.crypto.ec: TLS's elliptic-curve provider, a service (java.base has it from Java 22)
    config = str(answers.get("config_file") or "")
    return replace(built, config_file=config, jlinked=jlinked, lib=answers["packaging"] == "jar", extra_modules="" if int(version) >= 22 else "jdk.crypto.ec",
                   compress="2" if version == "17" else "zip-6", cds=cds(answers, built))


def cds(answers: Mapping[str, Any], built: JavaBuild) -> str:
    """The class-data sharing archive (off by answer; the jre final runs its JDK's own default archive).

    A Boot app started from another main class than its Start-Class keeps the exploded layout and
    the default archive: the training run starts the manifest's class."""
    if not answers.get("cds", True) or answers["final"] == "jre":
        return ""
    trainable = built.boot_layout == "tools" and not answers.get("main_class")
    return CDS_TRAINED if trainable else CDS_DEFAULT
