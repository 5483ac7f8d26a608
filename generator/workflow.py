"""One workflow for `new`, `adopt` and `upgrade`: detect, settle the answers, choose the template, render, write.

The use cases take plain typed requests (`NewRequest`, `AdoptRequest`, `UpgradeRequest`),
not argparse namespaces, and share one rule for each decision:

- which app, among several (`choose_app`);
- which template (`choose_template`: `--template`, the recorded one, a catalog's
  replacement, else the built-in one);
- who owns the compose file (`their_compose`: an existing compose file stays the team's
  unless forced).

Each use case reports what it decides through an `Output` (warnings, notes) and returns
what it planned or wrote; the command modules parse their flags into a request and print
the result. Errors are `ScaffoldError`s for `generator.cli.main` to report.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple

from generator.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from generator.catalogs import Config, Resolved
    from generator.output import Output
    from generator.plan import Plan
    from generator.upgrade import Upgrade
    from generator.validate import Answers


#: the files `new` always writes, which a project may have already
DOCKERFILE, IGNORE_FILE = "Dockerfile", ".dockerignore"
#: what `new` does where they exist (`on_existing`)
NEW, ADOPT, REPLACE, STOP = "new", "adopt", "replace", "stop"


@dataclass
class RenderRequest:
    """What `new` and `adopt` both take: the project, the app and template wanted, and the answers given as flags."""

    project: Path
    app: Optional[str] = None
    template: Optional[str] = None
    dry_run: bool = False
    #: ask the questions (no --yes, no --json), when stdin is a terminal
    questions: bool = False
    answers: Dict[str, Any] = field(default_factory=dict)


@dataclass
class NewRequest(RenderRequest):
    """`scaffold new`: plus whether existing files are replaced (--force)."""

    force: bool = False


@dataclass
class AdoptRequest(RenderRequest):
    """`scaffold adopt`: as `new`, plus which hand-written Dockerfile (relative to the project)."""

    dockerfile: Optional[str] = None


@dataclass
class UpgradeRequest:
    """`scaffold upgrade`: the `--set key=value` pairs as typed, whether to ask again."""

    project: Path
    sets: List[str] = field(default_factory=list)
    ask: bool = False
    dry_run: bool = False


@dataclass
class Adoption:
    """What `adopt` planned: the plan, the app, the values its Dockerfile stated, and what it said."""

    plan: "Plan"
    dockerfile: str
    parsed: Any
    app: Any
    stated: Dict[str, Any]
    warnings: List[str]


# -- the shared steps ------------------------------------------------------------------------------------


def project_dir(path: Path) -> Path:
    """The project directory the person named, resolved once (it may be a link; nothing below it may)."""
    if not path.is_dir():
        raise InputError(f"{path}: not a directory")
    return path.resolve()


def wants_questions(questions: bool, out: "Output") -> bool:
    """Whether to ask: when the request wants questions (no --yes, no --json) and stdin is a terminal (said
    when it is not)."""
    interactive = questions
    if interactive and not sys.stdin.isatty():
        out.info("stdin is not a terminal: answering every question with the detected defaults (--yes)")
        interactive = False
    return interactive


def detect_apps(project: Path, out: "Output") -> Any:
    """The detection report (its warnings said); InputError when it found no app."""
    from generator.detect import detect, nothing_found_message

    report = detect(project)
    for warning in report.warnings:
        out.warn(str(warning))
    if not report.apps:
        raise InputError(nothing_found_message(report.hints))
    return report


def choose_app(apps: List[Any], wanted: Optional[str], interactive: bool, out: "Output") -> Any:
    """The one rule for which app: the one named, the only one, the one chosen at the prompt, else the first."""
    if wanted:
        matches = [app for app in apps if wanted in (app.id, app.name, app.root)]
        if not matches:
            raise InputError(f"no app {wanted!r}; found: {', '.join(app.id for app in apps)}")
        return matches[0]
    if len(apps) == 1:
        return apps[0]
    if interactive:
        from generator.prompts import Cancelled
        from generator.prompts import choose_app as ask_app

        try:
            return ask_app(apps)
        except Cancelled:
            raise InputError("cancelled; nothing was written") from None
    choice = apps[0].facts.get("choice")  # why detection put it first, when it says
    why = f": {choice.value}" if choice and choice.value else ""
    doubt = f"{choice.weak}; " if choice and choice.weak else ""
    out.info(f"several apps found ({', '.join(app.id for app in apps)}); using {apps[0].id}{why} "
             f"({doubt}choose another with --app)")
    return apps[0]


def settle_answers(app: Any, flags: Mapping[str, Any], interactive: bool, given: Optional[Dict[str, Any]] = None,
                   given_origins: Optional[Dict[str, str]] = None) -> "Answers":
    """The checked answers for `app` and where each came from: `given` answers (from adopt), then flags,
    then the prompt."""
    from generator.validate import resolve_answers

    overrides = {**(given or {}), **flags}
    origins = {key: origin for key, origin in (given_origins or {}).items() if key not in flags}
    resolved = resolve_answers(app, overrides, origins)
    if interactive:
        asked = _ask(resolved.values, resolved.origins)
        resolved = resolve_answers(app, {**overrides, **asked}, {**origins, **{key: "the prompt" for key in asked}})
    return resolved


def say_unserved(app: Any, project: Path, answers: Mapping[str, Any], report: Any, out: "Output") -> None:
    """The settled start command (typed, adopted or detected) when it runs a server no dependency installs,
    unless detection said so already."""
    from generator.languages import by_name

    argv = answers.get("start_command")
    said = by_name(app.language).unserved(project, app.root, argv) if argv else ""
    if said and not any(said in str(warning) for warning in report.warnings):
        from generator.prompts import shown

        out.warn(f"the start command {shown(argv)} {said}")


def guesses(app: Any, resolved: "Answers", flags: Mapping[str, Any]) -> List[str]:
    """Answers taken without asking that nothing states: the default port, a guessed fact (validate.GUESS);
    each names the flag that sets it. (Asked, the person saw each value and where it came from.)"""
    from generator.languages import by_name
    from generator.languages.base import DEFAULT_ORIGIN, PORT
    from generator.prompts import shown
    from generator.validate import GUESS

    said = []
    for answer in by_name(app.language).answer_fields:
        value, origin = resolved.values.get(answer.key), resolved.origins.get(answer.key, "")
        if not answer.detected or not answer.flag or answer.key in flags or value in (None, "", [], False):
            continue
        if answer.key == PORT.key and origin == DEFAULT_ORIGIN:
            said.append(f"port {value} is a guess (nothing in the repository states it): set it with {answer.flag}")
        elif origin.startswith(GUESS):
            said.append(f"{answer.key.replace('_', ' ')} {shown(value)} is {origin}: set it with {answer.flag}")
    return said


def release_steps_found(resolved: "Answers", flags: Mapping[str, Any]) -> List[str]:
    """The release steps detection found (a framework's migrations, a Procfile) and where from: they run
    before the app on every start, so `new` says so and how to turn them off."""
    from generator.languages.base import RELEASE
    from generator.parsers import NO_RELEASE
    from generator.prompts import shown

    steps = resolved.values.get(RELEASE.key) or []
    if RELEASE.key in flags or not steps:
        return []
    several = len(steps) > 1
    return [f"release step{'s' if several else ''} {shown(steps)} (from {resolved.origins.get(RELEASE.key, '')}) "
            f"run{'' if several else 's'} once before the app; {RELEASE.flag} {NO_RELEASE} turns "
            f"{'them' if several else 'it'} off"]


def _ask(defaults: Mapping[str, Any], origins: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    from generator.prompts import Cancelled, ask_answers

    try:
        return ask_answers(defaults, origins)
    except Cancelled:
        raise InputError("cancelled; nothing was written") from None


def their_compose(project: Path, answers: Mapping[str, Any], force: bool = False,
                  generated: Tuple[str, ...] = ()) -> Optional[str]:
    """The one rule for compose-file ownership: the team's existing compose file, which then stays theirs
    (compose.yaml is not written beside or over it), unless forced; None when compose.yaml may be written.

    `generated` are files a previous run wrote (a compose.yaml of ours is ours to upgrade).
    """
    from generator.plan import COMPOSE_FILE, compose_files

    if force or not answers["compose"] or COMPOSE_FILE in generated:
        return None
    existing = compose_files(project)
    return existing[0] if existing else None


def choose_template(config: "Config", language: str, out: "Output", spec: Optional[str] = None,
                    recorded: Optional[str] = None) -> "Resolved":
    """The one rule for which template: `--template`, else the recorded one (upgrade), else a registered
    catalog's template that replaces the language's, else the built-in one; it must be for `language`."""
    from generator import catalogs
    from generator.record import ANSWERS_FILE

    try:
        if recorded and recorded.startswith(f"{catalogs.BUILTIN}/"):
            return catalogs.builtin_resolved(language)  # the installed built-ins, for the recorded language
        if recorded:
            chosen = catalogs.resolve(recorded, config, where=f"{ANSWERS_FILE}: template",
                                      context=f" (template {recorded} in {ANSWERS_FILE})")
            if language not in chosen.languages:
                raise InputError(f"{recorded} is now a template for {', '.join(chosen.languages)}, not {language}; "
                                 "nothing was written")
            return chosen
        if spec:
            chosen = catalogs.resolve(spec, config)
            if language not in chosen.languages:
                raise InputError(f"--template {chosen.name} is a template for {', '.join(chosen.languages)}; "
                                 f"this project is {language}")
            return chosen
        replacing = catalogs.replacement(language, config)
        if replacing is None:
            return catalogs.builtin_resolved(language)
        out.info(f"using {replacing.name} ({replacing.version}): catalog {replacing.catalog} replaces the built-in "
                 f"{language} template (--template builtin/{language} to use the built-in one)")
        return replacing
    finally:
        for notice in config.notices:
            out.warn(notice)
        config.notices.clear()


# -- new and adopt ----------------------------------------------------------------------------------------


def plan_files(app: Any, project: Path, answers: Dict[str, Any], template: Optional[str], force: bool,
               dry_run: bool, out: "Output") -> "Plan":
    """Render the answers for `app` with the chosen template: the files `new` and `adopt` write."""
    from generator import catalogs, fs
    from generator.plan import BACKUP_SUFFIX, COMPOSE_FILE, OVERRIDE_NAMES, Plan, compose_files
    from generator.render import render

    theirs = their_compose(project, answers, force)
    if theirs:
        answers = {**answers, "compose": False}  # compose.yaml is skipped, not the whole run
        out.warn(f"{theirs} exists: {COMPOSE_FILE} not written (--force writes it and keeps the old file as "
                 f"{theirs}{BACKUP_SUFFIX}; `scaffold upgrade --set compose=true` adds it once {theirs} is gone)")
    replaced = [name for name in compose_files(project) if name != COMPOSE_FILE] if answers["compose"] else []
    config = catalogs.load_config(project)
    chosen = choose_template(config, answers["language"], out, spec=template)
    registry = config.base_registry
    if registry:
        out.info(f"base images are pulled through {registry} (base_registry from {config.base_registry_origin})")
    with catalogs.template_source(chosen) as source:
        files = render(answers, source, base_registry=registry, dry_run=dry_run)
    plan = Plan(project, files, answers, chosen.name, chosen.version, registry,
                replaced=[name for name in replaced if COMPOSE_FILE in files], merged=_their_ignore(project, files, out),
                secrets=service_secrets(project, answers))
    for name in plan.replaced if dry_run else ():
        out.info(f"{name} would be replaced by {COMPOSE_FILE} (--force): kept as {name}{BACKUP_SUFFIX} and removed, so "
                 f"that `docker compose` reads only {COMPOSE_FILE}")
    for name in OVERRIDE_NAMES:
        if COMPOSE_FILE in files and fs.exists(project, name):
            out.warn(f"{name} exists: `docker compose` merges it over {COMPOSE_FILE}, so its settings can undo the "
                     "hardening; check it, or run with -f compose.yaml")
    return plan


def service_secrets(project: Path, answers: Mapping[str, Any]) -> Dict[str, str]:
    """The services' password files compose will read and the project lacks (made on this run)."""
    from generator.services.secrets import missing_files

    return missing_files(project, answers) if answers.get("compose") else {}


def _their_ignore(project: Path, files: Dict[str, str], out: "Output") -> Dict[str, str]:
    """Our .dockerignore with the team's own entries carried in, where ours replaces theirs (kept as .orig)."""
    from generator import fs, ignore_merge

    theirs = fs.read_text(project, IGNORE_FILE, error=InputError) if IGNORE_FILE in files else None
    if theirs is None:
        return {}
    merged, notes = ignore_merge.merge(files[IGNORE_FILE], theirs)
    for note in notes:
        out.warn(note)
    return {IGNORE_FILE: merged} if merged != files[IGNORE_FILE] else {}


def existing_files(project: Path) -> List[str]:
    """The files every `new` writes that the project has already (a hand-written Dockerfile, their .dockerignore)."""
    from generator import fs

    return [name for name in (DOCKERFILE, IGNORE_FILE) if fs.exists(project, name)]


def on_existing(request: NewRequest, out: "Output") -> str:
    """Asked before any detection question: what `new` does where a Dockerfile or .dockerignore exists.

    ADOPT (read what the Dockerfile states), REPLACE (as --force: old files kept as .orig, their
    .dockerignore entries merged) or NEW (nothing there, forced, or a dry run). Without questions
    it refuses at once, naming both ways, so that no answer is given for nothing.
    """
    from generator import record

    existing = existing_files(request.project)
    if not existing or request.force or request.dry_run or record.exists(request.project):
        return NEW  # plan_new says why a recorded project is refused
    said = " and ".join(existing)
    if not (request.questions and sys.stdin.isatty()):  # refused before anything is said about questions
        adopt = "`scaffold adopt` keeps what your Dockerfile states; " if DOCKERFILE in existing else ""
        raise InputError(f"{said} already {'exists' if len(existing) == 1 else 'exist'}: {adopt}`scaffold new "
                         f"--force` replaces {'it' if len(existing) == 1 else 'them'} (kept as *.orig, your "
                         ".dockerignore entries merged); nothing was written")
    from generator.prompts import Cancelled, choose_one

    options = [("adopt: keep what your Dockerfile states (port, start command, version) and harden it", ADOPT)] \
        if DOCKERFILE in existing else []
    options += [("replace: write new files; yours kept as *.orig, your .dockerignore entries merged", REPLACE),
                ("stop: write nothing", STOP)]
    try:
        chosen = choose_one(f"{said} already {'exists' if len(existing) == 1 else 'exist'}; what now?", options)
    except Cancelled:
        raise InputError("cancelled; nothing was written") from None
    if chosen == STOP:
        raise InputError(f"stopped: {said} left as is; nothing was written")
    return chosen


def plan_new(request: NewRequest, out: "Output") -> "Plan":
    """Detect, choose the app, settle the answers (flags, then prompts) and render: the files `new` would write."""
    from generator import record

    project = request.project
    if record.exists(project) and not request.force:
        raise InputError(f"{project / record.ANSWERS_FILE} exists: this project was scaffolded already; "
                         "run `scaffold upgrade` to regenerate its files (or --force to start over)")
    report = detect_apps(project, out)
    interactive = wants_questions(request.questions, out)
    app = choose_app(report.apps, request.app, interactive, out)
    resolved = settle_answers(app, request.answers, interactive)
    say_unserved(app, project, resolved.values, report, out)
    plan = plan_files(app, project, resolved.values, request.template, request.force, request.dry_run, out)
    for guess in [] if interactive else guesses(app, resolved, request.answers):  # after planning: a failing
        out.warn(guess)  # run still ends in its one error line
    for said in release_steps_found(resolved, request.answers):
        out.info(said)
    return plan


def new(request: NewRequest, out: "Output") -> Tuple["Plan", List[str]]:
    """`plan_new` under the project lock, then the files written in one transaction (none on a dry run)."""
    from generator import fs

    with fs.project_lock(request.project):
        plan = plan_new(request, out)
        return plan, [] if request.dry_run else plan.write(force=request.force)


def plan_adopt(request: AdoptRequest, out: "Output",
               on_stated: Optional[Callable[[Any, Dict[str, Any]], None]] = None) -> Adoption:
    """`new --force`, with what the hand-written Dockerfile states taken over detection (flags still win).

    `on_stated(app, values)` is called once the stated values are known, before any question is asked.
    """
    from generator import record
    from generator.adopt import evidence, steps
    from generator.languages import by_name

    project = request.project
    if record.exists(project):
        raise InputError(f"{project / record.ANSWERS_FILE} exists: this project is managed already; run "
                         "`scaffold upgrade` to regenerate its files")
    reader, below = evidence.read(project, request.dockerfile, out)
    name, parsed = reader.name, reader.dockerfile
    report = detect_apps(project, out)
    interactive = wants_questions(request.questions, out)
    app = choose_app(evidence.ranked(report.apps, reader, out), request.app, interactive, out)
    language = by_name(app.language)
    stated = {**reader.stated(language, evidence.in_context(below, app.root)), **steps.health_path(reader, language)}
    values = evidence.usable(stated, language, reader.warnings)
    adopted, given, origins = evidence.adopted(app, values, language)
    if on_stated is not None:
        on_stated(app, values)
    for warning in reader.warnings:
        out.warn(warning)
    answers = settle_answers(adopted, request.answers, interactive, given, origins).values
    say_unserved(app, project, answers, report, out)
    plan = plan_files(adopted, project, answers, request.template, False, request.dry_run, out)
    new_text = plan.files.get(evidence.DOCKERFILE, "")
    not_carried = evidence.not_carried(reader, new_text, language, below) + steps.not_carried(reader, new_text, answers)
    for warning in not_carried:
        out.warn(warning)
    return Adoption(plan, name, parsed, app, values, reader.warnings + not_carried)


# -- upgrade ----------------------------------------------------------------------------------------------


def plan_upgrade(request: UpgradeRequest, out: "Output") -> "Upgrade":
    """The recorded answers plus `--set` (and the prompt with --ask), rendered with the recorded template
    and merged three ways into the project's files."""
    from generator import catalogs, record
    from generator.upgrade import parse_sets, upgrade_files

    project = request.project
    old = record.load(project)
    registry, sets = catalogs.registry_override(request.sets)
    config = catalogs.load_config(project)
    if registry is None and config.base_registry != old.base_registry:
        out.info(f"note: keeping the recorded base_registry {old.base_registry or '(none)'}; "
                 f"{config.base_registry_origin or 'your config'} says {config.base_registry or '(none)'} "
                 f"(change it with --set base_registry=...)")
    overrides: Dict[str, Any] = parse_sets(sets, old.answers["language"])
    origins = {key: f"--set {key}" for key in overrides}
    if request.ask:
        asked = _ask_again(old.answers, overrides, origins)
        overrides.update(asked)
        origins.update({key: "the prompt" for key in asked})
    answers = _upgraded_answers(old, overrides, origins)
    notes: List[str] = []
    theirs = their_compose(project, answers, generated=tuple(old.files))
    if theirs:
        from generator.plan import COMPOSE_FILE

        answers = {**answers, "compose": False}  # it stays off in the record
        notes.append(f"{theirs} exists: {COMPOSE_FILE} not added (it stays off in the record; move "
                     f"{theirs} away and run `scaffold upgrade --set compose=true` to add it)")
    chosen = choose_template(config, answers["language"], out, recorded=old.template)
    upgrade = upgrade_files(project, old, answers, chosen, old.base_registry if registry is None else registry,
                            request.dry_run)
    upgrade.notes[:0] = notes
    return upgrade


def _ask_again(recorded: Mapping[str, Any], overrides: Mapping[str, Any], origins: Mapping[str, str]) -> Dict[str, Any]:
    """--ask: the questions again, pre-filled with the recorded answers and the `--set` ones."""
    from generator.validate import validate

    if not sys.stdin.isatty():
        raise InputError("--ask needs a terminal; use --set key=value instead")
    return _ask(validate({**recorded, **overrides}, origins, set_with="--set"))


def _upgraded_answers(old: Any, overrides: Mapping[str, Any], origins: Mapping[str, str]) -> Dict[str, Any]:
    """The recorded answers with the new ones, checked again (a record is untrusted too)."""
    from generator.record import ANSWERS_FILE
    from generator.validate import validate

    raw = {**old.answers, **overrides}
    return validate(raw, {key: origins.get(key, ANSWERS_FILE) for key in raw}, set_with="--set")


def upgrade(request: UpgradeRequest, out: "Output") -> "Upgrade":
    """`plan_upgrade` under the project lock, then the merged files and the new record written."""
    from generator import fs

    with fs.project_lock(request.project):
        planned = plan_upgrade(request, out)
        if not request.dry_run:
            from generator.services.secrets import write_missing

            writes, created = planned.writes(), set(planned.created())
            write_missing(request.project, service_secrets(request.project, planned.plan.answers),
                          lambda files, modes: fs.write_files(request.project, {**writes, **files},
                                                              exclusive=created | set(files), modes=modes))
    return planned


# -- after writing ----------------------------------------------------------------------------------------


def closing_lines(project: Path, answers: Dict[str, Any]) -> List[str]:
    """How to run what was written, the hardened way (the last lines of `new` and `adopt`)."""
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
        pinned = ".github/scaffold-requirements.txt" if answers["ci"] == "github" else ".gitlab/scaffold-requirements.txt"
        lines += [f"CI:               {pipeline} lints, builds, verifies and scans the image on every push,",
                  f"                  once {pinned} names the sha256 of the scaffold wheel it installs "
                  "(it says how; until then the pipeline stops there)"]
    return lines
