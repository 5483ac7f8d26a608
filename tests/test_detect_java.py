"""Java detection: fixture repositories under tests/fixtures/java, plus small edge cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from generator.detect import detect
from generator.languages.java import detect as java
from generator.detect.model import AppCandidate, Notice
from generator.detect.walker import Repo

FIXTURES = Path(__file__).parent / "fixtures" / "java"


def scan(path: Path) -> Tuple[List[AppCandidate], List[Notice]]:
    repo = Repo(path)
    return java.detect(repo), repo.notices


def only(path: Path) -> AppCandidate:
    apps, notices = scan(path)
    assert notices == []
    assert len(apps) == 1, [a.id for a in apps]
    return apps[0]


def values(app: AppCandidate) -> Dict[str, object]:
    return {key: fact.value for key, fact in app.facts.items()}


def where(app: AppCandidate, key: str) -> Optional[Tuple[str, Optional[int]]]:
    evidence = app.facts[key].evidence
    return (evidence.file, evidence.line) if evidence else None


def make(root: Path, files: Dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


POM = """<?xml version="1.0" encoding="UTF-8"?>
<project{ns}>
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>{artifact}</artifactId>
  <version>1.0.0</version>
  {body}
</project>
"""
NS = ' xmlns="http://maven.apache.org/POM/4.0.0"'


def pom(artifact: str = "app", body: str = "", ns: str = NS) -> str:
    return POM.format(artifact=artifact, body=body, ns=ns)


# -- fixtures ------------------------------------------------------------------


def test_plain_maven_jar() -> None:
    app = only(FIXTURES / "maven")
    assert (app.id, app.root) == ("java/hello-http", ".")
    assert values(app) == {
        "build_tool": "maven",
        "wrapper": False,
        "module": "",
        "spring_boot": False,
        "packaging": "jar",
        "version": "17",
        "main_class": "com.example.hello.Main",
        "kind": "server",
        "port": 8080,
    }
    assert where(app, "version") == ("pom.xml", 13)
    assert app.facts["version"].evidence.text == "<maven.compiler.release>17</maven.compiler.release>"
    assert where(app, "main_class") == ("pom.xml", 27)
    # not Spring Boot: the port is the JDK HttpServer's, through a constant of the same file
    main = "src/main/java/com/example/hello/Main.java"
    assert (where(app, "port"), app.facts["port"].weak) == ((main, 20), "")
    assert app.facts["port"].evidence.text == "HttpServer server = HttpServer.create(new InetSocketAddress(PORT), 0);"


def test_maven_wrapper_and_compiler_plugin_release_through_a_property() -> None:
    app = only(FIXTURES / "maven-wrapper")
    assert app.id == "java/hello-wrapper"
    assert app.value("wrapper") is True
    assert where(app, "wrapper") == (".mvn/wrapper/maven-wrapper.properties", 3)
    assert (app.value("maven_version"), where(app, "maven_version")) == ("3.9.9", (".mvn/wrapper/maven-wrapper.properties", 3))
    # <release>${java.release}</release> resolves to the property, whose line is the evidence
    assert app.value("version") == "17"
    assert where(app, "version") == ("pom.xml", 13)
    assert (app.value("main_class"), where(app, "main_class")) == ("com.example.hello.Main", ("pom.xml", 34))


def test_gradle_groovy_application_with_toolchain_and_wrapper() -> None:
    app = only(FIXTURES / "gradle-groovy")
    assert (app.id, app.root) == ("java/greeter", ".")
    assert values(app) == {
        "build_tool": "gradle",
        "wrapper": True,
        "gradle_dsl": "groovy",
        "module": "",
        "spring_boot": False,
        "packaging": "jar",
        "version": "21",
        "main_class": "com.example.greeter.App",
        "kind": "server",
        "port": 8080,
    }
    assert where(app, "version") == ("build.gradle", 10)
    assert where(app, "main_class") == ("build.gradle", 15)
    assert where(app, "wrapper") == ("gradle/wrapper/gradle-wrapper.properties", 3)


def test_gradle_kotlin_build_file_beats_java_version_file() -> None:
    app = only(FIXTURES / "gradle-kotlin")
    assert app.id == "java/inventory"
    assert (app.value("gradle_dsl"), app.value("wrapper")) == ("kotlin", False)
    assert (FIXTURES / "gradle-kotlin" / ".java-version").read_text().strip() == "21"
    assert (app.value("version"), where(app, "version")) == ("17", ("build.gradle.kts", 9))
    assert (app.value("main_class"), where(app, "main_class")) == (
        "com.example.inventory.App",
        ("build.gradle.kts", 14),
    )


def test_spring_boot() -> None:
    app = only(FIXTURES / "spring-boot")
    assert app.id == "java/demo-service"
    assert values(app) == {
        "build_tool": "maven",
        "wrapper": False,
        "module": "",
        "spring_boot": True,
        "spring_boot_version": "3.3",
        "packaging": "spring-boot",
        "version": "21",
        "main_class": "com.example.demo.DemoApplication",
        "port": 8081,
    }
    assert where(app, "spring_boot") == ("pom.xml", 9)
    assert where(app, "version") == ("pom.xml", 20)
    assert where(app, "main_class") == ("src/main/java/com/example/demo/DemoApplication.java", 7)
    assert where(app, "port") == ("src/main/resources/application.properties", 2)


def test_multi_module_picks_the_shaded_module() -> None:
    app = only(FIXTURES / "multi-module")
    assert (app.id, app.root, app.value("module")) == ("java/shop-app", ".", "app")
    assert where(app, "module") == ("pom.xml", 14)
    assert (app.value("packaging"), where(app, "packaging")) == ("shade", ("app/pom.xml", 27))
    assert (app.value("main_class"), where(app, "main_class")) == ("com.example.app.Main", ("app/pom.xml", 38))
    # the version comes from the reactor root's properties
    assert (app.value("version"), where(app, "version")) == ("21", ("pom.xml", 18))
    assert app.value("spring_boot") is False


def test_malformed_and_xxe_poms_are_warnings_not_candidates() -> None:
    apps, notices = scan(FIXTURES / "malformed")
    assert apps == []
    by_file = {n.file: n.message for n in notices}
    assert set(by_file) == {"pom.xml", "xxe/pom.xml"}
    assert by_file["pom.xml"].startswith("malformed XML, ignored")
    assert by_file["xxe/pom.xml"] == "refused: DTDForbidden (DTDs and entities are not allowed)"
    dumped = json.dumps([a.to_json() for a in apps] + [n.to_json() for n in notices])
    assert "root:" not in dumped and "/bin/" not in dumped and "passwd" not in dumped


def test_independent_builds_each_get_their_own_root() -> None:
    repo = Repo(FIXTURES)
    apps = java.detect(repo)
    assert sorted((a.id, a.root, a.value("module")) for a in apps) == [
        ("java/api", "gradle-convention-framework", "api"),
        ("java/api", "gradle-moved-projects", "server/api"),
        ("java/app", "gradle-convention-plugin", "app"),
        ("java/app", "gradle-version-references", "app"),
        ("java/application", "boot21-multi-module", "application"),
        ("java/audit-log", "logback-file", ""),
        ("java/billing", "spring-profile-args", ""),
        ("java/billing", "stated-helm", ""),
        ("java/catalog-service", "spring-mongodb", ""),
        ("java/checked-service", "boot31-checkstyle", ""),
        ("java/clinic", "stated-k8s-database", ""),
        ("java/demo-service", "spring-boot", ""),
        ("java/demo-ui", "spring-boot-frontend", ""),
        ("java/dropwizard-hello", "dropwizard", ""),
        ("java/greet-mp", "helidon-mp-parent", ""),
        ("java/greet-spark", "assembly-no-executions", ""),
        ("java/greeter", "gradle-groovy", ""),
        ("java/helidon-quickstart-se", "helidon", ""),
        ("java/hello-http", "maven", ""),
        ("java/hello-wrapper", "maven-wrapper", ""),
        ("java/importer", "gradle-convention-framework", "importer"),
        ("java/inventory", "gradle-kotlin", ""),
        ("java/javalin-hello", "javalin", ""),
        ("java/ledger", "gradle-old-wrapper", ""),
        ("java/ledger", "stated-k8s", ""),
        ("java/legacy-chat", "boot2-old-wrapper", ""),
        ("java/legacy-service", "spring-boot-2", ""),
        ("java/micronaut-hello", "micronaut", ""),
        ("java/orders", "parent-folder", "services/orders"),
        ("java/orders-domain", "maven-parent-plugins", "domain"),
        ("java/orders-service", "maven-parent-plugins", "service"),
        ("java/orders-service", "spring-config-name", ""),
        ("java/orders-service", "spring-mariadb", ""),
        ("java/quarkus-hello", "quarkus", ""),
        ("java/quotes", "stated-jdk-older", ""),
        ("java/report-tool", "maven-toolchains", ""),
        ("java/shop-app", "multi-module", "app"),
        ("java/spark-hello", "spark-default-port", ""),
        ("java/spark-port", "spark-port", ""),
        ("java/ticker", "stated-jvm-options", ""),
        ("java/tickets", "gradle-catalog-micronaut", ""),
        ("java/tiny-server", "source-main", ""),
        ("java/vertx-feed", "vertx-conf-json", ""),
        ("java/vertx-hello", "vertx", ""),
        ("java/vertx-relay", "vertx-listen-handler", ""),
        ("java/vertx-starter", "vertx-shade", ""),
        ("java/visits-service", "spring-postgres", ""),
        ("java/word-count", "cli", ""),
        ("java/worker", "gradle-version-references", "worker"),
    ]
    shop = next(a for a in apps if a.name == "shop-app")
    assert where(shop, "main_class") == ("multi-module/app/pom.xml", 38)
    assert {n.file for n in repo.notices} == {"malformed/pom.xml", "malformed/xxe/pom.xml",
                                              "assembly-no-executions/pom.xml"}  # the wrapper's: settle's


# -- Maven edge cases ----------------------------------------------------------


def test_pom_without_namespace_and_legacy_source_version(tmp_path: Path) -> None:
    body = "<properties><maven.compiler.source>1.8</maven.compiler.source></properties>"
    app = only(make(tmp_path, {"pom.xml": pom("Legacy", body, ns="")}))
    assert (app.name, app.value("version")) == ("legacy", "8")


def test_xml_that_is_not_a_pom_is_ignored(tmp_path: Path) -> None:
    apps, notices = scan(make(tmp_path, {"pom.xml": "<settings><localRepository/></settings>"}))
    assert apps == []
    assert [str(n) for n in notices] == ["pom.xml: not a Maven POM (root element <settings>), ignored"]


def test_compiler_plugin_release_beats_property(tmp_path: Path) -> None:
    body = """<properties>
    <maven.compiler.release>11</maven.compiler.release>
  </properties>
  <build><plugins><plugin>
    <artifactId>maven-compiler-plugin</artifactId>
    <configuration>
      <release>17</release>
    </configuration>
  </plugin></plugins></build>"""
    app = only(make(tmp_path, {"pom.xml": pom(body=body)}))
    assert (app.value("version"), where(app, "version")) == ("17", ("pom.xml", 13))


def test_start_class_and_yaml_port(tmp_path: Path) -> None:
    body = """<parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
  </parent>
  <properties><start-class>com.example.Start</start-class></properties>
  <build><plugins><plugin>
    <artifactId>spring-boot-maven-plugin</artifactId>
  </plugin></plugins></build>"""
    yml = "spring:\n  application:\n    name: x\nserver:\n  # comment\n  port: 9090\n"
    app = only(make(tmp_path, {"pom.xml": pom(body=body), "src/main/resources/application.yml": yml}))
    assert app.value("main_class") == "com.example.Start"
    assert where(app, "main_class") == ("pom.xml", 11)
    assert (app.value("port"), where(app, "port")) == (9090, ("src/main/resources/application.yml", 6))


def test_spring_boot_default_port_has_no_evidence(tmp_path: Path) -> None:
    body = "<build><plugins><plugin><artifactId>spring-boot-maven-plugin</artifactId></plugin></plugins></build>"
    app = only(make(tmp_path, {"pom.xml": pom(body=body)}))
    assert (app.value("spring_boot"), app.value("port"), app.facts["port"].evidence) == (True, 8080, None)


@pytest.mark.parametrize(
    "line, port",
    [("server.port=${PORT:8443}", 8443), ("server.port : 7000", 7000), ("server.port=${PORT}", 8080)],
)
def test_properties_port_forms(tmp_path: Path, line: str, port: int) -> None:
    body = "<build><plugins><plugin><artifactId>spring-boot-maven-plugin</artifactId></plugin></plugins></build>"
    repo = Repo(make(tmp_path, {"pom.xml": pom(body=body), "src/main/resources/application.properties": line}))
    (app,) = java.detect(repo)
    assert app.value("port") == port
    understood = port != 8080
    assert (repo.notices == []) is understood


def test_module_outside_the_build_is_ignored_with_a_warning(tmp_path: Path) -> None:
    modules = "<packaging>pom</packaging><modules><module>../escape</module><module>/etc</module><module>lib</module></modules>"
    repo = Repo(make(tmp_path / "repo", {"pom.xml": pom(body=modules), "lib/pom.xml": pom("lib")}))
    make(tmp_path, {"escape/pom.xml": pom("escape")})
    (app,) = java.detect(repo)
    assert (app.name, app.root) == ("app", ".")
    assert "module" not in app.facts  # no module produces an application: left for the person to say
    messages = [n.message for n in repo.notices]
    assert "module '../escape' has no pom.xml inside the build, ignored" in messages
    assert "module '/etc' has no pom.xml inside the build, ignored" in messages
    assert any(m.startswith("no module produces an application") for m in messages)


def test_unresolved_property_falls_back_to_version_files(tmp_path: Path) -> None:
    body = "<properties><maven.compiler.release>${jdk}</maven.compiler.release></properties>"
    repo = Repo(make(tmp_path, {"pom.xml": pom(body=body), ".sdkmanrc": "# sdk\njava=21.0.2-tem\n"}))
    (app,) = java.detect(repo)
    assert (app.value("version"), where(app, "version")) == ("21", (".sdkmanrc", 2))
    assert [n.message for n in repo.notices] == ["Java version '${jdk}' not understood, ignored"]


def test_incomplete_wrapper_is_not_used(tmp_path: Path) -> None:
    repo = Repo(make(tmp_path, {"pom.xml": pom(), "mvnw": "#!/bin/sh\n"}))
    (app,) = java.detect(repo)
    assert app.value("wrapper") is False
    assert [n.file for n in repo.notices] == ["mvnw"]


# -- Gradle edge cases ---------------------------------------------------------


def test_gradle_multi_project_spring_boot_module(tmp_path: Path) -> None:
    files = {
        "settings.gradle.kts": 'rootProject.name = "platform"\ninclude(\n    "services:api",\n    "lib",\n)\n',
        "build.gradle.kts": 'plugins {\n    id("org.springframework.boot") version "3.3.5" apply false\n}\n'
        "allprojects {\n    java { toolchain { languageVersion.set(JavaLanguageVersion.of(17)) } }\n}\n",
        "lib/build.gradle.kts": "plugins { `java-library` }\n",
        "services/api/build.gradle.kts": 'plugins {\n    java\n    id("org.springframework.boot")\n}\n',
        "services/api/src/main/java/com/example/api/ApiApplication.java": (
            "package com.example.api;\n\n@SpringBootApplication\npublic class ApiApplication {}\n"
        ),
        "services/api/src/main/resources/application.yaml": "server.port: 8082\n",
    }
    app = only(make(tmp_path, files))
    assert (app.id, app.root, app.value("module")) == ("java/api", ".", "services/api")
    assert where(app, "module") == ("settings.gradle.kts", 3)
    assert (app.value("packaging"), app.value("spring_boot"), app.value("gradle_dsl")) == ("spring-boot", True, "kotlin")
    assert (app.value("version"), where(app, "version")) == ("17", ("build.gradle.kts", 5))
    assert app.value("main_class") == "com.example.api.ApiApplication"
    assert where(app, "main_class") == ("services/api/src/main/java/com/example/api/ApiApplication.java", 4)
    assert app.value("port") == 8082


def test_gradle_groovy_include_and_tool_versions(tmp_path: Path) -> None:
    files = {
        "settings.gradle": "include 'cli', 'core'\n",
        "cli/build.gradle": "apply plugin: 'application'\nmainClassName = 'com.example.Cli'\n",
        "core/build.gradle": "apply plugin: 'java'\n",
        ".tool-versions": "nodejs 20.1.0\njava temurin-21.0.1+12.1\n",
    }
    app = only(make(tmp_path, files))
    assert (app.id, app.value("module"), app.value("main_class")) == ("java/cli", "cli", "com.example.Cli")
    assert (app.value("version"), where(app, "version")) == ("21", (".tool-versions", 2))


def test_several_apps_in_one_build_are_one_candidate_each(tmp_path: Path) -> None:
    files = {
        "settings.gradle": "include 'a'\ninclude 'b'\n",
        "a/build.gradle": "plugins { id 'application' }\napplication { mainClass = 'x.A' }\n",
        "b/build.gradle": "plugins { id 'com.gradleup.shadow' version '8.3.0' }\n",
    }
    apps, notices = scan(make(tmp_path, files))
    assert notices == []
    assert [(a.name, a.value("module"), a.value("packaging")) for a in apps] == [("a", "a", "jar"), ("b", "b", "shade")]


@pytest.mark.parametrize(
    "raw, major",
    [
        ("17", "17"), ("1.8", "8"), ("VERSION_1_8", "8"), ("VERSION_21", "21"), ("21.0.2-tem", "21"),
        ("temurin-21.0.1+12.1", "21"), ("openjdk64-17.0.2", "17"), ("'11'", "11"),
        ("current", None), ("${java.version}", None), ("17; rm -rf /", None), ("", None),
    ],
)
def test_java_major(raw: str, major: Optional[str]) -> None:
    assert java.java_major(raw) == major


# -- patterns seen on real repositories (issue 10) -------------------------------------------


def test_spring_boot_2_with_an_old_maven_wrapper() -> None:
    app = only(FIXTURES / "boot2-old-wrapper")
    assert (app.value("spring_boot_version"), where(app, "spring_boot_version")) == ("2.5", ("pom.xml", 9))
    assert app.facts["spring_boot_version"].evidence.text == "<version>2.5.15</version>"
    wrapper_file = ".mvn/wrapper/maven-wrapper.properties"
    assert (app.value("maven_version"), where(app, "maven_version")) == ("3.5.4", (wrapper_file, 3))
    assert (app.value("version"), where(app, "version")) == ("11", ("pom.xml", 18))


def test_a_gradle_wrapper_too_old_for_the_image_jdk_is_a_warning() -> None:
    """Gradle 6.5 runs on no JDK newer than 14; Java 8 sources are built with JDK 17, which needs Gradle 7.3."""
    report = detect(FIXTURES / "gradle-old-wrapper")
    assert [(a.id, a.value("wrapper"), a.value("version")) for a in report.apps] == [("java/ledger", True, "8")]
    assert report.warnings == [Notice("gradle/wrapper/gradle-wrapper.properties",
                              "Gradle 6.5 (the wrapper's) cannot run on the image's JDK 17: raise the wrapper to 7.3+")]


@pytest.mark.parametrize("gradle,java_version,message", [
    # no Java version: the default JDK 21 needs 8.5; a Java 17 image runs 7.6
    ("7.6.4-all", "", "Gradle 7.6.4 (the wrapper's) cannot run on the image's JDK 21: raise the wrapper to 8.5+ "
                      "or pass --language-version 17"),
    # Java 21 sources: no older JDK builds them
    ("8.4", "21", "Gradle 8.4 (the wrapper's) cannot run on the image's JDK 21: raise the wrapper to 8.5+"),
    ("8.10.2", "25", "Gradle 8.10.2 (the wrapper's) cannot run on the image's JDK 25: raise the wrapper to 9.1+"),
    # Java 11 sources are built with JDK 17
    ("7.2", "11", "Gradle 7.2 (the wrapper's) cannot run on the image's JDK 17: raise the wrapper to 7.3+"),
    ("8.5", "21", None),
    ("7.3", "17", None),
    ("9.1.0", "25", None),
    ("8.5-rc-1", "11", None),
], ids=["default-jdk", "java-21", "java-25", "java-11", "8.5-on-21", "7.3-on-17", "9.1-on-25", "rc"])
def test_the_gradle_a_wrapper_downloads_is_checked_against_the_image_jdk(
    tmp_path: Path, gradle: str, java_version: str, message: Optional[str]
) -> None:
    toolchain = f"java {{ toolchain {{ languageVersion = JavaLanguageVersion.of({java_version}) }} }}\n"
    distribution = gradle if gradle.endswith("-all") else gradle + "-bin"
    files = {"build.gradle": "plugins { id 'application' }\n" + (toolchain if java_version else "")
             + "application { mainClass = 'com.example.App' }\n", "gradlew": "#!/bin/sh\n",
             "gradle/wrapper/gradle-wrapper.properties": "distributionUrl=https\\://services.gradle.org/distributions/"
             f"gradle-{distribution}.zip\n"}
    report = detect(make(tmp_path, files))
    assert [n.message for n in report.warnings] == ([message] if message else [])


def test_the_wrapper_is_checked_against_the_jdk_the_repository_states(tmp_path: Path) -> None:
    """Checked once the statements are ranked: a Dockerfile's adoptopenjdk/openjdk13 says Java 13 (built
    with JDK 17) where the build files say nothing (the default, JDK 21)."""
    files = {"build.gradle": "plugins { id 'application' }\napplication { mainClass = 'com.example.App' }\n",
             "gradlew": "#!/bin/sh\n", "Dockerfile": "FROM adoptopenjdk/openjdk13:alpine-jre\n",
             "gradle/wrapper/gradle-wrapper.properties":
                 "distributionUrl=https\\://services.gradle.org/distributions/gradle-6.5-bin.zip\n"}
    report = detect(make(tmp_path, files))
    assert report.apps[0].value("version") == "13"
    assert [n.message for n in report.warnings if n.file.startswith("gradle/")] == [
        "Gradle 6.5 (the wrapper's) cannot run on the image's JDK 17: raise the wrapper to 7.3+"]


def test_spring_boot_2_1_module_takes_its_java_version_from_the_starter_parent() -> None:
    app = only(FIXTURES / "boot21-multi-module")
    assert (app.id, app.value("module"), app.value("packaging")) == ("java/application", "application", "spring-boot")
    assert app.value("spring_boot_version") == "2.1"
    # no java.version anywhere: spring-boot-starter-parent 2.x compiles for 1.8; the evidence is the parent's version
    assert (app.value("version"), where(app, "version")) == ("8", ("pom.xml", 9))
    assert app.value("main_class") == "com.example.app.GreetingsApplication"


def test_spring_boot_3_without_java_version_is_java_17(tmp_path: Path) -> None:
    body = """<parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>${boot}</version>
  </parent>
  <properties><boot>3.5.4</boot></properties>"""
    app = only(make(tmp_path, {"pom.xml": pom(body=body)}))
    assert (app.value("spring_boot_version"), where(app, "spring_boot_version")) == ("3.5", ("pom.xml", 12))
    assert app.value("version") == "17"


@pytest.mark.parametrize("body, version", [
    ("""<dependencyManagement><dependencies><dependency>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-dependencies</artifactId>
    <version>2.7.18</version><type>pom</type><scope>import</scope>
  </dependency></dependencies></dependencyManagement>
  <build><plugins><plugin><artifactId>spring-boot-maven-plugin</artifactId></plugin></plugins></build>""", "2.7"),
    ("""<properties><spring-boot.version>3.2.1</spring-boot.version></properties>
  <build><plugins><plugin><artifactId>spring-boot-maven-plugin</artifactId>
    <version>${spring-boot.version}</version></plugin></plugins></build>""", "3.2"),
])
def test_spring_boot_version_from_the_bom_or_the_plugin(tmp_path: Path, body: str, version: str) -> None:
    app = only(make(tmp_path, {"pom.xml": pom(body=body)}))
    assert (app.value("spring_boot"), app.value("spring_boot_version")) == (True, version)
    assert "version" not in app.facts  # a BOM or the plugin sets no Java version


@pytest.mark.parametrize("build_file, line, version", [
    ("build.gradle.kts", 'plugins {\n    id("org.springframework.boot") version "2.6.3"\n}\n', "2.6"),
    ("build.gradle", "buildscript {\n  ext { springBootVersion = '2.1.4.RELEASE' }\n}\n"
                     "apply plugin: 'org.springframework.boot'\n", "2.1"),
])
def test_gradle_spring_boot_version(tmp_path: Path, build_file: str, line: str, version: str) -> None:
    app = only(make(tmp_path, {build_file: line}))
    assert (app.value("spring_boot"), app.value("spring_boot_version")) == (True, version)


def test_spring_boot_checkstyle_in_validate_is_still_detected() -> None:
    app = only(FIXTURES / "boot31-checkstyle")
    assert (app.value("spring_boot_version"), app.value("version")) == ("3.1", "17")


@pytest.mark.parametrize("fixture, framework_line, port, weak", [
    ("spark-default-port", ("src/main/java/com/example/spark/App.java", 3), 4567, "Spark's default port"),
    ("spark-port", ("src/main/java/com/example/spark/Server.java", 11), 8090, ""),
    ("javalin", ("src/main/java/com/example/javalin/App.java", 10), 7070, ""),
    ("vertx", ("src/main/java/com/example/vertx/Main.java", 11), 8888, "the default of a setting read at run time"),
])
def test_ports_of_servers_that_set_them_in_code(fixture: str, framework_line: Tuple[str, int], port: int,
                                                weak: str) -> None:
    app = only(FIXTURES / fixture)
    assert (app.value("kind"), app.value("port")) == ("server", port)
    assert where(app, "port") == where(app, "kind") == framework_line
    assert app.facts["port"].weak.startswith(weak) and bool(app.facts["port"].weak) == bool(weak)


def test_a_program_that_listens_nowhere_is_a_command_line_program() -> None:
    app = only(FIXTURES / "cli")
    assert app.value("kind") == "cli" and "port" not in app.facts


@pytest.mark.parametrize("source, port", [
    ('new ServerSocket(9000)', 9000),
    ('HttpServer.create(new InetSocketAddress("0.0.0.0", 8181), 0)', 8181),
    ('port(Integer.parseInt(System.getenv().getOrDefault("PORT", "4000")))', 4000),
    ('Server server = new Server(8282)', 8282),
])
def test_listener_shapes(tmp_path: Path, source: str, port: int) -> None:
    imports = "import static spark.Spark.*;\nimport org.eclipse.jetty.server.Server;\n"
    java_file = f"package x;\n{imports}class Main {{ void main() {{ {source}; }} }}\n"
    body = "<build><plugins><plugin><artifactId>maven-jar-plugin</artifactId><configuration><archive><manifest>" \
           "<mainClass>x.Main</mainClass></manifest></archive></configuration></plugin></plugins></build>"
    app = only(make(tmp_path, {"pom.xml": pom(body=body), "src/main/java/x/Main.java": java_file}))
    assert (app.value("kind"), app.value("port")) == ("server", port)


def test_a_server_dependency_without_a_listening_call_is_a_server_on_a_weak_port(tmp_path: Path) -> None:
    body = """<dependencies><dependency><groupId>io.undertow</groupId><artifactId>undertow-core</artifactId>
  </dependency></dependencies>
  <build><plugins><plugin><artifactId>maven-jar-plugin</artifactId><configuration><archive><manifest>
  <mainClass>x.Main</mainClass></manifest></archive></configuration></plugin></plugins></build>"""
    files = {"pom.xml": pom(body=body), "src/main/java/x/Main.java": "class Main { int port = config.port(); }\n"}
    app = only(make(tmp_path, files))
    assert (app.value("kind"), app.value("port")) == ("server", 8080)
    assert "undertow-core is a dependency" in app.facts["port"].weak


def test_constants_that_refer_to_each_other_end(tmp_path: Path) -> None:
    java_file = "package x;\nclass Main { static int A = B; static int B = A; void m() { new ServerSocket(A); } }\n"
    body = "<build><plugins><plugin><artifactId>maven-jar-plugin</artifactId><configuration><archive><manifest>" \
           "<mainClass>x.Main</mainClass></manifest></archive></configuration></plugin></plugins></build>"
    app = only(make(tmp_path, {"pom.xml": pom(body=body), "src/main/java/x/Main.java": java_file}))
    assert (app.value("kind"), app.value("port")) == ("server", 8080)
    assert app.facts["port"].weak.startswith("the ServerSocket port is computed in code")


def test_assembly_plugin_without_executions_is_a_thin_jar_with_its_dependencies_beside() -> None:
    repo = Repo(FIXTURES / "assembly-no-executions")
    (app,) = java.detect(repo)
    # `mvn package` never runs the assembly: the jar is thin, the template copies the dependencies
    assert (app.value("packaging"), app.value("main_class")) == ("jar", "com.example.greet.Main")
    assert where(app, "main_class") == ("pom.xml", 32)
    assert [str(n) for n in repo.notices] == [
        "pom.xml: maven-assembly-plugin has no <executions>: `mvn package` skips it; dependencies go beside the jar"]
    assert (app.value("kind"), app.value("port")) == ("server", 4567)


@pytest.mark.parametrize("source, kind, weak", [
    # a client: where it connects is not a port it serves, and nothing else listens
    ("socket.connect(new InetSocketAddress(\"db\", 5432))", "cli", None),
    # a port the system picks: a server, on no port we can name
    ("new ServerSocket(0)", "server", "the ServerSocket port is computed in code"),
])
def test_what_is_not_a_port_the_app_serves(tmp_path: Path, source: str, kind: str, weak: Optional[str]) -> None:
    java_file = f"package x;\nclass Main {{ void main() {{ {source}; }} }}\n"
    body = "<build><plugins><plugin><artifactId>maven-jar-plugin</artifactId><configuration><archive><manifest>" \
           "<mainClass>x.Main</mainClass></manifest></archive></configuration></plugin></plugins></build>"
    app = only(make(tmp_path, {"pom.xml": pom(body=body), "src/main/java/x/Main.java": java_file}))
    assert app.value("kind") == kind
    if weak is None:
        assert "port" not in app.facts
    else:
        assert app.value("port") == 8080 and app.facts["port"].weak.startswith(weak)


def test_the_one_module_with_a_main_is_the_app(tmp_path: Path) -> None:
    """No module names a main class: the one whose sources have a main method serves; a library does not."""
    main = "package org.demo;\n\npublic class App {\n    public static void main(String[] args) {}\n}\n"
    make(tmp_path, {
        "pom.xml": pom("parent", "<packaging>pom</packaging><modules><module>lib</module><module>app</module></modules>"),
        "lib/pom.xml": pom("lib"), "lib/src/main/java/org/demo/Util.java": "package org.demo;\nclass Util {}\n",
        "app/pom.xml": pom("app"), "app/src/main/java/org/demo/App.java": main,
    })
    app = only(tmp_path)
    assert (values(app)["module"], values(app)["main_class"]) == ("app", "org.demo.App")
    assert where(app, "main_class") == ("app/src/main/java/org/demo/App.java", 4)


def test_two_mains_in_the_sources_are_not_guessed(tmp_path: Path) -> None:
    main = "package p;\npublic class {0} {{\n  public static void main(String... a) {{}}\n}}\n"
    make(tmp_path, {"pom.xml": pom(), "src/main/java/p/A.java": main.format("A"),
                    "src/main/java/p/B.java": main.format("B")})
    assert "main_class" not in values(only(tmp_path))


def test_settings_are_inherited_through_the_parent_chain(tmp_path: Path) -> None:
    """root -> services (a nested aggregator, the parent) -> api: the Java release and the main class
    property of the middle parent apply to the module, as Maven inherits them."""
    parent = "<parent><groupId>com.example</groupId><artifactId>{}</artifactId><version>1.0.0</version></parent>"
    make(tmp_path, {
        "pom.xml": pom("root", "<packaging>pom</packaging><modules><module>services</module></modules>"),
        "services/pom.xml": pom("services", parent.format("root") + "<packaging>pom</packaging><properties>"
                                "<maven.compiler.release>21</maven.compiler.release><exec.mainClass>org.demo.Api"
                                "</exec.mainClass></properties><modules><module>api</module></modules>"),
        "services/api/pom.xml": pom("api", parent.format("services")),
    })
    app = only(tmp_path)
    assert (values(app)["module"], values(app)["version"], values(app)["main_class"]) == ("services/api", "21", "org.demo.Api")
    assert where(app, "version") == ("services/pom.xml", 7)


@pytest.mark.parametrize("artifact,config,port,health", [
    ("quarkus-smallrye-health", ("src/main/resources/application.yaml", "quarkus:\n  http:\n    port: 8181\n"), 8181,
     "/q/health"),
    ("helidon-microprofile", ("src/main/resources/META-INF/microprofile-config.properties", "server.port=7011\n"), 7011,
     "/health"),
    ("helidon-microprofile-core", ("README.md", "no configuration\n"), 7001, ""),
])
def test_framework_table_ports_and_health(tmp_path: Path, artifact: str, config: Tuple[str, str], port: int,
                                          health: str) -> None:
    """One engine over the table: the port from the framework's file (else its default) and its health path."""
    group = "io.quarkus" if artifact.startswith("quarkus") else "io.helidon"
    dependency = f"<dependencies><dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>" \
                 "</dependency></dependencies>"
    main = "package p;\npublic class M {\n  public static void main(String[] a) {}\n}\n"
    make(tmp_path, {"pom.xml": pom("svc", dependency), config[0]: config[1], "src/main/java/p/M.java": main})
    found = values(only(tmp_path))
    assert (found["kind"], found["port"], found.get("health_path", "")) == ("server", port, health)


