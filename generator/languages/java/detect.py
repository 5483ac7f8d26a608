"""Java detection: Maven and Gradle builds, their modules, and the applications they produce.

A *build* is a directory holding pom.xml, build.gradle(.kts) or settings.gradle(.kts) that
is not a declared module of a shallower build; its `root` is where mvn/gradle is run. Every
project of a build that produces an application (Spring Boot, shade/assembly/shadow, the
Gradle `application` plugin, or a configured main class) becomes one candidate; a
single-project build always does.

Java version precedence: the build files first, because they decide what the compiler
targets (Maven: compiler-plugin `<release>`, `maven.compiler.release`, `java.version`,
then `<source>`/`maven.compiler.source`, `<target>`/`maven.compiler.target`; Gradle: a
toolchain, `jvmToolchain`, `sourceCompatibility`, `targetCompatibility`), and only then
`.java-version`, `.sdkmanrc` and `.tool-versions` (nearest directory first), which merely
pick a local JDK. Versions are reduced to the major release ("1.8" -> "8").
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate, chain
from pathlib import PurePosixPath
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from generator.detect.model import AppCandidate, Evidence, FactValue, excerpt
from generator.detect.walker import Repo, iter_dirs_up, parent_dir

Offer = Tuple[str, Evidence]
"""A raw value found in the repository and where: parsed later, the first good one wins."""

MAVEN_FILE = "pom.xml"
GRADLE_BUILD_FILES = ("build.gradle.kts", "build.gradle")
GRADLE_SETTINGS_FILES = ("settings.gradle.kts", "settings.gradle")
#: the file that makes a directory a build, in the order a directory with several is read
BUILD_FILES = (MAVEN_FILE,) + GRADLE_BUILD_FILES + GRADLE_SETTINGS_FILES
#: build files below these directories are test projects or build logic, not applications
IGNORED_DIRS = frozenset({"src", "buildSrc"})
#: modules read per build at most, so a hostile build file cannot make detection quadratic
MAX_MODULES = 500
#: folders and artifact names of modules that sit beside the app (offered only when nothing else produces)
SECONDARY_MODULE = re.compile(
    r"(?:^|[/_-])(?:examples?|samples?|demos?|benchmarks?|jmh|perf|tests?|it|integration-tests?|e2e|"
    r"deprecated|archetypes?|docs?|tutorials?|playground|agent)(?:$|[/_-])")
#: manifest entries of a Java agent, loaded into another program rather than run
AGENT_MARKERS = ("Premain-Class", "Agent-Class", "Launcher-Agent-Class")
#: parent POMs followed at most (a cycle or a hostile chain ends there)
MAX_PARENTS = 10
#: longest version string looked at (the pattern backtracks; real versions are short)
MAX_VERSION_LENGTH = 64

#: the wrapper script and the file pinning its distribution, per build tool
WRAPPERS = {
    "maven": ("mvnw", ".mvn/wrapper/maven-wrapper.properties"),
    "gradle": ("gradlew", "gradle/wrapper/gradle-wrapper.properties"),
}

#: a Java version as build and version files write it: "17", "1.8", "VERSION_1_8",
#: "21.0.2-tem" (SDKMAN!), "temurin-21.0.1+12" (asdf), "openjdk64-17.0.2" (jenv)
JAVA_VERSION = re.compile(r"(?:[A-Za-z][\w.-]*?[-_])?(?:1[._](?=\d))?(\d{1,3})(?!\w)(?:[._+-][\w.+-]*)?")

#: version files consulted after the build files: (name, pattern capturing the version)
VERSION_FILES = (
    (".java-version", re.compile(r"^\s*([^\s#]+)\s*$")),
    (".sdkmanrc", re.compile(r"^\s*java\s*=\s*(\S+)")),
    (".tool-versions", re.compile(r"^\s*java\s+(\S+)")),
)

# -- Maven ---------------------------------------------------------------------

#: where Maven takes the Java version from, strongest first: ("plugin", parameter) of
#: maven-compiler-plugin (it overrides the property that is only its default), ("property", name)
MAVEN_VERSION_SOURCES = (
    ("plugin", "release"),
    ("property", "maven.compiler.release"),
    ("property", "java.version"),  # spring-boot-starter-parent maps it to the release
    ("plugin", "source"),
    ("property", "maven.compiler.source"),
    ("plugin", "target"),
    ("property", "maven.compiler.target"),
)
#: plugins that make the jar runnable on its own, strongest first, with the packaging they mean
MAVEN_PACKAGERS = (
    ("spring-boot-maven-plugin", "spring-boot"),
    ("maven-shade-plugin", "shade"),
    ("maven-assembly-plugin", "assembly"),
    ("quarkus-maven-plugin", "quarkus"),
)
#: plugins whose configuration may name the main class (`<mainClass>` anywhere below), strongest first
MAVEN_MAIN_CLASS_PLUGINS = tuple(p for p, _ in MAVEN_PACKAGERS) + ("maven-jar-plugin", "exec-maven-plugin")
#: the POM properties that name the main class when no plugin does (Micronaut's and the exec plugin's
#: exec.mainClass, Helidon's parent's mainClass, a common main.class), strongest first
MAVEN_MAIN_CLASS_PROPERTIES = ("exec.mainClass", "mainClass", "main.class")
#: the plugin settings that name the main class: <mainClass>, and a manifest entry <Main-Class>
#: (the shade plugin's ManifestResourceTransformer, the jar plugin's manifestEntries)
MAVEN_MAIN_CLASS_SETTINGS = ("mainClass", "Main-Class")
#: bound by the default jar lifecycle: their pluginManagement configuration applies undeclared
MAVEN_DEFAULT_PLUGINS = frozenset({"maven-compiler-plugin", "maven-jar-plugin"})
MAVEN_PLUGIN_PATHS = ("build/plugins/plugin", "build/pluginManagement/plugins/plugin")
#: published parent POMs (never in the repository) whose pluginManagement binds a packaging plugin to
#: `package`: declaring the plugin is enough (Micronaut's parents bind shade)
MAVEN_PARENT_BINDINGS = {"micronaut-parent": frozenset({"maven-shade-plugin"})}
PROPERTY_REF = re.compile(r"\$\{([\w.-]+)\}")
PREVIEW_FLAG = "--enable-preview"
#: the setting that names the runnable jar's classifier, by packaging, and its plugin
MAVEN_CLASSIFIERS = {"spring-boot": "classifier", "shade": "shadedClassifierName"}
MAVEN_CLASSIFIER_PLUGINS = {"spring-boot": "spring-boot-maven-plugin", "shade": "maven-shade-plugin"}
#: the lower bound of an enforcer version range ("[17,)" -> 17; a plain "17" is "17 or newer")
ENFORCER_FLOOR = re.compile(r"\s*[\[(]?\s*([^,\s\])]+)")
#: the Maven a wrapper downloads, from its distributionUrl
WRAPPER_MAVEN = re.compile(r"apache-maven-(\d+\.\d+(?:\.\d+)?)-bin\.")
#: the Gradle a wrapper downloads, from its distributionUrl (gradle-8.10.2-bin.zip, gradle-8.5-rc-1-all.zip)
WRAPPER_GRADLE = re.compile(r"/gradle-(\d{1,2}\.\d{1,3}(?:\.\d{1,3})?)(?:-[\w.-]{1,40})?-(?:bin|all)\.zip")
#: the oldest Gradle that runs on a JDK, by JDK major (Gradle's compatibility matrix): a wrapper older than the
#: one for the JDK the image builds with fails the build
GRADLE_FOR_JDK = {11: (5, 0), 17: (7, 3), 21: (8, 5), 25: (9, 1)}
#: the Java release spring-boot-starter-parent compiles for when the POM sets none, by Boot major
BOOT_PARENT_JAVA = {"1": "1.8", "2": "1.8", "3": "17", "4": "17"}
#: the Java release other published parent POMs (never in the repository) compile for, by their major
#: version: Helidon's application parents (1.x: 8, 2.x: 11, 3.x: 17, 4.x: 21), Micronaut 4's parent (17)
PUBLISHED_PARENT_JAVA = {
    "helidon-mp": {"1": "8", "2": "11", "3": "17", "4": "21"},
    "helidon-se": {"1": "8", "2": "11", "3": "17", "4": "21"},
    "micronaut-parent": {"4": "17"},
}

# -- Gradle --------------------------------------------------------------------

#: a project moved out of the folder its path names: `project(":api").projectDir = file("server/api")`
#: (also `new File(settingsDir, "server/api")`, `File(rootDir, "server/api")`)
GRADLE_PROJECT_DIR = re.compile(
    r"\bproject\(\s*[\"']:?([\w.:-]+)[\"']\s*\)\.projectDir\s*=\s*(?:file\(|(?:new\s+)?File\()\s*"
    r"(?:(?:settingsDir|rootDir|rootProject\.projectDir)\s*,\s*)?[\"']([^\"'\n]+)[\"']")
#: Spring Boot's jar turned off in a project (a library of a Boot build): `bootJar { enabled = false }`,
#: `bootJar.enabled = false`, `tasks.named("bootJar") { enabled = false }`, `tasks.bootJar { enabled = false }`
GRADLE_BOOT_JAR_OFF = re.compile(r"\bbootJar\b[\"']?\s*\)?\s*(?:\{[^}]*?\benabled\s*=\s*false|\.enabled\s*=\s*false)")
#: a dependency on another project of the build (`implementation project(':lib')`): that project is a library
GRADLE_PROJECT_DEPENDENCY = re.compile(r"\bproject\(\s*(?:path\s*[:=]\s*)?[\"']:?([\w.:-]+)[\"']\s*\)")
#: a block of the root build script that configures other projects: subprojects { }, allprojects { }
GRADLE_CROSS_CONFIG = re.compile(r"^\s*(subprojects|allprojects)\s*\{", re.M)
#: a plugin applied the older way, inside such a block: apply plugin: 'x', apply(plugin = "x"), plugins.apply("x")
GRADLE_APPLY_PLUGIN = re.compile(r"\bapply\s*\(?\s*plugin\s*[:=]\s*[\"']([\w.-]+)[\"']|\bplugins\.apply\(\s*[\"']([\w.-]+)[\"']")
GRADLE_INCLUDE = re.compile(r"^[ \t]*include\s*\(?((?:\s*[\"'][^\"'\n]+[\"']\s*,?)+)", re.M)
QUOTED = re.compile(r"[\"']([^\"'\n]+)[\"']")
GRADLE_ROOT_NAME = re.compile(r"\brootProject\.name\s*=\s*[\"']([^\"']+)[\"']")
GRADLE_BOOT = re.compile(r"[\"']org\.springframework\.boot[\"']|\blibs\.plugins\.spring\.boot\b")
GRADLE_QUARKUS = re.compile(r"[\"']io\.quarkus[\"']|\blibs\.plugins\.quarkus\b")
GRADLE_SHADOW = re.compile(r"[\"'](?:com\.github\.johnrengelman\.shadow|com\.gradleup\.shadow)[\"']")
#: the Spring Boot version: the plugin's, the buildscript classpath's, a version variable or catalog entry
GRADLE_BOOT_VERSION = (
    re.compile(r"[\"']org\.springframework\.boot[\"']\s*\)?\s*version\s*\(?\s*[\"']([\w.-]+)[\"']"),
    re.compile(r"spring-boot-gradle-plugin:([\w.-]+)[\"']"),
    re.compile(r"\bspring_?[Bb]oot_?[Vv]ersion\s*=\s*[\"']?([\w.-]+)"),
    re.compile(r"^\s*spring-?[Bb]oot\s*=\s*[\"']([\w.-]+)[\"']"),
)
#: a plugin applied through the version catalog (`alias(libs.plugins.micronaut.application)`) or by id
GRADLE_PLUGIN_ALIAS = re.compile(r"\balias\(\s*libs\.plugins\.([\w.]+?)\s*\)")
GRADLE_PLUGIN_ID = re.compile(r"\bid\s*\(?\s*[\"']([\w.-]+)[\"']")
#: a dependency through a version catalog accessor: `implementation(libs.micronaut.http.server)`, or a published
#: catalog's (`mn.micronaut.management`, Micronaut's platform catalog, whose aliases are the artifacts' names)
GRADLE_CATALOG_DEPENDENCY = re.compile(
    r"\b(?:implementation|api|runtimeOnly|compileOnly|kapt|ksp)\s*\(\s*([a-z]\w*)\.([\w.]+?)\s*\)")
#: what an accessor names besides a library: `libs.plugins.x`, `libs.versions.x`, `libs.bundles.x`, `project.x`
NOT_A_LIBRARY = frozenset({"plugins", "versions", "bundles"})
NOT_A_CATALOG = frozenset({"project", "projects", "platform", "enforcedPlatform", "files", "kotlin", "gradleApi"})
#: the plugins that make a build one of Gradle plugins (an included build-logic/), not of an application
GRADLE_PLUGIN_DEVELOPMENT = re.compile(r"`kotlin-dsl`|[\"'](?:org\.gradle\.)?kotlin-dsl[\"']|\b(?:java|groovy)-gradle-plugin\b")
GRADLE_CATALOG = "gradle/libs.versions.toml"
#: convention plugins followed per project at most
MAX_CONVENTION_SCRIPTS = 8
BOOT_PLUGINS = frozenset({"org.springframework.boot"})
SHADOW_PLUGINS = frozenset({"com.github.johnrengelman.shadow", "com.gradleup.shadow", "io.github.goooler.shadow"})
QUARKUS_PLUGINS = frozenset({"io.quarkus"})
#: compiler arguments that turn preview features on
GRADLE_PREVIEW = re.compile(r"[\"']--enable-preview[\"']")
#: files beside the build files where a Gradle build keeps versions
GRADLE_VERSION_FILES = ("gradle.properties", "gradle/libs.versions.toml")
#: a dependency notation "group:artifact[:version]" (the artifact is read)
GRADLE_DEPENDENCY = re.compile(r"[\"'][\w.-]+:([\w.-]+)(?::[^\"'\s]*)?[\"']")
GRADLE_APPLICATION = re.compile(r"[\"']application[\"']|^\s*application\s*(?:\{|$)")
GRADLE_MAIN_CLASS = (
    re.compile(r"\bmainClass(?:Name)?\s*(?:=|\.set\(|\.convention\()\s*[\"']([^\"']+)[\"']"),
    re.compile(r"[\"']Main-Class[\"']\s*(?:\]\s*=|:|to|,)\s*[\"']([^\"']+)[\"']"),
)
#: a value as a build script writes it: a literal (17, "17", VERSION_17), a property (javaVersion,
#: project.javaVersion, property("javaVersion")) or a catalog version (libs.versions.java.get()), with the
#: conversions around it (.get(), .toInt(), .toString()) left out
GRADLE_VALUE = (r"(?:(?:project\.)?(?:find)?[Pp]roperty\(\s*[\"'](\w+)[\"']\s*\)|[\"']?([\w.]+?)[\"']?)"
                r"(?:\.(?:get|toInt|toInteger|asInt|toString)\(\s*\))*")
COMPATIBILITY = r"\b{}\s*(?:=|\.set\()\s*(?:JavaVersion\.(?:toVersion\(\s*)?)?" + GRADLE_VALUE + r"(?![\w.])"
GRADLE_VERSION = (
    re.compile(r"\bJavaLanguageVersion\.of\(\s*" + GRADLE_VALUE + r"\s*\)"),
    re.compile(r"\bjvmToolchain\(\s*" + GRADLE_VALUE + r"\s*\)"),
    # the compiler's --release (`options.release = 17`, `options.release.set(21)`)
    re.compile(r"\boptions\.release\s*(?:=|\.set\()\s*" + GRADLE_VALUE + r"(?![\w.])"),
    re.compile(COMPATIBILITY.format("sourceCompatibility")),
    re.compile(COMPATIBILITY.format("targetCompatibility")),
)
#: a catalog version accessor (`libs.versions.java`), read from gradle/libs.versions.toml's [versions]
GRADLE_CATALOG_VERSION = re.compile(r"libs\.versions\.([\w.]+)")
COMMENT_START = ("//", "/*", "*")

# -- Spring Boot ---------------------------------------------------------------

#: a Java main method (`public static void main(String[] args)`, `static public void main(String... a)`)
JAVA_MAIN = re.compile(r"\b(?:public\s+static|static\s+public)\s+void\s+main\s*\(\s*(?:final\s+)?String\b")
BOOT_ANNOTATION = re.compile(r"^\s*@SpringBootApplication\b")
JAVA_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;")
JAVA_CLASS = re.compile(r"\bclass\s+(\w+)")
PORT_WITH_DEFAULT = re.compile(r"\$\{[\w.-]+:([0-9]+)\}")  # server.port=${PORT:8080}
#: the port a Java server is assumed to use when nothing says (weak)
USUAL_PORT = 8080


@dataclass
class Build:
    """One Maven reactor or Gradle build: where it is run from and its declared modules."""

    tool: str
    root: str
    file: str
    modules: List[Tuple[str, Evidence]] = field(default_factory=list)
    #: modules that inherit from the build's POMs (<parent> with a relativePath) but that no <modules>
    #: lists: Maven builds them with -f, from the root so their parent is in the build context
    inheriting: Set[str] = field(default_factory=set)
    #: Gradle: the project path of a module whose directory settings.gradle moved (`projectDir`), by directory
    gradle_paths: Dict[str, Tuple[str, Evidence]] = field(default_factory=dict)


@dataclass
class Project:
    """One Maven/Gradle project as its build files describe it, before it becomes a candidate."""

    name: str
    directory: str
    module: str
    module_evidence: Optional[Evidence]
    produces: bool
    spring_boot: Optional[Evidence]
    packaging: Tuple[str, Optional[Evidence]]
    main_offers: List[Offer]
    version_offers: Iterable[Offer]
    #: where the Spring Boot version is written, strongest first
    boot_version_offers: List[Offer] = field(default_factory=list)
    #: the artifactIds it depends on (a server framework among them makes it a server)
    dependencies: List[str] = field(default_factory=list)
    #: where the compiler is given --enable-preview (None: it is not)
    preview: Optional[Evidence] = None
    #: the classifier of the runnable jar when the packaging plugin attaches it beside the plain one
    classifier: Optional[Offer] = None
    #: the Gradle plugin ids it applies (by id or through the version catalog), with the line of each
    plugins: Dict[str, Evidence] = field(default_factory=dict)


def detect(repo: Repo) -> List[AppCandidate]:
    """One candidate per application of every Maven/Gradle build in the repository."""
    poms = Poms(repo)
    apps: List[AppCandidate] = []
    for build in find_builds(repo, poms):
        if build.tool == "maven":
            projects = maven_projects(repo, poms, build)
        else:
            projects = gradle_projects(repo, build)
        apps.extend(candidates(repo, build, projects))
    return apps


# -- builds and modules --------------------------------------------------------


def find_builds(repo: Repo, poms: "Poms") -> List[Build]:
    """Build roots, shallowest first; a directory declared as a module belongs to its build."""
    directories = {
        parent_dir(f) for f in repo.files() if PurePosixPath(f).name in BUILD_FILES
    }
    claimed: Dict[str, Build] = {}
    builds: List[Build] = []
    for directory in sorted(directories, key=lambda d: (len(PurePosixPath(d).parts), d)):
        if directory in claimed or IGNORED_DIRS.intersection(PurePosixPath(directory).parts):
            continue
        file = first_file(repo, directory, BUILD_FILES)
        assert file is not None  # the directory was listed because it holds one
        adopted = inherited_by(repo, poms, file, claimed) if file.endswith(MAVEN_FILE) else None
        if adopted is not None:
            module = posixpath.relpath(directory, adopted.root)
            adopted.modules.append((module, repo.evidence_for(file, "<parent>")))
            adopted.inheriting.add(module)
            claimed[directory] = adopted
            continue
        if file.endswith(MAVEN_FILE):
            if first_file(repo, directory, GRADLE_BUILD_FILES + GRADLE_SETTINGS_FILES):
                repo.warn(file, "both Maven and Gradle build files; using Maven")
            build = Build("maven", directory, file, maven_modules(repo, poms, directory))
        else:
            paths: Dict[str, Tuple[str, Evidence]] = {}
            build = Build("gradle", directory, file, gradle_modules(repo, directory, paths), gradle_paths=paths)
        claimed.update((join(directory, module), build) for module, _ in build.modules)
        claimed[directory] = build
        if build.tool == "gradle" and plugin_build(repo, build):
            continue  # build-logic/, buildSrc-like included builds: Gradle plugins, never the app
        builds.append(build)
    return builds


def plugin_build(repo: Repo, build: Build) -> bool:
    """Whether the Gradle build builds only Gradle plugins: each of its non-empty build files applies
    `kotlin-dsl` or `java-gradle-plugin` (an included build-logic/, its projects included or not)."""
    files = [first_file(repo, join(build.root, module), GRADLE_BUILD_FILES) for module in [""] + [m for m, _ in build.modules]]
    written = [f for f in files if f and (repo.read_text(f) or "").strip()]
    return bool(written) and all(code_line(repo, f, GRADLE_PLUGIN_DEVELOPMENT) is not None for f in written)


def inherited_by(repo: Repo, poms: "Poms", pom_file: str, claimed: Dict[str, Build]) -> Optional[Build]:
    """The Maven build whose POM this one's parent chain reaches (a parent folder's), when there is one."""
    pom = poms.get(pom_file)
    lineage = parents(repo, poms, pom_file, pom) if pom is not None else []
    for file, _ in lineage[1:]:
        build = claimed.get(parent_dir(file))
        if build is not None and build.tool == "maven":
            return build
    return None


def maven_modules(repo: Repo, poms: "Poms", root: str) -> List[Tuple[str, Evidence]]:
    """Every module of the reactor at `root` (nested aggregators too), relative to `root`."""
    found: List[Tuple[str, Evidence]] = []
    queue, seen, read = [root], {root}, 0
    while queue:
        directory = queue.pop(0)
        pom_file = join(directory, MAVEN_FILE)
        pom = poms.get(pom_file)
        for element in pom.findall("modules/module") if pom is not None else []:
            read += 1
            if read > MAX_MODULES:
                repo.warn(pom_file, f"more than {MAX_MODULES} modules; the rest were not read")
                return found
            declared = (element.text or "").strip()
            declared_dir = parent_dir(declared) if declared.endswith(".xml") else declared
            # relative to the aggregator that declares it (a nested one too), and inside the build
            target = module_dir(root, posixpath.relpath(join(directory, declared_dir.replace("\\", "/")), root))
            if target is None or not repo.is_file(join(target, MAVEN_FILE)):
                repo.warn(pom_file, f"module {declared!r} has no pom.xml inside the build, ignored")
            elif target not in seen:
                seen.add(target)
                queue.append(target)
                evidence = repo.evidence_for(pom_file, f"<module>{declared}<")
                found.append((posixpath.relpath(target, root), evidence))
    return found


def gradle_modules(repo: Repo, root: str, paths: Optional[Dict[str, Tuple[str, Evidence]]] = None
                   ) -> List[Tuple[str, Evidence]]:
    """Projects included by settings.gradle(.kts) at `root` (":a:b" is the directory a/b, unless its
    `projectDir` is set: then that directory, and `paths` gets its project path)."""
    settings = first_file(repo, root, GRADLE_SETTINGS_FILES)
    text = repo.read_text(settings) if settings else None
    if settings is None or text is None:
        return []
    moved = {}
    for number, line in enumerate(text.splitlines(), start=1):
        hit = GRADLE_PROJECT_DIR.search(line)
        if hit and not line.lstrip().startswith(COMMENT_START):
            moved[hit.group(1).strip(":")] = (hit.group(2), Evidence(settings, number, excerpt(line)))
    lines = text.splitlines(keepends=True)
    line_starts = list(accumulate((len(line) for line in lines), initial=0))
    found: List[Tuple[str, Evidence]] = []
    seen = set()
    declarations = (
        (include.start(1) + quoted.start(), quoted.group(1))
        for include in GRADLE_INCLUDE.finditer(text)
        for quoted in QUOTED.finditer(include.group(1))
    )
    for read, (offset, declared) in enumerate(declarations, start=1):
        if read > MAX_MODULES:
            repo.warn(settings, f"more than {MAX_MODULES} included projects; the rest were not read")
            return found
        path = declared.strip(":")
        target = module_dir(root, moved[path][0].strip("/") if path in moved else path.replace(":", "/"))
        if target is not None and path in moved and paths is not None:
            paths[posixpath.relpath(target, root)] = (path, moved[path][1])
        if target is None or not repo.is_dir(target):
            repo.warn(settings, f"included project {declared!r} has no directory in the build, ignored")
        elif target not in seen:
            seen.add(target)
            number = bisect_right(line_starts, offset)
            evidence = Evidence(settings, number, excerpt(lines[number - 1]))
            found.append((posixpath.relpath(target, root), evidence))
    return found


def candidates(repo: Repo, build: Build, projects: List[Project]) -> List[AppCandidate]:
    """The producing projects; else the root alone (module unknown when the build has modules)."""
    producing = [project for project in projects if project.produces]
    secondary = [project for project in producing if is_secondary(repo, project)]
    if secondary and len(secondary) < len(producing):  # the app is among the others
        repo.warn(build.file, "not offered as the app: " + ", ".join(p.module or "." for p in secondary) +
                  " (examples, samples, benchmarks, tests, deprecated code or a Java agent)")
        producing = [project for project in producing if project not in secondary]
    if not producing and build.modules:  # no module says it: the one module whose sources have a main
        producing = [project for project in projects if project.module and any(source_main_offers(repo, project.directory))]
        producing = producing if len(producing) == 1 else []
    if producing:
        # a server before a command-line program (a function, a tool); a module another module of the build
        # depends on is a library they use, the app only after them
        used = {artifact for project in projects for artifact in project.dependencies if artifact != project.name}
        apps = [(candidate(repo, build, project, module_known=True), project.name in used) for project in producing]
        apps.sort(key=lambda pair: (pair[0].value("kind") == "cli", pair[1]))
        return [app for app, _ in apps]
    if not projects:
        return []
    if build.modules:
        repo.warn(build.file, "no module produces an application (main class, Spring Boot, "
                              "shade, assembly or application plugin)")
    return [candidate(repo, build, projects[0], module_known=not build.modules)]


def is_secondary(repo: Repo, project: Project) -> bool:
    """A module beside the app rather than the app: by its folder or name, or a Java agent (Premain-Class)."""
    if SECONDARY_MODULE.search(project.module) or SECONDARY_MODULE.search(project.name.lower()):
        return True
    build_file = first_file(repo, project.directory, (MAVEN_FILE,) + GRADLE_BUILD_FILES)
    return build_file is not None and any(marker in (repo.read_text(build_file) or "") for marker in AGENT_MARKERS)


def candidate(repo: Repo, build: Build, project: Project, module_known: bool) -> AppCandidate:
    """Turn a project into a candidate, adding what every build tool shares."""
    app = AppCandidate("java", project.name.lower(), build.root)
    app.set("build_tool", build.tool, Evidence(build.file))
    app.set("wrapper", *wrapper(repo, build))
    if build.tool == "maven" and app.value("wrapper"):
        hit = repo.find_line(join(build.root, WRAPPERS["maven"][1]), WRAPPER_MAVEN)
        if hit:
            app.set("maven_version", hit[0].group(1), hit[1])
    if build.tool == "gradle":
        app.set("gradle_dsl", "kotlin" if build.file.endswith(".kts") else "groovy", Evidence(build.file))
    if module_known:
        app.set("module", project.module, project.module_evidence)
        if project.module in build.gradle_paths:
            app.set("gradle_project", *build.gradle_paths[project.module])
        if project.module in build.inheriting:
            app.set("module_aggregated", False, project.module_evidence)
    app.set("spring_boot", project.spring_boot is not None, project.spring_boot)
    app.set("packaging", *project.packaging)
    if project.classifier is not None:
        set_first(repo, app, "classifier", [project.classifier], jar_classifier, "jar classifier")
    versions = chain(project.version_offers, version_file_offers(repo, project.directory))
    set_first(repo, app, "version", versions, java_major, "Java version")
    if project.preview is not None:
        release = str(app.value("version", ""))
        if release:
            app.set("preview_release", release, project.preview)
        else:
            repo.warn(project.preview.file, "--enable-preview with no Java release found: preview features run only "
                                            "on the exact JDK they were compiled for (set --language-version)")
    mains: Iterable[Offer] = project.main_offers
    if project.spring_boot is not None:
        mains = chain(mains, boot_main_offers(repo, project.directory))
    elif project.packaging[0] != "quarkus":  # the build names none: the one class of the sources with a main
        mains = chain(mains, source_main_offers(repo, project.directory))
    set_first(repo, app, "main_class", mains, main_class, "main class")
    if project.spring_boot is not None:
        set_first(repo, app, "spring_boot_version", project.boot_version_offers, boot_version, "Spring Boot version")
    listening(repo, app, project)
    jdbc_scheme(repo, app, project)
    return app


def jdbc_scheme(repo: Repo, app: AppCandidate, project: Project) -> None:
    """The scheme the app's MySQL-protocol driver takes (services.JDBC_SCHEMES), with its dependency line."""
    from generator.languages.java.services import JDBC_SCHEMES

    found = next(((artifact, scheme) for artifact, scheme in JDBC_SCHEMES if artifact in project.dependencies), None)
    if found:
        app.set("jdbc_scheme", found[1], dependency_evidence(repo, project, found[0]))


