"""Python detection against the fixture repositories and against hostile content."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from generator.languages.python import detect as python
from generator.detect.model import AppCandidate
from generator.detect.walker import Repo

FIXTURES = Path(__file__).parent / "fixtures" / "python"

GUNICORN_5000 = ["gunicorn", "--bind", "0.0.0.0:5000", "app:app"]
UVICORN_MAIN = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]


def scan(path: Path) -> Tuple[List[AppCandidate], Repo]:
    repo = Repo(path)
    return python.detect(repo), repo


def write(root: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def only(path: Path) -> AppCandidate:
    apps, _ = scan(path)
    assert len(apps) == 1, [app.id for app in apps]
    return apps[0]


def where(app: AppCandidate, key: str) -> Tuple[str, Optional[int]]:
    evidence = app.facts[key].evidence
    assert evidence is not None, key
    return evidence.file, evidence.line


Place = Tuple[str, Optional[int]]

# fixture -> (id, root, every fact's value, (file, line) of the evidence for some facts)
EXPECTED: Dict[str, Tuple[str, str, Dict[str, object], Dict[str, Place]]] = {
    "pip": (
        "python/pip",
        ".",
        {
            "version": "3.12",
            "package_manager": "pip",
            "requirements_file": "requirements.txt",
            "installable": False,
            "framework": "flask",
            "server": "gunicorn",
            "start_command": GUNICORN_5000,
            "port": 5000,
        },
        {"version": (".python-version", 1), "start_command": ("app.py", 7), "port": ("app.py", 7),
         "server": ("requirements.txt", 3)},
    ),
    "poetry": (
        "python/poetry-app",
        ".",
        {
            "version": "3.11",
            "package_manager": "poetry",
            "lock_file": "poetry.lock",
            "installable": False,
            "framework": "flask",
            "server": "gunicorn",
            "start_command": ["gunicorn", "--bind", "0.0.0.0:8080", "app:app"],
            "port": 8080,
        },
        {"version": ("pyproject.toml", 9), "start_command": ("app.py", 7), "port": ("gunicorn.conf.py", 3),
         "installable": ("pyproject.toml", 6), "server": ("pyproject.toml", 11)},
    ),
    "uv": (
        "python/uv-app",
        ".",
        {
            "version": "3.11",
            "package_manager": "uv",
            "lock_file": "uv.lock",
            "installable": False,
            "framework": "fastapi",
            "server": "uvicorn",
            "start_command": UVICORN_MAIN,
            "port": 8000,
        },
        {"version": ("pyproject.toml", 5), "start_command": ("main.py", 8), "port": ("main.py", 8),
         "package_manager": ("uv.lock", None)},
    ),
    "pdm": (
        "python/pdm-app",
        ".",
        {
            "version": "3.12",
            "package_manager": "pdm",
            "lock_file": "pdm.lock",
            "installable": True,
            "framework": "flask",
            "server": "gunicorn",
            "start_command": ["gunicorn", "--bind", "0.0.0.0:5000", "pdm_app.web:app"],
            "port": 5000,
        },
        {"version": (".tool-versions", 2), "start_command": ("src/pdm_app/web.py", 7),
         "port": ("src/pdm_app/web.py", 7), "installable": ("pyproject.toml", 11)},
    ),
    "pipenv": (
        "python/pipenv",
        ".",
        {
            "version": "3.11",
            "package_manager": "pipenv",
            "lock_file": "Pipfile.lock",
            "installable": False,
            "framework": "fastapi",
            "server": "uvicorn",
            "start_command": ["uvicorn", "service:app", "--host", "0.0.0.0", "--port", "8000"],
            "port": 8000,
        },
        {"version": ("Pipfile", 14), "start_command": ("service.py", 8), "port": ("service.py", 8),
         "server": ("Pipfile", 8)},
    ),
    "django": (
        "python/django",
        ".",
        {
            "version": "3.12",
            "package_manager": "pip",
            "requirements_file": "requirements.txt",
            "installable": False,
            "framework": "django",
            "django_settings": "mysite.settings",
            "server": "gunicorn",
            "start_command": ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi:application"],
            "port": 8000,
        },
        {"version": ("runtime.txt", 1), "framework": ("mysite/settings.py", 13),
         "django_settings": ("manage.py", 8), "start_command": ("mysite/settings.py", 13),
         "port": ("mysite/settings.py", 13)},
    ),
    "fastapi": (  # uvicorn.run(port=8001) only applies to `python main.py`, which is not the command
        "python/fastapi",
        ".",
        {
            "package_manager": "pip",
            "requirements_file": "requirements.txt",
            "installable": False,
            "framework": "fastapi",
            "server": "uvicorn",
            "start_command": UVICORN_MAIN,
            "port": 8000,
        },
        {"start_command": ("main.py", 9), "port": ("main.py", 9), "server": ("requirements.txt", 2)},
    ),
    "flask": (  # .python-version wins over runtime.txt; app.run(port=5050) is the development server, not served
        "python/flask",
        ".",
        {
            "version": "3.12",
            "package_manager": "pip",
            "requirements_file": "requirements.txt",
            "installable": False,
            "framework": "flask",
            "server": "gunicorn",
            "start_command": GUNICORN_5000,
            "port": 5000,
        },
        {"version": (".python-version", 1), "start_command": ("app.py", 7), "port": ("app.py", 7)},
    ),
    "procfile": (
        "python/procfile",
        ".",
        {
            "version": "3.11",
            "package_manager": "pip",
            "requirements_file": "requirements.txt",
            "installable": False,
            "framework": "flask",
            "server": "gunicorn",
            "start_command": ["gunicorn", "app:app", "--bind", "0.0.0.0:5000", "--workers", "2"],
            "port": 5000,
            "release": [["python", "-c", "print('nothing to migrate')"]],  # the Procfile's release: process
        },
        {"version": ("runtime.txt", 1), "start_command": ("Procfile", 2), "port": ("Procfile", 2),
         "release": ("Procfile", 1)},
    ),
    "procfile-chain": (  # web: steps; server — the steps are release steps, the app made by a package's factory
        "python/procfile-chain",
        ".",
        {
            "package_manager": "pip",
            "requirements_file": "requirements.txt",
            "installable": False,
            "framework": "flask",
            "server": "gunicorn",
            "start_command": ["gunicorn", "wsgi:app", "--workers", "2", "--bind", "0.0.0.0:5000"],
            "port": 5000,
            "release": [["flask", "--app", "wsgi", "routes"], ["python", "-c", "print('migrated')"]],
        },
        {"framework": ("wsgi.py", 7), "start_command": ("Procfile", 1), "release": ("Procfile", 1)},
    ),
    "gunicorn-config": (  # the port is gunicorn.conf.py's bind (a $PORT default); the command states it
        "python/gunicorn-config",
        ".",
        {
            "package_manager": "pip",
            "requirements_file": "requirements.txt",
            "installable": False,
            "framework": "flask",
            "server": "gunicorn",
            "start_command": ["gunicorn", "--config", "gunicorn.conf.py", "app:app", "--bind", "0.0.0.0:5006"],
            "port": 5006,
            "config_file": "gunicorn.conf.py",
        },
        {"start_command": ("Procfile", 1), "port": ("gunicorn.conf.py", 5)},
    ),
    "fastapi-factory": (  # app = get_application() in app/main.py, a module of the `app` package
        "python/fastapi-factory",
        ".",
        {
            "package_manager": "pip",
            "requirements_file": "requirements.txt",
            "installable": False,
            "framework": "fastapi",
            "server": "uvicorn",
            "start_command": ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"],
            "port": 8000,
        },
        {"framework": ("app/main.py", 14), "start_command": ("app/main.py", 14)},
    ),
    "requirements-include": (  # requirements.txt only includes: -r requirements/common.txt, -c constraints.txt
        "python/requirements-include",
        ".",
        {
            "package_manager": "pip",
            "requirements_file": "requirements.txt",
            "included_files": ["constraints.txt", "requirements/common.txt"],
            "installable": False,
            "framework": "flask",
            "server": "gunicorn",
            "start_command": ["gunicorn", "--bind", "0.0.0.0:5000", "app:app"],
            "port": 5000,
        },
        {"included_files": ("requirements.txt", None), "server": ("requirements/common.txt", 2)},
    ),
    "cli-tool": (  # a console script that starts no server: uvicorn among its dependencies proves nothing
        "python/wordcount",
        ".",
        {
            "version": "3.11",
            "package_manager": "pip",
            "installable": True,
            "server": "uvicorn",
            "start_command": ["wordcount"],
            "kind": "cli",
            "dependencies": ["click==8.1.8", "uvicorn==0.34.0"],  # installed before the sources (cached)
        },
        {"start_command": ("pyproject.toml", 13), "kind": ("pyproject.toml", 13), "dependencies": ("pyproject.toml", 10)},
    ),
    "console-script": (
        "python/hello-web",
        ".",
        {
            "version": "3.12",
            "package_manager": "pip",
            "installable": True,
            "start_command": ["hello-web"],
            "port": 8080,
        },
        {"version": ("pyproject.toml", 9), "start_command": ("pyproject.toml", 13),
         "port": ("src/hello_web/server.py", 18), "installable": ("pyproject.toml", 1)},
    ),
    # setup.cfg's console_scripts: the script whose module serves (not the first), with the subcommand that serves
    "console-script-setupcfg": (
        "python/console-script-setupcfg",
        ".",
        {
            "version": "3.11",
            "package_manager": "pip",
            "installable": True,
            "start_command": ["pinboard", "serve"],
            "port": 7500,
        },
        {"start_command": ("setup.cfg", 12), "port": ("pinboard/cli.py", 19)},
    ),
    "malformed": (
        "python/malformed",
        ".",
        {
            "package_manager": "pip",
            "requirements_file": "requirements.txt",
            "installable": False,
            "framework": "flask",
        },
        {"framework": ("app.py", 7)},
    ),
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    app_id, root, facts, evidence = EXPECTED[fixture]
    app = only(FIXTURES / fixture)
    assert (app.id, app.root) == (app_id, root)
    assert {key: fact.value for key, fact in app.facts.items()} == facts
    for key, place in evidence.items():
        assert where(app, key) == place, key


#: fixture -> the notices detection gives on it (file, words of the message)
NOTICES = {
    "malformed": [("pyproject.toml", "malformed TOML"),
                  ("pyproject.toml", "no production server for flask (add gunicorn); pass --cmd "
                   "'gunicorn --bind 0.0.0.0:5000 app:app'")],
    "procfile-chain": [("Procfile", "2 command(s) before the server become release steps"),
                       ("Procfile", "gunicorn: --bind 0.0.0.0:5000 added")],
    "gunicorn-config": [("Procfile", "gunicorn: --bind 0.0.0.0:5006 added")],
}


def test_fixture_warnings() -> None:
    for fixture in sorted(EXPECTED):
        _, repo = scan(FIXTURES / fixture)
        expected = NOTICES.get(fixture, [])
        assert [n.file for n in repo.notices] == [file for file, _ in expected], fixture
        for notice, (_, words) in zip(repo.notices, expected):
            assert words in notice.message, fixture


def test_monorepo_lists_each_service_and_skips_docs_and_dev_requirements() -> None:
    apps, repo = scan(FIXTURES / "monorepo")
    assert [(app.id, app.root) for app in apps] == [
        ("python/api", "services/api"),
        ("python/worker", "services/worker"),
    ]
    api, worker = apps
    assert api.value("version") == "3.12"  # the repository's .python-version beats requires-python
    assert where(api, "version") == (".python-version", 1)
    assert api.value("package_manager") == "pip" and api.value("installable") is False
    assert api.value("start_command") == UVICORN_MAIN
    assert where(api, "start_command") == ("services/api/main.py", 8)
    assert worker.value("version") == "3.11"  # the service's own pin is nearer
    assert where(worker, "version") == ("services/worker/runtime.txt", 1)
    assert worker.value("requirements_file") == "requirements/prod.txt"
    assert worker.value("framework") == "flask"  # flask only comes in through -r base.txt
    assert where(worker, "framework") == ("services/worker/app.py", 7)
    assert worker.value("server") == "gunicorn"
    assert worker.value("start_command") == GUNICORN_5000
    assert (worker.value("port"), where(worker, "port")) == (5000, ("services/worker/app.py", 7))
    assert repo.notices == []


def test_nothing_python(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "hi\n", "pyproject.toml": "[tool.ruff]\nline-length = 100\n",
                     "docs/requirements.txt": "sphinx\n", "requirements-dev.txt": "pytest\n"})
    assert scan(tmp_path)[0] == []


def test_requirements_in_subdirectories_belong_to_the_project(tmp_path: Path) -> None:
    write(tmp_path, {
        "requirements.txt": "flask\n",
        "requirements/extra.txt": "requests\n",
        "tools/requirements.txt": "click\n",
        "services/api/pyproject.toml": '[project]\nname = "svc"\n',
    })
    apps, _ = scan(tmp_path)
    assert [(app.id, app.root) for app in apps] == [(f"python/{tmp_path.name}", "."), ("python/svc", "services/api")]
    assert apps[0].value("requirements_file") == "requirements.txt"


@pytest.mark.parametrize(
    ("spec", "version"),
    [
        (">=3.10", "3.10"),
        (">=3.9,<3.13", "3.9"),
        ("~=3.11", "3.11"),
        ("~=3.11.2", "3.11"),
        ("==3.12.*", "3.12"),
        (">= 3.10, != 3.11.1, < 4", "3.10"),
        ("<3.13", None),
        ("*", None),
        ("^3.9 || ^3.11", "3.9"),
        (">=3.8 >=3.10", "3.10"),
    ],
)
def test_requires_python_gives_the_lowest_allowed_minor(tmp_path: Path, spec: str, version: Optional[str]) -> None:
    write(tmp_path, {"pyproject.toml": f'[project]\nname = "x"\nrequires-python = "{spec}"\n'})
    app = only(tmp_path)
    assert app.value("version") == version
    if version:
        assert where(app, "version") == ("pyproject.toml", 3)


@pytest.mark.parametrize(
    ("files", "version", "source"),
    [
        ({".python-version": "# pinned\n3.13.0\n"}, "3.13", (".python-version", 2)),
        ({".python-version": "pypy3.10\n"}, "pypy3.10", (".python-version", 1)),  # raw: validation decides
        ({"runtime.txt": "python-3.11.4\n", ".tool-versions": "python 3.10.1\n"}, "3.11", ("runtime.txt", 1)),
        ({".tool-versions": "nodejs 20.1.0\npython 3.10.1 3.9.0\n"}, "3.10", (".tool-versions", 2)),
        ({"Pipfile": '[requires]\npython_full_version = "3.9.18"\n'}, "3.9", ("Pipfile", 2)),
    ],
)
def test_version_sources(tmp_path: Path, files: Dict[str, str], version: str, source: Tuple[str, int]) -> None:
    write(tmp_path, {"requirements.txt": "flask\n", **files})
    app = only(tmp_path)
    assert (app.value("version"), where(app, "version")) == (version, source)


@pytest.mark.parametrize(
    ("procfile", "command", "port"),
    [
        ("web: uvicorn main:app --host 0.0.0.0 --port 9000\n",
         ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "9000"], 9000),
        ("web: gunicorn -b :7000 app:app\n", ["gunicorn", "-b", ":7000", "app:app"], 7000),
        ("web: gunicorn --bind=0.0.0.0:${PORT} app:app\n", ["gunicorn", "--bind=0.0.0.0:5000", "app:app"], 5000),
        ("web: python app.py\n", ["python", "app.py"], 5050),  # app.run(port=5050) runs here
        ("web: gunicorn app:app --bind 0.0.0.0:99999\n", ["gunicorn", "app:app", "--bind", "0.0.0.0:5000"], 5000),
    ],
)
def test_procfile_ports(tmp_path: Path, procfile: str, command: List[str], port: int) -> None:
    write(tmp_path, {
        "requirements.txt": "flask\n",
        "app.py": "from flask import Flask\napp = Flask(__name__)\napp.run(port=5050)\n",
        "Procfile": procfile,
    })
    app = only(tmp_path)
    assert app.value("start_command") == command
    assert where(app, "start_command") == ("Procfile", 1)
    assert app.value("port") == port


def test_procfile_that_cannot_be_split_is_ignored_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "flask\ngunicorn\n", "app.py": "import flask\napp = flask.Flask(__name__)\n",
                     "Procfile": "web: gunicorn 'app:app\n"})
    apps, repo = scan(tmp_path)
    assert [app.value("start_command") for app in apps] == [GUNICORN_5000]
    assert [n.file for n in repo.notices] == ["Procfile"]
    assert "cannot be split" in repo.notices[0].message


@pytest.mark.parametrize(
    "content",
    [
        b"web: gunicorn app:app\x00 --bind \x1b[31m0.0.0.0:$PORT\r\nweb: second\n",
        b"web: gunicorn 'app:app\nmore' \"--bind\n",
        b"web: \x0bgunicorn\x0c\x1c\x85 app:app --port \xff\xfe 8000\n",
        b"web: gunicorn --port " + b"9" * 5000 + b" app:app\n",
        b"web: " + b"x " * 5000 + b"\n",
        b"web:\n",
        b"web: $PORT ${PORT} ${PORT:-1} --bind\n",
        b"\xef\xbb\xbfweb: uvicorn main:app\n",
    ],
)
def test_hostile_procfile_never_crashes(tmp_path: Path, content: bytes) -> None:
    write(tmp_path, {"requirements.txt": "flask\ngunicorn\n",
                     "app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    (tmp_path / "Procfile").write_bytes(content)
    app = only(tmp_path)
    command = app.value("start_command")
    assert isinstance(command, list) and command and all(isinstance(arg, str) for arg in command)
    port = app.value("port")
    assert isinstance(port, int) and 1 <= port <= 65535


def test_hostile_control_characters_are_kept_raw_for_validation(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "flask\n", "Procfile": "web: run \x1b[2J --port 8080\n"})
    app = only(tmp_path)
    assert app.value("start_command") == ["run", "\x1b[2J", "--port", "8080"]
    assert app.value("port") == 8080
    evidence = app.facts["start_command"].evidence
    assert evidence is not None and "\x1b" not in evidence.text


def test_manifests_with_wrong_types_do_not_crash(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "[build-system]\nrequires = 1\n[project]\nname = 5\ndependencies = \"flask\"\n"
                          "requires-python = 3.1\nscripts = 7\n[tool.poetry]\ndependencies = []\nscripts = []\n",
        "Pipfile": "requires = 3\npackages = \"x\"\n",
        "requirements.txt": "-r requirements.txt\n-r ../../../etc/passwd\n--requirement=/etc/passwd\n"
                            "git+https://example.invalid/x.git\n-e .\n",
    })
    app = only(tmp_path)
    assert app.name == tmp_path.name
    assert app.value("installable") is True
    assert app.value("package_manager") == "poetry"
    assert app.value("framework") is None and app.value("start_command") is None


def test_django_without_a_production_server_is_not_started_with_runserver(tmp_path: Path) -> None:
    """runserver is Django's development server: the warning names the server to add and the --cmd."""
    write(tmp_path, {
        "requirements.txt": "django\n",
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings.prod')\n",
        "conf/settings/base.py": "WSGI_APPLICATION = 'conf.wsgi.application'\n",
        "conf/settings/prod.py": "from .base import *\n",
    })
    app = only(tmp_path)
    assert app.value("django_settings") == "conf.settings.prod"
    assert where(app, "framework") == ("conf/settings/base.py", 1)
    assert app.value("start_command") is None
    _, repo = scan(tmp_path)
    assert [(n.file, n.message) for n in repo.notices] == [
        ("requirements.txt", "no production server for django (add gunicorn); pass --cmd "
         "'gunicorn --bind 0.0.0.0:8000 conf.wsgi:application'")]


