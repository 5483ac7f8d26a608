"""What the repository states (Dockerfiles, compose, platform files, manifests, process managers) ranks
above the code heuristics; each fact says its source and keeps the runners-up; bad statements are dropped."""

from __future__ import annotations

import json
import os

import pytest

from generator.detect import detect
from generator.detect.stated import dockerfile
from generator.languages import by_name
from tests.helpers import FIXTURES, copy_fixture, scaffold

#: fixture -> answer -> (value, source, stating file, the runner-up values)
WINNERS = {
    "go/stated-dockerfile": {"port": (9090, "dockerfile", "docker/Dockerfile", [8080]),
                             "args": (["serve"], "dockerfile", "docker/Dockerfile", []),
                             "version": ("1.23", "dockerfile", "docker/Dockerfile", ["1.22"])},
    "go/stated-parent": {"port": (7070, "dockerfile", "Dockerfile.gateway", [8080]),
                         "port_setting": ("LISTEN_ADDR=0.0.0.0:PORT", "dockerfile", "Dockerfile.gateway", [])},
    "python/stated-compose": {"port": (8000, "compose", "docker-compose.yml", [5000]),
                              "start_command": (["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "app:app"],
                                                "compose", "docker-compose.yml",
                                                [["gunicorn", "--bind", "0.0.0.0:5000", "app:app"]])},
    "python/stated-fly": {"port": (8081, "platform", "fly.toml", [8000])},
    "python/stated-render": {"port": (10000, "platform", "render.yaml", [5000])},
    "go/stated-procfile": {"port": (5005, "platform", "Procfile", [8080]),
                           "args": (["-quiet"], "platform", "Procfile", [])},
    "java/stated-k8s": {"port": (8085, "kubernetes", "deploy/k8s/deployment.yaml", [8080])},
    # a lone app's manifests beside its database's: the official image's port is only a runner-up
    "java/stated-k8s-database": {"port": (8085, "kubernetes", "deploy/k8s/deployment.yaml", [5432, 8080])},
    "java/stated-helm": {"port": (8086, "kubernetes", "charts/billing/values.yaml", [8080])},
    "go/stated-systemd": {"port": (7100, "process", "deploy/meter.service", [8080]),
                          "port_setting": ("-addr=0.0.0.0:PORT", "process", "deploy/meter.service",
                                           ["--addr=0.0.0.0:PORT"])},
    "go/stated-entrypoint": {"port": (7200, "process", "docker-entrypoint.sh", [8080])},
    # `go build -tags "pam release" -ldflags "... -X main.edition=oss -X 'main.commit=$(git ...)'"`: pam needs cgo
    "go/stated-build-tags": {"tags": (["release"], "dockerfile", "docker/Dockerfile", []),
                             "ldflags": (["main.edition=oss"], "dockerfile", "docker/Dockerfile", [])},
    # DB_PORT in the app's compose environment is where its database listens, not a setting of its own
    "go/stated-compose-db": {"port": (7300, "compose", "docker-compose.yml", [8080])},
    "go/stated-goreleaser": {"tags": (["netgo", "osusergo"], "process", ".goreleaser.yml", [["timetzdata"]])},
    # `java -jar -XX:+UseZGC ... ticker.jar --mode web`: JVM options after -jar are the launcher's, not the program's
    "java/stated-jvm-options": {"args": (["--mode", "web"], "dockerfile", "docker/Dockerfile", [])},
    # `python /venv/bin/ledger`: the old image's virtualenv runs the project's console script, which the new one has
    "python/stated-venv-script": {"start_command": (["ledger", "--bind", "0.0.0.0:6100"], "dockerfile", "Dockerfile.prod",
                                                    [["ledger"]])},
    # `uvicorn main:app --reload` in a Dockerfile: the server is the statement, its reloader is development only
    "python/stated-dockerfile-reload": {"start_command": (["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8001"],
                                                          "dockerfile", "Dockerfile.prod",
                                                          [["uvicorn", "main:app", "--host", "0.0.0.0", "--port",
                                                            "8000"]])},
    # `dockerfile: docker/${FLAVOUR:-dev}.Dockerfile` with FLAVOUR=prod in the .env beside it: the one compose builds
    "python/stated-compose-env": {"version": ("3.12", "dockerfile", "docker/prod.Dockerfile", ["3.11"]),
                                  "start_command": (["gunicorn", "--bind", "0.0.0.0:8100", "--workers", "4", "app:app"],
                                                    "dockerfile", "docker/prod.Dockerfile",
                                                    [["gunicorn", "--bind", "0.0.0.0:8100", "--workers", "1",
                                                      "--log-level", "debug", "app:app"],
                                                     ["gunicorn", "--bind", "0.0.0.0:5000", "app:app"]])},
    # `command: bin/serve.sh`: the script's last command, its variables' defaults and the old image's path put in
    "python/stated-compose-script": {"start_command": (["gunicorn", "-c", "conf/gunicorn.conf.py", "ledger.web:app"],
                                                       "compose", "bin/serve.sh",
                                                       [["gunicorn", "--bind", "0.0.0.0:5000", "ledger.web:app"]])},
    # ENTRYPOINT a script ending in `exec "$@"`: the script hands over to CMD, which is what the image runs
    "python/stated-entrypoint-args": {"start_command": (["python", "watcher.py", "-d", "/data"], "dockerfile",
                                                        "Dockerfile.prod", []),
                                      "port": (7400, "dockerfile", "Dockerfile.prod", [])},
}


@pytest.mark.parametrize("fixture", sorted(WINNERS))
def test_a_statement_wins_over_the_heuristics_and_keeps_the_runners_up(fixture):
    report = detect(FIXTURES / fixture)
    (app,) = report.apps
    for key, (value, source, file, runners) in WINNERS[fixture].items():
        fact = app.facts[key]
        assert (fact.value, fact.source, fact.evidence.file) == (value, source, file), key
        assert [runner.value for runner in fact.alternatives] == runners, key
        assert json.loads(json.dumps(fact.to_json()))["source"] == source


def test_the_language_s_own_reading_of_the_same_file_stands():
    """Python reads its Procfile knowing the server (gunicorn's --bind): the generic reading does not replace it."""
    app = detect(FIXTURES / "python/procfile-chain").apps[0]
    assert app.facts["start_command"].source == "" and "--bind" in app.facts["start_command"].value


def test_a_version_file_only_fills_in_what_the_build_file_does_not_say():
    app = detect(FIXTURES / "java/gradle-kotlin").apps[0]
    version = app.facts["version"]
    assert (version.value, version.evidence.file) == ("17", "build.gradle.kts")
    assert [(a.value, a.evidence.file, a.source) for a in version.alternatives] == [("21", ".java-version", "platform")]


def test_plain_detect_shows_the_source_the_runners_up_and_guesses():
    out = scaffold("detect", str(FIXTURES / "go/stated-dockerfile")).stdout
    assert "port               9090  [docker/Dockerfile:10] (dockerfile)" in out
    assert "runner-up: 8080  [cmd/relay/main.go:13]" in out
    guessed = scaffold("detect", str(FIXTURES / "go/stated-parent")).stdout
    assert "runner-up: 8080  (a guess: no file states it)" in guessed


def test_new_yes_warns_about_a_guessed_port_naming_the_flag(tmp_path):
    project = copy_fixture("go/stated-procfile", tmp_path)
    result = scaffold("new", "--yes", "--dry-run", str(project))
    assert result.returncode == 0
    assert "port 5005 is a guess (the default of `$PORT`, which the platform sets, Procfile:1): set it with --port" \
        in result.stderr
    flagged = scaffold("new", "--yes", "--dry-run", "--port", "6000", str(project))
    assert "is a guess" not in flagged.stderr


def test_a_stated_listen_option_becomes_the_port_setting_so_the_port_flag_moves_it(tmp_path):
    project = copy_fixture("go/stated-dockerfile", tmp_path)
    result = scaffold("new", "--yes", "--dry-run", "--port", "9300", str(project))
    assert 'ENTRYPOINT ["/usr/local/bin/relay", "serve", "--listen=0.0.0.0:9300"]' in result.stdout
    assert "EXPOSE 9300" in result.stdout


def test_adopt_and_detect_read_a_dockerfile_through_one_reader(tmp_path):
    """The values `adopt --file deploy/Dockerfile` takes are the ones detection ranks first."""
    project = copy_fixture("python/stated-shell", tmp_path)
    name = "deploy/Dockerfile"
    reader = dockerfile.Reader(project, name, dockerfile.read(project, name))
    adopted = {key: stated.value for key, stated in reader.stated(by_name("python"), ".").items()}
    app = detect(project).apps[0]
    assert adopted == {"port": 5050, "version": "3.12"}
    assert {key: app.facts[key].value for key in adopted} == adopted


# -- hostile statements: dropped with a notice naming the file, nothing unvalidated reaches a file -----------


def test_a_cmd_that_needs_a_shell_is_dropped_naming_the_line(tmp_path):
    project = copy_fixture("python/stated-shell", tmp_path)
    report = detect(project)
    assert [(n.file, "6: the start command runs a shell" in n.message) for n in report.warnings] == \
        [("deploy/Dockerfile", True)]
    result = scaffold("new", "--yes", "--dry-run", str(project))
    assert "/pwned" not in result.stdout and '"sh"' not in result.stdout


def test_a_yaml_bomb_in_a_compose_file_is_refused(tmp_path):
    project = copy_fixture("python/stated-compose", tmp_path)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 10)]
    (project / "docker-compose.yml").write_text("\n".join(lines) + "\nservices:\n  web:\n    build: .\n"
                                                "    ports: [*a9]\n")
    report = detect(project)
    assert any(n.file == "docker-compose.yml" and "aliases" in n.message for n in report.warnings)
    assert report.apps[0].facts["port"].value == 5000  # the heuristics', nothing from the bomb


