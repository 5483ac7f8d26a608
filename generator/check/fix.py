"""`scaffold check --fix`: the fixes that are safe as minimal edits, and a reason for the rest.

Each fix touches only the lines of the instructions it fixes (or inserts a few lines),
so the diff reads like a review comment: a numeric non-root USER in the final stage
(with the account created where the base lacks one), exec-form ENTRYPOINT/CMD/
HEALTHCHECK, `--chown=0:0` for application files, ADD -> COPY for local files,
secrets moved from ARG/ENV to `RUN --mount=type=secret`, `.dockerignore` entries, and
`latest` tags replaced by the version the project declares. Where an edit could change
what the image does (an entrypoint that switches users itself, a shell-form command
that uses variables, a secret used outside RUN), the fix is refused with the reason,
and the finding stays.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple, Union

from generator.check.analysis import StageFacts
from generator.check.dockerfile import (
    Dockerfile, Instruction, UnreadableDockerfile, arg_pairs, copy_sources, env_pairs, parse, printable, split_words,
    start_command,
)
from generator.check import dockerignore as ignore_files
from generator.check.rules import Context, Finding, dockerignore_keep, secret_name, simple_words

DEFAULT_UID = 10001
#: a non-root account the base already has, by family (distroless and Chainguard: nonroot)
_NONROOT = {"distroless": 65532, "chainguard": 65532}
_PRIVILEGE_DROP = re.compile(r"\b(gosu|su-exec|setpriv|runuser|chroot\s+--userspec|su\s+-|s6-setuidgid|chpst)\b")
#: how the official images tag a language version, by repository
_VERSION_TAGS = {
    "python": "{v}", "pypy": "{v}", "golang": "{v}", "eclipse-temurin": "{v}", "openjdk": "{v}",
    "amazoncorretto": "{v}", "sapmachine": "{v}", "maven": "3-eclipse-temurin-{v}", "gradle": "jdk{v}",
}
_LANGUAGE_OF = {"python": "python", "pypy": "python", "golang": "go", "eclipse-temurin": "java", "openjdk": "java",
                "amazoncorretto": "java", "sapmachine": "java", "maven": "java", "gradle": "java"}


@dataclass
class Fixed:
    """What --fix did: the new texts, what was applied, what was refused and why."""

    dockerfile: str
    dockerignore: Optional[str]
    applied: List[str] = field(default_factory=list)
    refused: List[str] = field(default_factory=list)
    #: how to build now (secrets moved to --secret)
    hints: List[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


class _Lines:
    """The file's lines with edits that compose: in-place changes, deletions, insertions.

    Each line keeps its own ending (a file that mixes CRLF and LF keeps doing so); inserted
    lines take the ending of the file's first line.
    """

    def __init__(self, dockerfile: Dockerfile) -> None:
        self.lines: List[Optional[str]] = list(dockerfile.lines)
        text = dockerfile.text[1:] if dockerfile.text.startswith("\ufeff") else dockerfile.text
        raw = text.split("\n")
        self.final_newline = raw[-1] == ""
        if self.final_newline:
            raw.pop()
        self.endings = ["\r\n" if line.endswith("\r") else "\n" for line in raw]
        self.after: Dict[int, List[str]] = {}
        self.newline = dockerfile.newline
        self.bom = "\ufeff" if dockerfile.text.startswith("\ufeff") else ""

    def get(self, line: int) -> str:
        return self.lines[line - 1] or ""

    def set(self, line: int, text: str) -> None:
        self.lines[line - 1] = text

    def delete(self, first: int, last: int) -> None:
        for line in range(first, last + 1):
            self.lines[line - 1] = None

    def insert_after(self, line: int, texts: List[str]) -> None:
        self.after.setdefault(line, []).extend(texts)

    def render(self) -> str:
        out: List[str] = [text + self.newline for text in self.after.get(0, [])]
        for index, text in enumerate(self.lines, start=1):
            ending = self.endings[index - 1] if index <= len(self.endings) else self.newline
            if text is not None:
                out.append(text + ending)
            out.extend(extra + self.newline for extra in self.after.get(index, []))
        body = "".join(out)
        if not self.final_newline and body.endswith(self.endings[-1] if self.endings else "\n"):
            # the original's last line had no line ending: keep it so, unless lines were added after it
            last = len(self.lines)
            if self.lines and self.lines[-1] is not None and not self.after.get(last):
                body = body[: -len(self.endings[-1])]
        return self.bom + body


def fix(ctx: Context, findings: List[Finding]) -> Fixed:
    """Apply every safe fix for `findings` (all from `ctx`); nothing is written here."""
    dockerfile = ctx.dockerfile
    lines = _Lines(dockerfile)
    result = Fixed(dockerfile.text, None)
    by_rule: Dict[str, List[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule.id, []).append(finding)
    if "unpinned-base-image" in by_rule:
        _pin(ctx, lines, by_rule["unpinned-base-image"], result)
    if "add-local-file" in by_rule:
        for finding in by_rule["add-local-file"]:
            _add_to_copy(ctx, lines, finding, result)
    if "app-files-owned-by-user" in by_rule:
        for finding in by_rule["app-files-owned-by-user"]:
            _chown_root(ctx, lines, finding, result)
    if "shell-form-command" in by_rule:
        for finding in by_rule["shell-form-command"]:
            _exec_form(ctx, lines, finding, result)
    if "secret-in-arg-env" in by_rule:
        _secrets(ctx, lines, by_rule["secret-in-arg-env"], result)
    for finding in by_rule.get("user-not-numeric", []) + by_rule.get("user-group-missing", []):
        _numeric_user(ctx, lines, finding, result)
    if "root-user" in by_rule:
        _root_user(ctx, lines, by_rule["root-user"][0], result)
    if "dockerignore-secrets" in by_rule:
        _dockerignore(ctx, by_rule["dockerignore-secrets"][0], result)
    result.dockerfile = lines.render()
    problems_before = {p.message for p in dockerfile.problems}
    new_problems = [p for p in parse(result.dockerfile).problems if p.message not in problems_before]
    if new_problems:  # never hand back a file BuildKit cannot read; refuse everything instead
        result.refused.append(f"the fixed file would not parse ({new_problems[0].message}); nothing applied")
        result.applied.clear()
        result.dockerfile = dockerfile.text
    return result


def _refuse(result: Fixed, finding: Finding, reason: str) -> None:
    result.refused.append(f"line {finding.line}: {finding.rule.id} ({finding.rule.row}): {reason}")


# ---- H7: latest -> the declared version ------------------------------------------------------------


def _pin(ctx: Context, lines: _Lines, findings: List[Finding], result: Fixed) -> None:
    versions = project_versions(ctx.path.parent)
    for finding in findings:
        stage = next(f.stage for f in ctx.facts if f.stage.line == finding.line)  # few stages
        ref = stage.ref
        assert ref is not None
        repository = ref.name
        if "$" in stage.image or repository not in _VERSION_TAGS:
            _refuse(result, finding, f"check cannot tell which tag of {printable(repository)} to use; pin it yourself")
            continue
        language = _LANGUAGE_OF[repository]
        declared = versions.get(language)
        if declared is None:
            _refuse(result, finding, f"the project declares no {language} version that check can read "
                                     f"(go.mod, .python-version, pyproject.toml, pom.xml, ...); pin it yourself")
            continue
        version, evidence = declared
        image = f"{repository}:{_VERSION_TAGS[repository].format(v=version)}"
        text = lines.get(stage.line)
        index = text.find(stage.image)
        if index < 0:
            _refuse(result, finding, "the image is not written on the FROM line itself")
            continue
        lines.set(stage.line, text[:index] + image + text[index + len(stage.image):])
        result.applied.append(f"line {stage.line}: FROM {printable(stage.image)} -> {image} (the {language} version "
                              f"the project declares, {evidence})")


def project_versions(root: Path) -> Dict[str, Tuple[str, str]]:
    """{language: (version, evidence)} from the project's own files, through detection."""
    from generator.detect import detect
    from generator.errors import ScaffoldError

    try:
        report = detect(root)
    except (ScaffoldError, OSError):
        return {}
    found: Dict[str, Tuple[str, str]] = {}
    for app in sorted(report.apps, key=lambda a: a.root != "."):
        fact = app.facts.get("version")
        if fact is not None and fact.value and app.language not in found:
            found[app.language] = (str(fact.value), str(fact.evidence) if fact.evidence else "detected")
    return found


