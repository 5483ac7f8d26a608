"""The Dockerfiles that build an app, wherever they sit, and what each states (the best-ranked source).

A Dockerfile builds the app when a compose service says so (`build.context` is the app,
`build.dockerfile` names it), when it sits in the app's directory or below it (`docker/`,
`deploy/`, `packaging/**`, `Dockerfile.prod`, `api.Dockerfile`; the build context is then
the app's directory) and no other app is deeper, or when it sits above the app (a
monorepo's shared directory) and copies the app's directory by name. A Dockerfile whose
base images are all another language's builds something else. What it states is read by
the same code as `scaffold adopt` (generator.detect.stated.dockerfile.Reader); its start
command goes through commands.statements like any other source's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Tuple

from generator.detect.stated import DOCKERFILE, Statement, Target, buildflags, commands, files
from generator.detect.model import Evidence, excerpt
from generator.detect.walker import Repo, parent_dir

if TYPE_CHECKING:  # pragma: no cover
    from generator.detect.stated.dockerfile import Reader


def read(target: Target) -> List[Statement]:
    found: List[Statement] = []
    started: List[str] = []  # the Dockerfile whose start command was carried, once one was
    for rel, context, copies in _dockerfiles(target):
        found += _statements(target, rel, context, copies, started)
    return found


def dockerfiles(repo: Repo, root: str = ".") -> List[str]:
    """Every Dockerfile of the repository by any name (docker/, deploy/, build/, `api.Dockerfile`), the best
    first: the shallowest, and of equal depth the plain name (Dockerfile) before variants."""
    from generator.check.dockerfile import is_dockerfile_name

    named = {rel for rel in [*repo.files(), *files.packaging_files(repo, root)]
             if is_dockerfile_name(rel.rsplit("/", 1)[-1])}
    return sorted(named, key=lambda rel: (*dockerfile_rank(rel), rel))


def dockerfile_rank(rel: str) -> Tuple[int, bool]:
    """How far a Dockerfile is from being the obvious one: its depth, and whether its name is a variant."""
    return rel.count("/"), rel.rsplit("/", 1)[-1] != "Dockerfile"


def _dockerfiles(target: Target) -> List[Tuple[str, str, bool]]:
    """(Dockerfile, build context, whether it must copy the app by name), the app's own first."""
    repo = target.repo
    found: List[Tuple[str, str, bool]] = []
    for service in target.services:
        if service.context == target.root:
            rel = service.dockerfile or files.joined(service.context, "Dockerfile")
            if rel and repo.is_file(rel):
                found.append((rel, service.context, False))
    for rel in dockerfiles(repo, target.root):
        directory = parent_dir(rel)
        if files.owner(directory, target.root, target.others):
            found.append((rel, target.root, False))
        elif directory != target.root and files.inside(target.root, directory):
            found.append((rel, directory, True))
    unique: List[Tuple[str, str, bool]] = []
    for entry in found:
        if all(entry[0] != kept[0] for kept in unique):
            unique.append(entry)
    return unique


def _statements(target: Target, rel: str, context: str, copies: bool, started: List[str]) -> List[Statement]:
    from generator.check.dockerfile import parse
    from generator.detect.stated.dockerfile import Reader

    repo = target.repo
    text = files.text(repo, rel)
    if text is None:
        return []
    dockerfile = parse(text, repo.root / rel)
    if not dockerfile.stages:
        return []
    reader = Reader(repo.root / context if context != "." else repo.root, rel, dockerfile)
    source_dir = "." if context == target.root else target.root[len(context) + 1:] if context != "." else target.root
    if not _builds(target, rel, reader, source_dir, copies):
        return []
    found = [Statement(stated.key, stated.value, stated.evidence, DOCKERFILE)
             for stated in reader.image_answers(target.language) if stated is not None]
    for pair in reader.final_env():
        if pair.key != "PORT":  # EXPOSE and ENV PORT are the image's port, read above
            evidence = files.evidence(repo, rel, pair.key)
            found += [s for s in commands.environment(target, pair.key, pair.value, evidence, DOCKERFILE)
                      if s.key != "port" or not any(f.key == "port" for f in found)]
    for run in (run for stage in dockerfile.stages for run in stage.each("RUN")):
        found += buildflags.command(target, run.arguments, Evidence(rel, run.line, excerpt(run.arguments)), DOCKERFILE)
    carried = reader.start_argv(source_dir)
    stated = commands.statements(target, carried[0], carried[1], DOCKERFILE) if carried is not None else []
    if stated and started:
        # the better-ranked Dockerfile's start command, even one without arguments, is the image's: another
        # image built on top of it (a documentation site's `FROM project` with its own flags) is not the app's
        if any(statement.key == "args" for statement in stated):
            repo.warn(rel, f"its start command's arguments are not carried: {started[0]} states the app's start")
        stated = [statement for statement in stated if statement.key != "args"]
    if carried is not None and not started:
        started.append(rel)
    found += stated
    for warning in reader.warnings:
        repo.warn(rel, warning[len(rel) + 1:].lstrip() if warning.startswith(rel + ":") else warning)
    return found


def _builds(target: Target, rel: str, reader: "Reader", source_dir: str, copies: bool) -> bool:
    """Whether the Dockerfile builds the target app (its language's images, its files, its program)."""
    languages = reader.languages()
    if languages and target.language not in languages:
        return False  # built on another language's images: another app's
    if copies and not any(files.inside(path, source_dir) or files.inside(source_dir, path)
                          for path in reader.copied()):
        return False  # above the app, and copies nothing of it
    started = reader.start.instruction.words()[:2] if reader.start else []  # a wrapper script, then its program
    return not target.siblings or any(target.runs(word) for word in started) or target.name in rel.rsplit("/", 2)[-2:] \
        or f".{target.name}" in rel or f"{target.name}." in rel  # else one of several apps, and not named