def listening(repo: Repo, app: AppCandidate, project: Project) -> None:
    """kind and port: the framework's configuration file, else the call that starts the server, else
    the framework's default (Spring Boot's is a convention: no evidence, not weak)."""
    from generator.languages.java import frameworks, listen

    framework = frameworks.framework_for(project.spring_boot is not None, project.dependencies, project.plugins)
    sources = listen.sources(repo, project.directory)
    if framework is not None and framework.command:  # `server config.yml`: the file goes into the image
        config = next(frameworks.config_files(repo, project.directory, framework, sources), None)
        if config is not None:
            app.set("args", [framework.command, "/app/" + PurePosixPath(config).name], Evidence(config))
            app.set("config_file", posixpath.relpath(config, app.root), Evidence(config))
    if framework is not None:
        path, served = frameworks.health_path(framework, project.dependencies)
        if path:
            app.set("health_path", path, dependency_evidence(repo, project, served))
        set_first(repo, app, "port", frameworks.config_port(repo, project.directory, framework, sources), port_number,
                  f"{framework.name} port")
        if "port" in app.facts:
            if project.spring_boot is None:
                app.set("kind", "server", app.facts["port"].evidence)
            return
        if project.spring_boot is not None:
            app.set("port", framework.default_port)
            return
    found = listen.scan(repo, project.directory, project.dependencies)
    if found is None and framework is not None:  # a server framework is a dependency: it serves
        used = frameworks.used_artifact(framework, project.dependencies)
        found = listen.Listener(framework.name, None, dependency_evidence(repo, project, used))
    if found is None:
        app.set("kind", "cli", None)  # nothing listens: no EXPOSE, no probe
        return
    app.set("kind", "server", found.evidence)
    if found.port is not None:
        app.set("port", found.port, found.evidence, weak=found.weak)
    elif framework is not None and framework.default_port is not None:
        app.set("port", framework.default_port, found.evidence, weak=f"{framework.name}'s default port: its "
                "configuration sets none (set --port if the deployment sets another)")
    else:
        app.set("port", USUAL_PORT, found.evidence, weak=f"{found.weak}: {USUAL_PORT} is only the usual Java port "
                "(set --port)")


