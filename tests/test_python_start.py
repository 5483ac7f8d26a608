"""Python start commands from real repositories: where servers listen, Procfile chains, factories, CLIs.

Each case is a pattern seen on a real public repository (issue 10's corpus), rebuilt
here in a few lines of our own: a server told nothing listens on 127.0.0.1 (unreachable
in a container); a Procfile chains migrations before the server with `;`; the app object
is made by a factory in a package; a console script is a command-line tool that merely
depends on a web server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.detect import detect
from generator.detect.model import AppCandidate
from generator.errors import InputError
from generator.detect.stated import procfile
from generator.languages.python import servers
from generator.render import render
from generator.validate import answers_for
from tests.dockerfile_text import final_stage
from tests.helpers import scaffold


def write(root: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def only(root: Path) -> AppCandidate:
    (app,) = detect(root).apps
    return app


FLASK_APP = {"requirements.txt": "flask==3.1.0\ngunicorn==23.0.0\n",
             "app.py": "from flask import Flask\napp = Flask(__name__)\n"}


# -- where servers listen ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("command", "port", "expected"),
    [
        ("gunicorn app:app", 8000, "gunicorn app:app --bind 0.0.0.0:8000"),
        ("gunicorn -b 127.0.0.1:5000 app:app", 5000, "gunicorn -b 0.0.0.0:5000 app:app"),
        ("gunicorn --bind=localhost:5000 app:app", 9000, "gunicorn --bind=0.0.0.0:9000 app:app"),
        ("gunicorn -b [::]:5006 app:app", 5006, "gunicorn -b [::]:5006 app:app"),  # every interface: kept
        ("gunicorn -b :7000 app:app", 7000, "gunicorn -b :7000 app:app"),
        ("python -m gunicorn app:app", 8000, "python -m gunicorn app:app --bind 0.0.0.0:8000"),
        ("gunicorn -b unix:/tmp/app.sock app:app", 8000, "gunicorn -b unix:/tmp/app.sock app:app"),
        ("uvicorn main:app", 8000, "uvicorn main:app --host 0.0.0.0 --port 8000"),
        ("uvicorn main:app --host 127.0.0.1 --port 9000", 9000, "uvicorn main:app --host 0.0.0.0 --port 9000"),
        ("uvicorn main:app --uds /tmp/s", 8000, "uvicorn main:app --uds /tmp/s"),
        ("hypercorn main:app", 8000, "hypercorn main:app --bind 0.0.0.0:8000"),
        ("daphne proj.asgi:application", 8000, "daphne proj.asgi:application --bind 0.0.0.0 --port 8000"),
        ("waitress-serve app:app", 8080, "waitress-serve --listen 0.0.0.0:8080 app:app"),
        # getopt stops at the application: the option goes before it, or waitress prints its usage
        ("waitress-serve --call app:make_app", 5000, "waitress-serve --listen 0.0.0.0:5000 --call app:make_app"),
        ("flask run", 5000, "flask run --host 0.0.0.0 --port 5000"),
        ("python -m flask --app app run -h localhost -p 5000", 5000,
         "python -m flask --app app run -h 0.0.0.0 -p 5000"),
        ("flask --app app routes", 5000, "flask --app app routes"),  # not the server
        ("fastapi run app/main.py", 8000, "fastapi run app/main.py --host 0.0.0.0 --port 8000"),
        ("fastapi dev main.py", 8000, "fastapi dev main.py --host 0.0.0.0 --port 8000"),
        ("python manage.py runserver", 8000, "python manage.py runserver 0.0.0.0:8000"),
        ("python manage.py runserver 8001", 8001, "python manage.py runserver 0.0.0.0:8001"),
        ("django-admin runserver 127.0.0.1:8000 --noreload", 8000, "django-admin runserver 0.0.0.0:8000 --noreload"),
        ("datasette serve data.db", 8001, "datasette serve data.db"),  # not a server we know: left as written
        ("uwsgi --module app:app --master", 8000, "uwsgi --module app:app --master --http-socket 0.0.0.0:8000"),
        ("uwsgi --http 127.0.0.1:9000 --module app:app", 9000, "uwsgi --http 0.0.0.0:9000 --module app:app"),
        ("uwsgi --ini uwsgi.ini", 9000, "uwsgi --ini uwsgi.ini"),  # the file says where it listens
        ("python -m aiohttp.web -H localhost -P 8080 app:init", 9000,
         "python -m aiohttp.web -H 0.0.0.0 -P 9000 app:init"),
    ],
)
def test_known_servers_listen_on_every_interface_at_the_port(command: str, port: int, expected: str) -> None:
    argv, changed = servers.listen_on(command.split(), port)
    assert argv == expected.split()
    assert bool(changed) == (argv != command.split())
    assert servers.listen_on(argv, port) == (argv, "")  # idempotent


@pytest.mark.parametrize(
    ("command", "port"),
    [("gunicorn -b 0.0.0.0:5000 app:app", 5000), ("uvicorn m:a --port=7000", 7000), ("flask run -p 5001", 5001),
     ("python manage.py runserver 0.0.0.0:8002", 8002), ("gunicorn app:app", None), ("datasette -p 8001", None)],
)
def test_the_port_a_server_command_states(command: str, port: Optional[int]) -> None:
    assert servers.stated_port(command.split()) == port


@pytest.mark.parametrize(
    ("command", "development", "production"),
    [
        ("python manage.py runserver 0.0.0.0:8000", "`runserver` is Django's development server", None),
        ("flask --app app run --debug", "`flask run` is Flask's development server", None),
        ("fastapi dev main.py", "`fastapi dev` is FastAPI's development server (it reloads on changes)", None),
        ("fastapi run main.py", "", "fastapi run main.py"),
        ("uvicorn main:app --reload --port 8000", "", "uvicorn main:app --port 8000"),
        ("gunicorn --reload app:app", "", "gunicorn app:app"),
        ("python app.py --reload", "", "python app.py --reload"),  # not a server we know: its options are its own
    ],
)
def test_development_servers_are_named_and_development_switches_dropped(command: str, development: str,
                                                                        production: Optional[str]) -> None:
    assert servers.development(command.split()) == development
    if production is not None:
        assert servers.without_development(command.split())[0] == production.split()


def test_each_server_names_the_distributions_that_install_it() -> None:
    assert servers.installed_by(["waitress-serve", "app:app"]) == ("waitress",)
    assert servers.installed_by(["uwsgi", "--ini", "uwsgi.ini"]) == ("uwsgi", "pyuwsgi")
    assert servers.installed_by(["python", "-m", "aiohttp.web", "app:init"]) == ("aiohttp",)
    assert servers.installed_by(["python", "app.py"]) == ()


SERVER_COMMANDS = st.sampled_from([
    "gunicorn app:app", "gunicorn -b 127.0.0.1:5000 app:app", "gunicorn --bind=:7000 app:app -w 2",
    "uvicorn main:app", "uvicorn main:app --host localhost --port 9000", "python -m uvicorn main:app --port=1234",
    "flask --app app run", "flask run -h 127.0.0.1 -p 5001", "fastapi run main.py", "hypercorn main:app -b [::1]:80",
    "python manage.py runserver", "python manage.py runserver 127.0.0.1:8001", "daphne a:b -b 127.0.0.1 -p 8003",
    "waitress-serve --listen=127.0.0.1:8080 app:app",
])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=SERVER_COMMANDS, port=st.one_of(st.none(), st.integers(min_value=1024, max_value=65535)))
def test_property_the_exposed_port_is_the_port_the_command_listens_on(tmp_path_factory, command: str,
                                                                      port: Optional[int]) -> None:
    """Whatever the command says and whatever --port says: EXPOSE names the port the ENTRYPOINT listens on,
    on every interface, or there is no EXPOSE and the command is left alone."""
    root = write(tmp_path_factory.mktemp("server"), FLASK_APP)
    overrides = {"start_command": command, **({"port": port} if port else {})}
    answers = answers_for(only(root), overrides)
    stage = final_stage(render(answers)["Dockerfile"])
    entrypoint = json.loads(next(args for keyword, args in stage if keyword == "ENTRYPOINT"))
    exposed = [args for keyword, args in stage if keyword == "EXPOSE"]
    assert exposed == [f"{answers['port']}/tcp"] or exposed == [str(answers["port"])]
    assert servers.stated_port(entrypoint) == answers["port"]
    assert not any(host in arg for arg in entrypoint for host in ("127.0.0.1", "localhost", "::1"))


def test_a_command_line_program_keeps_its_command_and_exposes_nothing(tmp_path: Path) -> None:
    root = write(tmp_path, FLASK_APP)
    answers = answers_for(only(root), {"start_command": "gunicorn --check-config app:app", "port": "none"})
    dockerfile = render(answers)["Dockerfile"]
    assert "EXPOSE" not in dockerfile
    assert '["gunicorn", "--check-config", "app:app"]' in dockerfile


# -- Procfile: release steps, $PORT, refusals ---------------------------------------------------

@pytest.mark.parametrize(
    ("line", "release", "command"),
    [
        ("flask db upgrade; flask translate compile; gunicorn microblog:app",
         [["flask", "db", "upgrade"], ["flask", "translate", "compile"]], ["gunicorn", "microblog:app"]),
        ("python manage.py migrate && exec gunicorn proj.wsgi", [["python", "manage.py", "migrate"]],
         ["gunicorn", "proj.wsgi"]),
        ("python -c 'print(\"a; b && c\")' ; uvicorn m:a", [["python", "-c", 'print("a; b && c")']],
         ["uvicorn", "m:a"]),
        ("gunicorn app:app", [], ["gunicorn", "app:app"]),
    ],
)
def test_procfile_chains_decompose_into_release_steps_and_the_server(line: str, release: List[List[str]],
                                                                      command: List[str]) -> None:
    web = procfile.decompose(line)
    assert isinstance(web, procfile.WebLine)
    assert (web.release, web.command) == (release, command)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("gunicorn app:app | tee log", "`|`"),
        ("migrate || true; gunicorn app:app", "`||`"),
        ("gunicorn app:app > log 2>&1", "`>`"),
        ("worker & gunicorn app:app", "`&`"),
        ("gunicorn --workers $WEB_CONCURRENCY app:app", "$WEB_CONCURRENCY"),
        ("sh -c 'gunicorn app:app'", "sh -c"),
        ("cd src && gunicorn app:app", "builtin `cd`"),
        ("export X=1; gunicorn app:app", "builtin `export`"),
        ("gunicorn 'app:app", "cannot be split"),
    ],
)
def test_procfile_lines_that_need_a_shell_are_not_guessed(line: str, reason: str) -> None:
    refusal = procfile.decompose(line)
    assert isinstance(refusal, str) and reason in refusal


@pytest.mark.parametrize(
    ("web", "start", "port"),
    [
        ("gunicorn --bind 0.0.0.0:${PORT:-7000} app:app", ["gunicorn", "--bind", "0.0.0.0:7000", "app:app"], 7000),
        ("uvicorn app:app --port $PORT", ["uvicorn", "app:app", "--port", "5000", "--host", "0.0.0.0"], 5000),
        ("gunicorn app:app", ["gunicorn", "app:app", "--bind", "0.0.0.0:5000"], 5000),
        # a development server stated in the Procfile is not what the image runs: the app's production server is
        ("flask db upgrade; flask run --port $PORT", ["gunicorn", "--bind", "0.0.0.0:5000", "app:app"], 5000),
        ("uvicorn app:app --reload --port $PORT", ["uvicorn", "app:app", "--port", "5000", "--host", "0.0.0.0"], 5000),
    ],
)
def test_procfile_server_gets_the_port_and_every_interface(tmp_path: Path, web: str, start: List[str],
                                                           port: int) -> None:
    app = only(write(tmp_path, {**FLASK_APP, "Procfile": f"web: {web}\n"}))
    assert (app.value("start_command"), app.value("port")) == (start, port)


def test_a_procfile_that_needs_a_shell_is_refused_naming_the_flags(tmp_path: Path) -> None:
    root = write(tmp_path, {**FLASK_APP, "Procfile": "web: flask db upgrade | tee log; gunicorn app:app\n"})
    report = detect(root)
    assert [(n.file, "needs a shell (shell syntax `|`)" in n.message) for n in report.warnings] == [("Procfile", True)]
    with pytest.raises(InputError, match=r"shell syntax \(`\|`\).*--cmd"):
        answers_for(report.apps[0], {})
    result = scaffold("new", "--yes", "--dry-run", str(root))
    assert result.returncode == 2 and "--release" in result.stderr and "--cmd" in result.stderr
    fixed = scaffold("new", "--yes", "--dry-run", "--json", "--cmd", "gunicorn app:app", "--release",
                     "flask db upgrade", str(root))
    assert fixed.returncode == 0, fixed.stderr


def test_procfile_release_process_and_chained_steps_keep_their_order(tmp_path: Path) -> None:
    app = only(write(tmp_path, {**FLASK_APP, "Procfile": "release: python manage.py migrate\n"
                                "web: python -c pass && gunicorn app:app\n"}))
    assert app.value("release") == [["python", "manage.py", "migrate"], ["python", "-c", "pass"]]


# -- application objects in packages and factories ----------------------------------------------

def test_a_factory_alone_is_served_by_calling_it(tmp_path: Path) -> None:
    """flaskr-like: pyproject only, `create_app(test_config=None)` in the package, nothing at top level."""
    app = only(write(tmp_path, {
        "pyproject.toml": '[build-system]\nrequires = ["flit_core<4"]\nbuild-backend = "flit_core.buildapi"\n\n'
                          '[project]\nname = "flaskr"\nversion = "1.0"\ndependencies = ["flask", "gunicorn"]\n',
        "flaskr/__init__.py": "import os\nfrom flask import Flask\n\n\ndef create_app(test_config=None):\n"
                              "    app = Flask(__name__)\n    return app\n",
        "flaskr/db.py": "def init_app(app):\n    pass\n",
    }))
    assert app.value("framework") == "flask"
    assert app.value("start_command") == ["gunicorn", "--bind", "0.0.0.0:5000", "flaskr:create_app()"]
    assert app.facts["framework"].evidence is not None and app.facts["framework"].evidence.line == 5


def test_a_factory_needing_arguments_is_not_called_for_the_server(tmp_path: Path) -> None:
    app = only(write(tmp_path, {"requirements.txt": "flask\n",
                                "web/__init__.py": "from flask import Flask\n\ndef create_app(config):\n"
                                                   "    app = Flask(__name__)\n    return app\n"}))
    assert app.value("framework") is None


def test_uvicorn_serves_a_factory_with_the_factory_flag(tmp_path: Path) -> None:
    app = only(write(tmp_path, {"requirements.txt": "fastapi\nuvicorn\n",
                                "svc/__init__.py": "",
                                "svc/api.py": "import fastapi\n\nasync def make() -> fastapi.FastAPI:\n"
                                              "    return fastapi.FastAPI()\n"}))
    assert app.value("start_command") == ["uvicorn", "--factory", "svc.api:make", "--host", "0.0.0.0", "--port",
                                          "8000"]


def test_flask_reached_through_an_extension_is_the_framework(tmp_path: Path) -> None:
    """Flask-SQLAlchemy brings Flask; the project's requirements never name it (nor gunicorn, which is said)."""
    report = detect(write(tmp_path, {"requirements.txt": "Flask-SQLAlchemy\nFlask-WTF\n",
                                     "Procfile": "web: gunicorn app:app --log-file=-\n",
                                     "app.py": "from flask import Flask\napp = Flask(__name__)\n"}))
    (app,) = report.apps
    assert app.value("framework") == "flask"
    assert app.value("start_command") == ["gunicorn", "app:app", "--log-file=-", "--bind", "0.0.0.0:5000"]
    assert [n.message for n in report.warnings][-1].startswith("runs gunicorn, which no dependency installs")


