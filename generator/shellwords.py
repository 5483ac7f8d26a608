"""Shell words: text cut into words and control operators the way a shell (or Docker) would, without expanding anything.

One scanner for every place that reads a command line: RUN scripts (`check`), the
words of Dockerfile instructions, Procfile `web:` lines, commands given as one
string (`--cmd`, recorded answers) and shell-form CMDs `adopt` carries over. They
read the same quoting rules, in three dialects that differ where the languages do:

- `SHELL`: a POSIX shell script: `'`, `"` and backquotes, `\\` escapes, `$( ... )`
  kept whole, `#` comments, and the control operators `;`, `&`, `&&`, `||`, `|`,
  newlines and parentheses (`2>&1` and `&>` stay redirections inside a word);
- `ARGV`: one command, as Python's `shlex.split` reads it: quotes and escapes, no
  operators, no comments (a `;` is part of a word; callers that refuse shell syntax
  look for it in the words);
- `DOCKERFILE`: the arguments of an instruction, as the Dockerfile reader cuts them:
  quotes only (a backslash is a plain character until `unquote`).

Words come back raw (quotes kept) from `scan`, and `unquote` removes the quotes; `split`
does both and refuses an unterminated quote or escape with `ShellWordsError`. The
scanner runs in linear time, never raises, never evaluates anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple


class ShellWordsError(ValueError):
    """Text that does not cut into words: an unterminated quote or escape."""


@dataclass(frozen=True)
class Dialect:
    """What the scanner treats as special."""

    #: characters that open a quoted part (closed by the same character)
    quotes: str
    #: whether `\\` escapes the next character while scanning (outside quotes and inside `"`)
    escapes: bool
    #: characters a `\\` escapes inside double quotes when quotes are removed (it is kept before others)
    double_quote_escapes: str
    #: characters that separate words
    blanks: str
    #: control operators, longest first; empty: words only
    operators: Tuple[str, ...] = ()
    #: whether `$( ... )` is kept as one piece of a word, blanks and operators included
    substitutions: bool = False
    #: whether `#` at the start of a word comments out the rest of the line
    comments: bool = False
    #: whether a `\\` before a newline joins the lines (outside quotes)
    continuations: bool = False


SHELL = Dialect(quotes="'\"`", escapes=True, double_quote_escapes='"\\$`', blanks=" \t\r",
                operators=("&&", "||", "|", "&", ";", "\n", "(", ")"), substitutions=True, comments=True,
                continuations=True)
ARGV = Dialect(quotes="'\"", escapes=True, double_quote_escapes='"\\', blanks=" \t\r\n")
DOCKERFILE = Dialect(quotes="'\"", escapes=False, double_quote_escapes='"\\$', blanks=" \t\r\n")


@dataclass(frozen=True)
class Token:
    """A word (raw: quotes and escapes still in it) or a control operator."""

    text: str
    operator: bool = False


@dataclass(frozen=True)
class Scan:
    """The tokens of a text, and what was left open at its end: a quote character, "\\\\" or ""."""

    tokens: List[Token]
    unterminated: str = ""

    @property
    def problem(self) -> str:
        """Why the text does not cut into words ("" when it does), in `shlex.split`'s words."""
        if self.unterminated == "\\":
            return "No escaped character"
        return "No closing quotation" if self.unterminated else ""

    def words(self) -> List[str]:
        return [token.text for token in self.tokens if not token.operator]

    def commands(self) -> List[Tuple[List[str], str]]:
        """The words between operators, each with the operator that ends them ("" for the last)."""
        found: List[Tuple[List[str], str]] = []
        current: List[str] = []
        for token in self.tokens:
            if token.operator:
                found.append((current, token.text))
                current = []
            else:
                current.append(token.text)
        found.append((current, ""))
        return found


def scan(text: str, dialect: Dialect = SHELL) -> Scan:
    """`text` cut into raw words and operators (never raises, linear time)."""
    return _Scanner(text, dialect).run()


def split(text: str, dialect: Dialect = ARGV) -> List[str]:
    """The words of one command, quotes removed; `ShellWordsError` when a quote or escape is left open."""
    scanned = scan(text, dialect)
    if scanned.problem:
        raise ShellWordsError(scanned.problem)
    return [unquote(word, dialect) for word in scanned.words()]