def test_a_code_set_framework_without_a_call_listens_on_its_table_default(tmp_path: Path) -> None:
    """spark-core is a dependency, the routes are set through a wildcard import: Spark's 4567, not 8080."""
    dependency = "<dependencies><dependency><groupId>com.sparkjava</groupId><artifactId>spark-core</artifactId>" \
                 "</dependency></dependencies>"
    main = "package p;\nimport spark.*;\npublic class M {\n  public static void main(String[] a) {}\n}\n"
    make(tmp_path, {"pom.xml": pom("svc", dependency), "src/main/java/p/M.java": main})
    app = only(tmp_path)
    assert (values(app)["kind"], values(app)["port"]) == ("server", 4567)
    assert "Spark's default port" in app.facts["port"].weak


def test_examples_benchmarks_and_agents_beside_the_app_are_not_offered(tmp_path: Path) -> None:
    main = "package p;\npublic class {0} {{\n  public static void main(String[] a) {{}}\n}}\n"
    manifest = "<build><plugins><plugin><artifactId>maven-jar-plugin</artifactId><configuration><archive>" \
               "<manifestEntries><{0}>p.{1}</{0}></manifestEntries></archive></configuration></plugin></plugins></build>"
    make(tmp_path, {
        "pom.xml": pom("root", "<packaging>pom</packaging><modules><module>server</module><module>examples/hello"
                       "</module><module>agent</module><module>server-benchmarks</module></modules>"),
        "server/pom.xml": pom("server", manifest.format("Main-Class", "Server")),
        "examples/hello/pom.xml": pom("hello", manifest.format("Main-Class", "Hello")),
        "agent/pom.xml": pom("probe", manifest.format("Premain-Class", "Probe").replace(
            "</manifestEntries>", "<Main-Class>p.Probe</Main-Class></manifestEntries>")),
        "agent/src/main/java/p/Probe.java": main.format("Probe"),
        "server-benchmarks/pom.xml": pom("server-benchmarks", manifest.format("Main-Class", "Bench")),
    })
    apps, notices = scan(tmp_path)
    assert [a.value("module") for a in apps] == ["server"]
    assert [n.file for n in notices] == ["pom.xml"] and "examples/hello, agent, server-benchmarks" in notices[0].message


