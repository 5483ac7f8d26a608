"""Java detection: fixture repositories under tests/fixtures/java, plus small edge cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

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
    }
    assert where(app, "version") == ("pom.xml", 13)
    assert app.facts["version"].evidence.text == "<maven.compiler.release>17</maven.compiler.release>"
    assert where(app, "main_class") == ("pom.xml", 27)
    assert "port" not in app.facts  # not Spring Boot: the port is only in the code


def test_maven_wrapper_and_compiler_plugin_release_through_a_property() -> None:
    app = only(FIXTURES / "maven-wrapper")
    assert app.id == "java/hello-wrapper"
    assert app.value("wrapper") is True
    assert where(app, "wrapper") == (".mvn/wrapper/maven-wrapper.properties", 3)
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
        ("java/demo-service", "spring-boot", ""),
        ("java/greeter", "gradle-groovy", ""),
        ("java/hello-http", "maven", ""),
        ("java/hello-wrapper", "maven-wrapper", ""),
        ("java/inventory", "gradle-kotlin", ""),
        ("java/legacy-service", "spring-boot-2", ""),
        ("java/shop-app", "multi-module", "app"),
    ]
    shop = next(a for a in apps if a.name == "shop-app")
    assert where(shop, "main_class") == ("multi-module/app/pom.xml", 38)
    assert {n.file for n in repo.notices} == {"malformed/pom.xml", "malformed/xxe/pom.xml"}


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
