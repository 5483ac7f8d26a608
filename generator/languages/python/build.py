"""How a Python app is built, decided from its validated answers: the plan the Dockerfile lays out.

Everything the build stage does differently with a package manager is one `Installer`
here (its settings, pinned tools, cache mount, lock files, dependency command, project
install): changing how uv installs means editing `_uv` only, and the template never
branches on a manager's name. Imported at render time only (`Python.build`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Tuple

from generator.languages.python import VENV
from generator.languages.python.native import packages
from generator.pins import DISTROLESS_PYTHON, PYTHON_DEBIAN, python_tools

PIP_CACHE = "--mount=type=cache,target=/root/.cache/pip"


@dataclass(frozen=True)
class Installer:
    """What one package manager does in the build stage."""

    #: comment lines on its settings (each starting with `# `)
    note: Tuple[str, ...] = ()
    #: its settings, `NAME=value`, for the build stage's ENV
    env: Tuple[str, ...] = ()
    #: its pinned requirements, pip-installed into /opt/tools (pip: none, it is there)
    tools: Tuple[str, ...] = ()
    #: the BuildKit cache mount of its downloads
    cache: str = PIP_CACHE
    #: the files its dependency step reads, relative to the app; none: there is no such step
    locks: Tuple[str, ...] = ()
    #: what that step bind-mounts (the directories holding the locks, or the locks themselves)
    mounts: Tuple[str, ...] = ()
    #: the dependency step's command: the locked dependencies, without the project
    deps: str = ""
    #: the command that installs the project itself into the virtualenv (installable apps)
    project: str = ""


@dataclass(frozen=True)
class PythonBuild:
    """The build plan: the installer's steps and the interpreter they run on."""

    #: the package manager's name (pip, poetry, uv, pdm, pipenv)
    manager: str
    installer: Installer
    #: the interpreter the virtualenv is created with: the one the final image has, at its path
    python: str
    #: whether the installers get a virtualenv of their own, /opt/tools (else the builder's pip)
    tools_venv: bool
    #: pip, installing into the app's virtualenv
    pip: str
    #: whether the lock files pin every dependency (all managers but pip's requirements)
    locked: bool
    #: pip without a requirements file: the dependencies the project declares, installed first
    declared: Tuple[str, ...]
    #: Debian packages the dependencies compile against (native.py), installed in the build stage only
    native_build: Tuple[str, ...] = ()
    #: the libraries they load, installed by dpkg into the final image's runtime root
    native_runtime: Tuple[str, ...] = ()
    venv: str = VENV
    #: the cache mount of pip's downloads (the installers' own install uses it)
    pip_cache: str = PIP_CACHE


def _pip(answers: Mapping[str, Any], tool: str, pip: str, pins: Mapping[str, str]) -> Installer:
    requirements = str(answers.get("requirements_file") or "")
    included = tuple(answers.get("included_files") or ())
    home = requirements.rpartition("/")[0]
    mounts = tuple(p for p in (home or requirements,) if p) + tuple(
        p for p in included if not (home and p.startswith(home + "/")))
    locks = tuple(p for p in (requirements, *included) if p)
    return Installer(locks=locks, mounts=mounts or locks, deps=f"{pip} install -r {requirements}",
                     project=f"{pip} install .")


def _groups(answers: Mapping[str, Any]) -> Tuple[str, ...]:
    """The dependency groups installed besides the main dependencies (the one holding the server, `prod`)."""
    return tuple(str(group) for group in answers.get("groups") or ())


def _poetry(answers: Mapping[str, Any], tool: str, pip: str, pins: Mapping[str, str]) -> Installer:
    locks = ("pyproject.toml", "poetry.lock")
    only = ",".join(("main", *_groups(answers)))
    return Installer(env=("POETRY_NO_INTERACTION=1",),
                     tools=(f"poetry=={pins['poetry']}", f"poetry-plugin-export=={pins['poetry-plugin-export']}"),
                     locks=locks, mounts=locks,
                     deps=f"{tool} export --only {only} --format requirements.txt --output /tmp/requirements.txt \\\n"
                          f" && {pip} install --require-hashes --no-deps -r /tmp/requirements.txt",
                     project=f"{pip} install --no-deps .")


