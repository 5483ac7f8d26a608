"""The release step a Python app's framework implies: its database migrations, run once before the app.

One engine for the table `frameworks.MIGRATIONS`: Django's `migrate` when its settings configure a
database, Flask-Migrate's `db upgrade` when it is a dependency and migrations/ exists, Alembic's
`upgrade head` when alembic.ini names a script folder that exists. Each found step is the `release`
fact with the line that implies it as evidence; a Procfile's release steps, being stated, come first
(detect.py sets none of these then), and `--release ''` turns it off.
"""

from __future__ import annotations

import posixpath
import re
from typing import Dict, List, NamedTuple, Optional, Tuple

from generator.detect.model import Evidence
from generator.detect.walker import Repo, parent_dir
from generator.languages.python.frameworks import MIGRATIONS

#: a Django settings line that configures a database: a real ENGINE (the default, `dummy`, is none),
#: a URL read by dj-database-url or django-environ, or the DATABASE_URL variable
DJANGO_DATABASE = re.compile(
    r"""["']ENGINE["']\s*:\s*(?!["'][\w.]*\.dummy["'])[^\s]"""
    r"""|\bdj_database_url\.(?:config|parse)\s*\(|\benv\.db(?:_url)?\s*\(|["']DATABASE_URL["']""")
#: alembic.ini's script folder (`%(here)s/` is the file's own folder)
SCRIPT_LOCATION = re.compile(r"^\s*script_location\s*=\s*(?:%\(here\)s/)?([\w./-]+)\s*$")
#: the file every Alembic (and Flask-Migrate) migrations folder holds
ENV_FILE = "env.py"


class Project(NamedTuple):
    """What the engine reads of one detected project (detect.py fills it)."""

    repo: Repo
    #: the project directory, repository-relative ("." for the root)
    root: str
    #: runtime dependency names (PEP 503) and where each is declared
    deps: Dict[str, Evidence]
    #: the framework detection found ("" : none)
    framework: str
    #: the application object ("app:app", "app:create_app()"; "" : not found)
    target: str
    #: the Django settings module ("mysite.settings"; "" : unknown)
    settings: str

    def path(self, local: str) -> str:
        return local if self.root == "." else f"{self.root}/{local}"


def release(project: Project) -> Optional[Tuple[List[str], Evidence]]:
    """The first migration step of the table that applies, with its evidence; None when none does."""
    for tool, entry in MIGRATIONS.items():
        if entry.framework and entry.framework != project.framework:
            continue
        if entry.dependencies and not any(name in project.deps for name in entry.dependencies):
            continue
        evidence = FINDERS[tool](project)
        if evidence is not None:
            argv = [project.target if word == "APP" else word for word in entry.argv]
            return argv, evidence
    return None


def _django(project: Project) -> Optional[Evidence]:
    """The line of the settings (the module and the files beside it) that configures a database."""
    if not project.settings:
        return None
    module = project.settings.replace(".", "/")
    candidates = [project.path(f"{module}.py"), project.path(f"{module}/__init__.py")]
    settings = next((rel for rel in candidates if project.repo.is_file(rel)), None)
    if settings is None:
        return None
    folder = parent_dir(settings)
    siblings = sorted(rel for rel in project.repo.files(folder) if parent_dir(rel) == folder
                      and rel.endswith(".py") and rel != settings)
    for rel in [settings, *siblings]:
        hit = project.repo.find_line(rel, DJANGO_DATABASE)
        if hit:
            return hit[1]
    return None


def _flask_migrate(project: Project) -> Optional[Evidence]:
    """The Flask-Migrate dependency, when migrations/ holds its env.py and the app object is known."""
    if not project.target or not project.repo.is_file(project.path(f"migrations/{ENV_FILE}")):
        return None
    return project.deps.get("flask-migrate")


def _alembic(project: Project) -> Optional[Evidence]:
    """alembic.ini's script_location line, when that folder holds env.py inside the project."""
    ini = project.path("alembic.ini")
    hit = project.repo.find_line(ini, SCRIPT_LOCATION)
    if not hit:
        return None
    folder = posixpath.normpath(hit[0].group(1))
    if folder.startswith(("..", "/")) or not project.repo.is_file(project.path(f"{folder}/{ENV_FILE}")):
        return None
    return hit[1]


#: how each entry of the table is recognised (a test keeps the two in step)
FINDERS = {"django": _django, "flask-migrate": _flask_migrate, "alembic": _alembic}
