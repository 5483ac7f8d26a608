"""Frontends: detection with evidence for each package manager, the stage each renders (hadolint
clean), and the frontend answers validated like any other."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Dict

import pytest
import yaml

from generator.detect import detect
from tests.helpers import FIXTURES, scaffold
from tests.lint_tools import hadolint

GO_APP = {
    "go.mod": "module example.com/app\n\ngo 1.22\n",
    "main.go": 'package main\n\nimport (\n\t"embed"\n\t"net/http"\n)\n\n//go:embed all:web/dist\nvar ui embed.FS\n\n'
               'func main() {\n\thttp.Handle("/", http.FileServer(http.FS(ui)))\n\thttp.ListenAndServe(":8080", nil)\n}\n',
}
PACKAGE = {"name": "ui", "private": True, "scripts": {"build": "vite build"}, "devDependencies": {"vite": "5.4.21"}}
LOCKS = {
    "npm": {"web/package-lock.json": "{}"},
    "yarn": {"web/yarn.lock": "# yarn lockfile v1\n"},
    "yarn-berry": {"web/yarn.lock": "__metadata:\n  version: 8\n", "web/.yarnrc.yml": "nodeLinker: node-modules\n"},
    "pnpm": {"web/pnpm-lock.yaml": "lockfileVersion: '9.0'\n"},
}


def write(root: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def project(tmp_path: Path, manager: str = "npm", package: dict = PACKAGE, **extra: str) -> Path:
    return write(tmp_path / "app", {**GO_APP, "web/package.json": json.dumps(package), **LOCKS[manager], **extra})


def facts(root: Path) -> dict:
    report = detect(root)
    (app,) = report.apps
    return {key: fact.to_json() for key, fact in app.facts.items() if key.startswith("frontend")}


@pytest.mark.parametrize("manager", sorted(LOCKS))
def test_each_lockfile_names_its_manager_and_build(manager, tmp_path):
    found = facts(project(tmp_path, manager))
    assert found["frontend"]["value"] == "web" and found["frontend"]["evidence"]["file"] == "web/package.json"
    assert found["frontend_manager"]["value"] == manager
    assert found["frontend_build"]["value"][-2:] == ["run", "build"]
    assert found["frontend_output"]["value"] == "web/dist"  # vite's default, expected by the go:embed line
    assert found["frontend_output"]["evidence"] == {"file": "main.go", "line": 8, "text": "//go:embed all:web/dist"}


def test_bundler_configuration_and_node_version_are_read(tmp_path):
    root = project(tmp_path, **{"web/vite.config.ts": 'export default { build: { outDir: "../static/app" } }\n',
                                "web/.node-version": "22.11.0\n",
                                "static.go": "package main\n\nimport \"embed\"\n\n//go:embed static/app\nvar s embed.FS\n"})
    found = facts(root)
    assert found["frontend_output"]["value"] == "static/app"
    assert found["frontend_output"]["evidence"]["file"] == "static.go" and not found["frontend_output"].get("weak")
    assert found["frontend_node"]["value"] == "22" and found["frontend_node"]["evidence"]["file"] == "web/.node-version"


def test_webpack_output_path_and_engines(tmp_path):
    package = {**PACKAGE, "engines": {"node": ">=18"}, "devDependencies": {"webpack": "5"}}
    root = project(tmp_path, package=package,
                   **{"web/webpack.config.js": 'module.exports = {\n  output: {\n    path: path.resolve(__dirname, '
                                               '"..", "web", "dist"),\n  },\n};\n'})
    found = facts(root)
    assert found["frontend_output"]["value"] == "web/dist"
    assert found["frontend_node"]["value"] == "18"


def test_webpack_output_path_through_a_variable_of_the_configuration(tmp_path):
    """`const clientDir = path.join(__dirname, "client")`, then `path: path.join(clientDir, "./dist")`: the build
    writes client/dist, where the Flask app serves it from (it was taken for webpack's default dist/)."""
    project = tmp_path / "app"
    shutil.copytree(FIXTURES / "python/flask-webpack-variable", project)
    found = facts(project)
    assert found["frontend_output"]["value"] == "client/dist"
    assert found["frontend_output"]["evidence"]["file"] == "app.py" and not found["frontend_output"].get("weak")
    # the variable alone, and one made some other way (nothing to read: the default stays)
    config = project / "webpack.config.js"
    config.write_text('const out = path.resolve(__dirname, "client", "dist");\nmodule.exports = { entry: '
                      '"./client/app/index.js", output: { path: out } };\n')
    assert facts(project)["frontend_output"]["value"] == "client/dist"
    config.write_text('const out = process.env.OUT;\nmodule.exports = { entry: "./client/app/index.js", '
                      'output: { path: out } };\n')
    assert facts(project)["frontend_output"]["value"] == "dist"
    fresh = tmp_path / "fresh"
    shutil.copytree(FIXTURES / "python/flask-webpack-variable", fresh)
    result = scaffold("new", "--yes", str(fresh))
    assert result.returncode == 0, result.stderr
    assert "COPY --from=frontend /app/client/dist/ ./client/dist/\n" in (fresh / "Dockerfile").read_text()


def test_no_lockfile_no_frontend_and_a_warning(tmp_path):
    root = write(tmp_path / "app", {**GO_APP, "web/package.json": json.dumps(PACKAGE)})
    report = detect(root)
    assert not [key for key in report.apps[0].facts if key.startswith("frontend")]
    assert [w.file for w in report.warnings] == ["web/package.json"]


def test_output_outside_the_app_is_refused(tmp_path):
    root = project(tmp_path, **{"web/vite.config.js": 'export default { build: { outDir: "../../../elsewhere" } }\n'})
    report = detect(root)
    assert not [key for key in report.apps[0].facts if key.startswith("frontend")]
    assert "outside the app" in report.warnings[0].message


@pytest.mark.lint
@pytest.mark.parametrize("manager", sorted(LOCKS))
def test_each_manager_renders_a_lint_clean_stage(manager, tmp_path):
    root = project(tmp_path, manager)
    result = scaffold("new", "--yes", str(root))
    assert result.returncode == 0, result.stderr
    dockerfile = (root / "Dockerfile").read_text()
    assert "FROM node:20-bookworm-slim AS frontend" in dockerfile
    assert "COPY --from=frontend /app/web/dist/ ./web/dist/" in dockerfile
    assert "--ignore-scripts" in dockerfile or "YARN_ENABLE_SCRIPTS=false" in dockerfile
    # yarn 1's 30 s per download fails on large packages over a slow link
    assert ("--network-timeout 300000" in dockerfile) == (manager == "yarn")
    if manager != "npm":  # corepack: the pinned version, its hash checked; no lookup of the latest release
        assert "COREPACK_DEFAULT_TO_LATEST=0" in dockerfile and "COREPACK_INTEGRITY_KEYS" not in dockerfile
    # yarn 2+ through the npm registry like the packages, not from repo.yarnpkg.com
    assert ("COREPACK_NPM_REGISTRY=https://registry.npmjs.org" in dockerfile) == (manager == "yarn-berry")
    assert "web/dist" in (root / ".dockerignore").read_text().splitlines()
    assert hadolint(dockerfile) == []


def test_answers_turn_the_stage_off_or_change_it(tmp_path):
    root = project(tmp_path)
    result = scaffold("new", "--yes", "--frontend-scripts", "--frontend-build", "npm run build:prod", str(root))
    assert result.returncode == 0, result.stderr
    dockerfile = (root / "Dockerfile").read_text()
    assert '["npm", "run", "build:prod"]' in dockerfile and "--ignore-scripts" not in dockerfile
    result = scaffold("upgrade", "--set", "frontend=none", str(root))
    assert result.returncode == 0, result.stderr
    assert "AS frontend" not in (root / "Dockerfile").read_text()
    assert yaml.safe_load((root / ".scaffold" / "answers.yml").read_text())["answers"]["frontend"] == ""


@pytest.mark.parametrize("flags, message", [
    (["--frontend", "../outside"], "error: frontend from --frontend path part '..' is not allowed"),
    (["--frontend-output", "/etc"], "error: frontend output from --frontend-output must be relative to the project"),
    (["--frontend-output", "."], "error: frontend output '.' holds the frontend 'web' itself"),
    (["--frontend-output", "web"], "error: frontend output 'web' holds the frontend 'web' itself"),
    (["--frontend-build", "npm run build && curl x"], "error: frontend build from --frontend-build contains shell syntax (`&&`), which the exec-form RUN"),
])
def test_bad_frontend_answers_are_refused_in_one_line(flags, message, tmp_path):
    root = project(tmp_path)
    result = scaffold("new", "--yes", *flags, str(root))
    assert result.returncode == 2 and result.stderr.strip().startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (root / "Dockerfile").exists()


def test_a_frontend_named_without_what_it_needs_is_refused(tmp_path):
    root = write(tmp_path / "app", GO_APP)
    result = scaffold("new", "--yes", "--frontend", "web", str(root))
    assert result.returncode == 2 and "frontend manager is missing for the frontend in web" in result.stderr
    assert "--frontend-manager npm" in result.stderr and not (root / "Dockerfile").exists()
    result = scaffold("new", "--yes", "--frontend", "web", "--frontend-manager", "pnpm", "--frontend-output", "web/out",
                      "--frontend-build", "corepack pnpm run build", str(root))
    assert result.returncode == 0, result.stderr
    assert "COPY --from=frontend /app/web/out/ ./web/out/" in (root / "Dockerfile").read_text()


def test_a_frontend_at_the_app_root_copies_only_what_its_build_reads(tmp_path):
    package = {**PACKAGE, "devDependencies": {"webpack": "5"}}
    root = write(tmp_path / "app", {**GO_APP, "package.json": json.dumps(package), "package-lock.json": "{}",
                                    "webpack.config.js": 'module.exports = { entry: "./client/main.js", output: '
                                                         '{ path: path.resolve(__dirname, "web/dist") } };\n',
                                    "tsconfig.json": "{}", "client/main.js": "", "README.md": "",
                                    ".npmrc": "//registry.example/:_authToken=not-for-the-image\n"})
    found = facts(root)
    assert found["frontend"]["value"] == "." and found["frontend_output"]["value"] == "web/dist"
    # .npmrc may hold a token (and .dockerignore leaves it out, so a COPY of it would fail)
    assert found["frontend_sources"]["value"] == ["client", "tsconfig.json", "webpack.config.js"]
    result = scaffold("new", "--yes", str(root))
    assert result.returncode == 0, result.stderr
    dockerfile = (root / "Dockerfile").read_text()
    assert "COPY client ./client\nCOPY tsconfig.json ./tsconfig.json\nCOPY webpack.config.js ./webpack.config.js\n" \
           "RUN [\"npm\", \"run\", \"build\"]" in dockerfile
    assert hadolint(dockerfile) == []


def test_exec_maven_plugin_running_npm_is_skipped_in_the_maven_build(tmp_path):
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "java/spring-boot-frontend", root)
    pom = root / "pom.xml"
    pom.write_text(pom.read_text().replace("    </plugins>", """      <plugin>
        <groupId>org.codehaus.mojo</groupId>
        <artifactId>exec-maven-plugin</artifactId>
        <configuration><executable>npm</executable><workingDirectory>frontend</workingDirectory></configuration>
      </plugin>
    </plugins>"""))
    found = facts(root)
    assert found["frontend_maven_exec"]["value"] is True and found["frontend_maven_exec"]["evidence"]["file"] == "pom.xml"
    result = scaffold("new", "--yes", str(root))
    assert result.returncode == 0, result.stderr
    build = (root / "Dockerfile").read_text().split("COPY --from=frontend", 1)[1]
    assert "-Dexec.skip" in build and "-Dskip.installnodenpm" in build
    assert hadolint((root / "Dockerfile").read_text()) == []


