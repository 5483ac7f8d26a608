"""`scaffold upgrade`: re-render from the recorded answers and merge three ways.

For every generated file: base = `.scaffold/pristine/<name>` (the file exactly as last
generated), ours = the file as it is now (the team's edits), theirs = the new render.
Edits and template changes that touch different lines both survive; overlapping ones
become a conflict block written into the file, so nothing is ever lost.

The merge engine is `git merge-file` when git is on PATH (the most exercised
implementation there is), else the small line-based merge3 below, which follows the
same sync-region algorithm (diff3 / breezy's merge3) so that no git is needed.

After the upgrade the pristine copies are the new render, even when there were
conflicts: both sides of a conflict are in the file, and once resolved the file is
"new render + the team's edits", so the new render is the right base next time.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from generator import fs, record
from generator.errors import InputError, RecordError
from generator.languages import answer_fields, by_name
from generator.plan import Plan
from generator.record import PRISTINE_DIR, Record

if TYPE_CHECKING:  # pragma: no cover
    from generator.catalogs import Resolved

OURS_LABEL, BASE_LABEL, THEIRS_LABEL = "your edit", "last generated", "new template"
START, MIDDLE, END = f"<<<<<<< {OURS_LABEL}\n", "=======\n", f">>>>>>> {THEIRS_LABEL}\n"


@dataclass
class FileResult:
    """One file's outcome: `state` is merged, unchanged, created, kept-deleted or dropped."""

    name: str
    state: str
    current: Optional[str] = None
    merged: Optional[str] = None
    conflicts: int = 0


@dataclass
class Upgrade:
    """Everything an upgrade would do, computed before anything is written."""

    project: Path
    old: Record
    plan: Plan
    results: List[FileResult] = field(default_factory=list)
    #: what the upgrade chose not to do, and why (printed as warnings)
    notes: List[str] = field(default_factory=list)

    @property
    def conflicted(self) -> List[FileResult]:
        return [result for result in self.results if result.conflicts]

    def writes(self) -> Dict[str, str]:
        """Changed files plus the new record; a file whose text is the same is not rewritten."""
        files = {r.name: r.merged for r in self.results if r.merged is not None and r.merged != r.current}
        for name, text in self.plan.record().items():
            if fs.read_text(self.project, name) != text:
                files[name] = text
        return files

    def created(self) -> List[str]:
        """Files the templates add that the project did not have: created, never replacing one."""
        return [result.name for result in self.results if result.state == "created"]

    def diff(self) -> str:
        """Unified diff, per file, from the file as it is now to the merged result."""
        chunks: List[str] = []
        for result in self.results:
            if result.merged is None or result.merged == result.current:
                continue
            before = f"a/{result.name}" if result.current is not None else "/dev/null"
            chunks.extend(difflib.unified_diff((result.current or "").splitlines(keepends=True),
                                               result.merged.splitlines(keepends=True), before, f"b/{result.name}"))
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks)


# -- the record ------------------------------------------------------------------------


def parse_sets(pairs: Sequence[str], language: str) -> Dict[str, str]:
    """`--set key=value` pairs; only keys that are answers of this language.

    Settable answers are those whose field says so; the rest follow from detection and
    are kept as recorded.
    """
    settable = [field.key for field in answer_fields() if field.settable]
    own = [field.key for field in by_name(language).answer_fields if field.settable]
    values: Dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep:
            raise InputError(f"--set {pair!r}: expected key=value")
        if key not in settable:
            raise InputError(f"--set {key}: not an answer that can be set; use one of: {', '.join(settable)}")
        if key not in own:
            raise InputError(f"--set {key}: not an answer of a {language} project")
        values[key] = value
    return values


def find_markers(project: Path, names: Sequence[str]) -> None:
    """Refuse to merge over a conflict that is still unresolved from a previous upgrade."""
    for name in names:
        text = fs.read_text(project, name, error=InputError)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith(("<<<<<<< ", ">>>>>>> ")):
                raise InputError(f"{name}:{number} still has a conflict marker from the last upgrade; resolve it "
                                 "(keep the lines you want, delete the <<<<<<< ======= >>>>>>> lines), then run "
                                 "`scaffold upgrade` again; nothing was written")


# -- planning --------------------------------------------------------------------------


def upgrade_files(project: Path, old: Record, answers: Dict[str, Any], chosen: "Resolved", registry: str,
                  dry_run: bool = False) -> Upgrade:
    """Render the new files from the upgraded `answers` with `chosen` and merge each one into the project.

    Every file is read through generator.fs: a generated file, record or pristine copy
    that is a link, not a regular file, too big or not UTF-8 is refused, never followed
    or printed.
    """
    from generator import catalogs
    from generator.render import render

    with catalogs.template_source(chosen) as source:
        rendered = render(answers, source, base_registry=registry, dry_run=dry_run)
    find_markers(project, sorted(set(old.files) | set(rendered)))
    upgrade = Upgrade(project, old, Plan(project, rendered, answers, old.template, chosen.version, registry))
    for name, theirs in rendered.items():
        upgrade.results.append(_file_result(project, old, name, theirs))
    for name in old.files:
        if name not in rendered:
            upgrade.results.append(FileResult(name, "dropped"))
    return upgrade


