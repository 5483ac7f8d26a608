"""Every render case against its checked-in golden files (tests/golden.py says what and why).

An intended change: `python -m tests.golden --update`, then review `git diff tests/expected/render`.
"""

from __future__ import annotations

import shutil

import pytest

from tests.golden import EXPECTED, differences, golden_cases, render_case, stale_cases
from tests.helpers import ROOT

CASES = golden_cases()


@pytest.mark.parametrize("case_id,raw", CASES, ids=[case_id for case_id, _ in CASES])
def test_render_matches_its_golden_files(case_id, raw):
    assert differences(case_id, render_case(raw)) == []


def test_every_golden_directory_belongs_to_a_case():
    assert EXPECTED.is_dir() and stale_cases() == []


def test_a_one_character_template_change_is_caught(tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    skeleton = templates / "_shared" / "Dockerfile.jinja"
    text = skeleton.read_text(encoding="utf-8")
    assert "USER " in text
    skeleton.write_text(text.replace("USER ", "USER  ", 1), encoding="utf-8")
    monkeypatch.setenv("SCAFFOLD_TEMPLATES", str(templates))  # generator/templates.py: a modified copy
    case_id, raw = CASES[0]
    problems = differences(case_id, render_case(raw))
    assert problems and problems[0].startswith(f"{case_id}/Dockerfile differs:"), problems
    assert "+USER  " in problems[0] and "python -m tests.golden --update" in problems[-1]


def test_a_missing_or_extra_file_is_caught(tmp_path):
    case_id, raw = CASES[0]
    files = render_case(raw)
    shutil.copytree(EXPECTED / case_id, tmp_path / case_id)
    (tmp_path / case_id / "compose.yaml").unlink()
    (tmp_path / case_id / "old.txt").write_text("gone\n")
    problems = differences(case_id, files, tmp_path)
    assert f"{case_id}/compose.yaml: rendered, not checked in" in problems
    assert f"{case_id}/old.txt: checked in, no longer rendered" in problems
