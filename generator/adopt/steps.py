"""The build steps of a hand-written Dockerfile the new one does not carry, each said with its line and why.

The templates build every app one way; what the old Dockerfile did beside that (packages
installed into the image that runs, extra packages a `pip wheel` step installs, Django's
collectstatic, a HEALTHCHECK probe) would silently be lost. A HEALTHCHECK's HTTP path is carried
as the language's probe path answer where it has one (Java's health_path). Each is compared with the new
Dockerfile's text and said when the new one does not do it, so that the team adds it (an
edit `scaffold upgrade` keeps) or passes it at run time.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Sequence

#: package managers' install commands, and the words after them that are options
_INSTALLERS = (("apt-get", "install"), ("apt", "install"), ("apk", "add"), ("yum", "install"), ("dnf", "install"),
               ("microdnf", "install"))
#: an HTTP probe of the app itself: the path it asks for
_PROBE = re.compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::\d+)?(/[^\s\"'|;&)]*)")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+:=<>~-]*")


#: the answer a language probes over HTTP with, where it has one
HEALTH_PATH = "health_path"


def health_path(reader: Any, language: Any) -> Dict[str, Any]:
    """The HTTP path the old image's HEALTHCHECK probes, as the language's probe path answer ({} when it
    has no such answer or the Dockerfile probes none): the new image's probes ask for the same path."""
    from generator.check.rules import excerpt
    from generator.detect.model import Evidence
    from generator.detect.stated.dockerfile import Stated

    probe = _probe(reader)
    if probe is None or language.field(HEALTH_PATH) is None:
        return {}
    instruction, path = probe
    evidence = Evidence(reader.name, instruction.line, excerpt(reader.dockerfile, instruction))
    return {HEALTH_PATH: Stated(HEALTH_PATH, path, evidence, f"HEALTHCHECK probes {path}")}


def not_carried(reader: Any, new_text: str, answers: Mapping[str, Any]) -> List[str]:
    """One warning per build step of the old Dockerfile that `new_text` (with `answers`) does not do."""
    final = {stage.index for stage in reader.chain}
    said: List[str] = []
    probe = _probe(reader)
    if probe is not None and answers.get(HEALTH_PATH) != probe[1]:
        instruction, path = probe
        said.append(f"{reader.name}:{instruction.line}: HEALTHCHECK probes {path}: not carried (the new image has no "
                    f"HTTP client to run it, and this language has no probe path answer); point the compose or "
                    f"Kubernetes probe at {path}")
    for stage in reader.dockerfile.stages:
        for instruction in stage.each("RUN"):
            said += _run(f"{reader.name}:{instruction.line}", instruction.arguments, stage.index in final, new_text)
    return said


def _probe(reader: Any) -> Optional[Any]:
    """(the HEALTHCHECK instruction of the image that runs, the path it asks the app for), or None."""
    for stage in reversed(reader.chain):
        for instruction in reversed(stage.each("HEALTHCHECK")):
            found = _PROBE.search(instruction.arguments)
            return (instruction, found.group(1)) if found else None
    return None


def _run(where: str, script: str, in_final: bool, new_text: str) -> List[str]:
    said: List[str] = []
    for command in re.split(r"&&|\|\||;|\n", script):
        words = command.split()
        done = (  # what the command does that the new Dockerfile must name too, and how it is said when not
            (_installed(words) if in_final else [],
             "installs {} into the image that runs: not carried (the new final image installs no packages); if the "
             "app loads them at run time, add them to the new final stage"),
            (["collectstatic"] if "collectstatic" in words else [],
             "runs {}: not carried (the new build runs it for a Django app: --django true)"),
            (_wheel_extras(words),
             "`pip wheel` also builds {}, which no requirements file lists: not carried (the new build installs "
             "what the project's files declare); add them to its requirements"),
        )
        for names, sentence in done:
            missing = [name for name in names if name not in new_text]
            if missing:
                said.append(f"{where}: " + sentence.format(", ".join(missing)))
    return said


def _installed(words: Sequence[str]) -> List[str]:
    """The packages an OS package manager's install command names."""
    for index, word in enumerate(words):
        if (word.rsplit("/", 1)[-1], words[index + 1] if index + 1 < len(words) else "") in _INSTALLERS:
            return [name for name in words[index + 2:] if not name.startswith("-") and _WORD.fullmatch(name)]
    return []


def _wheel_extras(words: Sequence[str]) -> List[str]:
    """The packages a `pip wheel` step names beside its requirements files (`-r`) and options."""
    if "pip" not in [word.rsplit("/", 1)[-1] for word in words] or "wheel" not in words:
        return []
    after = list(words[list(words).index("wheel") + 1:])
    named: List[str] = []
    skip = False
    for word in after:
        if skip:
            skip = False
        elif word in ("-r", "--requirement", "-w", "--wheel-dir", "-c", "--constraint", "-i", "--index-url"):
            skip = True
        elif not word.startswith("-") and _WORD.fullmatch(word) and word != ".":
            named.append(word)
    return named