# -- command-line programs and servers of their own ----------------------------------------------

def test_a_console_script_server_with_a_loopback_default_is_reported(tmp_path: Path) -> None:
    """datasette-like: a click CLI that starts uvicorn on --host (default 127.0.0.1) and --port (8001)."""
    root = write(tmp_path, {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
                          '[project]\nname = "serve-db"\nversion = "1"\ndependencies = ["click", "uvicorn"]\n'
                          '[project.scripts]\nserve-db = "serve_db.cli:cli"\n',
        "serve_db/__init__.py": "",
        "serve_db/cli.py": 'import click\nimport uvicorn\n\n\n@click.command()\n@click.option(\n    "-h",\n'
                           '    "--host",\n    default="127.0.0.1",\n)\n@click.option(\n    "-p",\n    "--port",\n'
                           '    default=8001,\n)\ndef cli(host, port):\n    uvicorn.run("serve_db.app:app", host=host,'
                           ' port=port)\n',
    })
    report = detect(root)
    (app,) = report.apps
    assert app.value("kind") is None and app.value("port") == 8001
    assert app.facts["port"].evidence is not None and str(app.facts["port"].evidence) == "serve_db/cli.py:14"
    (notice,) = report.warnings
    assert notice.file == "serve_db/cli.py:9" and "127.0.0.1" in notice.message
    assert "--cmd 'serve-db --host 0.0.0.0 --port 8001'" in notice.message


