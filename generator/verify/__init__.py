"""`scaffold verify IMAGE`: check a built image, ours or anyone's, against the hardening contract.

The Python API, for tests and CI (the CLI is a thin layer over it):

    from generator.verify import verify_image
    report = verify_image("myapp:1.0", port=8080)   # CannotVerify (exit 2) if it cannot run
    report.passed, report.exit_code                  # True/0, or False/1 with findings
    [(f.row, f.check, f.seen, f.paths) for f in report.findings]

`verify_archive(path)` runs the same checks, but the smoke run, on a `docker save` archive.
This module stays light (argparse text only): `scaffold --help` imports it; the checks, the
archive reader and the Docker driver are imported when a verification runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, Optional, Union

if TYPE_CHECKING:
    from generator.verify.report import Report


class Check(NamedTuple):
    """One property checked: its name, the HARDENING.md row, and what `--help` says of it."""

    name: str
    row: str
    summary: str


#: every check, in the order they are reported (docs/verify.md says what each reads)
CHECKS = (
    Check("user", "H3", "the image's user is numeric and not root (USER 10001:10001); no USER, root, or a name "
          "(`nonroot`, `app:app`) is a finding"),
    Check("exec-form", "H5", "ENTRYPOINT/CMD are in exec (JSON) form, not `/bin/sh -c ...`; there is one, and the "
          "program it starts is in the image"),
    Check("healthcheck", "H14", "a stated decision: HEALTHCHECK in exec form whose program is in the image, or "
          "HEALTHCHECK NONE"),
    Check("labels", "H15", "the OCI label org.opencontainers.image.title; with --port, EXPOSE of that port"),
    Check("shell", "H5", "no shell in a bin or sbin directory (sh, bash, dash, ash, zsh, ksh, csh, busybox, ...)"),
    Check("package-manager", "H5", "no package manager: apt, dpkg, apk, rpm, yum, dnf, zypper, pacman, pip (program "
          "or module), npm, yarn, gem, conda"),
    Check("toolchain", "H1", "no compiler or build tool (go, gcc, cc, clang, javac, mvn, gradle, rustc, cargo)"),
    Check("setuid", "H6", "no setuid or setgid file"),
    Check("app-files", "H4", "application files (the WORKDIR tree, the entrypoint's program and the tree it is "
          "installed in, the absolute paths in ENTRYPOINT/CMD; VOLUMEs excepted) are owned by root and not writable "
          "by the image's user"),
    Check("whiteouts", "H17", "no layer deletes (whiteout) what a lower layer ships"),
    Check("package-database", "H16", "the package database (dpkg status, distroless status.d, apk installed) lists "
          "every program and library in system directories, and its packages' files are present"),
    Check("run", "R1-R3", "smoke run with --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges, "
          "as the image's user: it stays up (or exits 0); with --port, the port answers on 127.0.0.1"),
)

#: the base named `scratch` (as a Go final's label names it): the empty base, not an image of the daemon
EMPTY_BASE = "scratch"

#: seconds the smoke run waits before judging "stays up", and for the port to answer
SETTLE, ANSWER_TIMEOUT = 5.0, 60.0


def verify_image(image: str, port: Optional[int] = None, run: bool = True, docker: Optional[str] = None,
                 settle: float = SETTLE, answer_timeout: float = ANSWER_TIMEOUT, base: Optional[str] = None) -> "Report":
    """Verify an image of the local daemon (never pulled): static checks from `docker save`, then the smoke run.

    `docker` is the client to use (default: $SCAFFOLD_DOCKER, else `docker` on PATH). With
    `base`, an image of the daemon this one is built from (FROM it, or a root filesystem copied
    from it), the findings the base accounts for alone are reported as `inherited` and do not
    fail the image (see checks.inherited). Raises CannotVerify when there is no client, no
    daemon, or no such image (or base).
    """
    from generator.verify.archive import SavedImage, normal, read_saved
    from generator.verify.checks import static_report
    from generator.verify.config import diff_ids, image_config
    from generator.verify.docker import Docker

    client = Docker(docker)
    image_id = str(client.inspect(image).get("Id") or image)
    base_meta = client.inspect(base) if base and base != EMPTY_BASE else {}
    with client.save(image_id) as stream:
        saved = read_saved(stream)
    base_saved, shared = None, 0
    if base == EMPTY_BASE:  # FROM scratch: no layer, nothing to inherit
        base_saved = SavedImage({}, [], [])
    elif base:
        base_layers = list((base_meta.get("RootFS") or {}).get("Layers") or [])
        layers = diff_ids(saved.config)
        while shared < min(len(layers), len(base_layers)) and layers[shared] == base_layers[shared]:
            shared += 1
        if base_layers and shared == len(base_layers):  # built FROM it: its layers are the image's lowest
            base_saved = SavedImage(saved.config, saved.layers[:shared], [])
        else:
            with client.save(str(base_meta.get("Id") or base)) as stream:
                base_saved = read_saved(stream)
    report = static_report(saved, image, port, base or "", base_saved, shared)
    report.image_id = image_id
    if not run:
        report.skipped["run"] = "not run (--no-run)"
    elif any(f.check == "exec-form" and f.seen.startswith("no ENTRYPOINT") for f in report.findings):
        report.skipped["run"] = "nothing to run"
    else:
        from generator.verify.checks import state_tmpfs

        config = image_config(saved.config)[0]
        volumes = [normal(str(path)) for path in config.get("Volumes") or {}]
        findings, what = client.smoke(image_id, port, settle, answer_timeout, ["/" + path for path in volumes],
                                      state_tmpfs(config))
        report.findings += findings
        report.facts["run"] = what
    return report


def verify_archive(archive: Union[str, Path, IO[bytes]], image: str = "", port: Optional[int] = None) -> "Report":
    """The static checks on a `docker save` archive (a path or a binary stream); nothing is run."""
    from generator.verify.archive import read_saved
    from generator.verify.checks import static_report
    from generator.verify.report import CannotVerify

    if isinstance(archive, (str, Path)):
        try:
            with open(archive, "rb") as stream:
                saved = read_saved(stream, image)
        except OSError as error:
            raise CannotVerify(f"cannot read {archive}: {error.strerror or error}") from None
    else:
        saved = read_saved(archive, image)
    report = static_report(saved, image or (saved.tags[0] if saved.tags else str(archive)), port)
    report.skipped["run"] = "an archive is not run"
    return report


DESCRIPTION = """\
Check a built image, ours or anyone's, against the hardening contract (HARDENING.md
rows H1-H17, runtime rows R1-R3). The image must be in the local Docker daemon (it is
never pulled); its layers are read with `docker save` (no shell is needed inside), then
it is started hardened. Each finding names the row, says what was seen and how to fix it."""


def _epilog() -> str:
    checks = "\n".join(f"  {c.row:<6} {c.name:<17} {c.summary}" for c in CHECKS)
    return f"""\
