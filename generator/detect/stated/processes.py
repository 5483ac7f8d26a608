"""Process managers and scripts: systemd ExecStart, supervisord `command=`, uWSGI and gunicorn
listen settings, the final `exec` line of an entrypoint script, goreleaser's main package; the
build flags of a Makefile recipe and of a goreleaser build (buildflags.py).

Each is read as plain text, never run. An entrypoint script is only believed when its
last command is a plain `exec program args` (no shell syntax beyond `"$@"`, which is
dropped: the image passes no arguments of its own).
"""

from __future__ import annotations

import posixpath
import re
from typing import Dict, List

from generator.detect.model import Evidence, excerpt
from generator.detect.stated import PROCESS, Statement, Target, buildflags, commands, files

#: `ExecStart=-/usr/bin/app --flag` (systemd's prefixes `-@:+!` dropped)
EXEC_START = re.compile(r"\s*ExecStart\s*=\s*[-@:+!]*(\S.*)")
#: supervisord's `command=` inside a `[program:x]` section
PROGRAM_COMMAND = re.compile(r"\s*command\s*=\s*(\S.*)")
#: uWSGI `http = :8000`, `http-socket = 0.0.0.0:8000`, `socket = :3031`; gunicorn `bind = "0.0.0.0:8000"`
LISTEN_SETTING = re.compile(r"\s*(?:http|http-socket|socket|bind)\s*=\s*\[?\s*['\"]?([^'\"\],\s]+)")
#: the entrypoint scripts whose last line may say what the image runs
SCRIPTS = ("docker-entrypoint.sh", "entrypoint.sh", "start.sh", "run.sh")
#: a Makefile recipe that runs or builds a package with the language's own tool: `<tool> run ./cmd/api`
MAKE_RUN = re.compile(r"^\t(?:@|-)*\s*(?P<tool>[a-z]+)\s+(?:run|build)\b(?:\s+-\S+(?:\s+(?!\./)[^\s-]\S*)?)*"
                      r"\s+(?P<package>\./[A-Za-z0-9_./-]*)\s*$")
#: goreleaser's `main: ./cmd/api` (or a file of the package, `./cmd/api/main.go`: its directory is the package)
MAIN = re.compile(r"\s*-?\s*main\s*:\s*['\"]?(\.{1,2}/[^'\"\s]*|\.)['\"]?\s*$")


def read(target: Target) -> List[Statement]:
    found: List[Statement] = []
    for rel in target.repo.files():
        if not files.owner(rel, target.root, target.others):
            continue
        name = rel.rsplit("/", 1)[-1]
        if name.endswith(".service") and target.alone:
            found += _lines(target, rel, EXEC_START)
        elif name.endswith(".conf") and "supervisor" in rel and target.alone:
            found += _lines(target, rel, PROGRAM_COMMAND)
        elif (name.endswith(".ini") and "[uwsgi]" in (files.text(target.repo, rel) or "")) \
                or name in ("gunicorn.conf.py", "gunicorn_config.py"):
            found += _listen(target, rel)
        elif name in SCRIPTS:
            found += _script(target, rel)
        elif name in ("Makefile", "makefile", "GNUmakefile") and not target.siblings:
            found += _make(target, rel)
        elif name in (".goreleaser.yml", ".goreleaser.yaml", "goreleaser.yml", "goreleaser.yaml"):
            found += ([] if target.siblings else _main_package(target, rel)) + _goreleaser(target, rel)
    return found


def _lines(target: Target, rel: str, pattern: "re.Pattern[str]") -> List[Statement]:
    hit = target.repo.find_line(rel, pattern) if files.text(target.repo, rel) is not None else None
    if hit is None:
        return []
    argv = commands.split(hit[0].group(1).strip(), target, hit[1])
    return commands.statements(target, argv, hit[1], PROCESS) if argv else []


def _listen(target: Target, rel: str) -> List[Statement]:
    hit = target.repo.find_line(rel, LISTEN_SETTING) if files.text(target.repo, rel) is not None else None
    if hit is None:
        return []
    match = commands.LISTEN_VALUE.fullmatch(hit[0].group(1))
    if match is None or not match.group("port").isdigit():
        return []
    return [Statement("port", int(match.group("port")), hit[1], PROCESS)]


def _main_package(target: Target, rel: str) -> List[Statement]:
    hit = target.repo.find_line(rel, MAIN) if files.text(target.repo, rel) is not None else None
    if hit is None:
        return []
    package = hit[0].group(1).rstrip("/")
    if package.endswith(".go"):
        package = posixpath.dirname(package) or "."
    return [Statement("package", package, hit[1], PROCESS)]


