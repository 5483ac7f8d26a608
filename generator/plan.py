"""What `scaffold new` writes into a project, and the one transaction that writes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Tuple

from generator import fs, record
from generator.errors import WriteError

#: the suffix a replaced file is kept under (`Dockerfile.orig`, then `.orig.1`, ...)
BACKUP_SUFFIX = ".orig"
#: the compose file we write, and every name `docker compose` reads by default (its order)
COMPOSE_FILE = "compose.yaml"
COMPOSE_NAMES = (COMPOSE_FILE, "compose.yml", "docker-compose.yaml", "docker-compose.yml")
#: files `docker compose` merges over the compose file without being asked
OVERRIDE_NAMES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
                  "docker-compose.override.yml")


def compose_files(project: Path) -> List[str]:
    """The compose files the project has (any name `docker compose` would read)."""
    return [name for name in COMPOSE_NAMES if fs.exists(project, name)]


@dataclass
class Plan:
    """Files to write into a project, and the record that goes with them."""

    project: Path
    files: Dict[str, str]
    answers: Dict[str, Any]
    template: str
    template_version: str
    #: the registry mirror the base images were rewritten for ("" for none); recorded
    base_registry: str = ""
    #: existing files the generated ones take the place of under another name (a
    #: docker-compose.yml when compose.yaml is written): kept as *.orig, then removed
    replaced: List[str] = field(default_factory=list)
    #: after `write`: replaced files and the names their previous text was kept under
    kept: Dict[str, str] = field(default_factory=dict)
    #: files written with the team's own entries merged in (their .dockerignore's); the record keeps the
    #: render alone as pristine, so that `scaffold upgrade` keeps those entries as the team's edit
    merged: Dict[str, str] = field(default_factory=dict)
    #: files made on the first run and never recorded nor replaced: the services' passwords
    #: (generator/services/secrets.py)
    secrets: Dict[str, str] = field(default_factory=dict)

    @property
    def contents(self) -> Dict[str, str]:
        """What is written: the render, with the merged files in place of theirs."""
        return {**self.files, **self.merged}

    def record(self) -> Dict[str, str]:
        """The `.scaffold/` files: answers and the pristine copy of each generated file."""
        return record.dump(self.files, self.answers, self.template, self.template_version, self.base_registry)

    def conflicts(self) -> List[str]:
        """Generated files that already exist in the project (a link counts)."""
        return [name for name in sorted(self.files) if fs.exists(self.project, name)]

    def write(self, force: bool = False) -> List[str]:
        """Write every file and the record in one transaction.

        Without `force` no generated file (nor the record) may exist, and each is
        created exclusively, so that a second run racing this one cannot overwrite it.
        With `force` a file that is replaced by different text is first kept as
        `<name>.orig` (or `.orig.N`), in the same transaction: nothing of the
        person's is ever lost. A `replaced` file is kept the same way, then removed.
        """
        existing = self.conflicts()
        if existing and not force:
            verb = "exists" if len(existing) == 1 else "exist"
            raise WriteError(f"{', '.join(existing)} already {verb}; pass --force to overwrite (the old files are "
                             f"kept as *{BACKUP_SUFFIX})")
        writes: Dict[str, fs.Content] = {**self.contents, **self.record()}
        exclusive = set() if force else set(self.files) | {record.ANSWERS_FILE}
        modes: Dict[str, int] = {}
        for name, (backup, old) in self.backups().items():
            writes[backup] = old
            exclusive.add(backup)
            info = fs.lstat(self.project, name)
            modes[backup] = info.st_mode & 0o777 if info else 0o644  # a private file stays private
            self.kept[name] = backup
        removed = [name for name in self.replaced if name in self.kept]

        def write(secret_files: Dict[str, str], secret_modes: Dict[str, int]) -> List[str]:
            return fs.write_files(self.project, {**writes, **secret_files}, exclusive=exclusive | set(secret_files),
                                  modes={**modes, **secret_modes}, remove=removed)

        from generator.services.secrets import write_missing

        return write_missing(self.project, self.secrets, write)

    def backups(self) -> Dict[str, Tuple[str, bytes]]:
        """Existing files this plan replaces by different text: {name: (the free `*.orig` name, their bytes)}."""
        kept: Dict[str, Tuple[str, bytes]] = {}
        for name in self.conflicts() + self.replaced:
            old = fs.read_bytes(self.project, name, error=WriteError)
            if old is not None and (name in self.replaced or old != self.contents[name].encode("utf-8")):
                kept[name] = (fs.free_name(self.project, name, BACKUP_SUFFIX), old)
        return kept
