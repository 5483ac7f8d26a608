"""What each stage of a Dockerfile ends up as: its user, shells, package managers, setuid files.

Rules and fixes both need the state of a stage after its instructions ran: which user
it runs as (USER, else the earlier stage it is built FROM, else the base image's
default), which shells and package managers are still there (the base's, minus what a
RUN removed), whether setuid bits were cleared, which accounts exist (the base's plus
those created by useradd/adduser or written to /etc/passwd), and the variables that
ARG and ENV define for expanding USER and COPY flags. Stages are walked in order, a
stage built FROM an earlier one starting from that one's state.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, replace
from typing import Dict, List, Mapping, Optional, Set, Tuple

from generator.check.bases import FAMILIES, UNKNOWN_BASE, Base, Inspector, lookup
from generator.check.dockerfile import Dockerfile, Instruction, Stage, arg_pairs, env_pairs, expand, label_pairs, split_words
from generator.check.shell import Command, Script, parse_script

#: interpreters that make a heredoc the RUN's script (`RUN <<EOF` or `RUN bash <<EOF`)
_SCRIPT_SHELLS = frozenset({"sh", "bash", "ash", "dash", "/bin/sh", "/bin/bash", "/bin/ash", "/bin/dash"})
_PASSWD_LINE = re.compile(r"([a-z_][a-z0-9_.-]*):[^:\s]*:(\d+):(\d+):")
_SETUID_CLEAR = re.compile(r"(?:^|,)[ugoa]*-[rwxXt]*s")
_SETUID_SET = re.compile(r"(?:^|,)[ugoa]*\+[rwxXt]*s|^[2467][0-7]{3}$")


@dataclass(frozen=True)
class User:
    """The user a stage runs as, with where that comes from."""

    #: as written (variables expanded): "10001:10001", "appuser", "0"
    text: str
    line: int
    #: "USER at line 12", "the default user of python:3.12-slim", ...
    origin: str
    instruction: Optional[Instruction]
    uid: Optional[int]
    gid: Optional[int]
    #: the user part and (when given) the group part are numbers
    numeric: bool
    group_given: bool
    #: a variable in USER had no value (cannot verify)
    unresolved: bool = False

    @property
    def is_root(self) -> bool:
        return self.uid == 0


@dataclass
class StageFacts:
    stage: Stage
    base: Base
    #: "python:3.12-slim (table)", "stage build", ...
    base_origin: str
    user: Optional[User] = None
    #: shells and package managers still present (None: unknown)
    shells: Optional[Set[str]] = None
    package_managers: Optional[Set[str]] = None
    #: the line of the RUN that removed the last shell, if one did
    shell_removed_at: int = 0
    setuid: Optional[bool] = None
    setuid_cleared_at: int = 0
    env: Dict[str, str] = field(default_factory=dict)
    #: ARG and ENV values in scope at the end of the stage
    values: Dict[str, str] = field(default_factory=dict)
    accounts: Dict[str, Tuple[int, Optional[int]]] = field(default_factory=dict)
    groups: Dict[str, int] = field(default_factory=dict)
    healthcheck: bool = False
    oci_labels: bool = False
    #: every RUN with its parsed shell script (None for exec form), and the same by line
    runs: List[Tuple[Instruction, Optional[Script]]] = field(default_factory=list)
    scripts: Dict[int, Optional[Script]] = field(default_factory=dict)
    #: ARG/ENV values in scope at each instruction (for expanding its flags); instructions between two
    #: ARG/ENV share one (read-only) mapping, so that the memory is not instructions x variables
    scope: Dict[int, Mapping[str, str]] = field(default_factory=dict)
    #: every USER instruction of this stage, resolved where it stands
    users: List[User] = field(default_factory=list)

    @property
    def has_shell(self) -> Optional[bool]:
        return None if self.shells is None else bool(self.shells)


def run_script(instruction: Instruction) -> Optional[Script]:
    """The shell script a RUN runs (its heredoc when the heredoc is the script); None for exec form."""
    if instruction.exec_form is not None:
        return None
    text = instruction.arguments
    words = split_words(text)
    if instruction.heredocs and words and (words[0].startswith("<<") or
                                           (words[0] in _SCRIPT_SHELLS and len(words) > 1 and words[1].startswith("<<"))):
        text = "\n".join(h.body for h in instruction.heredocs)
    return parse_script(text)


def analyse(dockerfile: Dockerfile, inspector: Optional[Inspector] = None) -> List[StageFacts]:
    """The facts of every stage, in order."""
    facts: List[StageFacts] = []
    globals_ = dockerfile.global_arg_defaults()
    for stage in dockerfile.stages:
        facts.append(_stage_facts(stage, facts, globals_, inspector))
    return facts


def _stage_facts(stage: Stage, earlier: List[StageFacts], globals_: Dict[str, str],
                 inspector: Optional[Inspector]) -> StageFacts:
    if stage.parent is not None:
        parent = earlier[stage.parent]
        facts = StageFacts(stage, parent.base, f"stage {parent.stage.label} ({parent.base_origin})", parent.user,
                           None if parent.shells is None else set(parent.shells),
                           None if parent.package_managers is None else set(parent.package_managers),
                           parent.shell_removed_at, parent.setuid, parent.setuid_cleared_at, dict(parent.env),
                           dict(parent.env), dict(parent.accounts), dict(parent.groups), parent.healthcheck,
                           parent.oci_labels)
    else:
        if stage.resolved_image.lower() == "scratch":
            base = replace(FAMILIES["scratch"])
        elif stage.ref is not None:
            base = lookup(stage.ref, inspector)
        else:
            base = replace(UNKNOWN_BASE, image=stage.resolved_image or stage.image, source="")
        origin = base.image or stage.image
        if base.source and base.source != "table":
            origin += f" ({base.source})"
        facts = StageFacts(stage, base, origin)
        facts.shells = None if base.shells is None else set(base.shells)
        facts.package_managers = None if base.package_managers is None else set(base.package_managers)
        facts.setuid = base.setuid
        facts.healthcheck = base.healthcheck
        facts.oci_labels = base.oci_labels
        for name, uid, gid in base.accounts:
            facts.accounts[name] = (uid, gid)
            facts.groups.setdefault(name, gid)
        if base.user is not None:
            facts.user = _resolve(base.user, stage.line, f"the default user of {base.image or stage.image}",
                                  None, facts)
    scope: Mapping[str, str] = dict(facts.values)
    for instruction in stage.instructions:
        facts.scope[instruction.line] = scope
        _apply(instruction, facts, globals_)
        if instruction.keyword in ("ARG", "ENV"):
            scope = dict(facts.values)
    return facts


def _apply(instruction: Instruction, facts: StageFacts, globals_: Dict[str, str]) -> None:
    keyword = instruction.keyword
    if keyword == "ARG":
        for pair in arg_pairs(instruction):
            if pair.value is not None:
                facts.values[pair.key] = expand(pair.value, facts.values)[0]
            elif pair.key in globals_:
                facts.values[pair.key] = globals_[pair.key]
    elif keyword == "ENV":
        for pair in env_pairs(instruction):
            value = expand(pair.value or "", facts.values)[0]
            facts.env[pair.key] = value
            facts.values[pair.key] = value
    elif keyword == "USER":
        facts.user = _resolve(instruction.arguments.strip(), instruction.line, f"USER at line {instruction.line}",
                              instruction, facts)
        facts.users.append(facts.user)
    elif keyword == "RUN":
        script = run_script(instruction)
        facts.runs.append((instruction, script))
        facts.scripts[instruction.line] = script
        if script is not None:
            if facts.shells is None:
                facts.shells = {"/bin/sh"}  # a shell-form RUN needs one
            _apply_script(instruction, script, facts)
    elif keyword == "SHELL" and instruction.exec_form:
        if facts.shells is None:
            facts.shells = {instruction.exec_form[0]}
    elif keyword == "HEALTHCHECK":
        facts.healthcheck = True
    elif keyword == "LABEL":
        if any(pair.key.startswith("org.opencontainers.image.") for pair in label_pairs(instruction)):
            facts.oci_labels = True


def _resolve(text: str, line: int, origin: str, instruction: Optional[Instruction], facts: StageFacts) -> User:
    expanded, unresolved = expand(text, facts.values)
    user_part, colon, group_part = expanded.strip().partition(":")
    uid: Optional[int] = None
    gid: Optional[int] = None
    if user_part.isdigit():
        uid = int(user_part)
    elif user_part == "root":
        uid = 0
    elif user_part in facts.accounts:
        uid, gid = facts.accounts[user_part]
    if group_part:
        gid = int(group_part) if group_part.isdigit() else facts.groups.get(group_part)
    numeric = user_part.isdigit() and (not colon or group_part.isdigit())
    return User(expanded.strip(), line, origin, instruction, uid, gid, numeric, bool(colon and group_part), unresolved)


def _apply_script(instruction: Instruction, script: Script, facts: StageFacts) -> None:
    usrmerge = facts.base.usrmerge
    for command in script.commands:
        program = command.program
        if program == "rm":
            targets = [w for w in command.argv[1:] if w.startswith("/")]
            for attribute in ("shells", "package_managers"):
                present = getattr(facts, attribute)
                if present:
                    gone = {path for path in present if any(removes(t, path, usrmerge) for t in targets)}
                    if gone:
                        present -= gone
                        if attribute == "shells" and not present:
                            facts.shell_removed_at = instruction.line
        elif program in ("apt-get", "apt", "dpkg", "apk", "dnf", "yum", "microdnf", "pip", "pip3") and \
                facts.package_managers is None:
            facts.package_managers = {program}
        elif program in ("useradd", "adduser"):
            _account(command, facts)
        elif program in ("groupadd", "addgroup"):
            _group(command, facts)
        if _clears_setuid(command):
            facts.setuid = False
            facts.setuid_cleared_at = instruction.line
        elif program == "chmod" and any(_SETUID_SET.search(word) for word in command.argv[1:2] + command.argv[2:3]):
            facts.setuid = True
    for match in _PASSWD_LINE.finditer(instruction.arguments if not instruction.heredocs else
                                       instruction.arguments + "\n" + "\n".join(h.body for h in instruction.heredocs)):
        if "/etc/passwd" in instruction.arguments or instruction.heredocs:
            facts.accounts[match.group(1)] = (int(match.group(2)), int(match.group(3)))


def _clears_setuid(command: Command) -> bool:
    """`find / -perm /6000 ... -exec chmod a-s {} +` (or u-s, ug-s, -s)."""
    if command.program != "find" or "-perm" not in command.argv or "chmod" not in command.argv:
        return False
    after = command.argv[command.argv.index("chmod") + 1:]
    return any(_SETUID_CLEAR.search(word) for word in after[:2])


def removes(target: str, path: str, usrmerge: bool) -> bool:
    """Whether `rm TARGET` (a path or glob) removes `path`."""
    if usrmerge:
        target, path = _merged(target), _merged(path)
    target = target.rstrip("/") or "/"
    if fnmatch.fnmatchcase(path, target):
        return True
    return path.startswith(target + "/") or (target == "/" and path.startswith("/"))


def _merged(path: str) -> str:
    for short in ("/bin", "/sbin", "/lib"):
        if path == short or path.startswith(short + "/"):
            return "/usr" + path
    return path


def _options(command: Command, with_values: Tuple[str, ...]) -> Tuple[Dict[str, str], List[str]]:
    """(option -> value, positional words) for useradd/adduser/groupadd-like commands."""
    options: Dict[str, str] = {}
    positional: List[str] = []
    words = command.argv[1:]
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("--") and "=" in word:
            key, _, value = word.partition("=")
            options[key] = value
        elif word in with_values and index + 1 < len(words):
            options[word] = words[index + 1]
            index += 1
        elif word.startswith("-") and len(word) > 1:
            options[word] = ""
        else:
            positional.append(word)
        index += 1
    return options, positional


_ACCOUNT_VALUES = ("-u", "--uid", "-g", "--gid", "-G", "--groups", "--ingroup", "-h", "--home", "--home-dir", "-d",
                   "-s", "--shell", "-c", "--comment", "--gecos", "-k", "--skel", "-K", "--key", "-e", "-f",
                   "--expiredate", "--inactive", "-p", "--password", "--firstuid", "--lastuid", "--conf",
                   "--add_extra_groups", "-b", "--base-dir", "-Z", "--selinux-user")


def _number(text: Optional[str], facts: StageFacts) -> Optional[int]:
    if text is None:
        return None
    value = expand(text, facts.values)[0].strip()
    return int(value) if value.isdigit() else None


def _account(command: Command, facts: StageFacts) -> None:
    options, positional = _options(command, _ACCOUNT_VALUES)
    if not positional:
        return
    name = expand(positional[0], facts.values)[0]
    uid = _number(options.get("-u") or options.get("--uid"), facts)
    if uid is None:
        facts.accounts.pop(name, None)  # an account whose number the system chooses: not known
        return
    if command.program == "adduser":  # Debian's --gid/--ingroup, BusyBox's -G (its -g is the GECOS field)
        group = options.get("--gid") or options.get("--ingroup") or options.get("-G")
    else:
        group = options.get("-g") or options.get("--gid")
    gid: Optional[int] = None
    if group is not None:
        gid = _number(group, facts)
        if gid is None:
            gid = facts.groups.get(expand(group, facts.values)[0])
    elif "-N" not in options and "--no-user-group" not in options:
        gid = uid  # a user group of its own, numbered like the user when free (as useradd/adduser do)
    facts.accounts[name] = (uid, gid)
    if gid is not None:
        facts.groups.setdefault(name, gid)


def _group(command: Command, facts: StageFacts) -> None:
    options, positional = _options(command, ("-g", "--gid", "-K", "--key", "-p", "--password", "--conf"))
    if not positional:
        return
    gid = _number(options.get("-g") or options.get("--gid"), facts)
    if gid is not None:
        facts.groups[expand(positional[-1] if command.program == "groupadd" else positional[0],
                            facts.values)[0]] = gid
