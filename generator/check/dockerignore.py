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

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from generator.check.dockerfile import decode, read_bounded

MAX_BYTES = 256 * 1024
MAX_PATTERN = 1024

#: names that must not reach the build context: (regex on the file or directory name, entry, what it is)
SECRETS: Tuple[Tuple["re.Pattern[str]", str, str], ...] = tuple((re.compile(regex), entry, what) for regex, entry, what in (
    (r"\.git", "**/.git", "the git history (and every secret ever committed)"),
    (r"\.env", "**/.env", "an environment file"),
    (r"\.env\.(?!example$|sample$|template$|dist$|defaults?$)[^/]+", "**/{name}", "an environment file"),
    (r"\.(?:netrc|npmrc|pypirc|pgpass|git-credentials)", "**/{name}", "credentials"),
    (r"id_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?", "**/id_*", "an SSH key"),
    (r".+\.(pem|key|p12|pfx|jks|keystore)", "**/*.{ext}", "a private key or key store"),
    (r"\.(?:aws|ssh|docker|gnupg|kube)", "**/{name}", "credentials"),
    (r"credentials\.json|service-account.*\.json", "**/{name}", "cloud credentials"),
    (r".+\.tfstate(?:\.backup)?", "**/*.tfstate*", "Terraform state (holds secrets)"),
))
#: always added by --fix (cheap prevention), unless the build copies them on purpose
BASELINE = (("**/.git", "the git history"), ("**/.env", "environment files"))
#: a context larger than this is only scanned this far
MAX_ENTRIES = 20000
MAX_DEPTH = 8


@dataclass(frozen=True)
class Leak:
    """A file in the build context that the ignore file lets through."""

    path: str
    entry: str
    what: str


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


def secret_entry(name: str) -> Optional[Tuple[str, str]]:
    """(the entry that excludes a file or directory so named, what it is), or None."""
    for regex, entry, what in SECRETS:
        match = regex.fullmatch(name)
        if match:
            extension = match.group(1) if match.groups() else ""
            return entry.format(name=name, ext=extension), what
    return None


def leaks(context: Path, ignore: Optional[DockerIgnore], keep: Tuple[str, ...] = ()) -> Tuple[List[Leak], bool]:
    """Secret-looking files in the build context that would be sent, and whether the scan was cut short.

    The walk never follows symbolic links, skips directories the ignore file excludes,
    and stops after MAX_ENTRIES entries.
    """
    found: List[Leak] = []
    seen = 0
    stack: List[Tuple[Path, str, int]] = [(context, "", 0)]
    while stack:
        directory, prefix, depth = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                return found, True
            relative = prefix + entry.name
            if ignore is not None and ignore.excludes(relative):
                continue
            if any(relative == k or relative.startswith(k.rstrip("/") + "/") for k in keep):
                continue
            secret = secret_entry(entry.name)
            if secret is not None:
                found.append(Leak(relative, *secret))
                continue
            try:
                is_directory = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_directory and depth < MAX_DEPTH and entry.name != "node_modules":
                stack.append((Path(entry.path), relative + "/", depth + 1))
    return found, False


def entries_to_add(found: List[Leak], ignore: Optional[DockerIgnore], keep: Tuple[str, ...]) -> List[str]:
    """The entries --fix appends: one per kind of leak found, plus the baseline not yet covered."""
    entries: List[str] = []
    for leak in found:
        if leak.entry not in entries:
            entries.append(leak.entry)
    probes = {"**/.git": ".git/HEAD", "**/.env": ".env"}
    for entry, _ in BASELINE:
        probe = probes[entry]
        kept = any(probe == k or probe.startswith(k.rstrip("/") + "/") for k in keep)
        if entry not in entries and not kept and not (ignore is not None and ignore.excludes(probe)):
            entries.append(entry)
    return entries