def test_the_enforcer_s_java_floor_is_the_version_when_the_compiler_names_none(tmp_path: Path) -> None:
    enforcer = "<build><plugins><plugin><artifactId>maven-enforcer-plugin</artifactId><executions><execution>" \
               "<configuration><rules><requireJavaVersion>\n<version>[21,)</version>\n</requireJavaVersion></rules>" \
               "</configuration></execution></executions></plugin></plugins></build>"
    make(tmp_path, {"pom.xml": pom("app", enforcer), "src/main/java/p/M.java":
                    "package p;\npublic class M {\n  public static void main(String[] a) {}\n}\n"})
    app = only(tmp_path)
    assert values(app)["version"] == "21" and where(app, "version") == ("pom.xml", 8)


def test_a_boot_jar_with_a_classifier_is_the_jar_taken(tmp_path: Path) -> None:
    """repackage with <classifier>exec</classifier> leaves app.jar and app-exec.jar: the build takes -exec.jar."""
    boot = "<parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId>" \
           "<version>3.3.4</version></parent><build><plugins><plugin><artifactId>spring-boot-maven-plugin</artifactId>" \
           "<configuration>\n<classifier>exec</classifier>\n</configuration></plugin></plugins></build>"
    make(tmp_path, {"pom.xml": pom("app", boot)})
    app = only(tmp_path)
    assert values(app)["classifier"] == "exec" and where(app, "classifier") == ("pom.xml", 8)


