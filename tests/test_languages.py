"""The language registry: its declarations are consistent, and everything else derives from them."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from generator.copier_yml import written
from generator.detect.model import AppCandidate, Evidence
from generator.errors import InputError
from generator.languages import LANGUAGES, answer_fields, by_name, having, names
from generator.languages.base import COPIER_TYPES, DEFAULT_ORIGIN, FINAL, PORT, VERSION
from generator.prompts import question
from generator.validate import resolve_answers, validate
from tests.cases import cases
from tests.helpers import ROOT, scaffold, tree

GENERATOR = ROOT / "generator"
TEMPLATES = ROOT / "templates"


def copier_questions() -> Dict[str, Dict[str, Any]]:
    data = yaml.safe_load((TEMPLATES / "copier.yml").read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if not key.startswith("_")}


def test_copier_yml_questions_are_written_from_the_answer_fields():
    """`python -m generator.copier_yml` writes them: the file is what it writes."""
    text = (TEMPLATES / "copier.yml").read_text(encoding="utf-8")
    assert text == written(text), "templates/copier.yml is out of date: run python -m generator.copier_yml"


def test_copier_yml_declares_exactly_the_registry_answers():
    questions = copier_questions()
    assert questions.pop("language")["choices"] == list(names())
    fields = {field.key: field for field in answer_fields()}
    assert sorted(questions) == sorted(fields)
    for key, question_ in questions.items():
        assert question_["type"] == fields[key].type, key
        assert question_["when"] is False, key  # validated by us, never asked by copier
        defaults = {json.dumps(language.field(key).default) for language in having(key)}  # type: ignore[union-attr]
        shared = json.loads(defaults.pop()) if len(defaults) == 1 else None
        if shared is None:
            assert "default" not in question_, f"{key}: no default every language shares"
        else:
            assert question_.get("default") == shared, key


@pytest.mark.parametrize("language", LANGUAGES, ids=names())
def test_each_declaration_is_consistent(language):
    assert (TEMPLATES / language.templates / "Dockerfile.jinja").is_file()
    assert language.title and language.description and language.looks_for
    assert language.parse_version(language.default_version) == language.default_version
    assert language.field(PORT.key).parse(language.default_port) == language.default_port
    finals = language.final_names
    assert finals and len(set(finals)) == len(finals)
    assert all(0 < len(f.summary) <= 60 for f in language.finals)  # a choice line fits 80 columns
    keys = [field.key for field in language.answer_fields]
    assert len(set(keys)) == len(keys)
    for field in language.answer_fields:
        assert field.type in COPIER_TYPES, field.key
        assert field.help, field.key
        if field.default is not None:
            assert field.parse(field.default) == field.default, field.key
        if field.missing:
            assert field.default is None and field.flag and "{flag}" in field.missing, field.key


def test_version_and_final_are_bound_when_a_language_is_declared():
    """No parser waits for a language to be bound later: the common fields parse on their own,
    and each language's own were bound when its instance was created."""
    assert VERSION.parse("1.22") == "1.22" and FINAL.key == "final"
    for language in LANGUAGES:
        assert "answer_fields" in vars(language)
        assert language.field(VERSION.key).parse(language.default_version) == language.default_version
        assert language.field(FINAL.key).parse(language.finals[-1].name) == language.finals[-1].name


def test_a_flag_sets_one_answer_and_every_language_means_the_same_by_it():
    by_flag: Dict[str, str] = {}
    for language in LANGUAGES:
        for field in language.answer_fields:
            if field.flag:
                assert by_flag.setdefault(field.flag, field.key) == field.key
    help_text = scaffold("new", "--help").stdout
    for flag in by_flag:
        assert flag in help_text


def test_settable_keys_come_from_the_fields():
    help_text = " ".join(scaffold("upgrade", "--help").stdout.split())
    for field in answer_fields():
        if field.settable:
            assert field.key in help_text


def test_the_cases_use_the_registry_rule():
    """Every case renders, and every final a language refuses for a case's answers is left out."""
    ids = {case_id for case_id, _ in cases()}
    for language in LANGUAGES:
        for final in language.final_names:
            assert any(case_id.startswith(f"{language.name}-") and case_id.endswith(f"-{final}") for case_id in ids)
    for _, raw in cases():
        assert validate(raw)["final"] == raw["final"]