def _file_result(project: Path, old: Record, name: str, theirs: str) -> FileResult:
    """One rendered file merged with the project's copy (created, kept deleted, merged or unchanged)."""
    if not fs.exists(project, name):
        state = "kept-deleted" if name in old.files else "created"
        return FileResult(name, state, None, None if state == "kept-deleted" else theirs)
    current = fs.read_text(project, name, error=InputError)
    assert current is not None  # it exists, and anything but a regular file was refused
    base = record.pristine(project, name)
    if base is None:
        if name in old.files:
            raise RecordError(f"{PRISTINE_DIR}/{name} is missing, so your edits cannot be told apart from the "
                              "template; restore it from version control or run `scaffold new --force`")
        base = ""  # the templates add a file the project already has: a two-way merge
    merged, conflicts = merge_file(base, current, theirs)
    return FileResult(name, "unchanged" if merged == current else "merged", current, merged, conflicts)


# -- merging ---------------------------------------------------------------------------


def merge_file(base: str, ours: str, theirs: str) -> Tuple[str, int]:
    """`merge_texts` for a project file: one checked out with CRLF line endings (git's autocrlf on
    Windows) is merged as LF against the LF templates and keeps its CRLF endings."""
    if not _crlf(ours):
        return merge_texts(base, ours, theirs)
    merged, conflicts = merge_texts(base.replace("\r\n", "\n"), ours.replace("\r\n", "\n"), theirs.replace("\r\n", "\n"))
    return merged.replace("\r\n", "\n").replace("\n", "\r\n"), conflicts


def _crlf(text: str) -> bool:
    """Whether every line of `text` ends with CRLF (a file with some bare LF lines is merged as it is)."""
    return "\r\n" in text and text.count("\n") == text.count("\r\n")


def merge_texts(base: str, ours: str, theirs: str) -> Tuple[str, int]:
    """Three-way merge; returns the text (with conflict blocks) and the number of conflicts."""
    if ours == base or ours == theirs:
        return theirs, 0
    if theirs == base:
        return ours, 0
    git = shutil.which("git")
    if git:
        merged = _git_merge(git, base, ours, theirs)
        if merged is not None:
            return merged
    return merge3(base, ours, theirs)


def _git_merge(git: str, base: str, ours: str, theirs: str) -> Optional[Tuple[str, int]]:
    """`git merge-file -p` in a scratch directory (no repository or user config involved); None on failure."""
    with fs.scratch_dir("scaffold-merge-") as tmp:
        paths = []
        for label, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(tmp, label)
            path.write_text(text, encoding="utf-8", newline="\n")
            paths.append(str(path))
        env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
        result = subprocess.run(
            [git, "-c", "merge.conflictStyle=merge", "merge-file", "-p",
             "-L", OURS_LABEL, "-L", BASE_LABEL, "-L", THEIRS_LABEL, *paths],
            cwd=tmp, capture_output=True, env=env, check=False,
        )
    if not 0 <= result.returncode < 128:
        return None
    return result.stdout.decode("utf-8"), result.returncode


def merge3(base: str, ours: str, theirs: str) -> Tuple[str, int]:
    """Line-based three-way merge (diff3's sync regions) for machines without git.

    Regions where base, ours and theirs agree anchor the merge; between two anchors a
    change on one side only is taken, the same change on both sides is taken once, and
    different changes on both sides become a conflict block.
    """
    b, o, t = (text.splitlines(keepends=True) for text in (base, ours, theirs))
    out: List[str] = []
    conflicts = 0
    ib = io = it = 0
    for zstart, zend, ostart, oend, tstart, tend in _sync_regions(b, o, t):
        mine, yours, was = o[io:ostart], t[it:tstart], b[ib:zstart]
        if mine == yours or yours == was:
            out.extend(mine)
        elif mine == was:
            out.extend(yours)
        else:
            conflicts += 1
            out.append(START)
            out.extend(_terminated(mine))
            out.append(MIDDLE)
            out.extend(_terminated(yours))
            out.append(END)
        out.extend(b[zstart:zend])
        ib, io, it = zend, oend, tend
    return "".join(out), conflicts


def _terminated(lines: List[str]) -> List[str]:
    """A conflict side whose last line lacks a newline would swallow the next marker."""
    return [*lines[:-1], lines[-1] if lines[-1].endswith("\n") else lines[-1] + "\n"] if lines else []


def _sync_regions(base: List[str], ours: List[str], theirs: List[str]) -> List[Tuple[int, int, int, int, int, int]]:
    """Base ranges unchanged on both sides, with where they sit in ours and theirs; ends with an empty sentinel."""
    omatches = difflib.SequenceMatcher(None, base, ours, autojunk=False).get_matching_blocks()
    tmatches = difflib.SequenceMatcher(None, base, theirs, autojunk=False).get_matching_blocks()
    regions = []
    io = it = 0
    while io < len(omatches) and it < len(tmatches):
        obase, omatch, olen = omatches[io]
        tbase, tmatch, tlen = tmatches[it]
        start, end = max(obase, tbase), min(obase + olen, tbase + tlen)
        if start < end:
            regions.append((start, end, omatch + start - obase, omatch + end - obase,
                            tmatch + start - tbase, tmatch + end - tbase))
        if obase + olen < tbase + tlen:
            io += 1
        else:
            it += 1
    regions.append((len(base), len(base), len(ours), len(ours), len(theirs), len(theirs)))
    return regions
