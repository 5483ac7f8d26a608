"""The runtime contract and the files that run the image: compose.yaml, k8s/, the CI pipelines.

One contract (generator/runtime.py) feeds the Dockerfile, compose.yaml and the manifests:
these tests check that they agree (user, port, writable paths) for every fixture and for
generated answers, that each file passes the linters people use on it (docker compose
config, compose-lint, checkov, trivy config, actionlint, zizmor), and what `scaffold new`
and `scaffold upgrade` do with them (an existing compose file is never overwritten
without --force; edits survive an upgrade).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import __version__
from generator.detect import detect
from generator.errors import InputError
from generator.languages import LANGUAGES
from generator.render import render
from generator.runtime import runtime_for
from generator.validate import resolve_answers, validate
from tests.cases import BASE, COMMON
from tests.helpers import FIXTURES, ROOT, copy_fixture, once_per_run, scaffold, tree
from tests.lint_tools import actionlint, checkov_kubernetes, compose_config, compose_lint_each, trivy_config, zizmor

DOCS = (ROOT / "docs" / "runtime.md").read_text(encoding="utf-8")
FINAL = {"go": "scratch", "python": "slim", "java": "distroless"}
EVERYTHING = {"kubernetes": True, "ci": "github"}

#: what changes the companion files: servers and command-line programs, release steps, secrets,
#: a port below 1024, an upload directory, an HTTP probe, and the other CI system
RUNTIME_CASES: Dict[str, Dict[str, Any]] = {
    "go": {"language": "go"},
    "go-cli": {"language": "go", "port": None},
    "go-gitlab": {"language": "go", "ci": "gitlab", "uid": 20000, "gid": 20001},
    "python": {"language": "python"},
    "python-release-secrets": {"language": "python", "release": ["python manage.py migrate", "python manage.py check"],
                               "secrets": ["db_password", "api-key"], "media_root": "media", "port": 8000},
    "go-low-port": {"language": "go", "port": 80, "kubernetes": False},
    "python-cli-release": {"language": "python", "port": None, "release": "python -m app.setup"},
    "java": {"language": "java"},
    "go-data-writable": {"language": "go", "data": "data,/var/lib/demo", "writable": "cache"},
    "python-data-release": {"language": "python", "data": ["instance"], "release": "flask db upgrade",
                            "media_root": "instance", "env_file": True},
    "python-config-file": {"language": "python", "start_command": ["uwsgi", "--ini", "deploy/uwsgi.ini"],
                           "config_file": "deploy/uwsgi.ini", "release": "python -m app.migrate"},
    "java-actuator": {"language": "java", "spring_boot": True, "packaging": "spring-boot", "main_class": "",
                      "actuator": True, "version": "21"},
}


def raw_answers(case: Dict[str, Any]) -> Dict[str, Any]:
    language = case["language"]
    return {**COMMON, **BASE[language], "final": FINAL[language], **EVERYTHING, **case}


def write(files: Dict[str, str], root: Path) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# -- the contract -----------------------------------------------------------------------


def contract(**changes: Any):
    return runtime_for(validate(raw_answers(changes)))


def test_each_language_says_what_its_image_runs():
    assert contract(language="go").command == ("/usr/local/bin/api",)
    assert contract(language="python").command == ("gunicorn", "--bind", "0.0.0.0:8080", "app:app")
    java = contract(language="java")
    assert java.command == ("/opt/java/runtime/bin/java", "-cp", "/app/app.jar:/app/lib/*", "com.example.App")
    assert contract(language="java", final="jre", packaging="shade").command == (
        "/usr/bin/java", "-cp", "/app/app.jar", "com.example.App")
    assert contract(language="java", main_class="").command[1:] == ("-jar", "/app/app.jar")
    assert contract(language="java", args="server config.yml").command[-3:] == ("com.example.App", "server",
                                                                                "config.yml")
    assert contract(language="java", main_class="", args=["server"]).command[-3:] == ("-jar", "/app/app.jar", "server")
    boot = contract(**RUNTIME_CASES["java-actuator"])
    assert boot.command[1:] == ("-XX:SharedArchiveFile=/app/app.jsa", "-jar", "/app/app.jar")  # its trained archive
    assert contract(**RUNTIME_CASES["java-actuator"], cds=False).command[1:] == (
        "org.springframework.boot.loader.launch.JarLauncher",)


def test_probes_limits_and_writable_paths_per_language():
    go, python, java = (contract(language=name) for name in ("go", "python", "java"))
    assert go.probe and not go.probe.command and "binary alone" in go.probe.no_command
    assert python.probe and python.probe.command[0] == "/app/venv/bin/python" and not python.probe.no_command
    assert java.probe and "second JVM" in java.probe.no_command and java.probe.http_path == ""
    assert contract(**RUNTIME_CASES["java-actuator"]).probe.http_path == "/actuator/health"  # type: ignore[union-attr]
    assert contract(language="java", actuator=True).probe.http_path == ""  # type: ignore[union-attr]  # not Spring Boot
    assert [w.path for w in go.writable] == [w.path for w in python.writable] == ["/tmp"]
    assert "java.io.tmpdir" in java.writable[0].why and "UsePerfData" in java.writable[0].why
    assert go.resources.memory_mb < python.resources.memory_mb < java.resources.memory_mb
    assert all(r.capabilities == () for r in (go, python, java))


def test_release_steps_secrets_low_port_and_media_root():
    runtime = contract(**RUNTIME_CASES["python-release-secrets"])
    assert runtime.release == (("python", "manage.py", "migrate"), ("python", "manage.py", "check"))
    assert runtime.secrets == ("db_password", "api-key") and runtime.capabilities == ()
    assert contract(**RUNTIME_CASES["go-low-port"]).capabilities == ("NET_BIND_SERVICE",)
    assert [(w.path, w.volume) for w in runtime.writable] == [("/tmp", "tmp"), ("/app/media", "app-media")]
    cli = contract(**RUNTIME_CASES["python-cli-release"])
    assert cli.probe is None and cli.port is None and cli.release == (("python", "-m", "app.setup"),)
    assert contract(language="python", media_root="/tmp").writable == contract(language="python").writable


@pytest.mark.parametrize("changes,needle", [
    ({"release": "python manage.py migrate && python manage.py check"}, "shell syntax"),
    ({"secrets": "db password/../x"}, "secrets from"),
    ({"media_root": "/etc/app"}, "would put a writable mount over /etc/app"),
    ({"media_root": "venv"}, "/app/venv"),
    ({"uid": 1000}, "uid above 10000"),
    ({"port": 443}, "a port of 1024 or above"),
    ({"ci": "jenkins"}, "ci from"),
    ({"data": "/tmp"}, "/tmp is always a tmpfs"),
    ({"writable": "data,/usr/share/x"}, "would put a writable mount over /usr/share/x"),
    ({"data": ["../outside"]}, "data from"),
])
def test_unsafe_runtime_answers_are_refused_in_one_line(changes, needle):
    with pytest.raises(InputError) as refused:
        validate(raw_answers({"language": "python", **changes}))
    assert needle in str(refused.value) and "\n" not in str(refused.value)


def test_without_kubernetes_a_low_uid_is_allowed():
    assert contract(language="go", uid=1000, kubernetes=False).uid == 1000


# -- every file agrees with the contract ------------------------------------------------


def final_user_and_port(dockerfile: str) -> Tuple[str, Optional[int]]:
    final = dockerfile[dockerfile.rindex("\nFROM "):]
    user = re.search(r"^USER (\S+)$", final, re.M)
    expose = re.search(r"^EXPOSE (\d+)$", final, re.M)
    assert user, final
    return user.group(1), int(expose.group(1)) if expose else None


def assert_state_dirs(dockerfile: str, runtime: Any) -> None:
    """The image creates exactly the writable folders but /tmp, owned by the app, and labels them."""
    final = dockerfile[dockerfile.rindex("\nFROM "):]
    label = re.search(r'^LABEL io\.hardened-scaffold\.state="([^"]*)"$', final, re.M)
    if not runtime.state_dirs:
        assert label is None and " AS state\n" not in dockerfile
        return
    assert label and label.group(1).split() == list(runtime.state_dirs)
    chown = re.search(r"^ && chown (\S+) (.*) \\$", dockerfile, re.M)
    assert chown and chown.group(1) == f"{runtime.uid}:{runtime.gid}"
    assert chown.group(2).split() == [f"/state{path}" for path in runtime.state_dirs]
    assert "\nCOPY --from=state /state/ /\n" in final


def assert_files_agree(files: Dict[str, str], answers: Dict[str, Any]) -> None:
    """The Dockerfile, compose.yaml, the manifests and the record say the same user, port and writable paths."""
    runtime = runtime_for(answers)
    user = f"{answers['uid']}:{answers['gid']}"
    port = answers["port"]
    paths = sorted(w.path for w in runtime.writable)
    lost = sorted(w.path for w in runtime.writable if not w.kept)
    kept = sorted(f"{w.volume}:{w.path}" for w in runtime.writable if w.kept)
    assert final_user_and_port(files["Dockerfile"]) == (user, port)
    assert_state_dirs(files["Dockerfile"], runtime)

    compose = yaml.safe_load(files["compose.yaml"])
    services = compose["services"]
    app = services[runtime.name]
    assert app["ports"] == [f"127.0.0.1:${{HOST_PORT:-{port}}}:{port}"] if port else "ports" not in app
    networks = [runtime.name] + ([f"{runtime.name}-services"] if runtime.services else [])
    backing = {run.name for run in runtime.services}  # the databases and caches: tests/test_services.py
    for name, service in services.items():
        if name in backing:
            continue
        assert service["user"] == user and service["read_only"] is True and service["cap_drop"] == ["ALL"], name
        assert sorted(entry.split(":")[0] for entry in service["tmpfs"]) == lost, name
        assert sorted(service.get("volumes", [])) == kept, name
        assert service["security_opt"] == ["no-new-privileges:true"] and service["networks"] == networks, name
        assert service.get("env_file") == ([{"path": ".env", "required": False}] if answers["env_file"] else None)
    assert len(services) == 1 + len(runtime.release) + len(backing)
    config = runtime.config
    for name, service in services.items():
        if name not in backing:
            assert service.get("configs") == ([{"source": f"{runtime.name}-config", "target": config.target}]
                                              if config else None), name
    assert compose.get("configs") == ({f"{runtime.name}-config": {"file": f"./{config.source}"}} if config else None)
    assert sorted(compose.get("volumes") or {}) == sorted([entry.split(":")[0] for entry in kept]
                                                          + [run.volume for run in runtime.services])

    if runtime.capabilities:
        assert app["cap_add"] == ["NET_BIND_SERVICE"] and port is not None and port < 1024
    else:
        assert "cap_add" not in app
    manifests = {name: list(yaml.safe_load_all(text)) for name, text in files.items() if name.startswith("k8s/")}
    if not answers["kubernetes"]:
        assert manifests == {}
        return
    workload = manifests["k8s/deployment.yaml" if port else "k8s/job.yaml"][0]
    pod = workload["spec"]["template"]["spec"]
    assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]) == (answers["uid"], answers["gid"])
    assert sorted(v["name"] for v in pod["volumes"] if "emptyDir" in v) == sorted(w.volume for w in runtime.tmpfs)
    claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"] if "persistentVolumeClaim" in v]
    assert sorted(claims) == sorted(f"{runtime.name}-{w.volume}" for w in runtime.volumes)
    assert sorted(c["metadata"]["name"] for c in manifests.get("k8s/persistentvolumeclaim.yaml", []) if c) == sorted(claims)
    for container in pod["containers"] + pod.get("initContainers", []):
        context = container["securityContext"]
        assert f"{context['runAsUser']}:{context['runAsGroup']}" == user
        assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
        assert sorted(m["mountPath"] for m in container["volumeMounts"] if m["name"] not in ("secrets", "config")) \
            == paths
        assert [(m["mountPath"], m["subPath"], m["readOnly"]) for m in container["volumeMounts"]
                if m["name"] == "config"] == ([(config.target, config.name, True)] if config else [])
    assert [v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v] == \
        ([f"{runtime.name}-config"] if config else [])
    assert len(pod.get("initContainers", [])) == len(runtime.release)
    (main,) = pod["containers"]
    if port:
        assert [p["containerPort"] for p in main["ports"]] == [port]
        assert manifests["k8s/service.yaml"][0]["spec"]["ports"][0]["port"] == port
        allow = manifests["k8s/networkpolicy.yaml"][1]["spec"]["ingress"]
        assert [p["port"] for rule in allow for p in rule["ports"]] == [port]
        assert all(main[probe] for probe in ("startupProbe", "livenessProbe", "readinessProbe"))
    else:
        assert "k8s/service.yaml" not in files and "ports" not in main and "livenessProbe" not in main
        assert manifests["k8s/networkpolicy.yaml"][1]["spec"]["ingress"] == []


def fixture_apps() -> List[Tuple[str, Any]]:
    apps = []
    for language in LANGUAGES:
        for fixture in sorted((FIXTURES / language.name).iterdir()):
            if fixture.name in ("malformed", "flask-dev"):  # flask-dev: no production server, no command to run
                continue
            for app in detect(fixture).apps:
                apps.append((f"{language.name}/{fixture.name}/{app.name}", app))
    return apps


FIXTURE_APPS = fixture_apps()
#: the flags that change what the files must agree on
FLAGS: Dict[str, Dict[str, Any]] = {
    "default": {"kubernetes": True},
    "ids-and-port": {"kubernetes": True, "uid": "20000", "gid": "30000", "port": "9090"},
    "cli": {"kubernetes": True, "port": "none"},
    "low-port": {"port": "443"},  # compose adds NET_BIND_SERVICE; Kubernetes manifests refuse a port below 1024
}


@pytest.mark.parametrize("flags", sorted(FLAGS))
@pytest.mark.parametrize("app_id,app", FIXTURE_APPS, ids=[a for a, _ in FIXTURE_APPS])
def test_every_fixture_agrees_across_dockerfile_compose_and_manifests(app_id, app, flags):
    changes = dict(FLAGS[flags])
    detected_port = resolve_answers(app, {}).values["port"]
    if changes.get("kubernetes") and "port" not in changes and detected_port is not None and detected_port < 1024:
        with pytest.raises(InputError, match="port of 1024 or above"):  # a fixture whose app listens on :80
            resolve_answers(app, changes)
        del changes["kubernetes"]
    answers = resolve_answers(app, changes).values
    assert_files_agree(render(answers), answers)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(language=st.sampled_from(sorted(BASE)),
       uid=st.integers(10001, 2_147_483_647), gid=st.integers(10001, 2_147_483_647),
       port=st.one_of(st.none(), st.integers(1024, 65535)),
       media=st.sampled_from(["", "media", "/srv/uploads", "/tmp"]),
       release=st.lists(st.sampled_from(["python manage.py migrate", "/usr/local/bin/api migrate"]), max_size=2),
       data=st.lists(st.sampled_from(["data", "/srv/uploads", "media", "/var/lib/app"]), max_size=2),
       writable=st.lists(st.sampled_from(["cache", "/srv/uploads", "/tmp", "logs"]), max_size=2))
def test_any_answers_agree_across_dockerfile_compose_and_manifests(language, uid, gid, port, media, release, data,
                                                                   writable):
    changes: Dict[str, Any] = {"language": language, "uid": uid, "gid": gid, "port": port, "data": data,
                               "writable": writable}
    if language == "python":
        changes.update(media_root=media, release=release)
    answers = validate(raw_answers(changes))
    assert_files_agree(render(answers), answers)


# -- the linters people use --------------------------------------------------------------


def _render_runtime_cases(root: Path) -> Dict[str, str]:
    projects = {}
    for case_id, case in RUNTIME_CASES.items():
        project = write(render(validate(raw_answers(case))), root / case_id)
        for name in case.get("secrets", []):
            write({f"secrets/{name}": "not a real secret\n"}, project)
        if case.get("config_file"):
            write({case["config_file"]: "[uwsgi]\n"}, project)
        projects[case_id] = str(project)
    return projects


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Dict[str, Path]:
    """Each runtime case written to a directory of its own (once per run; tests copy what they change),
    with the secret files compose reads."""
    return {case_id: Path(project)
            for case_id, project in once_per_run(tmp_path_factory, "runtime-cases", _render_runtime_cases).items()}


@pytest.fixture(scope="module")
def compose_findings(rendered) -> Dict[str, List[str]]:
    """compose-lint's findings for every case's compose.yaml, from one run over all of them."""
    found = compose_lint_each([project / "compose.yaml" for project in rendered.values()])
    return {case_id: found[project / "compose.yaml"] for case_id, project in rendered.items()}


@pytest.mark.lint
@pytest.mark.parametrize("case_id", sorted(RUNTIME_CASES))
def test_compose_file_passes_compose_and_compose_lint(case_id, rendered, compose_findings):
    project = rendered[case_id]
    assert compose_config(project) == ""
    assert compose_findings[case_id] == [], (project / "compose.yaml").read_text()


@pytest.fixture(scope="module")
def manifests(rendered, tmp_path_factory) -> Path:
    """Every case's k8s/ side by side, so that checkov and Trivy start once."""
    root = tmp_path_factory.mktemp("manifests")
    for case_id, project in rendered.items():
        if (project / "k8s").is_dir():
            shutil.copytree(project / "k8s", root / case_id)
    return root