def dependency_evidence(repo: Repo, project: Project, artifact: str) -> Optional[Evidence]:
    """The build file line that names the dependency (the project's own, else the first build file there)."""
    for name in (MAVEN_FILE,) + GRADLE_BUILD_FILES:
        rel = join(project.directory, name)
        if repo.is_file(rel):
            return repo.evidence_for(rel, artifact)
    return None


def wrapper(repo: Repo, build: Build) -> Tuple[bool, Optional[Evidence]]:
    """True when both the wrapper script and its properties are at the build root."""
    script, properties = (join(build.root, name) for name in WRAPPERS[build.tool])
    if repo.is_file(script) and repo.is_file(properties):
        return True, repo.evidence_for(properties, "distributionUrl")
    if repo.is_file(script) or repo.is_file(properties):
        present = script if repo.is_file(script) else properties
        needed = " and ".join(WRAPPERS[build.tool])
        repo.warn(present, f"incomplete {build.tool} wrapper (needs {needed}), not used")
    return False, None


def gradle_wrapper_jdk(repo: Repo, app: AppCandidate) -> None:
    """Warn when the Gradle the wrapper downloads cannot run on the JDK the image builds with (GRADLE_FOR_JDK),
    naming the newer Gradle it needs, or the newest supported JDK that runs it and still builds the sources.
    Run once the repository's statements are ranked: a Dockerfile's JDK image may be what states the version."""
    from generator.languages.java import SUPPORTED, Java

    if app.value("build_tool") != "gradle" or not app.value("wrapper"):
        return
    java_version = str(app.value("version", ""))
    hit = repo.find_line(join(app.root, WRAPPERS["gradle"][1]), WRAPPER_GRADLE)
    if hit is None:
        return  # a distribution of another name (a mirror's): nothing to compare
    source = int(java_version or 0)  # none stated: the default JDK is no requirement of the sources
    try:
        jdk = int(Java().built_version(source or int(Java.default_version)))
    except ValueError:
        return  # newer than the images: validation says so
    found = hit[0].group(1)
    gradle = tuple(int(part) for part in found.split("."))
    needed = gradle_for(jdk)
    if gradle >= needed:
        return
    runs = [release for release in SUPPORTED if source <= int(release) < jdk and gradle >= gradle_for(int(release))]
    advice = f" or pass --language-version {runs[-1]}" if runs else ""
    repo.warn(hit[1].file, f"Gradle {found} (the wrapper's) cannot run on the image's JDK {jdk}: raise the wrapper "
                           f"to {'.'.join(map(str, needed))}+{advice}")


