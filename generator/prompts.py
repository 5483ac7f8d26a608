"""Interactive questions (questionary), pre-filled with what detection found.

The questions are the language's answer fields that declare a prompt, in their order;
each says where its default came from ("Port the app listens on (8080, from
cmd/server/main.go:31)"). Enter accepts every default. Each typed answer goes through
the field's parser, the same as a flag's, so a prompt can never let through what a flag
would not; the final-image choice offers only the flavours the language's rule allows.
"""

from __future__ import annotations

import shlex
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from generator.detect.model import AppCandidate
from generator.languages import by_name
from generator.output import one_line
from generator.languages.base import DEFAULT_ORIGIN, FINAL, AnswerField, Language
from generator.parsers import NO_PORT
from generator.validate import GUESS

#: a default longer than this is not repeated in the question (it is pre-filled anyway)
SHOWN_LIMIT = 40


class Cancelled(Exception):
    """The person pressed Ctrl-C or Ctrl-D at a prompt."""


def _checked(parse: Callable[[Any], Any]) -> Callable[[str], Any]:
    """A questionary validator: True, or the parser's reason shown under the prompt."""

    def check(text: str) -> Any:
        try:
            parse(text)
        except ValueError as error:
            return str(error)
        return True

    return check


def _answer(question: Any) -> Any:
    value = question.ask()
    if value is None:
        raise Cancelled()
    return value


#: the facts that tell apps of one repository apart in the picker, in the order shown
_TELLING_FACTS = (("package", "main package"), ("module", "module"), ("main_class", "main class"),
                  ("start_command", "runs"), ("port", "port"), ("kind", ""))


def app_label(app: AppCandidate) -> str:
    """How the picker shows an app: its id, and what tells it from the others found beside it.

    Nine Go programs of one module share the folder "."; their main packages, ports and
    kinds are what a person chooses between. Every value is the repository's: escaped.
    """
    said = [] if app.root == "." else [f"in {app.root}"]
    for key, name in _TELLING_FACTS:
        value = app.value(key)
        if value is None or value == "":
            continue
        text = shown(value)
        said.append(f"{name} {text}" if name else text)
    label = f"{app.id}  ({', '.join(said)})" if said else app.id
    return one_line(label)


def choose_app(apps: List[AppCandidate]) -> AppCandidate:
    import questionary

    choices = [questionary.Choice(app_label(app), value=index) for index, app in enumerate(apps)]
    index = _answer(questionary.select("Several apps found; which one?", choices=choices))
    return apps[index]


def choose_one(message: str, options: List[Tuple[str, str]]) -> str:
    """One of `options` ((label, value) pairs), the first highlighted."""
    import questionary

    return str(_answer(questionary.select(message, choices=[questionary.Choice(label, value=value)
                                                            for label, value in options])))


def _whole_errors(question: Any) -> Any:
    """`question` with its validation message wrapped over as many lines as it needs.

    prompt_toolkit's validation toolbar is one line high, so a message longer than the
    terminal is cut, and the end it cuts is the fix ("...; set it with --port"). The
    toolbar's window is found by the function that draws it and given room to wrap.
    """
    from prompt_toolkit.filters import to_filter

    layout = getattr(getattr(question, "application", None), "layout", None)
    for window in layout.find_all_windows() if layout is not None else ():
        draws = getattr(getattr(window, "content", None), "text", None)
        if "ValidationToolbar" in getattr(draws, "__qualname__", ""):
            window.height = None
            window.wrap_lines = to_filter(True)
    return question


def shown(value: Any) -> str:
    """An answer as typed: a command as a shell would split it back, no port as "none"."""
    if value is None:
        return NO_PORT
    if isinstance(value, list) and value and all(isinstance(step, list) for step in value):
        return "; ".join(shlex.join(step) for step in value)  # several commands: release steps
    return shlex.join(value) if isinstance(value, list) else str(value)


def question(field: AnswerField, value: Any, origin: Optional[str]) -> str:
    """The question for `field`, with its current value and where that came from (when known)."""
    text = shown(value)
    where = ("default" if origin == DEFAULT_ORIGIN else origin if origin and origin.startswith(GUESS)
             else f"from {origin}" if origin else "")
    said = [part for part in (text if len(text) <= SHOWN_LIMIT else "", where) if part]
    return f"{field.prompt} ({', '.join(said)})" if said else str(field.prompt)


def ask_answers(defaults: Mapping[str, Any], origins: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """Ask for each answer a person may want to change; returns the answers as typed."""
    import questionary

    language = by_name(defaults["language"])
    origins = origins or {}
    asked: Dict[str, Any] = {}
    current = dict(defaults)  # the answers so far, parsed: the final-image rule reads them
    for field in language.answer_fields:
        if field.prompt is None or not language.asks(field.key, current):
            continue
        message = question(field, defaults[field.key], origins.get(field.key))
        if field.key == FINAL.key:
            asked[field.key] = _answer(_final_question(language, message, current))
            continue
        asked[field.key] = _answer(_whole_errors(questionary.text(message, default=shown(defaults[field.key]),
                                                                  validate=_checked(field.parse))))
        current[field.key] = field.parse(asked[field.key])
    return asked


def _final_question(language: Language, message: str, current: Mapping[str, Any]) -> Any:
    """A choice among the flavours allowed for the answers so far, each explained in a few words."""
    import questionary

    flavours = language.allowed_finals(current)
    width = max(len(flavour.name) for flavour in flavours)
    choices = [questionary.Choice(f"{flavour.name:<{width}}  {flavour.summary}", value=flavour.name)
               for flavour in flavours]
    names = [flavour.name for flavour in flavours]
    default = current[FINAL.key] if current[FINAL.key] in names else names[0]
    return questionary.select(message, choices=choices, default=default)