# ---- H8: ADD -> COPY ------------------------------------------------------------------------------


def _instruction_at(ctx: Context, line: int, keyword: str) -> Optional[Instruction]:
    found = ctx.dockerfile.at(line)
    return found if found is not None and found.keyword == keyword else None


def _add_to_copy(ctx: Context, lines: _Lines, finding: Finding, result: Fixed) -> None:
    instruction = _instruction_at(ctx, finding.line, "ADD")
    text = lines.get(finding.line)
    match = re.match(r"(\s*)(add)\b", text, re.IGNORECASE)
    if instruction is None or match is None:
        _refuse(result, finding, "the ADD keyword is not at the start of its line")
        return
    if instruction.flag("checksum") is not None or instruction.flag("keep-git-dir") is not None:
        _refuse(result, finding, "ADD has flags COPY does not take")
        return
    keyword = "COPY" if match.group(2).isupper() else "copy" if match.group(2).islower() else "Copy"
    lines.set(finding.line, match.group(1) + keyword + text[match.end():])
    result.applied.append(f"line {finding.line}: ADD -> COPY (local files)")


# ---- H4: --chown=0:0 ------------------------------------------------------------------------------


def _chown_root(ctx: Context, lines: _Lines, finding: Finding, result: Fixed) -> None:
    instruction = ctx.dockerfile.at(finding.line)
    if instruction is None:
        return
    for line in range(instruction.line, instruction.end_line + 1):
        text = lines.get(line)
        match = re.search(r"--chown=(\S+)", text)
        if match:
            lines.set(line, text[:match.start()] + "--chown=0:0" + text[match.end():])
            result.applied.append(f"line {line}: --chown={printable(match.group(1))} -> --chown=0:0 (application files "
                                  "owned by root, readable by the app)")
            return
    _refuse(result, finding, "--chown is not written on the instruction's lines")