def stated_profile_port(repo: Repo, app: AppCandidate) -> None:
    """A Spring Boot app whose stated arguments (a Dockerfile's ENTRYPOINT, a compose command: the image runs
    them too) set its configuration's name or profiles (`--spring.profiles.active=prod`) listens on the port
    those files give: read again with them, unless a statement gave the port itself."""
    from generator.detect.model import Fact
    from generator.languages.java import frameworks, listen

    port, args = app.facts.get("port"), app.value("args")
    if not app.value("spring_boot") or not isinstance(args, list) or (port is not None and port.source):
        return
    given = frameworks.given_by(frameworks.SPRING_BOOT, [a for a in args if isinstance(a, str)])
    if given is None:
        return
    directory = join(app.root, str(app.value("module") or ""))
    sources = listen.sources(repo, directory)
    found = next(iter(frameworks.config_port(repo, directory, frameworks.SPRING_BOOT, sources, given)), None)
    value = port_number(found[0]) if found else None
    if found is None or value is None or (port is not None and value == port.value):
        return
    args_fact = app.facts["args"]
    why = Fact(value, found[1], source=args_fact.source,
               alternatives=tuple(f for f in (port,) if f is not None and f.value is not None))
    app.facts["port"] = why


def gradle_for(jdk: int) -> Tuple[int, ...]:
    """The oldest Gradle that runs on `jdk`: the entry of the newest JDK up to it."""
    return max(((major, gradle) for major, gradle in GRADLE_FOR_JDK.items() if major <= jdk), default=(0, (0,)))[1]