def test_flask_dependency_without_an_app_module_is_no_framework(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "Flask\n", "main.py": "def create():\n    app = Flask(__name__)\n"})
    app = only(tmp_path)
    assert app.value("framework") is None
    assert app.value("start_command") == ["python", "main.py"]
    assert app.value("port") is None


def test_main_package_and_installable_setup(tmp_path: Path) -> None:
    write(tmp_path, {"setup.cfg": "[metadata]\nname = tool\n", "tool/__init__.py": "",
                     "tool/__main__.py": "import uvicorn\nuvicorn.run('tool.api:app', port=8123)\n"})
    app = only(tmp_path)
    assert app.value("installable") is True and where(app, "installable") == ("setup.cfg", None)
    assert app.value("start_command") == ["python", "-m", "tool"]
    assert (app.value("port"), where(app, "port")) == (8123, ("tool/__main__.py", 2))


def test_poetry_package_is_installable_and_its_script_starts(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[tool.poetry]\nname = "my-tool"\n\n[tool.poetry.scripts]\nserve = "my_tool.cli:main"\n\n'
                          '[build-system]\nrequires = ["poetry-core"]\n',
        "src/my_tool/__init__.py": "",
        "src/my_tool/cli.py": "def main():\n    ThreadingHTTPServer(('', 9090), H).serve_forever()\n",
    })
    app = only(tmp_path)
    assert (app.name, app.value("package_manager"), app.value("installable")) == ("my-tool", "poetry", True)
    assert (app.value("start_command"), where(app, "start_command")) == (["serve"], ("pyproject.toml", 5))
    assert (app.value("port"), where(app, "port")) == (9090, ("src/my_tool/cli.py", 2))