checks:
{checks}

exit codes: 0 passes, 1 findings, 2 cannot run (no docker client or daemon, no such
image, an unreadable archive). The docker client is $SCAFFOLD_DOCKER, else `docker`
on PATH. The smoke run publishes nothing beyond 127.0.0.1 and its container is always
removed. See docs/verify.md.

examples:
  scaffold verify myapp:1.0                  every check, the smoke run included
  scaffold verify myapp:1.0 --port 8080      and port 8080 must be exposed and answer
  scaffold verify myapp:1.0 --json           the report as data on stdout
  scaffold verify --no-run python:3.12-slim  the image checks only
  scaffold verify myapp:1.0 --base debian:12 what debian:12 accounts for alone: listed, not failing
  scaffold verify --archive saved.tar        the image checks of a `docker save` archive
"""


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1-65535)")
    return int(text)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `verify` on the CLI's subcommands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "verify", help="check a built image against the hardening contract, and run it hardened",
        description=DESCRIPTION, epilog=_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("image", nargs="?", metavar="IMAGE",
                        help="an image of the local daemon: name[:tag], name@digest or an id")
    parser.add_argument("--port", type=_port, metavar="N",
                        help="the port the app listens on: it must be EXPOSEd and answer a TCP connection")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument("--no-run", action="store_true", help="skip the smoke run (start no container)")
    parser.add_argument("--base", metavar="BASE",
                        help="the image IMAGE is built from (FROM it, or a root copied from it), in the daemon: "
                             "findings the base accounts for alone are listed as inherited and do not fail IMAGE")
    parser.add_argument("--archive", metavar="FILE", type=Path,
                        help="check a `docker save` archive instead of an image of the daemon (no smoke run)")
    return parser


def run(args: argparse.Namespace, out: Any) -> int:
    """`scaffold verify`: 0 passes, 1 findings; what cannot run raises ScaffoldError (exit 2)."""
    from generator.errors import InputError
    from generator.verify.report import CannotVerify

    if (args.image is None) == (args.archive is None):
        raise InputError("give an IMAGE or --archive FILE (one of them)")
    if args.base is not None and args.archive is not None:
        raise InputError("--base needs an IMAGE of the daemon, not --archive")
    try:
        if args.archive is not None:
            report = verify_archive(args.archive, port=args.port)
        else:
            report = verify_image(args.image, port=args.port, run=not args.no_run, base=args.base)
    except CannotVerify as error:
        raise CannotVerify(f"cannot verify {args.image or args.archive}: {error}") from None
    if args.json:
        out.data(report.to_json())
    else:
        out.document(report.text(out.painter()) + "\n")
    return report.exit_code
