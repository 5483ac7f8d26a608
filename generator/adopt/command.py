"""`scaffold adopt [PATH]`: bring a repository with a hand-written Dockerfile under management.

It reads what the Dockerfile states (generator.detect.stated.dockerfile, .evidence), takes that over
detection, then does what `scaffold new --force` does (generator.workflow.plan_adopt: the
same answers, prompts, render and Plan): the hardened Dockerfile and its companions are written, the old
Dockerfile is kept as `Dockerfile.orig` byte for byte, and the answers are recorded so
that `scaffold upgrade` works from then on. Last, a before/after table of `scaffold
check` findings. The CLI module only calls `add_parser` and `run`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from generator.adopt.evidence import DOCKERFILE
from generator.errors import EXIT_OK

DESCRIPTION = """\
Bring a project with a hand-written Dockerfile under management: read the values
it states (EXPOSE, the start command, the language version in FROM, a numeric
USER, ENV such as PORT), use them over what detection finds, and write the
hardened Dockerfile and .dockerignore that `scaffold new` writes. The old files are
kept as Dockerfile.orig and .dockerignore.orig, byte for byte, and the answers are
recorded under .scaffold/ so that `scaffold upgrade` works from then on. Ends with
the `scaffold check` findings before and after."""

EPILOG = """\
Each value read from the Dockerfile says its line (Dockerfile:12), in the summary and
in the questions. Dockerfile values are checked like any answer: a bad one is left
out with a warning, and detection fills in. A start command is carried only when it
runs without a shell (exec form, or a shell form without shell syntax); an init
(tini, dumb-init) or user switch (gosu) in front of it is dropped. What is not
carried (runtime ENV, arguments a template cannot pass) is said, with its line.

Exit codes: 0 adopted (or shown, with --dry-run), 2 no Dockerfile (`scaffold new`
writes one), nothing recognised, a bad value, the project already managed
(`scaffold upgrade`), or a usage error.

examples:
  scaffold adopt                         the Dockerfile here
  scaffold adopt --dry-run               what would be written, and the findings after
  scaffold adopt svc --yes --port 9000   no questions; a flag still wins over the Dockerfile
  scaffold adopt . --file docker/Dockerfile.prod
"""



def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `adopt` on the CLI's subparsers, with the answer flags `scaffold new` has."""
    from generator.flags import add_answer_flags

    parser = subparsers.add_parser(
        "adopt", help="replace a hand-written Dockerfile by a hardened one, keeping its port and command",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", nargs="?", default=".", type=Path, help="project directory, the build context "
                        "(default: .)")
    parser.add_argument("-f", "--file", metavar="NAME", help="the hand-written Dockerfile, relative to PATH "
                        f"(default: {DOCKERFILE}, else the one found in docker/, deploy/, build/ or by another name, "
                        f"said); the new one is always PATH/{DOCKERFILE}")
    parser.add_argument("--app", metavar="ID", help="which app when there are several (default: the one the "
                        "Dockerfile builds, by its base images, the paths it copies and its start program)")
    parser.add_argument("-y", "--yes", action="store_true", help="accept every default, ask nothing "
                        "(automatic when stdin is not a terminal)")
    parser.add_argument("--dry-run", action="store_true", help="print what would be written and the findings "
                        "after it; write nothing")
    parser.add_argument("--json", action="store_true", help="with --dry-run: print it all as JSON")
    parser.add_argument("--template", metavar="CATALOG/TEMPLATE", help="use this template instead of the built-in "
                        "one for the language (see `scaffold catalog list`)")
    add_answer_flags(parser, "answers (each overrides the Dockerfile and detection)")
    return parser