def test_a_dockerfile_link_pointing_outside_the_repository_is_not_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text("FROM python:3.12\nEXPOSE 4444\n")
    project = copy_fixture("python/stated-compose", tmp_path / "in")
    os.symlink(outside / "Dockerfile", project / "Dockerfile")
    (project / "docker").mkdir()
    (project / "docker" / "Dockerfile").write_text("FROM python:3.12\nEXPOSE 7000\n")
    (project / "docker-compose.yml").unlink()
    assert detect(project).apps[0].facts["port"].value == 7000


def test_a_huge_dockerfile_is_not_read(tmp_path):
    project = copy_fixture("python/stated-compose", tmp_path)
    (project / "docker-compose.yml").unlink()
    with open(project / "Dockerfile", "wb") as handle:
        handle.write(b"FROM python:3.12\nEXPOSE 4444\n")
        handle.truncate(100 << 20)  # 100 MB, sparse
    report = detect(project)
    assert any(n.file == "Dockerfile" and "larger than" in n.message for n in report.warnings)
    assert report.apps[0].facts["port"].value == 5000


def test_a_port_out_of_range_is_dropped_naming_the_line(tmp_path):
    project = copy_fixture("python/stated-compose", tmp_path)
    (project / "docker-compose.yml").unlink()
    (project / "Dockerfile").write_text("FROM python:3.12\nEXPOSE 99999\n")
    report = detect(project)
    (notice,) = [n.message for n in report.warnings if n.file == "Dockerfile"]
    assert notice.startswith("line 2: port not used (must be a port number from 1 to 65535") and "99999" in notice
    assert report.apps[0].facts["port"].value == 5000