# ---- H5: exec form ----------------------------------------------------------------------------------


def _exec_form(ctx: Context, lines: _Lines, finding: Finding, result: Fixed) -> None:
    instruction = ctx.dockerfile.at(finding.line)
    if instruction is None:
        return
    command = start_command(instruction)
    shell = command.shell or ""
    if shell.lstrip().startswith("["):
        words: Optional[List[str]] = _single_quoted_array(shell)
    else:
        words = simple_words(shell)
    if words is None:
        _refuse(result, finding, "the command uses shell features ($variables, &&, pipes, redirections, globs); "
                                 "rewriting it as exec form would change what it does")
        return
    chain = ctx.chain
    keyword = instruction.keyword
    if keyword == "ENTRYPOINT" and any(i.keyword == "CMD" for f in chain for i in f.stage.instructions):
        _refuse(result, finding, "there is also a CMD, which an exec-form ENTRYPOINT would receive as arguments")
        return
    if keyword == "CMD":
        entrypoints = [i for f in chain for i in f.stage.instructions if i.keyword == "ENTRYPOINT"]
        if entrypoints and entrypoints[-1].exec_form is not None:
            _refuse(result, finding, "an exec-form ENTRYPOINT receives this CMD as `/bin/sh -c ...` arguments today; "
                                     "check what it expects")
            return
    indent = re.match(r"\s*", lines.get(instruction.line)).group()  # type: ignore[union-attr]
    written = lines.get(instruction.line).strip().split(None, 1)[0]
    if keyword == "HEALTHCHECK":
        flags = " ".join(f"--{k}" + (f"={v}" if v is not None else "") for k, v in instruction.flags)
        new = f"{indent}{written} {flags + ' ' if flags else ''}CMD {json.dumps(words)}"
    else:
        new = f"{indent}{written} {json.dumps(words)}"
    lines.set(instruction.line, new)
    if instruction.end_line > instruction.line:
        lines.delete(instruction.line + 1, instruction.end_line)
    result.applied.append(f"line {instruction.line}: {keyword} in exec form: {printable(json.dumps(words))}")


