"""The `scaffold` command: detect, new, upgrade.

Exit codes: 0 ok, 1 findings, 2 usage or input error. Only the standard library is
imported at start-up, so `scaffold --help` stays fast; each command imports what it
needs (copier, questionary, defusedxml) when it runs.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, List, Optional, Sequence

from generator import __version__, verify
from generator.adopt import command as adopt_command
from generator import check as check_command
from generator.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, ScaffoldError
from generator.output import Output

DESCRIPTION = """\
Detect what a {languages} project is and write a hardened, multi-stage
Dockerfile and .dockerignore for it: non-root numeric user, no shell in the final
image, read-only app files, cached dependency layers, pinned base images."""

NEW_EPILOG = """\
Every value is detected first and offered as the default: Enter accepts it, --yes
accepts all of them (automatic when stdin is not a terminal). Besides the Dockerfile
and .dockerignore it writes compose.yaml, which runs the image hardened (read-only,
no capabilities, limits, loopback port; --no-compose to skip it), and on request
Kubernetes manifests (--kubernetes) and a CI pipeline (--ci github|gitlab), all from
one runtime contract (docs/runtime.md). An existing Dockerfile or .dockerignore is
looked for first: at a terminal you choose to adopt it (`scaffold adopt`), replace it
or stop; with --yes it stops, naming both. Existing files are never overwritten without
--force (kept as *.orig; your .dockerignore entries merged into the new one); an
existing compose file is left alone and compose.yaml skipped, saying so.
The answers are recorded under .scaffold/ so that `scaffold upgrade` can regenerate
the files later and keep your edits.

examples:
  scaffold new                     detect here, ask, write Dockerfile, .dockerignore, compose.yaml
  scaffold new --yes --port 9000   no questions, port 9000
  scaffold new --yes --kubernetes --ci github
  scaffold new svc --app go/api    the app "api" of the repository in ./svc
  scaffold new --final distroless --dry-run
