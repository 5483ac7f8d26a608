"""Every version a generated file pins, in one place: base image tags and the tools builds install.

Raise them here (and the template version, templates/VERSION, with them); the languages
(`Language.images`, the build plans) and the CI templates read them from this module only,
so no template or language module carries a version number of its own.
"""

from __future__ import annotations

from typing import Dict

#: Debian releases by number, as image tags name them (`debian:bookworm-slim`)
DEBIAN_CODENAMES = {"12": "bookworm", "13": "trixie"}

# -- Go ----------------------------------------------------------------------------------------

#: the Debian release of the golang builder and of every Go final (distroless, debian slim)
GO_DEBIAN = "12"

# -- Python ------------------------------------------------------------------------------------

#: the Debian release of python:X-slim
PYTHON_DEBIAN = "12"
#: the Python that a distroless python3 image ships, by Debian release
DISTROLESS_PYTHON = {"3.11": "12", "3.13": "13"}
#: the installers pip puts into /opt/tools, by requirement name: a current release. pdm comes
#: with its `locked` extra, which pins its own dependencies (an unpinned hishel 2 breaks pdm 2.29).
PYTHON_TOOLS = {"poetry": "2.5.1", "poetry-plugin-export": "1.10.1", "uv": "0.13.9", "pdm": "2.29.3",
                "pipenv": "2026.10.3"}
#: the last releases that still run on Python 3.9, for a 3.9 app
PYTHON_TOOLS_3_9 = {"poetry": "2.2.1", "poetry-plugin-export": "1.9.0", "uv": "0.13.9", "pdm": "2.26.9",
                    "pipenv": "2025.0.4"}


def python_tools(version: str) -> Dict[str, str]:
    """The installer pins for an app on Python `version` ("3.12")."""
    return PYTHON_TOOLS_3_9 if version == "3.9" else PYTHON_TOOLS


# -- Java --------------------------------------------------------------------------------------

#: the maven image's Maven line (maven:3.9-eclipse-temurin-21), used when there is no wrapper
MAVEN_IMAGE_VERSION = "3.9"
#: the gradle image's Gradle line (gradle:8-jdk21), used when there is no wrapper
GRADLE_IMAGE_VERSION = "8"
#: the Debian release a Java runtime is built for, by Java release (distroless java17 is Debian 12's)
JAVA_DEBIAN = {"17": "12", "21": "13", "25": "13"}

# -- CI pipelines (templates/_shared/ci.jinja) ----------------------------------------------------

#: GitHub Actions, by commit SHA; the version is the comment beside it
CI_ACTIONS = {
    "checkout": "actions/checkout@34e114876b0b11c390a56381ad16ebd13914f8d5 # v4.3.1",
    "hadolint": "hadolint/hadolint-action@54c9adbab1582c2ef04b2016b760714a4bfde3cf # v3.1.0",
    "buildx": "docker/setup-buildx-action@8d2750c68a42422c14e847fe6c8ac0403b4cbd6f # v3.12.0",
    "build": "docker/build-push-action@10e90e3645eae34f1e60eeb005ba3a3d33f178e8 # v6.19.2",
    "upload_artifact": "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2",
    "trivy": "aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0",
    "sarif": "github/codeql-action/upload-sarif@9e907b5e64f6b83e7804b09294d44122997950d6 # v4.32.3",
}
#: the images the pipelines run their tools in, by digest
CI_IMAGES = {
    "hadolint": "hadolint/hadolint:v2.14.0-alpine@sha256:7aba693c1442eb31c0b015c129697cb3b6cb7da589d85c7562f9deb435a6657c",
    "docker": "docker:27.4.0-cli@sha256:561338cb111f09a755c9c28e00b66a2466a3dacd88bca6f2f0aeaf909e95730a",
    "dind": "docker:27.4.0-dind@sha256:b0c1179ea32ad77bdb7b852b037e54b11022304c2f2662af1954ef53869314b2",
    "trivy": "aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c",
}
#: the GitHub-hosted runner the workflow runs on
CI_RUNNER = "ubuntu-24.04"

# -- Backing services (compose.yaml: generator/services) --------------------------------------------

#: the official image each backing service runs, by service name: a major (MongoDB, RabbitMQ: minor) line on
#: one release of its base (Debian; MongoDB's and RabbitMQ's images are built on Ubuntu only, mongo's tag
#: names it); rabbitmq's is the tag without the management plugin (no web UI to publish)
SERVICE_IMAGES = {"postgres": "postgres:16-bookworm", "mariadb": "mariadb:11", "redis": "redis:7-bookworm",
                  "mongodb": "mongo:8.0-noble", "rabbitmq": "rabbitmq:4.1"}
