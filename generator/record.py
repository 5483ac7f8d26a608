"""The record under `.scaffold/`: what `scaffold new` (or the last upgrade) generated.

`answers.yml` holds the answers, the template and its version, and the list of
generated files; `pristine/<file>` holds each file exactly as generated, the base
of the next three-way merge. A record is untrusted input like the rest of the
repository: it is read through `generator.fs` (no links, regular files, bounded),
and every value in it is validated again before it reaches a template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from generator import __version__, fs
from generator.errors import RecordError
from generator.templates import BUILTIN_CATALOG

RECORD_DIR = ".scaffold"
ANSWERS_FILE = f"{RECORD_DIR}/answers.yml"
PRISTINE_DIR = f"{RECORD_DIR}/pristine"
#: one part of a recorded file name: plain characters only
_FILE_PART = re.compile(r"[A-Za-z0-9_.@+-]{1,128}")
_TEMPLATE = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}/[a-z0-9][a-z0-9_-]{0,62}")
#: the record is small; a bigger one is not ours
MAX_RECORD_BYTES = 256 << 10

HEADER = (
    "# Recorded by hardened-scaffold: `scaffold upgrade` regenerates the files below\n"
    "# from these answers and merges your edits. Change answers with `scaffold upgrade --set`.\n"
    "# `runtime` is what the answers mean for running the image (user, port, writable paths,\n"
    "# probe, limits: docs/runtime.md); it is derived from them again on every upgrade.\n"
)


@dataclass
class Record:
    """What `.scaffold/answers.yml` says (answers already validated)."""

    answers: Dict[str, Any]
    files: List[str]
    template: str
    template_version: str
    scaffold_version: str
    #: the registry mirror recorded by `scaffold new` ("" for none)
    base_registry: str = ""


def dump(files: Mapping[str, str], answers: Mapping[str, Any], template: str, version: str,
         base_registry: str = "") -> Dict[str, str]:
    """The `.scaffold/` files for a render: answers.yml and the pristine copy of each file.

    The runtime contract is written beside the answers for whoever reads the record; it is
    never read back (`load` derives it again from the answers).
    """
    import yaml

    from generator.runtime import runtime_for

    body = yaml.safe_dump(
        {
            "scaffold_version": __version__,
            "template": template,
            "template_version": version,
            **({"base_registry": base_registry} if base_registry else {}),
            "files": sorted(files),
            "answers": dict(answers),
            "runtime": runtime_for(answers).to_record(),
        },
        sort_keys=False,
        default_flow_style=False,
    )
    record = {ANSWERS_FILE: HEADER + body}
    record.update({f"{PRISTINE_DIR}/{name}": text for name, text in files.items()})
    return record


def exists(project: Path) -> bool:
    return fs.exists(project, ANSWERS_FILE)


def load(project: Path) -> Record:
    """Read and check `.scaffold/answers.yml`; a malformed or unsafe record is refused, naming what is wrong."""
    import yaml

    from generator.validate import validate

    text = fs.read_text(project, ANSWERS_FILE, limit=MAX_RECORD_BYTES)
    if text is None:
        raise RecordError(f"{project / ANSWERS_FILE} not found: nothing to upgrade; run `scaffold new` first")
    fix = "fix it or run `scaffold new --force`"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise RecordError(f"{ANSWERS_FILE} is not valid YAML{line}; {fix}") from None
    except RecursionError:
        raise RecordError(f"{ANSWERS_FILE} nests too deeply to be a record; {fix}") from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise RecordError(f"{ANSWERS_FILE} has no `answers` mapping; {fix}")
    files = data.get("files")
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        raise RecordError(f"{ANSWERS_FILE}: `files` must be a list of file names; {fix}")
    for name in files:
        if not all(_FILE_PART.fullmatch(part) and part not in (".", "..") for part in name.split("/")) \
                or name.split("/")[0] == RECORD_DIR:
            raise RecordError(f"{ANSWERS_FILE}: file {name!r} is not a plain path inside the project; {fix}")
    answers = validate(data["answers"], {key: ANSWERS_FILE for key in data["answers"]})
    template = data.get("template")
    if not isinstance(template, str) or not _TEMPLATE.fullmatch(template):
        raise RecordError(f"{ANSWERS_FILE}: template {template!r} is not CATALOG/TEMPLATE "
                          f"(e.g. {BUILTIN_CATALOG}/{answers['language']}); {fix}")
    if template.startswith(f"{BUILTIN_CATALOG}/") and template != f"{BUILTIN_CATALOG}/{answers['language']}":
        raise RecordError(f"{ANSWERS_FILE}: template {template!r} is not {BUILTIN_CATALOG}/{answers['language']}; {fix}")
    registry = data.get("base_registry") or ""
    if registry:
        from generator.images import check_registry

        try:
            registry = check_registry(str(registry), f"{ANSWERS_FILE}: base_registry")
        except ValueError as error:
            raise RecordError(str(error)) from None
    return Record(answers, files, template, _plain(data.get("template_version")), _plain(data.get("scaffold_version")),
                  registry)


def _plain(value: Any) -> str:
    """A recorded version shown in messages: printable, short, else '?'."""
    text = str(value) if isinstance(value, (str, int, float)) else "?"
    return text if re.fullmatch(r"[A-Za-z0-9_.+-]{1,64}", text) else "?"


def pristine(project: Path, name: str) -> Optional[str]:
    """The pristine copy of a generated file (None when missing)."""
    return fs.read_text(project, f"{PRISTINE_DIR}/{name}")