def test_a_tui_run_call_is_not_a_server(tmp_path: Path) -> None:
    app = only(write(tmp_path, {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
                          '[project]\nname = "viewer"\nversion = "1"\n[project.scripts]\nview = "viewer.main:run"\n',
        "viewer/__init__.py": "",
        "viewer/main.py": "def run():\n    PagerApp.run(title='x')\n",
    }))
    assert (app.value("kind"), app.value("port")) == ("cli", None)


def test_a_script_file_that_serves_is_a_server_and_one_that_prints_is_not(tmp_path: Path) -> None:
    server = only(write(tmp_path / "a", {"requirements.txt": "requests\n",
                                         "main.py": "from http.server import HTTPServer\n"
                                                    "HTTPServer(('', 8088), None).serve_forever()\n"}))
    assert (server.value("kind"), server.value("port")) == (None, 8088)
    tool = only(write(tmp_path / "b", {"requirements.txt": "requests\n", "main.py": "print('hi')\n"}))
    assert (tool.value("kind"), tool.value("port")) == ("cli", None)


# -- what else real repositories do -----------------------------------------------------------

def test_django_settings_chosen_in_code_is_the_settings_module_that_exists(tmp_path: Path) -> None:
    """Azure quickstart: `m = "proj.production" if ... else "proj.settings"`, then setdefault(..., m)."""
    app = only(write(tmp_path, {
        "requirements.txt": "django==5.1\ngunicorn\n",
        "manage.py": "import os\n\n\ndef main():\n    settings_module = 'proj.production' if 'HOST' in os.environ "
                     "else 'proj.settings'\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', settings_module)\n",
        "proj/__init__.py": "",
        "proj/settings.py": "WSGI_APPLICATION = 'proj.wsgi.application'\n",
        "proj/production.py": "from .settings import *\n",
    }))
    fact = app.facts["django_settings"]
    assert (fact.value, str(fact.evidence)) == ("proj.settings", "manage.py:5")
    assert "proj.production" in fact.weak
    assert answers_for(app, {})["django_settings"] == "proj.settings"