def test_quarkus_s_production_port_wins(tmp_path: Path) -> None:
    dependency = "<dependencies><dependency><groupId>io.quarkus</groupId><artifactId>quarkus-rest</artifactId>" \
                 "</dependency></dependencies>"
    make(tmp_path, {"pom.xml": pom("svc", dependency), "src/main/resources/application.properties":
                    "quarkus.http.port=8081\n%dev.quarkus.http.port=9000\n%prod.quarkus.http.port=8090\n"})
    app = only(tmp_path)
    assert values(app)["port"] == 8090 and where(app, "port") == ("src/main/resources/application.properties", 3)


def test_spring_s_active_profile_file_sets_the_port(tmp_path: Path) -> None:
    boot = "<parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId>" \
           "<version>3.3.4</version></parent>"
    make(tmp_path, {"pom.xml": pom("app", boot),
                    "src/main/resources/application.properties": "spring.profiles.active=prod\nserver.port=8080\n",
                    "src/main/resources/application-prod.yml": "server:\n  port: 9443\n",
                    "src/main/resources/application-dev.yml": "server:\n  port: 8000\n"})
    app = only(tmp_path)
    assert values(app)["port"] == 9443 and where(app, "port") == ("src/main/resources/application-prod.yml", 2)


def test_a_shade_plugin_bound_by_a_published_parent_is_run_by_mvn_package(tmp_path: Path) -> None:
    # micronaut-parent's pluginManagement binds shade to package: declaring it is enough (seen on a Micronaut repo)
    parent = "<parent><groupId>io.micronaut</groupId><artifactId>micronaut-parent</artifactId>" \
             "<version>2.4.0</version></parent>"
    body = parent + "<properties><exec.mainClass>x.Main</exec.mainClass></properties><build><plugins><plugin>" \
        "<groupId>org.apache.maven.plugins</groupId><artifactId>maven-shade-plugin</artifactId></plugin></plugins></build>"
    app = only(make(tmp_path, {"pom.xml": pom(body=body), "src/main/java/x/Main.java": "package x;\nclass Main {}\n"}))
    assert app.value("packaging") == "shade"