POM = ('<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>x</groupId>'
       '<artifactId>{}</artifactId><version>1</version>{}</project>')
SHADED = ("<plugin><artifactId>maven-shade-plugin</artifactId><executions><execution><goals>"
          "<goal>shade</goal></goals></execution></executions></plugin>")
MAIN = "package x;\npublic class {0} {{ public static void main(String[] a) {{}} }}\n"


@pytest.mark.parametrize("node, expected, warned", [
    ("<nodeVersion>v18.17.0</nodeVersion>", "18", []),
    ("<nodeVersion>${node.version}</nodeVersion>", "22", []),  # the property, set in the same pom
    ("<nodeVersion>v14.17.6</nodeVersion>", "16", ["pom.xml"]),  # older than any bookworm node image
])
def test_the_node_a_maven_build_installs_is_the_stage_s(node, expected, warned, tmp_path):
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "java/spring-boot-frontend", root)
    pom = root / "pom.xml"
    pom.write_text(pom.read_text().replace("<nodeVersion>v20.18.1</nodeVersion>", node)
                   .replace("</properties>", "<node.version>v22.11.0</node.version></properties>"))
    report = detect(root)
    (app,) = report.apps
    assert app.value("frontend_node") == expected and app.facts["frontend_node"].evidence.file == "pom.xml"
    assert [w.file for w in report.warnings if "Node" in w.message] == warned