def _script(target: Target, rel: str) -> List[Statement]:
    """The script's last command, when it is `exec program args` (`"$@"` dropped)."""
    text = files.text(target.repo, rel)
    lines = [(number, line.strip()) for number, line in enumerate((text or "").splitlines(), start=1)
             if line.strip() and not line.strip().startswith("#")]
    if not lines or not lines[-1][1].startswith("exec "):
        return []
    number, line = lines[-1]
    evidence = Evidence(rel, number, excerpt(line))
    command = line[len("exec "):].replace('"$@"', "").strip()
    argv = commands.split(command, target, evidence) if command else None
    return commands.statements(target, argv, evidence, PROCESS) if argv else []


#: a Makefile variable set once at the top level: `GOBUILD = $(GOCMD) build`, `BIN := app`, `TAGS ?= netgo`
MAKE_VARIABLE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?::=|::=|\?=|=)\s*(?P<value>.*?)\s*$")
MAKE_REFERENCE = re.compile(r"\$[({](?P<name>[A-Za-z_][A-Za-z0-9_]*)[)}]")
#: how many times a reference inside a variable's value is expanded (`$(GOBUILD)` -> `$(GOCMD) build`)
MAKE_DEPTH = 4
#: the longest a recipe line may grow by expansion (`A = $(A)$(A)...` multiplies at each round)
MAKE_MAX = 4096


def _make_variables(lines: List[str]) -> Dict[str, str]:
    """The Makefile's plain top-level variables (the first setting of each; `+=`, `override` and target-specific
    ones are left out: their value is not one line's)."""
    variables: Dict[str, str] = {}
    for line in lines:
        match = MAKE_VARIABLE.match(line) if not line.startswith("\t") else None
        if match and match.group("name") not in variables:
            variables[match.group("name")] = match.group("value")
    return variables


def _expanded(line: str, variables: Dict[str, str]) -> str:
    """The recipe line with the Makefile's own variables written out (`$(GOBUILD) -tags=x` -> `go build -tags=x`);
    an unknown one (`$(shell ...)`, `$@`, the environment's) stays as written, which the flags' reader drops; a
    line that would grow past MAKE_MAX stays as written too."""
    written = line
    for _ in range(MAKE_DEPTH):
        replaced = MAKE_REFERENCE.sub(lambda m: variables.get(m.group("name"), m.group(0)), line)
        if replaced == line:
            break
        if len(replaced) > MAKE_MAX:
            return written
        line = replaced
    return line


def _make(target: Target, rel: str) -> List[Statement]:
    """The package the first recipe running the language's own tool names (`<tool> run ./cmd/api`), and the
    build tags and -X settings of the first `go build` recipe stating any, its Makefile variables written out."""
    found: List[Statement] = []
    lines = (files.text(target.repo, rel) or "").splitlines()
    variables = _make_variables(lines)
    for number, line in enumerate(lines, start=1):
        evidence = Evidence(rel, number, excerpt(line))
        line = _expanded(line, variables) if line.startswith("\t") and "$" in line else line
        match = MAKE_RUN.match(line)
        if match and match.group("tool") == target.language.name and target.language.field("package") \
                and not any(s.key == "package" for s in found):
            found.append(Statement("package", match.group("package").rstrip("/"), evidence, PROCESS))
        if line.startswith("\t") and not any(s.key in ("tags", "ldflags") for s in found):
            found += buildflags.command(target, line.strip().lstrip("@-"), evidence, PROCESS)
    return found


def _goreleaser(target: Target, rel: str) -> List[Statement]:
    """The tags and flags of the first goreleaser build of the app's program (its `binary` or `main` names it
    when several programs share the app's directory; the builds of one program differ by platform). Its
    ldflags are left out: a release build's `-X` settings stamp the release (`BuiltBy=goreleaser`)."""
    documents = files.yaml_documents(target.repo, rel)
    builds = documents[0].get("builds") if documents and isinstance(documents[0], dict) else None
    ours = [spec for spec in builds if isinstance(spec, dict) and target.runs(
        str(spec.get("binary") or str(spec.get("main") or "").rstrip("/") or ""))] if isinstance(builds, list) else []
    if not ours:
        return []
    needle = next((key for key in ("tags", "flags") if key in ours[0]), "builds")
    spec = {key: value for key, value in ours[0].items() if key != "ldflags"}
    return buildflags.release_build(target, spec, files.evidence(target.repo, rel, f"{needle}:"), PROCESS)
