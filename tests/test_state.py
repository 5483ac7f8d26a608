"""The folders an app writes, detected with evidence (generator/state/paths.py), and what they become."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Dict

import pytest

from generator.detect import detect
from generator.runtime import runtime_for
from generator.validate import resolve_answers
from tests.helpers import FIXTURES, copy_fixture


def project(tmp_path: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


GO_MOD = "module example.com/app\n\ngo 1.22\n"
GO_MAIN = 'package main\n\nimport (\n\t"database/sql"\n\t"net/http"\n\t"os"\n)\n\nfunc main() {\n{body}\n' \
          '\thttp.ListenAndServe(":8080", nil)\n}\n'


#: what these minimal apps do not state, given as a flag would
NEEDED: Dict[str, Dict[str, str]] = {"go": {}, "python": {"start_command": "gunicorn site.wsgi"},
                                     "java": {"main_class": "com.example.App"}}


@pytest.mark.parametrize("files,data,writable,evidence", [
    ({"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", '\tdb, _ := sql.Open("sqlite3", "data/app.db")\n\t_ = db')},
     ["data"], None, "main.go:10"),
    ({"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", '\tos.MkdirAll(filepath.Join("state", "x"), 0o700)'),
      "main_test.go": 'package main\n\nfunc init() { os.MkdirAll("fixtures", 0o700) }\n'},
     ["state"], None, "main.go:10"),
    # GORM 1 names the driver, GORM 2 its own sqlite.Open
    ({"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", '\tdb, _ := gorm.Open("sqlite3", "var/gorm.db")')},
     ["var"], None, "main.go:10"),
    ({"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", '\tdb, _ := sql.Open("sqlite3", "/tmp/cache/x.db")\n'
                                                            '\tgorm.Open("sqlite3", "/srv/app.db")')},
     ["/srv"], None, "main.go:11"),  # /tmp is writable already
    ({"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", '\tdb, _ := gorm.Open(sqlite.Open("store/app.db?_fk=1"), '
                                                            '&gorm.Config{})')},
     ["store"], None, "main.go:10"),
    ({"requirements.txt": "flask\n", "app.py": "from flask import Flask\napp = Flask(__name__)\n"
      'app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///var/app.db"\napp.config["UPLOAD_FOLDER"] = "uploads"\n'},
     ["var", "uploads"], None, "app.py:3"),
    ({"requirements.txt": "django\n", "site/settings.py": "DATABASES = {'default': {'ENGINE': 'x', "
      "'NAME': BASE_DIR / 'data' / 'db.sqlite3'}}\nMEDIA_ROOT = BASE_DIR / 'media'\n"},
     ["data", "media"], None, "site/settings.py:1"),
    ({"pom.xml": "<project><artifactId>app</artifactId></project>",
      "src/main/resources/application.properties": "spring.datasource.url=jdbc:h2:file:./db/app\n"
      "logging.file.name=logs/app.log\nother.path=${HOME}/x\n"},
     ["db"], ["logs"], "src/main/resources/application.properties:1"),
])
def test_folders_the_app_writes_are_detected_with_their_evidence(tmp_path, files, data, writable, evidence):
    (app,) = [a for a in detect(project(tmp_path, files)).apps]
    assert app.value("data") == data and app.value("writable") == writable
    assert str(app.facts["data"].evidence) == evidence
    answers = resolve_answers(app, NEEDED[app.language]).values
    kept = [w.path for w in runtime_for(answers).volumes]
    assert kept == [posixpath.join("/app", folder) for folder in data]


@pytest.mark.parametrize("settings,data", [
    # a folder variable made from __file__ (Path or os.path), or from another one, read with an environment default
    ("from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
     "MEDIA_ROOT = os.environ.get('MEDIA_ROOT', BASE_DIR / 'uploads')\n", ["uploads"]),
    ("HERE = 1\nAPP_DIR = os.path.dirname(os.path.abspath(__file__))\nMEDIA_ROOT = os.path.join(APP_DIR, 'files')\n",
     ["site/files"]),
    ("SRC_DIR = os.path.dirname(os.path.abspath(__file__))\nTOP_DIR = os.path.dirname(SRC_DIR)\n"
     "MEDIA_ROOT = os.path.join(TOP_DIR, 'media')\n", ["media"]),
    # made some other way: nothing to read
    ("DATA_DIR = env('DATA_DIR')\nMEDIA_ROOT = os.path.join(DATA_DIR, 'media')\n", None),
], ids=["pathlib-env-default", "own-folder", "chained", "unreadable"])
def test_media_root_follows_the_folder_variable_the_settings_define(tmp_path, settings, data):
    files = {"requirements.txt": "django\n", "site/settings.py": "import os\n" + settings}
    (app,) = detect(project(tmp_path, files)).apps
    assert app.value("data") == data


def test_a_split_settings_package_keeps_uploads_where_its_project_folder_is(tmp_path):
    """MEDIA_ROOT = os.getenv("MEDIA_ROOT", os.path.join(PROJECT_DIR, "media")), PROJECT_DIR two folders above
    gallery/settings/base.py: the uploads are gallery/media, kept in a volume."""
    root = copy_fixture("python/django-media-root", tmp_path)
    (app,) = detect(root).apps
    assert app.value("data") == ["gallery/media"]
    assert str(app.facts["data"].evidence) == "gallery/settings/base.py:16"
    answers = resolve_answers(app, {}).values
    assert [w.path for w in runtime_for(answers).volumes] == ["/app/gallery/media"]


@pytest.mark.parametrize("code,data,writable", [
    ('os.makedirs(os.path.join("var", "cache"), exist_ok=True)\n', ["var"], None),
    ('handler = logging.FileHandler("log/app.log")\n', None, ["log"]),
    ('handler = TimedRotatingFileHandler(filename="/var/log/app/app.log")\n', None, ["/var/log/app"]),
    ('os.makedirs(LOG_DIR)\nlogging.FileHandler(f"{LOG_DIR}/x.log")\n', None, None),  # expressions: nothing to read
])
def test_python_folders_made_at_start_and_log_files(tmp_path, code, data, writable):
    files = {"requirements.txt": "flask\n", "app.py": "import logging, os\nfrom flask import Flask\n"
             "app = Flask(__name__)\n" + code}
    (app,) = detect(project(tmp_path, files)).apps
    assert app.value("data") == data and app.value("writable") == writable


def test_a_flask_app_logging_into_a_folder_it_makes_gets_it_writable(tmp_path):
    """os.mkdir("logs") then RotatingFileHandler("logs/app.log"): on a read-only root the app failed to boot
    (OSError: Read-only file system: 'logs'); the image now makes logs/ the app's, in a volume."""
    root = copy_fixture("python/flask-log-folder", tmp_path)
    (app,) = detect(root).apps
    assert app.value("data") == ["logs"] and app.value("writable") is None
    assert str(app.facts["data"].evidence) == "app.py:12"
    assert [w.path for w in runtime_for(resolve_answers(app, {}).values).volumes] == ["/app/logs"]


