"""Java: what the Spring Boot and Maven versions detected change in the image (issue 10, classes 7, 13,
19 and 21), read in the rendered Dockerfile; the images themselves are built in tests/e2e/test_java_images.py."""

from __future__ import annotations

import re
from typing import Any, Dict

import pytest

from generator.languages.java import parse_boot_version
from generator.render import render
from generator.validate import validate
from tests.cases import BASE, COMMON
from tests.helpers import copy_fixture, scaffold

BOOT = {"spring_boot": True, "packaging": "spring-boot", "main_class": ""}
EXTRACTS = {"tools": "-Djarmode=tools -jar", "layertools": "-Djarmode=layertools -jar", "unzip": "env -C /out/layers/application jar -xf"}


def dockerfile(**changes: Any) -> str:
    raw: Dict[str, Any] = {**COMMON, **BASE["java"], "final": "distroless", **changes}
    return render(validate(raw))["Dockerfile"]


def step(text: str, marker: str) -> str:
    """The RUN instruction (with its continuation lines) that contains `marker`."""
    runs = re.split(r"\n(?=[A-Z]+ )", text)
    found = [run for run in runs if run.startswith("RUN ") and marker in run]
    assert len(found) == 1, marker
    return found[0]


@pytest.mark.parametrize("version, layout, launcher", [
    ("", "tools", "org.springframework.boot.loader.launch.JarLauncher"),  # unknown: the newest forms
    ("4.0", "tools", "org.springframework.boot.loader.launch.JarLauncher"),
    ("3.3", "tools", "org.springframework.boot.loader.launch.JarLauncher"),
    ("3.2", "layertools", "org.springframework.boot.loader.launch.JarLauncher"),
    ("3.0", "layertools", "org.springframework.boot.loader.JarLauncher"),
    ("2.4", "layertools", "org.springframework.boot.loader.JarLauncher"),
    ("2.3", "unzip", "org.springframework.boot.loader.JarLauncher"),  # layers were opt-in: no layertools jar
    ("2.1", "unzip", "org.springframework.boot.loader.JarLauncher"),
    ("1.4", "unzip", "org.springframework.boot.loader.JarLauncher"),
])
@pytest.mark.parametrize("final", ["distroless", "jre"])
def test_spring_boot_version_decides_extraction_and_launcher(version: str, layout: str, launcher: str, final: str):
    text = dockerfile(**BOOT, spring_boot_version=version, final=final)
    assert [name for name, command in EXTRACTS.items() if command in text] == [layout]
    entrypoint = re.search(r"^ENTRYPOINT (.*)$", text, re.M)
    # 3.3+ on a jlink-ed runtime starts from its trained archive through `java -jar` (below)
    trained = layout == "tools" and final != "jre"
    assert entrypoint and (f'"{launcher}"' not in entrypoint.group(1)) == trained
    # whatever the generation, the same four layers reach the final image, least changed first
    assert re.findall(r"^COPY --from=build --chown=0:0 /out/layers/([\w-]+)/ /app/$", text, re.M) == [
        "dependencies", "spring-boot-loader", "snapshot-dependencies", "application"]


def test_boot_before_2_4_is_unpacked_by_hand_into_the_layers():
    build = step(dockerfile(**BOOT, spring_boot_version="2.1"), "env -C /out/layers/application jar -xf")
    assert "jarmode" not in build  # an older Boot ignores an unknown jarmode and runs the app in docker build
    assert "mv /out/layers/application/BOOT-INF/lib /out/layers/dependencies/BOOT-INF/" in build
    assert "mv /out/layers/application/org /out/layers/spring-boot-loader/" in build


@pytest.mark.parametrize("wrapper, maven, ntp", [
    (True, "3.5.4", False), (True, "3.3.9", False), (True, "3.6.0", False),
    (True, "3.6.1", True), (True, "3.9.9", True), (True, "", True),
    (False, "3.5.4", True),  # the maven image's own Maven runs, not the wrapper's
])
def test_old_maven_wrapper_gets_no_ntp(wrapper: bool, maven: str, ntp: bool):
    text = dockerfile(wrapper=wrapper, maven_version=maven)
    quiet = "-Dorg.slf4j.simpleLogger.log.org.apache.maven.cli.transfer.Slf4jMavenTransferListener=warn"
    assert ("-ntp" in text, quiet in text) == (ntp, not ntp)
    assert text.count(quiet if not ntp else "-ntp") == 2  # the dependency pass and the build