def _uv(answers: Mapping[str, Any], tool: str, pip: str, pins: Mapping[str, str]) -> Installer:
    locks = ("pyproject.toml", "uv.lock")
    groups = "".join(f" --group {group}" for group in _groups(answers))
    return Installer(note=("# uv trusts the image's CA store (ca-certificates), as pip and pdm do, rather than a",
                           "# bundle of its own: certificate updates and a TLS-inspecting proxy's CA apply to it too."),
                     env=(f"UV_PROJECT_ENVIRONMENT={VENV}", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
                          "UV_PYTHON_DOWNLOADS=never", "UV_LINK_MODE=copy"),
                     tools=(f"uv=={pins['uv']}",), cache="--mount=type=cache,target=/root/.cache/uv",
                     locks=locks, mounts=locks, deps=f"{tool} sync --locked --no-dev{groups} --no-install-project",
                     project=f"{tool} sync --locked --no-dev{groups} --no-editable")


def _pdm(answers: Mapping[str, Any], tool: str, pip: str, pins: Mapping[str, str]) -> Installer:
    locks = ("pyproject.toml", "pdm.lock")
    groups = "".join(f" -G {group}" for group in _groups(answers))
    return Installer(env=("PDM_CHECK_UPDATE=false",), tools=(f"pdm[locked]=={pins['pdm']}",),
                     cache="--mount=type=cache,target=/root/.cache/pdm", locks=locks, mounts=locks,
                     deps=f"{tool} install --check --prod{groups} --no-self",
                     project=f"{tool} install --check --prod{groups} --no-editable")


def _pipenv(answers: Mapping[str, Any], tool: str, pip: str, pins: Mapping[str, str]) -> Installer:
    locks = ("Pipfile", "Pipfile.lock")
    return Installer(env=("PIPENV_VERBOSITY=-1",), tools=(f"pipenv=={pins['pipenv']}",), locks=locks, mounts=locks,
                     deps=f"{tool} install --deploy", project=f"{pip} install .")


#: one function per package manager (answers, its tool's path, pip, the pins) -> what it does
INSTALLERS: Dict[str, Callable[[Mapping[str, Any], str, str, Mapping[str, str]], Installer]] = {
    "pip": _pip, "poetry": _poetry, "uv": _uv, "pdm": _pdm, "pipenv": _pipenv,
}
#: the managers that need tools of their own (pip is in every virtualenv's reach)
NEEDS_TOOLS = ("poetry", "uv", "pdm", "pipenv")


def plan(answers: Mapping[str, Any]) -> PythonBuild:
    """The build plan for validated answers."""
    manager, version, final = str(answers["package_manager"]), str(answers["version"]), answers["final"]
    python = f"/usr/bin/python{version}" if final == "distroless" else "/usr/local/bin/python3"
    # the installers get a virtualenv of their own unless pip alone is needed and the builder
    # has it (python:X-slim; Debian's python3, the distroless builder, has not)
    tools_venv = manager in NEEDS_TOOLS or final == "distroless"
    pip = ("/opt/tools/bin/pip" if tools_venv else f"{python} -m pip") + f" --python {VENV}/bin/python"
    installer = INSTALLERS[manager](answers, f"/opt/tools/bin/{manager}", pip, python_tools(version))
    declared = manager == "pip" and not answers.get("requirements_file") and answers.get("installable")
    native = list(answers.get("native") or [])
    build, runtime = packages(native, DISTROLESS_PYTHON[version] if final == "distroless" else PYTHON_DEBIAN)
    if native and final == "distroless":
        build = (*build, "python3-dev")  # the headers of Debian's python3, which the venv runs on
    return PythonBuild(manager=manager, installer=installer, python=python, tools_venv=tools_venv, pip=pip,
                       locked=manager != "pip", declared=tuple(answers.get("dependencies") or ()) if declared else (),
                       native_build=build, native_runtime=runtime)
