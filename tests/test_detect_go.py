"""Go detection: the fixtures under tests/fixtures/go, then hostile and generated repositories."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

import pytest

from generator.detect import detect
from generator.languages.go import detect as golang
from generator.languages.go import expr
from generator.detect.model import AppCandidate, FactValue, Report
from tests.helpers import copy_fixture, scaffold

FIXTURES = Path(__file__).parent / "fixtures" / "go"

MAIN = """package main

import (
	"log"
	"net/http"
)

func main() {
	log.Fatal(http.ListenAndServe(":8080", nil))
}
"""


def go_apps(report: Report) -> Dict[str, AppCandidate]:
    return {app.id: app for app in report.apps if app.language == "go"}


def values(app: AppCandidate) -> Dict[str, FactValue]:
    return {key: fact.value for key, fact in app.facts.items()}


def where(app: AppCandidate, key: str) -> Tuple[str, Optional[int]]:
    evidence = app.facts[key].evidence
    assert evidence is not None, f"{key} has no evidence"
    return evidence.file, evidence.line


def write(root: Path, files: Dict[str, Union[str, bytes]]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def only_app(root: Path) -> AppCandidate:
    apps = go_apps(detect(root))
    assert len(apps) == 1, sorted(apps)
    return next(iter(apps.values()))


# -- fixtures --------------------------------------------------------------------


def test_root_main_package():
    report = detect(FIXTURES / "root")
    apps = go_apps(report)
    assert sorted(apps) == ["go/root"]
    app = apps["go/root"]
    assert app.root == "."
    assert values(app) == {
        "package": ".", "version": "1.22", "module": "example.com/root",
        "cgo": False, "vendor": False, "workspace": False, "port": 8080, "kind": "server",
    }
    assert where(app, "version") == ("go.mod", 3)
    assert app.facts["version"].evidence.text == "go 1.22"
    assert where(app, "module") == ("go.mod", 1)
    assert where(app, "package") == ("main.go", 2)
    assert where(app, "port") == ("main.go", 15)
    assert app.facts["cgo"].evidence is None
    assert report.warnings == []


def test_cmd_multi_gives_one_candidate_per_command():
    report = detect(FIXTURES / "cmd-multi")
    apps = go_apps(report)
    assert sorted(apps) == ["go/api", "go/worker"]
    api, worker = apps["go/api"], apps["go/worker"]
    assert (api.root, worker.root) == (".", ".")
    assert values(api) == {
        "package": "./cmd/api", "version": "1.22", "module": "example.com/cmdmulti",
        "cgo": False, "vendor": False, "workspace": False, "port": 9090, "kind": "server",
        "choice": "one of 2 servers among 2 main packages", "port_setting": "PORT=PORT",
    }
    assert "a guess among several" in api.facts["choice"].weak
    assert where(api, "port") == ("cmd/api/main.go", 16)
    assert api.facts["port"].evidence.text == 'port = "9090"'
    assert values(worker)["package"] == "./cmd/worker"
    assert values(worker)["port"] == 8081
    assert where(worker, "port") == ("cmd/worker/main.go", 19)
    assert report.warnings == []


def test_cgo_import_is_found():
    app = only_app(FIXTURES / "cgo")
    assert app.id == "go/cgo"
    assert values(app)["cgo"] is True
    assert where(app, "cgo") == ("main.go", 7)
    assert app.facts["cgo"].evidence.text == 'import "C"'
    assert values(app)["port"] == 8080
    assert where(app, "port") == ("main.go", 20)


def test_workspace_builds_from_the_go_work_directory():
    report = detect(FIXTURES / "workspace")
    apps = go_apps(report)
    assert sorted(apps) == ["go/api"]  # lib has no main package
    app = apps["go/api"]
    assert app.root == "."
    assert values(app) == {
        "package": "./api", "version": "1.22", "module": "example.com/workspace/api",
        "cgo": False, "vendor": False, "workspace": True, "port": 9000, "kind": "server",
    }
    assert where(app, "version") == ("go.work", 1)
    assert where(app, "workspace") == ("go.work", None)
    assert where(app, "module") == ("api/go.mod", 1)
    assert where(app, "port") == ("api/main.go", 14)
    assert report.warnings == []


def test_vendor_directory_is_seen_although_not_listed():
    app = only_app(FIXTURES / "vendored")
    assert app.id == "go/vendored"
    assert values(app)["vendor"] is True
    assert where(app, "vendor") == ("vendor", None)
    assert values(app)["port"] == 8082
    assert where(app, "port") == ("main.go", 14)


def test_toolchain_line():
    app = only_app(FIXTURES / "toolchain")
    assert values(app)["version"] == "1.23.0"
    assert where(app, "version") == ("go.mod", 3)
    assert values(app)["toolchain"] == "go1.23.4"
    assert where(app, "toolchain") == ("go.mod", 5)
    assert values(app)["port"] == 8083
    assert where(app, "port") == ("main.go", 20)


def test_malformed_go_mod_warns_and_keeps_the_candidate():
    """The main package is real; the person sees why the version is missing and can fix go.mod."""
    report = detect(FIXTURES / "malformed")
    app = go_apps(report)["go/malformed"]
    assert "version" not in app.facts
    assert values(app)["module"] == "example.com/malformed"
    assert values(app)["port"] == 8080
    messages = [w.message for w in report.warnings if w.file == "go.mod"]
    assert any("line 3" in m and "banana" in m for m in messages), messages
    assert any("malformed line 5" in m for m in messages), messages


# -- go.mod and go.work edge cases -------------------------------------------------


@pytest.mark.parametrize(
    "go_mod",
    [
        "",
        "module\n",
        "module a b\ngo 1.22\n",
        "module example.com/x\nrequire (\n\tgithub.com/a/b v1.0.0\n",
        "module example.com/x\ngo 1.22 extra\ntoolchain banana\n",
        "module example.com/x\ngo 1.22\x00\n",
        "\xff\xfe garbage \x1b[31m\n" * 3,
        "module example.com/x\n" + "x" * 200_000 + "\n",
    ],
)
def test_malformed_go_mod_never_raises(tmp_path, go_mod):
    write(tmp_path, {"go.mod": go_mod, "main.go": MAIN})
    report = detect(tmp_path)
    assert report.warnings and {w.file for w in report.warnings} == {"go.mod"}
    app = only_app(tmp_path)
    assert app.value("package") == "." and app.value("port") == 8080
    assert app.value("version") in (None, "1.22")
    assert all("\n" not in str(fact.value) for fact in app.facts.values())


def test_go_mod_valid_forms_give_no_warning(tmp_path):
    write(tmp_path, {
        "go.mod": 'module "example.com/quoted/v2" // comment\n\ngo 1.21rc1\ntoolchain default\n'
                  "require (\n\texample.com/dep v1.0.0 // indirect\n)\nrequire ()\n"
                  "replace example.com/dep => ./dep\nexclude example.com/dep v0.9.0\nretract v0.1.0\n",
        "main.go": MAIN,
        "dep/go.mod": "module example.com/dep\n\ngo 1.22\n",
    })
    report = detect(tmp_path)
    assert report.warnings == []
    app = go_apps(report)["go/quoted"]  # the /v2 suffix is not a name
    assert values(app)["module"] == "example.com/quoted/v2"
    assert values(app)["version"] == "1.21rc1"
    assert "toolchain" not in app.facts


def test_go_work_single_use_and_nested_main(tmp_path):
    write(tmp_path, {
        "go.work": "go 1.23.1\n\nuse ./services/api\n",
        "services/api/go.mod": "module example.com/api\n\ngo 1.22\n",
        "services/api/cmd/server/main.go": MAIN,
    })
    app = only_app(tmp_path)
    assert (app.id, app.root) == ("go/server", ".")
    assert values(app)["package"] == "./services/api/cmd/server"
    assert values(app)["version"] == "1.23.1"
    assert values(app)["workspace"] is True


def test_go_work_bad_uses_warn(tmp_path):
    write(tmp_path, {
        "repo/go.work": "go 1.22\nuse ../elsewhere\nuse ./missing\nuse ( ./a ./b )\nuse (\n\t/etc\n\t./app\n)\n",
        "repo/app/go.mod": "module example.com/app\ngo 1.22\n",
        "repo/app/main.go": MAIN,
        "elsewhere/go.mod": "module example.com/elsewhere\ngo 1.22\n",
        "elsewhere/main.go": MAIN,
    })
    report = detect(tmp_path / "repo")
    assert sorted(go_apps(report)) == ["go/app"]
    assert values(go_apps(report)["go/app"])["package"] == "./app"
    messages = " | ".join(w.message for w in report.warnings if w.file == "go.work")
    assert "line 2: use ../elsewhere is outside the workspace" in messages
    assert "line 3: use ./missing has no go.mod" in messages
    assert "line 6: use /etc is outside the workspace" in messages
    assert "malformed line 4" in messages


def test_module_outside_the_work_file_stays_standalone(tmp_path):
    write(tmp_path, {
        "go.work": "go 1.22\nuse ./a\n",
        "a/go.mod": "module example.com/a\ngo 1.22\n",
        "a/main.go": MAIN,
        "b/go.mod": "module example.com/b\ngo 1.21\n",
        "b/main.go": MAIN,
    })
    apps = go_apps(detect(tmp_path))
    assert {(i, a.root, a.value("workspace"), a.value("version")) for i, a in apps.items()} == {
        ("go/a", ".", True, "1.22"), ("go/b", "b", False, "1.21"),
    }


# -- main packages, cgo, ports ---------------------------------------------------


def test_only_main_packages_outside_ignored_directories(tmp_path):
    write(tmp_path, {
        "go.mod": "module example.com/Mixed\ngo 1.22\n",
        "main.go": "// Command mixed.\n//go:build linux\n\npackage main\n\nfunc main() {}\n",
        "tools/gen.go": "//go:build ignore\n\npackage main\n\nfunc main() {}\n",
        "tools/tools.go": "package tools\n",
        "pkg/x/x_test.go": "package main\n",
        "testdata/go.mod": "module example.com/testdata\n",
        "testdata/main.go": MAIN,
        "_examples/demo/main.go": MAIN,
        ".hidden/main.go": MAIN,
        "examples/hello/hello.go": "package main\n\nfunc main() {}\n",
    })
    apps = go_apps(detect(tmp_path))
    assert {i: a.value("package") for i, a in apps.items()} == {"go/mixed": ".", "go/hello": "./examples/hello"}
    assert where(apps["go/mixed"], "package") == ("main.go", 4)


@pytest.mark.parametrize(
    "require, cgo",
    [
        ("require github.com/mattn/go-sqlite3 v1.14.22\n", True),
        ("require (\n\tgithub.com/confluentinc/confluent-kafka-go/v2 v2.4.0\n)\n", True),
        ("require gopkg.in/gographics/imagick.v3 v3.5.1\n", True),
        ("require github.com/mattn/go-isatty v0.0.20\n", False),
        ("require github.com/mattn/go-sqlite3-fork v1.0.0\n", False),
    ],
)
def test_cgo_from_a_known_module(tmp_path, require, cgo):
    write(tmp_path, {"go.mod": f"module example.com/db\n\ngo 1.22\n\n{require}", "main.go": MAIN})
    app = only_app(tmp_path)
    assert app.value("cgo") is cgo
    if cgo:
        assert where(app, "cgo") == ("go.mod", 5 if require.startswith("require g") else 6)
    else:
        assert app.facts["cgo"].evidence is None


def test_cgo_in_an_import_block_of_another_package(tmp_path):
    write(tmp_path, {
        "go.mod": "module example.com/app\ngo 1.22\n",
        "cmd/app/main.go": MAIN.replace('"net/http"', '"net/http"\n\t_ "example.com/app/internal/native"'),
        "internal/native/native.go": 'package native\n\n// #include <stdlib.h>\nimport (\n\t"unsafe"\n\t"C" // cgo\n)\n',
        "internal/native/native_test.go": 'package native\n\nimport "C"\n',
    })
    app = only_app(tmp_path)
    assert where(app, "cgo") == ("internal/native/native.go", 6)


@pytest.mark.parametrize(
    "body, port, line",
    [
        ('r := gin.Default()\n\tr.Run(":8080")', 8080, 10),
        ('http.ListenAndServeTLS(":8443", "c.pem", "k.pem", nil)', 8443, 9),
        ('net.Listen("tcp4", "0.0.0.0:9000")', 9000, 9),
        ('srv := http.Server{Addr: "[::]:8081"}', 8081, 9),
        ('e.Start("localhost:1323")', 1323, 9),
        ('port := "3000"\n\tif p := os.Getenv("PORT"); p != "" {\n\t\tport = p\n\t}', 3000, 9),
        ('port, ok := os.LookupEnv("PORT")\n\tif !ok {\n\t\tport = ":7070"\n\t}', 7070, 11),
        ('http.ListenAndServe(":99999", nil)', 8080, None),
        ('http.ListenAndServe(":0", nil)', 8080, None),
        ('http.ListenAndServe(":http", nil)', 8080, None),
        ('http.ListenAndServe(":"+os.Getenv("PORT"), nil)', 8080, None),
        ('// http.ListenAndServe(":1234", nil)', None, None),
        ('x := "8080"\n\ty := os.Getenv("HOST")', None, None),
    ],
)
def test_port_forms(tmp_path, body, port, line):
    """A port read from the listener's address; a listener whose port cannot be read gets Go's usual 8080,
    said to be weak; no listener at all is a command-line program."""
    source = f'package main\n\nimport (\n\t"net/http"\n\t"os"\n)\n\nfunc main() {{\n\t{body}\n}}\n'
    write(tmp_path, {"go.mod": "module example.com/p\ngo 1.22\n", "main.go": source})
    app = only_app(tmp_path)
    assert app.value("port") == port
    assert app.value("kind") == ("cli" if port is None else "server")
    if line:
        assert where(app, "port") == ("main.go", line)
        if "PORT" in body:  # a fallback next to $PORT, with no listener call we know: likely, not read
            assert "reads $PORT" in app.facts["port"].weak
        else:
            assert not app.facts["port"].weak
    elif port:
        assert app.facts["port"].evidence is None and "8080 is only Go's usual one" in app.facts["port"].weak


def test_port_from_library_code_but_not_from_another_command(tmp_path):
    write(tmp_path, {
        "go.mod": "module example.com/svc\ngo 1.22\n",
        "cmd/server/main.go": "package main\n\nimport \"example.com/svc/internal/server\"\n\nfunc main() { server.Run() }\n",
        "cmd/migrate/main.go": MAIN.replace(":8080", ":5000"),
        "internal/server/server.go": 'package server\n\nimport "net/http"\n\nfunc Run() { http.ListenAndServe(":8088", nil) }\n',
        "internal/server/server_test.go": 'package server\n\nvar addr = http.Server{Addr: ":1111"}\n',
    })
    apps = go_apps(detect(tmp_path))
    assert where(apps["go/server"], "port") == ("internal/server/server.go", 5)
    assert apps["go/server"].value("port") == 8088
    assert apps["go/migrate"].value("port") == 5000


def test_same_name_in_two_modules_gets_unique_ids(tmp_path):
    write(tmp_path, {
        "a/go.mod": "module example.com/a\ngo 1.22\n",
        "a/cmd/api/main.go": MAIN,
        "b/go.mod": "module example.com/b\ngo 1.22\n",
        "b/cmd/api/main.go": MAIN,
    })
    apps = go_apps(detect(tmp_path))
    assert {i: (a.root, a.value("package")) for i, a in apps.items()} == {
        "go/api-a": ("a", "./cmd/api"), "go/api-b": ("b", "./cmd/api"),
    }


# -- hostile and generated repositories -------------------------------------------


def test_symlinks_out_of_the_repository_are_not_followed(tmp_path):
    outside = write(tmp_path / "outside", {
        "cmd/evil/main.go": 'package main\n\nimport "C"\n\nfunc main() { http.ListenAndServe(":7777", nil) }\n',
        "leak.go": 'package main\n\nimport "C"\n',
        "vendor/modules.txt": "",
        "go.work": "go 1.22\nuse .\n",
    })
    repo = write(tmp_path / "repo", {"go.mod": "module example.com/app\n\ngo 1.22\n", "main.go": MAIN})
    (repo / "cmd").mkdir()
    (repo / "cmd" / "evil").symlink_to(outside / "cmd" / "evil", target_is_directory=True)
    (repo / "leak.go").symlink_to(outside / "leak.go")
    (repo / "vendor").symlink_to(outside / "vendor", target_is_directory=True)
    (repo / "go.work").symlink_to(outside / "go.work")
    (repo / "etc").symlink_to("/etc", target_is_directory=True)

    report = detect(repo)
    app = only_app(repo)
    assert app.id == "go/app"
    assert values(app) == {
        "package": ".", "version": "1.22", "module": "example.com/app",
        "cgo": False, "vendor": False, "workspace": False, "port": 8080, "kind": "server",
    }
    files = {fact.evidence.file for fact in app.facts.values() if fact.evidence}
    assert files == {"go.mod", "main.go"}
    assert report.warnings == []


def test_generated_monorepo_is_bounded(tmp_path, monkeypatch):
    """Many modules and files; a module beyond the per-module cap is read shallowest first."""
    monkeypatch.setattr(golang, "MAX_GO_FILES", 50)
    files: Dict[str, Union[str, bytes]] = {}
    for m in range(20):
        files[f"services/s{m}/go.mod"] = f"module example.com/s{m}\n\ngo 1.22\n"
        files[f"services/s{m}/cmd/s{m}d/main.go"] = MAIN.replace(":8080", f":{8000 + m}")
        for n in range(40):
            files[f"services/s{m}/pkg/p{n}/p.go"] = f"// Code generated by gen. DO NOT EDIT.\n\npackage p{n}\n"
    big = "services/big"
    files[f"{big}/go.mod"] = "module example.com/big\ngo 1.22\n"
    files[f"{big}/main.go"] = MAIN
    for n in range(200):
        files[f"{big}/internal/gen/deep/g{n:03}.go"] = "package gen\n"
    files[f"{big}/internal/gen/deep/zz/native.go"] = 'package zz\n\nimport "C"\n'
    files[f"{big}/huge.go"] = "package main\n\n" + "// padding\n" * 30_000 + 'import "C"\n'
    files[f"{big}/binary.go"] = b"package main\n\x00\xff\xfe\x1b[2J" + bytes(range(256)) * 10
    for n in range(2000):
        files[f"docs/page{n}.md"] = "# generated\n"
    write(tmp_path, files)

    started = time.monotonic()
    report = detect(tmp_path)
    elapsed = time.monotonic() - started
    apps = go_apps(report)
    assert len(apps) == 21
    assert {a.value("port") for i, a in apps.items() if i != "go/big"} == set(range(8000, 8020))
    assert all(a.value("workspace") is False for a in apps.values())
    big_app = apps["go/big"]
    assert (big_app.root, big_app.value("port")) == (big, 8080)
    assert big_app.value("cgo") is False  # deep files beyond the cap, and past the bytes read of huge.go
    assert [w.file for w in report.warnings] == [f"{big}/go.mod"]
    assert "more than 50 .go files" in report.warnings[0].message
    assert elapsed < 20, elapsed


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_special_files_are_not_read(tmp_path):
    write(tmp_path, {"go.mod": "module example.com/app\ngo 1.22\n", "main.go": MAIN})
    os.mkfifo(tmp_path / "fifo.go")
    app = only_app(tmp_path)
    assert app.value("port") == 8080


# -- the corpus classes (issue 10), one fixture each -------------------------------


def fixture_app(name: str) -> Tuple[AppCandidate, Report]:
    report = detect(FIXTURES / name)
    apps = go_apps(report)
    return next(iter(apps.values())), report


@pytest.mark.parametrize(
    "fixture, port, evidence, weak",
    [
        ("port-const", 8181, ("config.go", 4), ""),  # const in another file of the package
        ("port-flag", 3000, ("main.go", 12), ""),  # flag.String("port", ":3000") then Listen(*port)
        ("port-flag-env", 80, ("main.go", 15), ""),  # flag.StringVar(&p, "port", getEnv("X", "80"))
        ("port-flagset", 9898, ("main.go", 14), "not traced to the listener"),  # fs.Int("port", 9898)
        ("port-config", 8787, ("internal/config/config.go", 15), "followed through the field ListenAddr"),
        ("cobra-serve", 3000, ("cmd/serve.go", 21), ""),  # viper.SetDefault("port", "3000")
        ("exporter", 9101, ("main.go", 16), ""),  # web.ListenAndServe(srv, kingpinflag.AddFlags(app, ":9101"), l)
        ("urfave-context", 3300, ("cmd/feeds/main.go", 14), ""),  # c.String("port") of a declared StringFlag
        # viper.SetConfigName("settings") fills a struct: its tags name listen.http_port in settings.yaml
        ("config-viper-file", 7301, ("settings.yaml", 3), ""),
        # koanf loads relay.toml, which the repository ships as relay.sample.toml: ko.MustString("relay.address")
        ("config-koanf-sample", 7302, ("relay.sample.toml", 3), ""),
    ],
)
def test_port_followed_back_to_where_it_is_written(fixture, port, evidence, weak):
    app, report = fixture_app(fixture)
    assert app.value("kind") == "server"
    assert app.value("port") == port
    assert where(app, "port") == evidence
    assert weak in app.facts["port"].weak
    if not weak and fixture != "cobra-serve":
        assert app.facts["port"].weak == ""


def test_a_field_copied_from_fields_of_its_name_is_followed_once_per_file_and_depth(monkeypatch):
    """`Host: parent.Host` in several files: following every copy again at every depth grew as files ** depth
    (a 726-file repository never finished); each field is worked out once per file and depth."""
    calls = []
    follow = expr.Evaluator.field

    def counted(self, field, source, *where):
        calls.append(field)
        return follow(self, field, source, *where)

    monkeypatch.setattr(expr.Evaluator, "field", counted)
    app, _ = fixture_app("field-fanout")
    assert (app.value("kind"), app.value("port")) == ("server", 7420)
    assert where(app, "port") == ("internal/config/config.go", 17)
    files = len(list((FIXTURES / "field-fanout").rglob("*.go")))
    assert len(calls) <= 2 * files * (expr.MAX_DEPTH + 2), len(calls)


def test_an_exporter_listens_where_its_web_listen_address_flag_says():
    app, _ = fixture_app("exporter")
    assert (app.value("port"), app.value("port_setting")) == (9101, "--web.listen-address=0.0.0.0:PORT")


def test_loopback_behind_a_flag_is_moved_by_the_start_arguments():
    app, report = fixture_app("loopback-flag")
    assert (app.value("port"), app.value("port_setting"), app.value("args")) == (8090, "--addr=0.0.0.0:PORT", None)
    assert where(app, "port_setting") == ("main.go", 12)
    assert "loopback" not in app.facts and report.warnings == []


def test_loopback_behind_an_environment_variable_is_moved_by_env():
    app, report = fixture_app("port-config")
    assert app.value("port_setting") == "APP_LISTEN_ADDR=0.0.0.0:PORT"  # Prefix + "LISTEN_ADDR", the constant followed
    assert where(app, "port_setting") == ("internal/config/config.go", 23)
    assert "args" not in app.facts and report.warnings == []


def test_loopback_in_the_code_is_a_warning_naming_the_line():
    app, report = fixture_app("loopback-hardcoded")
    assert app.value("loopback") is True and app.value("port") == 8585
    assert [(w.file, w.message.split(":")[0]) for w in report.warnings] == [("main.go", "line 13")]
    assert 'listen on ":8585" instead' in report.warnings[0].message
    assert "args" not in app.facts and "env" not in app.facts


def test_a_program_without_a_listener_is_a_command_line_program():
    """A listener in a string (a code template) or in a function nothing calls does not count."""
    app, report = fixture_app("cli-flags")
    assert app.value("kind") == "cli"
    assert "port" not in app.facts and report.warnings == []


def test_the_server_of_a_cobra_program_is_its_subcommand():
    app, _ = fixture_app("cobra-serve")
    assert app.value("args") == ["serve"]
    assert where(app, "args") == ("cmd/serve.go", 12)
    assert where(app, "kind") == ("cmd/serve.go", 15)


def test_a_root_command_adding_a_subcommand_of_another_package_does_not_serve_itself():
    """root.go imports cmd/serve to add serve.Cmd: it reaches the listener only through that subcommand; the
    port is the field serve.go sets in the server package's Config, not the one `connect` sets in a client's."""
    app, _ = fixture_app("cobra-subpackage")
    assert app.value("args") == ["serve"] and where(app, "args") == ("cmd/serve/serve.go", 15)
    assert (app.value("port"), app.value("port_setting")) == (8080, "--port=PORT")
    assert where(app, "port") == ("cmd/serve/serve.go", 25)


def test_cobra_root_that_serves_takes_no_subcommand(tmp_path):
    write(tmp_path, {
        "go.mod": "module example.com/rootserves\ngo 1.22\n",
        "main.go": 'package main\n\nimport (\n\t"net/http"\n\n\t"github.com/spf13/cobra"\n)\n\n'
                   'var root = &cobra.Command{\n\tUse: "rootserves",\n\tRunE: func(c *cobra.Command, a []string) error {\n'
                   '\t\treturn http.ListenAndServe(":7000", nil)\n\t},\n}\n\nvar version = &cobra.Command{Use: "version"}\n\n'
                   'func main() {\n\troot.AddCommand(version)\n\troot.Execute()\n}\n',
    })
    app = only_app(tmp_path)
    assert app.value("port") == 7000 and "args" not in app.facts


def test_the_server_is_chosen_over_command_line_programs_and_examples():
    report = detect(FIXTURES / "multi-main")
    assert [app.id for app in report.apps] == ["go/server", "go/hello", "go/aaa-cli"]
    first = report.apps[0]
    assert first.value("choice") == "one of 2 servers among 3 main packages"
    assert "a guess" in first.facts["choice"].weak
    assert [a.value("kind") for a in report.apps] == ["server", "server", "cli"]


def test_the_only_server_is_chosen_without_doubt(tmp_path):
    write(tmp_path, {
        "go.mod": "module example.com/svc\ngo 1.22\n",
        "cmd/aaa-cli/main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n',
        "cmd/svc/main.go": MAIN,
    })
    report = detect(tmp_path)
    assert [app.id for app in report.apps] == ["go/svc", "go/aaa-cli"]
    assert report.apps[0].facts["choice"].weak == ""
    assert where(report.apps[0], "choice") == ("cmd/svc/main.go", 9)


def test_out_of_date_vendor_directory_is_not_built_from():
    app, report = fixture_app("vendor-stale")
    assert app.value("vendor") is False
    assert [w.file for w in report.warnings] == ["vendor/modules.txt"]
    assert "example.com/greet" in report.warnings[0].message and "go mod vendor" in report.warnings[0].message


def test_vendor_modules_txt_behind_a_symlink_is_not_read(tmp_path):
    outside = write(tmp_path / "outside", {"modules.txt": "# example.com/dep v1.0.0\n## explicit\n"})
    repo = write(tmp_path / "repo", {"go.mod": "module example.com/app\ngo 1.22\nrequire example.com/dep v1.0.0\n",
                                     "main.go": MAIN})
    (repo / "vendor").mkdir()
    (repo / "vendor" / "modules.txt").symlink_to(outside / "modules.txt")
    report = detect(repo)
    assert only_app(repo).value("vendor") is False  # unreadable: not trusted
    assert [w.file for w in report.warnings] == ["vendor/modules.txt"]


def test_go_work_that_does_not_use_the_module_is_left_out_and_bad_uses_warned():
    app, report = fixture_app("work-outside")
    assert (app.id, app.value("workspace")) == ("go/workoutside", False)
    assert [w.file for w in report.warnings] == ["go.work"]
    assert "use ./gone has no go.mod" in report.warnings[0].message


def test_cgo_through_a_dependency_of_a_dependency():
    app, _ = fixture_app("cgo-indirect")
    assert app.value("cgo") is True
    assert where(app, "cgo") == ("db/db.go", 6)  # the gorm sqlite dialect, which imports go-sqlite3
    assert app.facts["cgo"].weak == ""


def test_cgo_from_go_sum_alone_is_weak(tmp_path):
    write(tmp_path, {
        "go.mod": "module example.com/app\ngo 1.12\nrequire example.com/orm v1.0.0\n",
        "go.sum": "example.com/orm v1.0.0 h1:x=\ngithub.com/mattn/go-sqlite3 v1.14.0/go.mod h1:y=\n"
                  "github.com/mattn/go-sqlite3 v1.14.0 h1:z=\n",
        "main.go": MAIN,
    })
    app = only_app(tmp_path)
    assert app.value("cgo") is True and where(app, "cgo") == ("go.sum", 3)
    assert "go.sum" in app.facts["cgo"].weak
    write(tmp_path, {"go.sum": "github.com/mattn/go-sqlite3 v1.14.0/go.mod h1:y=\n"})  # its go.mod only: not built
    assert only_app(tmp_path).value("cgo") is False


def test_cgo_in_files_not_built_for_linux_does_not_count():
    app, _ = fixture_app("cgo-darwin")
    assert app.value("cgo") is False


@pytest.mark.parametrize(
    "name, constraint, plus, built",
    [
        ("x.go", None, [], True),
        ("x_darwin.go", None, [], False),
        ("x_linux.go", None, [], True),
        ("x_windows_amd64.go", None, [], False),
        ("x_linux_arm64.go", None, [], True),
        ("x_s390x.go", None, [], False),
        ("x_test_helper.go", None, [], True),
        ("x.go", "darwin || windows", [], False),
        ("x.go", "!darwin", [], True),
        ("x.go", "linux && (amd64 || arm64)", [], True),
        ("x.go", "unix && !cgo", [], True),
        ("x.go", "cgo", [], False),
        ("x.go", "ignore", [], False),
        ("x.go", "go1.18 && !windows", [], True),
        ("x.go", "(broken", [], True),
        ("x.go", None, ["darwin freebsd"], False),
        ("x.go", None, ["linux,amd64 darwin"], True),
        ("x.go", None, ["!windows", "amd64"], True),
    ],
)
def test_build_constraints(name, constraint, plus, built):
    from generator.languages.go.source import built_for_linux

    assert built_for_linux(name, constraint, plus) is built


def test_go_generate_output_missing_is_warned():
    _, report = fixture_app("generate-missing")
    assert [(w.file, w.message) for w in report.warnings] == [
        ("color.go", "line 3: go:generate stringer: color_string.go is missing; run `go generate` and commit it")]


def test_go_generate_output_present_is_quiet(tmp_path):
    write(tmp_path, {
        "go.mod": "module example.com/gen\ngo 1.22\n",
        "main.go": "package main\n\n//go:generate stringer -type=Kind -output kinds.go\n\ntype Kind int\n\nfunc main() {}\n",
        "kinds.go": "// Code generated by \"stringer\"; DO NOT EDIT.\n\npackage main\n",
        "ui/ui.go": "package ui\n\n//go:generate go run gen.go\n",  # not imported by main: not its build
    })
    assert detect(tmp_path).warnings == []


def test_gopath_era_project_says_go_mod_init():
    report = detect(FIXTURES / "gopath")
    assert report.apps == [] and len(report.hints) == 1
    assert "Godeps/Godeps.json" in report.hints[0] and "go mod init" in report.hints[0]
    result = scaffold("detect", str(FIXTURES / "gopath"))
    assert result.returncode == 2 and "go mod init" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- what the image gets from them ---------------------------------------------------


def generated(fixture: str, tmp_path: Path, *flags: str) -> Tuple[str, str, str]:
    """(Dockerfile, .dockerignore, new's messages) of `scaffold new --yes` on a copy of a fixture."""
    project = copy_fixture(f"go/{fixture}", tmp_path)
    result = scaffold("new", "--yes", *flags, str(project))
    assert result.returncode == 0, result.stderr
    return (project / "Dockerfile").read_text(), (project / ".dockerignore").read_text(), result.stderr


def test_start_arguments_and_environment_reach_the_image(tmp_path):
    dockerfile, _, _ = generated("loopback-flag", tmp_path / "a")
    assert 'ENTRYPOINT ["/usr/local/bin/loopbackflag", "--addr=0.0.0.0:8090"]' in dockerfile
    assert "EXPOSE 8090" in dockerfile and "\nENV " not in dockerfile
    dockerfile, _, _ = generated("port-config", tmp_path / "b")
    assert 'ENTRYPOINT ["/usr/local/bin/app"]\n' in dockerfile and "\nENV APP_LISTEN_ADDR=0.0.0.0:8787\n" in dockerfile
    dockerfile, _, _ = generated("cobra-serve", tmp_path / "c")
    assert 'ENTRYPOINT ["/usr/local/bin/cobraserve", "serve"]' in dockerfile and "EXPOSE 3000" in dockerfile
    dockerfile, _, _ = generated("loopback-flag", tmp_path / "d", "--port-setting", "")
    assert 'ENTRYPOINT ["/usr/local/bin/loopbackflag"]' in dockerfile
    dockerfile, _, _ = generated("loopback-flag", tmp_path / "e", "--port", "9000")  # the flag follows the port
    assert 'ENTRYPOINT ["/usr/local/bin/loopbackflag", "--addr=0.0.0.0:9000"]' in dockerfile and "EXPOSE 9000" in dockerfile
    dockerfile, _, _ = generated("port-config", tmp_path / "f", "--port", "9000")
    assert "\nENV APP_LISTEN_ADDR=0.0.0.0:9000\n" in dockerfile and "EXPOSE 9000" in dockerfile
    dockerfile, _, _ = generated("loopback-flag", tmp_path / "g", "--args=--addr=0.0.0.0:7000", "--port", "7000")
    assert 'ENTRYPOINT ["/usr/local/bin/loopbackflag", "--addr=0.0.0.0:7000"]' in dockerfile  # the person's own flag


def test_a_command_line_program_gets_no_port(tmp_path):
    dockerfile, _, _ = generated("cli-flags", tmp_path)
    assert "EXPOSE" not in dockerfile and "docker run IMAGE --help" in dockerfile
    assert 'ENTRYPOINT ["/usr/local/bin/clitool"]' in dockerfile


def test_new_says_which_app_it_took_and_why(tmp_path):
    _, _, said = generated("multi-main", tmp_path)
    assert ("using go/server: one of 2 servers among 3 main packages (a guess among several, by name and place; "
            "choose another with --app)") in said


def test_unused_vendor_and_go_work_stay_out_of_the_build(tmp_path):
    dockerfile, ignore, _ = generated("vendor-stale", tmp_path / "a")
    assert "-mod=vendor" not in dockerfile and "go mod download" in dockerfile
    assert "\nvendor\n" in ignore
    _, ignore, _ = generated("work-outside", tmp_path / "b")
    assert "\ngo.work\ngo.work.sum\n" in ignore
    dockerfile, ignore, _ = generated("vendored", tmp_path / "c")
    assert "-mod=vendor" in dockerfile and "\nvendor\n" not in ignore
    _, ignore, _ = generated("workspace", tmp_path / "d")
    assert "go.work" not in ignore


@pytest.mark.parametrize(
    "flag, value, message",
    [
        ("--args", "serve; rm -rf /", "shell syntax"),
        ("--args=--addr=$HOST", None, "shell syntax"),
        ("--env", "API_TOKEN=abc", "looks like a secret"),
        ("--env", "ADDR=0.0.0.0:80 'x y'", "is not NAME=value"),
        ("--env", "A=$(id)", "is not NAME=value"),
        ("--env", "1X=1", "is not NAME=value"),
    ],
)
def test_start_arguments_and_environment_are_checked(tmp_path, flag, value, message):
    project = copy_fixture("go/root", tmp_path)
    result = scaffold("new", "--yes", *([flag] if value is None else [flag, value]), str(project))
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (project / "Dockerfile").exists()


def test_a_package_with_several_main_functions_is_not_taken():
    """A folder of `go run file.go` exercises cannot build as one package: warned, and ranked last."""
    report = detect(FIXTURES / "scratchpad")
    assert [app.id for app in report.apps] == ["go/tool", "go/scratchpad"]
    assert report.apps[0].value("choice") == "one of 2 command-line programs (none listens); 1 of the others cannot build"
    assert report.apps[0].facts["choice"].weak == ""
    assert report.apps[1].value("unbuildable") == "func main() in 2 files of one package"
    assert [(w.file, w.message) for w in report.warnings] == [
        ("hello.go", "func main() also in slices.go: the package cannot build as one program")]


def test_apps_of_a_workspace_with_a_missing_module_cannot_build(tmp_path):
    write(tmp_path, {
        "go.work": "go 1.22\n\nuse (\n\t./api\n\t./gone\n)\n",
        "api/go.mod": "module example.com/api\ngo 1.22\n",
        "api/main.go": MAIN,
    })
    app = only_app(tmp_path)
    assert app.value("unbuildable") == "its go.work uses ./gone, which has no go.mod"
    assert where(app, "unbuildable") == ("go.work", 5)


#: a server whose address is out of sight (a framework we do not follow): the option named like a port decides
OPAQUE = ('package main\n\nimport (\n\t"net/http"\n{imports})\n\n{decl}\n\nfunc main() {{\n\t{body}\n'
          '\tsrv := newServer()\n\tsrv.ListenAndServe()\n}}\n\nfunc newServer() *http.Server {{ return opaque() }}\n')


@pytest.mark.parametrize(
    "imports, decl, body, port, weak",
    [
        ('\t"github.com/alecthomas/kingpin/v2"\n', 'var listen = kingpin.Flag("listen-port", "port").Default("7070").String()',
         "kingpin.Parse()", 7070, "flag listen-port"),
        ("", 'var listen = serverFlag(app, "web.listen-address", "where to listen; repeatable").\n'
         '\tEnvar("LISTEN").\n\tDefault("0.0.0.0:9095").String()', "_ = listen", 9095, "flag web.listen-address"),
        ('\t"github.com/urfave/cli/v2"\n', 'var flags = []cli.Flag{&cli.IntFlag{Name: "port", Value: 7171}}', "_ = flags",
         7171, "flag port"),
        ("", 'type Config struct {\n\tPort int `envconfig:"APP_PORT" default:"7272"`\n}', "_ = Config{}", 7272,
         "environment variable APP_PORT"),
        ('\t"flag"\n', 'var metrics = flag.Int("metrics-port", 9100, "metrics")', "flag.Parse()", 8080,
         "Go's usual one"),  # another port's option is not the app's
        ('\t"github.com/prometheus/exporter-toolkit/web/kingpinflag"\n',
         'var toolkit = kingpinflag.AddFlags(kingpin.CommandLine, ":9105")', "_ = toolkit", 9105,
         "flag web.listen-address"),  # the exporter toolkit's listen-address helper declares the flag
        ('\t"github.com/knadh/koanf/providers/confmap"\n',
         'func load() { k.Load(confmap.Provider(map[string]interface{}{\n\t"log": "info",\n\t"http.port": 7474,\n}, "."), nil) }',
         "load()", 7474, "config http.port"),  # koanf's defaults map
    ],
)
def test_options_named_like_the_port_when_the_address_is_out_of_sight(tmp_path, imports, decl, body, port, weak):
    write(tmp_path, {"go.mod": "module example.com/o\ngo 1.22\n",
                     "main.go": OPAQUE.format(imports=imports, decl=decl, body=body)})
    app = only_app(tmp_path)
    assert (app.value("kind"), app.value("port")) == ("server", port)
    assert weak in app.facts["port"].weak


@pytest.mark.parametrize(
    "body, port, args",
    [
        ('http.ListenAndServe(net.JoinHostPort("127.0.0.1", "9001"), nil)', 9001, None),
        ('host := flag.String("host", "127.0.0.1", "bind")\n\tflag.Parse()\n'
         '\thttp.ListenAndServe(fmt.Sprintf("%s:%d", *host, 9002), nil)', 9002, ["--host=0.0.0.0"]),
        ('port := cmp.Or(os.Getenv("SERVERPORT"), "9003")\n\thttp.ListenAndServe("localhost:"+port, nil)', 9003, None),
        ('addr := os.Getenv("ADDR")\n\tif addr == "" {\n\t\taddr = "localhost:9004"\n\t}\n\thttp.ListenAndServe(addr, nil)',
         9004, None),
    ],
)
def test_what_moves_a_loopback_address(tmp_path, body, port, args):
    """A flag for the host moves it; a variable that sets only the port does not; ADDR read into the address does (env)."""
    source = f'package main\n\nimport (\n\t"cmp"\n\t"flag"\n\t"fmt"\n\t"net"\n\t"net/http"\n\t"os"\n)\n\nfunc main() {{\n\t{body}\n}}\n'
    write(tmp_path, {"go.mod": "module example.com/l\ngo 1.22\n", "main.go": source})
    app = only_app(tmp_path)
    assert app.value("port") == port
    assert app.value("args") == args
    if "ADDR" in body:
        assert app.value("port_setting") == "ADDR=0.0.0.0:PORT" and "loopback" not in app.facts
    elif args is None:
        assert app.value("loopback") is True
