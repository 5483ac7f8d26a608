"""What a hand-written Dockerfile states about its app: port, start command, version, user, ENV.

`scaffold adopt` takes these over detection, each with the line it came from
(`Dockerfile:12`), so the new Dockerfile keeps what the team's image did; detection
ranks them first among a repository's statements (generator.detect.stated.builds, which
finds the Dockerfiles that build an app wherever they sit). The file is
read with `scaffold check`'s parser (generator/check/dockerfile.py) and its stage
analysis (ENV/ARG values in scope at each line, the user a USER names), and only the
stage that runs is looked at (the final one and the stages it is built FROM), except for
the language version, which a build stage's image states as well.

Everything read here is untrusted, exactly like a detection fact: values go into the
`AppCandidate` as facts (or overrides, for answers detection never gives) and through
`generator.validate`. A start command is carried only as an argv without shell syntax
(exec form, or a shell form that splits safely into words); what cannot be carried is
said, with its line, and detection fills in.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from generator import fs
from generator.check.analysis import StageFacts, analyse
from generator.check.dockerfile import (
    MAX_BYTES, Assignment, Command, Dockerfile, Instruction, Stage, copy_sources, decode, expand, expose_ports, parse,
    start_command,
)
from generator.check.rules import excerpt, simple_words
from generator.detect.model import Evidence
from generator.errors import InputError, ScaffoldError
from generator.languages import LANGUAGES
from generator.languages.base import GID, PORT, UID, Language
from generator.parsers import shell_syntax

#: programs that are a shell: a command run through one cannot run in an image without a shell
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})
#: init programs a start command is wrapped in (`docker run --init` gives the same)
INITS = frozenset({"tini", "tini-static", "dumb-init", "catatonit"})
#: programs that switch to another user, then run the rest (the new image has its USER already)
SWITCHERS = frozenset({"gosu", "su-exec"})
#: the last line of an entrypoint script that runs the script's arguments (a user switch may come first)
RUNS_ARGUMENTS = re.compile(r'exec\s+(?:(?:gosu|su-exec)\s+\S+\s+)?"\$(?:@|\{@\})"')
#: the longest entrypoint script read
MAX_SCRIPT_BYTES = 64 * 1024
#: COPY --from stages followed back to the build context at most, and instructions looked at doing so
MAX_DEPTH = 8
MAX_VISITS = 50_000


class NoDockerfile(InputError):
    """There is no hand-written Dockerfile to adopt (`scaffold new` writes one)."""


@dataclass(frozen=True)
class Stated:
    """One answer the Dockerfile states, as written (untrusted), with the line it came from."""

    key: str
    value: Any
    evidence: Evidence
    #: how it was read, when the value alone does not show it ("EXPOSE ${PORT} = 7000", "FROM python:3.11-slim")
    how: str = ""


@dataclass
class StartCommand:
    """The start command the image runs: argv (None when it cannot be carried), and its lines."""

    argv: Optional[List[str]]
    instruction: Instruction
    #: why it is not carried, or what was dropped from it (an init, a user switch)
    notes: List[str] = field(default_factory=list)


def read(project: Path, name: str) -> Dockerfile:
    """The Dockerfile `name` (relative to the project), read link-safe and bounded; refused in one line."""
    info = fs.lstat(project, name)
    if info is None:
        raise NoDockerfile(f"{project / name}: no such file")
    if info.st_size > MAX_BYTES:
        raise InputError(f"{name}: larger than {MAX_BYTES // 1024} KiB; not read as a Dockerfile")
    data = fs.read_bytes(project, name, limit=MAX_BYTES, error=InputError)
    if data is None:
        raise NoDockerfile(f"{project / name}: no such file")
    offset = data.find(b"\0")
    if offset >= 0:
        raise InputError(f"{name}: binary data (a NUL byte at offset {offset}); not a Dockerfile")
    dockerfile = parse(decode(data), project / name)
    if not dockerfile.stages:
        raise InputError(f"{name}: no FROM instruction; not a Dockerfile, nothing to adopt")
    return dockerfile


class Reader:
    """The values one Dockerfile states, for the app it builds from the project (its build context)."""

    def __init__(self, project: Path, name: str, dockerfile: Dockerfile) -> None:
        self.project = project
        self.name = name
        self.dockerfile = dockerfile
        self.facts: List[StageFacts] = analyse(dockerfile)
        final = dockerfile.final_stage()
        assert final is not None  # read() refuses a file without FROM
        self.final = final
        self._ancestries: Dict[int, List[Stage]] = {}
        self._by_name: Dict[str, Stage] = {}
        self._copied: Dict[int, List[Copied]] = {}
        self.chain: List[Stage] = self._ancestry(final)
        self.workdirs = self._workdirs()
        self.warnings: List[str] = []
        #: instructions visited while following copies between stages: bounded, as input is hostile
        self._budget = MAX_VISITS
        self.start = self._start_command()

    # -- what the rest of adopt asks ---------------------------------------------------------------------

    def languages(self) -> List[Language]:
        """The languages whose images the stages are built on: the final stage's first, then the builders'."""
        found: List[Language] = []
        for stage in self._stages_by_preference():
            for language in LANGUAGES:
                if stage.ref is not None and language.image_version(stage.ref.name, stage.ref.tag) is not None \
                        and language not in found:
                    found.append(language)
        return found

    def program(self) -> str:
        """The start program's name (`/usr/local/bin/api` -> `api`), "" when none is carried."""
        return self.start.argv[0].rsplit("/", 1)[-1] if self.start and self.start.argv else ""

    def copied(self) -> List[str]:
        """The build-context paths the stages copy by name (not the whole context)."""
        paths = []
        for stage in self.dockerfile.stages:
            for instruction in stage.each("COPY", "ADD"):
                if instruction.flag("from") is None:
                    for source in copy_sources(instruction)[0]:
                        path = _context_path(source)
                        if path and not _pattern(source):
                            paths.append(path)
        return paths

    def stated(self, language: Language, source_dir: str) -> Dict[str, Stated]:
        """Every answer of `language` the Dockerfile states, for the app in `source_dir` (warnings kept)."""
        values: Dict[str, Stated] = {}
        for found in (*self.image_answers(language), *self._start_answers(language, source_dir)):
            if found is not None and language.field(found.key) is not None:
                values[found.key] = found
        return values

    def image_answers(self, language: Language) -> List[Optional[Stated]]:
        """What the image itself states, the start command aside: version, port, user, ENV answers."""
        return [self._version(language), self._port(), *self._user(), *self._env(language)]

    def start_argv(self, source_dir: str) -> Optional[Tuple[List[str], Evidence, str]]:
        """The start command as the new image would run it from the app in `source_dir` (paths made relative
        to it), its evidence and how it was written when that differs; None when none can be carried. What
        cannot be carried is added to the warnings, with its line."""
        start = self.start
        if start is None:
            return None
        where = self._where(start.instruction.line)
        for note in start.notes:
            self.warnings.append(f"{where}: the start command {note}")
        if start.argv is None:
            return None
        argv, notes = self._relative_paths(start.argv, source_dir)
        for note in notes:
            self.warnings.append(f"{where}: the start command: {note}")
        how = f"written {shlex.join(start.argv)}" if argv != start.argv else ""
        return argv, self._evidence(start.instruction), how

    def runtime_files(self) -> List[Tuple[str, int]]:
        """Project paths the final stage itself copies in a multi-stage build (what the app reads at run
        time: templates, static files, config), with their lines. A single-stage build holds its sources
        only because it builds there, so it has none."""
        if len(self.dockerfile.stages) < 2:
            return []
        return [(copied.source, copied.line) for instruction in self.final.each("COPY", "ADD")
                for copied in self._copies(instruction) if copied.stage is None and self._exists(copied.source)]

    def final_env(self) -> List[Assignment]:
        """The ENV of the stage that runs (its FROM stages included), in order, variables expanded."""
        return [Assignment(pair.key, expand(pair.value or "", self.facts[stage.index].scope.get(pair.line, {}))[0],
                           pair.line) for stage in self.chain for pair in stage.env()]

    # -- each value ------------------------------------------------------------------------------------

    def _stages_by_preference(self) -> List[Stage]:
        """The final stage and its FROM stages (last first), then the other stages (last first)."""
        running = {stage.index for stage in self.chain}
        others = [stage for stage in reversed(self.dockerfile.stages) if stage.index not in running]
        return list(reversed(self.chain)) + others

    def _at(self, line: int) -> Instruction:
        """The instruction starting at `line` (a line the parser reported)."""
        instruction = self.dockerfile.at(line)
        assert instruction is not None
        return instruction

    def _evidence(self, instruction: Instruction) -> Evidence:
        return Evidence(self.name, instruction.line, excerpt(self.dockerfile, instruction))

    def _where(self, line: int) -> str:
        return f"{self.name}:{line}"

    def _version(self, language: Language) -> Optional[Stated]:
        for stage in self._stages_by_preference():
            if stage.ref is None:
                continue
            version = language.image_version(stage.ref.name, stage.ref.tag)
            if version:
                return Stated("version", version, self._evidence(self._at(stage.line)), f"FROM {stage.resolved_image}")
        return None

    def _port(self) -> Optional[Stated]:
        """The first TCP port EXPOSEd by the stage that runs (a variable expanded where it has a value);
        else ENV PORT."""
        ports: List[Tuple[int, Instruction, str]] = []
        for stage in self.chain:
            scope_of = self.facts[stage.index].scope
            for instruction in stage.each("EXPOSE"):
                for port in _ports(instruction):
                    text, how = port, ""
                    if "$" in port:
                        text, unresolved = expand(port, scope_of.get(instruction.line, {}))
                        if unresolved or not text:
                            self.warnings.append(f"{self._where(instruction.line)}: EXPOSE {port} names a variable "
                                                 "without a value here: not used")
                            continue
                        how = f"EXPOSE {port} = {text}"
                    number, _, protocol = text.partition("/")
                    if protocol.lower() not in ("", "tcp"):
                        self.warnings.append(f"{self._where(instruction.line)}: EXPOSE {port} is not TCP: not used "
                                             "(the templates expose one TCP port)")
                    elif not number.isdigit():
                        self.warnings.append(f"{self._where(instruction.line)}: EXPOSE {port} is not a port number "
                                             "(a range?): not used")
                    else:
                        ports.append((int(number), instruction, how))
        env_port = next((pair for pair in reversed(self.final_env()) if pair.key == "PORT"), None)
        if ports:
            first, exposed, how = ports[0]
            others = sorted({str(p[0]) for p in ports[1:] if p[0] != first})
            if others:
                self.warnings.append(f"{self._where(exposed.line)}: several ports are exposed; the new Dockerfile "
                                     f"exposes {first} (the first), not {', '.join(others)}")
            if env_port is not None and env_port.value != str(first):
                self.warnings.append(f"{self._where(env_port.line)}: ENV PORT={env_port.value} differs from EXPOSE "
                                     f"{first}; the port is {first}")
            return Stated(PORT.key, first, self._evidence(exposed), how)
        if env_port is not None:
            return Stated(PORT.key, env_port.value, self._evidence(self._at(env_port.line)), f"ENV PORT={env_port.value}")
        return None

    def _user(self) -> List[Stated]:
        """A numeric non-root user (and group) a USER of the stage that runs names."""
        user = self.facts[self.final.index].user
        if user is None or user.instruction is None:
            return []
        where = self._where(user.line)
        if user.unresolved or user.uid is None:
            self.warnings.append(f"{where}: USER {user.text}: its uid is not known here; the new image runs as the "
                                 "default uid (--uid to choose)")
            return []
        if user.uid == 0:
            self.warnings.append(f"{where}: the old image ran as root (USER {user.text}); the new one runs as a "
                                 "non-root uid")
            return []
        evidence = self._evidence(user.instruction)
        how = "" if user.numeric else f"USER {user.text}, uid {user.uid}"
        found = [Stated(UID.key, user.uid, evidence, how)]
        if user.gid is not None:
            found.append(Stated(GID.key, user.gid, evidence, how))
        return found

    def _env(self, language: Language) -> List[Stated]:
        """Answers a language reads from ENV (DJANGO_SETTINGS_MODULE)."""
        wanted = dict(language.env_answers)
        found: Dict[str, Stated] = {}
        for pair in self.final_env():
            if pair.key in wanted and pair.value:
                found[wanted[pair.key]] = Stated(wanted[pair.key], pair.value, self._evidence(self._at(pair.line)),
                                                 f"ENV {pair.key}")
        return list(found.values())

    def _start_answers(self, language: Language, source_dir: str) -> List[Stated]:
        carried = self.start_argv(source_dir)
        if carried is None:
            return []
        argv, evidence, how = carried
        answers, said = language.start_answers(argv) if argv else ({}, [])
        for note in said:
            self.warnings.append(f"{evidence}: the start command: {note}")
        return [Stated(key, value, evidence, how) for key, value in answers.items()]

    # -- the start command -------------------------------------------------------------------------------

    def _start_command(self) -> Optional[StartCommand]:
        """ENTRYPOINT and CMD of the stage that runs, combined as Docker does; None when neither is set.

        An ENTRYPOINT resets a CMD inherited from an earlier stage, not one set in its own stage.
        """
        entry: Optional[Command] = None
        cmd: Optional[Command] = None
        for stage in self.chain:
            cmd_here = False
            for instruction in stage.each("ENTRYPOINT", "CMD"):
                command = start_command(instruction)
                if instruction.keyword == "CMD":
                    cmd, cmd_here = command, True
                else:
                    entry = command
                    if not cmd_here:
                        cmd = None
        shown = entry or cmd
        if shown is None:
            return None
        start = StartCommand(None, self._at(shown.line))
        if entry is not None and entry.exec_form is None:
            words = self._words(entry, start)
            if cmd is not None and words is not None:
                start.notes.append(f"ignores CMD at line {cmd.line} (a shell-form ENTRYPOINT does)")
        elif entry is not None:
            words = list(entry.exec_form or [])
            if cmd is not None and cmd.exec_form is None:
                start.notes.append(f"passes a shell-form CMD (line {cmd.line}) to ENTRYPOINT as `/bin/sh -c ...`, "
                                   "which needs a shell: not carried")
                return start
            words += list(cmd.exec_form or []) if cmd is not None else []
        else:
            assert cmd is not None
            words = list(cmd.exec_form) if cmd.exec_form is not None else self._words(cmd, start)
        start.argv = self._unwrapped(words, start) if words is not None else None
        return start

    def _words(self, command: Command, start: StartCommand) -> Optional[List[str]]:
        words = simple_words(command.shell or "")
        if words is None:
            start.notes.append(f"({command.keyword} {_short(command.shell or '')}) is a shell command: it uses shell "
                               "syntax (variables, &&, pipes, redirections, globs) that an image without a shell "
                               "cannot run: not carried")
        return words

    def _unwrapped(self, argv: List[str], start: StartCommand) -> Optional[List[str]]:
        """`argv` without an init or user switch in front; None (with the reason) when it cannot be carried."""
        if argv and argv[0].rsplit("/", 1)[-1] in INITS:
            init = argv[0].rsplit("/", 1)[-1]
            rest = argv[1:]
            if "--" in rest:
                rest = rest[rest.index("--") + 1:]
            while rest and rest[0].startswith("-"):
                rest = rest[1:]
            start.notes.append(f"runs under {init}: dropped (`docker run --init` gives the app an init process)")
            argv = rest
        if len(argv) > 2 and argv[0].rsplit("/", 1)[-1] in SWITCHERS:
            start.notes.append(f"switches users with {argv[0].rsplit('/', 1)[-1]}: dropped (the new image runs as "
                               "its numeric USER from the start)")
            argv = argv[2:]
        if not argv:
            start.notes.append("names no program once its wrapper is dropped: not carried")
            return None
        program = argv[0].rsplit("/", 1)[-1]
        if program in SHELLS:
            start.notes.append(f"runs a shell ({_short(' '.join(argv))}), which the hardened image does not have: "
                               "not carried")
            return None
        passed = self._passes_arguments(argv[0], start)
        if passed and len(argv) > 1:
            start.notes.append(f"runs the entrypoint script {argv[0]}, which ends by running its arguments "
                               f"({passed}): they are carried, what the script does before them is not")
            return self._unwrapped(argv[1:], start)
        if program.endswith(".sh"):
            start.notes.append(f"runs the shell script {argv[0]}, which needs a shell the hardened image does not "
                               "have: not carried (run what the script starts instead, with --cmd or its language's flag)")
            return None
        syntax = shell_syntax(argv)
        if syntax:
            start.notes.append(f"holds shell syntax ({syntax}), which exec form passes to the program as plain text: "
                               "not carried")
            return None
        return argv

    def _passes_arguments(self, program: str, start: StartCommand) -> str:
        """The last line of the script `program` names, when the project holds it (copied into the image) and
        that line runs the script's arguments (`exec "$@"`); "" otherwise."""
        workdir = self.workdirs.get(start.instruction.line, "/")
        path = self._in_context(posixpath.normpath(posixpath.join(workdir, program)))
        if not path or self._kind(path) != "file":
            return ""
        try:
            text = fs.read_text(self.project, path, limit=MAX_SCRIPT_BYTES)
        except ScaffoldError:
            return ""
        lines = [line.strip() for line in (text or "").splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if not text or not text.startswith("#!") or not lines or not RUNS_ARGUMENTS.fullmatch(lines[-1]):
            return ""
        return lines[-1]

    def _relative_paths(self, argv: List[str], source_dir: str) -> Tuple[List[str], List[str]]:
        """Arguments that name files the old image copied from the project, as paths relative to the app's
        directory (where the new image starts the app); notes for files outside it."""
        workdir = self.workdirs.get(self.start.instruction.line, "/") if self.start else "/"
        app = "" if source_dir == "." else source_dir
        notes: List[str] = []
        result = []
        for word in argv:
            prefix, value = "", word
            if word.startswith("-"):
                option, equals, value = word.partition("=")
                if not equals:
                    result.append(word)
                    continue
                prefix = option + "="
            path = self._in_context(posixpath.normpath(posixpath.join(workdir, value)))
            if path is None or value in ("", ".") or not self._exists(path):
                result.append(word)
            elif app and path != app and not path.startswith(app + "/"):
                if value.startswith("/"):
                    notes.append(f"{value} is {path or '.'} of the project, outside the app's directory {app}, "
                                 "which is all the new image holds")
                result.append(word)
            else:
                relative = path[len(app):].lstrip("/") if app else path
                result.append(prefix + (relative or "."))
        mapped = self._in_context(workdir)
        if mapped is not None and self._kind(mapped) == "dir" and (mapped or ".") != (app or "."):
            notes.append(f"it ran in {workdir} ({mapped or '.'} of the project); the new image starts it in the app's "
                         f"directory ({app or '.'})")
        return result, notes

    # -- where things are in the image --------------------------------------------------------------------

    def _workdirs(self) -> Dict[int, str]:
        """The working directory at each instruction line of every stage (a FROM stage's carried on)."""
        at: Dict[int, str] = {}
        ends: Dict[int, str] = {}
        for stage in self.dockerfile.stages:
            current = ends.get(stage.parent, "/") if stage.parent is not None else "/"
            scope_of = self.facts[stage.index].scope
            for instruction in stage.instructions:
                at[instruction.line] = current
                if instruction.keyword == "WORKDIR":
                    target = expand(instruction.arguments.strip().strip("\"'"), scope_of.get(instruction.line, {}))[0]
                    current = posixpath.normpath(posixpath.join(current, target)) if target else current
            ends[stage.index] = current
        return at

    def _stage(self, name_or_index: str) -> Optional[Stage]:
        """`Dockerfile.stage`, by a table built once (it is asked for every COPY --from)."""
        if not self._by_name:
            self._by_name = {stage.name: stage for stage in reversed(self.dockerfile.stages) if stage.name}
        key = name_or_index.lower()
        if key in self._by_name:
            return self._by_name[key]
        return self.dockerfile.stages[int(key)] if key.isdigit() and int(key) < len(self.dockerfile.stages) else None

    def _ancestry(self, stage: Stage) -> List[Stage]:
        if stage.index not in self._ancestries:
            self._ancestries[stage.index] = self.dockerfile.ancestry(stage)
        return self._ancestries[stage.index]

    def _copy_instructions(self, stage: Stage, newest_first: bool = False) -> Iterator[Instruction]:
        """The COPY and ADD of `stage` and of the stages it is built FROM; every instruction looked at
        counts against the budget, and when it is spent nothing more is followed (said once)."""
        stages = self._ancestry(stage)
        for holder in reversed(stages) if newest_first else stages:
            for instruction in reversed(holder.instructions) if newest_first else holder.instructions:
                self._budget -= 1
                if self._budget == -1:
                    self.warnings.append(f"{self.name}: too many stages and copies to follow them all; paths "
                                         "from the stages not followed are kept as written")
                if self._budget < 0:
                    return
                if instruction.keyword in ("COPY", "ADD"):
                    yield instruction

    def _in_context(self, path: str, stage: Optional[Stage] = None, depth: int = 0) -> Optional[str]:
        """The build-context path ("" for its root) that a COPY put at the absolute `path` of `stage` (the
        final stage by default), following COPY --from through earlier stages; None when none did."""
        if depth > MAX_DEPTH:
            return None
        for instruction in self._copy_instructions(stage or self.final, newest_first=True):
            for copied in self._copies(instruction):
                found = self._copied_to(copied, path, depth)
                if found is not None:
                    return found
        return None

    def _copied_to(self, copied: "Copied", path: str, depth: int) -> Optional[str]:
        if copied.stage is not None:
            candidates = []
            if copied.into_directory and path == posixpath.join(copied.target, posixpath.basename(copied.source)):
                candidates.append(copied.source)  # a file copied into the directory
            rest = _below(path, copied.target)
            if rest is not None:
                candidates.append(posixpath.normpath(posixpath.join(copied.source, rest)))
            for candidate in candidates:
                found = self._in_context(candidate, copied.stage, depth + 1)
                if found is not None:
                    return found
            return None
        kind = self._kind(copied.source)
        if kind == "dir":
            rest = _below(path, copied.target)
            if rest is not None:
                return _joined(copied.source, rest)
        elif kind == "file":
            placed = posixpath.join(copied.target, posixpath.basename(copied.source)) if copied.into_directory \
                else copied.target
            if path == placed:
                return copied.source
        return None

    def holds(self, stage: Optional[Stage] = None, inside: str = "/", depth: int = 0) -> List[str]:
        """The build-context paths ("" for all of it) whose files end up below `inside` in `stage` (the final
        stage by default): copied there directly, or through a path of an earlier stage."""
        found: List[str] = []
        if depth > MAX_DEPTH:
            return found
        for instruction in self._copy_instructions(stage or self.final):
            for copied in self._copies(instruction):
                places = [copied.target]
                if copied.into_directory and (copied.stage is not None or self._kind(copied.source) == "file"):
                    places.append(posixpath.join(copied.target, posixpath.basename(copied.source)))
                for place in places:
                    whole, part = _below(place, inside) is not None, _below(inside, place)
                    if copied.stage is not None and (whole or part):
                        found += self.holds(copied.stage, copied.source if whole else
                                            posixpath.join(copied.source, part or ""), depth + 1)
                    elif whole:
                        found.append(copied.source)
                    elif part and self._kind(copied.source) == "dir":
                        found.append(_joined(copied.source, part))
        return found

    def stage_outputs(self) -> List["StageOutput"]:
        """What each stage copies out of an earlier one (`COPY --from=ui /app/dist ./cmd/app/admin`): the
        build-context folder the copied path was made in (`admin/dist`: the earlier stage copied `admin/`
        to /app) and the context path it lands at (`cmd/app/admin`: the later stage copied `cmd` to /app/cmd,
        or the whole context to its working directory), each None when no COPY of the context says."""
        found: List[StageOutput] = []
        for stage in self.dockerfile.stages:
            for instruction in stage.each("COPY"):
                for copied in self._copies(instruction):
                    if copied.stage is None:
                        continue
                    place = posixpath.join(copied.target, posixpath.basename(copied.source)) \
                        if copied.into_directory else copied.target
                    above = self._in_context(posixpath.dirname(place), stage)
                    found.append(StageOutput(copied.stage, self._in_context(copied.source, copied.stage),
                                             None if above is None else _joined(above, posixpath.basename(place)),
                                             instruction.line))
        return found

    def _copies(self, instruction: Instruction) -> List["Copied"]:
        """What one COPY/ADD copies: each source from the context or an earlier stage, and where it lands.

        Heredocs, URLs, patterns, images and sources that climb out of the context are left out.
        """
        if instruction.line not in self._copied:
            self._copied[instruction.line] = self._read_copies(instruction)
        return self._copied[instruction.line]

    def _read_copies(self, instruction: Instruction) -> List["Copied"]:
        sources, destination = copy_sources(instruction)
        if not sources or not destination:
            return []
        scope = self.facts[instruction.stage].scope.get(instruction.line, {})
        workdir = self.workdirs.get(instruction.line, "/")
        written = expand(destination, scope)[0]
        target = posixpath.normpath(posixpath.join(workdir, written))
        # into an existing directory: BuildKit's reading of a trailing slash, `.`, several sources, the WORKDIR
        into_directory = written.endswith(("/", "/.")) or written == "." or len(sources) > 1 or target == workdir
        origin = instruction.flag("from")
        earlier = self._stage(origin) if origin is not None else None
        if origin is not None and (earlier is None or earlier.index >= instruction.stage):
            return []  # an image, not an earlier stage of this file
        copies = []
        for source in sources:
            source = expand(source, scope)[0]
            if source.startswith("<<") or "://" in source or _pattern(source):
                continue
            if earlier is not None:
                copies.append(Copied(posixpath.normpath(posixpath.join("/", source)), target, into_directory, earlier))
                continue
            context = _context_path(source)
            if context is not None:
                copies.append(Copied(context, target, into_directory, None, instruction.line))
        return copies

    def _kind(self, path: str) -> Optional[str]:
        """"dir", "file" or None (missing, a link, anything else), never following a link."""
        import stat

        if not path:
            return "dir"
        try:
            info = fs.lstat(self.project, path)
        except ScaffoldError:  # not a plain path inside the project, or a link on the way
            return None
        if info is None:
            return None
        return "dir" if stat.S_ISDIR(info.st_mode) else "file" if stat.S_ISREG(info.st_mode) else None

    def _exists(self, path: str) -> bool:
        return self._kind(path) is not None


def held(path: str, holders: List[str]) -> bool:
    """Whether the context path `path` is one of `holders` or below one ("" holds everything)."""
    return any(not holder or path == holder or path.startswith(holder + "/") for holder in holders)


@dataclass(frozen=True)
class Copied:
    """One source of a COPY/ADD: a context path (`stage` None) or an absolute path in an earlier stage."""

    source: str
    #: the absolute path it is copied to, and whether that is a directory it goes into
    target: str
    into_directory: bool
    stage: Optional[Stage]
    line: int = 0


@dataclass(frozen=True)
class StageOutput:
    """A path one stage copies out of an earlier `stage`, as build-context paths: the folder it was made
    in (`source`) and where it lands (`target`), each None when unknown; `line` is the COPY's."""

    stage: Stage
    source: Optional[str]
    target: Optional[str]
    line: int


def _joined(base: str, rest: str) -> str:
    """A context path below `base` ("" for the context's root)."""
    return posixpath.normpath(posixpath.join(base, rest)) if base and rest else base or rest


def _ports(instruction: Instruction) -> List[str]:
    return [port.text for port in expose_ports(instruction)]


def _context_path(source: str) -> Optional[str]:
    """A COPY source as a path in the build context ("" for its root); None when it climbs out."""
    path = posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
    if path == ".":
        return ""
    if path.startswith("../") or path == "..":
        return None
    return path


def _pattern(source: str) -> bool:
    return any(char in source for char in "*?[")


def _below(path: str, directory: str) -> Optional[str]:
    """`path` relative to `directory` ("" when equal), None when it is not inside it."""
    if path == directory:
        return ""
    prefix = directory.rstrip("/") + "/"
    return path[len(prefix):] if path.startswith(prefix) else None


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."