def test_a_refused_final_is_refused_with_the_same_reason_everywhere():
    go, python = by_name("go"), by_name("python")
    cgo = {"cgo": True}
    assert go.final_refusal(cgo, "scratch") and go.default_final(cgo) == "distroless"
    assert [f.name for f in go.allowed_finals(cgo)] == ["distroless", "debian"]
    assert python.final_refusal({"version": "3.12"}, "distroless")
    assert [f.name for f in python.allowed_finals({"version": "3.12"})] == ["slim"]
    raw = {**dict(cases())["go-cgo-debian"], "final": "scratch"}
    with pytest.raises(InputError) as refused:
        validate(raw, {"final": "--final"})
    assert str(refused.value) == f"final from --final {go.final_refusal(raw, 'scratch')}"


def _language_strings(path: Path, root: Path = ROOT) -> list:
    """String constants in `path` that are exactly a language's name or title."""
    words = {language.name for language in LANGUAGES} | {language.title for language in LANGUAGES}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in words:
            found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value!r}")
    return found


#: modules that landed before the registry and still name languages, with why; this list
#: may only shrink (the test fails when a listed module no longer needs to be on it)
NOT_YET_MOVED = {
    "generator/check/bases.py": "the language of any base image a hand-written Dockerfile names (node, elixir, ... too)",
    "generator/check/fix.py": "the tag pattern and language of each base image `check --fix` pins",
    "generator/check/rules.py": "the programs of each language a hand-written RUN/ENTRYPOINT runs (go build, python -m pip)",
    "generator/verify/checks.py": "the `go` program among the toolchain binaries a final image must not carry",
}


def test_no_language_is_named_outside_its_package_and_the_registry():
    own = {GENERATOR / "languages" / "__init__.py"}
    packages = [GENERATOR / "languages" / language.name for language in LANGUAGES]
    found: Dict[str, list] = {}
    for path in sorted(GENERATOR.rglob("*.py")):
        if path in own or any(package in path.parents for package in packages):
            continue
        strings = _language_strings(path)
        if strings:
            found[path.relative_to(ROOT).as_posix()] = strings
    assert {name: strings for name, strings in found.items() if name not in NOT_YET_MOVED} == {}
    assert sorted(found) == sorted(NOT_YET_MOVED), "a module no longer names a language: drop it from NOT_YET_MOVED"


def test_the_check_above_sees_a_language_string(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Go on."""\nif language == "go" or title == "Java":\n    pass\n', encoding="utf-8")
    assert _language_strings(sample, tmp_path) == ["sample.py:2: 'go'", "sample.py:2: 'Java'"]


# -- build plans: each language decides its build, templates lay it out -----------------------

#: a version number (1.10.1, 24.04), not an address (0.0.0.0, 127.0.0.1)
_VERSION_NUMBER = re.compile(r"(?<![\w.])(?!0\.0\.0\.0|127\.0\.0\.1)\d+\.\d+(?:\.\d+)*(?![\w.])")
#: Jinja that decides a build: parsing a version, switching on a tool's name
_DECIDING = re.compile(r"""\.split\(["']\.["']\)|map\(["']int["']\)|(package_manager|build_tool|packaging) *(==|!=|in )""")


def _template_code(path: Path) -> list:
    """The lines of a template that are not comments ({# #} and the `#` lines it writes), numbered."""
    text = re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group(0).count("\n"), path.read_text(encoding="utf-8"), flags=re.S)
    return [(number, line) for number, line in enumerate(text.splitlines(), 1) if not line.lstrip().startswith("#")]


def test_templates_pin_no_version_and_decide_no_build():
    """Every pin is in generator/pins.py, every build choice in the language's plan (Language.build)."""
    found = [f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
             for path in sorted(TEMPLATES.rglob("*.jinja")) for number, line in _template_code(path)
             if _VERSION_NUMBER.search(line) or _DECIDING.search(line)]
    assert found == []


def test_each_case_has_a_frozen_build_plan():
    for case_id, raw in cases():
        answers = validate(raw)
        plan = by_name(answers["language"]).build(answers)
        assert dataclasses.is_dataclass(plan), case_id
        with pytest.raises(dataclasses.FrozenInstanceError):
            plan.__setattr__(dataclasses.fields(plan)[0].name, None)


# -- answers carry their origins; prompts say where a default came from --------------------


def _app() -> AppCandidate:
    app = AppCandidate("go", "api", ".")
    app.set("version", "1.22", Evidence("go.mod", 3))
    app.set("port", 8080, Evidence("cmd/server/main.go", 31))
    app.set("package", "./cmd/server", Evidence("cmd/server/main.go", 1))
    app.set("cgo", False)
    app.set("toolchain", "go1.23.4", Evidence("go.mod", 5))
    return app


def test_answers_carry_where_each_value_came_from():
    resolved = resolve_answers(_app(), {"uid": "20000"})
    assert resolved.values["port"] == 8080 and resolved.origins["port"] == "cmd/server/main.go:31"
    assert resolved.values["version"] == "1.23" and resolved.origins["version"] == "go.mod:5"  # the toolchain line
    assert resolved.values["binary"] == "server" and resolved.origins["binary"] == "cmd/server/main.go:1"
    assert resolved.origins["uid"] == "--uid" and resolved.origins["gid"] == DEFAULT_ORIGIN
    assert resolved.origins["cgo"] == "the detected app go/api"


def test_prompts_say_where_the_default_came_from():
    resolved = resolve_answers(_app(), {})
    go = by_name("go")
    port = go.field(PORT.key)
    assert question(port, 8080, resolved.origins["port"]) == "Port the app listens on (8080, from cmd/server/main.go:31)"
    assert question(go.field(FINAL.key), "scratch", DEFAULT_ORIGIN) == "Final image (scratch, default)"
    long_command = ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "mysite.wsgi:application"]
    start = by_name("python").field("start_command")
    assert question(start, long_command, "Procfile:1") == "Start command (from Procfile:1)"
    assert question(port, 9000, None) == "Port the app listens on (9000)"  # origin unknown: not made up
    assert question(start, long_command, None) == "Start command"