# -- Maven ---------------------------------------------------------------------


class Poms:
    """Parsed POMs by path, namespace stripped, each read once (None: missing or refused)."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.cache: Dict[str, Optional[Any]] = {}

    def get(self, rel: str) -> Optional[Any]:
        if rel not in self.cache:
            self.cache[rel] = self._load(rel)
        return self.cache[rel]

    def _load(self, rel: str) -> Optional[Any]:
        root = self.repo.load_xml(rel) if self.repo.is_file(rel) else None
        if root is None:
            return None
        for element in root.iter():  # POMs come with and without the POM 4.0.0 namespace
            if isinstance(element.tag, str) and "}" in element.tag:
                element.tag = element.tag.split("}", 1)[1]
        if root.tag != "project":
            self.repo.warn(rel, f"not a Maven POM (root element <{root.tag}>), ignored")
            return None
        return root


def maven_projects(repo: Repo, poms: Poms, build: Build) -> List[Project]:
    """The reactor root and its modules; a module inherits the root's properties and plugins."""
    root_pom = poms.get(build.file)
    if root_pom is None:
        return []
    projects: List[Project] = []
    for module, declared in [("", None)] + build.modules:
        directory = join(build.root, module)
        pom_file = join(directory, MAVEN_FILE)
        pom = poms.get(pom_file)
        if pom is not None:
            lineage = parents(repo, poms, pom_file, pom)
            inherited = len(lineage)
            if module and build.file not in dict(lineage):
                lineage.append((build.file, root_pom))  # the reactor root's settings apply as before
            projects.append(maven_project(repo, lineage, directory, module, declared, inherited))
    return projects


def parents(repo: Repo, poms: "Poms", pom_file: str, pom: Any) -> List[Tuple[str, Any]]:
    """The POM and the parents it inherits from inside the repository, nearest first: <relativePath>
    (default ../pom.xml; empty: from a repository) when the file there is the <parent> named."""
    lineage = [(pom_file, pom)]
    while len(lineage) <= MAX_PARENTS:
        current_file, current = lineage[-1]
        parent = current.find("parent")
        relative = parent.find("relativePath") if parent is not None else None
        written = "../pom.xml" if relative is None else (relative.text or "").strip()
        if parent is None or not written:
            break
        inside = module_dir(".", join(parent_dir(current_file), written))
        target = "" if inside is None else inside if inside.endswith(".xml") else join(inside, MAVEN_FILE)
        found = poms.get(target) if target and target not in dict(lineage) else None
        if found is None or text(found, "artifactId") != text(parent, "artifactId"):
            break
        lineage.append((target, found))
    return lineage


def maven_project(
    repo: Repo, poms: List[Tuple[str, Any]], directory: str, module: str, declared: Optional[Evidence],
    inherited: int = 1,
) -> Project:
    """Read one project from its POM and its reactor root's (`poms`: own first; the first `inherited`
    are its parent chain)."""
    pom = MavenPom(repo, poms, inherited)
    boot_parents = [f for f, parsed in poms if text(parsed, "parent/artifactId") == "spring-boot-starter-parent"]
    boot_versions = maven_boot_versions(repo, poms, pom.properties, boot_parents)
    spring_boot = pom.spring_boot(boot_parents)
    packaging = pom.packaging()
    mains = pom.main_classes(spring_boot)
    aggregator = text(pom.own, "packaging") == "pom"
    return Project(
        name=text(pom.own, "artifactId") or dir_name(repo, directory),
        directory=directory,
        module=module,
        module_evidence=declared,
        produces=not aggregator and (packaging[0] != "jar" or bool(mains)),
        spring_boot=spring_boot,
        packaging=packaging,
        main_offers=mains,
        version_offers=pom.java_versions(boot_versions if boot_parents else []),
        boot_version_offers=boot_versions,
        dependencies=[text(d, "artifactId") for _, parsed in poms for d in parsed.findall("dependencies/dependency")],
        preview=pom.preview(),
        classifier=pom.classifier(packaging[0]),
    )


class MavenPom:
    """One project's POM read with its reactor root's: its properties, active plugins and their configuration."""

    def __init__(self, repo: Repo, poms: List[Tuple[str, Any]], inherited: int = 1) -> None:
        self.repo = repo
        self.own_file, self.own = poms[0]
        self.properties = maven_properties(poms)
        self.chain = poms[:max(inherited, 1)]
        # a plugin a parent declares in <build><plugins> (not only its pluginManagement) runs in its children too
        #: artifactId -> the POM declaring it in <build><plugins>, the nearest first
        self.declared: Dict[str, str] = {}
        for file, pom in poms[:max(inherited, 1)]:
            for plugin in pom.findall("build/plugins/plugin"):
                self.declared.setdefault(text(plugin, "artifactId"), file)
        self.active = set(self.declared) | MAVEN_DEFAULT_PLUGINS
        self.plugins = [(f, p) for f, pom in poms for path in MAVEN_PLUGIN_PATHS for p in pom.findall(path)]
        self.parent_binds = MAVEN_PARENT_BINDINGS.get(text(self.own, "parent/artifactId"), frozenset())

    def configured(self, artifact: str) -> List[Tuple[str, Any]]:
        """The plugin's declarations (file, element), the project's own and its root's."""
        return [(f, p) for f, p in self.plugins if text(p, "artifactId") == artifact]

    def property_offer(self, name: str) -> Offer:
        return resolve(self.repo, "${" + name + "}", Evidence(self.own_file), self.properties)

    def plugin_setting(self, artifact: str, name: str) -> Iterator[Offer]:
        """Each non-empty <name> in the plugin's configuration, followed through the properties."""
        for file, plugin in self.configured(artifact):
            value = next((e.text.strip() for e in plugin.iter(name) if e.text), "")
            if value:
                anchor = evidence_after(self.repo, file, f"<artifactId>{artifact}<", f"<{name}>")
                yield resolve(self.repo, value, anchor, self.properties)

    def spring_boot(self, boot_parents: List[str]) -> Optional[Evidence]:
        """Where the project says it is a Spring Boot application: the starter parent, else the plugin."""
        if boot_parents:
            return self.repo.evidence_for(boot_parents[0], "spring-boot-starter-parent")
        if "spring-boot-maven-plugin" in self.active:
            return self.repo.evidence_for(self.own_file, "<artifactId>spring-boot-maven-plugin<")
        return None

    def packaging(self) -> Tuple[str, Optional[Evidence]]:
        """The archive `mvn package` makes, by the first packaging plugin it runs ("jar": a plain one)."""
        packaging: Tuple[str, Optional[Evidence]] = next(
            ((kind, self.repo.evidence_for(self.declared.get(artifact, self.own_file), f"<artifactId>{artifact}<"))
             for artifact, kind in MAVEN_PACKAGERS
             if artifact in self.active and (artifact in self.parent_binds or bound(artifact, self.configured(artifact)))),
            ("jar", None),
        )
        for artifact in ("maven-shade-plugin", "maven-assembly-plugin"):
            if artifact in self.active and packaging[0] == "jar":
                self.repo.warn(self.own_file,
                               f"{artifact} has no <executions>: `mvn package` skips it; dependencies go beside the jar")
        return packaging

    def main_classes(self, spring_boot: Optional[Evidence]) -> List[Offer]:
        """The main classes the active plugins name, and a Spring Boot project's start-class property."""
        mains: List[Offer] = []
        for artifact in MAVEN_MAIN_CLASS_PLUGINS:
            if artifact in self.active:
                for setting in MAVEN_MAIN_CLASS_SETTINGS:
                    mains.extend(self.plugin_setting(artifact, setting))
            if artifact == "spring-boot-maven-plugin" and spring_boot and "start-class" in self.properties:
                mains.append(self.property_offer("start-class"))
        mains.extend(self.property_offer(name) for name in MAVEN_MAIN_CLASS_PROPERTIES if name in self.properties)
        return mains

    def java_versions(self, boot_versions: List[Offer]) -> Iterator[Offer]:
        """The Java release: the properties and compiler settings in order, then the Boot parent's own default."""
        for kind, name in MAVEN_VERSION_SOURCES:
            if kind == "property":
                if name in self.properties:
                    yield self.property_offer(name)
                continue
            yield from self.plugin_setting("maven-compiler-plugin", name)
        yield from self.toolchain_jdk()
        yield from self.enforced_java()
        if boot_versions:  # the parent's own java.version, by its generation
            raw, evidence = boot_versions[0]
            default = BOOT_PARENT_JAVA.get((boot_version(raw) or "").split(".")[0])
            if default:
                yield default, evidence
        yield from self.published_parent_java()

    def classifier(self, packaging: str) -> Optional[Offer]:
        """The runnable jar's classifier: Boot's repackage <classifier>, shade's <shadedClassifierName>
        (attached: the plain jar stays beside it, so the build leaves two)."""
        setting = MAVEN_CLASSIFIERS.get(packaging)
        attached = any((e.text or "").strip() == "true" for _, plugin in self.configured("maven-shade-plugin")
                       for e in plugin.iter("shadedArtifactAttached"))
        if setting is None or (packaging == "shade" and not attached):
            return None
        return next(self.plugin_setting(MAVEN_CLASSIFIER_PLUGINS[packaging], setting), None)

    def published_parent_java(self) -> Iterator[Offer]:
        """The release a published parent compiles for (PUBLISHED_PARENT_JAVA), read from the last POM of the
        chain inside the repository, whose <parent> is fetched from a repository."""
        file, pom = self.chain[-1]
        by_major = PUBLISHED_PARENT_JAVA.get(text(pom, "parent/artifactId"), {})
        major = text(pom, "parent/version").split(".")[0]
        if major in by_major:
            yield by_major[major], evidence_after(self.repo, file, "<parent>", "<version>")

    def toolchain_jdk(self) -> Iterator[Offer]:
        """The JDK maven-toolchains-plugin requires (`<toolchains><jdk><version>17`): the build runs on it."""
        for file, plugin in self.configured("maven-toolchains-plugin"):
            for jdk in plugin.iter("jdk"):
                written = text(jdk, "version")
                lowest = ENFORCER_FLOOR.match(written)
                if lowest:
                    anchor = evidence_after(self.repo, file, "<artifactId>maven-toolchains-plugin<", "<version>" + written)
                    yield resolve(self.repo, lowest.group(1), anchor, self.properties)

    def enforced_java(self) -> Iterator[Offer]:
        """The lowest Java the enforcer's requireJavaVersion accepts ("[17,)", "17", "[1.8,22)"): a
        floor the build states when no compiler setting names the release."""
        for file, plugin in self.configured("maven-enforcer-plugin"):
            for rule in plugin.iter("requireJavaVersion"):
                written = text(rule, "version")
                lowest = ENFORCER_FLOOR.match(written)
                if lowest:
                    anchor = evidence_after(self.repo, file, "<requireJavaVersion>", "<version>")
                    yield resolve(self.repo, lowest.group(1), anchor, self.properties)

    def preview(self) -> Optional[Evidence]:
        """Where the compiler is given --enable-preview (the image must run the same way)."""
        return next((evidence_after(self.repo, file, "<artifactId>maven-compiler-plugin<", PREVIEW_FLAG)
                     for file, plugin in self.configured("maven-compiler-plugin")
                     if any((e.text or "").strip() == PREVIEW_FLAG for e in plugin.iter())), None)