@pytest.mark.lint
def test_manifests_pass_checkov_with_only_documented_skips(manifests):
    report = checkov_kubernetes(manifests)
    assert {name: entry["failed"] for name, entry in report.items() if entry["failed"]} == {}
    skipped = {(check, reason) for entry in report.values() for check, reason in entry["skipped"]}
    assert {check for check, _ in skipped} == {"CKV_K8S_43"}  # the image digest, set at deploy time
    assert all(reason and check in DOCS for check, reason in skipped)


@pytest.mark.lint
def test_manifests_pass_trivy_config_and_each_low_finding_is_explained(manifests):
    findings = trivy_config(manifests)
    serious = {target: [f for f in found if f[1] != "LOW"] for target, found in findings.items()}
    assert {target: found for target, found in serious.items() if found} == {}
    low = {finding[0] for found in findings.values() for finding in found}
    assert [check for check in sorted(low) if check not in DOCS] == []


@pytest.mark.lint
def test_the_trivy_and_checkov_runs_would_see_a_weakened_manifest(rendered, tmp_path):
    """The two linters are not blind here: dropping runAsNonRoot and readOnlyRootFilesystem is caught."""
    weak = tmp_path / "weak"
    shutil.copytree(rendered["go"] / "k8s", weak)
    deployment = weak / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")
                          .replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true"))
    assert any("KSV" in finding[0] for found in trivy_config(weak).values() for finding in found)
    assert any(entry["failed"] for entry in checkov_kubernetes(weak).values())