def test_fastapi_standard_brings_its_server(tmp_path: Path) -> None:
    app = only(write(tmp_path, {"pyproject.toml": '[project]\nname = "svc"\nversion = "1"\n'
                                                  'dependencies = ["fastapi[standard]>=0.114"]\n',
                                "app/__init__.py": "", "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"}))
    assert app.value("server") == "uvicorn"
    assert app.value("start_command") == ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]


def test_uv_workspace_member_says_its_lock_is_not_used(tmp_path: Path) -> None:
    report = detect(write(tmp_path, {
        "pyproject.toml": '[tool.uv.workspace]\nmembers = ["backend"]\n', "uv.lock": "version = 1\n",
        "backend/pyproject.toml": '[project]\nname = "app"\nversion = "1"\ndependencies = ["fastapi[standard]"]\n',
        "backend/app/__init__.py": "", "backend/app/main.py": "import fastapi\napp = fastapi.FastAPI()\n"}))
    assert [app.root for app in report.apps] == ["backend"]
    assert [(n.file, "uv workspace" in n.message) for n in report.warnings] == [("backend/pyproject.toml", True)]


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ({"requirements.txt": "fastapi\n", "main.py": "from fastapi import FastAPI\napp = FastAPI()\n"},
         "no production server for fastapi (add uvicorn); pass --cmd 'uvicorn main:app --host 0.0.0.0 --port 8000'"),
        ({"requirements.txt": "flask\n", "web.py": "import flask\n"},
         "no flask app object found (top level or factory); pass --cmd 'gunicorn --bind 0.0.0.0:5000 MODULE:APP'"),
    ],
)
def test_no_start_command_says_what_was_found_and_what_to_pass(tmp_path: Path, files: Dict[str, str],
                                                               words: str) -> None:
    root = write(tmp_path, files)
    result = scaffold("new", "--yes", "--dry-run", str(root))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    warning, error = result.stderr.strip().splitlines()
    assert words in warning and "--cmd" in error


