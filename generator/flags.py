"""The answer flags of `scaffold new` and `scaffold adopt` (--port, --cmd, ...), derived from the answer fields.

Parsing only: `add_answer_flags` declares them on a parser, `answer_overrides` reads back
what was typed. Kept apart from `generator.cli` so that every command module can use them
without importing the CLI (which imports the command modules).
"""

from __future__ import annotations

import argparse
from typing import Any, Dict, List


def add_answer_flags(parser: argparse.ArgumentParser, title: str = "answers (each overrides what was detected)") -> None:
    """The answer flags (--port, --cmd, ...), one per answer field that has a flag."""
    answers = parser.add_argument_group(title)
    for field in _flag_fields():
        if field.flag_value is not None:  # a switch: --kubernetes, --no-compose
            answers.add_argument(field.flag, dest=_dest(field.key), help=_flag_help(field.key),
                                 action="store_const", const=field.flag_value)
            continue
        group = answers.add_mutually_exclusive_group() if field.off_flag else answers
        group.add_argument(field.flag, dest=_dest(field.key), help=_flag_help(field.key),
                           action="append" if field.repeatable else "store",
                           metavar=field.metavar or field.flag.lstrip("-").replace("-", "_").upper())
        if field.off_flag:  # --no-frontend, --no-services
            off, value = field.off_flag
            group.add_argument(off, dest=_dest(field.key), action="store_const", const=value,
                               help=f"no {field.key}, whatever was detected (the same as {field.flag} {value or 'none'})")


def answer_overrides(args: argparse.Namespace) -> Dict[str, Any]:
    """The answers given as flags: {key: value as typed}."""
    given = {field.key: getattr(args, _dest(field.key)) for field in _flag_fields()
             if getattr(args, _dest(field.key)) is not None}
    for field in _flag_fields():  # a repeated flag's values: one comma-separated answer, as if typed once
        if field.repeatable and given.get(field.key):
            given[field.key] = ",".join(given[field.key])
    return given


def settable_help() -> str:
    """The `--set` keys: those of every language, then each language's own."""
    from generator.languages import LANGUAGES, answer_fields, having

    settable = [field.key for field in answer_fields() if field.settable]
    common = [key for key in settable if len(having(key)) == len(LANGUAGES)]
    own = [f"{lang.name}: {', '.join(key for key in settable if key not in common and lang.field(key))}"
           for lang in LANGUAGES if any(key not in common and lang.field(key) for key in settable)]
    return "; ".join([", ".join(common), *own])


def _flag_fields() -> List[Any]:
    """The answer fields that `scaffold new` has a flag for, each once."""
    from generator.languages import answer_fields

    return [field for field in answer_fields() if field.flag]


def _dest(key: str) -> str:
    return f"answer_{key}"


def _flag_help(key: str) -> str:
    """A flag's help: the field's, with the languages it applies to, its choices, or the default of
    an answer that is not detected (a detected one's default is what detection finds)."""
    from generator.languages import LANGUAGES, having, titles
    from generator.languages.base import FINAL, VERSION

    field = next(field for field in _flag_fields() if field.key == key)
    if key == VERSION.key:
        return f"{field.help}, e.g. " + ", ".join(f"{lang.title} {lang.default_version}" for lang in LANGUAGES)
    if key == FINAL.key:
        return f"{field.help}: " + "; ".join(f"{lang.name} {'|'.join(lang.final_names)}" for lang in LANGUAGES)
    owners = having(key)
    help_text = f"do not {field.help}" if field.flag_value is False else field.help  # --no-compose
    text = help_text if len(owners) == len(LANGUAGES) else f"{titles(owners)}: {help_text}"
    if field.detected or field.default in (None, "", []) or field.flag_value is not None:
        return text
    return f"{text} (default {field.default})"
