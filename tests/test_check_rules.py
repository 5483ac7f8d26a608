"""`scaffold check` rules: the corpus snapshots, our own generated Dockerfiles, and each rule's edge cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest

from generator.check.dockerfile import parse
from generator.check.rules import RULES, check
from tests.cases import cases
from tests.check_corpus import BUILDABLE, NOT_BUILDABLE, compare_or_update, copy, finding_keys, fixtures
from tests.golden import checked_in_render
from tests.helpers import scaffold

#: the findings our own templates may get: none (the Debian-based finals are a runtime root
#: prepared in a build stage and copied onto scratch, so H16 and H17 hold there too)
DOCUMENTED_FOR_GENERATED: frozenset = frozenset()


def _check(path: Path) -> List[str]:
    result = scaffold("check", "--json", "--no-docker", str(path))
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    (report,) = json.loads(result.stdout)["files"]
    return finding_keys(report["findings"])


def test_every_fixture_is_classified():
    assert sorted(BUILDABLE) + sorted(NOT_BUILDABLE) and set(BUILDABLE) | set(NOT_BUILDABLE) == set(fixtures())
    assert not set(BUILDABLE) & set(NOT_BUILDABLE)


@pytest.mark.parametrize("name", fixtures())
def test_corpus_findings_match_the_snapshot(name, tmp_path):
    got = _check(copy(name, tmp_path) / "Dockerfile")
    assert got == compare_or_update(name, "findings", got)


@pytest.mark.parametrize("name", fixtures())
def test_corpus_fix_leaves_only_the_snapshot_findings(name, tmp_path):
    """--fix applies what it can; what is left (and what it refused) is the snapshot."""
    project = copy(name, tmp_path)
    original = (project / "Dockerfile").read_bytes()
    result = scaffold("check", "--fix", "--json", "--no-docker", str(project / "Dockerfile"))
    assert result.returncode in (0, 1), result.stderr
    (report,) = json.loads(result.stdout)["files"]
    after = finding_keys(report["findings"])
    refused = sorted({line.split(": ")[1].split(" (")[0] for line in report.get("fix", {}).get("refused", [])})
    assert after == compare_or_update(name, "after_fix", after)
    assert refused == compare_or_update(name, "fix_refused", refused)
    # checked again from the written file: the same findings, and the original kept byte for byte
    assert _check(project / "Dockerfile") == after
    if report.get("fix", {}).get("applied"):
        assert (project / "Dockerfile.orig").read_bytes() == original
    else:
        assert not (project / "Dockerfile.orig").exists()
    fixable_left = [key for key in after if RULES[key.split()[2]].fixable and key.split()[2] not in refused]
    assert fixable_left == [], f"fixable findings left without a reason: {fixable_left}"


def test_hardened_fixture_has_no_findings(tmp_path):
    assert _check(copy("multi-stage-builder-root", tmp_path) / "Dockerfile") == []


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> List[tuple]:
    """Every template x final x variant of tests/cases.py as rendered: the checked-in renders, which
    tests/test_golden.py compares with a fresh render (rendering every case again here cost minutes)."""
    root = tmp_path_factory.mktemp("generated")
    rendered = []
    for case_id, _ in cases():
        directory = root / case_id
        directory.mkdir()
        for name, text in checked_in_render(case_id).items():
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_text(text)
        rendered.append((case_id, directory))
    return rendered


def test_our_generated_dockerfiles_have_no_findings(generated):
    """No false positive on what `scaffold new` writes, and nothing true either: zero findings."""
    for case_id, directory in generated:
        dockerfile = parse((directory / "Dockerfile").read_text(), directory / "Dockerfile")
        report = check(dockerfile, directory / "Dockerfile", case_id)
        assert not report.error, report.error
        rules = {f.rule.id for f in report.findings}
        assert rules <= DOCUMENTED_FOR_GENERATED, f"{case_id}: {[(f.line, f.rule.id, f.seen) for f in report.findings]}"


def _findings(text: str, tmp_path: Path, name: str = "Dockerfile", **files: str) -> List[str]:
    path = tmp_path / name
    path.write_text(text)
    for extra, content in files.items():
        (tmp_path / extra.replace("__", ".")).write_text(content)
    report = check(parse(text, path), path, name)
    return [f"{f.line} {f.rule.id}" for f in report.findings]


def test_a_folder_the_state_label_declares_may_be_chowned_to_the_app_and_nothing_else(tmp_path):
    """What `scaffold verify` accepts as the user's (the label), `scaffold check` accepts too: exactly those
    (besides a folder of its own the same RUN makes outside the app's code: tests/test_check_cli.py)."""
    def chown(targets: str, label: str = 'LABEL io.hardened-scaffold.state="/app/data /app"\n') -> List[str]:
        return _findings(f"FROM debian:bookworm-slim\n{label}RUN mkdir -p /app/data && chown 10001 {targets}"
                         "\nUSER 10001:10001\nENTRYPOINT [\"/bin/true\"]\n", tmp_path)

    assert "3 chown-to-user" not in chown("/app/data")
    assert "3 chown-to-user" in chown("/app/data /usr/local/lib")  # a system folder is never the app's
    assert "3 chown-to-user" in chown("-R /app")  # a label cannot declare the app's own folder
    # without the label, a folder inside the app's code (WORKDIR, COPY) is the code's: a finding
    assert "4 chown-to-user" in chown("/app/data", label="WORKDIR /app\nCOPY app.py ./\n")


def test_only_the_final_stage_must_be_non_root(tmp_path):
    text = ("FROM golang:1.22 AS build\nRUN go version\n"
            "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /x /x\nENTRYPOINT [\"/x\"]\n")
    assert not [f for f in _findings(text, tmp_path) if "root" in f or "user" in f]


def test_user_is_inherited_from_the_stage_built_from(tmp_path):
    root = "FROM python:3.12-slim AS base\nRUN true\nFROM base\nCMD [\"python\"]\n"
    assert "3 root-user" in _findings(root, tmp_path)
    non_root = "FROM python:3.12-slim AS base\nUSER 10001:10001\nFROM base\nCMD [\"python\"]\n"
    assert not [f for f in _findings(non_root, tmp_path) if "user" in f]


def test_a_base_images_default_user_counts(tmp_path):
    nonroot = "FROM gcr.io/distroless/static-debian12:nonroot\nENTRYPOINT [\"/x\"]\n"
    assert not [f for f in _findings(nonroot, tmp_path) if "user" in f]
    root = "FROM gcr.io/distroless/static-debian12\nENTRYPOINT [\"/x\"]\n"
    assert "1 root-user" in _findings(root, tmp_path)
    chainguard = "FROM cgr.dev/chainguard/static@sha256:" + "a" * 64 + "\nENTRYPOINT [\"/x\"]\n"
    assert not [f for f in _findings(chainguard, tmp_path) if "user" in f or "unpinned" in f]


def test_arg_in_user_and_from_is_expanded(tmp_path):
    text = "ARG BASE=debian:bookworm-slim\nFROM ${BASE}\nARG UID=0\nUSER ${UID}\nCMD [\"x\"]\n"
    assert "4 root-user" in _findings(text, tmp_path)
    text = "FROM debian:bookworm-slim\nARG UID=10001\nUSER ${UID}:${UID}\nCMD [\"x\"]\n"
    assert not [f for f in _findings(text, tmp_path) if "user" in f]


def test_removing_the_shell_in_the_final_stage_is_seen(tmp_path):
    text = ("FROM debian:bookworm-slim\nRUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + "
            "&& rm -f /bin/sh /bin/bash /bin/dash /bin/rbash /usr/bin/apt* /usr/bin/dpkg\n"
            "USER 10001:10001\nCMD [\"x\"]\n")
    found = _findings(text, tmp_path)
    assert not [f for f in found if f.split()[1] in ("shell-in-final", "package-manager-in-final", "setuid-files")]
    assert "2 removed-behind-package-manager" in found and "2 deleted-in-final" in found


def test_shell_form_and_invalid_json(tmp_path):
    found = _findings("FROM scratch\nUSER 1:1\nENTRYPOINT ['/app']\n", tmp_path)
    assert "3 shell-form-command" in found
    found = _findings("FROM scratch\nUSER 1:1\nHEALTHCHECK NONE\nENTRYPOINT [\"/app\"]\n", tmp_path)
    assert not [f for f in found if "shell-form" in f or "healthcheck" in f]


def test_secret_values_are_found_and_never_printed(tmp_path):
    token = "ghp_" + "A1b2C3d4" * 5
    text = f"FROM scratch\nENV SERVICE_URL=https://user:{'p4ss' * 3}@db.example/x\nLABEL note={token}\nUSER 1:1\n"
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    result = scaffold("check", "--json", str(path))
    assert token not in result.stdout and "p4ssp4ss" not in result.stdout
    rules = [f["rule"] for f in json.loads(result.stdout)["files"][0]["findings"]]
    assert rules.count("secret-value") == 2


def test_secret_names_and_not_secrets(tmp_path):
    found = _findings("FROM scratch\nARG NPM_TOKEN\nARG AWS_SECRET_ACCESS_KEY\nENV DB_PASSWORD_FILE=/run/secrets/db\n"
                      "ENV TOKEN_URL=https://x\nENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\nENV PWD=/app\n"
                      "USER 1:1\n", tmp_path)
    assert [f for f in found if "secret" in f] == ["2 secret-in-arg-env", "3 secret-in-arg-env"]


def test_dockerignore_semantics(tmp_path):
    from generator.check.dockerignore import parse

    rules = parse(".dockerignore", "# comment\n**/.git\n*.key\n!keep.key\n/config/*.pem\nsecrets\n").excludes
    assert rules(".git/HEAD") and rules("sub/.git/config")
    assert rules("server.key") and not rules("keep.key") and not rules("sub/server.key")
    assert rules("config/tls.pem") and not rules("tls.pem")
    assert rules("secrets/a/b.txt")
    everything = parse(".dockerignore", "*\n!src\n").excludes
    assert everything(".env") and not everything("src/main.py")


def test_dockerignore_finding_names_what_leaks(tmp_path):
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "server.key").write_text("x")
    found = _findings("FROM scratch\nCOPY . /app\nUSER 1:1\n", tmp_path, __env="A=1\n")
    assert "2 dockerignore-secrets" in found
    assert "2 dockerignore-secrets" not in _findings("FROM scratch\nCOPY . /app\nUSER 1:1\n", tmp_path,
                                                      __dockerignore="**/.env\n**/*.key\n")
    # a file the Dockerfile copies by name stays in the context
    assert "3 dockerignore-secrets" not in _findings("FROM scratch\nCOPY .env /app/\nCOPY . /app\nUSER 1:1\n", tmp_path,
                                                      __dockerignore="**/*.key\n")


def test_pragma_ignores_a_rule_on_the_next_instruction(tmp_path):
    text = "FROM debian:bookworm-slim\n# scaffold-check ignore=apt-install-recommends the docs need them\n" \
           "RUN apt-get update && apt-get install -y man-db && rm -rf /var/lib/apt/lists/*\nUSER 1:1\n"
    assert not [f for f in _findings(text, tmp_path) if "apt-install" in f]


def test_build_stage_root_and_unpinned_builder(tmp_path):
    text = "FROM golang AS build\nRUN go build -o /x .\nFROM scratch\nCOPY --from=build /x /x\nUSER 1:1\n"
    found = _findings(text, tmp_path)
    assert "1 unpinned-base-image" in found and "2 go-cgo-static-final" in found and "2 go-build-flags" in found
    assert not [f for f in found if "root-user" in f]


def test_every_rule_has_a_row_and_docs(tmp_path):
    docs = (Path(__file__).resolve().parent.parent / "docs" / "check.md").read_text()
    for rule in RULES.values():
        assert rule.row == "syntax" or rule.row.startswith("H"), rule.id
        assert f"`{rule.id}`" in docs, f"docs/check.md does not describe {rule.id}"