@pytest.mark.parametrize("fixture, port, evidence, weak", [
    # spring.config.name=orders: Spring reads orders.yml, and never the application.properties beside it
    ("spring-config-name", 9093, ("src/main/resources/orders.yml", 5), False),
    # Vert.x has no default port: listen(config().getInteger("http.port", 8801), handler) over several lines
    ("vertx-listen-handler", 8801, ("src/main/java/com/example/relay/Relay.java", 12), True),
    # the JSON configuration its launcher reads
    ("vertx-conf-json", 8890, ("src/main/conf/config.json", 2), False),
])
def test_the_port_where_the_framework_s_entry_says_it_is_set(fixture, port, evidence, weak) -> None:
    (app,) = java.detect(Repo(FIXTURES / fixture))
    assert app.value("kind") != "cli" and app.value("port") == port
    assert where(app, "port") == evidence
    assert bool(app.facts["port"].weak) is weak


def test_gradle_plugins_and_dependencies_through_the_version_catalog() -> None:
    """`alias(libs.plugins.micronaut.application)` and `alias(libs.plugins.shadow)` resolved through
    gradle/libs.versions.toml: a Micronaut server (its plugin brings the HTTP server, no dependency names it)
    on the port of its application.yml, packaged by shadow; `mn.micronaut.management` serves /health."""
    app = only(FIXTURES / "gradle-catalog-micronaut")
    assert (app.value("kind"), app.value("port"), where(app, "port")) == (
        "server", 8095, ("src/main/resources/application.yml", 5))
    assert (app.value("packaging"), where(app, "packaging")) == ("shade", ("build.gradle.kts", 5))
    assert app.value("health_path") == "/health"
    assert app.value("main_class") == "example.Tickets"


