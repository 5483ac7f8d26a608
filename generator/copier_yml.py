"""The questions of templates/copier.yml, written from the answer fields (generator/languages/).

copier.yml declares every answer so that the template documents its inputs; the answers
themselves are declared once, as `AnswerField`s, and this module writes their questions
below the file's hand-written settings (everything above `MARKER` is kept as it is):

    python -m generator.copier_yml

tests/test_languages.py fails when the file is not what this writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, List

from generator.languages import answer_fields, having, names

MARKER = "# -- questions: written by `python -m generator.copier_yml` from generator/languages/; do not edit below --"
#: the built-in template's copier.yml
COPIER_YML = Path(__file__).resolve().parent.parent / "templates" / "copier.yml"


def _shared_default(key: str) -> Any:
    """The default every language that has `key` gives it, or None when they differ or give none."""
    defaults = {json.dumps(language.field(key).default) for language in having(key)}  # type: ignore[union-attr]
    return json.loads(defaults.pop()) if len(defaults) == 1 else None


def questions() -> List[str]:
    """One line per answer, in the registry's order; never asked by copier (`when: false`), since
    hardened-scaffold validates every answer before copier sees it."""
    lines = [f"language: {{type: str, choices: [{', '.join(names())}], when: false, help: \"the app's language\"}}"]
    group = ""
    for field in answer_fields():
        languages = having(field.key)
        if len(languages) < len(names()):
            owners = ", ".join(language.name for language in languages)
            if owners != group:
                lines.append(f"# {owners}")
                group = owners
        default = _shared_default(field.key)
        shared = "" if default is None else f", default: {json.dumps(default)}"
        lines.append(f"{field.key}: {{type: {field.type}{shared}, when: false, help: {json.dumps(field.help)}}}")
    return lines


def written(text: str) -> str:
    """copier.yml's `text` with the questions below `MARKER` written again (added at the end when missing)."""
    head = text.split(MARKER, 1)[0].rstrip("\n")
    return "\n".join([head, "", MARKER, *questions()]) + "\n"


def main() -> int:
    """Rewrite the built-in copier.yml; say whether it changed."""
    text = COPIER_YML.read_text(encoding="utf-8")
    new = written(text)
    if new != text:
        COPIER_YML.write_text(new, encoding="utf-8")
    print(f"{COPIER_YML}: {'written' if new != text else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
