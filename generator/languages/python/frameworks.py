"""Python web frameworks as data: how each is served in production, on which port, and what is development only.

One entry per framework, read by one engine (`detect.py`): the first of its production
servers (`servers.SERVERS`) that a dependency installs serves the application object
`apps.py` found; when none is installed, no start command is guessed (a development
server is never one) and the warning names the dependency to add and the --cmd to pass.
A module of the app run as a script counts only when what it starts is not the
framework's development server (`app.run()` is Flask's; `web.run_app` is aiohttp's
production runner).
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional, Tuple


class Framework(NamedTuple):
    """How one framework's applications are served."""

    #: the port its applications listen on by convention
    default_port: int
    #: its production servers (names of `servers.SERVERS`), preferred first; the first is the one to add
    servers: Tuple[str, ...]
    #: how its development server is started (named in the warning), never what the image runs
    development: str
    #: calls in code that start its development server (a script calling one is not a start command)
    development_calls: Optional["re.Pattern[str]"] = None
    #: how its application class is called (apps.py finds the object, a factory's too); "" : found otherwise
    #: (Django: manage.py and WSGI_APPLICATION)
    app_class: str = ""


#: in the order the application objects are looked for (FastAPI before Starlette, which it is made of)
FRAMEWORKS = {
    "django": Framework(8000, ("gunicorn", "uwsgi", "waitress-serve"), "manage.py runserver"),
    "fastapi": Framework(8000, ("uvicorn", "hypercorn"), "fastapi dev, uvicorn --reload",
                         app_class=r"(?:fastapi\.)?FastAPI\("),
    "flask": Framework(5000, ("gunicorn", "uwsgi", "waitress-serve"), "flask run, app.run()",
                       re.compile(r"\b(?:app\.run|run_simple)\s*\("), app_class=r"(?:flask\.)?Flask\("),
    "starlette": Framework(8000, ("uvicorn", "hypercorn"), "uvicorn --reload",
                           app_class=r"(?:starlette\.applications\.)?Starlette\("),
    # aiohttp is its own server: `python -m aiohttp.web` runs a factory, `web.run_app` an application object
    "aiohttp": Framework(8080, ("aiohttp.web",), "adev runserver", app_class=r"(?:aiohttp\.)?web\.Application\("),
    # Flask's API over ASGI: it depends on hypercorn (servers.py), its development server is `quart run`
    "quart": Framework(5000, ("hypercorn", "uvicorn"), "quart run, app.run()", re.compile(r"\bapp\.run\s*\("),
                       app_class=r"(?:quart\.)?Quart\("),
}

#: arguments of a call in code that make any server a development one (a debugger, a reloader)
DEVELOPMENT_ARGUMENT = re.compile(r"\b(?:debug|reload|use_reloader|use_debugger)\s*=\s*True\b")


class Migrations(NamedTuple):
    """How one migration tool is run before the app: what makes it apply (migrations.py reads this)."""

    #: the framework the app must be ("" : any)
    framework: str
    #: one of these must be a dependency (PEP 503 names; empty: the framework's is enough)
    dependencies: Tuple[str, ...]
    #: the release step; APP stands for the application object (`flask --app`)
    argv: Tuple[str, ...]
    #: what applies it, for the evidence shown by `detect`
    what: str


#: migration tools, one entry each, tried in order; an app gets the first that applies
MIGRATIONS = {
    # a configured database: DATABASES with a real ENGINE, or a URL read by dj-database-url / django-environ
    "django": Migrations("django", (), ("python", "manage.py", "migrate", "--noinput"), "Django with a database"),
    # Flask-Migrate keeps its alembic.ini inside migrations/ and runs it through the flask command
    "flask-migrate": Migrations("flask", ("flask-migrate",), ("flask", "--app", "APP", "db", "upgrade"),
                                "Flask-Migrate and its migrations/ folder"),
    # plain Alembic: alembic.ini at the project root naming its script folder
    "alembic": Migrations("", ("alembic", "flask-migrate"), ("alembic", "upgrade", "head"),
                          "alembic.ini and its migrations folder"),
}


def development_call(framework: Optional[str], line: str) -> str:
    """Why the call on `line` starts a development server ("" : it does not)."""
    entry = FRAMEWORKS.get(framework or "")
    if entry and entry.development_calls and entry.development_calls.search(line):
        return f"{framework}'s development server ({entry.development})"
    argument = DEVELOPMENT_ARGUMENT.search(line)
    return f"a development server ({argument.group(0)})" if argument else ""