@pytest.mark.lint
@pytest.mark.parametrize("case_id", sorted(c for c in RUNTIME_CASES if RUNTIME_CASES[c].get("ci", "github") == "github"))
def test_github_workflow_passes_actionlint_and_zizmor(case_id, rendered):
    workflow = rendered[case_id] / ".github" / "workflows" / "container.yml"
    assert actionlint(workflow) == ""
    assert zizmor(workflow) == ""


def test_workflow_pins_every_action_by_sha_with_its_version_and_asks_for_least_permissions(rendered):
    text = (rendered["python"] / ".github" / "workflows" / "container.yml").read_text()
    uses = re.findall(r"uses: (\S+)@(\S+)(?: # (\S+))?", text)
    assert len(uses) >= 6
    for action, ref, version in uses:
        assert re.fullmatch(r"[0-9a-f]{40}", ref) and re.fullmatch(r"v\d+(\.\d+)*", version or ""), action
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    steps = {step.get("name", step.get("uses", "")): step for step in job["steps"]}
    build = [s for s in job["steps"] if s.get("uses", "").startswith("docker/build-push-action@")]
    assert any(s["with"].get("sbom") is True and s["with"].get("provenance") == "mode=max" for s in build)
    assert "/scaffold/bin/scaffold\" verify \"$IMAGE\" --port 8080" in steps["Verify the image against the hardening contract"]["run"]
    trivy = steps["Scan the image (Trivy)"]["with"]
    assert trivy["severity"] == "HIGH,CRITICAL" and trivy["exit-code"] == "1" and trivy["format"] == "sarif"


