"""Java: a Maven or Gradle build and the module that produces the application.

Built with the project's wrapper or the build tool's image; the final image carries a
jlink-ed runtime on distroless cc (or a stripped debian slim), or runs on a distroless
JRE. Detection is in `detect.py` (imported only when detecting).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Tuple

from generator.languages.base import AnswerField, Flavour, Language
from generator.parsers import matching, one_of, parse_bool, parse_relpath, text

if TYPE_CHECKING:  # pragma: no cover
    from generator.detect.model import AppCandidate
    from generator.detect.walker import Repo

#: the LTS releases we generate for; a project is built with the first that runs its source level
SUPPORTED = ("17", "21", "25")
MAVEN_IMAGE_VERSION = "3.9"
GRADLE_IMAGE_VERSION = "8"
_VERSION = r"(?:1\.)?(\d{1,2})(?:[.+_-].*)?"

MAIN_CLASS_MISSING = (
    "no main class found (looked for <mainClass> in the spring-boot, shade, assembly, jar and exec plugins of "
    "pom.xml, mainClass or Main-Class in build.gradle(.kts), and a @SpringBootApplication class); pass "
    "{flag} com.example.Main, or {flag} '' when the jar's manifest names it"
)


def parse_module(raw: Any) -> str:
    """A build module path, "" for a single-module build."""
    if raw in (None, "", "."):
        return ""
    value = parse_relpath(raw)
    return "" if value == "." else value


def debian_release(version: str) -> str:
    """The Debian release a Java runtime is built for: 12 for Java 17, 13 after it."""
    return "12" if version == "17" else "13"


class Java(Language):
    name = "java"
    title = "Java"
    description = "Java: a jlink runtime on distroless (or debian), or a distroless JRE"
    looks_for = "pom.xml, build.gradle or build.gradle.kts"
    default_version = "21"
    default_port = 8080
    fields = (
        AnswerField("build_tool", one_of("maven", "gradle"), "maven or gradle", default="maven", detected=True),
        AnswerField("wrapper", parse_bool, "use the project's mvnw/gradlew", type="bool", default=False, detected=True),
        AnswerField("module", parse_module, "the module that produces the app", default="", detected=True),
        AnswerField("spring_boot", parse_bool, "a Spring Boot app", type="bool", default=False, detected=True),
        AnswerField("main_class", matching(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*",
                                           "a Java class name (like com.example.Main)"),
                    "the main class ('': the jar's manifest)", flag="--main-class", settable=True,
                    prompt="Main class (empty: the jar's manifest)", detected=True, missing=MAIN_CLASS_MISSING),
        AnswerField("packaging", one_of("spring-boot", "shade", "assembly", "jar"),
                    "spring-boot, shade, assembly or jar", default="jar", detected=True),
    )
    finals = (
        Flavour("distroless", "jlink-ed runtime on distroless cc, no shell"),
        Flavour("debian", "jlink-ed runtime on debian slim, shell and apt removed"),
        Flavour("jre", "distroless Java: the full JRE, no jlink step, no shell"),
    )

    def detect(self, repo: "Repo") -> "List[AppCandidate]":
        from generator.languages.java import detect

        return detect.detect(repo)

    def parse_version(self, raw: Any) -> str:
        match = re.fullmatch(_VERSION, text(raw).lower().lstrip("v"))
        if not match:
            raise ValueError("is not a Java version (like 21)")
        major = int(match.group(1))
        for supported in SUPPORTED:  # the LTS that runs this source level
            if major <= int(supported):
                return supported
        raise ValueError(f"Java {major} is newer than the supported {SUPPORTED[-1]}")

    def images(self, answers: Mapping[str, Any]) -> Dict[str, str]:
        from generator.images import DEBIAN_CODENAMES

        version = str(answers["version"])
        release = debian_release(version)
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

    def derive(self, app: "AppCandidate", raw: Mapping[str, Any], origins: Mapping[str, str]) -> Dict[str, Tuple[Any, str]]:
        """Spring Boot's launcher reads the main class from the jar it builds: none is needed."""
        if raw.get("packaging") == "spring-boot" and raw.get("main_class") is None:
            return {"main_class": ("", origins.get("packaging", "Spring Boot's launcher"))}
        return {}


JAVA = Java()