def _single_quoted_array(shell: str) -> Optional[List[str]]:
    """`['python', 'app.py']` (what people mean by it) when every element is a plain single-quoted string."""
    match = re.fullmatch(r"\[\s*('[^'\\\"]*'(?:\s*,\s*'[^'\\\"]*')*)\s*\]", shell.strip())
    if not match:
        return None
    return re.findall(r"'([^']*)'", match.group(1))


# ---- H10: secrets from ARG/ENV to RUN --mount=type=secret ---------------------------------------------


_REFERENCE = "\\$(?:\\{{{name}(?:[:]?[-+?][^}}]*)?\\}}|{name}\\b)"


def _secrets(ctx: Context, lines: _Lines, findings: List[Finding], result: Fixed) -> None:
    names: Dict[str, List[Finding]] = {}
    for finding in findings:
        instruction = ctx.dockerfile.at(finding.line)
        if instruction is None:
            continue
        pairs = arg_pairs(instruction) if instruction.keyword == "ARG" else env_pairs(instruction)
        for pair in pairs:
            if secret_name(pair.key):
                names.setdefault(pair.key, []).append(finding)
    for name, found in names.items():
        reason = _move_secret(ctx, lines, name, result)
        if reason:
            for finding in found:
                _refuse(result, finding, reason)


@dataclass
class _SecretUse:
    """Where one secret is declared (ARG/ENV) and which shell-form RUN lines read it."""

    declarations: List[Instruction] = field(default_factory=list)
    uses: List[Instruction] = field(default_factory=list)
    stages: Set[int] = field(default_factory=set)


def _move_secret(ctx: Context, lines: _Lines, name: str, result: Fixed) -> str:
    """Move one secret; "" when done, else why it was not."""
    if ctx.dockerfile.escape != "\\":
        return "a Windows-style Dockerfile (escape `): its RUN lines are not POSIX shell"
    found = _secret_use(ctx, name)
    if isinstance(found, str):
        return found
    if len(found.stages) > 1:
        return "it is declared in several stages"
    if not found.uses:
        reason = _runs_after_declaration(ctx, found)
        if reason:
            return reason
    secret_id = re.sub(r"[^a-z0-9_.-]", "_", name.lower())
    for instruction in found.uses:
        if not _mount_secret(lines, instruction, name, secret_id):
            return f"the RUN at line {instruction.line} is not laid out as check can edit"
    _remove_declarations(lines, name, secret_id, found, result)
    return ""


def _secret_use(ctx: Context, name: str) -> Union[_SecretUse, str]:
    """Where `name` is declared and read, or why it cannot move (an ENV of the final image, a declaration
    of several values, a use outside shell-form RUN)."""
    reference = re.compile(_REFERENCE.format(name=re.escape(name)))
    final_indexes = {f.stage.index for f in ctx.chain}
    found = _SecretUse()
    for instruction in ctx.dockerfile.instructions:
        if instruction.keyword in ("ARG", "ENV"):
            pairs = arg_pairs(instruction) if instruction.keyword == "ARG" else env_pairs(instruction)
            if any(p.key == name for p in pairs):
                if instruction.keyword == "ENV" and instruction.stage in final_indexes:
                    return "an ENV in the final image is the app's runtime configuration: pass it at run time " \
                           "(a secret file or the orchestrator's secrets) and delete it here"
                if len(pairs) != 1:
                    return f"the {instruction.keyword} at line {instruction.line} declares several values"
                found.declarations.append(instruction)
                if instruction.stage >= 0:
                    found.stages.add(instruction.stage)
            elif any(reference.search(p.value or "") for p in pairs):
                return f"{instruction.keyword} at line {instruction.line} uses it"
            continue
        if reference.search(instruction.arguments + "".join(h.body for h in instruction.heredocs)):
            if instruction.keyword != "RUN" or instruction.exec_form is not None or instruction.heredocs:
                return f"{instruction.keyword} at line {instruction.line} uses it (only shell-form RUN lines can read a secret mount)"
            found.uses.append(instruction)
    return found