def test_an_env_value_with_a_line_break_never_reaches_a_file(tmp_path):
    project = copy_fixture("python/stated-compose", tmp_path)
    (project / "docker-compose.yml").write_text(
        'services:\n  web:\n    build: .\n    environment:\n'
        '      DJANGO_SETTINGS_MODULE: "site.settings\\nRUN rm -rf /pwned"\n'
        '      LISTEN_ADDR: "0.0.0.0:7000\\nEXPOSE 22"\n'
        '    command: ["gunicorn", "app:app\\nUSER root"]\n')
    report = detect(project)
    dropped = [n.message for n in report.warnings if n.file == "docker-compose.yml"]
    assert any(message.startswith("line 5: django settings not used (contains a control character") for message in dropped)
    assert any(message.startswith("line 7: start command not used (each argument must be text") for message in dropped)
    result = scaffold("new", "--yes", "--dry-run", str(project))
    assert result.returncode == 0
    assert "/pwned" not in result.stdout and "USER root" not in result.stdout and "EXPOSE 22" not in result.stdout


def test_a_dockerfile_under_build_is_found_though_the_listing_skips_build(tmp_path):
    """build/package/Dockerfile (a common Go layout) is read by a walk of its own, which follows no link."""
    project = copy_fixture("go/stated-dockerfile", tmp_path)
    (project / "build" / "package").mkdir(parents=True)
    (project / "docker" / "Dockerfile").rename(project / "build" / "package" / "Dockerfile")
    outside = tmp_path / "outside.Dockerfile"
    outside.write_text("FROM golang:1.24\nEXPOSE 4444\n")
    os.symlink(outside, project / "build" / "package" / "a.Dockerfile")
    port = detect(project).apps[0].facts["port"]
    assert (port.value, port.evidence.file) == (9090, "build/package/Dockerfile")


