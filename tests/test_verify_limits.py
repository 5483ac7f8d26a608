"""verify's reader on hostile images: every bound holds, in seconds, under a 1 GiB address-space cap.

Each archive (tests/hostile_images.py) is verified in a child process whose address space is
capped at 1 GiB (RLIMIT_AS) and whose time is limited: the outcome must be a report or one
`cannot verify` line naming the bound, never a hang, a MemoryError or a traceback. The sizes
are drawn by hypothesis on both sides of each bound; explicit examples go far past it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Tuple

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.verify import limits, verify_archive
from generator.verify.report import CannotVerify
from tests import hostile_images as hostile
from tests.helpers import ROOT

#: what the child may use: 1 GiB of address space, and this many seconds
ADDRESS_SPACE, SECONDS = 1 << 30, 120

CHILD = """
import io, json, resource, sys, traceback
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
from generator.verify import limits, verify_archive
from generator.verify.report import CannotVerify
for name, value in json.loads(sys.argv[2]).items():
    setattr(limits, name, value)
try:
    report = verify_archive(sys.argv[1])
    print(json.dumps(["report", [f.seen for f in report.findings]]))
except CannotVerify as error:
    print(json.dumps(["cannot", str(error)]))
except BaseException as error:
    print(json.dumps(["crash", traceback.format_exc()]))