def maven_boot_versions(
    repo: Repo, poms: List[Tuple[str, Any]], properties: Dict[str, Tuple[str, str]], boot_parents: List[str]
) -> List[Offer]:
    """The Spring Boot version: the starter parent's, the imported BOM's, the plugin's, spring-boot.version."""
    found: List[Offer] = []
    for file in boot_parents:
        written = text(dict(poms)[file], "parent/version")
        if written:
            found.append(resolve(repo, written, evidence_after(repo, file, "spring-boot-starter-parent", "<version>"),
                                 properties))
    for file, pom in poms:
        for path, artifact in (("dependencyManagement/dependencies/dependency", "spring-boot-dependencies"),
                               ("build/plugins/plugin", "spring-boot-maven-plugin"),
                               ("build/pluginManagement/plugins/plugin", "spring-boot-maven-plugin")):
            for element in pom.findall(path):
                if text(element, "artifactId") == artifact and text(element, "version"):
                    anchor = evidence_after(repo, file, f"<artifactId>{artifact}<", "<version>")
                    found.append(resolve(repo, text(element, "version"), anchor, properties))
    if "spring-boot.version" in properties:
        found.append(resolve(repo, "${spring-boot.version}", Evidence(poms[0][0]), properties))
    return found


def bound(artifact: str, plugins: List[Tuple[str, Any]]) -> bool:
    """Whether `mvn package` runs a packaging plugin: shade's and assembly's goals run only from an
    <execution> (spring-boot's repackage is bound by the starter parent, which is not in the repository)."""
    if artifact == "spring-boot-maven-plugin":
        return True
    return any(plugin.find("executions/execution") is not None for _, plugin in plugins)


def maven_properties(poms: List[Tuple[str, Any]]) -> Dict[str, Tuple[str, str]]:
    """<properties> by name as (value, file); the project's own override the root's."""
    found: Dict[str, Tuple[str, str]] = {}
    for file, pom in reversed(poms):
        for element in pom.findall("properties/*"):
            found[element.tag] = ((element.text or "").strip(), file)
    return found


def resolve(repo: Repo, value: str, evidence: Evidence, properties: Dict[str, Tuple[str, str]]) -> Offer:
    """Follow a whole-value ${name} through <properties> (a few hops, so loops end).

    The evidence becomes the line of the property that holds the value: where to change it.
    """
    for _ in range(5):
        ref = PROPERTY_REF.fullmatch(value)
        if ref is None or ref.group(1) not in properties:
            break
        value, file = properties[ref.group(1)]
        evidence = repo.evidence_for(file, f"<{ref.group(1)}>")
    return value, evidence


def text(element: Any, path: str) -> str:
    """An element's stripped text ("" when absent): POM values are often indented."""
    return (element.findtext(path) or "").strip()


def evidence_after(repo: Repo, rel: str, anchor: str, needle: str) -> Evidence:
    """The first line with `needle` after the first with `anchor` (ElementTree keeps no lines)."""
    lines = repo.lines(rel)
    start = next((i for i, line in enumerate(lines) if anchor in line), 0)
    for number in range(start, len(lines)):
        if needle in lines[number]:
            return Evidence(rel, number + 1, excerpt(lines[number]))
    return repo.evidence_for(rel, needle)


# -- Gradle --------------------------------------------------------------------


@dataclass(frozen=True)
class GradleBuild:
    """What every project of one Gradle build reads from the build's root: its files, catalog, convention
    plugins and what the root script applies to the others."""

    root: str
    root_name: str
    root_file: Optional[str]
    catalog: Dict[str, Dict[str, str]]
    scripts: Dict[str, str]
    #: cross_configured's blocks of the root build script
    configured: Dict[str, Dict[str, Evidence]]


def gradle_projects(repo: Repo, build: Build) -> List[Project]:
    """The root project and the included ones; versions fall back to the root build file."""
    settings = first_file(repo, build.root, GRADLE_SETTINGS_FILES)
    named = code_line(repo, settings, GRADLE_ROOT_NAME) if settings else None
    root_file = first_file(repo, build.root, GRADLE_BUILD_FILES)
    gradle = GradleBuild(build.root, named[0].group(1) if named else dir_name(repo, build.root), root_file,
                         version_catalog(repo, build.root), precompiled_scripts(repo),
                         cross_configured(repo, root_file) if root_file else {})
    return [gradle_project(repo, gradle, module, declared) for module, declared in [("", None)] + build.modules]


