"""What a hand-written Dockerfile adds to detection: the evidence `scaffold adopt` plans with.

Which Dockerfile, which detected app it builds, which of its stated values pass their
answer's parser, the app with those values as its facts, and what of the old image the
new one does not carry. Plain functions over `generator.detect.stated.dockerfile`; the workflow
(`generator.workflow.plan_adopt`) calls them, the command only prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

#: the file a template writes the Dockerfile as
DOCKERFILE = "Dockerfile"


def dockerfile_name(project: Path, given: Optional[str], out: Any) -> str:
    """The Dockerfile to adopt, relative to the project: the one named, ./Dockerfile, else the one found
    wherever the repository keeps it (said); NoDockerfile saying what to do when there is none or several fit."""
    from generator import fs
    from generator.detect.stated.builds import dockerfile_rank, dockerfiles
    from generator.detect.stated.dockerfile import NoDockerfile
    from generator.detect.walker import Repo
    from generator.errors import InputError, ScaffoldError

    if given is not None:
        try:
            return "/".join(fs.parts_of(given))
        except ScaffoldError:
            raise InputError(f"--file {given}: not a plain path inside {project}") from None
    if fs.exists(project, DOCKERFILE):
        return DOCKERFILE
    found = dockerfiles(Repo(project))
    if not found:
        raise NoDockerfile(f"{project}: no {DOCKERFILE} to adopt; `scaffold new` writes a hardened one from scratch")
    best = [rel for rel in found if dockerfile_rank(rel) == dockerfile_rank(found[0])]
    if len(best) > 1:
        raise NoDockerfile(f"{project}: no {DOCKERFILE}, but {', '.join(best)}: pass --file NAME to adopt one")
    others = f" (also found: {', '.join(found[1:])}; --file NAME to adopt another)" if len(found) > 1 else ""
    out.info(f"adopting {found[0]}: the Dockerfile found (no ./{DOCKERFILE}){others}")
    return found[0]


def read(project: Path, given: Optional[str], out: Any) -> Tuple[Any, str]:
    """The Dockerfile to adopt, read (a `Reader`), and the app's folder inside its build context ("": the
    project is the context). With no Dockerfile in or under the project, the one in the folder above is
    read when it copies the project's folder by name (a monorepo's Dockerfile beside its apps): its values
    are the app's, it is left as it is, and the new Dockerfile builds from the project."""
    from generator.detect.stated.dockerfile import NoDockerfile, Reader, read as read_file

    try:
        name = dockerfile_name(project, given, out)
    except NoDockerfile:
        above = None if given is not None else _above(project)
        if above is None:
            raise
        out.info(f"adopting ../{DOCKERFILE}: none in {project}, and the one in the folder above builds it "
                 f"(COPY {project.name}/, line {above[1]}); its values are read for this app, it stays as it is, "
                 f"and the new {DOCKERFILE} here builds from {project}")
        return above[0], project.name
    return Reader(project, name, read_file(project, name)), ""


def _above(project: Path) -> Optional[Tuple[Any, int]]:
    """(a Reader of ../Dockerfile, the line copying the project's folder) when that Dockerfile builds it."""
    from generator import fs
    from generator.detect.stated.dockerfile import Reader, read as read_file
    from generator.errors import ScaffoldError

    parent = project.parent
    if parent == project or not fs.exists(parent, DOCKERFILE):
        return None
    try:
        reader = Reader(parent, f"../{DOCKERFILE}", read_file(parent, DOCKERFILE))
    except ScaffoldError:
        return None
    name = project.name
    if not any(path == name or path.startswith(name + "/") for path in reader.copied()):
        return None
    line = next(instruction.line for stage in reader.dockerfile.stages for instruction in stage.each("COPY", "ADD")
                if name in instruction.arguments)
    return reader, line


def in_context(below: str, root: str) -> str:
    """An app's folder relative to the Dockerfile's build context, `below` being the project's folder there."""
    return (below if root == "." else f"{below}/{root}") if below else root


def ranked(apps: List[Any], reader: Any, out: Any) -> List[Any]:
    """The detected apps, the one the Dockerfile builds first: of the language of its base images, whose
    directory it copies by name, named like its start program (detection order among equals)."""
    languages = [language.name for language in reader.languages()]
    program = reader.program()
    copied = reader.copied()

    def score(app: Any) -> Tuple[int, bool, bool]:
        language = len(languages) - languages.index(app.language) if app.language in languages else 0
        root = app.root != "." and any(path == app.root or path.startswith(app.root + "/") for path in copied)
        return language, root, bool(program) and program == app.name

    ranked = sorted(apps, key=score, reverse=True)
    if languages and ranked[0].language not in languages:
        from generator.languages import by_name, titles

        out.warn(f"{reader.name} builds on {titles([by_name(name) for name in languages])} images, but no such app "
                 f"was detected; adopting {ranked[0].id}")
    return ranked


