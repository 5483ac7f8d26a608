"""The rules: each HARDENING.md row (H1-H17) as checks on a parsed, analysed Dockerfile.

Rules are stage-aware: only the final stage (and the earlier stages it is built FROM)
ends up in the image that runs, so the user, shell, package manager, setuid, file
ownership and start-command rules look there alone, and a build stage may run as
root. Rules about what a build leaks (secrets, `.dockerignore`, unpinned bases, ADD)
look at every stage. Every finding names its row, its line, what was seen, why it
matters and the fix; `Rule.fixable` says whether `scaffold check --fix` can apply the
fix (it still refuses, with a reason, where the edit would not be safe).
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from generator import shellwords
from generator.check import dockerignore as ignore_files
from generator.check.analysis import StageFacts, User, analyse, removes
from generator.check.bases import FULL, TOOLCHAIN, Inspector
from generator.check.files import Place
from generator.check.dockerfile import (
    MAX_EXPANSION, MAX_INSTRUCTIONS, MAX_STAGES, Dockerfile, Instruction, UnreadableDockerfile, arg_pairs,
    copy_sources, env_pairs, expand, label_pairs, printable, split_words, start_command,
)
from generator.check.shell import Command, Script

ERROR, WARNING, NOTE = "error", "warning", "note"
LEVELS = (ERROR, WARNING, NOTE)
SYNTAX_ROW = "syntax"


@dataclass(frozen=True)
class Rule:
    id: str
    row: str
    level: str
    title: str
    why: str
    advice: str
    #: `scaffold check --fix` can fix it (where the edit is safe)
    fixable: bool
    #: for docs/check.md: a line that triggers it and what passes
    bad: str
    good: str


def _rules(*rules: Rule) -> Dict[str, Rule]:
    return {rule.id: rule for rule in rules}


RULES: Dict[str, Rule] = _rules(
    Rule("dockerfile-syntax", SYNTAX_ROW, ERROR, "Dockerfile BuildKit cannot read",
         "BuildKit refuses (or misreads) this line, so the image is not what the file seems to say.",
         "Correct the line.", False, "RUNN apt-get update", "RUN apt-get update"),
    Rule("toolchain-in-final", "H1", WARNING, "toolchain in the final image",
         "Compilers, build tools and their caches in the image that runs are attack surface and size the app "
         "does not need at run time.",
         "Build in a first stage (FROM ... AS build) and copy only the artifact into a runtime base.", False,
         "FROM golang:1.22\nRUN go build -o /app .\nCMD [\"/app\"]",
         "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app"),
    Rule("large-final-base", "H2", NOTE, "full-size final base image",
         "A full image (with compilers and hundreds of packages) makes a bigger image and more CVEs to patch.",
         "Use the -slim variant, distroless, or scratch for the final stage.", False,
         "FROM python:3.12", "FROM python:3.12-slim"),
    Rule("root-user", "H3", ERROR, "the container runs as root",
         "Root in the container is root on the host's kernel: an exploit of the app can read and change "
         "everything in the container and has a shorter way out of it; Kubernetes runAsNonRoot refuses it.",
         "Add a numeric non-root USER uid:gid to the final stage after its last RUN (create the account where the "
         "base lacks one).", True, "FROM python:3.12-slim\nCMD [\"python\", \"app.py\"]",
         "USER 10001:10001\nCMD [\"python\", \"app.py\"]"),
    Rule("user-not-numeric", "H3", WARNING, "USER is a name, not a number",
         "Kubernetes runAsNonRoot can verify only a numeric user; with a name the pod is refused or the check "
         "is skipped, and the name can resolve to another uid in another base.",
         "Write the user (and group) as numbers: USER uid:gid.", True, "USER appuser", "USER 10001:10001"),
    Rule("user-group-missing", "H3", NOTE, "USER without a numeric group",
         "Without a group the process runs with the account's group, or group 0 (root's) when the uid has no "
         "passwd entry, which can make root-group files writable.",
         "Give the group too: USER uid:gid.", True, "USER 10001", "USER 10001:10001"),
    Rule("app-files-owned-by-user", "H4", WARNING, "application files owned by the runtime user",
         "Files the app's user owns can be rewritten by an exploit of the app (code, configuration, a "
         "backdoor that survives a restart of the process).",
         "Copy them owned by root: COPY --chown=0:0 (they stay readable); only declared paths (a VOLUME, a "
         "tmpfs) should be writable.", True, "COPY --chown=app:app . /app", "COPY --chown=0:0 . /app"),
    Rule("chown-to-user", "H4", WARNING, "RUN chown gives files to a non-root user",
         "Files the app's user owns can be rewritten by an exploit of the app.",
         "Leave application files owned by root; if the app must write somewhere, declare that path (VOLUME, or a "
         "tmpfs at run time) and chown only it.", False, "RUN chown -R app:app /app",
         "VOLUME /app/data\nRUN chown app:app /app/data"),
    Rule("world-writable", "H4", WARNING, "world-writable files",
         "Any user (and any process) in the container can change world-writable files.",
         "Remove the write bit for others (chmod o-w; 755/644 instead of 777/666).", False,
         "RUN chmod -R 777 /app", "RUN chmod -R a=rX /app"),
    Rule("shell-in-final", "H5", WARNING, "a shell in the final image",
         "A shell is what most exploits need next (`sh -c` payloads, `docker exec` sessions); an image without "
         "one stops them.",
         "Run on a base without a shell (distroless, scratch, Chainguard) and copy the app in; or remove the "
         "shells in the final stage's last RUN.", False, "FROM python:3.12-slim", "FROM gcr.io/distroless/python3-debian12:nonroot"),
    Rule("package-manager-in-final", "H5", WARNING, "a package manager in the final image",
         "A package manager lets an intruder install tools (and needs root, which it then asks for).",
         "Run on a base without one (distroless, scratch), or remove it in the final stage's last RUN.", False,
         "FROM debian:bookworm-slim", "FROM gcr.io/distroless/base-debian12:nonroot"),
    Rule("shell-form-command", "H5", WARNING, "ENTRYPOINT/CMD/HEALTHCHECK in shell form",
         "The shell form runs `/bin/sh -c`: it needs a shell in the image, the app is not PID 1 so it misses "
         "SIGTERM (no graceful stop, killed after the timeout), and the string is open to shell injection.",
         "Use the exec (JSON) form: CMD [\"program\", \"arg\"].", True, "CMD python app.py",
         "CMD [\"python\", \"app.py\"]"),
    Rule("setuid-files", "H6", WARNING, "setuid/setgid programs in the final image",
         "setuid programs (su, mount, passwd, ...) are the classic way from a non-root user back to root.",
         "In the final stage's last RUN: find / -xdev -perm /6000 -type f -exec chmod a-s {} + ; or use a base "
         "without them (distroless, scratch).", False, "FROM debian:bookworm-slim",
         "RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +"),
    Rule("unpinned-base-image", "H7", WARNING, "base image without a version tag",
         "`latest` (or no tag) changes under you: builds stop being reproducible and a new major version "
         "arrives unreviewed.",
         "Pin a version tag (and a digest where you can): FROM python:3.12-slim.", True, "FROM python",
         "FROM python:3.12-slim"),
    Rule("add-local-file", "H8", WARNING, "ADD of local files",
         "ADD silently extracts archives and fetches URLs; for local files COPY does the same without surprises.",
         "Use COPY.", True, "ADD app.py /app/", "COPY app.py /app/"),
    Rule("add-remote", "H8", WARNING, "ADD of a URL without a checksum",
         "What the URL serves at build time goes into the image unverified (a compromised or changed download).",
         "Download in a build stage and verify a checksum, or ADD --checksum=sha256:... .", False,
         "ADD https://example.com/tool.tgz /opt/", "ADD --checksum=sha256:<digest> https://example.com/tool.tgz /opt/"),
    Rule("dependencies-after-sources", "H9", NOTE, "dependencies installed after copying all sources",
         "Any source change invalidates the dependency layer: every build downloads and installs everything again.",
         "Copy the dependency manifests first and install, then copy the sources (or use a BuildKit cache mount).",
         False, "COPY . .\nRUN pip install -r requirements.txt",
         "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . ."),
    Rule("secret-in-arg-env", "H10", ERROR, "a secret in ARG or ENV",
         "ARG and ENV values are stored in the image's history and metadata (`docker history`, `docker "
         "inspect`): anyone who can pull the image can read them.",
         "Pass it as a build secret: RUN --mount=type=secret,id=name ... and `docker build --secret id=name,...`; "
         "runtime secrets belong in files mounted at run time, not in the image.", True,
         "ARG NPM_TOKEN\nRUN npm ci", "RUN --mount=type=secret,id=npm_token NPM_TOKEN=\"$(cat /run/secrets/npm_token)\" && export NPM_TOKEN && npm ci"),
    Rule("secret-value", "H10", ERROR, "what looks like a credential written in the Dockerfile",
         "A credential in the Dockerfile is in the repository's history and in the image's layers or metadata.",
         "Remove it, rotate it, and pass it as a build secret (RUN --mount=type=secret).", False,
         "ENV GITHUB_TOKEN=ghp_...", "RUN --mount=type=secret,id=github_token ..."),
    Rule("secret-file-copied", "H10", ERROR, "a secret file copied into the image",
         "A key or credentials file copied into a layer stays in the image even if a later step deletes it.",
         "Mount it for the step that needs it: RUN --mount=type=secret,id=...,target=... .", False,
         "COPY .npmrc ./", "RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci"),
    Rule("dockerignore-secrets", "H10", WARNING, ".dockerignore lets secrets into the build context",
         "COPY . copies everything the context holds: .git (the whole history), .env files and keys end up in "
         "a layer anyone with the image can read.",
         "List them in .dockerignore (`scaffold check --fix` adds the missing entries).", True,
         "COPY . /app   (no .dockerignore)", ".dockerignore: **/.git  **/.env  **/*.key ..."),
    Rule("apt-install-recommends", "H11", NOTE, "apt-get install without --no-install-recommends",
         "Recommended packages roughly double what is installed: size and CVEs the app does not use.",
         "apt-get install -y --no-install-recommends ...", False,
         "RUN apt-get install -y curl", "RUN apt-get install -y --no-install-recommends curl"),
    Rule("apt-update-alone", "H11", NOTE, "apt-get update in its own RUN",
         "The cached update layer goes stale: a later install gets old or missing package versions.",
         "Update and install in the same RUN.", False, "RUN apt-get update\nRUN apt-get install -y curl",
         "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*"),
    Rule("apt-lists-kept", "H11", NOTE, "apt package lists left in the final image",
         "The package lists add tens of megabytes to the image and are stale the day after.",
         "End the RUN with rm -rf /var/lib/apt/lists/* (or use a cache mount on /var/lib/apt).", False,
         "RUN apt-get update && apt-get install -y curl", "... && rm -rf /var/lib/apt/lists/*"),
    Rule("apk-cache-kept", "H11", NOTE, "apk cache left in the final image",
         "The package index cache adds size to the image for nothing.", "apk add --no-cache ...", False,
         "RUN apk add curl", "RUN apk add --no-cache curl"),
    Rule("pipe-without-pipefail", "H11", WARNING, "a pipe in RUN without pipefail",
         "Without pipefail a failing command before a pipe goes unnoticed (`curl ... | sh` with a failed "
         "download still succeeds) and the build ships a broken image.",
         "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] before the RUN (or set -o pipefail where the shell has it).",
         False, "RUN curl -fsSL https://example.com/x | tar xz",
         "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -fsSL https://example.com/x | tar xz"),
    Rule("python-pip-in-final", "H12", WARNING, "pip install in the final stage",
         "pip, its caches and build leftovers stay in the image that runs; a virtualenv built in a build stage and "
         "copied whole keeps them out.",
         "Create a virtualenv in a build stage, install there, and COPY --from=build the virtualenv.", False,
         "FROM python:3.12-slim\nRUN pip install -r requirements.txt",
         "FROM python:3.12-slim AS build\nRUN python -m venv /venv && /venv/bin/pip install -r requirements.txt\n"
         "FROM python:3.12-slim\nCOPY --from=build /venv /venv"),
    Rule("python-env-missing", "H12", NOTE, "PYTHONUNBUFFERED / PYTHONDONTWRITEBYTECODE not set",
         "Buffered output loses the last log lines when the container stops; writing .pyc files at run time "
         "fails on a read-only filesystem or needs writable app files.",
         "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 (and compile bytecode at build time).", False,
         "FROM python:3.12-slim", "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1"),
    Rule("go-cgo-static-final", "H13", WARNING, "Go built with cgo for a final image without libc",
         "With CGO_ENABLED left on (the default where gcc is present) the binary may link libc dynamically "
         "and fail to start on scratch or distroless static.",
         "CGO_ENABLED=0 go build ... (or a final image with a libc for a cgo program).", False,
         "RUN go build -o /app .", "RUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /app ."),
    Rule("go-build-flags", "H13", NOTE, "go build without -trimpath and -s -w",
         "Without them the binary carries build paths and symbol tables: bigger, and less reproducible.",
         "go build -trimpath -ldflags=\"-s -w\" ...", False, "RUN go build -o /app .",
         "RUN go build -trimpath -ldflags=\"-s -w\" -o /app ."),
    Rule("healthcheck-missing", "H14", NOTE, "no HEALTHCHECK decision",
         "Without a HEALTHCHECK (or an explicit HEALTHCHECK NONE with its reason) nobody decided how the app is "
         "probed; checkov CKV_DOCKER_2 flags it.",
         "Add an exec-form HEALTHCHECK that needs no shell, or HEALTHCHECK NONE with a comment saying where the "
         "probes are (compose, Kubernetes).", False, "(no HEALTHCHECK)",
         "# probed by Kubernetes (liveness/readiness)\nHEALTHCHECK NONE"),
    Rule("oci-labels-missing", "H15", NOTE, "no OCI labels",
         "org.opencontainers.image.* labels say what the image is and where it comes from (scanners and "
         "registries show them).", "LABEL org.opencontainers.image.title=... org.opencontainers.image.source=...",
         False, "(no LABEL)", "LABEL org.opencontainers.image.title=\"api\""),
    Rule("removed-behind-package-manager", "H16", WARNING, "OS files removed behind the package manager's back",
         "Scanners (Trivy, Grype, Docker Scout) read the package database: files removed without it, or the "
         "database removed, make the image's CVEs invisible rather than gone.",
         "Build the runtime root in a build stage and copy it into scratch, or remove packages with the "
         "package manager (apt-get purge) so its database stays true.", False,
         "RUN rm -rf /var/lib/dpkg /usr/bin/perl*", "RUN apt-get purge -y perl-base"),
    Rule("deleted-in-final", "H17", WARNING, "files deleted in a later layer of the final image",
         "A file deleted in a later layer is still in the earlier one (a whiteout hides it): the image is as big "
         "as before and the bytes can be read from the layer.",
         "Never let it in: prepare the final filesystem in a build stage and COPY it as one layer.", False,
         "COPY . /app\nRUN rm -rf /app/tests", ".dockerignore: tests"),
)

#: rules whose subject is the image that runs (the final stage and the stages it is built FROM)
_PROGRAMS_PYTHON = frozenset({"python", "python3", "gunicorn", "uvicorn", "hypercorn", "daphne", "celery", "flask",
                              "django-admin", "waitress-serve", "streamlit", "fastapi"})
_SECRET_NAME = re.compile(
    r"(?:^|_)(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|SECRETS|TOKEN|APIKEY|API_KEY|ACCESS_KEY|PRIVATE_KEY|CLIENT_SECRET"
    r"|CREDENTIALS?|AUTH_TOKEN|SIGNING_KEY|ENCRYPTION_KEY|MASTER_KEY|LICENSE_KEY|SECRET_KEY|DB_PASS|PASS)(?:_|$)",
    re.IGNORECASE)
_NOT_SECRET = re.compile(r"_(?:FILE|PATH|DIR|URL|URI|HOST|PORT|NAME|USER|USERNAME|ID|ENABLED|HEADER|TYPE|LENGTH|"
                         r"TTL|EXPIRY|EXPIRES|ENDPOINT|REGION|SECRET_NAME)$|^(?:PWD|OLDPWD)$", re.IGNORECASE)
_TOKENS: Tuple[Tuple[str, "re.Pattern[str]"], ...] = (
    ("a GitHub token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{30,}")),
    ("a GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("an AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("an npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("a Stripe key", re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("a password in a URL", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"$]{3,}@")),
)
_SECRET_FILES = re.compile(r"(?:^|/)(?:\.env|\.netrc|\.npmrc|\.pypirc|id_rsa|id_dsa|id_ecdsa|id_ed25519|credentials"
                           r"(?:\.json)?|[^/]*\.(?:key|p12|pfx|jks|keystore)|[^/]*(?:private|priv)[^/]*\.pem)$")
_ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst",
             ".tar.lz", ".tar.lzma", ".tlz")
_DEPENDENCY_PROGRAMS = {
    "pip": ("install",), "pip3": ("install",), "poetry": ("install",), "pipenv": ("install", "sync"),
    "uv": ("sync", "pip"), "pdm": ("install", "sync"), "npm": ("ci", "install", "i"), "yarn": ("", "install"),
    "pnpm": ("install", "i"), "bundle": ("install",), "composer": ("install",), "cargo": ("build", "fetch"),
    "mvn": None, "mvnw": None, "gradle": ("build", "assemble", "bootJar", "installDist"), "gradlew": (
        "build", "assemble", "bootJar", "installDist"), "go": ("mod", "build"),
}
_COMPILE_PROGRAMS = {"go": ("build", "install"), "mvn": None, "mvnw": None, "gradle": None, "gradlew": None,
                     "javac": None, "cargo": ("build",), "gcc": None, "g++": None, "cc": None, "make": None,
                     "dotnet": ("build", "publish")}
#: OS paths that packages own (H16/H17); docs, man pages and locales are excepted as everyone strips them
_SYSTEM = ("/bin", "/sbin", "/lib", "/lib64", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib64", "/usr/libexec",
           "/usr/share", "/var/lib/dpkg", "/var/lib/apk", "/lib/apk", "/var/lib/rpm", "/etc")
_STRIPPED_OK = ("/usr/share/doc", "/usr/share/man", "/usr/share/info", "/usr/share/locale", "/usr/share/i18n",
                "/usr/share/lintian", "/usr/share/linda")
_SCRATCH_SPACE = ("/tmp", "/var/tmp", "/root/.cache", "/var/cache", "/var/lib/apt/lists", "/var/log", "/run")


@dataclass
class Finding:
    rule: Rule
    path: str
    line: int
    seen: str
    fix: str = ""

    @property
    def advice(self) -> str:
        return self.fix or self.rule.advice

    def to_json(self) -> Dict[str, object]:
        return {"rule": self.rule.id, "row": self.rule.row, "level": self.rule.level, "path": self.path,
                "line": self.line, "title": self.rule.title, "seen": self.seen, "why": self.rule.why,
                "fix": self.advice, "fixable": self.rule.fixable}


@dataclass
class Context:
    dockerfile: Dockerfile
    path: Path
    display: str
    facts: List[StageFacts]
    final: StageFacts
    #: the final stage and the stages it is built FROM (what is in the image that runs)
    chain: List[StageFacts]
    ignore: Optional[ignore_files.DockerIgnore]
    #: where the Dockerfile is below the project root: every file check reads beside it is read through it
    place: Place
    notes: List[str] = field(default_factory=list)

    def final_instructions(self, *keywords: str) -> List[Instruction]:
        return [i for facts in self.chain for i in facts.stage.instructions if not keywords or i.keyword in keywords]

    def final_runs(self) -> List[Tuple[Instruction, Optional[Script]]]:
        return [run for facts in self.chain for run in facts.runs]

    def finding(self, rule: str, line: int, seen: str, fix: str = "") -> Finding:
        return Finding(RULES[rule], self.display, line, seen, fix)

    def seen(self, instruction: Instruction) -> str:
        return excerpt(self.dockerfile, instruction)


@dataclass
class Report:
    path: str
    findings: List[Finding] = field(default_factory=list)
    #: things the check could not decide, said once (not findings)
    notes: List[str] = field(default_factory=list)
    error: str = ""
    suppressed: int = 0
    context: Optional[Context] = None


def excerpt(dockerfile: Dockerfile, instruction: Instruction, limit: int = 120) -> str:
    """The instruction's first line as written (terminal-safe, shortened), `...` when it continues."""
    text = dockerfile.lines[instruction.line - 1].strip() if instruction.line <= len(dockerfile.lines) else ""
    more = instruction.end_line > instruction.line
    if len(text) > limit:
        text, more = text[:limit], True
    return printable(text) + (" ..." if more else "")