def _runs_after_declaration(ctx: Context, found: _SecretUse) -> str:
    """No RUN names the secret: every RUN after its declaration may read it (from the environment);
    "" when they all can take the mount, else why not."""
    stage = next(iter(found.stages), None)
    if stage is None:
        return "no RUN uses it"
    start = max(d.line for d in found.declarations if d.stage == stage)
    found.uses = [i for i in ctx.facts[stage].stage.instructions if i.keyword == "RUN" and i.line > start]
    if not found.uses:
        return "no RUN uses it"
    if any(i.exec_form is not None or i.heredocs for i in found.uses):
        return "a RUN after it is in exec form or a heredoc (it cannot read a secret mount the same way)"
    return ""


def _remove_declarations(lines: _Lines, name: str, secret_id: str, found: _SecretUse, result: Fixed) -> None:
    """Delete the ARG/ENV lines of a moved secret and say how to build now."""
    valued = False
    for instruction in found.declarations:
        pairs = arg_pairs(instruction) if instruction.keyword == "ARG" else env_pairs(instruction)
        valued = valued or bool(pairs[0].value)
        lines.delete(instruction.line, instruction.end_line)
    uses, declarations = found.uses, found.declarations
    where = ", ".join(str(i.line) for i in uses)
    result.applied.append(f"{name}: ARG/ENV removed (line{'s' if len(declarations) > 1 else ''} "
                          f"{', '.join(str(d.line) for d in declarations)}); the RUN at line{'s' if len(uses) > 1 else ''} "
                          f"{where} read{'s' if len(uses) == 1 else ''} it from the build secret {secret_id}")
    result.hints.append(f"build with: docker build --secret id={secret_id},env={name} ...  (Docker 23+; "
                        f"older clients: --secret id={secret_id},src=FILE), not --build-arg {name}=...")
    if valued:
        result.hints.append(f"{name} had a value written in the Dockerfile: it was removed, but it is still in your "
                            "version control history and in images built before: rotate it")


def _mount_secret(lines: _Lines, instruction: Instruction, name: str, secret_id: str) -> bool:
    """Add the secret mount to the RUN and read the secret into `name` before its command."""
    first = lines.get(instruction.line)
    head = re.match(r"(\s*\S+)((?:\s+--\S+)*)(\s*)", first)
    if head is None:
        return False
    prefix = f'{name}="$(cat /run/secrets/{secret_id} 2>/dev/null || true)" && export {name} && '
    mount = f" --mount=type=secret,id={secret_id}"
    rest = first[head.end():]
    if rest.strip() and rest.strip() != "\\":
        lines.set(instruction.line, head.group(1) + mount + head.group(2) + (head.group(3) or " ") + prefix + rest)
        return True
    # the command starts on a later line: the mount goes on the first line, the read before the command
    lines.set(instruction.line, head.group(1) + mount + first[head.end(1):])
    for line in range(instruction.line + 1, instruction.end_line + 1):
        text = lines.get(line)
        stripped = text.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("--"):
            if not re.match(r"(--\S+\s*)+\\?\s*$", stripped):
                return False
            continue
        indent = text[:len(text) - len(stripped)]
        lines.set(line, indent + prefix + stripped)
        return True
    return False


# ---- H3: a numeric non-root USER ------------------------------------------------------------------------