# -- a UI is attached only to the app whose own files expect its output ------------------------------------


def test_a_ui_no_backend_file_names_is_not_attached_and_the_flag_is_named(tmp_path):
    root = project(tmp_path, **{"web/vite.config.ts": 'export default { build: { outDir: "../static/app" } }\n',
                                # CI, IDE and make files naming the folder are not the app expecting it
                                ".github/workflows/ui.yml": "steps:\n  - run: ls static/app\n",
                                ".gitpod.yml": "tasks:\n  - init: ls static/app\n", "Makefile": "ui:\n\tls static/app\n"})
    report = detect(root)
    assert not [key for key in report.apps[0].facts if key.startswith("frontend")]
    said = [str(warning) for warning in report.warnings]
    assert said == ["web/package.json: no go:embed, static setting or plugin names static/app: built into no app "
                    "(--frontend web)"]


def test_a_go_module_s_ui_goes_to_the_program_that_embeds_it_not_to_its_siblings(tmp_path):
    files = {"go.mod": GO_APP["go.mod"], "web/package.json": json.dumps(PACKAGE), **LOCKS["npm"],
             "cmd/server/main.go": GO_APP["main.go"].replace("all:web/dist", "all:../../web/dist"),
             "cmd/tool/main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("tool") }\n'}
    apps = {app.name: app for app in detect(write(tmp_path / "app", files)).apps}
    assert apps["server"].value("frontend") == "web" and apps["server"].value("frontend_output") == "web/dist"
    assert apps["tool"].value("frontend") is None


def test_a_build_module_gets_only_the_ui_inside_its_own_folder(tmp_path):
    shaded = f"<build><plugins>{SHADED}</plugins></build>"
    files = {"pom.xml": POM.format("root", "<packaging>pom</packaging><modules><module>api</module>"
                                           "<module>ui</module></modules>"),
             "api/pom.xml": POM.format("api", shaded), "api/src/main/java/x/Api.java": MAIN.format("Api"),
             "ui/pom.xml": POM.format("ui", shaded), "ui/src/main/java/x/Ui.java": MAIN.format("Ui"),
             "ui/src/main/webui/package.json": json.dumps(PACKAGE), "ui/src/main/webui/package-lock.json": "{}",
             "ui/src/main/webui/vite.config.js": 'export default { build: { outDir: "../resources/META-INF/resources" } }\n'}
    apps = {app.value("module"): app for app in detect(write(tmp_path / "app", files)).apps}
    assert apps["ui"].value("frontend_output") == "ui/src/main/resources/META-INF/resources"
    assert apps["api"].value("frontend") is None


def test_no_frontend_is_the_conventional_spelling_of_frontend_none(tmp_path):
    root = project(tmp_path)
    result = scaffold("new", "--yes", "--dry-run", "--no-frontend", str(root))
    assert result.returncode == 0, result.stderr
    assert "AS frontend" not in result.stdout
    both = scaffold("new", "--yes", "--dry-run", "--no-frontend", "--frontend", "web", str(root))
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_a_ui_embedded_by_a_library_package_goes_to_the_programs_that_import_it(tmp_path):
    main = 'package main\n\nimport (\n\t"net/http"\n\n\t"example.com/app/internal/server"\n)\n\nfunc main() {{ {} }}\n'
    files = {"go.mod": GO_APP["go.mod"], "web/package.json": json.dumps(PACKAGE), **LOCKS["npm"],
             # the embed sits in the UI's own folder, in a package the server reaches through internal/server
             "web/build.go": 'package web\n\nimport "embed"\n\n//go:embed all:dist\nvar Dist embed.FS\n',
             "internal/server/server.go": 'package server\n\nimport _ "example.com/app/web"\n\nfunc Run() {}\n',
             "cmd/server/main.go": main.format("server.Run(); http.ListenAndServe(\":8080\", nil)"),
             "cmd/ctl/main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("ctl") }\n'}
    apps = {app.name: app for app in detect(write(tmp_path / "app", files)).apps}
    assert apps["server"].value("frontend_output") == "web/dist"
    assert apps["server"].facts["frontend_output"].evidence.file == "web/build.go"
    assert apps["ctl"].value("frontend") is None


def test_vue_cli_output_dir_is_read(tmp_path):
    package = {**PACKAGE, "scripts": {"build": "vue-cli-service build"}, "devDependencies": {"@vue/cli-service": "5"}}
    root = project(tmp_path, package=package,
                   **{"web/vue.config.js": "module.exports = {\n  outputDir: '../static/app',\n};\n",
                      "static.go": "package main\n\nimport \"embed\"\n\n//go:embed static/app\nvar s embed.FS\n"})
    found = facts(root)
    assert found["frontend_output"]["value"] == "static/app"
    assert found["frontend_output"]["evidence"]["file"] == "static.go"


def test_a_build_module_gets_a_sibling_module_s_ui_only_when_its_own_files_copy_it_in(tmp_path):
    copy_in = ("<plugin><artifactId>maven-resources-plugin</artifactId><executions><execution><goals><goal>"
               "copy-resources</goal></goals><configuration><outputDirectory>src/main/resources/public"
               "</outputDirectory><resources><resource>\n<directory>${project.parent.basedir}/frontend/target/dist"
               "</directory>\n</resource></resources></configuration></execution></executions></plugin>")
    files = {"pom.xml": POM.format("root", "<packaging>pom</packaging><modules><module>frontend</module>"
                                           "<module>backend</module><module>api</module></modules>"),
             "backend/pom.xml": POM.format("backend", f"<build><plugins>{SHADED}{copy_in}</plugins></build>"),
             "backend/src/main/java/x/Backend.java": MAIN.format("Backend"),
             "api/pom.xml": POM.format("api", f"<build><plugins>{SHADED}</plugins></build>"),
             "api/src/main/java/x/Api.java": MAIN.format("Api"),
             "frontend/pom.xml": POM.format("frontend", ""),
             "frontend/package.json": json.dumps(PACKAGE), "frontend/package-lock.json": "{}",
             "frontend/vite.config.js": 'export default { build: { outDir: "target/dist" } }\n'}
    apps = {app.value("module"): app for app in detect(write(tmp_path / "app", files)).apps}
    assert apps["backend"].value("frontend") == "frontend"
    assert apps["backend"].value("frontend_output") == "frontend/target/dist"
    assert apps["backend"].facts["frontend_output"].evidence.file == "backend/pom.xml"
    assert apps["api"].value("frontend") is None


def test_a_package_whose_binary_comes_from_its_install_script_is_said(tmp_path):
    package = {**PACKAGE, "devDependencies": {"vite": "5.4.21", "node-sass": "8.0.0"}}
    report = detect(project(tmp_path, package=package))
    assert report.apps[0].value("frontend") == "web"
    assert [str(w) for w in report.warnings] == ["web/package.json: node-sass gets its binary in an install script, "
                                                 "which the frontend stage skips (--frontend-scripts runs them)"]


def test_malformed_dependency_lists_are_no_dependencies(tmp_path):
    found = facts(project(tmp_path, package={**PACKAGE, "devDependencies": ["vite"], "dependencies": "react"}))
    assert found["frontend_output"]["value"] == "web/dist"


def test_a_ui_at_the_repository_root_no_backend_file_names_is_said_not_a_crash():
    """package.json at the root of the app (its folder is ""): the flag named is `--frontend .`."""
    report = detect(FIXTURES / "go/ui-root-unclaimed")
    assert [app.value("frontend") for app in report.apps] == [None]
    assert [str(warning) for warning in report.warnings] == [
        "package.json: no go:embed, static setting or plugin names dist: built into no app (--frontend .)"]


def test_a_ui_at_the_module_root_that_no_program_names_is_said_not_a_crash(tmp_path):
    """A package.json with a build and a lockfile at a Go module's root that no program embeds: detection
    named its folder for the warning with os.path.relpath("") and stopped with an internal error."""
    root = write(tmp_path / "app", {**GO_APP, "main.go": GO_APP["main.go"].replace("all:web/dist", "all:static"),
                                    "static/index.html": "<html></html>\n",
                                    "package.json": json.dumps(PACKAGE), "package-lock.json": "{}"})
    report = detect(root)
    assert not [key for key in report.apps[0].facts if key.startswith("frontend")]
    assert [str(w) for w in report.warnings] == ["package.json: no go:embed, static setting or plugin names dist: "
                                                 "built into no app (--frontend .)"]


def test_esbuild_outdir_and_a_go_embed_of_the_folder_holding_it(tmp_path):
    """esbuild's `outdir` in the file the build script runs with node, embedded through its parent folder
    (`//go:embed ui` in server/ holds server/ui/dist); the module's command-line tool gets no UI."""
    found = {app.name: app for app in detect(FIXTURES / "go/embed-esbuild").apps}
    output = found["embedesbuild"].facts["frontend_output"].to_json()
    assert output["value"] == "server/ui/dist"
    assert output["evidence"] == {"file": "server/embed.go", "line": 10, "text": "//go:embed ui"}
    assert found["embedesbuild"].value("frontend_sources") == ["server", "build.config.mjs"]
    assert found["notify"].value("frontend") is None
    # a pattern below the output's folder, or a glob, embeds no more than it names
    project = tmp_path / "app"
    shutil.copytree(FIXTURES / "go/embed-esbuild", project)
    embed = project / "server" / "embed.go"
    for pattern in ("ui/index.html", "ui/*.html"):
        embed.write_text(embed.read_text().replace("//go:embed ui\n", f"//go:embed {pattern}\n")
                         .replace("//go:embed ui/index.html\n", f"//go:embed {pattern}\n"))
        assert detect(project).apps[0].value("frontend") is None


def test_a_dockerfile_stage_states_the_script_where_it_writes_and_where_the_app_takes_it(tmp_path):
    """The node stage of a Dockerfile (docker/Dockerfile) runs `yarn run export` and a later stage copies
    its /build/dist to cmd/console/admin, where the program embeds it: the script, the output, the
    target and the node image's major are taken from it."""
    found = facts(FIXTURES / "go/embed-stage-moved")
    assert found["frontend"]["value"] == "admin"
    assert found["frontend_build"]["value"] == ["corepack", "yarn", "run", "export"]
    assert found["frontend_build"]["evidence"] == {"file": "docker/Dockerfile", "line": 8, "text": "RUN yarn run export"}
    assert found["frontend_output"]["value"] == "admin/dist"
    assert found["frontend_output"]["evidence"]["line"] == 14
    assert found["frontend_target"]["value"] == "cmd/console/admin"
    assert found["frontend_target"]["evidence"] == {"file": "cmd/console/main.go", "line": 12, "text": "//go:embed admin"}
    assert found["frontend_node"]["value"] == "18"
    project = tmp_path / "app"
    shutil.copytree(FIXTURES / "go/embed-stage-moved", project)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    dockerfile = (project / "Dockerfile").read_text()
    assert "COPY --from=frontend /app/admin/dist/ ./cmd/console/admin/\n" in dockerfile
    assert '["corepack", "yarn", "run", "export"]' in dockerfile and "FROM node:18-bookworm-slim AS frontend" in dockerfile
    assert {"admin/dist", "cmd/console/admin"} <= set((project / ".dockerignore").read_text().splitlines())


def test_a_dockerfile_stage_alone_ties_a_ui_only_to_an_app_alone_at_its_root(tmp_path):
    """Without the go:embed line, the Dockerfile's copy is the evidence for the module's one program, and
    for none of several programs sharing the module's root (which one the Dockerfile builds is not said)."""
    project = tmp_path / "app"
    shutil.copytree(FIXTURES / "go/embed-stage-moved", project)
    main = project / "cmd" / "console" / "main.go"
    main.write_text(main.read_text().replace("admin", "static"))
    (project / "cmd" / "console" / "static").mkdir()
    found = facts(project)
    assert found["frontend_target"]["value"] == "cmd/console/admin"
    assert found["frontend_target"]["evidence"]["file"] == "docker/Dockerfile"
    (project / "cmd" / "other").mkdir()
    (project / "cmd" / "other" / "main.go").write_text(main.read_text())
    apps = detect(project).apps
    assert len(apps) == 2 and not [app for app in apps if app.value("frontend")]


def test_a_frontend_target_outside_the_build_or_the_whole_app_is_refused(tmp_path):
    root = project(tmp_path)
    result = scaffold("new", "--yes", "--frontend-target", ".", str(root))
    assert result.returncode == 2 and "frontend target '.' is the app's whole directory" in result.stderr
    result = scaffold("new", "--yes", "--frontend-target", "server/site", str(root))
    assert result.returncode == 0, result.stderr
    assert "COPY --from=frontend /app/web/dist/ ./server/site/\n" in (root / "Dockerfile").read_text()


def test_a_makefile_that_moves_the_output_says_where_the_app_takes_it(tmp_path):
    """`cd web && npm run build && mv build ../server/site` (one recipe line, continued): the UI builds into
    web/build and the program embeds server/site. A move of something else, or in another recipe line
    than the build's, or out of the app, says nothing."""
    found = facts(FIXTURES / "go/embed-make-moved")
    assert found["frontend_output"]["value"] == "web/build"
    assert found["frontend_target"]["value"] == "server/site"
    assert found["frontend_target"]["evidence"] == {"file": "server/server.go", "line": 10, "text": "//go:embed site"}
    assert found["frontend_build"]["evidence"] == {"file": "Makefile", "line": 11, "text": "&& npm run build \\"}
    project = tmp_path / "app"
    shutil.copytree(FIXTURES / "go/embed-make-moved", project)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    assert "COPY --from=frontend /app/web/build/ ./server/site/\n" in (project / "Dockerfile").read_text()
    other = tmp_path / "other"  # (the Dockerfile just written states the same: a copy without it)
    shutil.copytree(FIXTURES / "go/embed-make-moved", other)
    makefile = other / "Makefile"
    original = makefile.read_text()
    for changed in (original.replace("mv build ../server/site", "mv build/index.html ../server/site"),
                    original.replace("\t\t&& rm -rf ../server/site \\\n\t\t&& mv build ../server/site",
                                     "\n\tmv web/build server/site"),
                    original.replace("mv build ../server/site", "mv build ../../site")):
        makefile.write_text(changed)
        assert "frontend_target" not in facts(other), changed


def test_a_bundler_build_under_another_script_name_and_vite_out_dir_through_resolve(tmp_path):
    """No `build` script, but `"prod": "vite build"`, and `outDir: resolve("./frontend/dist")`: the one
    script that runs the bundler's build is the build, and the resolved folder is its output."""
    found = facts(FIXTURES / "python/django-vite-prod")
    assert found["frontend_build"]["value"] == ["corepack", "yarn", "run", "prod"]
    assert found["frontend_output"]["value"] == "frontend/dist"
    assert found["frontend_output"]["evidence"]["file"] == "mysite/settings.py"
    # two scripts that each run a build: which one the image wants is not said, so none is taken
    package = {**PACKAGE, "scripts": {"prod": "vite build", "staging": "vite build --mode staging"}}
    assert facts(project(tmp_path, package=package)) == {}
    config = 'export default { build: { outDir: path.resolve(__dirname, "../static/app") } }\n'
    root = project(tmp_path / "other", **{"web/vite.config.js": config,
                                          "static.go": 'package main\n\nimport "embed"\n\n//go:embed static/app\n'
                                                       "var s embed.FS\n"})
    assert facts(root)["frontend_output"]["value"] == "static/app"


def test_the_sources_of_a_root_ui_never_name_its_output_folder(tmp_path):
    """An esbuild configuration naming `"build/"` (its outdir, committed with a placeholder) and its entry
    `"client/app.js"`: the stage copies client/, not the output, which .dockerignore leaves out."""
    package = {**PACKAGE, "scripts": {"build": "node esbuild.config.js"}}
    root = write(tmp_path / "app", {**GO_APP, "main.go": GO_APP["main.go"].replace("all:web/dist", "all:build"),
                                    "package.json": json.dumps(package), "package-lock.json": "{}",
                                    "esbuild.config.js": 'build({ entryPoints: ["client/app.js"], outdir: "build/" })\n',
                                    "build/.gitkeep": "", "client/app.js": "console.log(1)\n"})
    found = facts(root)
    assert found["frontend_output"]["value"] == "build"
    assert found["frontend_sources"]["value"] == ["client", "esbuild.config.js"]