# ---- the checks ----------------------------------------------------------------------------------


def _syntax(ctx: Context) -> Iterator[Finding]:
    for problem in ctx.dockerfile.problems:
        yield ctx.finding("dockerfile-syntax", problem.line, printable(problem.message))


def _user(ctx: Context) -> Iterator[Finding]:
    final = ctx.final
    user = final.user
    stage = final.stage
    where = f"the final stage ({_stage_name(ctx, final)})"
    if user is None:
        base = final.base.image or stage.image
        yield ctx.finding("root-user", stage.line, printable(
            f"no USER in {where}, and {base} is not a base image check knows (nor a local image): it runs as root "
            f"unless that image sets a USER"))
        return
    if user.unresolved:
        return
    if user.is_root:
        if user.instruction is not None:
            seen = f"USER {user.text} at line {user.line}: {where} runs as root"
        else:
            seen = f"no USER in {where}; {final.base_origin} runs as root (uid 0) by default"
        fix = ""
        if final.base.needs_root:
            fix = (f"{RULES['root-user'].advice} Note: {final.base.needs_root}; --fix leaves this one to you.")
        yield ctx.finding("root-user", user.line if user.instruction else stage.line, printable(seen), fix)
    elif user.instruction is None and not user.text.partition(":")[0].isdigit():
        yield ctx.finding("user-not-numeric", stage.line, printable(
            f"{final.base_origin} runs as the named user {user.text}"), _numbers_advice(user))
    elif user.text.partition(":")[0].isdigit() and not user.group_given and \
            not any(uid == user.uid for uid, _ in final.accounts.values()):
        # a uid without an account runs with group 0 (root's); an account's uid gets its own group
        gid = user.gid if user.gid is not None else user.uid
        origin = f"USER {user.text} at line {user.line}" if user.instruction else \
            f"{final.base_origin} runs as {user.text}"
        yield ctx.finding("user-group-missing", user.line if user.instruction else stage.line, printable(origin),
                          f"USER {user.uid}:{gid}")
    # every named USER in the image's stages (the one that runs, and those RUN steps run as)
    for facts in ctx.chain:
        for named in facts.users:
            if named.unresolved or named.is_root or named.text.partition(":")[0].isdigit():
                continue
            yield ctx.finding("user-not-numeric", named.line, printable(f"USER {named.text} at line {named.line}"),
                              _numbers_advice(named))