def _numeric_user(ctx: Context, lines: _Lines, finding: Finding, result: Fixed) -> None:
    """USER name (or uid without a group) -> USER uid:gid, where the numbers are known."""
    final = ctx.final
    written = {u.line: u for f in ctx.chain for u in f.users}
    user = written.get(finding.line, final.user)
    if user is None:
        return
    if user.uid is None:
        _refuse(result, finding, f"the uid of {printable(user.text)} is not known (create the account with a fixed "
                                 "uid, useradd -u 10001 ..., and write USER 10001:10001)")
        return
    numbers = f"{user.uid}:{user.gid if user.gid is not None else user.uid}"
    instruction = user.instruction
    if instruction is None:  # the base image's named user: state it as numbers
        _insert_user(ctx, lines, final, numbers, False, result)
        return
    written_keyword = lines.get(instruction.line).strip().split(None, 1)[0]
    indent = re.match(r"\s*", lines.get(instruction.line)).group()  # type: ignore[union-attr]
    lines.set(instruction.line, f"{indent}{written_keyword} {numbers}")
    if instruction.end_line > instruction.line:
        lines.delete(instruction.line + 1, instruction.end_line)
    result.applied.append(f"line {instruction.line}: USER {printable(user.text)} -> USER {numbers}")


def _root_user(ctx: Context, lines: _Lines, finding: Finding, result: Fixed) -> None:
    """A numeric non-root USER after the final stage's last build step (and the account, where missing)."""
    final = ctx.final
    reason = _user_fix_refused(ctx, final)
    if reason:
        _refuse(result, finding, reason)
        return
    nonroot = _NONROOT.get(final.base.family)
    if nonroot is not None and final.accounts.get("nonroot", (None,))[0] == nonroot:
        _insert_user(ctx, lines, final, f"{nonroot}:{nonroot}", False, result)
        return
    existing = any(uid == DEFAULT_UID for uid, _ in final.accounts.values())
    create = not existing and bool(final.shells) and ctx.dockerfile.escape == "\\"
    _insert_user(ctx, lines, final, f"{DEFAULT_UID}:{DEFAULT_UID}", create, result)


def _user_fix_refused(ctx: Context, final: StageFacts) -> str:
    """Why adding USER would break the image (it starts as root on purpose), or ""."""
    if final.base.needs_root:
        return final.base.needs_root
    for facts in ctx.chain:
        for instruction, _ in facts.runs:
            match = _PRIVILEGE_DROP.search(instruction.arguments)
            if match:
                return (f"line {instruction.line} brings {match.group(1)}: the entrypoint switches users itself and "
                        "must start as root; change the entrypoint first (drop the switch, then add USER)")
    entrypoint = _entrypoint_script(ctx)
    if entrypoint is not None:
        name, text = entrypoint
        if text is None:
            return (f"the entrypoint script {printable(name)} cannot be read (a symbolic link, or not a regular file: "
                    "check follows no link): whether it switches users itself is unknown; add USER yourself")
        match = _PRIVILEGE_DROP.search(text)
        if match:
            return (f"the entrypoint script {printable(name)} switches users itself ({match.group(1)}) and must start as "
                    "root; change it first (drop the switch, then add USER)")
    return ""


def _entrypoint_script(ctx: Context) -> Optional[Tuple[str, Optional[str]]]:
    """The text of the entrypoint script when it is copied from the build context (None: it is there
    but cannot be read without following a link)."""
    words: List[str] = []
    for keyword in ("ENTRYPOINT", "CMD"):
        found = [i for f in ctx.chain for i in f.stage.instructions if i.keyword == keyword]
        if found:
            command = start_command(found[-1])
            words = command.exec_form or split_words(command.shell or "")
            if words:
                break
    scripts = [w for w in words[:2] if w.endswith(".sh") or "entrypoint" in w]
    if not scripts:
        return None
    target = scripts[0]
    for facts in ctx.chain:
        for instruction in facts.stage.each("COPY", "ADD"):
            if instruction.flag("from") is not None:
                continue
            sources, destination = copy_sources(instruction)
            for source in sources:
                base = source.rstrip("/").rsplit("/", 1)[-1]
                if target == destination or target.endswith("/" + base) or target == base:
                    present, text = _context_file(ctx, source)
                    if present:
                        return source, text
    return None


