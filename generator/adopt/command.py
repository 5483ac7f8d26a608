"""`scaffold adopt [PATH]`: bring a repository with a hand-written Dockerfile under management.

It reads what the Dockerfile states (generator.detect.stated.dockerfile), takes that over detection,
then does what `scaffold new --force` does (the same answers, prompts, render and Plan,
from generator.cli): the hardened Dockerfile and its companions are written, the old
Dockerfile is kept as `Dockerfile.orig` byte for byte, and the answers are recorded so
that `scaffold upgrade` works from then on. Last, a before/after table of `scaffold
check` findings. The CLI module only calls `add_parser` and `run`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

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

#: the file a template writes the Dockerfile as
DOCKERFILE = "Dockerfile"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `adopt` on the CLI's subparsers, with the answer flags `scaffold new` has."""
    from generator.cli import add_answer_flags

    parser = subparsers.add_parser(
        "adopt", help="replace a hand-written Dockerfile by a hardened one, keeping its port and command",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", nargs="?", default=".", type=Path, help="project directory, the build context "
                        "(default: .)")
    parser.add_argument("-f", "--file", metavar="NAME", help="the hand-written Dockerfile, relative to PATH "
                        f"(default: {DOCKERFILE}); the new one is always PATH/{DOCKERFILE}")
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
    """The command; errors are raised as ScaffoldError for the CLI to print in one line."""
    from generator import fs, record
    from generator.detect.stated import dockerfile as stated
    from generator.cli import answer_overrides, choose_app, detect_apps, is_interactive, plan_app, project_dir
    from generator.errors import InputError
    from generator.languages import by_name

    if args.json and not args.dry_run:
        raise InputError("--json goes with --dry-run (what would be written, as data)")
    project = project_dir(args.path)
    with fs.project_lock(project):
        if record.exists(project):
            raise InputError(f"{project / record.ANSWERS_FILE} exists: this project is managed already; run "
                             "`scaffold upgrade` to regenerate its files")
        name = _dockerfile_name(project, args.file)
        dockerfile = stated.read(project, name)
        reader = stated.Reader(project, name, dockerfile)
        report = detect_apps(project, out)
        interactive = is_interactive(args, out)
        apps = _ranked(report.apps, reader, out)
        app = choose_app(apps, args.app, interactive, out)
        language = by_name(app.language)
        values = _usable(reader.stated(language, app.root), language, reader.warnings)
        adopted, given, origins = _adopted(app, values, language)
        _say_stated(app, values, answer_overrides(args), out)
        for warning in reader.warnings:
            out.warn(warning)
        plan = plan_app(adopted, args, project, out, interactive, given, origins)
        not_carried = _not_carried(reader, plan.files.get(DOCKERFILE, ""))
        for warning in not_carried:
            out.warn(warning)
        before = _findings(dockerfile, project / name, name)
        if args.dry_run:
            after = _findings_of_text(plan.files.get(DOCKERFILE), project, plan.files.get(".dockerignore"))
            return _show(plan, name, app, values, reader.warnings + not_carried, before, after, args.json, out)
        written = plan.write(force=True)
    for written_name in written:
        out.ok(f"wrote {project / written_name}")
    for replaced, backup in plan.kept.items():
        out.info(f"your previous {replaced} is kept as {backup}, byte for byte")
    after = _findings_of_file(project)
    _say_table(f"{name}, now {plan.kept[name]}" if name in plan.kept else name, before, after, out)
    out.info("")
    out.info("From now on `scaffold upgrade` regenerates these files from .scaffold/ and keeps your edits.")
    from generator.cli import say_how_to_run

    say_how_to_run(plan, out)
    return EXIT_OK


# ---- which Dockerfile, which app ---------------------------------------------------------------------


def _dockerfile_name(project: Path, given: Optional[str]) -> str:
    """The Dockerfile to adopt, relative to the project; NoDockerfile saying what to do when there is none."""
    import os

    from generator import fs
    from generator.detect.stated.dockerfile import NoDockerfile
    from generator.check.command import is_dockerfile_name
    from generator.errors import InputError, ScaffoldError

    if given is not None:
        try:
            return "/".join(fs.parts_of(given))
        except ScaffoldError:
            raise InputError(f"--file {given}: not a plain path inside {project}") from None
    if fs.exists(project, DOCKERFILE):
        return DOCKERFILE
    try:
        others = sorted(entry.name for entry in os.scandir(project) if is_dockerfile_name(entry.name))
    except OSError:
        others = []
    if others:
        raise NoDockerfile(f"{project}: no {DOCKERFILE}, but {', '.join(others)}: pass --file NAME to adopt one")
    raise NoDockerfile(f"{project}: no {DOCKERFILE} to adopt; `scaffold new` writes a hardened one from scratch")