def _numbers_advice(user: "User") -> str:
    if user.uid is None:
        return "Create the account with a fixed uid (useradd -u 10001 ...) and write USER 10001:10001."
    gid = user.gid if user.gid is not None else user.uid
    return f"USER {user.uid}:{gid} (the numbers of {user.text.partition(':')[0]})"


def _shell_and_package_managers(ctx: Context) -> Iterator[Finding]:
    final = ctx.final
    line = final.stage.line
    if final.shells:
        origin = f"from {final.base_origin}" if final.base.shells else "a shell-form RUN needs one, and the base is unknown"
        yield ctx.finding("shell-in-final", line, printable(
            f"the final stage has {', '.join(sorted(final.shells))} ({origin})"))
    if final.package_managers:
        yield ctx.finding("package-manager-in-final", line, printable(
            f"the final stage has {', '.join(sorted(final.package_managers))} (from {final.base_origin})"))


def _start_commands(ctx: Context) -> Iterator[Finding]:
    for keyword in ("ENTRYPOINT", "CMD", "HEALTHCHECK"):
        found = ctx.final_instructions(keyword)
        if not found:
            continue
        instruction = found[-1]
        command = start_command(instruction)
        if command.exec_form is not None or (keyword == "HEALTHCHECK" and (command.shell or "").upper() == "NONE"):
            continue
        shell = command.shell or ""
        if keyword == "HEALTHCHECK" and not instruction.arguments.strip().upper().startswith("CMD"):
            continue
        if shell.lstrip().startswith("["):
            seen = f"{ctx.seen(instruction)}: not valid JSON (double quotes only), so Docker runs it as a /bin/sh -c string"
        else:
            seen = ctx.seen(instruction)
        if keyword == "HEALTHCHECK" and shell.lstrip().upper().startswith("CMD"):
            shell = shell.lstrip()[3:]
        fix = exec_form_advice(keyword, shell)
        yield ctx.finding("shell-form-command", instruction.line, seen, fix)