"""


def build_parser() -> argparse.ArgumentParser:
    from generator.flags import add_answer_flags, settable_help
    from generator.languages import titles

    parser = argparse.ArgumentParser(
        prog="scaffold", description=DESCRIPTION.format(languages=titles()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    detect = commands.add_parser(
        "detect", help="report what the project is, with evidence",
        description="Report the apps found in PATH (language, version, build tool, entrypoint, "
        "port), each value with the file and line it came from. Writes nothing. "
        "Exit 2 when nothing is recognised.",
    )
    detect.add_argument("path", nargs="?", default=".", type=Path, help="repository to scan (default: .)")
    detect.add_argument("--json", action="store_true", help="print the report as JSON on stdout")

    new = commands.add_parser(
        "new", help="write a hardened Dockerfile, .dockerignore and compose.yaml",
        description="Detect the project in PATH and write a hardened Dockerfile, .dockerignore and compose.yaml "
        "(and, on request, Kubernetes manifests and a CI pipeline).",
        epilog=NEW_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("path", nargs="?", default=".", type=Path, help="project directory (default: .)")
    new.add_argument("--app", metavar="ID", help="which app when there are several (an id from `scaffold detect`, "
                     "e.g. go/api, or its name)")
    new.add_argument("-y", "--yes", action="store_true", help="accept every detected default, ask nothing")
    new.add_argument("--dry-run", action="store_true", help="print what would be written; write nothing")
    new.add_argument("--json", action="store_true", help="with --dry-run: print the files and answers as JSON")
    new.add_argument("--force", action="store_true", help="overwrite existing files (Dockerfile, .dockerignore, a "
                     "compose file, ...); each old one is kept as *.orig")
    new.add_argument("--template", metavar="CATALOG/TEMPLATE", help="use this template (e.g. team/python or "
                     "builtin/go) instead of the built-in one for the detected language (see `scaffold catalog list`)")
    add_answer_flags(new)

    upgrade = commands.add_parser(
        "upgrade", help="regenerate the files from the recorded answers, keeping your edits",
        description="Re-render every generated file from .scaffold/answers.yml with the installed "
        "templates and merge three ways (last generated, your edits, new template).",
        epilog=UPGRADE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    upgrade.add_argument("path", nargs="?", default=".", type=Path, help="project directory (default: .)")
    upgrade.add_argument("--dry-run", action="store_true", help="print the diff of what would change; write nothing")
    upgrade.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                         help=f"change a recorded answer (repeatable): {settable_help()}; and base_registry "
                         "(the registry mirror, empty for none)")
    upgrade.add_argument("--ask", action="store_true", help="ask the questions again, pre-filled with the recorded answers")

    catalog = commands.add_parser(
        "catalog", help="register and inspect template catalogs",
        description="Template catalogs: directories or git repositories with a scaffold-catalog.toml "
        "(see docs/catalogs.md). The built-in templates are the catalog `builtin`.",
        epilog=CATALOG_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = catalog.add_subparsers(dest="catalog_command", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="register (or re-register) a catalog",
                             description="Fetch the catalog, check its scaffold-catalog.toml and register it in the user "
                             "config (or the project's .scaffold/config.toml with --project).")
    add.add_argument("name", help="the catalog's name in CATALOG/TEMPLATE (lowercase)")
    add.add_argument("url", help="a git URL (anything `git clone` accepts, a local repository too) or a directory")
    add.add_argument("--ref", help="the version to use: a tag, branch or commit (default: the current commit of the "
                     "default branch, pinned)")
    add.add_argument("--trust", action="store_true", help="allow its templates' copier tasks, migrations and Jinja "
                     "extensions (recorded in the user config only)")
    add.add_argument("--project", action="store_true", help="register it in ./.scaffold/config.toml (committed with "
                     "the project) instead of the user config")
    listing = actions.add_parser("list", help="list registered catalogs and their templates")
    listing.add_argument("--json", action="store_true", help="print the list as JSON on stdout")
    show = actions.add_parser("show", help="show one template")
    show.add_argument("template", metavar="CATALOG/TEMPLATE")
    verify.add_parser(commands)
    check_command.add_parser(commands)
    adopt_command.add_parser(commands)
    return parser


CATALOG_EPILOG = """\
examples:
  scaffold catalog add team https://git.example.com/platform/scaffold-catalog.git --ref v2
  scaffold catalog add team ../scaffold-catalog --project     a directory, for this project
  scaffold catalog list
  scaffold catalog show team/python
  scaffold new --template team/python
"""


UPGRADE_EPILOG = """\
Your edits and the template's changes both survive when they touch different lines;
when they touch the same lines the file gets a conflict block (<<<<<<< your edit /
======= / >>>>>>> new template) to resolve by hand, and the command exits 1.
A generated file you deleted stays deleted. Exit codes: 0 upgraded (or already up
to date), 1 conflicts to resolve, 2 nothing to upgrade or a bad record/answer.

examples:
  scaffold upgrade --dry-run          show what would change
  scaffold upgrade                    upgrade ./Dockerfile and ./.dockerignore
  scaffold upgrade --set port=9000    change an answer and upgrade