# ---- the values, checked and applied -----------------------------------------------------------------


def usable(values: Dict[str, Any], language: Any, warnings: List[str]) -> Dict[str, Any]:
    """The stated values that pass their answer's parser (the same as a flag's); the others are said and left."""
    usable = {}
    for key, found in values.items():
        field = language.field(key)
        try:
            field.parse(found.value)
        except ValueError as error:
            how = f" ({found.how})" if found.how else ""
            warnings.append(f"{found.evidence}: {key.replace('_', ' ')} {found.value!r}{how} {error}: not used")
            continue
        usable[key] = found
    return usable


def adopted(app: Any, values: Dict[str, Any], language: Any) -> Tuple[Any, Dict[str, Any], Dict[str, str]]:
    """The app with the Dockerfile's values as its facts (answers detection gives), and the other answers
    (uid, gid) as given answers with their origins; flags and prompts still override both."""
    from generator.detect.model import AppCandidate
    from generator.languages.base import PORT

    adopted = AppCandidate(app.language, app.name, app.root, dict(app.facts))
    given: Dict[str, Any] = {}
    origins: Dict[str, str] = {}
    for key, found in values.items():
        if language.field(key).detected:
            adopted.set(key, found.value, found.evidence)
        else:
            given[key], origins[key] = found.value, str(found.evidence)
    if PORT.key in values:
        adopted.facts.pop("kind", None)  # a port the image exposes: not a command-line program, whatever was guessed
    return adopted, given, origins


def not_carried(reader: Any, new_text: str, language: Any, below: str = "") -> List[str]:
    """What the old image had at run time that the new one does not: files its final stage copied from the
    project (none for a language whose image holds all of them; `below`: the project's folder in the old
    build context), and ENV (secrets said apart); one warning each."""
    from generator.detect.stated.dockerfile import Reader, held
    from generator.check.dockerfile import parse
    from generator.check.rules import secret_name

    new = parse(new_text)
    if not new.stages:
        return []
    warnings = []
    holds = [""] if language.ships_sources else Reader(reader.project, DOCKERFILE, new).holds()
    prefix = below + "/" if below else ""
    missing = [(path, line) for path, line in reader.runtime_files()
               if not (path.startswith(prefix) and held(path[len(prefix):], holds))]
    if missing:
        where = ", ".join(f"{path or '. (the whole project)'} (line {line})" for path, line in missing)
        warnings.append(f"{reader.name}: its final stage copied {where} from the project, which the new image does "
                        "not hold: if the app reads them at run time, add a COPY to the new final stage (`scaffold "
                        "upgrade` keeps the edit)")
    final = new.final_stage()
    sets = {pair.key for stage in new.ancestry(final) for pair in stage.env()} if final is not None else set()
    lines: Dict[str, int] = {}
    for pair in reader.final_env():
        if pair.key not in sets:
            lines[pair.key] = pair.line
    secrets = [key for key in lines if secret_name(key)]
    plain = [key for key in lines if key not in secrets and key != "PORT"]
    if "PORT" in lines:
        value = next(pair.value for pair in reversed(reader.final_env()) if pair.key == "PORT")
        warnings.append(f"{reader.name}:{lines['PORT']}: ENV PORT={value} is not carried: an app that reads PORT "
                        f"listens on its own default in the new image; run it with -e PORT={value}, or add "
                        f"ENV PORT={value} to its final stage (`scaffold upgrade` keeps the edit)")
    if plain:
        where = ", ".join(f"{key} (line {lines[key]})" for key in plain)
        warnings.append(f"{reader.name}: ENV not carried: {where}; the new Dockerfile does not set them. If the app "
                        "needs them, set them at run time, or add them to its final stage (`scaffold upgrade` keeps "
                        "the edit)")
    if secrets:
        they = "they look like secrets" if len(secrets) > 1 else "it looks like a secret"
        warnings.append(f"{reader.name}: ENV {', '.join(secrets)} not carried: {they}; pass at run time what the app "
                        "needs (an image's ENV is readable by anyone who pulls it)")
    return warnings
