"""tests/e2e/images.txt, which CI builds stand-ins from, names every base image the e2e cases use."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.test_images import CASES
from tests.helpers import FIXTURES, scaffold

IMAGE_LIST = Path(__file__).with_name("images.txt")


def base_images(dockerfile: str) -> set:
    images, stages = set(), set()
    for line in dockerfile.splitlines():
        match = re.match(r"FROM (\S+)(?: AS (\S+))?", line)
        if match:
            if match.group(1) not in stages and match.group(1) != "scratch":
                images.add(match.group(1))
            if match.group(2):
                stages.add(match.group(2))
    return images


def test_image_list_matches_the_cases():
    needed = set()
    for case in CASES:
        result = scaffold("new", "--dry-run", "--json", "--final", case.final, *case.flags, str(FIXTURES / case.fixture))
        assert result.returncode == 0, result.stderr
        needed |= base_images(json.loads(result.stdout)["files"]["Dockerfile"])
    listed = {line.strip() for line in IMAGE_LIST.read_text().splitlines() if line.strip() and not line.startswith("#")}
    assert listed == needed
