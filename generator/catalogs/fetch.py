"""Fetching a git catalog: cloned with the `git` CLI into the cache, hooks disabled, the pinned ref checked out.

Fetched again on each use; when the URL cannot be reached the cached copy is used, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from generator.catalogs.config import CatalogEntry, cache_root
from generator.errors import CatalogError


def _git(*args: str, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """git without hooks, prompts or the `ext::` transport (which runs commands)."""
    git = shutil.which("git")
    if not git:
        raise CatalogError("git is not installed: it is needed to fetch git catalogs")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
           "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")}
    try:
        return subprocess.run([git, "-c", "core.hooksPath=/dev/null", "-c", "protocol.ext.allow=never", *args],
                              cwd=cwd, capture_output=True, text=True, env=env, timeout=300, check=False)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", "timed out after 300 s")


def _last_line(result: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in (result.stderr or "").splitlines() if line.strip()]
    return lines[-1] if lines else f"git exited {result.returncode}"


@dataclass
class Fetched:
    root: Path
    version: str
    commit: str = ""
    offline: bool = False


def fetch(entry: CatalogEntry, notices: List[str]) -> Fetched:
    """The catalog's files: a directory in place, or a git checkout of the pinned ref in the cache.

    The cache is ours (`$XDG_CACHE_HOME/scaffold/catalogs/<name>`); a cached clone of
    another URL is replaced, so a name never serves another repository's tags.
    """
    if not entry.is_git:
        return Fetched(Path(entry.url).resolve(), entry.ref or "local")
    cache = cache_root() / entry.name
    offline = False
    if (cache / ".git").is_dir():
        origin = _git("config", "--get", "remote.origin.url", cwd=cache).stdout.strip()
        if origin != entry.url:
            shutil.rmtree(cache)
    if not (cache / ".git").is_dir():
        if cache.exists() or cache.is_symlink():
            shutil.rmtree(cache) if cache.is_dir() and not cache.is_symlink() else cache.unlink()
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f".{entry.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        result = _git("clone", "--no-checkout", "--quiet", "--", entry.url, str(partial))
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise CatalogError(f"catalog {entry.name}: cannot fetch {entry.url} ({_last_line(result)}) and there is "
                               f"no cached copy in {cache}; check the URL and the network")
        partial.rename(cache)
    else:
        result = _git("fetch", "--quiet", "--force", "--tags", "--prune", "origin",
                      "+refs/heads/*:refs/remotes/origin/*", cwd=cache)
        if result.returncode != 0:
            offline = True
            notices.append(f"catalog {entry.name}: {entry.url} is unreachable ({_last_line(result)}); offline: using "
                           f"the cached copy in {cache}")
    commit = ""
    for candidate in ([f"refs/tags/{entry.ref}", f"refs/remotes/origin/{entry.ref}", entry.ref] if entry.ref
                      else ["refs/remotes/origin/HEAD", "HEAD"]):
        result = _git("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", cwd=cache)
        if result.returncode == 0:
            commit = result.stdout.strip()
            break
    if not commit:
        where = "the cached copy (offline)" if offline else entry.url
        raise CatalogError(f"catalog {entry.name}: no tag, branch or commit {entry.ref or 'HEAD'!r} in {where}")
    for args in (("-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", commit),
                 ("clean", "-ffdxq")):
        result = _git(*args, cwd=cache)
        if result.returncode != 0:
            raise CatalogError(f"catalog {entry.name}: cannot check out {commit[:12]} in {cache} ({_last_line(result)})")
    return Fetched(cache, entry.ref or commit[:12], commit, offline)
