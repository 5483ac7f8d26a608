"""`scaffold check [PATH|DOCKERFILE...] [--json|--sarif] [--fix [--dry-run]]`: the command itself.

The CLI module only calls `add_parser` and `run`; everything else about the command
(finding the Dockerfiles, the output formats, the fixes and their backups) is here.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from generator.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK

DESCRIPTION = """\
Check Dockerfiles against the hardening contract (HARDENING.md rows H1-H17): a
numeric non-root USER in the final stage, no shell or package manager there,
root-owned application files, exec-form ENTRYPOINT/CMD, no setuid files, pinned
base images, COPY rather than ADD, cached dependency layers, no secrets in
ARG/ENV or the build context, apt hygiene, and more. Stage-aware: only the final
stage runs, so a build stage may be root. Well-known base images' default users
and shells come from a table (official images, distroless, Chainguard, UBI), or
from `docker image inspect` for a local image the table does not know. The
.dockerignore beside each Dockerfile is checked too."""

EPILOG = """\
Every finding names its HARDENING.md row, its line, what was seen, why it matters
and the fix. Exit codes: 0 no findings, 1 findings, 2 a file could not be read (or
a usage error). A `# scaffold-check ignore=RULE[,RULE] reason` comment just above
an instruction silences those rules for it. Rules: docs/check.md.

--fix applies the fixes that are safe as minimal edits (numeric non-root USER,
exec-form ENTRYPOINT/CMD, COPY --chown=0:0, ADD -> COPY, secrets from ARG/ENV to
RUN --mount=type=secret, .dockerignore entries, `latest` replaced by the version
the project declares), prints the unified diff, keeps the original as
Dockerfile.orig (Dockerfile.orig.1, ... when that exists) and reports what it left,
with the reason.

Below the project root (the directory named, or the current one for what is named
inside it) nothing is read or written through a symbolic link: a Dockerfile reached
through a directory link, or a .dockerignore that is a link, is refused (exit 2).

examples:
  scaffold check                          the Dockerfile(s) in this directory
  scaffold check services/api/Dockerfile --json
  scaffold check --sarif > check.sarif    for GitHub code scanning
  scaffold check --fix --dry-run          show the diff, write nothing
  scaffold check --fix                    apply it (Dockerfile.orig kept)
"""

_LEVELS = ("error", "warning", "note")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `check` on the CLI's subparsers."""
    parser = subparsers.add_parser(
        "check", help="check Dockerfiles against the hardening contract (and fix what is safe)",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH|DOCKERFILE",
                        help="a Dockerfile, or a directory whose Dockerfile(s) to check (default: .)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the findings as JSON on stdout")
    output.add_argument("--sarif", action="store_true", help="print SARIF 2.1.0 on stdout (GitHub code scanning)")
    parser.add_argument("--fix", action="store_true", help="apply the safe fixes; the original is kept as Dockerfile.orig")
    parser.add_argument("--dry-run", action="store_true", help="with --fix: print the diff, write nothing")
    parser.add_argument("--target", metavar="STAGE", help="the stage that is built (as docker build --target); "
                        "default: the last one")
    parser.add_argument("--min-level", choices=_LEVELS, default="note",
                        help="report findings at this level and above (default: note, i.e. all)")
    parser.add_argument("--ignore", action="append", default=[], metavar="RULE",
                        help="do not report this rule (repeatable; rule ids in docs/check.md)")
    parser.add_argument("--no-docker", action="store_true",
                        help="never ask a Docker daemon about base images the table does not know")
    return parser


def run(args: argparse.Namespace, out: Any) -> int:
    """The command; returns the exit code. Bad input raises ScaffoldError, for the CLI to report."""
    return _run(args, out)


