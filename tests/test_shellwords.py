"""The shared shell-words scanner: tricky inputs in each dialect, and properties on any text."""

from __future__ import annotations

import shlex
from typing import List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import shellwords
from generator.shellwords import ARGV, DOCKERFILE, SHELL, ShellWordsError


def tokens(text: str, dialect: shellwords.Dialect) -> List[Tuple[str, bool]]:
    return [(token.text, token.operator) for token in shellwords.scan(text, dialect).tokens]


W, OP = False, True


@pytest.mark.parametrize("text, expected", [
    # quotes keep blanks and operators inside a word, and stay in it (unquote removes them)
    ("echo 'a b' \"c;d\"", [("echo", W), ("'a b'", W), ('"c;d"', W)]),
    ("a\\ b", [("a\\ b", W)]),
    # operators cut words, also without blanks around them
    ("a&&b||c|d;e&f", [("a", W), ("&&", OP), ("b", W), ("||", OP), ("c", W), ("|", OP), ("d", W), (";", OP),
                      ("e", W), ("&", OP), ("f", W)]),
    ("a\nb", [("a", W), ("\n", OP), ("b", W)]),
    ("(a)", [("(", OP), ("a", W), (")", OP)]),
    # redirections are words: 2>&1 and &> are not a background &
    ("cmd >out 2>&1 &>log", [("cmd", W), (">out", W), ("2>&1", W), ("&>log", W)]),
    # $VAR stays as written; $( ... ) is one piece, blanks and operators included
    ("echo $HOME ${PORT:-80}", [("echo", W), ("$HOME", W), ("${PORT:-80}", W)]),
    ("x=$(id -u; echo) y", [("x=$(id -u; echo)", W), ("y", W)]),
    ("echo `date; id`", [("echo", W), ("`date; id`", W)]),
    # comments start at a word only; a continuation joins lines
    ("a # b; c\nd", [("a", W), ("\n", OP), ("d", W)]),
    ("a#b", [("a#b", W)]),
    ("apt-get \\\n install", [("apt-get", W), ("install", W)]),
    # an escaped quote or operator is no quote or operator
    ('echo \\"a b\\"', [("echo", W), ('\\"a', W), ('b\\"', W)]),
    ("a\\;b", [("a\\;b", W)]),
    # an unterminated quote runs to the end (scan never raises)
    ("echo 'a; b", [("echo", W), ("'a; b", W)]),
    ("", []),
])
def test_shell_dialect_cuts_words_and_operators(text: str, expected: List[Tuple[str, bool]]) -> None:
    assert tokens(text, SHELL) == expected


@pytest.mark.parametrize("text, expected", [
    ('a=1 b="x y" c', ["a=1", 'b="x y"', "c"]),
    ("a\\ b", ["a\\", "b"]),  # the Dockerfile reader cuts on the blank: the backslash waits for unquote
    ("a;b && c", ["a;b", "&&", "c"]),
    ("$(a b)", ["$(a", "b)"]),
    ("x\ny", ["x", "y"]),
])
def test_dockerfile_dialect_only_knows_quotes(text: str, expected: List[str]) -> None:
    assert shellwords.scan(text, DOCKERFILE).words() == expected


@pytest.mark.parametrize("word, dialect, expected", [
    ('"a b"', SHELL, "a b"),
    ("'$x'", SHELL, "$x"),
    ('"\\$x \\`y\\` \\q"', SHELL, "$x `y` \\q"),
    ('"\\`y\\`"', DOCKERFILE, "\\`y\\`"),
    ('"\\$x"', ARGV, "\\$x"),
    ("a\\ b", ARGV, "a b"),
    ("''", ARGV, ""),
])
def test_unquote_removes_quotes_per_dialect(word: str, dialect: shellwords.Dialect, expected: str) -> None:
    assert shellwords.unquote(word, dialect) == expected


@pytest.mark.parametrize("text, expected", [
    ("gunicorn -b 0.0.0.0:$PORT app:app", ["gunicorn", "-b", "0.0.0.0:$PORT", "app:app"]),
    ("a;b 'c d' \"e\\\"f\"", ["a;b", "c d", 'e"f']),
    ("x '' y", ["x", "", "y"]),
    ("a#b #c", ["a#b", "#c"]),
])
def test_split_reads_a_command_as_shlex_does(text: str, expected: List[str]) -> None:
    assert shellwords.split(text) == expected == shlex.split(text)


@pytest.mark.parametrize("text, message", [
    ("gunicorn 'app:app", "No closing quotation"),
    ('a "b', "No closing quotation"),
    ("a \\", "No escaped character"),
    ('a "b\\', "No escaped character"),
])
def test_split_refuses_an_unterminated_quote_or_escape(text: str, message: str) -> None:
    with pytest.raises(ShellWordsError, match=message):
        shellwords.split(text)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(list("ab $(){}'\"`\\;&|<>#\n\t=") + ["&&", "2>&1", "\\\n"]), max_size=40).map("".join),
       dialect=st.sampled_from([SHELL, ARGV, DOCKERFILE]))
def test_any_text_scans_and_splits_raises_only_its_own_error(text: str, dialect: shellwords.Dialect) -> None:
    scanned = shellwords.scan(text, dialect)
    assert all(token.text for token in scanned.tokens)
    try:
        words = shellwords.split(text, dialect)
    except ShellWordsError:
        assert scanned.problem
    else:
        assert len(words) == len(scanned.words())


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12), max_size=6))
def test_split_reads_back_what_shlex_join_writes(words: List[str]) -> None:
    assert shellwords.split(shlex.join(words)) == words
