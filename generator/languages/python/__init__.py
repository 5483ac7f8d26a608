"""Python: a project (requirements, pyproject, Pipfile, setup.py/cfg) and how it starts.

A virtualenv is built with the project's package manager on the same interpreter as the
final image: a stripped python:X-slim, or distroless python3 when its Python is the
project's. Detection is in `detect.py` (imported only when detecting).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple

from generator.languages.base import CONFIG_FILE, RELEASE, TMP, DEFAULT_ORIGIN, AnswerField, Flavour, Language, WritablePath
from generator.parsers import (list_of, matching, one_of, parse_argv, parse_bool, parse_names, parse_optional_relpath,
                               parse_relpath, parse_writable_path, text)
from generator.languages.python.native import parse_native
from generator.pins import DEBIAN_CODENAMES, DISTROLESS_PYTHON, PYTHON_DEBIAN

if TYPE_CHECKING:  # pragma: no cover
    from generator.detect.model import AppCandidate, Fact
    from generator.detect.walker import Repo
    from generator.languages.python.build import PythonBuild
    from generator.services import Drivers
    from generator.state.patterns import StatePattern

#: the oldest Python we generate for: an older project is built with this one
MIN_MINOR = 9
_VERSION = r"(?:python-?)?3\.(\d{1,2})(?:\.\d{1,3})?"
#: a venv only runs on the interpreter (and path) it was created with, so distroless is
#: offered only for the versions a distroless python3 ships (DISTROLESS_PYTHON), with a
#: Debian builder whose python3 is the same.
#: the app's virtualenv in the image (templates/python/Dockerfile.jinja builds it there)
VENV = "/app/venv"

#: tools a hand-written start command may run the app through (`poetry run gunicorn ...`)
RUNNERS = ("poetry", "pipenv", "uv", "pdm", "hatch")
#: build files whose Python version is the lowest the project allows (not a pin, as .python-version is)
FLOOR_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "PKG-INFO")

START_COMMAND_MISSING = (
    "no start command found (looked for a Procfile web: line, a Django, Flask or FastAPI app, a console "
    "script (pyproject.toml, setup.cfg, setup.py), a package with __main__.py, app.py or main.py); pass the "
    "command with {flag}, e.g. {flag} 'gunicorn --bind 0.0.0.0:8000 app:app'"
)

DJANGO_SETTINGS_MISSING = (
    "a Django app, but no settings module found (looked for DJANGO_SETTINGS_MODULE in manage.py), and the "
    "build runs collectstatic with it; set it in manage.py: "
    "os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings\")"
)


#: files a requirements file may include, at most
MAX_INCLUDES = 20


def parse_relpaths(raw: Any) -> List[str]:
    """Paths inside the project (a list; none: [])."""
    return [parse_relpath(item) for item in list_of(raw, MAX_INCLUDES, "paths")]


#: a declared requirement as the Dockerfile may quote it (detect.DECLARED_REQUIREMENT, checked again here):
#: no quote of the shell's, no `$`, backslash or backquote, no URL or path
_REQUIREMENT = r"""[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[A-Za-z0-9._, -]*\])?[A-Za-z0-9<>=!~.*+, ;"()_-]*"""
MAX_REQUIREMENTS = 64


def parse_requirements(raw: Any) -> List[str]:
    """PEP 508 requirements without URLs or paths (a list; none: [])."""
    requirements = []
    for item in list_of(raw, MAX_REQUIREMENTS, "requirements"):
        value = text(item)
        if len(value) > 200 or not re.fullmatch(_REQUIREMENT, value):
            raise ValueError(f"{value[:60]!r} is not a plain requirement (a name, extras, versions, a marker)")
        requirements.append(value)
    return requirements


#: a console script of a virtualenv, by its absolute path (`/app/bin/tool`, `/opt/venv/bin/tool`); not a .py file
VENV_SCRIPT = re.compile(r"/(?:[^/]+/)*bin/[A-Za-z0-9_][A-Za-z0-9_.-]*(?<!\.py)")


class Python(Language):
    name = "python"
    title = "Python"
    description = "Python: a virtualenv on the same interpreter, slim or distroless"
    looks_for = "requirements*.txt, pyproject.toml, Pipfile, setup.py or setup.cfg"
    default_version = "3.12"
    version_pattern = _VERSION
    version_kind = "a Python 3 version (like 3.12)"
    default_port = 8000
    fields = (
        AnswerField("package_manager", one_of("pip", "poetry", "uv", "pdm", "pipenv"),
                    "pip, poetry, uv, pdm or pipenv", default="pip", detected=True),
        AnswerField("requirements_file", parse_optional_relpath, "requirements file for pip", default="",
                    detected=True),
        AnswerField("included_files", parse_relpaths, "files the requirements file includes with -r or -c "
                    "(mounted beside it in the dependency step)", type="json", default=[], detected=True),
        AnswerField("dependencies", parse_requirements, "for pip without a requirements file: the dependencies the "
                    "project declares statically, installed in a cached step before its sources", type="json",
                    default=[], detected=True),
        AnswerField("groups", parse_names, "dependency groups installed besides the main dependencies (poetry, uv, "
                    "pdm): a group holding the production server, e.g. prod", type="json", default=[], detected=True),
        AnswerField("installable", parse_bool, "install the project itself into the venv", type="bool",
                    default=False, detected=True),
        AnswerField("start_command", parse_argv, "the start command, e.g. 'gunicorn app:app' (gunicorn, uvicorn, "
                    "hypercorn, daphne, waitress, flask run, fastapi run and runserver are told to listen on "
                    "0.0.0.0 at --port)", type="json",
                    flag="--cmd", settable=True, prompt="Start command", detected=True, missing=START_COMMAND_MISSING),
        AnswerField("django", parse_bool, "run Django's collectstatic", type="bool", default=False),
        AnswerField("django_settings", matching(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*",
                                                "a Python module name (like mysite.settings)"),
                    "DJANGO_SETTINGS_MODULE", default="", detected=True),
        RELEASE,
        CONFIG_FILE,
        AnswerField("native", parse_native, "packages built from source against system libraries (psycopg2, "
                    "mysqlclient, python-ldap): their build packages in the build stage, their libraries in the "
                    "final image; none: []", type="json", default=[], flag="--native", metavar="PACKAGE",
                    settable=True, detected=True),
        AnswerField("media_root", parse_writable_path, "a directory the app writes uploads to, e.g. Django's "
                    "MEDIA_ROOT (relative: inside /app); it gets a writable mount", default="", detected=True,
                    settable=True),
    )
    finals = (
        Flavour("slim", "python:X-slim, pip, shell and package tools removed"),
        Flavour("distroless", "distroless python3, no shell (Python " + " or ".join(DISTROLESS_PYTHON) + " only)"),
    )

    env_answers = (("DJANGO_SETTINGS_MODULE", "django_settings"),)
    ships_sources = True

    def unserved(self, project: Path, root: str, argv: Sequence[str]) -> str:
        from generator.languages.python import detect

        return detect.unserved(project, root, list(argv))

    def start_command(self, answers: Mapping[str, Any]) -> List[str]:
        """The command as given, a known server (gunicorn, uvicorn, flask run, runserver...) told to
        listen on 0.0.0.0 at the port answer: the EXPOSEd port is the one it listens on."""
        from generator.languages.python.servers import listen_on

        command = list(answers["start_command"])
        port = answers.get("port")
        return listen_on(command, int(port))[0] if port else command

    def health_command(self, answers: Mapping[str, Any]) -> Optional[List[str]]:
        """The virtualenv's Python opens a TCP connection to the port: no shell, no HTTP client."""
        if not answers.get("port"):
            return None
        return [f"{VENV}/bin/python", "-c",
                f'import socket; socket.create_connection(("127.0.0.1", {int(answers["port"])}), 3).close()']

    def writable_paths(self, answers: Mapping[str, Any]) -> List[WritablePath]:
        paths = [TMP]
        media = answers.get("media_root")
        if media and media != TMP.path:
            paths.append(WritablePath(media, "uploaded files (media_root); a tmpfs/emptyDir loses them on restart: "
                                      "mount a volume there to keep them", 256))
        return paths

    def built_version(self, number: int) -> str:
        return f"3.{max(number, MIN_MINOR)}"

    def image_version(self, name: str, tag: str) -> Optional[str]:
        distroless = re.fullmatch(r"gcr\.io/distroless/python3-debian(\d+)", name)
        if distroless:
            return next((v for v, release in DISTROLESS_PYTHON.items() if release == distroless.group(1)), "")
        if name.rsplit("/", 1)[-1] != "python":
            return None
        match = re.match(r"(\d+\.\d+)(?:\.\d+)?(?=$|-)", tag)
        return match.group(1) if match else ""

    def settle(self, repo: "Repo", app: "AppCandidate") -> None:
        from generator.languages.python.detect import missing_config

        missing_config(repo, app)

    def stated_refusal(self, key: str, value: Any, heuristic: "Optional[Fact]") -> str:
        """A Python older than the project's own floor (`requires-python`, poetry's `python`, setuptools'
        `python_requires`: the version read is the lowest they allow) cannot install it: pip, poetry, uv and
        pdm refuse. A Dockerfile's `FROM python:3.10` that the project has moved past is a stale image."""
        if key != "version" or heuristic is None or heuristic.evidence is None \
                or heuristic.evidence.file.rsplit("/", 1)[-1] not in FLOOR_FILES:
            return ""
        try:
            stated, needed = self.parse_version(value), self.parse_version(heuristic.value)
        except ValueError:
            return ""
        if tuple(int(part) for part in stated.split(".")) < tuple(int(part) for part in needed.split(".")):
            where = heuristic.evidence.file + (f":{heuristic.evidence.line}" if heuristic.evidence.line else "")
            return f"older than the Python {needed} that {where} requires, which cannot install the project"
        return ""

    def start_answers(self, argv: Sequence[str]) -> Tuple[Dict[str, Any], List[str]]:
        """The command as the new image runs it: in /app (the app's directory), the virtualenv first on
        PATH, so a runner (`poetry run`) and an interpreter's or virtualenv's directory are not needed."""
        command, notes = list(argv), []
        if len(command) > 2 and command[0] in RUNNERS and command[1] == "run":
            rest = command[2:]
            while rest and rest[0].startswith("-"):
                rest = rest[1:]
            notes.append(f"`{command[0]} run` is dropped: the new image has no {command[0]}, and its virtualenv "
                         "is first on PATH")
            command = rest
        if command and re.fullmatch(r"/(?:.*/)?bin/[^/]+", command[0]):
            command[0] = command[0].rsplit("/", 1)[1]  # the virtualenv's (first on PATH) or the interpreter's
        if len(command) > 1 and re.fullmatch(r"python[0-9.]*", command[0]) and VENV_SCRIPT.fullmatch(command[1]):
            # `python /venv/bin/tool`: the interpreter running a console script of the old image's virtualenv,
            # which the new one installs on PATH under the same name
            command = [command[1].rsplit("/", 1)[1], *command[2:]]
        from generator.languages.python.servers import development, without_development

        reason = development(command)
        if reason:
            # a compose file's `manage.py runserver` or `flask run` is how the app is developed: the
            # Procfile's or the framework's production server says how it runs
            notes.append(f"{reason}, not what an image runs: not carried")
            return {}, notes
        # a Dockerfile's `uvicorn main:app --reload` is a production server with a development switch: the
        # image runs the server without it, as it does the same command read from a Procfile
        command, dropped = without_development(command)
        if dropped:
            notes.append(dropped)
        return ({"start_command": command} if command else {}), notes

    def build(self, answers: Mapping[str, Any]) -> "PythonBuild":
        """The installer's steps and the interpreter they run on (build.py)."""
        from generator.languages.python.build import plan

        return plan(answers)

    def images(self, answers: Mapping[str, Any]) -> Dict[str, str]:
        version = str(answers["version"])
        if answers["final"] == "distroless":
            release = DISTROLESS_PYTHON[version]
            return {
                "builder": f"debian:{DEBIAN_CODENAMES[release]}-slim",
                "final": f"gcr.io/distroless/python3-debian{release}:nonroot",
            }
        slim = f"python:{version}-slim-{DEBIAN_CODENAMES[PYTHON_DEBIAN]}"
        return {"builder": slim, "final": slim}

    def final_refusal(self, answers: Mapping[str, Any], final: str) -> Optional[str]:
        if final == "distroless" and answers.get("version") not in DISTROLESS_PYTHON:
            versions = " or ".join(DISTROLESS_PYTHON)
            return f"cannot be distroless for Python {answers.get('version')}: distroless ships Python {versions}"
        return None

    def check(self, answers: Mapping[str, Any]) -> Optional[str]:
        if answers.get("django") and not answers.get("django_settings"):
            return DJANGO_SETTINGS_MISSING
        return None

    def derive(self, app: "AppCandidate", raw: Mapping[str, Any], origins: Mapping[str, str]) -> Dict[str, Tuple[Any, str]]:
        """Django from the framework; pip without a requirements file installs the project."""
        framework = app.facts.get("framework")
        derived: Dict[str, Tuple[Any, str]] = {
            "django": (app.value("framework") == "django",
                       str(framework.evidence) if framework and framework.evidence else DEFAULT_ORIGIN),
        }
        if raw.get("package_manager") == "pip" and not raw.get("requirements_file"):
            # pip reaches [project] dependencies only by installing the project
            derived["installable"] = (True, origins.get("package_manager", DEFAULT_ORIGIN))
        return derived

    #: STATICFILES_DIRS, a Flask static_folder, any settings module names the UI's output
    backend_suffixes = (".py",)

    def state_patterns(self) -> "Tuple[StatePattern, ...]":
        from generator.languages.python.state import PATTERNS

        return PATTERNS

    def service_drivers(self) -> "Drivers":
        from generator.languages.python.services import DRIVERS

        return DRIVERS


PYTHON = Python()