def test_an_example_env_file_makes_compose_read_the_persons_own(tmp_path):
    root = project(tmp_path, {"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", ""), ".env.sample": "KEY=\n",
                              "svc/go.mod": GO_MOD.replace("app", "svc"), "svc/main.go": GO_MAIN.replace("{body}", "")})
    apps = {app.root: app for app in detect(root).apps}
    assert str(apps["."].facts["env_file"].evidence) == ".env.sample" and "env_file" not in apps["svc"].facts
    assert resolve_answers(apps["."], {}).values["env_file"] is True
    assert resolve_answers(apps["svc"], {}).values["env_file"] is False


@pytest.mark.parametrize("files,where", [
    ({"requirements.txt": "flask\n", "app.py": 'URI = "sqlite:///app.db"\nOTHER = "sqlite:///${DIR}/x.db"\n'},
     ("app.py", "own folder")),
    ({"requirements.txt": "django\n", "site/settings.py": "DATABASES = {'default': {'ENGINE': 'x', "
      "'NAME': BASE_DIR / 'db.sqlite3'}}\n"}, ("site/settings.py", "own folder")),
    ({"requirements.txt": "flask\n", "app.py": 'URI = "sqlite:///../up.db"\n'}, ("app.py", "outside the app's folder")),
    ({"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", '\tdb, _ := gorm.Open("sqlite3", "./../gorm.db")')},
     ("main.go", "outside the app's folder")),
])
def test_a_database_in_the_app_folder_or_above_it_is_a_warning_not_a_writable_app(tmp_path, files, where):
    report = detect(project(tmp_path, files))
    (app,) = report.apps
    assert app.value("data") is None
    assert [(w.file, where[1] in w.message) for w in report.warnings] == [(where[0], True)]


