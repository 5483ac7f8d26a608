"""Where a Flask, FastAPI, Starlette, aiohttp or Quart application object is, for the server to import ("module:attribute").

Real projects rarely write `app = Flask(__name__)` at the top of app.py: the object is
made by a factory (`def create_app(): app = Flask(...); return app`) that another module
calls at top level (`app = create_app()`), possibly from a package (`app/main.py`), or
the factory alone is the entry (`flaskr/__init__.py`, served as `flaskr:create_app()`).
These functions read module texts given by the caller (detect.py does the file access),
and return targets with the line they were read from.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

from generator.languages.python.frameworks import FRAMEWORKS

#: how each framework's application class is called (its entry in frameworks.py)
APP_CLASSES = {name: framework.app_class for name, framework in FRAMEWORKS.items() if framework.app_class}
#: an assignment at the top level of a module: name, optional annotation, value
ASSIGNMENT = r"^([A-Za-z_]\w*)\s*(?::[^=\n]+)?=\s*"
TOP_LEVEL_DEF = re.compile(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(([^)]*)\)?", re.MULTILINE)
TOP_LEVEL_LINE = re.compile(r"^[^\s#]", re.MULTILINE)
RETURN = re.compile(r"^\s+return\b", re.MULTILINE)


class Target(NamedTuple):
    """An application object: its framework, "module:attribute" ("module:factory()" for a factory
    with no required argument), and where it was found (module file, 1-based line)."""

    framework: str
    target: str
    file: str
    line: int
    #: a factory's parameters as written ("" for an object, or a factory taking none)
    parameters: str = ""


class _Factory(NamedTuple):
    name: str
    framework: str
    file: str
    module: str
    line: int
    parameters: str


def find(modules: Iterable[Tuple[str, str, str]], frameworks: List[str]) -> Optional[Target]:
    """The first application object in `modules` ((file, dotted module, text), best first).

    An object made at top level wins (`app = Flask(...)`, then `app = create_app()`), module by
    module; else the first factory that can be called without arguments.
    """
    texts = list(modules)
    classes = _classes(texts, frameworks)
    factories = [factory for file, module, text in texts for factory in _factories(file, module, text, classes)]
    by_name: Dict[str, _Factory] = {}
    for factory in factories:
        by_name.setdefault(factory.name, factory)
    called = "|".join(re.escape(name) for name in by_name)
    for file, module, text in texts:
        for framework in frameworks:
            match = re.search(ASSIGNMENT + classes[framework], text, re.MULTILINE)
            if match:
                return Target(framework, f"{module}:{match.group(1)}", file, _line(text, match.start()))
        match = re.search(ASSIGNMENT + rf"(?:[A-Za-z_][\w.]*\.)?({called})\(", text, re.MULTILINE) if called else None
        if match:
            framework = by_name[match.group(2)].framework
            return Target(framework, f"{module}:{match.group(1)}", file, _line(text, match.start()))
    for factory in factories:
        if _callable_without_arguments(factory.parameters):
            return Target(factory.framework, f"{factory.module}:{factory.name}()", factory.file, factory.line,
                          factory.parameters.strip())
    return None


def _classes(texts: List[Tuple[str, str, str]], frameworks: List[str]) -> Dict[str, str]:
    """Each framework's pattern of an application made: its class, or a subclass the modules declare
    (`class App(Flask):`, then `App(__name__)`)."""
    patterns: Dict[str, str] = {}
    for framework in frameworks:
        base = APP_CLASSES[framework][: -len(r"\(")]
        declared = re.compile(rf"^class\s+([A-Za-z_]\w*)\s*\(\s*{base}\s*[,)]", re.MULTILINE)
        subclasses = sorted({name for _, _, text in texts for name in declared.findall(text)})
        alternatives = [base, *(rf"(?:[A-Za-z_][\w.]*\.)?{re.escape(name)}" for name in subclasses)]
        patterns[framework] = "(?:" + "|".join(alternatives) + r")\("
    return patterns


def _factories(file: str, module: str, text: str, classes: Dict[str, str]) -> Iterable[_Factory]:
    """Top-level functions whose body creates an application (of a framework's class or a subclass)."""
    for match in TOP_LEVEL_DEF.finditer(text):
        following = TOP_LEVEL_LINE.search(text, match.end())
        body = text[match.end() : following.start() if following else len(text)]
        framework = next((name for name, made in classes.items() if re.search(r"(?<![\w.])" + made, body)), None)
        if framework and RETURN.search(body):
            yield _Factory(match.group(1), framework, file, module, _line(text, match.start()), match.group(2) or "")


def _callable_without_arguments(parameters: str) -> bool:
    """Every parameter has a default (or is *args/**kwargs): gunicorn can call `factory()`."""
    for parameter in parameters.split(","):
        parameter = parameter.strip()
        if parameter and not parameter.startswith("*") and "=" not in parameter:
            return False
    return True


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