def run(args: argparse.Namespace, out: Any) -> int:
    """The command: parse the flags into a request, print what the workflow planned or wrote."""
    from generator import fs, workflow
    from generator.errors import InputError
    from generator.flags import answer_overrides

    if args.json and not args.dry_run:
        raise InputError("--json goes with --dry-run (what would be written, as data)")
    flags = answer_overrides(args)
    request = workflow.AdoptRequest(
        workflow.project_dir(args.path), dockerfile=args.file, app=args.app, template=args.template,
        dry_run=args.dry_run, questions=not args.yes and not args.json, answers=flags)
    with fs.project_lock(request.project):
        adoption = workflow.plan_adopt(request, out, lambda app, values: _say_stated(app, values, flags, out))
        plan, name = adoption.plan, adoption.dockerfile
        before = _findings(adoption.parsed, plan.project / name, name)  # the old Dockerfile, in its context
        if args.dry_run:
            after = _findings_of_text(plan.files.get(DOCKERFILE), plan.project, plan.contents.get(".dockerignore"))
            return _show(plan, name, adoption.app, adoption.stated, adoption.warnings, before, after, args.json, out)
        written = plan.write(force=True)
    for written_name in written:
        out.ok(f"wrote {plan.project / written_name}")
    for replaced, backup in plan.kept.items():
        out.info(f"your previous {replaced} is kept as {backup}, byte for byte")
    after = _findings_of_file(plan.project)
    _say_table(f"{name}, now {plan.kept[name]}" if name in plan.kept else name, before, after, out)
    out.info("")
    out.info("From now on `scaffold upgrade` regenerates these files from .scaffold/ and keeps your edits.")
    for line in workflow.closing_lines(plan.project, plan.answers):
        out.info(line)
    return EXIT_OK


# ---- what the Dockerfile states, said ------------------------------------------------------------------


def _shown(value: Any) -> str:
    from generator.prompts import shown

    return "''" if value == "" else shown(value)


def _say_stated(app: Any, values: Dict[str, Any], flags: Dict[str, Any], out: Any) -> None:
    from generator.languages import by_name
    from generator.validate import flag_origin

    language = by_name(app.language)
    if not values:
        out.info(f"adopting {app.id}: the Dockerfile states nothing detection does not find")
        return
    out.info(f"adopting {app.id}, with what the Dockerfile states (used over detection):")
    for key, found in sorted(values.items()):
        detected = app.facts.get(key)
        was = ""
        if detected is not None and detected.value not in (None, "", []) and detected.value != found.value:
            where = f" [{detected.evidence}]" if detected.evidence else ""
            was = f"  (detected: {_shown(detected.value)}{where})"
        how = f"  ({found.how})" if found.how else ""
        wins = f"  ({flag_origin(language, key)} wins)" if key in flags else ""
        out.info(f"  {key:<18} {_shown(found.value)}  [{found.evidence}]{how}{was}{wins}")


# ---- scaffold check, before and after ------------------------------------------------------------------

Counts = Dict[str, Tuple[str, int]]


def _findings(dockerfile: Any, path: Path, display: str, dockerignore: Optional[str] = None) -> Tuple[Counts, str]:
    """{rule: (row, count)} of `scaffold check` on a parsed Dockerfile (as `check --no-docker`), and an error
    line when it could not be checked."""
    from generator.check.bases import Inspector
    from generator.check.rules import check
    from generator.errors import ScaffoldError

    try:
        report = check(dockerfile, path, display, inspector=Inspector(enabled=False), dockerignore=dockerignore)
    except ScaffoldError as error:
        return {}, str(error)
    except RecursionError:
        return {}, f"{display}: nested too deeply to check"
    counts: Counts = {}
    for finding in report.findings:
        row, count = counts.get(finding.rule.id, (finding.rule.row, 0))
        counts[finding.rule.id] = (row, count + 1)
    return counts, report.error


def _findings_of_text(text: Optional[str], project: Path, dockerignore: Optional[str]) -> Tuple[Counts, str]:
    from generator.check.dockerfile import parse

    if text is None:
        return {}, f"the template writes no {DOCKERFILE}"
    path = project / DOCKERFILE
    return _findings(parse(text, path), path, DOCKERFILE, dockerignore)