def test_overlong_procfile_command_is_ignored_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "flask\ngunicorn\n", "app.py": "from flask import Flask\napp = Flask(__name__)\n",
                     "Procfile": "web: " + "x " * 5000 + "\n"})
    apps, repo = scan(tmp_path)
    assert [app.value("start_command") for app in apps] == [GUNICORN_5000]
    assert [n.file for n in repo.notices] == ["Procfile"]


def test_app_modules_in_tests_are_not_the_app(tmp_path: Path) -> None:
    write(tmp_path, {
        "requirements.txt": "fastapi\nuvicorn[standard]\ngunicorn\n",
        "tests/conftest.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "src/shop/web.py": "import fastapi\n\napi: fastapi.FastAPI = fastapi.FastAPI()\n",
    })
    app = only(tmp_path)
    assert app.value("server") == "uvicorn"  # preferred over gunicorn for FastAPI
    assert app.value("start_command") == ["uvicorn", "shop.web:api", "--host", "0.0.0.0", "--port", "8000"]
    assert where(app, "framework") == ("src/shop/web.py", 3)


def test_scripts_of_a_project_that_is_not_installed_are_not_the_start_command(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n[project.scripts]\nx = "x:main"\n',
                     "main.py": "if __name__ == '__main__':\n    print('hi')\n"})
    app = only(tmp_path)
    assert app.value("installable") is False
    assert (app.value("start_command"), where(app, "start_command")) == (["python", "main.py"], ("main.py", 1))