def test_the_java_toolchain_of_a_convention_plugin_and_no_app_for_the_plugins_build() -> None:
    """app/ applies `acme.java-conventions` (a precompiled script plugin of the included build-logic/), which
    applies `acme.base-conventions`, which sets the toolchain: Java 17; build-logic/ (kotlin-dsl) is no app."""
    app = only(FIXTURES / "gradle-convention-plugin")
    assert app.id == "java/app"
    assert (app.value("version"), where(app, "version")) == (
        "17", ("build-logic/src/main/kotlin/acme.base-conventions.gradle.kts", 7))


def test_a_plugin_in_a_parents_build_plugins_runs_in_its_children_and_the_library_comes_last() -> None:
    """The parent (reached by a relativePath naming its folder) declares quarkus-maven-plugin in <build><plugins>:
    Maven runs it in every child, so both modules package with it; the one the other depends on is its library."""
    apps, notices = scan(FIXTURES / "maven-parent-plugins")
    assert notices == []
    assert [app.id for app in apps] == ["java/orders-service", "java/orders-domain"]
    service = values(apps[0])
    assert (service["packaging"], service["port"], service["version"], service["module"]) == ("quarkus", 8081, "17", "service")
    assert where(apps[0], "packaging") == ("parent/pom.xml", 23)  # the parent's line: where it is declared