def test_a_dockerfile_of_one_of_several_apps_in_a_directory_states_for_that_app_only(tmp_path):
    """Two main packages of one module: the Dockerfile that runs `api` says nothing about `worker`."""
    project = copy_fixture("go/cmd-multi", tmp_path)
    (project / "Dockerfile").write_text('FROM golang:1.23 AS b\nWORKDIR /s\nCOPY . .\nRUN go build -o /out/api '
                                        './cmd/api\nFROM scratch\nCOPY --from=b /out/api /api\nEXPOSE 9999\n'
                                        'ENTRYPOINT ["/api"]\n')
    apps = {app.name: app for app in detect(project).apps}
    assert (apps["api"].facts["port"].value, apps["api"].facts["port"].source) == (9999, "dockerfile")
    assert (apps["worker"].facts["port"].value, apps["worker"].facts["port"].source) == (8081, "")


@pytest.mark.parametrize("argv,port", [
    (["app", "--metrics-port", "9100", "--port", "8000"], 8000),
    (["app", "--max-http-header-size", "8192"], None),
    (["app", "--http-port=7000"], 7000),
])
def test_only_an_option_that_says_where_the_app_listens_gives_the_port(argv, port):
    from generator.detect.stated.commands import listen

    assert listen(argv, movable=False)[1] == port


@pytest.mark.parametrize("line,package", [
    ("\tgo run ./cmd/api", "./cmd/api"),
    ("\t@go build -tags netgo -o bin/api ./cmd/api/", "./cmd/api/"),
    ("\tgo run main.go", None),
    ("\tgo test ./...", None),
])
def test_a_makefile_recipe_names_the_package_it_runs(line, package):
    from generator.detect.stated.processes import MAKE_RUN

    match = MAKE_RUN.match(line)
    assert (match.group("package") if match else None) == package


def test_a_build_tag_that_needs_cgo_is_dropped_naming_the_file():
    report = detect(FIXTURES / "go/stated-build-tags")
    assert [(w.file, w.message) for w in report.warnings if "build tag" in w.message] == [
        ("docker/Dockerfile", "line 4: build tag pam not used: auth_pam.go, built under it, needs cgo, which the static "
                       "build leaves out")]


@pytest.mark.parametrize("line, tags, ldflags", [
    ("CGO_ENABLED=0 go build -tags=netgo,osusergo -o app . && strip app", ["netgo", "osusergo"], None),
    ("go build -ldflags=-X=main.mode=web ./cmd/app", None, ["main.mode=web"]),
    ("go build -tags $(TAGS) -ldflags \"-X main.version=${VERSION}\" .", None, None),  # the build computes them
    ("go build -ldflags '-X main.tier={{ .Env.TIER }}' .", None, None),
    ("echo go build -tags netgo", None, None),  # not a go build command
])
def test_only_literal_tags_and_link_settings_of_a_go_build_are_read(line, tags, ldflags):
    from generator.detect.model import Evidence
    from generator.detect.stated import PROCESS, Target, buildflags
    from generator.detect.walker import Repo
    from generator.languages import by_name

    target = Target(Repo(FIXTURES / "go/stated-goreleaser"), by_name("go"), ".", "beacon", ())
    found = {s.key: s.value for s in buildflags.command(target, line, Evidence("Makefile", 1), PROCESS)}
    assert (found.get("tags"), found.get("ldflags")) == (tags, ldflags)


@pytest.mark.parametrize("flag, value, why", [
    ("--tags", "netgo;id", "is not a build tag"), ("--tags", "$(id)", "is not a build tag"),
    ("--ldflags", "-X main.v=$(id)", "with a plain value"), ("--ldflags", "-linkmode=external", "with a plain value"),
    ("--ldflags", "-X 'main.v=a b'", "with a plain value")])