def _run(args: argparse.Namespace, out: Any) -> int:
    from generator.check import report as formats
    from generator.check.bases import Inspector
    from generator.check.rules import RULES
    from generator.errors import InputError

    if args.dry_run and not args.fix:
        raise InputError("--dry-run goes with --fix (show the fixes' diff, write nothing)")
    unknown = [rule for rule in args.ignore if rule not in RULES]
    if unknown:
        raise InputError(f"--ignore {unknown[0]}: no such rule (see docs/check.md)")
    targets, errors = find_dockerfiles(args.paths or [Path(".")])
    inspector = Inspector(enabled=not args.no_docker)
    reports = [check_file(place, args, inspector) for place in targets]
    fixes: Dict[str, Dict[str, Any]] = {}
    if args.fix:
        for position, report in enumerate(reports):
            if report.context is None:
                continue
            outcome = fix_file(report, args, inspector, out)
            if outcome is not None:
                fixes[report.path], reports[position] = outcome
    minimum = _LEVELS.index(args.min_level)
    for report in reports:
        report.findings = [f for f in report.findings if _LEVELS.index(f.rule.level) <= minimum]
    if args.json:
        out.document(formats.dump(formats.as_json(reports, fixes)))
    elif args.sarif:
        out.document(formats.dump(formats.sarif(reports)))
    else:
        out.text(formats.text(reports))
    for error in errors:
        out.error(error)
    if inspector.skipped:
        out.info(f"note: {inspector.skipped} base image(s) were not looked up in the Docker daemon (check asks it "
                 f"about {inspector.MAX_QUESTIONS} images at most per run): their users and shells are unknown")
    for report in reports:
        for note in report.notes:
            out.info(f"note: {note}")
        if report.error:
            out.error(report.error)
        elif not args.json and not args.sarif:
            out.info(formats.summary(report))
    if errors or any(r.error for r in reports):
        return EXIT_INPUT
    return EXIT_FINDINGS if any(r.findings for r in reports) else EXIT_OK


# ---- which files ------------------------------------------------------------------------------------


def find_dockerfiles(paths: Sequence[Path]) -> Tuple[List[Any], List[str]]:
    """The files to check (generator.check.files.Place: each below its project root), and one error line
    per path that gives none. The project root is the current directory for what is named inside it,
    else the directory named (or the one of the Dockerfile named)."""
    from generator.check.dockerfile import is_dockerfile_name
    from generator.check.files import locate

    found: List[Any] = []
    errors: List[str] = []
    for path in paths:
        if path.is_dir():
            try:
                names = sorted(entry.name for entry in os.scandir(path)
                               if is_dockerfile_name(entry.name)
                               and (entry.is_file(follow_symlinks=False) or entry.is_symlink()))
            except OSError as error:
                errors.append(f"{path}: cannot list: {error.strerror or error}")
                continue
            if not names:
                errors.append(f"{path}: no Dockerfile in this directory (give the file's path)")
            found.extend(locate(path / name, directory=path) for name in names)
        else:
            found.append(locate(path))  # missing, linked or unreadable files are reported by check_file
    unique: List[Any] = []
    for place in found:
        if all(place.path != other.path for other in unique):
            unique.append(place)
    return unique, errors


def check_file(place: Any, args: argparse.Namespace, inspector: Any) -> Any:
    from generator.check.dockerfile import printable, read_dockerfile
    from generator.check.rules import Report, check
    from generator.errors import ScaffoldError

    display = printable(place.display)
    try:
        place.check_parents()
        dockerfile = read_dockerfile(place)
        return check(dockerfile, place.path, display, target=args.target, inspector=inspector, ignore=args.ignore,
                     place=place)
    except ScaffoldError as error:
        return Report(display, error=printable(str(error)))
    except RecursionError:
        return Report(display, error=f"{display}: nested too deeply to check")


# ---- --fix ------------------------------------------------------------------------------------------