def test_gitlab_pipeline_pins_every_image_by_digest(rendered):
    pipeline = yaml.safe_load((rendered["go-gitlab"] / ".gitlab-ci.yml").read_text())
    assert {"hadolint", "container-build", "container-verify", "container-scan"} <= set(pipeline)
    images = re.findall(r"(?:image|name): (\S+:\S+)", (rendered["go-gitlab"] / ".gitlab-ci.yml").read_text())
    assert images and all(re.search(r"@sha256:[0-9a-f]{64}$", image) for image in images), images
    script = " ".join(pipeline["container-build"]["script"])
    assert "--sbom=true" in script and "--provenance=mode=max" in script
    scan = " ".join(pipeline["container-scan"]["script"])
    assert "--severity HIGH,CRITICAL" in scan and "--exit-code 1" in scan and "--format sarif" in scan
    assert "scaffold verify" in " ".join(pipeline["container-verify"]["script"])


def _build_wheel(dist: Path) -> str:
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet", "--wheel-dir", str(dist)],
                   check=True, capture_output=True)
    return str(next(dist.glob("hardened_scaffold-*.whl")))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """This project built as a wheel (once per run): what a release publishes, or what a team hosts before one."""
    return Path(once_per_run(tmp_path_factory, "wheel", _build_wheel))