def gradle_project(repo: Repo, gradle: GradleBuild, module: str, declared: Optional[Evidence]) -> Project:
    """One project of a Gradle build: its plugins, packaging, main class, versions and dependencies."""
    directory = join(gradle.root, module)
    own = first_file(repo, directory, GRADLE_BUILD_FILES)
    files = list(dict.fromkeys(f for f in (own, gradle.root_file) if f))
    plugins = gradle_project_plugins(repo, gradle, own, module)
    skip = frozenset(int(n) for n in gradle.configured.get("lines", {})) if own == gradle.root_file else frozenset()
    boot, shadow, quarkus = _gradle_packagers(repo, own, plugins, skip)
    if boot and own and GRADLE_BOOT_JAR_OFF.search(repo.read_text(own) or ""):
        boot = None  # the project turns Boot's jar off: a library the Boot app uses
    application = code_line(repo, own, GRADLE_APPLICATION) if own else None
    mains = offers(repo, [own] if own else [], GRADLE_MAIN_CLASS)
    packaging: Tuple[str, Optional[Evidence]] = (
        ("spring-boot", boot[1]) if boot else ("shade", shadow[1]) if shadow
        else ("quarkus", quarkus[1]) if quarkus else ("jar", None)
    )
    conventions = convention_scripts(repo, [own, gradle.root_file], gradle.catalog, gradle.scripts)
    version_files = [f for f in (join(gradle.root, n) for n in GRADLE_VERSION_FILES) if repo.is_file(f)]
    return Project(
        name=PurePosixPath(module).name if module else gradle.root_name,
        directory=directory,
        module=module,
        module_evidence=declared,
        produces=bool(boot or shadow or quarkus or application or mains),
        spring_boot=boot[1] if boot else None,
        packaging=packaging,
        main_offers=mains,
        version_offers=[gradle_reference(repo, directory, gradle.root, gradle.catalog, raw, evidence)
                        for raw, evidence in offers(repo, files, GRADLE_VERSION) + offers(repo, conventions, GRADLE_VERSION)],
        boot_version_offers=offers(repo, files + version_files, GRADLE_BOOT_VERSION),
        dependencies=gradle_dependencies(repo, own, gradle.catalog) if own else [],
        plugins=plugins,
        preview=next((hit[1] for hit in (code_line(repo, f, GRADLE_PREVIEW) for f in files) if hit), None),
    )


def gradle_project_plugins(repo: Repo, gradle: GradleBuild, own: Optional[str], module: str) -> Dict[str, Evidence]:
    """The plugins a project applies: its build file's (for the root, not those it applies to the others), those
    the root applies in `allprojects {}` (and, to an included project, `subprojects {}`), and those of the
    convention plugins it applies."""
    plugins = gradle_plugins(repo, own, gradle.catalog) if own else {}
    lines = gradle.configured.get("lines", {})
    if own == gradle.root_file:  # the root's own plugins are not those it applies to the others
        plugins = {p: line for p, line in plugins.items() if str(line.line) not in lines}
    for block in ("allprojects",) + (("subprojects",) if module else ()):
        for plugin, line in gradle.configured.get(block, {}).items():
            plugins.setdefault(plugin, line)
    for script in convention_scripts(repo, [own], gradle.catalog, gradle.scripts):  # applied through its conventions
        for plugin, line in gradle_plugins(repo, script, gradle.catalog).items():
            plugins.setdefault(plugin, line)
    return plugins


def gradle_dependencies(repo: Repo, own: str, catalog: Dict[str, Dict[str, str]]) -> List[str]:
    """The artifacts a build file depends on: by coordinates, through catalog accessors, and other projects."""
    text = repo.read_text(own) or ""
    return ([m.group(1) for m in GRADLE_DEPENDENCY.finditer(text)] + catalog_dependencies(repo, own, catalog)
            + [m.group(1).rsplit(":", 1)[-1] for m in GRADLE_PROJECT_DEPENDENCY.finditer(text)])


def cross_configured(repo: Repo, root_file: str) -> Dict[str, Dict[str, Evidence]]:
    """The plugins the root build script applies to other projects, by block: {"subprojects": {id: line},
    "allprojects": {...}} (`subprojects { apply plugin: 'org.springframework.boot' }`); "lines": every line
    number inside a subprojects block (what the root's own plugins are not read from)."""
    lines = repo.lines(root_file)
    text = "\n".join(lines)
    found: Dict[str, Dict[str, Evidence]] = {"subprojects": {}, "allprojects": {}, "lines": {}}
    for block in GRADLE_CROSS_CONFIG.finditer(text):
        first = text.count("\n", 0, block.end())  # the block's opening line, from 0
        depth = 0
        for number in range(first, len(lines)):
            line = lines[number]
            code = "" if line.lstrip().startswith(COMMENT_START) else line
            if block.group(1) == "subprojects":
                found["lines"][str(number + 1)] = Evidence(root_file, number + 1)
            applied = [h.group(1) or h.group(2) for h in GRADLE_APPLY_PLUGIN.finditer(code)]
            applied += [h.group(1) for h in GRADLE_PLUGIN_ID.finditer(code)] if number > first else []
            for plugin in applied:
                found[block.group(1)].setdefault(plugin, Evidence(root_file, number + 1, excerpt(line)))
            depth += code.count("{") - code.count("}")
            if depth <= 0:
                break
    return found


def _gradle_packagers(repo: Repo, own: Optional[str], plugins: Dict[str, Evidence],
                      skip: "frozenset[int]" = frozenset()) -> List[Any]:
    """[boot, shadow, quarkus]: the line applying each packaging plugin in the build file (but the lines
    `skip`: a subprojects block), by its plugins block's id or its catalog alias (None: not applied)."""
    hits = [code_line(repo, own, pattern, skip) if own else None for pattern in (GRADLE_BOOT, GRADLE_SHADOW, GRADLE_QUARKUS)]
    return [hit or _plugin_hit(plugins, ids) for hit, ids in zip(hits, (BOOT_PLUGINS, SHADOW_PLUGINS, QUARKUS_PLUGINS))]


def gradle_reference(repo: Repo, directory: str, root: str, catalog: Dict[str, Dict[str, str]], raw: str,
                     evidence: Evidence) -> Offer:
    """A value a build script takes from elsewhere, followed there: a catalog version (`libs.versions.java`,
    [versions] of gradle/libs.versions.toml) or a property (`javaVersion`, gradle.properties of the project,
    else of the build's root); the evidence becomes that line, where to change it. A literal stays."""
    accessor = GRADLE_CATALOG_VERSION.fullmatch(raw)
    if accessor:
        alias = accessor.group(1)
        if alias in catalog["versions"]:
            rel = join(root, GRADLE_CATALOG)
            line = re.compile(r"^\s*" + r"[-_.]".join(map(re.escape, alias.split("."))) + r"\s*=")
            hit = repo.find_line(rel, line)
            return catalog["versions"][alias], hit[1] if hit else Evidence(rel)
        return raw, evidence
    name = raw[len("project."):] if raw.startswith("project.") else raw
    if re.fullmatch(r"[A-Za-z_]\w*", name) and not JAVA_VERSION.fullmatch(name):
        for where in dict.fromkeys((directory, root)):
            hit = repo.find_line(join(where, "gradle.properties"), re.compile(r"^\s*" + re.escape(name) + r"\s*[=:]\s*(\S+)"))
            if hit:
                return hit[0].group(1), hit[1]
    return raw, evidence


def version_catalog(repo: Repo, root: str) -> Dict[str, Dict[str, str]]:
    """The build's version catalog (gradle/libs.versions.toml): {"plugins": accessor -> plugin id,
    "libraries": accessor -> artifact}; accessors as the build writes them (`micronaut-application` is
    `micronaut.application`)."""
    found: Dict[str, Dict[str, str]] = {"plugins": {}, "libraries": {}, "versions": {}}
    rel = join(root, GRADLE_CATALOG)
    data = repo.load_toml(rel) if repo.is_file(rel) else None
    versions = data.get("versions") if isinstance(data, dict) else None
    for alias, entry in (versions.items() if isinstance(versions, dict) else ()):
        value = entry if isinstance(entry, str) else entry.get("strictly") or entry.get("require") \
            if isinstance(entry, dict) else None
        if isinstance(value, str) and value:
            found["versions"][re.sub(r"[-_]", ".", str(alias))] = value
    for table, key in (("plugins", "id"), ("libraries", "module")):
        entries = data.get(table) if isinstance(data, dict) else None
        for alias, entry in (entries.items() if isinstance(entries, dict) else ()):
            accessor = re.sub(r"[-_]", ".", str(alias))
            if isinstance(entry, str):  # "group:artifact:version" (a library) or "id:version" (a plugin)
                value = entry.split(":")[1] if table == "libraries" and entry.count(":") >= 1 else entry.split(":")[0]
            elif isinstance(entry, dict):
                value = str(entry.get(key) or entry.get("name") or "")
                value = value.split(":")[-1] if table == "libraries" else value
            else:
                continue
            if value:
                found[table][accessor] = value
    return found


def precompiled_scripts(repo: Repo) -> Dict[str, str]:
    """plugin id -> file of the build's own convention plugins: precompiled script plugins
    (`buildSrc/src/main/kotlin/acme.java-conventions.gradle.kts`, or in an included build such as build-logic/)
    are applied by their file name."""
    found: Dict[str, str] = {}
    for rel in repo.files():
        name = rel.rsplit("/", 1)[-1]
        if "/src/main/" in f"/{rel}" and name.endswith((".gradle.kts", ".gradle")) and name.count(".") > 1:
            found.setdefault(name[: -len(".gradle.kts")] if name.endswith(".kts") else name[: -len(".gradle")], rel)
    return found


