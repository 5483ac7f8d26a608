"""The `.dockerignore` beside a Dockerfile: does it keep secrets and `.git` out of the build context?

`COPY . .` copies whatever the context holds unless `.dockerignore` excludes it, and a
`.env`, a private key or `.git` copied into a layer stays there for anyone who pulls
the image. This module reads the ignore file that BuildKit would use
(`<Dockerfile>.dockerignore` first, else `.dockerignore` in the context, assumed to be
the Dockerfile's directory) and matches paths with Docker's own rules (moby's
patternmatcher: `**`, `*`, `?`, `[...]`, `!` exceptions, the last match wins, a
pattern matching a directory excludes what is below it).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from generator.check.dockerfile import decode, read_bounded

MAX_BYTES = 256 * 1024
MAX_PATTERN = 1024

#: what must not reach the build context: (a path to test, the entry that excludes it, what it is)
SECRETS: Tuple[Tuple[str, str, str], ...] = (
    (".git/HEAD", "**/.git", "the git history (every secret ever committed)"),
    (".env", "**/.env", "environment files"),
    ("deploy/.env", "**/.env", "environment files"),
    (".netrc", "**/.netrc", "credentials"),
    (".npmrc", "**/.npmrc", "registry tokens"),
    (".pypirc", "**/.pypirc", "registry tokens"),
    ("server.pem", "**/*.pem", "private keys and certificates"),
    ("server.key", "**/*.key", "private keys"),
    ("id_rsa", "**/id_rsa*", "SSH keys"),
    ("id_ed25519", "**/id_ed25519*", "SSH keys"),
    ("keystore.p12", "**/*.p12", "key stores"),
    (".aws/credentials", "**/.aws", "cloud credentials"),
    (".ssh/config", "**/.ssh", "SSH keys and config"),
    (".docker/config.json", "**/.docker", "registry credentials"),
)


@dataclass(frozen=True)
class Pattern:
    text: str
    exclusion: bool
    regex: "re.Pattern[str]"

    def match(self, path: str) -> bool:
        return self.regex.match(path) is not None


@dataclass
class DockerIgnore:
    path: Path
    text: str
    patterns: List[Pattern]

    def excludes(self, path: str) -> bool:
        """Whether `path` (relative to the context) is left out of the build context."""
        return excluded(self.patterns, path)


def ignore_file(dockerfile: Path) -> Path:
    """The ignore file BuildKit uses for `dockerfile` (which may not exist)."""
    specific = dockerfile.with_name(dockerfile.name + ".dockerignore")
    return specific if specific.is_file() else dockerfile.parent / ".dockerignore"


def read(dockerfile: Path) -> Optional[DockerIgnore]:
    """The ignore file beside `dockerfile`, None when there is none (UnreadableDockerfile when hostile)."""
    path = ignore_file(dockerfile)
    if not path.exists() and not path.is_symlink():
        return None
    text = decode(read_bounded(path, MAX_BYTES, ".dockerignore"))
    return DockerIgnore(path, text, patterns(text))


def patterns(text: str) -> List[Pattern]:
    result = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
        cleaned = posixpath.normpath(line).lstrip("/") if line else ""
        if not cleaned or cleaned == ".":
            continue
        result.append(Pattern(raw.strip(), exclusion, _compile(cleaned)))
    return result


def _compile(pattern: str) -> "re.Pattern[str]":
    """Docker's pattern syntax as an anchored regular expression (runs of stars collapsed to `**`)."""
    pattern = re.sub(r"\*{3,}", "**", pattern[:MAX_PATTERN])
    out = ["^"]
    index = 0
    length = len(pattern)
    while index < length:
        char = pattern[index]
        if char == "*":
            if index + 1 < length and pattern[index + 1] == "*":
                index += 1
                if index + 1 < length and pattern[index + 1] == "/":
                    index += 1
                out.append(".*" if index + 1 >= length else "(.*/)?")
            else:
                out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[index + 1:end].replace("\\", "\\\\")
                if body.startswith("^"):
                    body = "^" + body[1:]
                elif body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]" if body else re.escape("[]"))
                index = end
        elif char == "\\" and index + 1 < length:
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(char))
        index += 1
    out.append("$")
    try:
        return re.compile("".join(out), re.S)
    except re.error:
        return re.compile(re.escape(pattern) + "$")


def excluded(patterns: List[Pattern], path: str) -> bool:
    """moby's MatchesOrParentMatches: the last pattern matching the path or a parent decides."""
    parts = path.split("/")
    parents = ["/".join(parts[:i + 1]) for i in range(len(parts) - 1)]
    matched = False
    for pattern in patterns:
        if pattern.exclusion != matched:
            continue
        hit = pattern.match(path) or any(pattern.match(parent) for parent in parents)
        if hit:
            matched = not pattern.exclusion
    return matched


def missing_entries(ignore: Optional[DockerIgnore], keep: Tuple[str, ...] = ()) -> List[Tuple[str, str]]:
    """[(entry, what it is)] for the secrets the ignore file lets through, except paths in `keep`."""
    found: List[Tuple[str, str]] = []
    for path, entry, what in SECRETS:
        if any(path == k or path.startswith(k.rstrip("/") + "/") or k.endswith(path) for k in keep):
            continue
        if ignore is not None and ignore.excludes(path):
            continue
        if (entry, what) not in found:
            found.append((entry, what))
    return found