def test_included_requirement_files_are_mounted_and_nothing_outside_the_project(tmp_path: Path) -> None:
    root = write(tmp_path, {"svc/requirements.txt": "-r base/common.txt\n-r ../shared.txt\n--constraint=c.txt\n",
                            "svc/base/common.txt": "flask\ngunicorn\n", "svc/c.txt": "werkzeug<4\n", "shared.txt": "click\n",
                            "svc/setup.cfg": "[metadata]\nname = svc\n", "svc/app.py": "from flask import Flask\n"
                                                                         "app = Flask(__name__)\n"})
    report = detect(root)
    (app,) = report.apps
    assert app.value("included_files") == ["base/common.txt", "c.txt"]
    assert [(n.file, "outside the project" in n.message) for n in report.warnings] == [("svc/requirements.txt", True)]
    dockerfile = render(answers_for(app, {}))["Dockerfile"]
    for path in ("requirements.txt", "base/common.txt", "c.txt"):
        assert f"--mount=type=bind,source=svc/{path},target=/app/{path}" in dockerfile
    assert "shared.txt" not in dockerfile
    with pytest.raises(InputError, match="included files"):
        answers_for(app, {"included_files": ["../../etc/passwd"]})


def test_declared_dependencies_are_installed_before_the_sources(tmp_path: Path) -> None:
    """pyproject-only pip projects (sqlite-utils, flaskr): a source change must not reinstall them."""
    root = write(tmp_path, {"setup.cfg": "[metadata]\nname = tool\n\n[options]\ninstall_requires =\n    click>=8\n"
                                         "    tomli; python_version < \"3.11\"\npackages = find:\n",
                            "tool/__init__.py": "", "tool/__main__.py": "print('hi')\n"})
    app = only(root)
    assert app.value("dependencies") == ["click>=8", 'tomli; python_version < "3.11"']
    assert str(app.facts["dependencies"].evidence) == "setup.cfg:5"
    dockerfile = render(answers_for(app, {}))["Dockerfile"]
    install = dockerfile.index("install 'click>=8' 'tomli; python_version < \"3.11\"'")
    assert install < dockerfile.index("COPY . ./") < dockerfile.index("pip --python /app/venv/bin/python install .")