def test_unsafe_tags_and_link_settings_are_refused(tmp_path, flag, value, why):
    project = copy_fixture("go/stated-goreleaser", tmp_path)
    result = scaffold("new", "--yes", "--dry-run", f"{flag}={value}", str(project))
    assert result.returncode == 2 and why in result.stderr and len(result.stderr.strip().splitlines()) == 1, \
        result.stderr


def test_stated_tags_and_link_settings_reach_the_go_build(tmp_path):
    project = copy_fixture("go/stated-build-tags", tmp_path)
    assert scaffold("new", "--yes", str(project)).returncode == 0
    text = (project / "Dockerfile").read_text()
    assert 'go build -trimpath -tags=release -ldflags="-s -w -X main.edition=oss" -o /out/ledgerd .' in text


def test_a_statement_of_the_framework_s_default_port_says_where_it_is_written(tmp_path):
    """Spring Boot's 8080 is a default no file states; a manifest stating 8080 is the evidence, not a runner-up."""
    project = copy_fixture("java/spring-boot", tmp_path)
    (project / "src/main/resources/application.properties").write_text("spring.application.name=demo-service\n")
    (project / "k8s").mkdir()
    (project / "k8s/app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: web\n          image: example/web:1\n"
        "          ports:\n            - containerPort: 8080\n")
    port = detect(project).apps[0].facts["port"]
    assert (port.value, port.source, port.evidence.file if port.evidence else None) == (8080, "kubernetes",
                                                                                         "k8s/app.yaml")


def test_a_peer_s_port_in_the_environment_is_not_the_app_s_listen_setting():
    setting = detect(FIXTURES / "go/stated-compose-db").apps[0].facts["port_setting"]
    assert (setting.value, [runner.value for runner in setting.alternatives]) == ("TALLY_ADDR=0.0.0.0:PORT", [])


def test_a_dockerfile_whose_wrapper_script_starts_one_of_several_programs_states_for_that_one():
    """`ENTRYPOINT ["entrypoint.sh", "/usr/local/vault/vault"]`: the script is not carried, the file is vault's."""
    apps = {app.name: app for app in detect(FIXTURES / "go/stated-wrapper").apps}
    port = apps["vault"].facts["port"]
    assert (port.value, port.source, port.evidence.file) == (5230, "dockerfile", "scripts/Dockerfile")
    assert apps["gen"].value("kind") == "cli"


def test_a_goreleaser_main_file_names_its_package_and_its_release_stamps_are_left_out():
    app = detect(FIXTURES / "go/stated-goreleaser").apps[0]
    assert app.value("package") == "./cmd/beacon"
    assert "ldflags" not in app.facts  # -X main.builtBy=goreleaser stamps the release, not the image


def test_a_compose_development_server_and_worker_leave_the_start_to_the_procfile():
    """compose runs `flask run --debug` for the web service and `celery worker` beside it: the first is the
    development server, the second another process (it publishes no port); the Procfile's gunicorn is the start."""
    report = detect(FIXTURES / "python/stated-compose-dev")
    (app,) = report.apps
    start = app.facts["start_command"]
    assert start.value[:2] == ["gunicorn", "app:app"] and start.evidence.file == "Procfile"
    assert all(fact.value[0] != "celery" for fact in start.alternatives)
    assert any(notice.file == "docker-compose.yml" and "development server" in notice.message
               for notice in report.warnings)


def test_a_dockerfile_that_runs_the_go_toolchain_states_no_program_and_no_older_go():
    """`ENTRYPOINT ["go", "run", "-tags", "dev", "main.go"]` + `CMD ["serve"]` runs the program with `serve`; a
    test image's `go test` runs no program; `FROM golang:1.21` cannot build a module whose go.mod says 1.24."""
    report = detect(FIXTURES / "go/stated-go-toolchain")
    (app,) = report.apps
    assert (app.facts["args"].value, app.facts["args"].evidence.file) == (["serve"], "Dockerfile.dev")
    assert (app.facts["version"].value, app.facts["version"].evidence.file) == ("1.24", "go.mod")
    assert "1.21" not in [fact.value for fact in app.facts["version"].alternatives]
    assert any(notice.file == "integration/Dockerfile" and "runs the Go toolchain (`go test`)" in notice.message
               for notice in report.warnings)
    assert any(file == "Dockerfile.dev" and "older than the `go 1.24` line" in message
               for file, message in ((n.file, n.message) for n in report.warnings))