def convention_scripts(repo: Repo, build_files: List[Optional[str]], catalog: Dict[str, Dict[str, str]],
                       scripts: Dict[str, str]) -> List[str]:
    """The convention plugins the build files apply, and those they apply in turn (where the Java toolchain
    of a multi-project build is usually set once)."""
    found: List[str] = []
    pending = [f for f in build_files if f]
    while pending and len(found) < MAX_CONVENTION_SCRIPTS:
        for plugin in gradle_plugins(repo, pending.pop(0), catalog):
            script = scripts.get(plugin)
            if script and script not in found:
                found.append(script)
                pending.append(script)
    return found[:MAX_CONVENTION_SCRIPTS]


def gradle_plugins(repo: Repo, rel: str, catalog: Dict[str, Dict[str, str]]) -> Dict[str, Evidence]:
    """The plugin ids a build file applies (`id("...")`, or `alias(libs.plugins.x)` through the catalog)."""
    found: Dict[str, Evidence] = {}
    for number, line in enumerate(repo.lines(rel), start=1):
        if line.lstrip().startswith(COMMENT_START) or "apply false" in line:
            continue
        ids = [m.group(1) for m in GRADLE_PLUGIN_ID.finditer(line)]
        ids += [catalog["plugins"][m.group(1)] for m in GRADLE_PLUGIN_ALIAS.finditer(line)
                if m.group(1) in catalog["plugins"]]
        for plugin in ids:
            found.setdefault(plugin, Evidence(rel, number, excerpt(line)))
    return found


def catalog_dependencies(repo: Repo, rel: str, catalog: Dict[str, Dict[str, str]]) -> List[str]:
    """The artifacts a build file depends on through catalog accessors: the build's own catalog (`libs.`),
    else a published catalog's alias, which names the artifact (`mn.micronaut.http.client`)."""
    found = []
    for match in GRADLE_CATALOG_DEPENDENCY.finditer(repo.read_text(rel) or ""):
        name, accessor = match.group(1), match.group(2)
        if name in NOT_A_CATALOG or accessor.split(".")[0] in NOT_A_LIBRARY:
            continue
        if name == "libs":
            if accessor in catalog["libraries"]:
                found.append(catalog["libraries"][accessor])
        else:
            found.append(accessor.replace(".", "-"))
    return found


def _plugin_hit(plugins: Dict[str, Evidence], ids: "frozenset[str]") -> Optional[Tuple[Any, Evidence]]:
    """(None, the line) when one of `ids` is applied: the shape code_line gives, for the evidence."""
    hit = next((plugins[p] for p in plugins if p in ids), None)
    return (None, hit) if hit is not None else None


def offers(repo: Repo, files: List[str], patterns: Iterable["re.Pattern[str]"]) -> List[Offer]:
    """What each pattern (in order) captures in each file (in order): first match per pair."""
    found: List[Offer] = []
    for pattern in patterns:
        for file in files:
            hit = code_line(repo, file, pattern)
            if hit:  # the first group that took part (a pattern may write the value in several forms)
                found.append((next((g for g in hit[0].groups() if g is not None), ""), hit[1]))
    return found


def code_line(repo: Repo, rel: str, pattern: "re.Pattern[str]", skip: "frozenset[int]" = frozenset()
              ) -> Optional[Tuple["re.Match[str]", Evidence]]:
    """The first non-comment line matching `pattern` (but the line numbers `skip`); `apply false` plugin
    lines do not count."""
    for number, line in enumerate(repo.lines(rel), start=1):
        if line.lstrip().startswith(COMMENT_START) or "apply false" in line or number in skip:
            continue
        match = pattern.search(line)
        if match:
            return match, Evidence(rel, number, excerpt(line))
    return None


# -- shared sources: version files, Spring Boot main class and port -------------


def version_file_offers(repo: Repo, directory: str) -> Iterator[Offer]:
    """Versions named by version-manager files, from the project's directory up to the root."""
    for current in iter_dirs_up(directory):
        for name, pattern in VERSION_FILES:
            hit = repo.find_line(join(current, name), pattern)
            if hit:
                yield hit[0].group(1), hit[1]


def boot_main_offers(repo: Repo, directory: str) -> Iterator[Offer]:
    """Classes annotated @SpringBootApplication under src/main/java, fully qualified."""
    sources = repo.glob("*.java", under=join(directory, "src/main/java"))
    for path in sorted(sources, key=lambda p: (p.count("/"), p)):  # the app class sits on top
        lines = repo.lines(path)
        annotated = next((i for i, line in enumerate(lines) if BOOT_ANNOTATION.search(line)), None)
        if annotated is None:
            continue
        package = next((m.group(1) for m in map(JAVA_PACKAGE.match, lines) if m), "")
        for number in range(annotated, len(lines)):
            declared = JAVA_CLASS.search(lines[number])
            if declared:
                name = f"{package}.{declared.group(1)}" if package else declared.group(1)
                yield name, Evidence(path, number + 1, excerpt(lines[number]))
                break


def source_main_offers(repo: Repo, directory: str) -> Iterator[Offer]:
    """The class with a Java main method under the project's sources, when exactly one has one
    (several: a tool, a demo, the app; which one starts the image is not guessed)."""
    from generator.languages.java.listen import sources

    found: List[Offer] = []
    for path in (p for p in sources(repo, directory) if p.endswith(".java")):
        lines = repo.lines(path)
        number = next((i for i, line in enumerate(lines)
                       if JAVA_MAIN.search(line) and not line.lstrip().startswith(COMMENT_START)), None)
        if number is None:
            continue
        package = next((m.group(1) for m in map(JAVA_PACKAGE.match, lines) if m), "")
        declared = [m.group(1) for m in map(JAVA_CLASS.search, lines[:number + 1]) if m]
        name = PurePosixPath(path).stem if PurePosixPath(path).stem in declared else (declared or [""])[-1]
        if name:
            found.append((f"{package}.{name}" if package else name, Evidence(path, number + 1, excerpt(lines[number]))))
        if len(found) > 1:
            return
    yield from found


# -- parsing offered values ----------------------------------------------------


def set_first(
    repo: Repo, app: AppCandidate, key: str, found: Iterable[Offer],
    parse: Callable[[str], FactValue], what: str,
) -> None:
    """Set `key` from the first offer `parse` accepts; rejected ones are warned about."""
    for raw, evidence in found:
        value = parse(raw)
        if value is not None:
            app.set(key, value, evidence)
            return
        repo.warn(evidence.file, f"{what} {raw!r} not understood, ignored")


def java_major(raw: str) -> Optional[str]:
    """The major Java release in `raw` ("1.8" -> "8", "21.0.2-tem" -> "21"), or None."""
    raw = raw.strip().strip("\"'")
    match = JAVA_VERSION.fullmatch(raw) if len(raw) <= MAX_VERSION_LENGTH else None
    return match.group(1) if match else None


def jar_classifier(raw: str) -> Optional[str]:
    """A classifier as written, unless it is an unresolved ${property} or not a plain name."""
    return raw if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", raw) else None


def boot_version(raw: str) -> Optional[str]:
    """Spring Boot's major.minor ("2.1.8.RELEASE" -> "2.1"): what decides the image's layout."""
    match = re.match(r"([0-9]{1,2})\.([0-9]{1,3})(?![0-9])", raw.strip().strip("\"'"))
    return f"{int(match.group(1))}.{int(match.group(2))}" if match else None


def main_class(raw: str) -> Optional[str]:
    """The class name as written, unless it is empty or an unresolved ${property}."""
    return raw if raw and "${" not in raw else None


def port_number(raw: str) -> Optional[int]:
    """A port written as digits or as ${VAR:digits}; the range is checked by validation."""
    raw = raw.strip().strip("\"'")
    default = PORT_WITH_DEFAULT.fullmatch(raw)
    digits = default.group(1) if default else raw
    return int(digits) if re.fullmatch(r"[0-9]{1,6}", digits) else None


# -- paths ---------------------------------------------------------------------


def join(base: str, rel: str) -> str:
    """`rel` below `base` as a normalised POSIX path ("." for the root)."""
    return posixpath.normpath(posixpath.join(base, rel))


def module_dir(root: str, declared: str) -> Optional[str]:
    """The directory a declared module names, or None when it is absolute or not below `root`."""
    declared = declared.replace("\\", "/")
    if not declared or posixpath.isabs(declared):
        return None
    target = join(root, declared)
    inside = posixpath.relpath(target, root)
    return None if inside == "." or inside.startswith("..") else target


def first_file(repo: Repo, directory: str, names: Iterable[str]) -> Optional[str]:
    """The first of `names` present in `directory`: the order says which file is preferred."""
    return next((join(directory, n) for n in names if repo.is_file(join(directory, n))), None)


def dir_name(repo: Repo, directory: str) -> str:
    """The name a project gets when its build file names none."""
    return PurePosixPath(directory).name if directory != "." else repo.root.name