@pytest.mark.parametrize("requirement", ["x @ https://example.invalid/x.whl", "./local", "x'; rm -rf /", "x$(id)",
                                         "x\\\ny", "`id`"])
def test_dependencies_that_are_not_plain_requirements_are_not_written(tmp_path: Path, requirement: str) -> None:
    root = write(tmp_path, {"pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n[project]\nname = "x"\n'
                                              'version = "1"\ndependencies = ["click", ' + json.dumps(requirement) + "]\n"})
    app = only(root)
    assert app.value("dependencies") is None
    with pytest.raises(InputError, match="dependencies"):
        answers_for(app, {"dependencies": ["click", requirement]})


def test_a_setup_cfg_configuring_only_tools_is_not_a_package(tmp_path: Path) -> None:
    """testdriven: setup.cfg holds only [flake8]; `pip install .` would fail on a flat layout of several packages."""
    app = only(write(tmp_path, {"requirements.txt": "fastapi\nuvicorn\n", "setup.cfg": "[flake8]\nmax-line-length = 119\n",
                                "app/__init__.py": "", "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
                                "db/__init__.py": ""}))
    assert app.value("installable") is False
    assert detect(write(tmp_path / "tools-only", {"setup.cfg": "[tool:pytest]\naddopts = -q\n"})).apps == []


def test_a_framework_pinned_older_than_every_python_built_is_said(tmp_path: Path) -> None:
    report = detect(write(tmp_path, {"requirements.txt": "Django==1.10.5\ngunicorn\n",
                                     "manage.py": "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conduit.settings')\n"}))
    assert [(n.file, "django 1.10.5 predates Python 3.9" in n.message) for n in report.warnings] == \
        [("requirements.txt:1", True)]
    pinned = detect(write(tmp_path / "pinned", {"requirements.txt": "Django==1.10.5\n", ".python-version": "3.9\n"}))
    assert pinned.warnings == []
    assert detect(write(tmp_path / "new", {"requirements.txt": "Django==4.2.1\n"})).warnings == []