def install_commands(project: Path, ci: str) -> str:
    """The pipeline's own commands that install hardened-scaffold, as the shell script the runner would run."""
    if ci == "github":
        (job,) = yaml.safe_load((project / ".github" / "workflows" / "container.yml").read_text())["jobs"].values()
        return next(step["run"] for step in job["steps"] if step.get("name", "").startswith("Install hardened-scaffold"))
    script = yaml.safe_load((project / ".gitlab-ci.yml").read_text())["container-verify"]["script"]
    return "\n".join(line for line in script if "scaffold" in line and "verify" not in line)


@pytest.mark.parametrize("ci,requirement", [
    ("github", "release"), ("github", "url"), ("github", "wrong hash"), ("github", "as generated"),
    ("gitlab", "release")])
def test_the_ci_installs_hardened_scaffold_by_the_hash_in_its_requirements_file(rendered, wheel, tmp_path, ci,
                                                                                 requirement):
    """The install step of the rendered pipeline, run by a shell in a fresh venv against a local index holding
    the wheel: it installs the wheel whose sha256 the requirements file names (by version, as after a release;
    by URL, as before one), and refuses any other, and the one the file names as generated (no hash set yet)."""
    import hashlib

    project = tmp_path / "project"
    shutil.copytree(rendered["python" if ci == "github" else "go-gitlab"], project)
    requirements = project / f".{ci}" / "scaffold-requirements.txt"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    line = {"release": f"hardened-scaffold=={__version__} --hash=sha256:{digest}",
            "url": f"hardened-scaffold @ {wheel.as_uri()} --hash=sha256:{digest}",
            "wrong hash": f"hardened-scaffold=={__version__} --hash=sha256:{'0' * 64}"}.get(requirement)
    generated = requirements.read_text()
    assert f"\nhardened-scaffold=={__version__} --hash=sha256:SET-THE-SHA256-OF-THE-WHEEL\n" in generated
    if line:
        requirements.write_text(re.sub(r"(?m)^hardened-scaffold.*$", line, generated))
    runner = tmp_path / "runner"
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "RUNNER_TEMP": str(runner), "HOME": str(tmp_path),
           "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheel.parent), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    script = install_commands(project, ci).replace("/tmp/scaffold", f"{runner}/scaffold")  # GitLab's venv, here
    result = subprocess.run(["bash", "-e", "-c", script], cwd=project, env=env, capture_output=True, text=True,
                            check=False)
    if requirement in ("wrong hash", "as generated"):
        assert result.returncode != 0 and "DO NOT MATCH THE HASHES" in result.stderr, result.stderr
        assert not (runner / "scaffold" / "bin" / "scaffold").exists()
        return
    assert result.returncode == 0, result.stderr
    verify = subprocess.run([str(runner / "scaffold" / "bin" / "scaffold"), "verify", "--help"], capture_output=True,
                            text=True, check=False)
    assert verify.returncode == 0 and "exit codes: 0 passes" in verify.stdout, verify.stderr


