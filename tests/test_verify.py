"""`scaffold verify` without Docker: synthetic `docker save` archives, each breaking one row, and exact findings.

The archives are built in memory (tests/saved_images.py): layers with whiteouts, setuid files,
shells, package databases with and without their files, distroless status.d, apk, named and
root users, shell-form entrypoints. A fake docker client proves the smoke run's wiring and
that its container is removed whatever happens.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.verify import verify_archive, verify_image
from generator.verify.report import CannotVerify, Report
from tests.helpers import ROOT, scaffold
from tests.saved_images import ELF, Item, directory, file, hardlink, opaque, saved_image, symlink, whiteout

PASSWD = (b"root:x:0:0:root:/root:/sbin/nologin\napp:x:10001:10001::/nonexistent:/sbin/nologin\n"
          b"nonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n")
GROUP = b"root:x:0:\napp:x:10001:\nnonroot:x:65532:\n"
GOOD = {
    "User": "10001:10001", "Entrypoint": ["/usr/local/bin/app"], "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"],
    "Healthcheck": {"Test": ["NONE"]}, "Labels": {"org.opencontainers.image.title": "app"},
    "ExposedPorts": {"8080/tcp": {}},
}


def scratch_root() -> List[Item]:
    """What a scratch final holds: passwd/group, /tmp, a root-owned read-only static binary."""
    return [directory("etc"), file("etc/passwd", PASSWD, 0o444), file("etc/group", GROUP, 0o444),
            directory("tmp", 0o1777), directory("usr"), directory("usr/local"), directory("usr/local/bin"),
            file("usr/local/bin/app", ELF, 0o555)]


def stanza(name: str, status: str = "install ok installed") -> str:
    return f"Package: {name}\nStatus: {status}\nArchitecture: amd64\nVersion: 1.0\n"


#: Debian-like packages: name -> the paths their .list names (usr-merged: /bin and /lib are symlinks)
DEBIAN_PACKAGES = {
    "libc6": ["/.", "/lib", "/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu/libc.so.6"],
    "libssl3": ["/.", "/usr", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu/libssl.so.3"],
    "bash": ["/.", "/bin", "/bin/bash"],
    "dash": ["/.", "/bin", "/bin/dash", "/bin/sh"],
}


def debian_root(packages: Optional[Dict[str, List[str]]] = None) -> List[Item]:
    """A usr-merged Debian-like root: two libraries, two shells, and a dpkg database listing them."""
    packages = DEBIAN_PACKAGES if packages is None else packages
    status = "\n".join(stanza(name) for name in packages)
    return [
        directory("usr"), directory("usr/bin"), directory("usr/lib"), directory("usr/lib/x86_64-linux-gnu"),
        symlink("bin", "usr/bin"), symlink("lib", "usr/lib"),
        file("usr/bin/bash", ELF, 0o755), file("usr/bin/dash", ELF, 0o755), symlink("usr/bin/sh", "dash"),
        file("usr/lib/x86_64-linux-gnu/libc.so.6", ELF, 0o755), file("usr/lib/x86_64-linux-gnu/libssl.so.3", ELF),
        directory("etc"), file("etc/passwd", PASSWD), file("etc/group", GROUP), directory("tmp", 0o1777),
        directory("var"), directory("var/lib"), directory("var/lib/dpkg"), directory("var/lib/dpkg/info"),
        file("var/lib/dpkg/status", status.encode()),
        *[file(f"var/lib/dpkg/info/{name}:amd64.list", "\n".join(paths).encode()) for name, paths in packages.items()],
    ]


APP = [directory("usr/local"), directory("usr/local/bin"), file("usr/local/bin/app", ELF, 0o555)]


def verify(layers: List[List[Item]], port: Optional[int] = None, **config: Any) -> Report:
    archive = saved_image({**GOOD, **config}, layers)
    return verify_archive(io.BytesIO(archive), image="test/image:1", port=port)


def found(report: Report) -> List[Tuple[str, str, str, List[str]]]:
    return [(f.row, f.check, f.seen, f.paths) for f in report.findings]


# -- a clean image ---------------------------------------------------------------------------------

def test_a_hardened_scratch_image_passes():
    report = verify([scratch_root()], port=8080)
    assert found(report) == []
    assert report.passed and report.exit_code == 0
    assert report.skipped == {"run": "an archive is not run"}
    assert report.facts["app_files"] == ["/usr/local/bin/app"]
    assert report.facts["package_database"] == "none" and report.facts["whiteouts"] == 0


@pytest.mark.parametrize("layout,compress", [("legacy", False), ("oci", False), ("oci", True)])
def test_both_save_layouts_and_gzip_layers_read_the_same(layout, compress):
    layers = [scratch_root(), [whiteout("etc/group")]]
    report = verify_archive(io.BytesIO(saved_image(GOOD, layers, layout=layout, compress=compress)))
    assert found(report) == [("H17", "whiteouts", "layer 2 of 2 (RUN step 2) deletes 1 path that lower layers still "
                              f"ship: 1 file, {len(GROUP)} bytes, extractable from the image", ["etc/group"])]


def test_a_repeated_layer_is_a_link_in_the_legacy_layout_and_read_twice():
    empty: List[Item] = []
    report = verify_archive(io.BytesIO(saved_image(GOOD, [scratch_root(), empty, empty])))
    assert found(report) == [] and report.facts["layers"] == 3


def test_not_an_archive_cannot_be_verified():
    with pytest.raises(CannotVerify, match="cannot read the image archive"):
        verify_archive(io.BytesIO(b"this is not a tar file" * 100))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w"):
        pass
    with pytest.raises(CannotVerify, match="not a docker save archive"):
        verify_archive(io.BytesIO(buffer.getvalue()))


# -- config: user, exec form, healthcheck, labels ------------------------------------------------

@pytest.mark.parametrize("user,seen", [
    ("", "no USER: the container runs as root"),
    ("0", "USER 0 is root"),
    ("root", "USER root is root"),
    ("0:10001", "USER 0:10001 is root"),
    ("nonroot", "USER nonroot is a name (here 65532:65532): Kubernetes runAsNonRoot cannot verify a name"),
    ("app:app", "USER app:app is a name (here 10001:10001): Kubernetes runAsNonRoot cannot verify a name"),
    ("ghost", "USER ghost names a user this image's /etc/passwd does not have"),
])
def test_user_must_be_numeric_and_not_root(user, seen):
    checks = [(row, check, text) for row, check, text, _ in found(verify([scratch_root()], User=user))]
    assert ("H3", "user", seen) in checks
    assert [c for c in checks if c[1] == "user"] == [("H3", "user", seen)]


@pytest.mark.parametrize("user", ["10001:10001", "10001", "65532:65532"])
def test_numeric_non_root_users_pass(user):
    assert found(verify([scratch_root()], User=user)) == []


def test_shell_form_and_missing_entrypoints():
    shell_form = verify([scratch_root()], Entrypoint=["/bin/sh", "-c", "exec /usr/local/bin/app"])
    assert ("H5", "exec-form", "ENTRYPOINT is in shell form: /bin/sh -c exec /usr/local/bin/app") in [
        f[:3] for f in found(shell_form)]
    cmd = verify([scratch_root()], Entrypoint=None, Cmd=["/bin/sh", "-c", "app --serve"])
    assert [f[:3] for f in found(cmd) if f[1] == "exec-form"] == [
        ("H5", "exec-form", "CMD is in shell form: /bin/sh -c app --serve"),
        ("H5", "exec-form", "CMD starts /bin/sh, which is not in the image (or is a dangling link)")]
    nothing = verify([scratch_root()], Entrypoint=None)
    assert found(nothing) == [("H5", "exec-form", "no ENTRYPOINT or CMD: the image runs nothing", [])]


def test_an_entrypoint_the_image_lacks_is_a_finding():
    layers = [scratch_root() + [directory("venv"), directory("venv/bin"),
                                symlink("venv/bin/python3", "/usr/local/bin/python3.13")]]
    report = verify(layers, Entrypoint=["/venv/bin/python3", "main.py"], Cmd=["--serve"])
    assert found(report) == [("H5", "exec-form", "ENTRYPOINT starts /venv/bin/python3, which is not in the image "
                              "(or is a dangling link)", [])]
    assert found(verify([scratch_root()], Entrypoint=None, Cmd=["app", "--serve"])) == []


@pytest.mark.parametrize("healthcheck,seen", [
    (None, "no HEALTHCHECK decision (neither a probe nor HEALTHCHECK NONE)"),
    ({"Test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]},
     "HEALTHCHECK in shell form: curl -f http://localhost/ || exit 1"),
    ({"Test": ["CMD", "curl", "-f", "http://localhost/"]}, "HEALTHCHECK runs curl, which is not in the image"),
])
def test_healthcheck_decision(healthcheck, seen):
    assert found(verify([scratch_root()], Healthcheck=healthcheck)) == [("H14", "healthcheck", seen, [])]


def test_an_exec_form_healthcheck_with_a_program_of_the_image_passes():
    probe = {"Test": ["CMD", "app", "--probe"], "Interval": 30000000000}
    assert found(verify([scratch_root()], Healthcheck=probe)) == []


def test_labels_and_exposed_port():
    report = verify([scratch_root()], port=9000, Labels={"org.opencontainers.image.version": "1"})
    assert found(report) == [
        ("H15", "labels", "no org.opencontainers.image.title label (OCI labels present: "
                          "org.opencontainers.image.version)", []),
        ("H15", "labels", "port 9000 is not exposed (EXPOSE: 8080/tcp)", []),
    ]


# -- filesystem: shells, package managers, setuid ------------------------------------------------

#: a program's bytes where only the path matters (an ELF file in /usr/bin would also be an H16 finding)
PROGRAM = b"#!/program"


def test_shells_are_found_through_usr_merge_links_and_dangling_links_are_not():
    layers = [scratch_root() + [directory("usr/bin"), symlink("bin", "usr/bin"), file("usr/bin/dash", PROGRAM, 0o755),
                                symlink("usr/bin/sh", "dash"), symlink("usr/bin/bash", "/usr/bin/gone"),
                                directory("opt"), file("opt/busybox", ELF, 0o755), directory("usr/local/sbin"),
                                hardlink("usr/local/sbin/ash", "opt/busybox")]]
    assert found(verify(layers)) == [("H5", "shell", "shells in the image: ash, dash, sh", ["usr/bin/dash", "usr/bin/sh", "usr/local/sbin/ash"])]


def test_package_managers_are_named_with_their_paths():
    layers = [scratch_root() + [
        directory("usr/bin"), file("usr/bin/apt-get", PROGRAM, 0o755), file("usr/bin/dpkg", PROGRAM, 0o755),
        directory("app"), directory("app/venv"), directory("app/venv/bin"), file("app/venv/bin/pip3.12", b"#!py", 0o755),
        directory("usr/lib/python3"), directory("usr/lib/python3/dist-packages"),
        directory("usr/lib/python3/dist-packages/pip"), file("usr/lib/python3/dist-packages/pip/__init__.py"),
        file("usr/bin/pipe-viewer", PROGRAM, 0o755)]]
    assert found(verify(layers)) == [
        ("H5", "package-manager", "package managers in the image: apt, dpkg, pip",
         ["app/venv/bin/pip3.12", "usr/bin/apt-get", "usr/bin/dpkg", "usr/lib/python3/dist-packages/pip"])]


def test_compilers_and_build_tools_stay_in_build_stages():
    layers = [scratch_root() + [directory("usr/local/go"), directory("usr/local/go/bin"),
                                file("usr/local/go/bin/go", PROGRAM, 0o755), directory("usr/bin"),
                                symlink("usr/bin/cc", "gcc"), file("usr/bin/gcc", PROGRAM, 0o755),
                                directory("usr/share"), file("usr/share/go", b"not a program")]]
    assert found(verify(layers)) == [
        ("H1", "toolchain", "build tools in the image: cc, gcc, go", ["usr/bin/cc", "usr/bin/gcc", "usr/local/go/bin/go"])]


def test_setuid_and_setgid_files_but_not_setgid_directories():
    layers = [scratch_root() + [directory("usr/bin"), file("usr/bin/su", PROGRAM, 0o4755),
                                file("usr/bin/expiry", PROGRAM, 0o2755), directory("var"), directory("var/mail", 0o2775)]]
    assert found(verify(layers)) == [
        ("H6", "setuid", "2 setuid/setgid files (/usr/bin/expiry 2755, /usr/bin/su 4755)",
         ["usr/bin/expiry", "usr/bin/su"])]


# -- application files ---------------------------------------------------------------------------

def test_app_files_are_the_workdir_the_entrypoint_and_its_absolute_arguments():
    layers = [scratch_root() + [
        directory("app", uid=10001, gid=10001), file("app/main.py", b"print()", 0o444),
        file("app/settings.py", b"", 0o664, uid=0, gid=10001), directory("app/cache", 0o777),
        directory("data", 0o755, uid=10001), file("data/state.db", b"", 0o644, uid=10001),
        directory("srv"), file("srv/model.bin", b"", 0o646)]]
    report = verify(layers, WorkingDir="/app", Entrypoint=["/usr/local/bin/app", "--model", "/srv/model.bin"],
                    Volumes={"/data": {}})
    assert report.facts["app_files"] == ["/app", "/usr/local/bin/app", "/srv/model.bin"]
    assert found(report) == [
        ("H4", "app-files", "1 of 6 application files are not owned by root (owner uid 10001)", ["app"]),
        ("H4", "app-files", "4 of 6 application files are writable by the image's user (10001:10001)",
         ["app", "app/cache", "app/settings.py", "srv/model.bin"]),
    ]


def test_exactly_the_folders_the_state_label_declares_may_be_the_users():
    """`--data`/`--writable` folders are created owned by the app (a named volume inherits that owner):
    the label the Dockerfile writes names them; their contents, /app itself and undeclared folders
    still count, and a label cannot declare /app or a system folder."""
    layers = [scratch_root() + [
        directory("app"), file("app/main.py", b"print()", 0o444), directory("app/data", 0o700, uid=10001, gid=10001),
        directory("app/cache", 0o700, uid=10001, gid=10001), file("app/cache/x", b"", 0o600, uid=10001),
        directory("app/other", 0o700, uid=10001, gid=10001)]]
    labels = {**GOOD["Labels"], "io.hardened-scaffold.state": "/app/data /app/cache / /app /etc relative"}
    report = verify(layers, WorkingDir="/app", Labels=labels)
    assert found(report) == [
        ("H4", "app-files", "2 of 5 application files are not owned by root (owner uid 10001)",
         ["app/cache/x", "app/other"]),
        ("H4", "app-files", "2 of 5 application files are writable by the image's user (10001:10001)",
         ["app/cache/x", "app/other"]),
    ]


def test_the_tree_the_entrypoint_program_is_installed_in_is_app_files_but_not_a_shared_prefix():
    runtime = [directory("opt"), directory("opt/java"), directory("opt/java/runtime"), directory("opt/java/runtime/bin"),
               file("opt/java/runtime/bin/java", ELF, 0o555), directory("opt/java/runtime/lib"),
               file("opt/java/runtime/lib/modules", b"", 0o666), directory("usr/local/lib"),
               file("usr/local/lib/other", b"", 0o666)]
    report = verify([scratch_root() + runtime], Entrypoint=["/opt/java/runtime/bin/java", "-jar", "/app.jar"])
    assert report.facts["app_files"] == ["/opt/java/runtime"]
    assert found(report) == [("H4", "app-files", "1 of 5 application files are writable by the image's user "
                              "(10001:10001)", ["opt/java/runtime/lib/modules"])]
    assert verify([scratch_root() + runtime]).facts["app_files"] == ["/usr/local/bin/app"]


def test_the_entrypoint_program_is_found_on_the_image_path():
    layers = [scratch_root() + [file("usr/local/bin/serve", ELF, 0o775, uid=0, gid=10001)]]
    report = verify(layers, Entrypoint=["serve"])
    assert found(report) == [("H4", "app-files", "1 of 1 application files are writable by the image's user "
                              "(10001:10001)", ["usr/local/bin/serve"])]


# -- whiteouts (H17) -------------------------------------------------------------------------------

def test_a_whiteout_over_a_shipped_shell_is_a_finding_and_one_over_nothing_is_not():
    base = scratch_root() + [directory("usr/bin"), file("usr/bin/bash", ELF * 100, 0o755)]
    stripped = [whiteout("usr/bin/bash"), whiteout("usr/bin/never-there")]
    report = verify([base, stripped])
    assert found(report) == [("H17", "whiteouts", "layer 2 of 2 (RUN step 2) deletes 1 path that lower layers still "
                              "ship: 1 file, 1,600 bytes, extractable from the image", ["usr/bin/bash"])]
    assert report.facts["whiteouts"] == 2 and report.facts["hidden_bytes"] == 1600


def test_an_opaque_directory_over_lower_files_and_a_deleted_tree():
    base = scratch_root() + [directory("etc/app"), file("etc/app/secret.key", b"k" * 10), file("etc/app/a.conf", b"a"),
                             directory("var"), directory("var/cache"), file("var/cache/big", b"x" * 5)]
    later = [directory("etc/app"), opaque("etc/app"), file("etc/app/a.conf", b"b"), whiteout("var/cache")]
    report = verify([base, later])
    assert found(report) == [("H17", "whiteouts", "layer 2 of 2 (RUN step 2) deletes 2 paths that lower layers still "
                              "ship: 3 files, 16 bytes, extractable from the image", ["etc/app/", "var/cache"])]


# -- the package database (H16) ----------------------------------------------------------------------

def test_a_true_dpkg_database_passes_its_check():
    report = verify([debian_root() + APP])
    assert [f[:2] for f in found(report)] == [("H5", "shell")]
    assert report.facts["package_database"] == "dpkg" and report.facts["packages"] == 4
    assert report.facts["unlisted_programs"] == 0


def test_libraries_without_a_database_are_hidden_from_scanners():
    stripped = [whiteout("var/lib/dpkg"), whiteout("usr/bin/bash"), whiteout("usr/bin/dash"), whiteout("usr/bin/sh")]
    report = verify([debian_root(), stripped + APP])
    rows = {f.check: f for f in report.findings}
    assert set(rows) == {"whiteouts", "package-database"}
    assert (rows["package-database"].seen, rows["package-database"].paths) == (
        "2 programs and libraries in system directories belong to no listed package, hidden from scanners (there "
        "is no package database; lower layers listed them in: libc6, libssl3)",
        ["usr/lib/x86_64-linux-gnu/libc.so.6", "usr/lib/x86_64-linux-gnu/libssl.so.3"])


def test_an_empty_status_file_lists_nothing():
    root = [item for item in debian_root() if not item[0].name.startswith("var/lib/dpkg/")]
    root += [file("var/lib/dpkg/status", b"")]
    finding = [f for f in verify([root + APP]).findings if f.check == "package-database"]
    assert [f.seen for f in finding] == [
        "4 programs and libraries in system directories belong to no listed package, hidden from scanners (the "
        "database lists 0 packages (dpkg))"]


def test_a_listed_package_whose_files_are_gone():
    root = [item for item in debian_root() if item[0].name not in ("usr/bin/bash",)]
    report = verify([root + APP])
    assert [(f.seen, f.paths) for f in report.findings if f.check == "package-database"] == [
        ("1 listed package miss files the database says are installed (scanners report what is not there): bash (1)",
         ["bin/bash"])]


def test_removed_packages_and_unlisted_binaries():
    """`dpkg --purge` of the shells keeps the database true; a library copied in behind dpkg does not."""
    packages = {name: paths for name, paths in DEBIAN_PACKAGES.items() if name in ("libc6", "libssl3")}
    root = [item for item in debian_root(packages) if item[0].name not in ("usr/bin/bash", "usr/bin/dash", "usr/bin/sh")]
    assert found(verify([root + APP])) == []
    extra = [file("usr/lib/x86_64-linux-gnu/libz.so.1", ELF), file("usr/lib/x86_64-linux-gnu/notes.txt", b"text")]
    assert [(f.seen, f.paths) for f in verify([root + APP + extra]).findings] == [
        ("1 programs and libraries in system directories belong to no listed package, hidden from scanners (the "
         "database lists 2 packages (dpkg))", ["usr/lib/x86_64-linux-gnu/libz.so.1"])]


def test_packages_not_installed_count_as_not_listed():
    root = debian_root()
    status = (stanza("libc6") + "\n" + stanza("libssl3", "deinstall ok config-files") + "\n" + stanza("bash") + "\n"
              + stanza("dash")).encode()
    root = [file("var/lib/dpkg/status", status) if item[0].name == "var/lib/dpkg/status" else item for item in root]
    assert [f.paths for f in verify([root + APP]).findings if f.check == "package-database"] == [
        ["usr/lib/x86_64-linux-gnu/libssl.so.3"]]


def test_dpkg_path_exclude_and_diversions_are_honoured():
    packages = {**DEBIAN_PACKAGES, "libc6": DEBIAN_PACKAGES["libc6"] + ["/usr/share/doc/libc6/copyright"],
                "mawk": ["/usr/bin/mawk"]}
    root = debian_root(packages) + [
        directory("etc/dpkg"), directory("etc/dpkg/dpkg.cfg.d"),
        file("etc/dpkg/dpkg.cfg.d/docker", b"path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/nothing\n"),
        file("usr/bin/mawk.real", ELF, 0o755),
        file("var/lib/dpkg/diversions", b"/usr/bin/mawk\n/usr/bin/mawk.real\nlocal-tweaks\n"),
    ]
    report = verify([root + APP])
    assert [f.check for f in report.findings] == ["shell"]


def test_distroless_status_d_with_and_without_md5sums():
    libs = [directory("usr"), directory("usr/lib"), directory("usr/lib/x86_64-linux-gnu"),
            file("usr/lib/x86_64-linux-gnu/libc.so.6", ELF, 0o755), file("usr/lib/x86_64-linux-gnu/libssl.so.3", ELF),
            directory("var"), directory("var/lib"), directory("var/lib/dpkg"), directory("var/lib/dpkg/status.d"),
            file("var/lib/dpkg/status.d/libc6", b"Package: libc6\nVersion: 2.36\nArchitecture: amd64\n"),
            file("var/lib/dpkg/status.d/libssl3", b"Package: libssl3\nVersion: 3.0\nArchitecture: amd64\n")]
    sums = [file("var/lib/dpkg/status.d/libc6.md5sums", b"0123  usr/lib/x86_64-linux-gnu/libc.so.6\n"),
            file("var/lib/dpkg/status.d/libssl3.md5sums", b"4567  usr/lib/x86_64-linux-gnu/libssl.so.3\n")]
    report = verify([scratch_root() + libs + sums])
    assert found(report) == [] and report.facts["package_database"] == "dpkg status.d"
    assert report.facts["packages"] == 2
    unlisted = verify([scratch_root() + libs + sums[:1]])
    assert report.notes == {} and unlisted.notes["package-database"].startswith("1 listed packages carry no file list")
    assert found(unlisted) == []
    hidden = verify([scratch_root() + libs[:5]])
    assert [f.paths for f in hidden.findings] == [["usr/lib/x86_64-linux-gnu/libc.so.6",
                                                   "usr/lib/x86_64-linux-gnu/libssl.so.3"]]


def test_apk_installed():
    root = [directory("lib"), directory("lib/apk"), directory("lib/apk/db"), directory("usr"), directory("usr/lib"),
            file("lib/ld-musl-x86_64.so.1", ELF, 0o755), file("usr/lib/libssl.so.3", ELF),
            file("lib/apk/db/installed", b"P:musl\nV:1.2\nF:lib\nR:ld-musl-x86_64.so.1\n\n"
                                         b"P:libssl3\nV:3.1\nF:usr/lib\nR:libssl.so.3\n\n")]
    report = verify([scratch_root() + root])
    assert found(report) == [] and report.facts["package_database"] == "apk"
    lost = verify([scratch_root() + root, [file("usr/lib/libcrypto.so.3", ELF)]])
    assert [(f.check, f.paths) for f in lost.findings] == [("package-database", ["usr/lib/libcrypto.so.3"])]


def test_an_rpm_database_is_noted_not_judged():
    root = [directory("var"), directory("var/lib"), directory("var/lib/rpm"), file("var/lib/rpm/rpmdb.sqlite", b"x"),
            directory("usr"), directory("usr/lib64"), file("usr/lib64/libc.so.6", ELF)]
    report = verify([scratch_root() + root])
    assert found(report) == [] and "RPM database" in report.skipped.get("package-database", report.notes.get(
        "package-database", ""))


# -- reports -------------------------------------------------------------------------------------------

def test_text_and_json_reports_escape_what_the_image_says():
    layers = [scratch_root() + [directory("usr/bin"), file("usr/bin/sh", PROGRAM, 0o755)]]
    report = verify(layers, User="", Labels={"org.opencontainers.image.x\x1b[2J": "1"})
    text = report.text()
    assert "\x1b" not in text and "org.opencontainers.image.x\\x1b[2J" in text
    assert text.splitlines()[0] == "test/image:1 (1 layers, 4 files): 3 findings"
    assert "  FAIL H3    user" in text and "  skip R1-R3 run  (an archive is not run)" in text
    assert report.rows() == ["H3", "H15", "H5"]
    assert verify(layers, Entrypoint=["/bin/sh", "-c", "app"], Labels={}).rows() == ["H5", "H15"]
    data = json.loads(json.dumps(report.to_json()))
    assert data["passed"] is False
    assert [(f["row"], f["check"]) for f in data["findings"]] == [("H3", "user"), ("H15", "labels"), ("H5", "shell")]
    assert {c["check"]: c["status"] for c in data["checks"]}["run"] == "skipped"
    painted = report.text(lambda code, word: f"<{code}>{word}</>")
    assert "<31>FAIL</> H3    user" in painted and "<31>3 findings</>" in painted


# -- the command -------------------------------------------------------------------------------------

def test_cli_exit_codes_on_archives(tmp_path):
    good, bad = tmp_path / "good.tar", tmp_path / "bad.tar"
    good.write_bytes(saved_image(GOOD, [scratch_root()]))
    bad.write_bytes(saved_image({**GOOD, "User": ""}, [scratch_root()]))
    ok = scaffold("verify", "--archive", str(good), "--port", "8080")
    assert ok.returncode == 0 and ": passes" in ok.stdout.splitlines()[0], ok.stderr
    failing = scaffold("verify", "--archive", str(bad), "--json")
    assert failing.returncode == 1 and json.loads(failing.stdout)["findings"][0]["row"] == "H3"
    missing = scaffold("verify", "--archive", str(tmp_path / "nope.tar"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "cannot read" in missing.stderr


@pytest.mark.parametrize("args,message", [
    ((), "give an IMAGE or --archive FILE"),
    (("--port", "http", "img"), "is not a port"),
    (("--port", "70000", "img"), "is not a port"),
    (("-rf",), "unrecognized arguments"),
    (("--", "-rf"), "is not an image name"),
    (("img;rm -rf /",), "is not an image name"),
])
def test_cli_usage_errors_exit_2_in_one_line(args, message):
    result = scaffold("verify", *args, env={"SCAFFOLD_DOCKER": sys.executable})
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_no_docker_client_is_one_line_and_exit_2():
    result = scaffold("verify", "some/image:1", env={"SCAFFOLD_DOCKER": "/nonexistent/docker"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: cannot verify some/image:1: cannot run the docker client /nonexistent/docker: No such file or directory"]


def test_help_explains_every_check_and_scaffold_help_stays_light():
    from generator.verify import CHECKS

    text = scaffold("verify", "--help").stdout
    for check in CHECKS:
        assert f"{check.row:<6} {check.name:<17}" in text
    assert "exit codes: 0 passes, 1 findings, 2 cannot run" in text
    code = "import sys, generator.cli as c; c.build_parser(); print(sorted(m for m in sys.modules if m.startswith(" \
           "'generator.verify') or m in ('tarfile', 'socket', 'dataclasses')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert loaded.stdout.strip() == "['generator.verify']"


# -- --base: what the base image's layers alone bring ---------------------------------------------

#: a base like the distroless stand-ins: Debian files without a package database, setuid su, a whiteout of its own
STANDIN_BASE = [
    [item for item in debian_root() if not item[0].name.startswith("var/lib/dpkg")
     and item[0].name not in ("usr/bin/bash", "usr/bin/dash", "usr/bin/sh")]
    + [file("usr/bin/su", PROGRAM, 0o4755), file("etc/shells", b"/bin/sh\n")],
    [whiteout("etc/shells")],
]


def verify_on_base(layers: List[List[Item]], base_layers: int = len(STANDIN_BASE), user: str = "10001:10001",
                   base: Optional[List[List[Item]]] = None) -> Report:
    """The image of `layers`, built on the base of its lowest `base_layers` (or from another `base`)."""
    from generator.verify.archive import SavedImage, read_saved
    from generator.verify.checks import static_report

    saved = read_saved(io.BytesIO(saved_image({**GOOD, "User": user}, layers)))
    if base is None:
        return static_report(saved, "test/app:1", base="test/base:1", shared=base_layers,
                             base_saved=SavedImage(saved.config, saved.layers[:base_layers], []))
    other = read_saved(io.BytesIO(saved_image({}, base)))
    return static_report(saved, "test/app:1", base="test/base:1", base_saved=other, shared=0)


def test_findings_the_base_layers_alone_account_for_are_inherited_and_do_not_fail():
    report = verify_on_base(STANDIN_BASE + [APP])
    assert found(report) == [] and report.passed
    assert [(f.row, f.check, f.paths) for f in report.inherited] == [
        ("H6", "setuid", ["usr/bin/su"]),
        ("H17", "whiteouts", ["etc/shells"]),
        ("H16", "package-database", ["usr/lib/x86_64-linux-gnu/libc.so.6", "usr/lib/x86_64-linux-gnu/libssl.so.3"])]
    assert report.notes["setuid"] == "1 finding inherited from the base test/base:1"
    data = report.to_json()
    assert data["passed"] and data["base"] == "test/base:1" and len(data["inherited"]) == 3
    text = report.text()
    assert "inherited from the base test/base:1: 3 findings its layers alone account for" in text
    assert "H6    setuid: 1 setuid/setgid file (/usr/bin/su 4755)" in text
    # without --base, the same image fails on all three
    assert [f.check for f in verify_on_base(STANDIN_BASE + [APP], base_layers=0).findings] == [
        "setuid", "whiteouts", "package-database"]


def test_what_the_image_adds_on_top_of_its_base_stays_a_finding_whole():
    added = APP + [directory("usr/lib"), file("usr/lib/x86_64-linux-gnu/libextra.so.1", ELF, 0o644),
                   file("usr/bin/newgrp", PROGRAM, 0o4755), file("usr/bin/su", PROGRAM, 0o4755),
                   whiteout("usr/lib/x86_64-linux-gnu/libssl.so.3")]
    report = verify_on_base(STANDIN_BASE + [added])
    assert [(f.check, f.paths) for f in report.findings] == [
        ("setuid", ["usr/bin/newgrp", "usr/bin/su"]),  # su rewritten by the image's layer: its own
        ("whiteouts", ["usr/lib/x86_64-linux-gnu/libssl.so.3"]),
        ("package-database", ["usr/lib/x86_64-linux-gnu/libc.so.6", "usr/lib/x86_64-linux-gnu/libextra.so.1"])]
    assert [(f.check, f.paths) for f in report.inherited] == [("whiteouts", ["etc/shells"])]
    # findings on the config are never the base's, even when the base set it
    as_root = verify_on_base(STANDIN_BASE + [APP], user="")
    assert [f.check for f in as_root.findings] == ["user"]


def test_a_root_copied_from_the_base_inherits_only_the_files_the_base_already_missed():
    listed = {"libc6": DEBIAN_PACKAGES["libc6"], "libssl3": DEBIAN_PACKAGES["libssl3"],
              "libpython": ["/usr/lib/python3/EXTERNALLY-MANAGED"]}  # deleted behind dpkg's back, as by a stand-in
    base = [debian_root(listed) + [file("usr/bin/su", PROGRAM, 0o4755)], [whiteout("etc/group")]]
    copied = [item for item in base[0] if item[0].name not in ("usr/bin/bash", "usr/bin/dash", "usr/bin/sh")]
    report = verify_on_base([copied + APP], base=base)  # FROM scratch, the base's root copied in, su kept
    assert [(f.check, f.paths) for f in report.inherited] == [
        ("package-database", ["usr/lib/python3/EXTERNALLY-MANAGED"])]
    assert [(f.check, f.paths) for f in report.findings] == [("setuid", ["usr/bin/su"])]


def test_cli_base_needs_an_image_of_the_daemon(tmp_path):
    archive = tmp_path / "image.tar"
    archive.write_bytes(saved_image(GOOD, [scratch_root()]))
    result = scaffold("verify", "--archive", str(archive), "--base", "debian:12")
    assert result.returncode == 2 and result.stderr.strip() == "error: --base needs an IMAGE of the daemon, not --archive"


# -- the smoke run's wiring, with a fake docker client ------------------------------------------------

FAKE_DOCKER = textwrap.dedent("""\
    #!{python}
    import json, os, signal, sys, time
    args = sys.argv[1:]
    with open(os.environ["FAKE_LOG"], "a") as log:
        log.write(json.dumps(args) + "\\n")
    state = os.environ.get("FAKE_STATE", "exited 0")
    if args[:2] == ["image", "inspect"]:
        if args[-1] == "missing:1":
            sys.stderr.write("Error: No such image: missing:1\\n"); sys.exit(1)
        print(json.dumps([{{"Id": "sha256:" + "ab" * 32}}]))
    elif args[0] == "save":
        sys.stdout.buffer.write(open(os.environ["FAKE_ARCHIVE"], "rb").read())
    elif args[0] == "run":  # attached: the container's output, then its exit code
        with open(os.environ["FAKE_LOG"] + ".pid", "w") as pid:
            pid.write(str(os.getpid()))
        if os.environ.get("FAKE_RUN_FAILS"):
            sys.stderr.write("docker: Error response from daemon: exec: no such file\\n"); sys.exit(127)
        print("listening\\nboom: read-only \\x1b[2Jfile system", flush=True)
        if state.startswith("running"):  # "running" or "running 3 1.5": exits 3 after 1.5 s
            _, code, seconds = (state.split() + ["0", "30"])[:3]
            time.sleep(float(seconds))
            sys.exit(int(code))
        sys.exit(int(state.split()[1]))
    elif args[0] == "rm":
        try:
            os.kill(int(open(os.environ["FAKE_LOG"] + ".pid").read()), signal.SIGTERM)
        except (OSError, ValueError):
            pass
    elif args[0] == "port":
        print("127.0.0.1:" + os.environ.get("FAKE_PORT", "9"))
    """)


@pytest.fixture
def fake_docker(tmp_path, monkeypatch):
    script = tmp_path / "docker"
    script.write_text(FAKE_DOCKER.format(python=sys.executable))
    script.chmod(0o755)
    archive = tmp_path / "image.tar"
    archive.write_bytes(saved_image(GOOD, [scratch_root()]))
    log = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("FAKE_ARCHIVE", str(archive))

    def calls() -> List[List[str]]:
        return [json.loads(line) for line in log.read_text().splitlines()]

    return str(script), calls


HARDENED = ["--rm", "--pull", "never", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "--pids-limit", "256", "--memory", "512m", "--memory-swap", "512m", "--cpus", "1", "--stop-timeout", "5",
            "--log-driver", "none", "--label", "scaffold.verify=smoke-run", "--tmpfs", "/tmp:rw,noexec,nosuid,size=64m"]


def pairs(args: List[str]) -> List[Tuple[str, str]]:
    """A docker command line as (flag, value) pairs (a lone flag with "")."""
    found_pairs, index = [], 0
    while index < len(args):
        takes_value = index + 1 < len(args) and not args[index + 1].startswith("-") and args[index] not in (
            "--rm", "--read-only", "--sig-proxy=false")
        found_pairs.append((args[index], args[index + 1] if takes_value else ""))
        index += 2 if takes_value else 1
    return found_pairs


def test_smoke_run_is_hardened_and_always_removes_its_container(fake_docker, monkeypatch):
    docker, calls = fake_docker
    report = verify_image("test/app:1", docker=docker, settle=0.5)
    assert report.passed and report.facts["run"] == "exited 0 (a command-line program)"
    run = next(call for call in calls() if call[0] == "run")
    name = run[run.index("--name") + 1]
    assert set(pairs(HARDENED)) <= set(pairs(run[1:-1])), run
    assert ("--network", "none") in pairs(run) and "-p" not in run and run[-1] == "sha256:" + "ab" * 32
    assert calls()[-1] == ["rm", "--force", "--volumes", name]

    monkeypatch.setenv("FAKE_STATE", "exited 3")
    crashed = verify_image("test/app:1", docker=docker, settle=2)
    assert found(crashed) == [("R1-R3", "run", "the container exited with 3 within 2 s; its log ends: listening | "
                               "boom: read-only \x1b[2Jfile system", [])]
    assert "\x1b" not in crashed.text() and "read-only \\x1b[2Jfile system" in crashed.text()
    assert calls()[-1][:2] == ["rm", "--force"]

    monkeypatch.setenv("FAKE_RUN_FAILS", "1")
    failed = verify_image("test/app:1", docker=docker, settle=2)
    assert [f.seen for f in failed.findings] == [
        "the container did not start hardened: docker: Error response from daemon: exec: no such file"]
    assert calls()[-1][:2] == ["rm", "--force"]


def test_smoke_run_mounts_a_tmpfs_owned_by_the_user_on_each_declared_state_folder(fake_docker, tmp_path):
    docker, calls = fake_docker
    labels = {**GOOD["Labels"], "io.hardened-scaffold.state": "/app/data /var/lib/demo /etc"}
    (tmp_path / "image.tar").write_bytes(saved_image({**GOOD, "Labels": labels}, [scratch_root()]))
    assert verify_image("test/app:1", docker=docker, settle=0).passed
    run = next(call for call in calls() if call[0] == "run")
    sized = "rw,noexec,nosuid,size=64m"  # each sized like /tmp, then owned by the image's user
    assert [run[i + 1] for i, arg in enumerate(run) if arg == "--tmpfs"] == [
        f"/tmp:{sized}", f"/app/data:{sized},uid=10001,gid=10001,mode=0700",
        f"/var/lib/demo:{sized},uid=10001,gid=10001,mode=0700"]


def test_port_probe_publishes_on_loopback_only(fake_docker, monkeypatch):
    docker, calls = fake_docker
    report = verify_image("test/app:1", docker=docker, port=8080, settle=2)
    run = next(call for call in calls() if call[0] == "run")
    assert run[run.index("-p") + 1] == "127.0.0.1::8080" and "--network" not in run
    assert [f.seen for f in report.findings] == [
        "the container exited 0 (a command-line program?), so nothing answers on port 8080"]


def test_image_volumes_get_a_sized_tmpfs_each_and_odd_ones_refuse_the_run(fake_docker, tmp_path, monkeypatch):
    docker, calls = fake_docker
    archive = tmp_path / "volumes.tar"
    archive.write_bytes(saved_image({**GOOD, "Volumes": {"/data": {}, "/var/cache/app": {}}}, [scratch_root()]))
    monkeypatch.setenv("FAKE_ARCHIVE", str(archive))
    verify_image("test/app:1", docker=docker, settle=0.5)
    run = next(call for call in calls() if call[0] == "run")
    assert ("--tmpfs", "/data:rw,noexec,nosuid,size=64m") in pairs(run)
    assert ("--tmpfs", "/var/cache/app:rw,noexec,nosuid,size=64m") in pairs(run)
    archive.write_bytes(saved_image({**GOOD, "Volumes": {"/data:exec,size=99g": {}}}, [scratch_root()]))
    refused = verify_image("test/app:1", docker=docker, settle=0.5)
    assert [f.seen for f in refused.findings] == [
        "VOLUME /data:exec,size=99g is no plain absolute path, so it cannot be mounted in memory: not run"]
    assert sum(call[0] == "run" for call in calls()) == 1


def test_a_port_wait_ends_when_the_container_exits(fake_docker, monkeypatch):
    docker, _ = fake_docker
    monkeypatch.setenv("FAKE_STATE", "running 3 1.5")
    started = time.monotonic()
    report = verify_image("test/app:1", docker=docker, port=8080, settle=0.5, answer_timeout=60)
    assert time.monotonic() - started < 15
    assert [f.seen for f in report.findings] == [
        "the container exited with 3 before port 8080 answered; its log ends: listening | boom: read-only "
        "\x1b[2Jfile system"]


def test_base_scratch_is_the_empty_base(fake_docker):
    docker, calls = fake_docker
    report = verify_image("test/app:1", docker=docker, base="scratch", run=False)
    assert report.passed and report.base == "scratch" and report.inherited == []
    assert ["image", "inspect", "--", "scratch"] not in calls()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_removes_the_smoke_container_and_exits_128_plus_it(fake_docker, tmp_path, signum):
    docker, calls = fake_docker
    env = {**os.environ, "SCAFFOLD_DOCKER": docker, "FAKE_STATE": "running 0 30", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "generator", "verify", "test/app:1"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not any(call[0] == "run" for call in (calls() if (tmp_path / "calls.log").exists() else [])):
        assert time.monotonic() < deadline and child.poll() is None, child.communicate()
        time.sleep(0.1)
    time.sleep(0.5)
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=30)
    name = next(call for call in calls() if call[0] == "run")[3]
    assert child.returncode == 128 + signum, stderr
    assert ["rm", "--force", "--volumes", name] in calls()
    assert stderr.strip().splitlines() == [
        f"error: interrupted by {signal.Signals(signum).name}; the smoke run's container was removed"]


def test_a_base_that_is_not_there_is_cannot_verify_before_anything_is_saved(fake_docker):
    docker, calls = fake_docker
    with pytest.raises(CannotVerify, match=r"no image missing:1 here"):
        verify_image("test/app:1", docker=docker, base="missing:1")
    assert not any(call[0] in ("run", "save") for call in calls())


def test_missing_image_is_cannot_verify(fake_docker):
    docker, calls = fake_docker
    with pytest.raises(CannotVerify, match=r"no image missing:1 here \(verify does not pull"):
        verify_image("missing:1", docker=docker)
    assert not any(call[0] in ("run", "save") for call in calls())


# -- hostile archives ------------------------------------------------------------------------------

HOSTILE_ARCHIVE = saved_image({**GOOD, "User": "", "Entrypoint": ["/bin/sh", "-c", "x"]},
                              [debian_root() + APP, [whiteout("usr/bin/bash"), opaque("etc")]], compress=True)


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(HOSTILE_ARCHIVE)), flip=st.integers(min_value=0, max_value=255),
       where=st.integers(min_value=0, max_value=len(HOSTILE_ARCHIVE) - 1))
def test_a_cut_or_corrupted_archive_is_a_report_or_cannot_verify_never_a_crash(cut, flip, where):
    data = bytearray(HOSTILE_ARCHIVE[:cut])
    if where < len(data):
        data[where] ^= flip
    try:
        report = verify_archive(io.BytesIO(bytes(data)))
    except CannotVerify:
        return
    assert report.text() and json.dumps(report.to_json())