"""


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command; the only place an error becomes a message and an exit code."""
    out = Output()
    try:
        from generator import fs

        fs.forget_written()
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_INPUT
        commands = {"detect": cmd_detect, "new": cmd_new, "upgrade": cmd_upgrade, "catalog": cmd_catalog,
                    "verify": verify.run, "check": check_command.run, "adopt": adopt_command.run}
        return commands[args.command](args, out)
    except ScaffoldError as error:
        out.error(str(error))
        return error.exit_code
    except KeyboardInterrupt as error:
        out.error(_interrupted())
        return getattr(error, "exit_code", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # the reader went away (`scaffold detect | head -1`): nothing left to say to it
        out.pipe_closed()
        return EXIT_OK
    except RecursionError:
        out.error("a file nests too deeply to be read (TOML, YAML or a template); nothing was written")
        return EXIT_INPUT
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        out.error(f"{where}{error.strerror or error}; nothing was written")
        return EXIT_INPUT
    except Exception as error:  # a bug: still one line, with the way to see more
        if os.environ.get("SCAFFOLD_DEBUG"):
            raise
        out.error(f"internal error ({type(error).__name__}: {error}); please report it (SCAFFOLD_DEBUG=1 shows the "
                  "traceback)")
        return EXIT_INPUT
    finally:
        out.finish()


def _interrupted() -> str:
    """What an interrupt leaves: the files a completed transaction wrote, or nothing."""
    from generator import fs

    written = [path for path in fs.written() if ".scaffold" not in path.parts[:-1] or path.name == "answers.yml"]
    if not written:
        return "interrupted; nothing was written"
    return f"interrupted; already written: {', '.join(str(path) for path in written)}"


def cmd_detect(args: argparse.Namespace, out: Output) -> int:
    from generator.detect import detect, nothing_found_message
    from generator.errors import InputError
    from generator.workflow import project_dir

    report = detect(project_dir(args.path))
    if args.json:
        out.data(report.to_json())
    else:
        for warning in report.warnings:
            out.warn(str(warning))
        for line in format_report(report):
            out.line(line)
    if not report.apps:
        raise InputError(nothing_found_message(report.hints))
    return EXIT_OK


def format_report(report: Any) -> List[str]:
    """The report's lines; each is escaped as one line when printed (names come from the repository)."""
    from generator.languages import by_name
    from generator.validate import CLI

    lines: List[str] = []
    for app in report.apps:
        lines.append(f"{app.id}  (root: {app.root})")
        for key, fact in sorted(app.facts.items()):
            if fact.value in (None, False, "", []):
                continue
            value = "yes" if fact.value is True else _shown(fact.value) if isinstance(fact.value, list) else fact.value
            if key == "kind" and value == CLI:
                value = f"{CLI} (no port: a command-line program)"
            lines.append(f"  {key:<18} {value}{_why(fact)}")
            for alternative in fact.alternatives:  # a conflict: what else was found, and where
                other = _shown(alternative.value) if isinstance(alternative.value, list) else alternative.value
                lines.append(f"  {'':<18}   runner-up: {other}{_why(alternative)}")
        if "port" not in app.facts and app.value("kind") != CLI:
            language = by_name(app.language)
            lines.append(f"  {'port':<18} {language.default_port}  (a guess: the default, nothing states it; "
                         "--port sets it)")
    return lines


def _why(fact: Any) -> str:
    """Where a value was found (and the kind of file that stated it), or that it is a guess."""
    where = f"  [{fact.evidence}]" if fact.evidence else "  (a guess: no file states it)"
    source = f" ({fact.source})" if fact.source else ""
    doubt = f"  (weak: {fact.weak})" if fact.weak else ""
    return f"{where}{source}{doubt}"


def _shown(value: List[Any]) -> str:
    """An argv as words; a list of them (release steps) separated by `;`."""
    return "; ".join(" ".join(item) if isinstance(item, list) else str(item) for item in value) \
        if any(isinstance(item, list) for item in value) else " ".join(str(item) for item in value)


def cmd_new(args: argparse.Namespace, out: Output) -> int:
    from generator import workflow
    from generator.errors import InputError
    from generator.flags import answer_overrides

    if args.json and not args.dry_run:
        raise InputError("--json goes with --dry-run (what would be written, as data)")
    request = workflow.NewRequest(
        workflow.project_dir(args.path), app=args.app, template=args.template, force=args.force,
        dry_run=args.dry_run, questions=not args.yes and not args.json,
        answers=answer_overrides(args))
    way = workflow.on_existing(request, out)
    if way == workflow.ADOPT:  # adopt takes new's flags; its Dockerfile is the one here
        args.file = None
        return adopt_command.run(args, out)
    request.force = request.force or way == workflow.REPLACE
    plan, written = workflow.new(request, out)
    if args.dry_run:
        return _show_plan(plan, args.json, out)
    for name in written:
        out.ok(f"wrote {plan.project / name}")
    for name, backup in plan.kept.items():
        if name in plan.replaced:
            out.info(f"your {name} is kept as {backup} and removed: `docker compose` reads only compose.yaml")
        else:
            out.info(f"your previous {name} is kept as {backup}")
    say_how_to_run(plan, out)
    return EXIT_OK


def say_how_to_run(plan: Any, out: Output) -> None:
    """The closing lines of `new` and `adopt`: how to run what was written, the hardened way."""
    from generator.workflow import closing_lines

    for line in closing_lines(plan.project, plan.answers):
        out.info(line)


def _show_plan(plan: Any, as_json: bool, out: Output) -> int:
    if as_json:
        out.data({"project": str(plan.project), "answers": plan.answers,
                  "files": plan.contents, "conflicts": plan.conflicts()})
        return EXIT_OK
    existing = plan.conflicts()
    for name, text in plan.contents.items():
        state = "exists: written only with --force" if name in existing else "would be created"
        out.line(f"==> {plan.project / name} ({state})")
        out.text(text if text.endswith("\n") else text + "\n")
    out.info(f"dry run: nothing was written (the answers would be recorded in {plan.project / '.scaffold'})")
    return EXIT_OK


def cmd_upgrade(args: argparse.Namespace, out: Output) -> int:
    """Merge the new render into the project; exit 1 when a conflict is left to resolve."""
    from generator import workflow

    project = workflow.project_dir(args.path)
    upgrade = workflow.upgrade(workflow.UpgradeRequest(project, args.sets, args.ask, args.dry_run), out)
    _say_upgrade(upgrade, args.dry_run, out)
    if upgrade.conflicted:
        out.error(f"conflicts {'would be' if args.dry_run else 'were'} left to resolve by hand (your edit and the "
                  "new template both kept, between <<<<<<< your edit and >>>>>>> new template):")
        for result in upgrade.conflicted:
            out.info(f"  {project / result.name}: {result.conflicts} conflict{'s' if result.conflicts > 1 else ''}")
        return EXIT_FINDINGS
    return EXIT_OK


def _say_upgrade(upgrade: Any, dry_run: bool, out: Output) -> None:
    """What the upgrade did (or would do) to each file, and the diff on a dry run."""
    old = upgrade.old
    out.info(f"{old.template}: template {_v(old.template_version)} -> {_v(upgrade.plan.template_version)} "
             f"(scaffold {old.scaffold_version} -> {__version__})")
    for note in upgrade.notes:
        out.warn(note)
    for result in upgrade.results:
        if result.state == "kept-deleted":
            out.warn(f"{result.name} was deleted in the project: not recreated (to get it back, copy "
                     f".scaffold/pristine/{result.name} to {result.name})")
        elif result.state == "dropped":
            out.warn(f"{result.name} is no longer generated by the templates: left as it is (delete it if unused)")
    if dry_run:
        out.text(upgrade.diff())
    verb = "would be" if dry_run else "was"
    for result in upgrade.results:
        if result.state == "created":
            out.ok(f"{result.name} {verb} created (new in the templates)")
        elif result.state == "merged" and not result.conflicts:
            out.ok(f"{result.name} {verb} upgraded (your edits kept)")
        elif result.state == "unchanged":
            out.ok(f"{result.name} is up to date")
    if dry_run:
        out.info("dry run: nothing was written")


def _v(version: str) -> str:
    return f"v{version}" if version[:1].isdigit() else version


def cmd_catalog(args: argparse.Namespace, out: Output) -> int:
    from generator import catalogs

    if args.catalog_command == "add":
        return _catalog_add(args, out)
    config = catalogs.load_config(Path.cwd())
    try:
        if args.catalog_command == "show":
            return _catalog_show(args, config, out)
        return _catalog_list(args, config, out)
    finally:
        for notice in config.notices:
            out.warn(notice)


def _catalog_add(args: argparse.Namespace, out: Output) -> int:
    from generator import catalogs

    addition = catalogs.prepare_add(args.name, args.url, args.ref, Path.cwd() if args.project else None)
    name, url, ref, full = addition.entry.name, addition.url, addition.ref, addition.entry.url
    for notice in addition.notices:
        out.warn(notice)
    if addition.pinned:
        out.info(f"no --ref: pinned to {ref[:12]}, the current commit of {url}")
    if args.project:
        root, rel = Path.cwd(), catalogs.PROJECT_CONFIG
    else:
        root, rel = catalogs.user_config_dir(), "config.toml"
    catalogs.register(root, rel, name, url, ref, trust_url=full if args.trust else "",
                      allow_url=full if args.project else "")
    out.ok(f"registered catalog {name} ({url}{' at ' + ref if ref else ''}) in {root / rel}")
    if args.project:
        out.info(f"allowed: this project may use it (its URL is recorded in {catalogs.user_config_path()}; "
                 "teammates allow it by registering it themselves)")
    if args.trust:
        out.info(f"trusted: its templates may run copier tasks, migrations and Jinja extensions "
                 f"(recorded in {catalogs.user_config_path()})")
    for spec in addition.templates.values():
        replaces = f"  (replaces the built-in {spec.replaces} template)" if spec.replaces else ""
        out.info(f"  {name}/{spec.id}  {', '.join(spec.languages)}  {spec.description}{replaces}")
    return EXIT_OK


def _catalog_show(args: argparse.Namespace, config: Any, out: Output) -> int:
    from generator import catalogs
    from generator.templates import builtin_templates

    chosen = catalogs.resolve(args.template, config, where="catalog show")
    out.line(f"{chosen.name}: {chosen.description}")
    out.line(f"  languages   {', '.join(chosen.languages)}")
    if chosen.builtin:
        out.line(f"  version     {chosen.version}")
        out.line(f"  location    {builtin_templates() / chosen.id}")
        return EXIT_OK
    assert chosen.entry is not None and chosen.directory is not None and chosen.root is not None
    out.line(f"  replaces    {chosen.replaces or '-'}")
    out.line(f"  catalog     {chosen.catalog}: {chosen.entry.url} ({chosen.entry.source})")
    out.line(f"  version     {chosen.version}")
    out.line(f"  path        {chosen.directory.relative_to(chosen.root.resolve()).as_posix()}")
    out.line(f"  trusted     {'yes' if chosen.trusted else 'no'}")
    unsafe = catalogs.unsafe_features(chosen)
    refused = " (refused until trusted)" if unsafe and not chosen.trusted else ""
    out.line(f"  unsafe      {', '.join(unsafe) if unsafe else '-'}{refused}")
    files = sorted(p.relative_to(chosen.directory).as_posix() for p in chosen.directory.rglob("*") if p.is_file())
    out.line(f"  files       {', '.join(files)}")
    return EXIT_OK


def _catalog_list(args: argparse.Namespace, config: Any, out: Output) -> int:
    from generator import catalogs
    from generator.errors import ScaffoldError
    from generator.languages import LANGUAGES
    from generator.templates import builtin_templates, template_version

    rows: List[dict] = [{"name": catalogs.BUILTIN, "url": str(builtin_templates()), "ref": "",
                         "version": template_version(builtin_templates()), "source": "built-in", "trusted": True,
                         "templates": [{"id": lang.name, "languages": [lang.name], "description": lang.description,
                                        "replaces": ""} for lang in LANGUAGES]}]
    for entry in config.catalogs.values():
        row = {"name": entry.name, "url": entry.url, "ref": entry.ref, "source": entry.source,
               "trusted": config.trusted(entry)}
        try:
            fetched, templates = catalogs.catalog_templates(entry, config)
            row.update(version=fetched.version, offline=fetched.offline,
                       templates=[{"id": t.id, "languages": t.languages, "description": t.description,
                                   "replaces": t.replaces} for t in templates.values()])
        except ScaffoldError as error:
            row.update(error=str(error), templates=[])
        rows.append(row)
    if args.json:
        out.data(rows)
        return EXIT_OK
    for row in rows:
        extra = "" if row["name"] == catalogs.BUILTIN else f"  {row['url']}"
        trusted = "  trusted" if row["trusted"] and row["name"] != catalogs.BUILTIN else ""
        out.line(f"{row['name']}{extra}  ({_v(str(row.get('version', '?')))}; {row['source']}){trusted}")
        if row.get("error"):
            out.line(f"  unavailable: {row['error']}")
        for template in row["templates"]:
            replaces = f"  [replaces {template['replaces']}]" if template["replaces"] else ""
            out.line(f"  {row['name']}/{template['id']:<16} {','.join(template['languages']):<8} "
                      f"{template['description']}{replaces}")
    return EXIT_OK
