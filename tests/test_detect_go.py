"""Go detection: the fixtures under tests/fixtures/go, then hostile and generated repositories."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

import pytest

from generator.detect import detect
from generator.languages.go import detect as golang
from generator.detect.model import AppCandidate, FactValue, Report

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
        "cgo": False, "vendor": False, "workspace": False, "port": 8080,
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
        "cgo": False, "vendor": False, "workspace": False, "port": 9090,
    }
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
        "cgo": False, "vendor": False, "workspace": True, "port": 9000,
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
        "cmd/app/main.go": MAIN,
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
        ('http.ListenAndServe(":99999", nil)', None, None),
        ('http.ListenAndServe(":0", nil)', None, None),
        ('http.ListenAndServe(":http", nil)', None, None),
        ('http.ListenAndServe(":"+os.Getenv("PORT"), nil)', None, None),
        ('// http.ListenAndServe(":1234", nil)', None, None),
        ('x := "8080"\n\ty := os.Getenv("HOST")', None, None),
    ],
)
def test_port_forms(tmp_path, body, port, line):
    source = f'package main\n\nimport (\n\t"net/http"\n\t"os"\n)\n\nfunc main() {{\n\t{body}\n}}\n'
    write(tmp_path, {"go.mod": "module example.com/p\ngo 1.22\n", "main.go": source})
    app = only_app(tmp_path)
    assert app.value("port") == port
    if port:
        assert where(app, "port") == ("main.go", line)


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
        "cgo": False, "vendor": False, "workspace": False, "port": 8080,
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