def unquote(word: str, dialect: Dialect = SHELL) -> str:
    """Quote removal (no expansion): `"a b"` -> `a b`, `'$x'` -> `$x`, `\\ ` -> ` `."""
    if "'" not in word and '"' not in word and "\\" not in word:
        return word
    out: List[str] = []
    quote = ""
    index = 0
    while index < len(word):
        char = word[index]
        if quote == "'":
            if char == "'":
                quote = ""
            else:
                out.append(char)
        elif quote == '"':
            if char == '"':
                quote = ""
            elif char == "\\" and index + 1 < len(word) and word[index + 1] in dialect.double_quote_escapes:
                index += 1
                out.append(word[index])
            else:
                out.append(char)
        elif char in "'\"":
            quote = char
        elif char == "\\" and index + 1 < len(word):
            index += 1
            out.append(word[index])
        else:
            out.append(char)
        index += 1
    return "".join(out)


class _Scanner:
    """One pass over the text; each step consumes one piece (a quoted character, an escape, an operator...)."""

    def __init__(self, text: str, dialect: Dialect) -> None:
        self.text = text
        self.dialect = dialect
        self.tokens: List[Token] = []
        self.current: List[str] = []
        self.quote = ""
        self.depth = 0  # inside $( ... )
        self.index = 0
        self.at_word_start = True

    def run(self) -> Scan:
        while self.index < len(self.text):
            self._step()
        self._end_word()
        escaped = self.dialect.escapes and self.text.endswith("\\") and _odd_escape(self.text, self.quote)
        return Scan(self.tokens, "\\" if escaped else self.quote)

    def _step(self) -> None:
        text, index, dialect = self.text, self.index, self.dialect
        char = text[index]
        if self.quote:
            self._quoted(char)
        elif char == "\\" and dialect.escapes and index + 1 < len(text):
            if text[index + 1] == "\n" and dialect.continuations:
                self.index += 2
                return
            self.current.append(text[index:index + 2])
            self.index += 2
            self.at_word_start = False
        elif char in dialect.quotes:
            self.quote = char
            self.current.append(char)
            self.index += 1
            self.at_word_start = False
        elif dialect.substitutions and text.startswith("$(", index):
            self.depth += 1
            self.current.append("$(")
            self.index += 2
        elif self.depth:
            self.depth += 1 if char == "(" else -1 if char == ")" else 0
            self.current.append(char)
            self.index += 1
        else:
            self._plain(char)

    def _quoted(self, char: str) -> None:
        self.current.append(char)
        if char == "\\" and self.quote != "'" and self.dialect.escapes and self.index + 1 < len(self.text):
            self.index += 1
            self.current.append(self.text[self.index])
        elif char == self.quote:
            self.quote = ""
        self.index += 1

    def _plain(self, char: str) -> None:
        if char == "#" and self.at_word_start and self.dialect.comments:
            end = self.text.find("\n", self.index)
            self.index = len(self.text) if end < 0 else end
            return
        operator = self._operator()
        if operator:
            self._end_word()
            self.tokens.append(Token(operator, operator=True))
            self.index += len(operator)
            self.at_word_start = True
            return
        if char in self.dialect.blanks:
            self._end_word()
        else:
            self.current.append(char)
        self.at_word_start = char in " \t"
        self.index += 1

    def _operator(self) -> str:
        """The control operator at the scan position ("" for none); `2>&1` and `&>` are redirections."""
        text, index = self.text, self.index
        for operator in self.dialect.operators:
            if text.startswith(operator, index):
                if operator == "&" and (text.startswith("&>", index) or (index > 0 and text[index - 1] in "<>")):
                    return ""
                return operator
        return ""

    def _end_word(self) -> None:
        if self.current:
            self.tokens.append(Token("".join(self.current)))
            self.current = []


def _odd_escape(text: str, quote: str) -> bool:
    """Whether the text ends in a `\\` that escapes nothing (outside quotes or inside `"`)."""
    if quote not in ("", '"'):
        return False
    trailing = len(text) - len(text.rstrip("\\"))
    return trailing % 2 == 1