def _findings_of_file(project: Path) -> Tuple[Counts, str]:
    from generator.detect.stated.dockerfile import read
    from generator.errors import ScaffoldError

    try:
        dockerfile = read(project, DOCKERFILE)
    except ScaffoldError as error:
        return {}, str(error)
    return _findings(dockerfile, project / DOCKERFILE, DOCKERFILE)


def table_rows(before: Counts, after: Counts) -> List[Dict[str, Any]]:
    """One row per rule found before or after, in HARDENING.md row order."""

    def order(rule: str) -> Tuple[int, str]:
        row = (before.get(rule) or after.get(rule) or ("", 0))[0]
        return (int(row[1:]) if row[1:].isdigit() else 0), rule

    return [{"rule": rule, "row": (before.get(rule) or after[rule])[0], "before": before.get(rule, ("", 0))[1],
             "after": after.get(rule, ("", 0))[1]} for rule in sorted(set(before) | set(after), key=order)]


def _table_lines(name: str, before: Tuple[Counts, str], after: Tuple[Counts, str]) -> List[str]:
    rows = table_rows(before[0], after[0])
    width = max([len("rule")] + [len(row["rule"]) for row in rows])
    lines = [f"scaffold check findings: before ({name}) and after ({DOCKERFILE})",
             f"  {'rule':<{width}}  {'row':<6} {'before':>6} {'after':>6}"]
    lines += [f"  {row['rule']:<{width}}  {row['row']:<6} {row['before']:>6} {row['after']:>6}" for row in rows]
    lines.append(f"  {'total':<{width}}  {'':<6} {sum(r['before'] for r in rows):>6} {sum(r['after'] for r in rows):>6}")
    for label, (_, error) in (("before", before), ("after", after)):
        if error:
            lines.append(f"  ({label}: {error})")
    return lines


def _say_table(name: str, before: Tuple[Counts, str], after: Tuple[Counts, str], out: Any) -> None:
    out.line("")
    for line in _table_lines(name, before, after):
        out.line(line)
    if after[0]:
        out.info(f"`scaffold check {DOCKERFILE}` explains the findings left (docs/check.md lists those the Debian-based "
                 "finals keep on purpose)")


def _show(plan: Any, name: str, app: Any, values: Dict[str, Any], warnings: List[str], before: Tuple[Counts, str],
          after: Tuple[Counts, str], as_json: bool, out: Any) -> int:
    """--dry-run: the files that would be written (or all of it as JSON), and the findings after."""
    kept = {replaced: backup for replaced, (backup, _) in plan.backups().items()}
    if as_json:
        out.data({
            "project": str(plan.project), "dockerfile": name, "app": app.id,
            "stated": {key: {"value": found.value, "evidence": found.evidence.to_json(), "how": found.how}
                       for key, found in values.items()},
            "warnings": warnings, "answers": plan.answers, "files": plan.contents, "kept": kept,
            "check": {"before": table_side(before), "after": table_side(after),
                      "rows": table_rows(before[0], after[0])},
        })
        return EXIT_OK
    existing = plan.conflicts()
    for file_name, text in plan.contents.items():
        state = (f"would replace it; the old one kept as {kept[file_name]}" if file_name in kept
                 else "exists, unchanged" if file_name in existing else "would be created")
        out.line(f"==> {plan.project / file_name} ({state})")
        out.text(text if text.endswith("\n") else text + "\n")
    _say_table(name, before, after, out)
    out.info(f"dry run: nothing was written (the answers would be recorded in {plan.project / '.scaffold'})")
    return EXIT_OK


def table_side(side: Tuple[Counts, str]) -> Dict[str, Any]:
    counts, error = side
    return {"findings": {rule: count for rule, (_, count) in counts.items()}, "error": error or None}