def exec_form_advice(keyword: str, shell: str) -> str:
    words = simple_words(shell)
    head = "HEALTHCHECK CMD" if keyword == "HEALTHCHECK" else keyword
    if words is None:
        return (f"{RULES['shell-form-command'].advice} This command uses shell features ($variables, pipes, "
                "&&, globs): move them into the program or an entrypoint binary, or keep them knowingly.")
    import json

    return f"{head} {json.dumps(words)}"


_SHELL_SYNTAX = re.compile(r"[$`|&;<>(){}*?\[\]~\n\\]|^\s*#")


def simple_words(shell: str) -> Optional[List[str]]:
    """The words of a shell command that means the same in exec form, else None."""
    text = shell.strip()
    if text.startswith("exec "):
        text = text[5:]
    if not text or _SHELL_SYNTAX.search(text.replace("\\\n", " ")):
        return None
    try:
        words = shellwords.split(text)
    except ValueError:
        return None
    if not words or any("=" in w and w.split("=", 1)[0].isidentifier() and i == 0 for i, w in enumerate(words)):
        return None
    return words


def _setuid(ctx: Context) -> Iterator[Finding]:
    final = ctx.final
    if final.setuid:
        yield ctx.finding("setuid-files", final.stage.line, printable(
            f"{final.base_origin} ships setuid/setgid programs (su, mount, passwd, ...) and no RUN in the final stage "
            "clears them"))


def _pinning(ctx: Context) -> Iterator[Finding]:
    for facts in ctx.facts:
        stage = facts.stage
        if stage.ref is None or stage.ref.digest:
            continue
        tag = stage.ref.tag.lower()
        if tag in ("", "latest") or tag.startswith("latest-") or tag.endswith("-latest"):
            what = "no tag (latest)" if not tag else f"the floating tag {stage.ref.tag}"
            yield ctx.finding("unpinned-base-image", stage.line, printable(f"FROM {stage.resolved_image}: {what}"),
                              printable(f"Pin a version tag (and a digest where you can): FROM {stage.ref.name}:"
                                        "<version>, the one you build and test with."))


def _is_remote(source: str) -> bool:
    return bool(re.match(r"(?:https?|git|ssh)://|git@", source))