def test_dependency_pass_skips_plugins_that_read_sources_and_tolerates_failure():
    text = dockerfile(**BOOT)
    priming = step(text, "dependency:copy-dependencies")
    for skip in ("-Dcheckstyle.skip", "-Dcodegen.skip", "-Dmaven.antrun.skip", "-Dskip.npm", "-Dskip.webpack"):
        assert skip in priming
    assert "if ! mvn " in priming and "touch /deps/unprimed" in priming
    build = step(text, "-Djarmode=tools")
    assert "-Dcheckstyle.skip" not in build  # the real build runs every plugin
    assert 'unprimed=(/out/layers/*/lib/*.jar)' in build  # jdeps reads the dependencies there instead


def test_jdeps_falls_back_to_plain_classes_when_a_modular_jar_cannot_resolve():
    text = dockerfile(**BOOT)
    for marker in ("jars=(/deps/jars/*.jar)", "-Djarmode=tools"):
        run = step(text, marker)
        assert "reading the jars again as plain classes" in run
        assert "find /tmp/plain -name module-info.class -delete" in run


@pytest.mark.parametrize("raw, parsed", [("2.1.8.RELEASE", "2.1"), ("3.5.0-M1", "3.5"), ("4.0", "4.0"), ("", ""),
                                         (None, "")])
def test_parse_boot_version(raw: Any, parsed: str):
    assert parse_boot_version(raw) == parsed


@pytest.mark.parametrize("raw", ["three", "3", "3.x", "3.3; rm -rf /", "3.3\n4.0"])
def test_parse_boot_version_refuses(raw: str):
    with pytest.raises(ValueError):
        parse_boot_version(raw)


def test_command_line_program_gets_no_expose_and_no_probe(tmp_path):
    project = copy_fixture("java/cli", tmp_path)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    text = (project / "Dockerfile").read_text()
    assert "EXPOSE" not in text.replace("# EXPOSE", "")
    assert not re.search(r"^EXPOSE ", text, re.M) and re.search(r"^HEALTHCHECK NONE$", text, re.M)
    assert re.search(r'^ENTRYPOINT \[.*"com\.example\.cli\.WordCount"\]$', text, re.M)


PREVIEW_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>records</artifactId>
  <version>1.0.0</version>
  <properties>
    <java.version>{release}</java.version>
  </properties>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-compiler-plugin</artifactId>
        <configuration>
          <release>${{java.version}}</release>
          <compilerArgs>
            <arg>--enable-preview</arg>
          </compilerArgs>
        </configuration>
      </plugin>
      <plugin>
        <artifactId>maven-jar-plugin</artifactId>
        <configuration><archive><manifest><mainClass>com.example.Main</mainClass></manifest></archive></configuration>
      </plugin>
    </plugins>
  </build>
