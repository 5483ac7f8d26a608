"""The `scaffold` command: detect, new, upgrade.

Exit codes: 0 ok, 1 findings, 2 usage or input error. Only the standard library is
imported at start-up, so `scaffold --help` stays fast; each command imports what it
needs (copier, questionary, defusedxml) when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from generator import __version__, verify
from generator import adopt as adopt_command
from generator import check as check_command
from generator.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, ScaffoldError
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
one runtime contract (docs/runtime.md). Existing files are never overwritten without
--force; an existing compose file is left alone and compose.yaml skipped, saying so.
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
                         help=f"change a recorded answer (repeatable): {_settable_help()}; and base_registry "
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


# -- answer flags, derived from the languages' answer fields --------------------------------


def add_answer_flags(parser: argparse.ArgumentParser, title: str = "answers (each overrides what was detected)") -> None:
    """The answer flags (--port, --cmd, ...), one per answer field that has a flag."""
    answers = parser.add_argument_group(title)
    for field in _flag_fields():
        if field.flag_value is not None:  # a switch: --kubernetes, --no-compose
            answers.add_argument(field.flag, dest=_dest(field.key), help=_flag_help(field.key),
                                 action="store_const", const=field.flag_value)
            continue
        answers.add_argument(field.flag, dest=_dest(field.key), help=_flag_help(field.key),
                             metavar=field.metavar or field.flag.lstrip("-").replace("-", "_").upper())


def _flag_fields() -> List[Any]:
    """The answer fields that `scaffold new` has a flag for, each once."""
    from generator.languages import answer_fields

    return [field for field in answer_fields() if field.flag]


def _dest(key: str) -> str:
    return f"answer_{key}"


def _flag_help(key: str) -> str:
    """A flag's help: the field's, with the languages it applies to, its choices, or the default of
    an answer that is not detected (a detected one's default is what detection finds)."""
    from generator.languages import LANGUAGES, having, titles
    from generator.languages.base import FINAL, VERSION

    field = next(field for field in _flag_fields() if field.key == key)
    if key == VERSION.key:
        return f"{field.help}, e.g. " + ", ".join(f"{lang.title} {lang.default_version}" for lang in LANGUAGES)
    if key == FINAL.key:
        return f"{field.help}: " + "; ".join(f"{lang.name} {'|'.join(lang.final_names)}" for lang in LANGUAGES)
    owners = having(key)
    help_text = f"do not {field.help}" if field.flag_value is False else field.help  # --no-compose
    text = help_text if len(owners) == len(LANGUAGES) else f"{titles(owners)}: {help_text}"
    if field.detected or field.default in (None, "", []) or field.flag_value is not None:
        return text
    return f"{text} (default {field.default})"


def _settable_help() -> str:
    """The `--set` keys: those of every language, then each language's own."""
    from generator.languages import LANGUAGES, answer_fields, having

    settable = [field.key for field in answer_fields() if field.settable]
    common = [key for key in settable if len(having(key)) == len(LANGUAGES)]
    own = [f"{lang.name}: {', '.join(key for key in settable if key not in common and lang.field(key))}"
           for lang in LANGUAGES if any(key not in common and lang.field(key) for key in settable)]
    return "; ".join([", ".join(common), *own])


def answer_overrides(args: argparse.Namespace) -> Dict[str, Any]:
    """The answers given as flags: {key: value as typed}."""
    return {field.key: getattr(args, _dest(field.key)) for field in _flag_fields()
            if getattr(args, _dest(field.key)) is not None}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output()
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
    commands = {"detect": cmd_detect, "new": cmd_new, "upgrade": cmd_upgrade, "catalog": cmd_catalog,
                "verify": verify.run, "check": check_command.run, "adopt": adopt_command.run}
    try:
        return commands[args.command](args, out)
    except ScaffoldError as error:
        out.error(str(error))
        return error.exit_code
    except KeyboardInterrupt:
        out.error("interrupted; nothing was written")
        return EXIT_INPUT
    except BrokenPipeError:
        # the reader went away (`scaffold detect | head -1`): nothing left to say to it
        _silence_stdout()
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


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def project_dir(path: Path) -> Path:
    """The project directory the person named, resolved once (it may be a link; nothing below it may)."""
    from generator.errors import InputError

    if not path.is_dir():
        raise InputError(f"{path}: not a directory")
    return path.resolve()


def cmd_detect(args: argparse.Namespace, out: Output) -> int:
    from generator.detect import detect, nothing_found_message
    from generator.errors import InputError

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
            where = f"  [{fact.evidence}]" if fact.evidence else ""
            doubt = f"  (weak: {fact.weak})" if fact.weak else ""
            lines.append(f"  {key:<18} {value}{where}{doubt}")
    return lines


def _shown(value: List[Any]) -> str:
    """An argv as words; a list of them (release steps) separated by `;`."""
    return "; ".join(" ".join(item) if isinstance(item, list) else str(item) for item in value) \
        if any(isinstance(item, list) for item in value) else " ".join(str(item) for item in value)


def cmd_new(args: argparse.Namespace, out: Output) -> int:
    from generator import fs, record
    from generator.errors import InputError

    if args.json and not args.dry_run:
        raise InputError("--json goes with --dry-run (what would be written, as data)")
    project = project_dir(args.path)
    with fs.project_lock(project):
        if record.exists(project) and not args.force:
            raise InputError(f"{project / record.ANSWERS_FILE} exists: this project was scaffolded already; "
                             "run `scaffold upgrade` to regenerate its files (or --force to start over)")
        plan = _plan_new(args, project, out)
        if args.dry_run:
            return _show_plan(plan, args.json, out)
        written = plan.write(force=args.force)
    for name in written:
        out.ok(f"wrote {project / name}")
    for name, backup in plan.kept.items():
        if name in plan.replaced:
            out.info(f"your {name} is kept as {backup} and removed: `docker compose` reads only compose.yaml")
        else:
            out.info(f"your previous {name} is kept as {backup}")
    say_how_to_run(plan, out)
    return EXIT_OK


def say_how_to_run(plan: Any, out: Output) -> None:
    """The closing lines of `new` and `adopt`: how to run what was written, the hardened way."""
    for line in closing_lines(plan.project, plan.answers):
        out.info(line)


def closing_lines(project: Path, answers: Dict[str, Any]) -> List[str]:
    """How to run what was written, the hardened way."""
    from generator.runtime import runtime_for

    runtime = runtime_for(answers)
    lines = [""]
    if answers["compose"] and runtime.port:
        lines += [f"Run it hardened:  cd {project} && docker compose up --build",
                  f"                  (on 127.0.0.1:{runtime.port}; read-only, no capabilities, limits; compose.yaml "
                  "says why)"]
    elif answers["compose"]:  # a command-line program takes its arguments after the service
        lines += [f"Run it hardened:  cd {project} && docker compose run --rm --build {runtime.name} --help",
                  "                  (read-only, no capabilities, limits; compose.yaml says why)"]
    steps = f"release step{'s' if len(runtime.release) > 1 else ''}"
    if answers["compose"] and runtime.release:
        lines.append(f"                  (its {steps} run{'' if len(runtime.release) > 1 else 's'} first)")
    elif not answers["compose"]:
        tmpfs = " ".join(runtime.run_mounts())
        publish = f"-p 127.0.0.1:{runtime.port}:{runtime.port} " if runtime.port else ""
        arguments = "" if runtime.port else " --help"  # a command-line program takes its arguments after the image
        lines += [f"Build it:  DOCKER_BUILDKIT=1 docker build -t {runtime.name} {project}",
                  f"Run it:    docker run --rm --read-only {tmpfs} --cap-drop ALL --security-opt no-new-privileges "
                  f"--memory {runtime.resources.memory_mb}m --pids-limit {runtime.resources.pids} "
                  f"{publish}{runtime.name}{arguments}"]
        if runtime.release:
            lines.append(f"           after its {steps} (runtime.release in .scaffold/answers.yml), run the same way")
    if answers["kubernetes"]:
        lines.append(f"Kubernetes:       push the image, pin it (k8s/kustomization.yaml says how), then "
                     f"kubectl apply -k {project / 'k8s'}")
    if answers["ci"] != "none":
        pipeline = ".github/workflows/container.yml" if answers["ci"] == "github" else ".gitlab-ci.yml"
        lines.append(f"CI:               {pipeline} lints, builds, verifies and scans the image on every push")
    return lines


def _plan_new(args: argparse.Namespace, project: Path, out: Output) -> Any:
    """Detect, settle the answers (flags, then prompts) and render: the files `new` would write."""
    report = detect_apps(project, out)
    interactive = is_interactive(args, out)
    app = choose_app(report.apps, args.app, interactive, out)
    return plan_app(app, args, project, out, interactive)


def detect_apps(project: Path, out: Output) -> Any:
    """The detection report (its warnings said); InputError when it found no app."""
    from generator.detect import detect, nothing_found_message
    from generator.errors import InputError

    report = detect(project)
    for warning in report.warnings:
        out.warn(str(warning))
    if not report.apps:
        raise InputError(nothing_found_message(report.hints))
    return report


def is_interactive(args: argparse.Namespace, out: Output) -> bool:
    """Whether to ask: not with --yes or --json, nor when stdin is not a terminal (said)."""
    interactive = not args.yes and not args.json
    if interactive and not sys.stdin.isatty():
        out.info("stdin is not a terminal: answering every question with the detected defaults (--yes)")
        interactive = False
    return interactive


def plan_app(app: Any, args: argparse.Namespace, project: Path, out: Output, interactive: bool,
             given: Optional[Dict[str, Any]] = None, given_origins: Optional[Dict[str, str]] = None) -> Any:
    """Settle the answers for `app` (`given` answers, then flags, then prompts) and render them.

    `given` are answers that detection does not give (from `scaffold adopt`), with their origins.
    """
    from generator import fs
    from generator.catalogs import template_source
    from generator.errors import InputError
    from generator.plan import BACKUP_SUFFIX, COMPOSE_FILE, OVERRIDE_NAMES, Plan, compose_files
    from generator.render import render
    from generator.validate import resolve_answers

    flags = answer_overrides(args)
    overrides = {**(given or {}), **flags}
    origins = {key: origin for key, origin in (given_origins or {}).items() if key not in flags}
    resolved = resolve_answers(app, overrides, origins)
    if interactive:
        from generator.prompts import Cancelled, ask_answers

        try:
            asked = ask_answers(resolved.values, resolved.origins)
        except Cancelled:
            raise InputError("cancelled; nothing was written") from None
        resolved = resolve_answers(app, {**overrides, **asked}, {**origins, **{key: "the prompt" for key in asked}})
    answers = resolved.values
    replaced: List[str] = []
    existing = compose_files(project) if answers["compose"] else []
    if existing and not getattr(args, "force", False):  # (`adopt` has no --force for files beside the Dockerfile)
        # their compose file stays theirs: compose.yaml is skipped, not the whole run
        answers = {**answers, "compose": False}
        out.warn(f"{existing[0]} exists: {COMPOSE_FILE} not written (--force writes it and keeps the old file as "
                 f"{existing[0]}{BACKUP_SUFFIX}; `scaffold upgrade --set compose=true` adds it once {existing[0]} is gone)")
    else:
        replaced = [name for name in existing if name != COMPOSE_FILE]
    chosen = _choose_template(project, args.template, answers["language"], out)
    with template_source(chosen) as source:
        files = render(answers, source, base_registry=chosen.registry, dry_run=args.dry_run)
    plan = Plan(project, files, answers, chosen.name, chosen.version, chosen.registry,
                replaced=[name for name in replaced if COMPOSE_FILE in files])
    for name in plan.replaced if args.dry_run else ():
        out.info(f"{name} would be replaced by {COMPOSE_FILE} (--force): kept as {name}{BACKUP_SUFFIX} and removed, so "
                 f"that `docker compose` reads only {COMPOSE_FILE}")
    for name in OVERRIDE_NAMES:
        if COMPOSE_FILE in files and fs.exists(project, name):
            out.warn(f"{name} exists: `docker compose` merges it over {COMPOSE_FILE}, so its settings can undo the "
                     "hardening; check it, or run with -f compose.yaml")
    return plan


def _choose_template(project: Path, spec: Optional[str], language: str, out: Output) -> Any:
    """--template, else a registered catalog's template that replaces the language's, else the built-in one."""
    from generator.catalogs import builtin_resolved, load_config, replacement, resolve
    from generator.errors import InputError

    config = load_config(project)
    try:
        if spec:
            chosen = resolve(spec, config)
            if language not in chosen.languages:
                raise InputError(f"--template {chosen.name} is a template for {', '.join(chosen.languages)}; "
                                 f"this project is {language}")
        else:
            replacing = replacement(language, config)
            if replacing is None:
                chosen = builtin_resolved(language)
            else:
                chosen = replacing
                out.info(f"using {chosen.name} ({chosen.version}): catalog {chosen.catalog} replaces the built-in "
                         f"{language} template (--template builtin/{language} to use the built-in one)")
    finally:
        for notice in config.notices:
            out.warn(notice)
    chosen.registry = config.base_registry
    if config.base_registry:
        out.info(f"base images are pulled through {config.base_registry} (base_registry from {config.base_registry_origin})")
    return chosen


def choose_app(apps: List[Any], wanted: Optional[str], interactive: bool, out: Output) -> Any:
    from generator.errors import InputError

    if wanted:
        matches = [app for app in apps if wanted in (app.id, app.name, app.root)]
        if not matches:
            raise InputError(f"no app {wanted!r}; found: {', '.join(app.id for app in apps)}")
        return matches[0]
    if len(apps) == 1:
        return apps[0]
    if interactive:
        from generator.prompts import Cancelled, choose_app

        try:
            return choose_app(apps)
        except Cancelled:
            raise InputError("cancelled; nothing was written") from None
    choice = apps[0].facts.get("choice")  # why detection put it first, when it says
    why = f": {choice.value}" if choice and choice.value else ""
    doubt = f"{choice.weak}; " if choice and choice.weak else ""
    out.info(f"several apps found ({', '.join(app.id for app in apps)}); using {apps[0].id}{why} "
             f"({doubt}choose another with --app)")
    return apps[0]


def _show_plan(plan: Any, as_json: bool, out: Output) -> int:
    if as_json:
        out.data({"project": str(plan.project), "answers": plan.answers,
                  "files": plan.files, "conflicts": plan.conflicts()})
        return EXIT_OK
    existing = plan.conflicts()
    for name, text in plan.files.items():
        state = "exists: written only with --force" if name in existing else "would be created"
        out.line(f"==> {plan.project / name} ({state})")
        out.text(text if text.endswith("\n") else text + "\n")
    out.info(f"dry run: nothing was written (the answers would be recorded in {plan.project / '.scaffold'})")
    return EXIT_OK


def cmd_upgrade(args: argparse.Namespace, out: Output) -> int:
    """Merge the new render into the project; exit 1 when a conflict is left to resolve."""
    from generator import fs
    from generator.catalogs import load_config
    from generator.errors import InputError
    from generator.upgrade import load_record, parse_sets, plan_upgrade

    project = project_dir(args.path)
    with fs.project_lock(project):
        old = load_record(project)
        registry = None
        sets = []
        for pair in args.sets:
            if pair.partition("=")[0].strip() == "base_registry":
                from generator.images import check_registry

                value = pair.partition("=")[2]
                try:
                    registry = check_registry(value, "--set base_registry") if value.strip() else ""
                except ValueError as error:
                    raise InputError(str(error)) from None
            else:
                sets.append(pair)
        config = load_config(project)
        if registry is None and config.base_registry != old.base_registry:
            out.info(f"note: keeping the recorded base_registry {old.base_registry or '(none)'}; "
                     f"{config.base_registry_origin or 'your config'} says {config.base_registry or '(none)'} "
                     f"(change it with --set base_registry=...)")
        overrides: dict = parse_sets(sets, old.answers["language"])
        origins = {key: f"--set {key}" for key in overrides}
        if args.ask:
            if not sys.stdin.isatty():
                raise InputError("--ask needs a terminal; use --set key=value instead")
            from generator.prompts import Cancelled, ask_answers
            from generator.validate import validate

            try:
                asked = ask_answers(validate({**old.answers, **overrides}, origins))
            except Cancelled:
                raise InputError("cancelled; nothing was written") from None
            overrides.update(asked)
            origins.update({key: "the prompt" for key in asked})
        try:
            upgrade = plan_upgrade(project, overrides, origins, old, registry, config, dry_run=args.dry_run)
        finally:
            for notice in config.notices:
                out.warn(notice)
        if not args.dry_run:
            fs.write_files(project, upgrade.writes(), exclusive=upgrade.created())
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
    if args.dry_run:
        out.text(upgrade.diff())
    verb = "would be" if args.dry_run else "was"
    for result in upgrade.results:
        if result.state == "created":
            out.ok(f"{result.name} {verb} created (new in the templates)")
        elif result.state == "merged" and not result.conflicts:
            out.ok(f"{result.name} {verb} upgraded (your edits kept)")
        elif result.state == "unchanged":
            out.ok(f"{result.name} is up to date")
    if args.dry_run:
        out.info("dry run: nothing was written")
    if upgrade.conflicted:
        out.error(f"conflicts {'would be' if args.dry_run else 'were'} left to resolve by hand (your edit and the "
                  "new template both kept, between <<<<<<< your edit and >>>>>>> new template):")
        for result in upgrade.conflicted:
            out.info(f"  {project / result.name}: {result.conflicts} conflict{'s' if result.conflicts > 1 else ''}")
        return EXIT_FINDINGS
    return EXIT_OK


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
    from generator.errors import InputError

    name = catalogs.check_name(args.name)
    if name == catalogs.BUILTIN:
        raise InputError("the name builtin is reserved for the built-in templates")
    url = catalogs._check_url(args.url, "URL")
    if not catalogs._is_remote(url) and Path(url).exists():
        url = str(Path(url).resolve()) if not args.project else url
    ref = catalogs._check_ref(args.ref, "--ref") if args.ref else ""
    base = Path.cwd() if args.project else None
    full = str((base / url).resolve()) if base and not catalogs._is_remote(url) and not Path(url).is_absolute() else url
    entry = catalogs.CatalogEntry(name, full, ref, "command line")
    config = catalogs.Config()
    fetched, templates = catalogs.catalog_templates(entry, config)
    for notice in config.notices:
        out.warn(notice)
    for spec in templates.values():
        catalogs._resolved(entry, fetched, spec, config)  # every path exists and stays inside
    if entry.is_git and not ref:
        ref = fetched.commit
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
    for spec in templates.values():
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


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