def test_a_development_runner_s_command_is_not_the_start_command():
    """A development compose's `make fresh` (or a file watcher) builds and runs the sources: the program's own
    start is not `relay fresh`."""
    report = detect(FIXTURES / "go/stated-make-dev")
    (app,) = report.apps
    assert "args" not in app.facts and app.value("port") == 6000
    assert any(notice.file == "dev/docker-compose.yml" and "runs `make`" in notice.message
               for notice in report.warnings)


def test_the_best_dockerfile_s_start_command_without_arguments_is_not_filled_from_another_image():
    """Dockerfile builds the program and runs it bare; Dockerfile.site runs the published image with the flags
    of a documentation site: those are not the app's start."""
    report = detect(FIXTURES / "go/stated-site-image")
    (app,) = report.apps
    assert "args" not in app.facts
    assert [(n.file, "not carried" in n.message) for n in report.warnings] == [("docker/Dockerfile.site", True)]


def test_a_stated_listener_option_becomes_the_port_setting_not_an_argument():
    """`--listener :8080` (transfer.sh's spelling) is where the program listens: it moves with the port answer
    instead of staying in the arguments beside the setting."""
    (app,) = detect(FIXTURES / "go/stated-listener-flag").apps
    assert "args" not in app.facts
    assert (app.value("port"), app.value("port_setting")) == (8080, "--listener=0.0.0.0:PORT")


def test_a_makefile_s_own_variables_are_written_out_before_its_go_build_is_read():
    """`$(GOBUILD) -v -tags='netgo lite'` with GOBUILD=$(GOCMD) build $(LDFLAGS): the tags and the plain -X
    setting are the build's answers; the setting made from a command (`$(REV)`, backquotes) is not."""
    (app,) = detect(FIXTURES / "go/stated-make-variables").apps
    assert (app.value("tags"), app.value("ldflags")) == (["netgo", "lite"], ["main.edition=community"])
    assert app.facts["tags"].evidence.file == "Makefile" and app.facts["tags"].evidence.line == 12


def test_a_python_older_than_the_project_allows_is_a_stale_image_and_a_newer_one_wins(tmp_path):
    """`FROM python:3.10` cannot install a project whose requires-python is >=3.12 (pip refuses): the build
    file's floor stands, the Dockerfile's line is named; a Dockerfile's newer Python still wins."""
    report = detect(FIXTURES / "python/stated-stale-version")
    (app,) = report.apps
    assert (app.facts["version"].value, app.facts["version"].evidence.file) == ("3.12", "pyproject.toml")
    assert any(notice.file == "Dockerfile.prod" and "older than the Python 3.12 that pyproject.toml:4 requires"
               in notice.message for notice in report.warnings)
    project = copy_fixture("python/stated-stale-version", tmp_path)
    dockerfile = project / "Dockerfile.prod"
    dockerfile.write_text(dockerfile.read_text().replace("python:3.10-slim", "python:3.13-slim"))
    (app,) = detect(project).apps
    assert (app.facts["version"].value, app.facts["version"].source) == ("3.13", "dockerfile")


@pytest.mark.parametrize("written, variables, path", [
    ("docker/${FLAVOUR:-dev}.Dockerfile", {"FLAVOUR": "prod"}, "docker/prod.Dockerfile"),
    ("docker/${FLAVOUR:-dev}.Dockerfile", {"FLAVOUR": ""}, "docker/dev.Dockerfile"),
    ("docker/${FLAVOUR-dev}.Dockerfile", {"FLAVOUR": ""}, "docker/.Dockerfile"),
    ("./dockerfiles/python$PY/Dockerfile", {"PY": "314"}, "./dockerfiles/python314/Dockerfile"),
    # nothing sets it: left as written (a path that names no file), never guessed
    ("docker/${FLAVOUR}.Dockerfile", {}, "docker/${FLAVOUR}.Dockerfile"),
])
def test_a_compose_build_path_is_interpolated_as_compose_does(written, variables, path):
    from generator.detect.stated.compose import interpolated

    assert interpolated(written, variables) == path