# -- production servers, not development ones (frameworks.py, servers.py) ----------------------


def test_flask_with_only_its_development_server_gets_no_start_command_and_is_told_what_to_add() -> None:
    app = only(FIXTURES / "flask-dev")
    assert app.value("start_command") is None
    _, repo = scan(FIXTURES / "flask-dev")
    expected = [("Procfile", "flask --app app run --debug --port 5000: `flask run` is Flask's development server"),
                ("app.py:14", "starts flask's development server (flask run, app.run())"),
                ("requirements.txt", "no production server for flask (add gunicorn); pass --cmd 'gunicorn --bind 0.0.0.0")]
    assert [(n.file, n.message[:len(words)]) for n, (_, words) in zip(repo.notices, expected)] == expected
    assert len(repo.notices) == len(expected)


def test_uwsgi_ini_speaking_http_on_every_interface_runs_as_it_is() -> None:
    app = only(FIXTURES / "uwsgi-django")
    assert (app.value("start_command"), app.value("port"), app.value("server")) == (
        ["uwsgi", "--ini", "uwsgi.ini"], 8000, "uwsgi")
    assert where(app, "port") == ("uwsgi.ini", 3)


@pytest.mark.parametrize(
    ("ini", "words"),
    [
        ("[uwsgi]\nchdir = /srv/app\nmodule = site:app\nhttp-socket = :9000\n", "it sets chdir"),
        ("[uwsgi]\nwsgi-file = site.py\ncallable = app\nhttp = 127.0.0.1:9000\n", "it listens on 127.0.0.1"),
    ],
)
def test_uwsgi_ini_tied_to_its_host_is_replaced_by_its_module_over_http(tmp_path: Path, ini: str, words: str) -> None:
    write(tmp_path, {"requirements.txt": "flask\nuwsgi\n", "site.py": "from flask import Flask\napp = Flask(__name__)\n",
                     "uwsgi.ini": ini})
    apps, repo = scan(tmp_path)
    assert [(a.value("start_command"), a.value("port")) for a in apps] == [
        (["uwsgi", "--http-socket", "0.0.0.0:9000", "--master", "--module", "site:app"], 9000)]
    assert [(n.file, words in n.message) for n in repo.notices] == [("uwsgi.ini", True)]