def test_plugins_a_convention_plugin_applies_say_the_framework_and_a_server_comes_before_a_program() -> None:
    """buildSrc's acme.service applies io.micronaut.application and shadow: the api project that applies it is a
    Micronaut server on its configuration's port, and is offered before the command-line importer listed first."""
    apps, notices = scan(FIXTURES / "gradle-convention-framework")
    assert notices == []
    assert [app.id for app in apps] == ["java/api", "java/importer"]
    api = values(apps[0])
    assert (api["kind"], api["port"], api["packaging"], api["version"]) == ("server", 8090, "shade", "17")
    assert where(apps[0], "packaging") == ("buildSrc/src/main/groovy/acme.service.gradle", 4)
    assert values(apps[1])["kind"] == "cli"


@pytest.mark.parametrize("fixture, app_id, version, line", [
    # Helidon 3's published parent compiles for 17; the POM states nothing else
    ("helidon-mp-parent", "java/greet-mp", "17", ("pom.xml", 8)),
    # maven-toolchains-plugin runs the build on a JDK 21
    ("maven-toolchains", "java/report-tool", "21", ("pom.xml", 17)),
    # a toolchain taken from the version catalog (libs.versions.java.get().toInt())
    ("gradle-version-references", "java/app", "21", ("gradle/libs.versions.toml", 2)),
    # options.release from a gradle.properties property of the project
    ("gradle-version-references", "java/worker", "17", ("worker/gradle.properties", 1)),
])
def test_java_version_stated_elsewhere_than_a_compiler_setting(fixture, app_id, version, line) -> None:
    apps, notices = scan(FIXTURES / fixture)
    assert notices == []
    app = next(app for app in apps if app.id == app_id)
    assert (app.value("version"), where(app, "version")) == (version, line)


