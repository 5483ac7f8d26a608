"""The errors `scaffold` reports: one line for the person, and the exit code it means.

Every failure a person can cause or meet (a bad value, a malformed record, a catalog
that cannot be used, a file in the way) is a `ScaffoldError`; the CLI prints its
message as one `error:` line (untrusted text escaped) and exits with `exit_code`.
Anything else reaching the CLI is a bug, still reported in one line, never a traceback.
"""

from __future__ import annotations

#: exit codes: ok, findings (conflicts, check/verify findings), usage or input error
EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
#: interrupted by Ctrl-C (128 + SIGINT, the shell's convention)
EXIT_INTERRUPTED = 130


class ScaffoldError(Exception):
    """A failure to report in one line; nothing was written (or what was, is named)."""

    exit_code = EXIT_INPUT


class InputError(ScaffoldError):
    """A value that must not reach a template: from a flag, a prompt, the repository or a config."""


class RecordError(ScaffoldError):
    """`.scaffold/answers.yml` or a pristine copy is missing, malformed or unsafe to read."""


class CatalogError(ScaffoldError):
    """A catalog or catalog template cannot be fetched, parsed or rendered."""


class TrustError(CatalogError):
    """A template asks for something only a trusted catalog may do (tasks, extensions, use unasked)."""


class WriteError(ScaffoldError):
    """A file could not be written (or read) safely: a symlink, a directory in the way, a full disk."""


class TemplateError(CatalogError):
    """A template failed to render (undefined variable, syntax error, missing include)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) or SIGTERM while a command runs: raised so that every clean-up runs; exit 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.exit_code = 128 + signum