def test_aiohttp_factory_runs_with_aiohttp_runner() -> None:
    app = only(FIXTURES / "aiohttp")
    assert (app.value("framework"), app.value("start_command"), app.value("port")) == (
        "aiohttp", ["python", "-m", "aiohttp.web", "-H", "0.0.0.0", "-P", "8080", "app:create_app"], 8080)


@pytest.mark.parametrize("app_code", [
    "app = web.Application()\n",  # an application object: aiohttp's runner needs a factory
    "def make():\n    app = web.Application()\n    return app\napp_ = None\n",  # a factory taking no argv
])
def test_aiohttp_app_run_by_its_script_listens_where_run_app_says(tmp_path: Path, app_code: str) -> None:
    run = "web.run_app(app, port=8081)" if app_code.startswith("app =") else "web.run_app(make(), port=8081)"
    write(tmp_path, {"requirements.txt": "aiohttp\n",
                     "main.py": f"from aiohttp import web\n{app_code}\nif __name__ == '__main__':\n    {run}\n"})
    app = only(tmp_path)
    assert (app.value("start_command"), app.value("port")) == (["python", "main.py"], 8081)


def test_a_script_starting_uvicorn_listens_on_its_settings_port(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "uvicorn\npydantic-settings\n",
                     "svc/__main__.py": "import uvicorn\nfrom svc.settings import settings\n"
                                        "uvicorn.run('svc.web:app', host=settings.host, port=settings.port)\n",
                     "svc/settings.py": "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                                        "    host: str = '0.0.0.0'\n    port: int = 8081\n\n\nsettings = Settings()\n"})
    app = only(tmp_path)
    assert (app.value("start_command"), app.value("port")) == (["python", "-m", "svc"], 8081)
    assert where(app, "port") == ("svc/settings.py", 6)


# -- version evidence and what is no project ----------------------------------------------------


@pytest.mark.parametrize(
    ("files", "version", "place"),
    [
        ({"setup.cfg": "[metadata]\nname = x\n[options]\npython_requires = >=3.10\n"}, "3.10", ("setup.cfg", 4)),
        ({"setup.py": "from setuptools import setup\nsetup(name='x', python_requires='>=3.11, <4')\n"}, "3.11",
         ("setup.py", 2)),
        ({"setup.py": "from setuptools import setup\nsetup(name='x')\n", "PKG-INFO": "Name: x\nRequires-Python: >=3.9\n"},
         "3.9", ("PKG-INFO", 2)),
    ],
)
def test_setuptools_python_requires_is_version_evidence(tmp_path: Path, files: Dict[str, str], version: str,
                                                        place: Tuple[str, int]) -> None:
    app = only(write(tmp_path, files))
    assert (app.value("version"), where(app, "version")) == (version, place)


def test_a_setup_py_inside_a_package_is_no_app(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "click\n", "tool/__init__.py": "", "tool/setup.py": "setup()\n"})
    apps, _ = scan(tmp_path)
    assert [app.root for app in apps] == ["."]