# -- errors say what was looked for and the flag or file that fixes it ----------------------


def _write(root: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


SHADE_POM = """<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId><artifactId>shaded-lib</artifactId><version>1.0</version>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-{plugin}-plugin</artifactId><version>3.6.0</version>
    <executions><execution><phase>package</phase></execution></executions>
  </plugin></plugins></build>
</project>
"""


@pytest.mark.parametrize("files,flag,looked_for", [
    ({"requirements.txt": "requests==2.32.3\n", "lib/util.py": "X = 1\n"}, "--cmd", "Procfile web: line"),
    ({"pom.xml": SHADE_POM.format(plugin="shade")}, "--main-class", "<mainClass>"),
    ({"pom.xml": SHADE_POM.format(plugin="assembly")}, "--main-class", "<mainClass>"),
], ids=["python-no-start-command", "java-shade-no-main-class", "java-assembly-no-main-class"])
def test_nothing_found_for_a_required_answer_says_what_was_looked_for_and_the_flag(tmp_path, files, flag, looked_for):
    project = _write(tmp_path / "project", files)
    before = tree(project)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 2, result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and message.startswith("error: no ")
    assert "looked for" in message and looked_for in message and flag in message
    assert "expected" not in message  # never the parser's "expected text" / "expected a non-empty command"
    assert tree(project) == before


@pytest.mark.parametrize("files,flags,text", [
    ({"requirements.txt": "requests==2.32.3\n"}, ["--cmd", "python -m mytool"], '["python", "-m", "mytool"]'),
    ({"pom.xml": SHADE_POM.format(plugin="shade")}, ["--main-class", "com.example.Main"], "com.example.Main"),
    ({"pom.xml": SHADE_POM.format(plugin="shade")}, ["--main-class", ""], '"-jar", "/app/app.jar"'),
], ids=["cmd", "main-class", "manifest"])
def test_the_flag_named_by_the_message_fixes_it(tmp_path, files, flags, text):
    project = _write(tmp_path / "project", files)
    result = scaffold("new", "--yes", *flags, str(project))
    assert result.returncode == 0, result.stderr
    assert text in (project / "Dockerfile").read_text()


def test_an_empty_start_command_is_called_empty(tmp_path):
    project = _write(tmp_path / "project", {"requirements.txt": "requests==2.32.3\n"})
    result = scaffold("new", "--yes", "--cmd", "", str(project))
    assert result.returncode == 2
    assert "start command from --cmd is empty" in result.stderr and "expected" not in result.stderr


def test_a_django_app_without_a_settings_module_names_manage_py(tmp_path):
    project = _write(tmp_path / "project", {
        "requirements.txt": "django==5.0.6\ngunicorn\n",
        "manage.py": "import sys\nfrom django.core.management import execute_from_command_line\n"
                     "execute_from_command_line(sys.argv)\n",
        "mysite/wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
    })
    before = tree(project)
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 2
    assert "DJANGO_SETTINGS_MODULE" in result.stderr and "manage.py" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and tree(project) == before


def test_spring_boot_needs_no_main_class(tmp_path):
    """Its launcher (or, extracted, its jar's manifest) knows the main class: no @SpringBootApplication found is
    not an error."""
    project = _write(tmp_path / "project", {"pom.xml": SHADE_POM.format(plugin="shade").replace(
        "maven-shade-plugin", "spring-boot-maven-plugin").replace("org.apache.maven.plugins", "org.springframework.boot")})
    result = scaffold("new", "--yes", str(project))
    assert result.returncode == 0, result.stderr
    assert '"-jar", "/app/app.jar"]' in (project / "Dockerfile").read_text()