def fix_file(report: Any, args: argparse.Namespace, inspector: Any, out: Any) -> Optional[Tuple[Dict[str, Any], Any]]:
    """Fix one file: print the diff, write it with backups (unless --dry-run), check it again.

    Everything is read and written through the file's Place (no link below the project root)."""
    from generator.check.dockerfile import parse
    from generator.check.fix import fix
    from generator.check.rules import check

    context = report.context
    place = context.place
    fixable = [f for f in report.findings if f.rule.fixable]
    if not fixable:
        return None
    original_bytes = _utf8_original(place, report.path)
    fixed = fix(context, fixable)
    for line in fixed.refused:
        out.warn(f"{report.path}: not fixed: {line}")
    if not fixed.changed:
        return {"applied": [], "refused": fixed.refused, "diff": "", "written": []}, report
    ignore_name = context.ignore.name if context.ignore is not None else ".dockerignore"
    diff = _diff(report.path, context.dockerfile.text, fixed.dockerfile)
    if fixed.dockerignore is not None:
        before = context.ignore.text if context.ignore is not None else ""
        diff += _diff(place.sibling(ignore_name).display, before, fixed.dockerignore, created=context.ignore is None)
    if args.sarif:
        out.text(diff, stderr=True)
    elif not args.json:
        out.text(diff)
    names: List[str] = []
    if not args.dry_run:
        names = _write_fix(place, original_bytes, fixed, ignore_name if fixed.dockerignore is not None else "",
                           context.ignore is not None)
        out.ok(f"{report.path}: fixed ({len(fixed.applied)} edit{'s' if len(fixed.applied) != 1 else ''}); "
               f"the original is kept as {names[0]}")  # the backup is written first
    for line in fixed.applied:
        out.info(f"  {'would apply' if args.dry_run else 'applied'}: {line}")
    for hint in fixed.hints:
        out.info(f"  note: {hint}")
    if args.dry_run:
        out.info(f"{report.path}: dry run: nothing was written")
    after = check(parse(fixed.dockerfile, place.path), place.path, report.path, target=args.target,
                  inspector=inspector, ignore=args.ignore, place=place)
    if args.dry_run and fixed.dockerignore is not None:  # the ignore file on disk is unchanged: judge the fixed one
        after.findings = [f for f in after.findings if f.rule.id != "dockerignore-secrets"]
    data = {"applied": fixed.applied, "refused": fixed.refused, "hints": fixed.hints, "diff": diff,
            "written": names, "dry_run": bool(args.dry_run)}
    return data, after


def _utf8_original(place: Any, display: str) -> bytes:
    """The file as it is on disk (read again through the Place), refused unless UTF-8."""
    from generator.check.dockerfile import MAX_BYTES
    from generator.errors import InputError

    data = place.read(MAX_BYTES, "Dockerfile")
    if data is None:
        raise InputError(f"{display} disappeared while it was checked; nothing written")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{display} is not UTF-8; --fix edits only UTF-8 files (nothing written)") from None
    return data


def _write_fix(place: Any, original: bytes, fixed: Any, ignore_name: str, ignore_exists: bool) -> List[str]:
    """Write the fixed files and the backups as one transaction; returns the files written as displayed,
    the Dockerfile's backup first."""
    from generator.check.dockerignore import MAX_BYTES as IGNORE_BYTES
    from generator.check.files import backup_name, write_files

    name = place.rel.rsplit("/", 1)[-1]
    backup = backup_name(place, name)
    backups = [backup]
    files: Dict[str, Union[str, bytes]] = {backup: original, name: fixed.dockerfile}
    if ignore_name:
        if ignore_exists:
            ignore_backup = backup_name(place, ignore_name)
            backups.append(ignore_backup)
            files[ignore_backup] = place.sibling(ignore_name).read(IGNORE_BYTES, ".dockerignore") or b""
        files[ignore_name] = fixed.dockerignore
    return write_files(place, files, backups)


def _diff(name: str, before: str, after: str, created: bool = False) -> str:
    import difflib

    lines = difflib.unified_diff(_lines(before), _lines(after),
                                 fromfile="/dev/null" if created else f"a/{name.lstrip('/')}", tofile=f"b/{name.lstrip('/')}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _lines(text: str) -> List[str]:
    """Lines with their endings, split only at \\n (a Dockerfile's own line breaks)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return lines + ([parts[-1]] if parts[-1] else [])