def test_a_factory_returning_a_flask_subclass_is_the_app(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "flask\ngunicorn\n",
                     "web/__init__.py": "from web.core import App\n\n\ndef create_app():\n    app = App(__name__)\n"
                                        "    return app\n",
                     "web/core.py": "from flask import Flask\n\n\nclass App(Flask):\n    pass\n"})
    app = only(tmp_path)
    assert (app.value("framework"), app.value("start_command")) == (
        "flask", ["gunicorn", "--bind", "0.0.0.0:5000", "web:create_app()"])


def test_django_without_a_settings_module_is_served_from_the_wsgi_module_startproject_writes(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "django\ngunicorn\n", "manage.py": "import sys\n",
                     "shop/wsgi.py": "from django.core.wsgi import get_wsgi_application\n"
                                     "application = get_wsgi_application()\n"})
    assert only(tmp_path).value("start_command") == ["gunicorn", "--bind", "0.0.0.0:8000", "shop.wsgi:application"]


@pytest.mark.parametrize(
    ("requirements", "web", "words"),
    [
        ("flask\n", "waitress-serve --listen=*:$PORT app:app", "runs waitress-serve, which no dependency installs: "
                                                               "add waitress"),
        ("flask\n", "uwsgi --http-socket :$PORT --module app:app", "runs uwsgi, which no dependency installs: add uwsgi"),
        ("flask\npyuwsgi\n", "uwsgi --http-socket :$PORT --module app:app", ""),
        ("fastapi[standard]\n", "fastapi run main.py --port $PORT", ""),
    ],
)
def test_a_stated_server_that_no_dependency_installs_is_named(tmp_path: Path, requirements: str, web: str,
                                                              words: str) -> None:
    write(tmp_path, {"requirements.txt": requirements, "Procfile": f"web: {web}\n",
                     "app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    _, repo = scan(tmp_path)
    assert [n.message[:len(words)] for n in repo.notices if "no dependency installs" in n.message] == \
        ([words] if words else [])


#: fixture -> the release step its framework implies and the (file, line) that implies it
MIGRATIONS = {
    "django-migrate": (["python", "manage.py", "migrate", "--noinput"], ("mysite/settings.py", 20)),
    "flask-migrate": (["flask", "--app", "app:app", "db", "upgrade"], ("requirements.txt", 3)),
    "alembic": (["alembic", "upgrade", "head"], ("alembic.ini", 2)),
}


@pytest.mark.parametrize("fixture", sorted(MIGRATIONS))
def test_the_frameworks_migrations_are_the_release_step(fixture: str) -> None:
    step, place = MIGRATIONS[fixture]
    app = only(FIXTURES / fixture)
    assert app.value("release") == [step]
    assert where(app, "release") == place


def test_every_migration_tool_has_a_finder() -> None:
    from generator.languages.python import frameworks, migrations

    assert list(migrations.FINDERS) == list(frameworks.MIGRATIONS)


DJANGO_FILES = {
    "manage.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site1.settings")\n',
    "requirements.txt": "django==5.1\ngunicorn==23.0.0\n",
    "site1/__init__.py": "",
    "site1/wsgi.py": "application = get_wsgi_application()\n",
}


@pytest.mark.parametrize("settings, migrated", [
    ("DATABASES = {}\n", False),
    ('DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}\n', False),
    ('DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app"}}\n', True),
    ('DATABASES = {"default": dj_database_url.config(conn_max_age=600)}\n', True),
    ('DATABASES = {"default": env.db("DATABASE_URL")}\n', True),
    ('DATABASES = {"default": {\n    "ENGINE": os.environ.get("DB_ENGINE", "django.db.backends.sqlite3"),\n}}\n', True),
])
def test_django_migrates_only_when_a_database_is_configured(tmp_path: Path, settings: str, migrated: bool) -> None:
    app = only(write(tmp_path, {**DJANGO_FILES, "site1/settings.py": 'WSGI_APPLICATION = "site1.wsgi.application"\n'
                                + settings}))
    assert app.value("framework") == "django"
    assert (app.value("release") is not None) == migrated


def test_django_settings_package_configures_its_database_in_a_sibling(tmp_path: Path) -> None:
    app = only(write(tmp_path, {**DJANGO_FILES, "site1/settings/__init__.py": "from .base import *\n",
                                "site1/settings/base.py": 'DATABASES = {"default": {"ENGINE": '
                                '"django.db.backends.sqlite3"}}\n'}))
    assert where(app, "release") == ("site1/settings/base.py", 1)


@pytest.mark.parametrize("files", [
    {"alembic.ini": "[alembic]\nscript_location = migrations\n"},  # the folder is missing
    {"alembic.ini": "[alembic]\nscript_location = ../elsewhere\n", "../elsewhere/env.py": ""},  # outside
    {"migrations/env.py": ""},  # no alembic.ini
])
def test_alembic_needs_its_ini_and_a_script_folder_inside_the_project(tmp_path: Path, files: Dict[str, str]) -> None:
    project = tmp_path / "api"
    write(project, {"requirements.txt": "fastapi\nuvicorn\nalembic\n", "main.py": "app = FastAPI()\n", **files})
    assert only(project).value("release") is None


def test_a_procfile_release_step_wins_over_the_frameworks(tmp_path: Path) -> None:
    files = {**DJANGO_FILES, "site1/settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}\n',
             "Procfile": "release: python manage.py migrate --database replica\n"
                         "web: gunicorn site1.wsgi:application\n"}
    app = only(write(tmp_path, files))
    assert app.value("release") == [["python", "manage.py", "migrate", "--database", "replica"]]
    assert where(app, "release") == ("Procfile", 1)


def test_dependencies_built_against_system_libraries_are_named_with_their_line() -> None:
    app = only(FIXTURES / "psycopg2-source")
    assert app.value("native") == ["psycopg2"]
    assert where(app, "native") == ("requirements.txt", 3)


def test_wheels_need_no_system_libraries(tmp_path: Path) -> None:
    app = only(write(tmp_path, {"requirements.txt": "psycopg2-binary\nlxml\ncryptography\n", "app.py": "print(1)\n"}))
    assert app.value("native") is None


@pytest.mark.parametrize("fixture, config", [("gunicorn-config", "gunicorn.conf.py"), ("uwsgi-django", "uwsgi.ini")])
def test_the_configuration_file_the_start_command_names_is_the_config_file(fixture: str, config: str) -> None:
    app = only(FIXTURES / fixture)
    assert app.value("config_file") == config
    assert app.facts["config_file"].evidence == app.facts["start_command"].evidence


@pytest.mark.parametrize("web", ["gunicorn -c /etc/gunicorn.py app:app", "gunicorn -c python:conf app:app",
                                 "gunicorn -c ../outside.py app:app", "gunicorn -c missing.py app:app"])
def test_a_configuration_file_outside_the_project_or_missing_is_none(tmp_path: Path, web: str) -> None:
    project = tmp_path / "app"
    app = only(write(project, {"requirements.txt": "flask\ngunicorn\n", "app.py": "app = Flask(__name__)\n",
                               "Procfile": f"web: {web}\n", "../outside.py": ""}))
    assert app.value("config_file") is None


def test_console_scripts_of_setup_py_are_read_as_text() -> None:
    """setup.py is never run: the literal `name = module:function` strings of its console_scripts list count."""
    from generator.languages.python import scripts

    text = ('from setuptools import setup\nsetup(\n    name="tally",\n    entry_points={\n        "console_scripts": '
            '[\n            "tally = tally.web:main",\n            \'tally-sync=tally.sync:run [s3]\',\n        ],\n'
            '        "gui_scripts": ["tally-gui = tally.gui:main"],\n    },\n)\n')
    found = scripts.from_setup_py("setup.py", text)
    assert [(s.name, s.module, s.evidence.line) for s in found] == [("tally", "tally.web", 5),
                                                                    ("tally-sync", "tally.sync", 5)]


@pytest.mark.parametrize(("text", "word"), [
    ('commands.add_parser("init")\ncommands.add_parser("start")\n', "start"),
    ("@cli.command()\n@click.option('--port')\ndef serve(port):\n    pass\n", "serve"),
    ("@app.command(name='web')\ndef anything():\n    pass\n", "web"),
    ('if args.command == "migrate":\n    pass\nelif args.command == "start":\n    pass\n', "start"),
    ('commands.add_parser("export")\n', None),  # subcommands, none of them serving
])
def test_the_subcommand_that_serves(text: str, word: Optional[str]) -> None:
    from generator.languages.python import scripts

    found = scripts.serving_subcommand([("cli.py", text)])
    assert (found[0] if found else None) == word


@pytest.mark.parametrize("table, said", [
    ('[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = "3.11.7"\n', '"~3.11"'),
    ('[project]\nname = "x"\nrequires-python = "==3.12.4"\n', '">=3.12,<3.13"'),
])
def test_a_python_pinned_to_one_patch_release_is_said_with_what_to_write(tmp_path, table, said):
    """The images are a minor's latest patch release: poetry export would mark every dependency with 3.11.7
    and pip install none of them, without a word."""
    (tmp_path / "pyproject.toml").write_text(table)
    (tmp_path / "app.py").write_text("print('hi')\n")
    _, repo = scan(tmp_path)
    (notice,) = [n for n in repo.notices if "only: no image has it" in n.message]
    assert notice.file.startswith("pyproject.toml:") and f"write {said}" in notice.message


def test_a_python_range_is_no_patch_pin():
    _, repo = scan(FIXTURES / "poetry")
    assert not [n for n in repo.notices if "only: no image has it" in n.message]


@pytest.mark.parametrize("pin, said", [("gunicorn==20.1.0", True), ("gunicorn==21.2.0", False), ("gunicorn", False)])
def test_a_release_that_imports_pkg_resources_is_said(tmp_path, pin, said):
    """gunicorn 20 imports pkg_resources when it starts; a fresh install's setuptools (81+) has none."""
    write(tmp_path, {"requirements.txt": f"flask==3.0.3\n{pin}\n", "app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    _, repo = scan(tmp_path)
    assert bool([n for n in repo.notices if "imports pkg_resources" in n.message]) == said


@pytest.mark.parametrize("manager, installs", [
    ("poetry", "export --only main,prod "), ("uv", "sync --locked --no-dev --group prod --no-install-project"),
    ("pdm", "install --check --prod -G prod --no-self"),
])
def test_the_group_holding_the_server_is_installed_by_the_build(manager, installs):
    from generator.languages.python import build
    from tests.cases import BASE, COMMON

    answers = {**COMMON, **BASE["python"], "final": "slim", "package_manager": manager, "groups": ["prod"]}
    assert installs in build.plan(answers).installer.deps
    assert installs not in build.plan({**answers, "groups": []}).installer.deps


def test_only_a_group_holding_a_production_server_and_not_named_for_development_is_installed():
    app = only(FIXTURES / "poetry-prod-group")
    assert (app.value("groups"), app.value("server")) == (["prod"], "gunicorn")


@pytest.mark.parametrize("files, said", [
    ({"pyproject.toml": '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\nflask = "3.1.0"\n'}, "poetry.lock"),
    ({"Pipfile": '[packages]\nflask = "*"\n'}, "Pipfile.lock"),
])
def test_a_lock_file_the_build_needs_and_the_repository_lacks_is_said(tmp_path, files, said):
    write(tmp_path, {**files, "app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    _, repo = scan(tmp_path)
    assert [n.message for n in repo.notices if n.message.startswith(f"no {said}: ")]