</project>
"""


def preview_project(root, release: str):
    root.mkdir()
    (root / "pom.xml").write_text(PREVIEW_POM.format(release=release))
    return root


def test_preview_features_of_a_release_we_have_no_image_for_are_refused(tmp_path):
    project = preview_project(tmp_path / "project", "14")
    detected = scaffold("detect", str(project))
    assert "preview_release    14  [pom.xml:17]" in detected.stdout
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "--enable-preview for Java 14" in result.stderr and "remove --enable-preview" in result.stderr
    assert sorted(p.name for p in project.iterdir()) == ["pom.xml"]  # nothing half-written


def test_preview_features_of_a_supported_release_run_with_enable_preview(tmp_path):
    project = preview_project(tmp_path / "project", "21")
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    entrypoint = re.search(r"^ENTRYPOINT (.*)$", (project / "Dockerfile").read_text(), re.M)
    assert entrypoint and entrypoint.group(1) == (
        '["/opt/java/runtime/bin/java", "--enable-preview", "-cp", "/app/app.jar:/app/lib/*", "com.example.Main"]')


def test_gradle_spring_boot_generation_is_rendered_the_same_way():
    text = dockerfile(**BOOT, build_tool="gradle", spring_boot_version="2.6")
    assert "-Djarmode=layertools -jar" in text and "-Djarmode=tools -jar" not in text
    assert '"org.springframework.boot.loader.JarLauncher"' in text
    assert "-ntp" not in text  # Maven's flag only


def test_a_fat_jar_under_another_classifier_is_the_largest_jar():
    build = step(dockerfile(packaging="shade"), "> /tmp/app-jar")
    assert "grep -e '-shaded\\.jar$' /tmp/jars || xargs -r -d '\\n' ls -S < /tmp/jars | head -n 1;" in build


def test_a_start_command_s_program_arguments_are_carried() -> None:
    """`java -jar app.jar server config.yml` (Dropwizard): the arguments follow the launcher in the new image."""
    from generator.languages.java import JAVA

    answers, notes = JAVA.start_answers(["java", "-Xmx256m", "-jar", "app.jar", "server", "config.yml"])
    assert answers == {"main_class": "", "args": ["server", "config.yml"]}
    assert len(notes) == 1 and "-Xmx256m" in notes[0]


def test_program_arguments_and_their_file_are_in_the_image() -> None:
    text = dockerfile(args="server /app/config.yml", config_file="conf/config.yml")
    assert 'ENTRYPOINT ["/opt/java/runtime/bin/java", "-cp", "/app/app.jar:/app/lib/*", "com.example.App", "server", ' \
           '"/app/config.yml"]' in text
    assert "COPY --from=build --chown=0:0 --chmod=0444 /src/conf/config.yml /app/config.yml" in text


def test_quarkus_runs_its_fast_jar_without_a_main_class() -> None:
    text = dockerfile(packaging="quarkus", main_class="", version="21")
    assert "cp -r target/quarkus-app /out/quarkus-app" in text
    assert 'ENTRYPOINT ["/opt/java/runtime/bin/java", "-jar", "/app/quarkus-run.jar"]' in text
    assert "COPY --from=build --chown=0:0 /out/quarkus-app/lib /app/lib" in text


def test_a_module_that_only_inherits_is_built_with_f_from_the_root() -> None:
    """A parent in a parent folder that does not list the module: -pl would not find it in the reactor."""
    text = dockerfile(module="services/orders", module_aggregated=False)
    assert "mvn \"$@\" -B -ntp -DskipTests -f services/orders/pom.xml package" in text
    assert "-pl " not in text


def test_a_framework_s_health_path_is_what_the_probes_get() -> None:
    """Quarkus with smallrye-health serves /q/health: the probes GET it instead of opening the port."""
    from generator.languages.java import JAVA

    raw: Dict[str, Any] = {**COMMON, **BASE["java"], "final": "distroless", "packaging": "quarkus", "main_class": "",
                           "health_path": "/q/health"}
    assert JAVA.http_probe_path(validate(raw)) == "/q/health"
    with pytest.raises(Exception, match="health path"):
        validate({**raw, "health_path": "q/health; rm"})


def test_the_classifier_picks_the_runnable_jar() -> None:
    text = dockerfile(**BOOT, classifier="exec")
    assert "grep -e '-exec\\.jar$' /tmp/jars" in text


def test_maven_profiles_are_activated_in_both_passes() -> None:
    text = dockerfile(maven_profiles="prod,docker")
    assert text.count("mvn \"$@\" -B -ntp -DskipTests -P prod,docker ") == 2
    with pytest.raises(Exception, match="maven profiles"):
        dockerfile(maven_profiles="prod;rm -rf /")


def test_gradle_builds_quarkus_with_quarkus_build() -> None:
    text = dockerfile(build_tool="gradle", packaging="quarkus", main_class="", version="21")
    assert "gradle --no-daemon --console=plain quarkusBuild" in text and "cp -r build/quarkus-app /out/quarkus-app" in text


def test_boot_3_3_starts_from_a_class_data_archive_its_training_run_made() -> None:
    text = dockerfile(**BOOT, spring_boot_version="3.3")
    # extracted for `java -jar` over plain jars (CDS cannot archive the launcher's nested jars)
    assert "extract --layers --destination /out/layers" in text and "--launcher" not in text
    jlink = step(text, "jars=(/deps/jars/*.jar)")  # the dependencies' runtime (linked again only if needed)
    assert "--generate-cds-archive" in jlink  # the base the app's archive extends
    assert "rm -f /opt/java/runtime/lib/server/classes_nocoops.jsa" in jlink  # heaps over 32 GB only
    training = text.split("AS training\n", 1)[1].split("\nFROM ", 1)[0]
    assert "COPY --from=runtime /opt/java/runtime /opt/java/runtime" in training  # the same runtime ...
    assert re.findall(r"^COPY --from=build /out/layers/([\w-]+)/ /app/$", training, re.M) == [
        "dependencies", "spring-boot-loader", "snapshot-dependencies", "application"]  # ... and class path
    run = step(text, "-XX:ArchiveClassesAtExit=/out/app.jsa")
    assert "-Dspring.context.exit=onRefresh -jar /app/app.jar" in run
    # an app that cannot start at build time (its database) falls back to the default archive, saying so
    assert "cp /opt/java/runtime/lib/server/classes.jsa /out/app.jsa" in run and "training run failed" in run
    assert "COPY --from=training --chown=0:0 --chmod=0444 /out/app.jsa /app/app.jsa" in text
    assert re.search(r'^ENTRYPOINT \["/opt/java/runtime/bin/java", "-XX:SharedArchiveFile=/app/app.jsa", '
                     r'"-jar", "/app/app.jar"\]$', text, re.M)
    # jdeps reads the extracted jars where this layout keeps them
    assert "/out/layers/*/lib/*.jar" in text and "BOOT-INF/lib" not in text


@pytest.mark.parametrize("changes", [
    {"packaging": "jar", "main_class": "com.example.Main"},  # no training run: nothing says when it is over
    {**BOOT, "spring_boot_version": "3.2"},  # no spring.context.exit before Spring Framework 6.1
])
def test_other_apps_start_from_the_runtime_s_default_archive(changes: Dict[str, Any]) -> None:
    text = dockerfile(**changes)
    assert "--generate-cds-archive" in step(text, "jars=(/deps/jars/*.jar)")
    assert "AS training" not in text and "SharedArchiveFile" not in text


@pytest.mark.parametrize("changes", [{**BOOT, "cds": False}, {**BOOT, "final": "jre"}])
def test_no_cds_answer_and_the_jre_final_add_no_archive(changes: Dict[str, Any]) -> None:
    """--no-cds turns it off; distroless java's JDK maps its own default archive, with nothing to add."""
    text = dockerfile(**changes)
    assert "cds-archive" not in text and "AS training" not in text and "SharedArchiveFile" not in text
    assert "--launcher" in text and "org.springframework.boot.loader.launch.JarLauncher" in text


