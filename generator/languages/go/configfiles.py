"""The values a Go program's own configuration file gives its keys (viper, koanf, or a struct they fill).

A program that listens on `viper.GetString("server.port")` or `ko.String("app.address")`
states its port in the file it loads, not in its code. Only files the program itself
names are read: a name its code writes (`SetConfigName("config")`, `"config.toml"` as
a flag's default, `ConfigDefaultFile = "config.yaml"`), in the module's directory or
a folder below it, else the sample the repository ships for it (`config.sample.toml`,
`config.yaml.example`), which is what a deployment copies. YAML, TOML and JSON, read as
plain data; keys compare without case, as viper does.

The file viper reads from the working directory (`SetConfigFile`, or `SetConfigName` in an
`AddConfigPath` folder) is also the `config_file` answer (`config_file`): the image holds the
binary alone, so such a program would stop at start without it; it is copied read-only into
/app, the program's working directory, and compose and Kubernetes mount the person's copy over it.
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from generator.detect.model import Evidence, excerpt
from generator.detect.stated import files
from generator.detect.walker import Repo
from generator.languages.go.source import GoSource
from generator.languages.go.values import Found, Knob

#: the formats read, by extension
EXTENSIONS = (".yaml", ".yml", ".toml", ".json")
#: a configuration file's name as a Go string literal: `"config.toml"`, `"./conf/app.yaml"`
FILE_LITERAL = re.compile(r'"(?:[\w./-]*/)?([\w-]+(?:\.(?:ya?ml|toml|json)))"')
#: viper's `SetConfigName("config")`: the name without its extension
CONFIG_NAME = re.compile(r'\bSetConfigName\(\s*"([\w.-]+)"\s*\)')
#: viper's `SetConfigFile("configs/app.yaml")`: the file, extension included
CONFIG_FILE = re.compile(r'\bSetConfigFile\(\s*"([\w./-]+)"\s*\)')
#: viper's `AddConfigPath("configs")`: a folder it looks for the named file in
CONFIG_PATH = re.compile(r'\bAddConfigPath\(\s*"([\w./-]+)"\s*\)')
#: the extensions viper tries for a name, in its order
VIPER_EXTENSIONS = ("yaml", "yml", "json", "toml")
#: what marks a copy to start from: `config.sample.toml`, `config.toml.example`, `settings-dist.yml`
SAMPLE = re.compile(r"[._-](?:sample|example|dist|default|template)(?=\.|$)", re.IGNORECASE)
#: folders never holding the program's own configuration
SKIPPED = frozenset({"testdata", "vendor", "node_modules", ".git", ".github"})
#: how deep below the module's directory a named file is looked for
MAX_DEPTH = 2


class ConfigFiles:
    """The configuration files one program names, read when a key is first asked for."""

    def __init__(self, repo: Repo, directory: str, sources: Sequence[GoSource]) -> None:
        self.repo = repo
        names, stems = _named(sources)
        self.files = _candidates(repo, directory, names, stems) if names or stems else []
        self._data: Dict[str, Any] = {}

    def value(self, key: str) -> Optional[Found]:
        """The scalar the first named file gives the dotted `key`, with its line (None: no file gives one)."""
        path = [part.lower() for part in key.split(".") if part]
        for rel in self.files:
            value = _lookup(self._load(rel), path)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                where = _evidence(self.repo, rel, path[-1], str(value))
                knob = Knob("config", key, where, "address")
                return Found(str(value), where, knob)
        return None

    def _load(self, rel: str) -> Any:
        if rel not in self._data:
            self._data[rel] = _parse(self.repo, rel)
        return self._data[rel]


def _named(sources: Sequence[GoSource]) -> "tuple[Set[str], Set[str]]":
    """The file names the program's code writes, and the names viper is told without an extension."""
    names: Set[str] = set()
    stems: Set[str] = set()
    for source in sources:
        code = source.code
        if '"' not in code:
            continue
        names.update(match.group(1).lower() for match in FILE_LITERAL.finditer(code))
        stems.update(match.group(1).lower() for match in CONFIG_NAME.finditer(code))
    return names, stems


def _candidates(repo: Repo, directory: str, names: Set[str], stems: Set[str]) -> List[str]:
    """The files below `directory` the program names, then the samples of them; shallower first."""
    found: List[tuple] = []
    for rel in repo.files(directory):
        base = posixpath.basename(rel).lower()
        below = rel[len(directory) + 1:] if directory not in (".", "") else rel
        parts = below.split("/")
        if len(parts) > MAX_DEPTH + 1 or any(part in SKIPPED for part in parts[:-1]):
            continue
        plain = SAMPLE.sub("", base)
        if not plain.endswith(EXTENSIONS):
            continue
        named = plain in names or posixpath.splitext(plain)[0] in stems
        if named:
            found.append((plain != base, len(parts), rel))
    return [rel for _, _, rel in sorted(found)]


def _parse(repo: Repo, rel: str) -> Any:
    """The file as plain data (None when it cannot be read or parsed: a notice says why for YAML)."""
    name = SAMPLE.sub("", rel.lower())
    if name.endswith(".toml"):
        return repo.load_toml(rel)
    if name.endswith(".json"):
        text = files.text(repo, rel)
        try:
            return json.loads(text) if text else None
        except ValueError:
            return None
    documents = files.yaml_documents(repo, rel)
    return documents[0] if documents else None


def _lookup(data: Any, path: List[str]) -> Any:
    """data[path...] with keys compared without case; None when a step is missing."""
    for part in path:
        if not isinstance(data, dict):
            return None
        data = next((value for name, value in data.items() if str(name).lower() == part), None)
    return data


def _evidence(repo: Repo, rel: str, key: str, value: str) -> Evidence:
    """The line setting `key` to `value` (else the file)."""
    for number, line in enumerate(repo.lines(rel), start=1):
        lowered = line.lower()
        if key in lowered and value.lower() in lowered:
            return Evidence(rel, number, excerpt(line))
    return Evidence(rel)


def config_file(repo: Repo, root: str, sources: Iterable[GoSource]) -> Optional[Tuple[str, Evidence]]:
    """The file (relative to the app's root) the program's viper reads from its working directory, with the
    line that names it; only a file the repository has counts."""
    files: List[Tuple[List[str], Evidence]] = []  # the paths each naming line may mean
    names: List[Tuple[str, Evidence]] = []
    folders: List[str] = []
    for source in sources:
        for number, line in enumerate(source.text.splitlines(), 1):
            evidence = Evidence(source.path, number, excerpt(line.strip()))
            files += [([m.group(1)], evidence) for m in CONFIG_FILE.finditer(line)]
            names += [(m.group(1), evidence) for m in CONFIG_NAME.finditer(line)]
            folders += [m.group(1) for m in CONFIG_PATH.finditer(line)]
    files += [([posixpath.join(folder, f"{name}.{ext}") for folder in folders or ["."] for ext in VIPER_EXTENSIONS],
               evidence) for name, evidence in names]
    for candidates, evidence in files:
        for candidate in candidates:
            rel = posixpath.normpath(candidate)
            if rel.startswith(("..", "/")):
                continue  # outside the app: not the repository's to copy
            if repo.is_file(rel if root in ("", ".") else posixpath.join(root, rel)):
                return rel, evidence
    return None