def _context_file(ctx: Context, source: str) -> Tuple[bool, Optional[str]]:
    """(whether the build context holds `source`, its text or None when it cannot be read), read through
    the Dockerfile's Place: never through a link, never outside the context."""
    cleaned = posixpath.normpath(source.lstrip("/"))
    if cleaned.split("/")[0] == ".." or cleaned == ".":
        return False, None
    try:
        data = ctx.place.sibling(cleaned).read(256 * 1024, "script")
    except UnreadableDockerfile:
        return True, None
    return data is not None, data.decode("utf-8", "replace") if data is not None else None


def _insert_user(ctx: Context, lines: _Lines, final: StageFacts, numbers: str, create: bool, result: Fixed) -> None:
    stage = final.stage
    anchor = stage.line
    anchor_end = stage.line
    replace: Optional[Instruction] = None
    for instruction in stage.instructions:
        if instruction.keyword in ("RUN", "COPY", "ADD", "WORKDIR", "ONBUILD"):
            anchor, anchor_end, replace = instruction.line, instruction.end_line, None
        elif instruction.keyword == "USER":
            replace = instruction
    uid, _, gid = numbers.partition(":")
    new: List[str] = []
    if create:
        nologin = "/usr/sbin/nologin" if final.base.family in ("debian", "ubuntu") else "/sbin/nologin"
        new.append("# The app's own account (no home, no login shell); added by scaffold check --fix")
        new.append(f'RUN echo "app:x:{uid}:{gid}::/nonexistent:{nologin}" >> /etc/passwd \\')
        new.append(f' && echo "app:x:{gid}:" >> /etc/group')
    if replace is not None and not create:
        indent = re.match(r"\s*", lines.get(replace.line)).group()  # type: ignore[union-attr]
        written = lines.get(replace.line).strip().split(None, 1)[0]
        lines.set(replace.line, f"{indent}{written} {numbers}")
        if replace.end_line > replace.line:
            lines.delete(replace.line + 1, replace.end_line)
        result.applied.append(f"line {replace.line}: USER {printable(replace.arguments.strip())} -> USER {numbers}")
        return
    if replace is not None:
        lines.delete(replace.line, replace.end_line)
    new.append("# A numeric non-root user (Kubernetes runAsNonRoot can verify it); added by scaffold check --fix")
    new.append(f"USER {numbers}")
    lines.insert_after(anchor_end, new)
    what = "created the account and " if create else ""
    result.applied.append(f"after line {anchor}: {what}USER {numbers} in the final stage")
    result.hints.append(f"the app now runs as uid {uid}: if it writes files (logs, a SQLite database, uploads, "
                        "caches) next to its code, give it a writable path instead (a VOLUME or a tmpfs, or an "
                        "environment variable pointing to /tmp)")
    low = [p.number for f in ctx.chain for p in f.stage.ports() if p.number is not None and p.number < 1024]
    if low:
        result.hints.append(f"the app listens on port {low[0]}: Docker lets a non-root user bind it (since 20.10), "
                            "Kubernetes needs net.ipv4.ip_unprivileged_port_start or a port above 1023")


# ---- H10: .dockerignore -------------------------------------------------------------------------------


def _dockerignore(ctx: Context, finding: Finding, result: Fixed) -> None:
    keep = dockerignore_keep(ctx)
    found, _ = ignore_files.leaks(ctx.place, ctx.ignore, keep)
    entries = ignore_files.entries_to_add(found, ctx.ignore, keep)
    if not entries:
        return
    existing = ctx.ignore.text if ctx.ignore is not None else ""
    block = ["# Kept out of the build context (secrets, VCS history); added by scaffold check --fix", *entries]
    separator = "" if not existing or existing.endswith("\n") else "\n"
    result.dockerignore = existing + separator + ("\n" if existing else "") + "\n".join(block) + "\n"
    name = ctx.ignore.name if ctx.ignore is not None else ".dockerignore"
    result.applied.append(f"{name}: added {', '.join(entries)}")
    result.hints.append("if the build needs one of the files now excluded, remove its entry from "
                        f"{name} and pass it with RUN --mount=type=secret instead")