def stage(text: str, name: str) -> str:
    """The instructions of the stage `name` (its FROM line included)."""
    return re.search(rf"^FROM \S+ AS {name}\n.*?(?=\n\n# ----|\Z)", text, re.M | re.S).group(0)


@pytest.mark.parametrize("changes", [BOOT, {"packaging": "jar", "main_class": "com.example.Main"}])
def test_maven_links_the_dependencies_runtime_beside_the_build_and_a_source_change_reuses_it(
        changes: Dict[str, Any]) -> None:
    """The modules of the dependency jars are listed and linked in a stage that reads the dependency pass
    alone (no source): BuildKit runs it while Maven builds, and a source change finds it cached."""
    text = dockerfile(**changes)
    priming = step(text, "dependency:copy-dependencies -DincludeScope=runtime; then")
    assert "-exec mv -t /deps/jars {} +" in priming and "jdeps" not in priming
    deps_runtime = stage(text, "dependency-runtime")
    assert "--mount=type=bind,from=dependencies,source=/deps,target=/deps" in deps_runtime
    assert "--from=build" not in deps_runtime and "jlink " in deps_runtime and "jars=(/deps/jars/*.jar)" in deps_runtime
    assert re.search(r"^FROM dependencies AS build$", text, re.M)
    # the build lists only what the application's own classes (or, unprimed, the jars) use ...
    build = stage(text, "build")
    assert "/deps/modules.txt" not in build and "> /out/modules.txt" in build
    # ... and the runtime links again only when they add a module
    runtime = stage(text, "runtime")
    assert runtime.startswith("FROM dependency-runtime AS runtime\n")
    assert "COPY --from=build /out/modules.txt /tmp/app-modules.txt" in runtime
    relink = step(runtime, "cmp -s /tmp/all-modules.txt /tmp/modules.txt")
    assert "rm -rf /opt/java/runtime" in relink and 'jlink -J-XX:TieredStopAtLevel=1 --add-modules "$(cat /tmp/all-modules.txt)' in relink
    assert "COPY --from=runtime --chown=0:0 /opt/java/runtime /opt/java/runtime" in text


def test_gradle_still_links_after_the_build() -> None:
    text = dockerfile(build_tool="gradle")
    assert "dependency-runtime" not in text
    runtime = stage(text, "runtime")
    assert "COPY --from=build /out/modules.txt /tmp/modules.txt" in runtime and "jlink " in runtime


def test_the_build_s_short_lived_jvms_use_the_quick_compiler() -> None:
    """Maven (a build argument, so it can be changed), jdeps, jlink and the jar's extraction run for seconds:
    C1 only. The training run has it on its own command line; the image's java gets none of it."""
    text = dockerfile(**BOOT)
    assert text.count('ARG MAVEN_OPTS="-XX:TieredStopAtLevel=1"') == 2  # the dependency pass and the build
    assert "jdeps -J-XX:TieredStopAtLevel=1 " in text and "jdeps --" not in text
    assert "jlink -J-XX:TieredStopAtLevel=1 " in text and "jlink --" not in text
    assert "java -XX:TieredStopAtLevel=1 -Djarmode=tools -jar /tmp/app.jar extract" in text
    final = text.split("AS final\n", 1)[1]
    assert "TieredStopAtLevel" not in final and "MAVEN_OPTS" not in final