def _add(ctx: Context) -> Iterator[Finding]:
    for facts in ctx.facts:
        for instruction in facts.stage.each("ADD"):
            sources, _ = copy_sources(instruction)
            remote = [s for s in sources if _is_remote(s)]
            if remote and instruction.flag("checksum") is None:
                yield ctx.finding("add-remote", instruction.line, ctx.seen(instruction))
            local = [s for s in sources if not _is_remote(s) and not s.startswith("<<")]
            if local and not remote and not any(s.lower().endswith(_ARCHIVES) for s in local):
                yield ctx.finding("add-local-file", instruction.line, ctx.seen(instruction),
                                  "Use COPY (same sources, same destination).")


def whole_context(instruction: Instruction) -> bool:
    """A COPY/ADD of the entire build context (`COPY . .`, `COPY ./ /app`, `COPY * ./`)."""
    if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
        return False
    sources, _ = copy_sources(instruction)
    return any(s in (".", "./", "*", "./*", "./.") for s in sources)


def _dependency_command(command: Command) -> bool:
    program = command.program
    if program not in _DEPENDENCY_PROGRAMS:
        return False
    verbs = _DEPENDENCY_PROGRAMS[program]
    if verbs is None:
        return True
    words = [w for w in command.argv[1:] if not w.startswith("-")]
    first = words[0] if words else ""
    if program == "go":
        return first == "mod" and "download" in words or first == "build"
    return first in verbs


def _dependencies(ctx: Context) -> Iterator[Finding]:
    for facts in ctx.facts:
        copied_at = 0
        early = False
        for instruction in facts.stage.instructions:
            if whole_context(instruction) and not copied_at:
                copied_at = instruction.line
                continue
            if instruction.keyword != "RUN":
                continue
            script = facts.scripts.get(instruction.line)
            if script is None or not any(_dependency_command(c) for c in script.commands):
                continue
            cached = any(key == "mount" and value and "type=cache" in value for key, value in instruction.flags)
            if not copied_at:
                early = True
            elif not early and not cached:
                yield ctx.finding("dependencies-after-sources", instruction.line, printable(
                    f"{ctx.seen(instruction)} runs after COPY of the whole context at line {copied_at}"))
                break


def secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET.search(name)


def _secret_values(text: str) -> Optional[str]:
    for kind, pattern in _TOKENS:
        if pattern.search(text):
            return kind
    return None


def _secrets(ctx: Context) -> Iterator[Finding]:
    stages = [(-1, ctx.dockerfile.global_args)] + [(f.stage.index, f.stage.instructions) for f in ctx.facts]
    for _, instructions in stages:
        for instruction in instructions:
            if instruction.keyword in ("ARG", "ENV"):
                pairs = arg_pairs(instruction) if instruction.keyword == "ARG" else env_pairs(instruction)
                for pair in pairs:
                    if pair.value and "/run/secrets/" in pair.value:
                        continue
                    if secret_name(pair.key):
                        valued = " with a value written in the file" if pair.value else ""
                        yield ctx.finding("secret-in-arg-env", instruction.line,
                                          printable(f"{instruction.keyword} {pair.key}{valued}"))
                    elif pair.value and _secret_values(pair.value):
                        yield ctx.finding("secret-value", instruction.line, printable(
                            f"{instruction.keyword} {pair.key} holds {_secret_values(pair.value)}"))
            elif instruction.keyword in ("RUN", "LABEL"):
                text = instruction.arguments + "".join(h.body for h in instruction.heredocs)
                kind = _secret_values(text)
                if kind:
                    yield ctx.finding("secret-value", instruction.line,
                                      f"{instruction.keyword} at line {instruction.line} holds {kind}")
            if instruction.keyword in ("COPY", "ADD") and instruction.flag("from") is None:
                sources, _ = copy_sources(instruction)
                secret = [s for s in sources if _SECRET_FILES.search(s)]
                if secret:
                    yield ctx.finding("secret-file-copied", instruction.line, printable(
                        f"{ctx.seen(instruction)}: {', '.join(secret)}"))


def explicit_copies(dockerfile: Dockerfile) -> Tuple[str, ...]:
    """Context paths the Dockerfile copies by name (they must stay in the context)."""
    kept: List[str] = []
    for instruction in dockerfile.instructions:
        if instruction.keyword in ("COPY", "ADD") and instruction.flag("from") is None:
            sources, _ = copy_sources(instruction)
            kept.extend(s.lstrip("./") if s.startswith("./") else s for s in sources
                        if s not in (".", "./", "*") and not s.startswith("<<"))
        for key, value in instruction.flags:
            if key == "mount" and value and "type=bind" in value:
                for part in value.split(","):
                    name, _, target = part.partition("=")
                    if name in ("source", "src") and target not in (".", "./", ""):
                        kept.append(target.lstrip("./"))
    return tuple(kept)


def needs_git(ctx: Context) -> bool:
    """The build reads .git: a RUN runs git, or the project takes its version from git."""
    for facts in ctx.facts:
        for _, script in facts.runs:
            if script is not None and script.running("git"):
                return True
    for name in ("pyproject.toml", "setup.py", "setup.cfg"):
        try:
            data = ctx.place.sibling(name).read(1024 * 1024, "project file")
        except UnreadableDockerfile:
            continue
        if data is not None and re.search(rb"setuptools[_-]scm|hatch-vcs|versioningit|dunamai|pbr", data):
            return True
    return False


def dockerignore_keep(ctx: Context) -> Tuple[str, ...]:
    """Context paths the build needs (copied by name, or .git for a build that reads it)."""
    return explicit_copies(ctx.dockerfile) + ((".git",) if needs_git(ctx) else ())