# -- scaffold new and upgrade ------------------------------------------------------------

COMPANIONS = {"compose.yaml", ".github/workflows/container.yml", ".github/scaffold-requirements.txt",
              "k8s/deployment.yaml", "k8s/service.yaml", "k8s/networkpolicy.yaml", "k8s/kustomization.yaml", "k8s/namespace.yaml"}


def record(project: Path) -> dict:
    return yaml.safe_load((project / ".scaffold" / "answers.yml").read_text())


def test_new_with_kubernetes_and_github_writes_every_file_and_records_the_contract(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    result = scaffold("new", "--yes", "--kubernetes", "--ci", "github", str(project))
    assert result.returncode == 0, result.stderr
    assert {"Dockerfile", ".dockerignore"} | COMPANIONS == set(record(project)["files"])
    assert all((project / name).is_file() for name in COMPANIONS)
    recorded = record(project)["runtime"]
    assert recorded["user"] == "10001:10001" and recorded["port"] == 8080 and recorded["command"] == ["/usr/local/bin/root"]
    assert "docker compose up --build" in result.stderr and "kubectl apply -k" in result.stderr
    ignored = (project / ".dockerignore").read_text().splitlines()
    assert {"compose.yaml", "k8s", ".github"} <= set(ignored)


def test_no_compose_writes_the_dockerfile_alone_and_says_how_to_run_it(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    result = scaffold("new", "--yes", "--no-compose", str(project))
    assert result.returncode == 0, result.stderr
    assert not (project / "compose.yaml").exists() and record(project)["answers"]["compose"] is False
    assert "docker run --rm --read-only --tmpfs /tmp --cap-drop ALL" in result.stderr
    kept = scaffold("new", "--yes", "--force", "--no-compose", "--data", "data", "--writable", "/srv/cache",
                    str(project))
    assert kept.returncode == 0, kept.stderr
    assert ("docker run --rm --read-only -v root-app-data:/app/data --tmpfs /tmp --tmpfs "
            "/srv/cache:uid=10001,gid=10001,mode=0700 --cap-drop ALL") in kept.stderr


@pytest.mark.parametrize("name", ["docker-compose.yml", "compose.yaml", "compose.yml", "docker-compose.yaml"])
def test_an_existing_compose_file_is_left_alone_without_force(tmp_path, name):
    project = copy_fixture("go/root", tmp_path)
    (project / name).write_text("services: {web: {image: 'nginx:1.27'}}\n")
    before = (project / name).read_bytes()
    result = scaffold("new", "--yes", "--kubernetes", str(project))
    assert result.returncode == 0, result.stderr
    assert f"{name} exists: compose.yaml not written" in result.stderr and "--force" in result.stderr
    assert (project / name).read_bytes() == before
    assert record(project)["answers"]["compose"] is False and "compose.yaml" not in record(project)["files"]
    assert (project / "Dockerfile").is_file() and (project / "k8s" / "deployment.yaml").is_file()
    again = scaffold("upgrade", str(project))  # and an upgrade does not add it beside theirs either
    assert again.returncode == 0 and (project / name).read_bytes() == before
    assert name == "compose.yaml" or not (project / "compose.yaml").exists()


def test_force_replaces_their_compose_file_keeping_it_as_orig(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    (project / "docker-compose.yml").write_text("services: {web: {image: 'nginx:1.27'}}\n")
    (project / "docker-compose.override.yml").write_text("services: {root: {privileged: true}}\n")
    result = scaffold("new", "--yes", "--force", str(project))
    assert result.returncode == 0, result.stderr
    assert (project / "compose.yaml").is_file() and not (project / "docker-compose.yml").exists()
    assert (project / "docker-compose.yml.orig").read_text() == "services: {web: {image: 'nginx:1.27'}}\n"
    assert "your docker-compose.yml is kept as docker-compose.yml.orig and removed" in result.stderr
    assert "docker-compose.override.yml exists" in result.stderr and "undo the hardening" in result.stderr


def test_a_failed_write_puts_their_compose_file_back(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    (project / "docker-compose.yml").write_text("services: {}\n")
    (project / "k8s").write_text("a file where the manifests' directory goes\n")
    result = scaffold("new", "--yes", "--force", "--kubernetes", str(project))
    assert result.returncode == 2 and "error: " in result.stderr
    assert (project / "docker-compose.yml").read_text() == "services: {}\n"
    assert not (project / "docker-compose.yml.orig").exists() and not (project / "compose.yaml").exists()


def test_a_removal_is_undone_when_a_later_write_fails(tmp_path, monkeypatch):
    from generator import fs
    from generator.errors import WriteError

    (tmp_path / "docker-compose.yml").write_text("theirs\n")
    (tmp_path / "Dockerfile").write_text("old\n")
    real_rename = fs.os.rename

    def failing_rename(src, dst, **kwargs):  # the Dockerfile is replaced after the removal is committed
        if dst == "Dockerfile":
            raise OSError(28, "No space left on device")
        return real_rename(src, dst, **kwargs)

    monkeypatch.setattr(fs.os, "rename", failing_rename)
    with pytest.raises(WriteError, match="nothing was written"):
        fs.write_files(tmp_path, {"Dockerfile": "new\n", "docker-compose.yml.orig": "theirs\n"},
                       exclusive={"docker-compose.yml.orig"}, remove=["docker-compose.yml"])
    assert (tmp_path / "docker-compose.yml").read_text() == "theirs\n" and (tmp_path / "Dockerfile").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "docker-compose.yml"]


def test_dry_run_with_everything_writes_nothing(tmp_path):
    project = copy_fixture("python/procfile", tmp_path)
    before = tree(project)
    result = scaffold("new", "--dry-run", "--json", "--kubernetes", "--ci", "gitlab", "--release",
                      "python -c pass", str(project))
    assert result.returncode == 0, result.stderr
    files = json.loads(result.stdout)["files"]
    assert {"compose.yaml", ".gitlab-ci.yml", "k8s/deployment.yaml"} <= set(files)
    assert "-release:" in files["compose.yaml"] and "initContainers:" in files["k8s/deployment.yaml"]
    assert tree(project) == before


def test_kubernetes_with_a_low_uid_is_refused_with_the_fix(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    result = scaffold("new", "--yes", "--kubernetes", "--uid", "1000", str(project))
    assert result.returncode == 2 and "uid above 10000" in result.stderr and "--uid 10001" in result.stderr
    assert not (project / "Dockerfile").exists()


def test_upgrade_keeps_edits_in_compose_and_a_manifest_across_an_answer_and_a_template_change(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    assert scaffold("new", "--yes", "--kubernetes", str(project)).returncode == 0
    compose, deployment = project / "compose.yaml", project / "k8s" / "deployment.yaml"
    compose.write_text(compose.read_text().replace("      context: .\n",
                                                   "      context: .\n    environment:\n      LOG_LEVEL: debug\n"))
    deployment.write_text(deployment.read_text().replace("  replicas: 1\n", "  replicas: 3\n"))

    result = scaffold("upgrade", "--set", "port=9000", str(project))  # an answer changes
    assert result.returncode == 0, result.stderr
    assert "LOG_LEVEL: debug" in compose.read_text() and '"127.0.0.1:${HOST_PORT:-9000}:9000"' in compose.read_text()
    assert "replicas: 3" in deployment.read_text() and "containerPort: 9000" in deployment.read_text()

    templates = tmp_path / "templates"  # then a template changes, in both files
    shutil.copytree(ROOT / "templates", templates)
    for name, old, new in (("project/compose.yaml.jinja", "    restart: on-failure\n", "    restart: unless-stopped\n"),
                           ("_shared/kubernetes.jinja", "timeoutSeconds: 3", "timeoutSeconds: 4")):
        path = templates / name
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))
    result = scaffold("upgrade", str(project), env={"SCAFFOLD_TEMPLATES": str(templates)})
    assert result.returncode == 0, result.stderr
    assert "LOG_LEVEL: debug" in compose.read_text() and "restart: unless-stopped" in compose.read_text()
    assert "replicas: 3" in deployment.read_text() and "timeoutSeconds: 4" in deployment.read_text()
    assert "<<<<<<<" not in compose.read_text() + deployment.read_text()


def test_upgrade_adds_manifests_and_a_pipeline_asked_for_later(tmp_path):
    project = copy_fixture("python/flask", tmp_path)
    assert scaffold("new", "--yes", str(project)).returncode == 0
    result = scaffold("upgrade", "--set", "kubernetes=true", "--set", "ci=gitlab", "--set", "secrets=db", str(project))
    assert result.returncode == 0, result.stderr
    assert "k8s/deployment.yaml was created" in result.stderr and ".gitlab-ci.yml was created" in result.stderr
    assert "db" in yaml.safe_load((project / "compose.yaml").read_text())["secrets"]
    assert record(project)["answers"]["kubernetes"] is True


def test_an_old_record_without_the_new_answers_upgrades_to_their_defaults(tmp_path):
    project = copy_fixture("go/root", tmp_path)
    assert scaffold("new", "--yes", "--no-compose", str(project)).returncode == 0
    answers_file = project / ".scaffold" / "answers.yml"
    old = record(project)
    for key in ("compose", "kubernetes", "ci", "secrets"):
        del old["answers"][key]
    del old["runtime"]
    answers_file.write_text(yaml.safe_dump(old))
    result = scaffold("upgrade", str(project))
    assert result.returncode == 0, result.stderr
    assert "compose.yaml was created" in result.stderr and record(project)["answers"]["compose"] is True


def test_every_setting_of_the_contract_is_in_the_docs():
    for setting in ("read_only", "tmpfs", "cap_drop", "NET_BIND_SERVICE", "no-new-privileges", "pids_limit", "mem_limit",
                    "cpus", "127.0.0.1", "healthcheck", "networks", "restart", "secrets", "service_completed_successfully",
                    "runAsNonRoot", "runAsUser", "allowPrivilegeEscalation", "seccompProfile", "readOnlyRootFilesystem",
                    "emptyDir", "automountServiceAccountToken", "NetworkPolicy", "initContainers", "startupProbe",
                    "hadolint", "provenance", "Trivy", "SARIF"):
        assert setting in DOCS, setting
    for row in ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"):
        assert f"| {row} " in DOCS or f"({row})" in DOCS or f" {row}," in DOCS, row
    assert all(language.name in runtime_language_sections() for language in LANGUAGES)


def runtime_language_sections() -> str:
    return DOCS[DOCS.index("## Per language"):] if "## Per language" in DOCS else ""


def test_writable_path_names_never_collide():
    from generator.languages.base import WritablePath
    from generator.runtime import Writable, _volume

    taken = [Writable("/a-b", "", 64, "a-b")]
    assert _volume(WritablePath("/a/b", ""), taken) == "a-b-2"
    assert _volume(WritablePath("/A_B.c", ""), []) == "a-b-c"