def test_projects_moved_by_settings_and_spring_boot_applied_by_the_roots_subprojects_block() -> None:
    """settings.gradle sets `projectDir` (file("server/api"), new File(settingsDir, ...)) and the root applies
    Spring Boot in `subprojects { }`: the api project is the Boot app, built as :api from server/api; the
    model project turns bootJar off (a library); the root itself applies nothing."""
    app = only(FIXTURES / "gradle-moved-projects")
    assert app.id == "java/api"
    assert (app.value("module"), app.value("gradle_project"), where(app, "gradle_project")) == (
        "server/api", "api", ("settings.gradle", 5))
    assert (app.value("spring_boot"), app.value("packaging"), where(app, "packaging")) == (
        True, "spring-boot", ("build.gradle", 8))
    assert (app.value("main_class"), app.value("port"), app.value("version")) == (
        "com.acme.shop.ShopApplication", 8085, "21")


def test_a_moved_gradle_project_is_built_by_its_project_path() -> None:
    from generator.languages.java.build import plan

    answers = {"build_tool": "gradle", "module": "server/api", "gradle_project": "api", "packaging": "spring-boot",
               "final": "distroless", "version": "21", "spring_boot_version": "3.3"}
    built = plan(answers)
    assert (built.project, built.jars_dir) == (":api:", "server/api/build/libs")


def test_a_profile_the_stated_arguments_activate_gives_the_port() -> None:
    """The Dockerfile runs the jar with --spring.profiles.active=docker (the new image runs the same arguments):
    application-docker.yml's port, not application.yml's, is where it listens; the plain file's is the runner-up."""
    report = detect(FIXTURES / "spring-profile-args")
    [app] = report.apps
    port = app.facts["port"]
    assert (port.value, port.evidence.file if port.evidence else None) == (9090, "src/main/resources/application-docker.yml")
    assert [(f.value, f.evidence.file if f.evidence else None) for f in port.alternatives] == [
        (8080, "src/main/resources/application.yml")]
    assert app.value("args") == ["--spring.profiles.active=docker"]


def test_a_configuration_name_the_arguments_set_is_read(tmp_path) -> None:
    files = {"pom.xml": (FIXTURES / "spring-profile-args" / "pom.xml").read_text(),
             "src/main/java/com/acme/billing/BillingApplication.java":
                 (FIXTURES / "spring-profile-args/src/main/java/com/acme/billing/BillingApplication.java").read_text(),
             "src/main/resources/application.properties": "server.port=8080\n",
             "src/main/resources/billing.properties": "server.port=7070\n",
             "Dockerfile": 'FROM eclipse-temurin:21-jre\nCOPY target/app.jar /app.jar\n'
                           'ENTRYPOINT ["java", "-jar", "/app.jar", "--spring.config.name=billing"]\n'}
    [app] = detect(make(tmp_path, files)).apps
    assert (app.value("port"), where(app, "port")) == (7070, ("src/main/resources/billing.properties", 1))


def test_a_stated_jdk_older_than_the_release_the_build_compiles_for_is_not_used() -> None:
    """The Dockerfile's eclipse-temurin:17-jre cannot run classes compiled for 21 (maven.compiler.release): the
    build file's release stands, and the notice names the Dockerfile line and the POM's."""
    report = detect(FIXTURES / "stated-jdk-older")
    [app] = report.apps
    assert (app.value("version"), where(app, "version")) == ("21", ("pom.xml", 8))
    assert [(n.file, n.message) for n in report.warnings if "version" in n.message] == [
        ("docker/Dockerfile", "line 2: version '17' not used: older than Java 21, which pom.xml:8 compiles for")]


def test_a_logback_file_appenders_folder_is_writable() -> None:
    """logback.xml's FileAppender writes ./audit-logs/audit.log below the working directory: on a read-only root
    that folder must be writable (vertx-demo's log-data/ was refused so in a hardened run)."""
    [app] = detect(FIXTURES / "logback-file").apps
    assert (app.value("writable"), where(app, "writable")) == (["audit-logs"], ("src/main/resources/logback.xml", 9))
