"""Every template x final flavour renders to a Dockerfile that hadolint and checkov pass.

Each case's render is checked in (tests/expected/render) and tests/test_golden.py compares
it with a fresh render, so these tests read the checked-in files instead of rendering every
case again; hadolint and checkov each start once over all of them.
"""

from __future__ import annotations

import re

import pytest

from tests.cases import cases
from tests.golden import checked_in_render
from tests.lint_tools import checkov, hadolint_each

CASES = cases()


@pytest.fixture(scope="module")
def rendered():
    return {case_id: checked_in_render(case_id) for case_id, _ in CASES}


@pytest.fixture(scope="module")
def lint_findings(rendered):
    """{case: (hadolint findings, checkov failures)}, each linter run once over every case."""
    dockerfiles = {case_id: files["Dockerfile"] for case_id, files in rendered.items()}
    hadolint_found, checkov_found = hadolint_each(dockerfiles), checkov(dockerfiles)
    return {case_id: (hadolint_found[case_id], checkov_found[case_id]) for case_id in dockerfiles}


@pytest.mark.lint
@pytest.mark.parametrize("case_id", [c[0] for c in CASES])
def test_hadolint_and_checkov_clean(case_id, rendered, lint_findings):
    assert lint_findings[case_id] == ([], []), rendered[case_id]["Dockerfile"]


@pytest.mark.parametrize("case_id,raw", CASES, ids=[c[0] for c in CASES])
def test_hardening_shape(case_id, raw, rendered):
    """The contract's structural rows hold in the text (the e2e suite checks the images)."""
    files = rendered[case_id]
    dockerfile = files["Dockerfile"]
    assert ".dockerignore" in files and "**/.env" in files[".dockerignore"]
    instructions = [line.split()[0] for line in dockerfile.splitlines() if line and not line[0].isspace() and not line.startswith("#")]
    assert instructions.count("FROM") >= 2, "multi-stage"                              # H1
    final = dockerfile[dockerfile.rindex("\nFROM "):]
    assert re.search(r"^USER \d+:\d+$", final, re.M), "numeric USER in the final stage"  # H3
    assert re.search(r'^ENTRYPOINT \[".+"\]$', final, re.M), "exec-form ENTRYPOINT"      # H5
    assert "ADD " not in dockerfile                                                      # H8
    assert ":latest" not in dockerfile                                                   # H7
    assert re.search(r"^HEALTHCHECK ", final, re.M)                                      # H14
    assert f"EXPOSE {raw['port']}" in final and "org.opencontainers.image.title" in final  # H15
    assert "RUN --mount=type=cache" in dockerfile                                        # H9
    assert "BuildKit" in dockerfile.split("\nFROM")[0]
    assert not dockerfile.startswith("# syntax=")
