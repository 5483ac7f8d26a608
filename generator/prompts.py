"""Interactive questions (questionary), pre-filled with what detection found.

Enter accepts every default. Each typed answer goes through the same parser as a
flag (`generator.validate`), so a prompt can never let through what a flag would not.
"""

from __future__ import annotations

import shlex
from typing import Any, Callable, Dict, List, Optional

from generator.detect.model import AppCandidate
from generator.images import DISTROLESS_PYTHON, FINALS
from generator.validate import parse_go_package, parse_id, parse_java_class, parse_port, parse_version, parse_argv


class Cancelled(Exception):
    """The person pressed Ctrl-C or Ctrl-D at a prompt."""


def _checked(parse: Callable[[str], Any]) -> Callable[[str], Any]:
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


def choose_app(apps: List[AppCandidate]) -> AppCandidate:
    import questionary

    choices = [questionary.Choice(f"{app.id}  ({app.root})", value=index) for index, app in enumerate(apps)]
    index = _answer(questionary.select("Several apps found; which one?", choices=choices))
    return apps[index]


def ask_answers(defaults: Dict[str, Any]) -> Dict[str, Any]:
    """Ask for each answer a person may want to change; returns the answers as typed."""
    import questionary

    language = defaults["language"]
    asked: Dict[str, Any] = {}

    def text(key: str, message: str, parse: Callable[[str], Any], shown: Optional[str] = None) -> None:
        default = shown if shown is not None else str(defaults[key])
        asked[key] = _answer(questionary.text(message, default=default, validate=_checked(parse)))

    text("version", f"{language.capitalize()} version", lambda raw: parse_version(language, raw))
    if language == "go":
        text("package", "Main package to build", parse_go_package)
    elif language == "python":
        text("start_command", "Start command", parse_argv, shlex.join(defaults["start_command"]))
    elif language == "java":
        text("main_class", "Main class (empty: the jar's manifest)", parse_java_class)
    text("port", "Port the app listens on", parse_port)
    finals = [final for final in FINALS[language] if _offered(defaults, asked, final)]
    asked["final"] = _answer(questionary.select("Final image", choices=finals, default=defaults["final"]
                                                if defaults["final"] in finals else finals[0]))
    text("uid", "User id in the image (numeric, non-root)", parse_id)
    text("gid", "Group id in the image (numeric, non-root)", parse_id)
    return asked


def _offered(defaults: Dict[str, Any], asked: Dict[str, Any], final: str) -> bool:
    """Only the final flavours that validation would accept for these answers."""
    language = defaults["language"]
    if language == "go" and final == "scratch":
        return not defaults["cgo"]
    if language == "python" and final == "distroless":
        return parse_version("python", asked.get("version", defaults["version"])) in DISTROLESS_PYTHON
    return True
