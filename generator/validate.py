"""The only way into a template: untrusted values in, checked answers out.

Detection facts come from an untrusted repository, flags and prompt answers from a
person, recorded answers from a file anyone can edit. `validate` runs every answer of
the language (generator.languages) through its field's parser (generator.parsers) and
the language's rules, and raises `InputError` with one line naming the answer, where
its value came from and what is wrong ("port from --port must be a port number ...").
Templates may therefore interpolate answers without further escaping, and exec-form
arguments are JSON-encoded by the templates on top of that.

`resolve_answers` builds the raw answers for a detected app (defaults, then detected
facts, then what the language derives from them, then the person's overrides) and keeps
each value's origin, so that errors and prompts can say where a value came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

from generator.detect.model import AppCandidate, Fact
from generator.errors import InputError
from generator.languages import by_name, names
from generator.languages.base import DEFAULT_ORIGIN, FINAL, Language
from generator.parsers import slugify

#: the detection fact `kind` of a program that listens on no port (the other kind is "server")
CLI = "cli"
#: where a value came from when nobody said so (a record or a caller's dict)
UNNAMED_ORIGIN = "the answers"


@dataclass(frozen=True)
class Answers:
    """Checked answers, and where each came from (a flag, a file:line, the defaults, ...)."""

    values: Dict[str, Any]
    origins: Dict[str, str]


def validate(raw: Mapping[str, Any], origins: Optional[Mapping[str, str]] = None, set_with: str = "") -> Dict[str, Any]:
    """Check every answer of `raw` (a language's full set); raise InputError naming the first bad one.

    The error names how to set the answer: its flag (`--port`), or with `set_with="--set"` the
    `--set port=...` of `scaffold upgrade`, which has no answer flags.
    """
    origins = origins or {}

    name = raw.get("language")
    if not isinstance(name, str) or name not in names():
        raise InputError(f"language from {origins.get('language', UNNAMED_ORIGIN)} must be one of: {', '.join(names())}")
    language = by_name(name)

    def fail(key: str, reason: str) -> InputError:
        """One line: the answer, where its value came from, what is wrong, and the flag that sets it."""
        origin = origins.get(key, UNNAMED_ORIGIN)
        field = language.field(key)
        setting = (f"--set {key}=..." if field is not None and field.settable else "") if set_with \
            else field.flag if field is not None else ""
        hint = f"; set it with {setting}" if setting and origin != setting.partition("=")[0] else ""
        return InputError(f"{key.replace('_', ' ')} from {origin} {reason}{hint}")

    answers: Dict[str, Any] = {"language": name}
    for field in language.answer_fields:
        # an answer added since a record was written takes its default (an upgrade then adds what it gives)
        value = raw[field.key] if field.key in raw else field.default
        if field.key == FINAL.key:  # its default and its rule read the answers before it
            value = value or language.default_final(answers)
        if value is None and field.missing:
            raise InputError(field.missing.format(flag=field.flag))
        try:
            answers[field.key] = field.parse(value)
        except ValueError as error:
            raise fail(field.key, str(error)) from None
        if field.key == FINAL.key:
            refusal = language.final_refusal(answers, answers[field.key])
            if refusal:
                raise fail(field.key, refusal)
    broken = language.check(answers)
    if broken:
        raise InputError(broken)
    from generator import runtime  # the companion files' own rule (runtime.py imports the registry too)
    from generator.frontend import answers as frontend

    broken = frontend.refusal(answers) or runtime.refusal(answers)
    if broken:
        raise InputError(broken)
    return answers


def resolve_answers(app: AppCandidate, overrides: Mapping[str, Any],
                    override_origins: Optional[Mapping[str, str]] = None) -> Answers:
    """Checked answers for a detected app: defaults, detected facts, derived values, then overrides.

    An override's origin is `override_origins[key]`, else the flag that sets it.
    """
    language = by_name(app.language)
    detected = f"the detected app {app.id}"
    raw: Dict[str, Any] = {"language": language.name}
    origins: Dict[str, str] = {"language": detected}
    for field in language.answer_fields:
        if field.default is not None:
            raw[field.key], origins[field.key] = field.default, DEFAULT_ORIGIN
    raw["app_name"], raw["source_dir"] = slugify(app.name), app.root
    origins["app_name"] = origins["source_dir"] = detected
    for key, fact in app.facts.items():
        answer = language.field(key)
        if fact.value is None or answer is None or not answer.detected:
            continue  # evidence only (toolchain, framework, ...)
        raw[key], origins[key] = fact.value, fact_origin(fact, detected, asked=answer.prompt is not None)
    kind = app.facts.get("kind")
    if kind is not None and kind.value == CLI:  # listens on nothing: no EXPOSE, no probe
        raw["port"], origins["port"] = None, str(kind.evidence) if kind.evidence else detected
    for key, (value, origin) in language.derive(app, raw, origins).items():
        raw[key], origins[key] = value, origin
    for key, value in overrides.items():
        if value is None:
            continue
        stated_in = (override_origins or {}).get(key)
        if stated_in is None and language.field(key) is None:
            raise InputError(not_for_language(language, key))
        raw[key] = value
        origins[key] = stated_in or flag_origin(language, key)
    return Answers(validate(raw, origins), origins)


#: how an origin says that no file states the value: prompts and errors show it as a guess
GUESS = "a guess"


def fact_origin(fact: Fact, detected: str, asked: bool = True) -> str:
    """Where a detected value came from, saying so when it is only a guess.

    A weak fact was chosen among doubtful candidates, and an answer a person is asked
    about with no evidence is a convention (a framework's default port): a prompt offering
    either as "from the detected app" would pass a guess off as something the repository
    states. An unasked fact without evidence (no cgo import found) is a finding, not a guess.
    """
    where = str(fact.evidence) if fact.evidence else ""
    if fact.weak:
        return f"{GUESS} ({fact.weak}{', ' + where if where else ''})"
    if where or not asked:
        return where or detected
    return f"{GUESS} (nothing in the repository states it; {detected})"


def not_for_language(language: Language, key: str) -> str:
    """The error for a flag whose answer this language does not have (it would be ignored)."""
    from generator.languages import having

    owners = having(key)
    flag = next((field.flag for owner in owners for field in [owner.field(key)] if field and field.flag), None)
    named = flag or f"--set {key}"
    owned = f"is an answer for {' and '.join(owner.title for owner in owners)} apps" if owners else "is no answer"
    return f"{named} {owned}, and this app is {language.title}: it would do nothing; leave it out"


def answers_for(app: AppCandidate, overrides: Mapping[str, Any]) -> Dict[str, Any]:
    """The checked answers of `resolve_answers`, without their origins."""
    return resolve_answers(app, overrides).values


def flag_origin(language: Language, key: str) -> str:
    """How an error names an override of `key`: its flag, or `--set key`."""
    field = language.field(key)
    return field.flag if field is not None and field.flag else f"--set {key}"
