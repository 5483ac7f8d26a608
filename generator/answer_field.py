"""One answer's declaration: how it is checked, set, asked and documented.

Apart from the language interface (generator/languages/base.py, which re-exports it) so that
answers declared outside a language, such as a frontend's (generator/frontend/answers.py), and
the interface that lists them import it without importing each other.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional, Tuple

from generator.parsers import Parser

#: the value types copier knows (templates/copier.yml `type:`)
COPIER_TYPES = ("str", "int", "bool", "json")
#: where an answer came from when nothing else said so
DEFAULT_ORIGIN = "the defaults"


class AnswerField(NamedTuple):
    """One answer a template sees: how it is checked, set, asked and documented."""

    key: str
    #: raw value -> safe value, or ValueError(reason)
    parse: Parser
    #: one line, for `--help`, copier.yml and the docs
    help: str
    #: its copier type: str, int, bool or json
    type: str = "str"
    #: used when neither detection nor the person gave a value (None: no default)
    default: Any = None
    #: the `scaffold new` flag that sets it (None: no flag)
    flag: Optional[str] = None
    #: the flag's metavar (None: argparse's)
    metavar: Optional[str] = None
    #: whether `scaffold upgrade --set key=value` may change it
    settable: bool = False
    #: the question asked for it (None: not asked)
    prompt: Optional[str] = None
    #: whether the detection fact of the same key becomes this answer
    detected: bool = False
    #: the message when no value was found and there is no default: what was looked for
    #: and the flag that fixes it ("" : just "is missing")
    missing: str = ""
    #: the value a flag that takes no argument sets (`--kubernetes`: True); None: the flag takes a value
    flag_value: Any = None
    #: whether the flag may be given again, each adding to the list (`--service a --service b`)
    repeatable: bool = False
    #: a switch that turns the answer off, exclusive of its flag (`--no-frontend` for `--frontend none`,
    #: `--no-services` for the empty list): (flag, value)
    off_flag: Optional[Tuple[str, Any]] = None
