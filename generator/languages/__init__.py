"""The languages, in the order detection runs and help lists them: the one registry.

This is the only module outside a language's own package that names a language.
Everything else loops over `LANGUAGES` or looks one up with `by_name`. Importing it
imports only declarations (detection is imported inside each `detect()`), so that
`scaffold --help` can build its flags from it and stay fast.

A new language: a package beside these (see docs/architecture.md) and one line below.
"""

from __future__ import annotations

from typing import Dict, Sequence, Tuple

from generator.errors import InputError
from generator.languages.base import AnswerField, Flavour, Language
from generator.languages.go import GO
from generator.languages.java import JAVA
from generator.languages.python import PYTHON

LANGUAGES: Tuple[Language, ...] = (GO, PYTHON, JAVA)


def names() -> Tuple[str, ...]:
    return tuple(language.name for language in LANGUAGES)


def titles(languages: Sequence[Language] = LANGUAGES) -> str:
    """The languages as prose: "Go, Python or Java"."""
    words = [language.title for language in languages]
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else "".join(words)


def by_name(name: str) -> Language:
    """The language called `name`; InputError naming the known ones otherwise."""
    for language in LANGUAGES:
        if language.name == name:
            return language
    raise InputError(f"unknown language {name!r} (known: {', '.join(names())})")


def answer_fields() -> Tuple[AnswerField, ...]:
    """Every language's answers, each key once: those all languages have first, then the others."""
    seen: Dict[str, AnswerField] = {}
    for language in LANGUAGES:
        for field in language.answer_fields:
            seen.setdefault(field.key, field)
    return tuple(sorted(seen.values(), key=lambda field: len(having(field.key)) < len(LANGUAGES)))


def having(key: str) -> Tuple[Language, ...]:
    """The languages that have the answer `key`."""
    return tuple(language for language in LANGUAGES if language.field(key) is not None)


__all__ = ["LANGUAGES", "AnswerField", "Flavour", "Language", "answer_fields", "by_name", "having", "names", "titles"]
