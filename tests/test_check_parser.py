"""The Dockerfile parser (generator.check.dockerfile): BuildKit's reading rules, and the API `adopt` uses."""

from __future__ import annotations

from generator.check.dockerfile import parse


def test_directives_escape_and_continuations():
    d = parse("# syntax=docker/dockerfile:1\n# escape=`\nFROM debian:12\nRUN echo a `\n  # comment inside\n\n  && echo b\n"
              "COPY C:\\src\\ /dst/\n")
    assert d.directives == {"syntax": ("docker/dockerfile:1", 1), "escape": ("`", 2)} and d.escape == "`"
    run, copy = d.stages[0].instructions
    assert (run.line, run.end_line, run.arguments) == (4, 7, "echo a   && echo b")
    assert copy.arguments == "C:\\src\\ /dst/" and copy.line == 8


def test_directives_end_at_the_first_other_line():
    d = parse("# a comment\n# escape=`\nFROM x:1\nRUN a \\\n b\n")
    assert d.directives == {} and d.escape == "\\"
    assert d.stages[0].instructions[0].arguments == "a  b"
    d = parse("# unknown=1\n# escape=`\nFROM x:1\n")
    assert d.directives == {}
    d = parse("# escape=x\nFROM x:1\n")
    assert any("invalid escape" in p.message for p in d.problems)


def test_heredocs():
    d = parse("FROM debian:12\nRUN <<EOF\nset -e\necho hi\nEOF\nCOPY <<-'CONF' /etc/x.conf\n\tkey=$v\n\tCONF\nUSER 1\n")
    run, copy, user = d.stages[0].instructions
    assert run.heredocs[0].body == "set -e\necho hi\n" and (run.line, run.end_line) == (2, 5)
    heredoc = copy.heredocs[0]
    assert heredoc.chomp and heredoc.quoted and heredoc.body == "key=$v\n" and heredoc.line == 7
    assert user.line == 9
    unterminated = parse("FROM debian:12\nRUN <<EOF\necho\n")
    assert any("never terminated" in p.message for p in unterminated.problems)
    quoted = parse("FROM debian:12\nRUN echo \"<<EOF\"\nUSER 1\n")
    assert not quoted.stages[0].instructions[0].heredocs and len(quoted.stages[0].instructions) == 2


def test_exec_and_shell_forms():
    d = parse("FROM x:1\nCMD [\"a\", \"b c\"]\nENTRYPOINT ['a']\nRUN [\"x\", 1]\nSHELL [\"/bin/bash\", \"-c\"]\n")
    cmd, entrypoint, run, shell = d.stages[0].instructions
    assert cmd.exec_form == ["a", "b c"] and entrypoint.exec_form is None and run.exec_form is None
    assert shell.exec_form == ["/bin/bash", "-c"]
    assert d.stages[0].cmd().exec_form == ["a", "b c"] and d.stages[0].entrypoint().shell == "['a']"


def test_stages_from_and_global_args():
    d = parse("ARG GO=1.22\nARG BASE\nFROM --platform=$BUILDPLATFORM golang:${GO}-bookworm AS Build\n"
              "FROM build AS test\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /x /x\n")
    build, test, final = d.stages
    assert build.name == "build" and build.resolved_image == "golang:1.22-bookworm" and build.platform == "$BUILDPLATFORM"
    assert build.ref.name == "golang" and build.ref.tag == "1.22-bookworm"
    assert test.parent == 0 and test.ref is None and final.parent is None
    assert final.ref.name == "gcr.io/distroless/static" and final.ref.tag == "nonroot"
    assert final.instructions[0].flag("from") == "build"
    assert d.global_arg_defaults() == {"GO": "1.22"} and d.final_stage() is final and d.final_stage("test") is test


def test_values_adopt_reads():
    d = parse("FROM python:3.12-slim@sha256:" + "0" * 64 + "\nENV PORT=8000 NAME=\"my app\"\nENV LEGACY value with blanks\n"
              "ARG VERSION=1.0\nARG TOKEN\nEXPOSE 8000/tcp 53/udp ${PORT}\nCMD gunicorn app:app\n")
    stage = d.stages[0]
    assert stage.ref.digest.startswith("sha256:") and stage.ref.tag == "3.12-slim"
    assert [(a.key, a.value, a.line) for a in stage.env()] == [("PORT", "8000", 2), ("NAME", "my app", 2),
                                                               ("LEGACY", "value with blanks", 3)]
    assert [(a.key, a.value) for a in stage.args()] == [("VERSION", "1.0"), ("TOKEN", None)]
    assert [(p.number, p.protocol, p.line) for p in stage.ports()] == [(8000, "tcp", 6), (53, "udp", 6), (None, "tcp", 6)]
    cmd = stage.cmd()
    assert cmd.shell == "gunicorn app:app" and cmd.exec_form is None and cmd.line == 7


def test_problems_never_raise():
    d = parse("RUN echo before\nFROB x\nFROM\n")
    messages = " ".join(p.message for p in d.problems)
    assert "before the first FROM" in messages and "unknown instruction FROB" in messages
    assert parse("").stages == [] and parse("\n\n# only comments\n").stages == []


def test_crlf_and_bom():
    d = parse("\ufeffFROM debian:12\r\nRUN echo a \\\r\n  b\r\nCMD [\"x\"]\r\n")
    assert d.newline == "\r\n" and d.stages[0].instructions[0].arguments == "echo a   b"
    assert d.stages[0].cmd().exec_form == ["x"]