def test_an_in_memory_sqlite_database_is_no_file_to_keep():
    """SQLAlchemy's sqlite:///:memory: names no file: no warning about the app's folder, no data folder."""
    report = detect(FIXTURES / "python" / "flask-sqlite-memory")
    (app,) = report.apps
    assert app.value("data") is None and app.value("writable") is None
    assert report.warnings == []


@pytest.mark.parametrize("files", [
    {"requirements.txt": "flask\n", "app.py": 'A = "sqlite://"\nB = "sqlite+pysqlite:///:memory:"\n'
     'C = "sqlite:///file:mem?mode=memory&cache=shared&uri=true"\n'},
    {"requirements.txt": "django\n", "site/settings.py": "DATABASES = {'default': {'ENGINE': "
     "'django.db.backends.sqlite3', 'NAME': ':memory:'}}\n"},
    {"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", '\tsql.Open("sqlite3", ":memory:")\n'
     '\tgorm.Open(sqlite.Open("file::memory:?cache=shared"), &gorm.Config{})\n'
     '\tsql.Open("sqlite", "file:cache?mode=memory&cache=shared")')},
    {"pom.xml": "<project><artifactId>app</artifactId></project>",
     "src/main/resources/application.properties": "spring.datasource.url=jdbc:sqlite::memory:\n"},
], ids=["sqlalchemy", "django", "go", "java"])
def test_in_memory_sqlite_urls_name_no_folder(tmp_path, files):
    report = detect(project(tmp_path, files))
    (app,) = report.apps
    assert app.value("data") is None and app.value("writable") is None
    assert report.warnings == []


VIPER = ('\tviper.AddConfigPath("$HOME/.todo")\n\tviper.AddConfigPath("configs")\n\tviper.SetConfigName("config")\n'
         '\tviper.ReadInConfig()')


@pytest.mark.parametrize("files,config,evidence", [
    ({"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", VIPER), "configs/config.yml": "port: 8000\n"},
     "configs/config.yml", "main.go:12"),
    ({"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", '\tviper.SetConfigFile("settings.toml")'),
      "settings.toml": "port = 8000\n"}, "settings.toml", "main.go:10"),
    # a file the repository does not have is the person's to give (--config-file)
    ({"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", VIPER)}, None, None),
    ({"go.mod": GO_MOD, "main.go": GO_MAIN.replace("{body}", '\tviper.SetConfigFile("../shared.yml")'),
      "../shared.yml": "x: 1\n"}, None, None),
])
def test_the_config_file_a_go_program_reads_is_baked_and_mounted(tmp_path, files, config, evidence):
    """The Go image holds the binary alone: the file viper looks for beside the working directory goes in /app."""
    root = project(tmp_path / "repo", files)
    (app,) = detect(root).apps
    assert app.value("config_file") == config
    if config is None:
        return
    assert str(app.facts["config_file"].evidence) == evidence
    mount = runtime_for(resolve_answers(app, {}).values).config
    assert mount is not None and (mount.source, mount.target) == (config, f"/app/{config}")
    from tests.helpers import scaffold

    assert scaffold("new", "--yes", str(root)).returncode == 0
    dockerfile = (root / "Dockerfile").read_text()
    assert f"COPY --from=build --chown=0:0 --chmod=0444 /src/{config} /app/{config}\nWORKDIR /app\n" in dockerfile


def test_which_patterns_apply_to_a_file_is_decided_once_per_file_not_per_line(monkeypatch):
    """A file's name decides which state patterns it is read with: on a large repository the check per line
    (hundreds of thousands of glob matches) made detection take many seconds."""
    from generator.state import paths

    calls = []
    real = paths._matches

    def counted(rel, globs):
        calls.append(rel)
        return real(rel, globs)

    monkeypatch.setattr(paths, "_matches", counted)
    report = detect(FIXTURES / "go/data-folder")
    lines = len((FIXTURES / "go/data-folder/main.go").read_text().splitlines())
    assert report.apps[0].value("data") and 0 < len(calls) < lines
