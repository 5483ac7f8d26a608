"""The static checks: the image's config and the filesystem its layers make, against HARDENING.md.

Each check returns findings (generator.verify.CHECKS lists them with their rows). They read only what
`archive` gives: the config blob and the merged filesystem; nothing runs inside the image.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, Collection, Dict, Iterator, List, Optional, Set, Tuple

from generator.verify import CHECKS, limits, packages
from generator.verify.archive import Entry, Filesystem, SavedImage, describe, normal
from generator.verify.config import image_config
from generator.verify.limits import LimitExceeded
from generator.verify.report import Finding, Report

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SHELLS = frozenset({"sh", "bash", "rbash", "dash", "ash", "zsh", "ksh", "ksh93", "mksh", "pdksh", "csh", "tcsh",
                    "fish", "yash", "posh", "busybox", "toybox"})
#: program name -> the package manager it belongs to
MANAGERS = {
    **{name: "apt" for name in ("apt", "apt-get", "apt-cache", "apt-mark", "apt-config", "aptitude")},
    **{name: "dpkg" for name in ("dpkg", "dpkg-deb", "dpkg-query")},
    "apk": "apk", "rpm": "rpm", "yum": "yum", "dnf": "dnf", "microdnf": "dnf", "tdnf": "tdnf", "zypper": "zypper",
    "pacman": "pacman", "easy_install": "pip", "npm": "npm", "npx": "npm", "yarn": "yarn", "pnpm": "pnpm",
    "gem": "gem", "conda": "conda", "mamba": "conda", "micromamba": "conda",
}
#: compilers and build tools, which stay in build stages (H1)
TOOLCHAIN = frozenset({"go", "gofmt", "gcc", "g++", "cc", "c++", "clang", "clang++", "tcc", "javac", "mvn", "gradle",
                       "rustc", "cargo"})
PIP_PROGRAM = re.compile(r"pip[0-9.]*$")
PIP_MODULE = re.compile(r"(^|/)(site|dist)-packages/pip$")
#: where many packages install programs: a program there is an application file, not the whole prefix
SHARED_PREFIXES = ("", "usr", "usr/local", "opt", "usr/lib", "usr/libexec")
#: where any user may write by design: never "application files"
SCRATCH_DIRS = ("", "tmp", "var/tmp", "run", "dev", "proc", "sys")

FIX = {
    "root": "end the final stage with a numeric non-root user, e.g. `USER 10001:10001` (with that user in "
            "/etc/passwd and /etc/group)",
    "named": "give the numbers, `USER <uid>:<gid>`, so that Kubernetes runAsNonRoot can check the user is not root",
    "unknown": "add the user to /etc/passwd (and its group to /etc/group) of the final image, or give numbers",
    "exec": "write it as JSON (exec form), e.g. `ENTRYPOINT [\"/usr/local/bin/app\"]`: no shell starts the program, "
            "and signals reach it",
    "missing": "copy the program into the final stage, at that path (a link must lead to a file the final image has)",
    "nothing": "give the image an `ENTRYPOINT [\"/path/to/program\"]` in exec form",
    "no-healthcheck": "state the decision: `HEALTHCHECK CMD [\"/path/to/probe\", ...]` (exec form, a program the "
                      "image has), or `HEALTHCHECK NONE` with the reason in a comment and probes in compose/Kubernetes",
    "shell-healthcheck": "use exec form, `HEALTHCHECK CMD [\"program\", \"arg\"]`: the shell form needs /bin/sh",
    "healthcheck-program": "probe with a program the image has (the app's binary or interpreter), in exec form, or "
                           "state `HEALTHCHECK NONE`",
    "labels": "add `LABEL org.opencontainers.image.title=\"...\" org.opencontainers.image.description=\"...\" "
              "org.opencontainers.image.base.name=\"...\"` to the final stage",
    "expose": "add `EXPOSE {port}` to the final stage",
    "shell": "build the final image from scratch or distroless with only the artifact and its runtime; for a "
             "Debian-based final, purge the shells with dpkg in a build stage (`dpkg --purge "
             "--force-remove-essential ...`) and copy that root into `FROM scratch`",
    "manager": "remove it in the stage that prepares the runtime root (`dpkg --purge --force-remove-essential apt "
               "dpkg`, `pip uninstall pip`, ...) and copy that root into `FROM scratch`, or use a final base "
               "without one",
    "toolchain": "build in a build stage and copy only the artifact into the final stage (multi-stage build)",
    "setuid": "clear the bits where the runtime root is prepared, `find / -xdev -perm /6000 -type f -exec chmod "
              "a-s {} +`, in a build stage whose result is copied in",
    "owner": "copy application files owned by root: `COPY --chown=0:0 ...` (or `chown -R 0:0` in the build stage)",
    "writable": "make application files read-only for the user: `COPY --chmod=a=rX ...` or `chmod -R a=rX` in the "
                "build stage; what must be written goes to a declared VOLUME or a tmpfs",
    "whiteouts": "do not delete in a later layer: prepare the runtime root in a build stage (remove with the package "
                 "manager there) and copy it into `FROM scratch` as one layer",
    "unlisted": "remove packages with the package manager (`dpkg --purge --force-depends ...`) instead of deleting "
                "their files or the database, and keep /var/lib/dpkg/status (or a distroless-style "
                "/var/lib/dpkg/status.d) in the final image",
    "gone": "remove packages with the package manager (`dpkg --purge --force-depends ...`), which drops them from "
            "its database with their files, instead of deleting files behind its back",
}


class User:
    """Who the container runs as: the USER text and the numbers it means in this image."""

    def __init__(self, text: str, uid: Optional[int], gids: Set[int]) -> None:
        self.text, self.uid, self.gids = text, uid, gids


def _table(fs: Filesystem, path: str) -> List[List[str]]:
    data = fs.content(path) or b""
    return [line.split(":") for line in data.decode("utf-8", errors="replace").splitlines() if line.count(":") >= 2]


def _number(text: str) -> Optional[int]:
    return int(text) if text.isdigit() else None


def image_user(config: Dict[str, Any], fs: Filesystem) -> User:
    """USER resolved as Docker does: names through /etc/passwd and /etc/group; a bare uid gets its passwd group."""
    text = str(config.get("User") or "")
    name, _, group = text.partition(":")
    passwd, groups = _table(fs, "etc/passwd"), _table(fs, "etc/group")
    row = next((r for r in passwd if len(r) >= 4 and (r[0] == name or (name.isdigit() and r[2] == name))), None)
    uid = 0 if not name else _number(name) if name.isdigit() else _number(row[2]) if row else None
    if group:
        gid = _number(group) if group.isdigit() else next((_number(g[2]) for g in groups if g[0] == group), None)
    else:
        gid = _number(row[3]) if row else 0
    gids = {gid} if gid is not None else set()
    login = row[0] if row else name
    gids |= {n for g in groups if len(g) >= 4 and login in g[3].split(",") for n in [_number(g[2])] if n is not None}
    return User(text, uid, gids)


def check_user(config: Dict[str, Any], user: User) -> List[Finding]:
    text = user.text
    name, _, group = text.partition(":")
    if not name:
        return [Finding("user", "no USER: the container runs as root", FIX["root"])]
    if user.uid == 0:
        return [Finding("user", f"USER {text} is root", FIX["root"])]
    if not name.isdigit() or (group and not group.isdigit()):
        if user.uid is None:
            return [Finding("user", f"USER {text} names a user this image's /etc/passwd does not have", FIX["unknown"])]
        numbers = f" (here {user.uid}:{min(user.gids) if user.gids else 0})"
        return [Finding("user", f"USER {text} is a name{numbers}: Kubernetes runAsNonRoot cannot verify a name",
                        FIX["named"])]
    return []


def check_exec_form(config: Dict[str, Any], fs: Filesystem) -> List[Finding]:
    findings = []
    for key in ("Entrypoint", "Cmd"):
        argv = config.get(key) or []
        if len(argv) >= 2 and posixpath.basename(str(argv[0])) in SHELLS and str(argv[1]).startswith("-") \
                and "c" in str(argv[1]):
            findings.append(Finding("exec-form", f"{key.upper()} is in shell form: {' '.join(map(str, argv))[:200]}",
                                    FIX["exec"]))
    key = "Entrypoint" if config.get("Entrypoint") else "Cmd"
    argv = [str(arg) for arg in config.get(key) or []]
    if not argv:
        findings.append(Finding("exec-form", "no ENTRYPOINT or CMD: the image runs nothing", FIX["nothing"]))
    elif find_program(argv[0], config, fs) is None:
        findings.append(Finding("exec-form", f"{key.upper()} starts {argv[0][:200]}, which is not in the image "
                                "(or is a dangling link)", FIX["missing"]))
    return findings


def find_program(name: str, config: Dict[str, Any], fs: Filesystem) -> Optional[str]:
    """Where the program an argv starts with is, as the container would find it (PATH from ENV)."""
    if "/" in name:
        entry = fs.file(normal(posixpath.join("/" + (config.get("WorkingDir") or "/"), name)))
        return entry.path if entry else None
    env = dict(str(item).partition("=")[::2] for item in config.get("Env") or [])
    directories = (env.get("PATH") or DEFAULT_PATH).split(":")
    if len(directories) > limits.MAX_PATH_ENTRIES:
        raise LimitExceeded(f"the image's PATH has {len(directories):,} entries", limits.MAX_PATH_ENTRIES)
    for directory in directories:
        entry = fs.file(normal(posixpath.join("/" + directory, name))) if directory else None
        if entry is not None:
            return entry.path
    return None


def check_healthcheck(config: Dict[str, Any], fs: Filesystem) -> List[Finding]:
    test = [str(part) for part in (config.get("Healthcheck") or {}).get("Test") or []]
    if not test:
        return [Finding("healthcheck", "no HEALTHCHECK decision (neither a probe nor HEALTHCHECK NONE)",
                        FIX["no-healthcheck"])]
    if test[0] == "CMD-SHELL":
        return [Finding("healthcheck", f"HEALTHCHECK in shell form: {' '.join(test[1:])[:200]}", FIX["shell-healthcheck"])]
    if test[0] == "CMD" and (len(test) < 2 or find_program(test[1], config, fs) is None):
        program = test[1] if len(test) > 1 else "(nothing)"
        return [Finding("healthcheck", f"HEALTHCHECK runs {program}, which is not in the image", FIX["healthcheck-program"])]
    return []


def check_labels(config: Dict[str, Any], port: Optional[int]) -> List[Finding]:
    findings = []
    labels = config.get("Labels") or {}
    if not str(labels.get("org.opencontainers.image.title") or "").strip():
        present = sorted(key for key in labels if key.startswith("org.opencontainers.image."))
        findings.append(Finding("labels", "no org.opencontainers.image.title label"
                                + (f" (OCI labels present: {', '.join(present)})" if present else " (no OCI labels)"),
                                FIX["labels"]))
    if port is not None and f"{port}/tcp" not in (config.get("ExposedPorts") or {}):
        exposed = ", ".join(sorted(config.get("ExposedPorts") or {})) or "nothing"
        findings.append(Finding("labels", f"port {port} is not exposed (EXPOSE: {exposed})",
                                FIX["expose"].format(port=port)))
    return findings


def _in_bin(entry: Entry) -> bool:
    return posixpath.basename(posixpath.dirname(entry.path)) in ("bin", "sbin")


def _runnable(entry: Entry, fs: Filesystem) -> bool:
    """A file, or a symlink that leads to one (a dangling link runs nothing)."""
    return entry.kind in ("f", "h") or (entry.kind == "l" and fs.file(entry.path) is not None)


def _programs(fs: Filesystem, check: str, programs: Collection[str], noun: str) -> List[Finding]:
    """One finding naming the `programs` the image can run from a bin or sbin directory (none: no finding)."""
    found = sorted(e.path for e in fs.entries.values()
                   if posixpath.basename(e.path) in programs and _in_bin(e) and _runnable(e, fs))
    if not found:
        return []
    names = sorted({posixpath.basename(path) for path in found})
    return [Finding(check, f"{noun}{'s' if len(names) > 1 else ''} in the image: {', '.join(names)}", FIX[check], found)]


def check_shells(fs: Filesystem) -> List[Finding]:
    return _programs(fs, "shell", SHELLS, "shell")


def check_package_managers(fs: Filesystem) -> List[Finding]:
    tools: Dict[str, List[str]] = {}
    for entry in fs.entries.values():
        name = posixpath.basename(entry.path)
        if entry.kind == "d" and PIP_MODULE.search(entry.path):
            tools.setdefault("pip", []).append(entry.path)
        elif _in_bin(entry) and (name in MANAGERS or PIP_PROGRAM.match(name)) and _runnable(entry, fs):
            tools.setdefault(MANAGERS.get(name, "pip"), []).append(entry.path)
    if not tools:
        return []
    return [Finding("package-manager", f"package manager{'s' if len(tools) > 1 else ''} in the image: "
                    f"{', '.join(sorted(tools))}", FIX["manager"], sorted(p for paths in tools.values() for p in paths))]


def check_toolchain(fs: Filesystem) -> List[Finding]:
    return _programs(fs, "toolchain", TOOLCHAIN, "build tool")


def check_setuid(fs: Filesystem) -> List[Finding]:
    found = sorted((e.path, e.mode) for e in fs.entries.values() if e.kind in ("f", "h") and e.mode & 0o6000)
    if not found:
        return []
    modes = ", ".join(f"/{path} {mode:04o}" for path, mode in found[:3]) + (", ..." if len(found) > 3 else "")
    return [Finding("setuid", f"{len(found)} setuid/setgid file{'s' if len(found) > 1 else ''} ({modes})",
                    FIX["setuid"], [path for path, _ in found])]


def app_roots(config: Dict[str, Any], fs: Filesystem) -> List[str]:
    """What "application files" means for any image: the WORKDIR tree, the entrypoint's program (symlinks
    followed) with the tree it is installed in (`/opt/java/runtime` for `/opt/java/runtime/bin/java`; not
    a shared prefix such as /usr), and every absolute path in ENTRYPOINT/CMD that the image has. Never /,
    /tmp and the like."""
    roots = []
    workdir = fs.resolve(normal(str(config.get("WorkingDir") or "")))
    if workdir:
        roots.append(workdir)
    argv = [str(arg) for arg in (config.get("Entrypoint") or []) + (config.get("Cmd") or [])]
    program = find_program(argv[0], config, fs) if argv else None
    if program:
        directory = posixpath.dirname(program)
        installed = posixpath.dirname(directory) if posixpath.basename(directory) in ("bin", "sbin") else ""
        roots.append(installed if installed not in SHARED_PREFIXES else program)
    for arg in argv[1:]:
        real = fs.resolve(normal(arg)) if arg.startswith("/") else None
        if real is not None and fs.exists(real):
            roots.append(real)
    kept = [root for root in roots if root and not any(root == d or root.startswith(d + "/") for d in SCRATCH_DIRS if d)]
    return [root for index, root in enumerate(kept) if root not in kept[:index]
            and not any(root.startswith(other + "/") for other in kept)]


def state_dirs(config: Dict[str, Any]) -> Set[str]:
    """The folders the image declares as the app's own to write (generator.runtime.STATE_LABEL), as
    paths relative to /. Only what a writable path may be counts: never /, /app or a system folder."""
    from generator.state import STATE_LABEL, declared_folders

    return {normal(path) for path in declared_folders(str((config.get("Labels") or {}).get(STATE_LABEL) or ""))}


def state_tmpfs(config: Dict[str, Any]) -> List[str]:
    """`--tmpfs` values for the smoke run: each declared state folder, owned by a numeric USER as
    compose mounts it (a tmpfs otherwise is root's, and takes the mode of the folder it covers)."""
    user = re.fullmatch(r"(\d+)(?::(\d+))?", str(config.get("User") or ""))
    owner = f":uid={user.group(1)},gid={user.group(2) or user.group(1)},mode=0700" if user else ""
    return ["/" + path + owner for path in sorted(state_dirs(config))]


def _app_entries(config: Dict[str, Any], fs: Filesystem) -> Iterator[Entry]:
    volumes = [normal(str(v)) for v in config.get("Volumes") or {}]
    state = state_dirs(config)
    seen: Set[str] = set()
    for root in app_roots(config, fs):
        for entry in fs.walk(root):
            if entry.path in seen or entry.kind == "l" or any(
                    entry.path == v or entry.path.startswith(v + "/") for v in volumes):
                continue
            if entry.kind == "d" and entry.path in state:  # the folder itself; anything in it still counts
                continue
            seen.add(entry.path)
            yield entry


def check_app_files(config: Dict[str, Any], fs: Filesystem, user: User) -> Tuple[List[Finding], List[str]]:
    """Findings, and the application roots (for the report's facts)."""
    not_root: List[str] = []
    writable: List[str] = []
    owners: Set[int] = set()
    total = 0
    for entry in _app_entries(config, fs):
        total += 1
        if entry.uid != 0:
            not_root.append(entry.path)
            owners.add(entry.uid)
        if user.uid not in (None, 0) and (
                (entry.uid == user.uid and entry.mode & 0o200) or (entry.gid in user.gids and entry.mode & 0o020)
                or entry.mode & 0o002):
            writable.append(entry.path)
    findings = []
    if not_root:
        findings.append(Finding("app-files", f"{len(not_root)} of {total} application files are not owned by root "
                                f"(owner uid {', '.join(map(str, sorted(owners)))})", FIX["owner"], sorted(not_root)))
    if writable:
        findings.append(Finding("app-files", f"{len(writable)} of {total} application files are writable by the "
                                f"image's user ({user.text})", FIX["writable"], sorted(writable)))
    return findings, app_roots(config, fs)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def check_whiteouts(fs: Filesystem) -> List[Finding]:
    findings = []
    for hidden in fs.hidden:
        where, step = describe(hidden.layer, len(fs.layers))
        made_by = f" ({step})" if step else ""
        findings.append(Finding(
            "whiteouts", f"{where}{made_by} deletes {len(hidden.paths)} path{'s' if len(hidden.paths) > 1 else ''} "
            f"that lower layers still ship: {_count(hidden.files, 'file')}, {_count(hidden.size, 'byte')}, extractable "
            "from the image",
            FIX["whiteouts"], sorted(hidden.paths)))
    return findings


def check_package_database(fs: Filesystem, saved: SavedImage) -> Tuple[List[Finding], Dict[str, Any], str]:
    """Findings, facts (database kind, packages listed), and why part of the check could not run ("" if none)."""
    db = packages.read_database(fs)
    facts: Dict[str, Any] = {"package_database": db.kind or "none", "packages": len(db.packages)}
    if db.opaque:
        return [], facts, f"{db.opaque}: consistency not checked"
    findings = []
    missing = packages.missing_files(fs, db)
    if missing:
        counts = ", ".join(f"{name} ({len(paths)})" for name, paths in sorted(missing.items()))
        findings.append(Finding(
            "package-database", f"{len(missing)} listed package{'s' if len(missing) > 1 else ''} miss files the "
            f"database says are installed (scanners report what is not there): {counts}",
            FIX["gone"], sorted(p for paths in missing.values() for p in paths)))
    without_lists = [p.name for p in db.packages if p.files is None]
    if without_lists:
        return findings, facts, (f"{len(without_lists)} listed packages carry no file list ({', '.join(without_lists[:3])}"
                                 f"{', ...' if len(without_lists) > 3 else ''}): unlisted files not checked")
    owned = packages.owned_paths(fs, db.packages)
    unlisted = [path for path in packages.system_programs(fs) if path not in owned]
    facts["unlisted_programs"] = len(unlisted)
    if unlisted:
        before = packages.ever_listed(fs, saved.layers)
        names = sorted({before[path] for path in unlisted if path in before})  # where scanners last saw them
        listing = (f"the database lists {len(db.packages)} packages ({db.kind})" if db.kinds
                   else "there is no package database")
        lower = f"; lower layers listed them in: {', '.join(names)}" if names else ""
        findings.append(Finding(
            "package-database", f"{len(unlisted)} programs and libraries in system directories belong to no listed "
            f"package, hidden from scanners ({listing}{lower})", FIX["unlisted"], unlisted))
    return findings, facts, ""


#: the checks whose findings name files: such a finding may be the base image's doing alone (see `inherited`)
BY_FILES = ("shell", "package-manager", "toolchain", "setuid", "whiteouts", "package-database")


def file_findings(fs: Filesystem, saved: SavedImage) -> Tuple[List[Finding], Dict[str, Any], str]:
    """The checks of BY_FILES, which read only the filesystem: findings, the package facts, the H16 note."""
    findings = check_shells(fs) + check_package_managers(fs) + check_toolchain(fs) + check_setuid(fs)
    findings += check_whiteouts(fs)
    db_findings, db_facts, db_note = check_package_database(fs, saved)
    return findings + db_findings, db_facts, db_note


def inherited(findings: List[Finding], fs: Filesystem, base: SavedImage, shared: int) -> List[Finding]:
    """The findings the base image accounts for alone; `shared`: how many lowest layers the image has from it.

    A whiteout finding is the base's when one of those shared layers made it. Any other finding
    on files is the base's when the base image by itself has the same finding for every path
    this one names, and none of those paths is a file of the image's own layers: a missing
    file the base already missed is inherited, a setuid file is inherited only where the
    image stands on the base's layer that ships it (a root copied from the base is the
    image's own, and so is a file copied over the base's). Findings on the config (user,
    entrypoint, healthcheck, labels) and on application files are always the image's own.
    """
    base_findings, _, _ = file_findings(Filesystem(base.layers), base)
    in_base: Dict[str, Set[str]] = {}
    for finding in base_findings:
        in_base.setdefault(finding.check, set()).update(finding.paths)
    # check_whiteouts makes one finding per layer that hides something, in fs.hidden's order
    made_below = [found for found, hidden in zip(check_whiteouts(fs), fs.hidden) if hidden.layer.index < shared]

    def from_base(path: str) -> bool:
        entry = fs.entries.get(path)
        return entry is None or entry.layer < shared

    return [f for f in findings if f in made_below or (
        f.check in BY_FILES and f.check != "whiteouts" and f.paths
        and all(path in in_base.get(f.check, ()) and from_base(path) for path in f.paths))]


def static_report(saved: SavedImage, image: str, port: Optional[int] = None, base: str = "",
                  base_saved: Optional[SavedImage] = None, shared: int = 0) -> Report:
    """Every check but the smoke run, on an image read from a `docker save` archive.

    With `base` (its name) and `base_saved` (that image, read), of which this one has the
    `shared` lowest layers, the findings the base accounts for alone are reported apart, as
    inherited, and do not fail the image.
    """
    config, shape_findings = image_config(saved.config)
    fs = Filesystem(saved.layers)
    user = image_user(config, fs)
    report = Report(image)
    report.findings += shape_findings
    report.findings += check_user(config, user)
    report.findings += check_exec_form(config, fs)
    report.findings += check_healthcheck(config, fs)
    report.findings += check_labels(config, port)
    app_findings, roots = check_app_files(config, fs, user)
    if user.uid in (None, 0):
        report.notes["app-files"] = "writability not judged: the user is root or unknown"
    by_files, db_facts, db_note = file_findings(fs, saved)
    if db_note:
        report.notes["package-database"] = db_note
    order = {check.name: index for index, check in enumerate(CHECKS)}
    report.findings = sorted(report.findings + app_findings + by_files, key=lambda f: order[f.check])
    if base and base_saved is not None:
        report.base = base
        report.inherited = inherited(report.findings, fs, base_saved, shared)
        report.findings = [f for f in report.findings if f not in report.inherited]
        for check in dict.fromkeys(f.check for f in report.inherited):
            count = sum(1 for f in report.inherited if f.check == check)
            said = f"{count} finding{'s' if count > 1 else ''} inherited from the base {base}"
            report.notes[check] = f"{report.notes[check]}; {said}" if check in report.notes else said
    os_release = dict(line.partition("=")[::2] for line in (fs.content("etc/os-release") or fs.content(
        "usr/lib/os-release") or b"").decode("utf-8", errors="replace").splitlines())
    report.facts.update({
        "user": user.text, "uid": user.uid, "layers": len(saved.layers), "files": fs.files_count(),
        "os": os_release.get("PRETTY_NAME", "").strip('"') or None,
        "app_files": ["/" + root for root in roots],
        "whiteouts": fs.whiteouts, "hidden_files": sum(h.files for h in fs.hidden),
        "hidden_bytes": sum(h.size for h in fs.hidden), **db_facts,
    })
    return report