def _dockerignore(ctx: Context) -> Iterator[Finding]:
    copies = [i for f in ctx.facts for i in f.stage.instructions if whole_context(i)]
    if not copies:
        return
    found, cut = ignore_files.leaks(ctx.place, ctx.ignore, dockerignore_keep(ctx))
    if cut:
        ctx.notes.append(f"{ctx.display}: the build context holds more than {ignore_files.MAX_ENTRIES} entries; "
                         "only that many were scanned for secrets")
    if not found:
        return
    shown = ", ".join(f"{leak.path} ({leak.what})" for leak in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    where = f"{ctx.ignore.name} does not exclude them" if ctx.ignore else "there is no .dockerignore beside it"
    entries = ignore_files.entries_to_add(found, ctx.ignore, dockerignore_keep(ctx))
    yield ctx.finding("dockerignore-secrets", copies[0].line, printable(
        f"{ctx.seen(copies[0])} copies the whole context, which holds {shown}{more}; {where}"),
        f"Add to .dockerignore: {', '.join(entries)}")


def _apt(ctx: Context) -> Iterator[Finding]:
    final_stages = {f.stage.index for f in ctx.chain}
    for facts in ctx.facts:
        for instruction, script in facts.runs:
            if script is not None:
                yield from _apt_run(ctx, instruction, script, facts.stage.index in final_stages)


def _apt_run(ctx: Context, instruction: Instruction, script: Script, final: bool) -> Iterator[Finding]:
    """The package-manager hygiene of one RUN (its caches matter only in the final image)."""
    apt = [c for c in script.commands if c.program in ("apt-get", "apt")]
    installs = [c for c in apt if len(c.argv) > 1 and "install" in c.argv[1:]]
    if any(not c.has("--no-install-recommends") and not any("Install-Recommends" in w for w in c.argv)
           for c in installs):
        yield ctx.finding("apt-install-recommends", instruction.line, ctx.seen(instruction))
    if any("update" in c.argv[1:] for c in apt) and not installs and not any(
            "upgrade" in c.argv[1:] or "dist-upgrade" in c.argv[1:] for c in apt):
        yield ctx.finding("apt-update-alone", instruction.line, ctx.seen(instruction))
    if not final:
        return
    cached = " ".join(v or "" for k, v in instruction.flags if k == "mount")
    if installs and not _cache_dropped(script, cached, "/var/lib/apt", "/var/lib/apt/lists"):
        yield ctx.finding("apt-lists-kept", instruction.line, ctx.seen(instruction))
    apk = [c for c in script.running("apk") if len(c.argv) > 1 and c.argv[1] == "add"]
    if apk and not any(c.has("--no-cache") for c in apk) and not _cache_dropped(script, cached, "/var/cache/apk",
                                                                                 "/var/cache/apk"):
        yield ctx.finding("apk-cache-kept", instruction.line, ctx.seen(instruction))


def _cache_dropped(script: Script, mounts: str, mounted: str, removed: str) -> bool:
    """Whether a package manager's cache stays out of the layer: a cache mount, or an rm of it."""
    return mounted in mounts or any(c.program == "rm" and any(w.startswith(removed) for w in c.argv)
                                    for c in script.commands)


def _pipefail(ctx: Context) -> Iterator[Finding]:
    for facts in ctx.facts:
        shell = _shell_of(ctx, facts)
        pipefail = shell is not None and "pipefail" in shell
        for instruction in facts.stage.instructions:
            if instruction.keyword == "SHELL" and instruction.exec_form:
                pipefail = "pipefail" in instruction.exec_form
                shell = instruction.exec_form
                continue
            if instruction.keyword != "RUN":
                continue
            script = facts.scripts.get(instruction.line)
            if script is None or not script.pipes or pipefail:
                continue
            if shell is not None and not any(s.rsplit("/", 1)[-1] in ("sh", "bash", "ash", "dash", "zsh") for s in shell[:1]):
                continue  # another interpreter (pwsh, cmd): not a POSIX pipe
            if any(c.program == "set" and any("pipefail" in w for w in c.argv) for c in script.commands):
                continue
            yield ctx.finding("pipe-without-pipefail", instruction.line, ctx.seen(instruction))


def _shell_of(ctx: Context, facts: StageFacts) -> Optional[List[str]]:
    """The SHELL a stage inherits from the stage it is built FROM."""
    if facts.stage.parent is None:
        return None
    parent = ctx.facts[facts.stage.parent]
    shell = _shell_of(ctx, parent)
    for instruction in parent.stage.each("SHELL"):
        if instruction.exec_form:
            shell = instruction.exec_form
    return shell


def _is_python(ctx: Context) -> bool:
    if ctx.final.base.language == "python":
        return True
    for keyword in ("ENTRYPOINT", "CMD"):
        found = ctx.final_instructions(keyword)
        if found:
            words = start_command(found[-1]).exec_form or split_words(start_command(found[-1]).shell or "")
            if words and words[0].rsplit("/", 1)[-1].rstrip("0123456789.") in _PROGRAMS_PYTHON:
                return True
    return False


def _python(ctx: Context) -> Iterator[Finding]:
    if not _is_python(ctx):
        return
    for instruction, script in ctx.final_runs():
        if script is None:
            continue
        pips = [c for c in script.commands if c.program.startswith("pip") and "install" in c.argv[1:2]
                or c.program.startswith("python") and c.argv[1:4] == ["-m", "pip", "install"]]
        if pips and not any("venv" in " ".join(c.argv) or "--target" in c.argv or "--prefix" in c.argv for c in pips):
            yield ctx.finding("python-pip-in-final", instruction.line, ctx.seen(instruction))
            break
    missing = [name for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED") if not ctx.final.env.get(name)]
    if missing:
        yield ctx.finding("python-env-missing", ctx.final.stage.line,
                          f"the final stage does not set {' nor '.join(missing)}")


def _go_builds(ctx: Context) -> Iterator[Tuple[StageFacts, Instruction, Script, Command]]:
    for facts in ctx.facts:
        for instruction, script in facts.runs:
            if script is None:
                continue
            for command in script.commands:
                if command.program == "go" and command.argv[1:2] == ["build"]:
                    yield facts, instruction, script, command


def _static(facts: StageFacts) -> bool:
    return facts.base.family == "scratch" or ("static" in facts.base.image and facts.base.family in (
        "distroless", "chainguard"))


def _copies_a_root_filesystem(ctx: Context) -> bool:
    """The final stage is scratch with a whole libc root copied in: `COPY --from=S /rootfs/ /` where
    stage S filled /rootfs with `COPY --from=debian:... / /rootfs/` (our runtime roots), or `/` of S itself."""
    by_name = {facts.stage.label: facts for facts in ctx.facts}
    by_name.update({str(facts.stage.index): facts for facts in ctx.facts})
    for instruction in ctx.final_instructions("COPY"):
        sources, destination = copy_sources(instruction)
        source_stage = by_name.get(instruction.flag("from") or "")
        if destination.rstrip("/") != "" or source_stage is None or len(sources) != 1:
            continue
        wanted = sources[0].rstrip("/")
        if wanted == "" and not _static(source_stage):
            return True
        for filler in source_stage.stage.each("COPY"):
            filled_from, filled_to = copy_sources(filler)
            origin = filler.flag("from") or ""
            if filled_from == ["/"] and filled_to.rstrip("/") == wanted and origin not in ("", "scratch") and (
                    origin not in by_name or not _static(by_name[origin])) and "static" not in origin:
                return True
    return False


def _go(ctx: Context) -> Iterator[Finding]:
    final = ctx.final
    static = _static(final) and not _copies_a_root_filesystem(ctx)
    for facts, instruction, script, command in _go_builds(ctx):
        if static and facts.stage.index != final.stage.index and facts.base.family != "alpine":
            cgo = command.assignments.get("CGO_ENABLED", facts.values.get("CGO_ENABLED"))
            exported = any(c.program == "export" and "CGO_ENABLED=0" in c.argv for c in script.commands)
            if cgo != "0" and not exported:
                yield ctx.finding("go-cgo-static-final", instruction.line, printable(
                    f"{ctx.seen(instruction)}: CGO_ENABLED is not 0, and the final stage is {final.base.image or 'scratch'}"))
        text = " ".join(command.argv)
        if "-trimpath" not in text or not re.search(r"-s\b.*-w\b|-w\b.*-s\b", text):
            yield ctx.finding("go-build-flags", instruction.line, ctx.seen(instruction))


def _healthcheck_and_labels(ctx: Context) -> Iterator[Finding]:
    line = ctx.final.stage.line
    if not ctx.final.healthcheck:
        yield ctx.finding("healthcheck-missing", line, "no HEALTHCHECK (nor HEALTHCHECK NONE) in the final stage")
    if not ctx.final.oci_labels:
        yield ctx.finding("oci-labels-missing", line, "no org.opencontainers.image.* LABEL in the final stage")


def _under(path: str, roots: Sequence[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _toolchain(ctx: Context) -> Iterator[Finding]:
    final = ctx.final
    if final.base.kind == TOOLCHAIN:
        yield ctx.finding("toolchain-in-final", final.stage.line, printable(
            f"the final stage is built on {final.base_origin}, a toolchain image"))
        return
    for instruction, script in ctx.final_runs():
        if script is None:
            continue
        for command in script.commands:
            verbs = _COMPILE_PROGRAMS.get(command.program, ())
            if command.program in _COMPILE_PROGRAMS and (verbs is None or command.argv[1:2] and command.argv[1] in verbs):
                yield ctx.finding("toolchain-in-final", instruction.line, printable(
                    f"{ctx.seen(instruction)}: the final stage builds ({command.program}), so its tools stay in the image"))
                return
    if final.base.kind == FULL:
        yield ctx.finding("large-final-base", final.stage.line, printable(
            f"the final stage is built on {final.base_origin}, a full image"))


def _ownership(ctx: Context) -> Iterator[Finding]:
    from generator.state import STATE_LABEL, declared_folders

    volumes: List[str] = []
    for instruction in ctx.final_instructions():
        if instruction.keyword == "VOLUME":
            volumes.extend(instruction.exec_form or [w.strip("\"'") for w in split_words(instruction.arguments)])
        elif instruction.keyword == "LABEL":  # the folders the image declares as the app's (as verify reads them)
            volumes.extend(folder for pair in label_pairs(instruction) if pair.key == STATE_LABEL
                           for folder in declared_folders(pair.value or ""))
    for facts in ctx.chain:
        for instruction in facts.stage.each("COPY", "ADD"):
            yield from _copied_ownership(ctx, facts, instruction)
        for instruction, script in facts.runs:
            if script is not None:
                for command in script.commands:
                    yield from _run_ownership(ctx, facts, instruction, command, volumes)


def _code_folders(ctx: Context, besides: Instruction) -> List[str]:
    """Where the image holds the app's code: the WORKDIRs and COPY/ADD destinations of the stages that run
    (but `besides`' own, the instruction being judged), as absolute paths."""
    folders: List[str] = []
    for facts in ctx.chain:
        workdir = "/"
        for instruction in facts.stage.instructions:
            if instruction.keyword == "WORKDIR" and instruction.arguments.strip():
                workdir = posixpath.join(workdir, instruction.arguments.strip().strip("\"'"))
                folders.append(posixpath.normpath(workdir))
            elif instruction.keyword in ("COPY", "ADD") and instruction is not besides:
                destination = copy_sources(instruction)[1]
                if destination:
                    folders.append(posixpath.normpath(posixpath.join(workdir, destination)))
    return folders


def _data_folder(ctx: Context, path: str, besides: Instruction) -> bool:
    """A folder of its own for the app's data (`/data`, `/var/lib/app`): neither holding nor inside the code,
    nor a system folder (the ones a writable path may never cover, generator.parsers.NOT_WRITABLE)."""
    from generator.parsers import NOT_WRITABLE

    target = posixpath.normpath(path)
    if target in ("/", "/app") or _under(target, list(NOT_WRITABLE)):
        return False
    return not any(_under(target, [folder]) or _under(folder, [target]) for folder in _code_folders(ctx, besides))


def _empty_dirs(ctx: Context, sources: List[str]) -> bool:
    """Every COPY source is an empty directory of the build context (a data folder to create, no files)."""
    from generator import fs
    from generator.errors import ScaffoldError

    for source in (source.rstrip("/") for source in sources):
        parts = source.split("/")
        if source.startswith(("/", "<<")) or any(part in ("", ".", "..") for part in parts) \
                or any(c in source for c in "*?["):
            return False  # the whole context, outside it, a pattern or a heredoc: not one folder
        place = ctx.place.sibling(source)
        try:
            info = fs.lstat(place.root, place.rel)
            if info is None or not stat.S_ISDIR(info.st_mode) or \
                    any(entry.name != ".gitkeep" for entry in os.scandir(place.path)):
                return False
        except (ScaffoldError, OSError):
            return False
    return bool(sources)


def _copied_ownership(ctx: Context, facts: StageFacts, instruction: Instruction) -> Iterator[Finding]:
    """COPY/ADD --chown to the app's user (but an empty data folder of its own), or --chmod world-writable."""
    chown = instruction.flag("chown")
    sources, destination = copy_sources(instruction)
    if chown and expand(chown, facts.scope.get(instruction.line, facts.values))[0].partition(":")[0] not in (
            "0", "root", "") and not (instruction.flag("from") is None and _empty_dirs(ctx, sources)
                                      and _data_folder(ctx, destination, instruction)):
        yield ctx.finding("app-files-owned-by-user", instruction.line, ctx.seen(instruction),
                          "Copy them owned by root: --chown=0:0 (readable by the app, not writable).")
    chmod = instruction.flag("chmod")
    if chmod and re.fullmatch(r"0?[0-7]{3,4}", chmod) and int(chmod, 8) & 0o002:
        yield ctx.finding("world-writable", instruction.line, ctx.seen(instruction))


def _run_ownership(ctx: Context, facts: StageFacts, instruction: Instruction, command: Command,
                   volumes: List[str]) -> Iterator[Finding]:
    """A RUN's chown to the app's user (outside volumes and scratch space), or chmod world-writable."""
    words = [w for w in command.argv[1:] if not w.startswith("-")]
    if len(words) < 2:
        return
    if command.program == "chown":
        owner = expand(words[0], facts.values)[0].partition(":")[0].partition(".")[0]
        targets = [t for t in words[1:] if not _under(t, volumes) and not _under(t, ("/tmp", "/run", "/var/run"))
                   and not (t.startswith("/") and _data_folder(ctx, t, instruction))]
        if owner not in ("0", "root") and targets:
            yield ctx.finding("chown-to-user", instruction.line, printable(
                f"{ctx.seen(instruction)}: chown {words[0]} {' '.join(targets)}"))
    elif command.program == "chmod":
        mode = words[0]
        writable = bool(re.fullmatch(r"0?[0-7]{3,4}", mode) and int(mode, 8) & 0o002) or bool(
            re.search(r"(?:^|,)[ugo]*[oa][ugo]*\+[rwxXst]*w|(?:^|,)\+[rwxXst]*w", mode))
        targets = [t for t in words[1:] if not _under(t, ("/tmp", "/var/tmp"))]
        if writable and targets:
            yield ctx.finding("world-writable", instruction.line, printable(
                f"{ctx.seen(instruction)}: chmod {mode} {' '.join(targets)}"))


def _layers(ctx: Context) -> Iterator[Finding]:
    tracked = ctx.final.base.family in ("debian", "ubuntu", "alpine", "rhel")
    copied: List[str] = []
    for facts in ctx.chain:
        for instruction in facts.stage.instructions:
            if instruction.keyword in ("COPY", "ADD"):
                _, destination = copy_sources(instruction)
                if destination.startswith("/") and destination not in ("/", "/."):
                    copied.append(destination.rstrip("/"))
                continue
            script = facts.scripts.get(instruction.line) if instruction.keyword == "RUN" else None
            if script is None:
                continue
            behind, deleted = _deletions(script, copied)
            if behind and tracked:
                yield ctx.finding("removed-behind-package-manager", instruction.line, printable(
                    f"{ctx.seen(instruction)}: removes {_some(behind)} without the package manager"))
            if deleted:
                yield ctx.finding("deleted-in-final", instruction.line, printable(
                    f"{ctx.seen(instruction)}: deletes {_some(deleted)} that an earlier layer holds"))


def _deletions(script: Script, copied: List[str]) -> Tuple[List[str], List[str]]:
    """(system files one RUN removes behind the package manager's back, what it deletes that an earlier
    layer holds: those bytes stay in the image)."""
    installed = any(c.program in ("apt-get", "apt", "apk", "dnf", "yum", "microdnf") and
                    c.argv[1:2] in (["install"], ["add"]) for c in script.commands)
    behind: List[str] = []
    deleted: List[str] = []
    for command in script.commands:
        if command.program == "rm":
            for target in (w for w in command.argv[1:] if w.startswith("/") and not _under(w, _SCRATCH_SPACE)):
                system = any(_under(target, (root,)) or removes(target, root, True) for root in _SYSTEM)
                if system and not _under(target, _STRIPPED_OK):
                    behind.append(target)
                    deleted.append(target)
                elif any(_under(target, (c,)) for c in copied) or (system and not installed):
                    deleted.append(target)
        elif installed:
            continue
        elif command.program in ("apt-get", "apt", "dnf", "yum", "microdnf") and command.argv[1:2] in (
                ["purge"], ["remove"], ["autoremove"]):
            deleted.append(f"{command.program} {command.argv[1]}")
        elif command.program == "apk" and command.argv[1:2] == ["del"]:
            deleted.append("apk del")
    return behind, deleted


def _some(items: List[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _stage_name(ctx: Context, facts: StageFacts) -> str:
    stage = facts.stage
    return f"FROM {stage.image}" + (f" AS {stage.name}" if stage.name else "") + f" at line {stage.line}"


CHECKS: Tuple[Callable[[Context], Iterator[Finding]], ...] = (
    _syntax, _toolchain, _user, _ownership, _shell_and_package_managers, _start_commands, _setuid, _pinning, _add,
    _dependencies, _secrets, _dockerignore, _apt, _pipefail, _python, _go, _healthcheck_and_labels, _layers,
)

def _row_number(row: str) -> int:
    return int(row[1:]) if row[1:].isdigit() else 0


_PRAGMA = re.compile(r"#\s*scaffold-check\s+ignore=([a-z0-9,-]+)", re.IGNORECASE)


def _suppressed(dockerfile: Dockerfile, finding: Finding) -> bool:
    """`# scaffold-check ignore=rule-id[,rule-id] reason` in the comment lines just above the finding's line."""
    index = finding.line - 2
    while 0 <= index < len(dockerfile.lines) and dockerfile.lines[index].lstrip().startswith("#"):
        match = _PRAGMA.search(dockerfile.lines[index])
        if match and finding.rule.id in {r.strip() for r in match.group(1).split(",")}:
            return True
        index -= 1
    return False


def _too_large(dockerfile: Dockerfile) -> str:
    """Why the file is beyond what check judges (its work grows with stages times instructions), or ""."""
    if len(dockerfile.stages) > MAX_STAGES:
        return f"{len(dockerfile.stages)} stages, more than the {MAX_STAGES} check judges"
    if len(dockerfile.instructions) > MAX_INSTRUCTIONS:
        return f"{len(dockerfile.instructions)} instructions, more than the {MAX_INSTRUCTIONS} check judges"
    return ""


def check(dockerfile: Dockerfile, path: Path, display: str, *, target: Optional[str] = None,
          inspector: Optional[Inspector] = None, ignore: Sequence[str] = (),
          dockerignore: Optional[str] = None, place: Optional[Place] = None) -> Report:
    """Every finding for one parsed Dockerfile (the ignore file beside it read too, unless `dockerignore`
    gives the text of the one a command is about to write there).

    `place` is where the file is below the project root (default: its own directory is the root);
    the ignore file and the build context are read through it, never through a link.
    `UnreadableDockerfile` when the ignore file cannot be read (a link, not a regular file, too large)."""
    report = Report(display)
    final_stage = dockerfile.final_stage(target)
    if final_stage is None:
        if target and dockerfile.stages:
            report.error = f"{display}: no stage named {printable(target)} (--target)"
        else:
            report.error = f"{display}: no FROM instruction: not a Dockerfile"
        return report
    too_large = _too_large(dockerfile)
    if too_large:
        report.error = f"{display}: {too_large}; not checked"
        return report
    facts = analyse(dockerfile, inspector)
    final = facts[final_stage.index]
    chain = [facts[s.index] for s in dockerfile.ancestry(final_stage)]
    place = place or Place(path.parent, path.name, display)
    ignored = ignore_files.read(place) if dockerignore is None else ignore_files.parse(".dockerignore", dockerignore)
    context = Context(dockerfile, path, display, facts, final, chain, ignored, place)
    report.context = context
    seen = set()
    for rule_check in CHECKS:
        for finding in rule_check(context):
            key = (finding.rule.id, finding.line)
            if key in seen or finding.rule.id in ignore:
                continue
            seen.add(key)
            if _suppressed(dockerfile, finding):
                report.suppressed += 1
                continue
            report.findings.append(finding)
    report.findings.sort(key=lambda f: (f.line, _row_number(f.rule.row), f.rule.id))
    report.notes.extend(context.notes)
    if any(len(value) >= MAX_EXPANSION for stage in facts for value in stage.values.values()):
        report.notes.append(f"{display}: a variable grows past {MAX_EXPANSION // 1024} KiB (ENV a=$a$a ...); check "
                            "stopped expanding it there, and what depends on it is not verified")
    if ignored is not None and ignored.problem:
        report.notes.append(f"{display}: {printable(ignored.problem)}")
    if final.base.family == "unknown" and final.stage.parent is None:
        report.notes.append(f"{display}: the final base image {printable(final.base.image or final_stage.image)} is "
                            "not in check's table and not a local image: its user, shell and package manager are "
                            "unknown (pull it, or run check where a Docker daemon has it)")
    if final.user is not None and final.user.unresolved:
        report.notes.append(f"{display}: USER {printable(final.user.text or '')} at line {final.user.line} depends on "
                            "a variable without a value here: the user was not verified")
    return report