def _ranked(apps: List[Any], reader: Any, out: Any) -> List[Any]:
    """The detected apps, the one the Dockerfile builds first: of the language of its base images, whose
    directory it copies by name, named like its start program (detection order among equals)."""
    languages = [language.name for language in reader.languages()]
    program = reader.program()
    copied = reader.copied()

    def score(app: Any) -> Tuple[int, bool, bool]:
        language = len(languages) - languages.index(app.language) if app.language in languages else 0
        root = app.root != "." and any(path == app.root or path.startswith(app.root + "/") for path in copied)
        return language, root, bool(program) and program == app.name

    ranked = sorted(apps, key=score, reverse=True)
    if languages and ranked[0].language not in languages:
        from generator.languages import by_name, titles

        out.warn(f"{reader.name} builds on {titles([by_name(name) for name in languages])} images, but no such app "
                 f"was detected; adopting {ranked[0].id}")
    return ranked


# ---- the values, checked and applied -----------------------------------------------------------------


def _usable(values: Dict[str, Any], language: Any, warnings: List[str]) -> Dict[str, Any]:
    """The stated values that pass their answer's parser (the same as a flag's); the others are said and left."""
    usable = {}
    for key, found in values.items():
        field = language.field(key)
        try:
            field.parse(found.value)
        except ValueError as error:
            how = f" ({found.how})" if found.how else ""
            warnings.append(f"{found.evidence}: {key.replace('_', ' ')} {found.value!r}{how} {error}: not used")
            continue
        usable[key] = found
    return usable


def _adopted(app: Any, values: Dict[str, Any], language: Any) -> Tuple[Any, Dict[str, Any], Dict[str, str]]:
    """The app with the Dockerfile's values as its facts (answers detection gives), and the other answers
    (uid, gid) as given answers with their origins; flags and prompts still override both."""
    from generator.detect.model import AppCandidate
    from generator.languages.base import PORT

    adopted = AppCandidate(app.language, app.name, app.root, dict(app.facts))
    given: Dict[str, Any] = {}
    origins: Dict[str, str] = {}
    for key, found in values.items():
        if language.field(key).detected:
            adopted.set(key, found.value, found.evidence)
        else:
            given[key], origins[key] = found.value, str(found.evidence)
    if PORT.key in values:
        adopted.facts.pop("kind", None)  # a port the image exposes: not a command-line program, whatever was guessed
    return adopted, given, origins


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


def _not_carried(reader: Any, new_text: str) -> List[str]:
    """What the old image had at run time that the new one does not: files its final stage copied from the
    project, and ENV (secrets said apart); one warning each."""
    from generator.detect.stated.dockerfile import Reader, _inside
    from generator.check.dockerfile import parse
    from generator.check.rules import secret_name

    new = parse(new_text)
    if not new.stages:
        return []
    warnings = []
    holds = Reader(reader.project, DOCKERFILE, new).holds()
    missing = [(path, line) for path, line in reader.runtime_files() if not _inside(path, holds)]
    if missing:
        where = ", ".join(f"{path or '. (the whole project)'} (line {line})" for path, line in missing)
        warnings.append(f"{reader.name}: its final stage copied {where} from the project, which the new image does "
                        "not hold: if the app reads them at run time, add a COPY to the new final stage (`scaffold "
                        "upgrade` keeps the edit)")
    final = new.final_stage()
    sets = {pair.key for stage in new.ancestry(final) for pair in stage.env()} if final is not None else set()
    lines: Dict[str, int] = {}
    for pair in reader.final_env():
        if pair.key not in sets:
            lines[pair.key] = pair.line
    secrets = [key for key in lines if secret_name(key)]
    plain = [key for key in lines if key not in secrets and key != "PORT"]
    if "PORT" in lines:
        value = next(pair.value for pair in reversed(reader.final_env()) if pair.key == "PORT")
        warnings.append(f"{reader.name}:{lines['PORT']}: ENV PORT={value} is not carried: an app that reads PORT "
                        f"listens on its own default in the new image; run it with -e PORT={value}, or add "
                        f"ENV PORT={value} to its final stage (`scaffold upgrade` keeps the edit)")
    if plain:
        where = ", ".join(f"{key} (line {lines[key]})" for key in plain)
        warnings.append(f"{reader.name}: ENV not carried: {where}; the new Dockerfile does not set them. If the app "
                        "needs them, set them at run time, or add them to its final stage (`scaffold upgrade` keeps "
                        "the edit)")
    if secrets:
        they = "they look like secrets" if len(secrets) > 1 else "it looks like a secret"
        warnings.append(f"{reader.name}: ENV {', '.join(secrets)} not carried: {they}; pass at run time what the app "
                        "needs (an image's ENV is readable by anyone who pulls it)")
    return warnings


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
            "warnings": warnings, "answers": plan.answers, "files": plan.files, "kept": kept,
            "check": {"before": table_side(before), "after": table_side(after),
                      "rows": table_rows(before[0], after[0])},
        })
        return EXIT_OK
    existing = plan.conflicts()
    for file_name, text in plan.files.items():
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