"""

SLOW = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def verify_in_child(archive: bytes, **overrides: int) -> Tuple[str, object]:
    """("report", [seen, ...]) or ("cannot", message), from a child capped at ADDRESS_SPACE, within SECONDS."""
    with tempfile.NamedTemporaryFile(suffix=".tar") as saved:
        saved.write(archive)
        saved.flush()
        started = time.monotonic()
        try:
            result = subprocess.run([sys.executable, "-c", CHILD.format(cap=ADDRESS_SPACE), saved.name,
                                     json.dumps(overrides)], capture_output=True, text=True, timeout=SECONDS,
                                    cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"verify did not finish in {SECONDS} s")
    outcome, detail = json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else (
        "crash", result.stderr)
    assert outcome in ("report", "cannot"), detail
    assert time.monotonic() - started < SECONDS
    if outcome == "cannot":
        assert "\n" not in str(detail)
    return outcome, detail


def over(outcome: Tuple[str, object], what: str) -> bool:
    """Whether verify stopped at the bound named `what`."""
    kind, detail = outcome
    return kind == "cannot" and what in str(detail) and "over verify's limit" in str(detail)


MIB = 1024 * 1024


@SLOW
@given(count=st.integers(1, 6), size=st.integers(1, 24))
@example(count=5, size=30)
@example(count=4, size=16)  # exactly the limit in file lists
def test_kept_files_are_bounded_in_total(count, size):
    outcome = verify_in_child(hostile.large_kept_files(count, size * MIB))
    # the image's passwd and group are kept too (a few bytes): exactly the limit in file lists is over it
    assert over(outcome, "bytes of package databases") == (count * size * MIB >= limits.MAX_KEPT_BYTES)


@SLOW
@given(count=st.integers(1, 6000), size=st.integers(2, 64))
@example(count=5000, size=2)
@example(count=5, size=9 * MIB)
@example(count=6, size=7 * MIB)
def test_json_blobs_are_bounded_in_count_and_bytes(count, size):
    outcome = verify_in_child(hostile.json_blobs(count, size))
    expected = count + 1 > limits.MAX_BLOBS or size > limits.MAX_JSON or count * size > limits.MAX_JSON_TOTAL
    assert (outcome[0] == "cannot") == expected and (not expected or "over verify's limit" in str(outcome[1]))


@SLOW
@given(count=st.integers(1, 3000), depth=st.integers(1, 400))
@example(count=1, depth=20_000)
@example(count=5000, depth=200)
def test_path_depth_length_and_the_tree_they_make_are_bounded(count, depth):
    outcome = verify_in_child(hostile.deep_paths(count, depth))
    if depth + 2 > limits.MAX_DEPTH or 2 * depth + 8 > limits.MAX_PATH:
        assert over(outcome, "a path")
    elif outcome[0] == "cannot":
        assert over(outcome, "in the image's tree")


@SLOW
@given(count=st.integers(1, 30_000))
@example(count=60_000)
def test_entries_are_bounded(count):
    """At a bound of 20,000 entries (the real one, 500,000, takes minutes of tar parsing to reach)."""
    outcome = verify_in_child(hostile.many_entries(count), MAX_ENTRIES=20_000)
    assert over(outcome, "files, directories and links") == (count + 3 > 20_000)


@SLOW
@given(path_entries=st.integers(1, 5000), links=st.integers(0, 3000), hops=st.integers(1, 60))
@example(path_entries=5000, links=1, hops=40)
@example(path_entries=60, links=3000, hops=40)
def test_path_entries_and_symlink_chains_are_bounded(path_entries, links, hops):
    outcome = verify_in_child(hostile.symlink_chains(path_entries, links, hops))
    if path_entries > limits.MAX_PATH_ENTRIES:
        assert over(outcome, "PATH has")
    else:
        assert outcome[0] == "report" or over(outcome, "following the image's symlinks")


@SLOW
@given(rules=st.integers(0, 1500), missing=st.integers(0, 20_000))
@example(rules=5000, missing=10)
@example(rules=1000, missing=100_000)
def test_dpkg_rules_times_paths_are_bounded(rules, missing):
    outcome = verify_in_child(hostile.dpkg_rules(rules, missing))
    if rules > limits.MAX_DPKG_RULES:
        assert over(outcome, "path-exclude/path-include rules")
    else:
        assert outcome[0] == "report" or over(outcome, "dpkg's path rules")


@SLOW
@given(times=st.integers(1, 700))
@example(times=100_000)
def test_repeated_layers_are_bounded(times):
    outcome = verify_in_child(hostile.repeated_layers(times))
    if times > limits.MAX_LAYERS:
        assert over(outcome, "layers")
    elif times * 2003 > limits.MAX_ENTRIES:
        assert over(outcome, "repeated layers counted again")
    else:
        assert outcome[0] == "report"


@SLOW
@given(size=st.integers(1, 200_000), chain=st.integers(1, 20))
@example(size=64 * MIB, chain=1)
@example(size=10, chain=50_000)
def test_extended_tar_headers_are_bounded(size, chain):
    big, chained = verify_in_child(hostile.big_tar_header(size)), verify_in_child(hostile.chained_tar_headers(chain))
    assert over(big, "extended tar header") == (size > limits.MAX_TAR_HEADER)
    assert over(chained, "extended tar headers in a row") == (chain > limits.MAX_TAR_HEADER_CHAIN)


@pytest.mark.parametrize("key,value,seen", [
    ("Entrypoint", 5, "the image config's Entrypoint is a number, not a list of strings: ignored"),
    ("Cmd", "app --serve", "the image config's Cmd is a string, not a list of strings: ignored"),
    ("Env", {"PATH": "/bin"}, "the image config's Env is an object, not a list of strings: ignored"),
    ("Labels", ["a"], "the image config's Labels is a list, not an object of strings: ignored"),
    ("ExposedPorts", ["8080/tcp"], "the image config's ExposedPorts is a list, not an object: ignored"),
    ("Healthcheck", {"Test": "CMD app"}, "the image config's Healthcheck is an object, not an object whose Test is a "
                                         "list of strings: ignored"),
    ("User", 0, "the image config's User is a number, not a string: ignored"),
    ("WorkingDir", [], "the image config's WorkingDir is a list, not a string: ignored"),
    ("Volumes", ["/data"], "the image config's Volumes is a list, not an object: ignored"),
])
def test_wrong_json_types_in_the_config_are_findings(key, value, seen):
    report = verify_archive(io.BytesIO(hostile.config_types(key, value)))
    assert seen in [f.seen for f in report.findings]
    assert report.text() and json.dumps(report.to_json())


@pytest.mark.parametrize("blob", [[], [{"config": {}}], {"config": []}, {"config": "x"}, {"rootfs": [], "history": {}}])
def test_a_config_blob_of_the_wrong_shape_is_a_finding(blob):
    report = verify_archive(io.BytesIO(hostile.raw_config(blob)))
    assert report.text() and json.dumps(report.to_json())
    if isinstance(blob, list) or "config" in blob:
        assert any(f.seen.startswith("the image config") for f in report.findings)


def test_a_config_blob_that_is_no_json_document_cannot_verify():
    with pytest.raises(CannotVerify, match="not a docker save archive"):
        verify_archive(io.BytesIO(hostile.raw_config(5)))


@pytest.mark.parametrize("manifest", [{}, [], [5], [{"Config": 5, "Layers": []}], [{"Config": "x", "Layers": "a"}],
                                      [{"Config": "blobs/sha256/config", "Layers": [5]}],
                                      [{"Config": "blobs/sha256/config", "Layers": [], "RepoTags": 5}]])
def test_wrong_json_types_in_the_manifest_cannot_verify_in_one_line(manifest):
    data = hostile.manifest_types(manifest)
    try:
        report = verify_archive(io.BytesIO(data), image="t:1")
    except CannotVerify as error:
        assert "\n" not in str(error) and "not a docker save archive" in str(error)
        return
    assert report.text()


def test_a_bound_is_one_error_line_from_the_cli(tmp_path):
    from tests.helpers import scaffold

    archive = tmp_path / "deep.tar"
    archive.write_bytes(hostile.deep_paths(1, 20_000))
    result = scaffold("verify", "--archive", str(archive))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "a path of 40,004 characters" in result.stderr and "over verify's limit of 4,096" in result.stderr