def test_the_dotenv_beside_a_compose_file_gives_its_variables(tmp_path):
    from generator.detect.stated.compose import dotenv
    from generator.detect.walker import Repo

    (tmp_path / ".env").write_text('# flavour\nexport A=1\nB="two # kept"\nC=three # said\nnot a line\n')
    assert dotenv(Repo(tmp_path), ".") == {"A": "1", "B": "two # kept", "C": "three"}


def test_a_script_a_compose_command_runs_is_followed_and_what_it_also_runs_is_said():
    report = detect(FIXTURES / "python/stated-compose-script")
    said = [notice.message for notice in report.warnings if notice.file == "docker-compose.yml"]
    assert any("also runs python -m ledger.migrate (line 9), which the image does not" in message for message in said)


@pytest.mark.parametrize("script", [
    "#!/bin/sh\ncd /srv/app\nexec gunicorn app:app\n",  # it moves first: its paths are another directory's
    "#!/bin/sh\nif [ -n \"$DEBUG\" ]; then\n  flask run\nelse\n  gunicorn app:app\nfi\n",  # a shell decides
    "#!/bin/sh\nexec gunicorn \"$APP_MODULE\"\n",  # a variable only the environment would set
    "#!/bin/sh\nexec gunicorn \"app:app\n",  # quotes that never close: not a command, and no crash
    "#!/bin/sh\nX=ab\n" + "X=$X$X\n" * 60 + "exec gunicorn app:app $X\n",  # doubling to 2**61 bytes: bounded
])
def test_a_script_whose_end_needs_a_shell_is_not_followed(tmp_path, script):
    project = copy_fixture("python/stated-compose-script", tmp_path)
    (project / "bin" / "serve.sh").write_text(script)
    report = detect(project)
    (app,) = report.apps
    assert app.facts["start_command"].value == ["gunicorn", "--bind", "0.0.0.0:5000", "ledger.web:app"]
    assert any(notice.file == "docker-compose.yml" and "runs the shell script bin/serve.sh" in notice.message
               for notice in report.warnings)


def test_a_compose_build_path_interpolated_past_any_path_length_stays_as_written():
    from generator.detect.stated.compose import interpolated

    assert interpolated("./${DIR}/Dockerfile", {"DIR": "py314"}) == "./py314/Dockerfile"
    assert interpolated("$A" * 1000, {"A": "x" * 1000}) == "$A" * 1000


def test_a_makefile_variable_that_multiplies_itself_is_left_as_written():
    """`A = $(A)$(A)...`: each round of expansion multiplies the line (250 references: gigabytes by the third);
    past MAKE_MAX the recipe line stays as written, which states no build flag."""
    from generator.detect.stated import processes

    line = "\tgo build -tags=x " + "$(A)" * 8 + " ."
    assert processes._expanded(line, {"A": "$(A)" * 8}) == line
    assert processes._expanded("\t$(GOBUILD) -tags=netgo", {"GOBUILD": "$(GOCMD) build", "GOCMD": "go"}) == \
        "\tgo build -tags=netgo"


def test_a_procfile_running_a_shell_script_is_no_entrypoint(tmp_path):
    """`web: ./start.sh`: the hardened image has no shell to run the script, so the script is never the start
    command; when its end cannot be read, the app's own server is (and the notice says why)."""
    project = copy_fixture("python/flask", tmp_path)
    (project / "Procfile").write_text("web: ./start.sh\n")
    (project / "start.sh").write_text('#!/bin/sh\nexec gunicorn "app:app\n')
    report = detect(project)
    (app,) = report.apps
    assert "./start.sh" not in app.facts["start_command"].value
    assert any(notice.file == "Procfile" and "runs the shell script ./start.sh" in notice.message
               for notice in report.warnings)


def test_a_config_file_the_stated_command_names_outside_the_app_s_directory_is_said(tmp_path):
    """A Dockerfile above the app copies gunicorn.conf.py from beside it: the image, built from api/, would not
    hold it and gunicorn would stop at start."""
    said = [n.message for n in detect(FIXTURES / "python/stated-config-outside").warnings if n.file == "Dockerfile.prod"]
    assert any("-c gunicorn.conf.py is not in api/, the build context" in message for message in said)
    project = copy_fixture("python/stated-config-outside", tmp_path)
    (project / "gunicorn.conf.py").rename(project / "api" / "gunicorn.conf.py")
    assert not [n for n in detect(project).warnings if "the build context" in n.message]
