"""The shape of generator/: no import cycle, no private name used across modules, one error handler.

Read from the source with ast (nothing is imported), so they hold for every module,
including imports made inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set, Tuple

GENERATOR = Path(__file__).resolve().parent.parent / "generator"
#: the modules a command runs from: they raise ScaffoldError and return a code, `generator.cli.main` reports
COMMAND_MODULES = ("cli.py", "workflow.py", "upgrade.py", "adopt/command.py", "check/command.py", "verify/__init__.py")


def _modules() -> Dict[str, Path]:
    modules = {}
    for path in sorted(GENERATOR.rglob("*.py")):
        parts = list(path.relative_to(GENERATOR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _imports(name: str, tree: ast.AST) -> List[Tuple[str, List[str]]]:
    """(module imported, names taken from it) for every generator import of a module, however nested.

    Imports under `if TYPE_CHECKING:` are left out: they exist for the type checker only, never run,
    and so make no cycle."""
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: List[Tuple[str, List[str]]] = []
    typing_only = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING"
                   for inner in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names if alias.name.split(".")[0] == "generator"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] != "generator":
                continue
            plain = []
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:  # `from generator import fs`: the module itself
                    found.append((f"{base}.{alias.name}", []))
                else:
                    plain.append(alias.name)
            if plain:
                found.append((base, plain))
    return found


def _graph() -> Dict[str, Set[str]]:
    """Which generator module imports which. A module importing its own package (the package's declarations,
    which Python has imported before the module anyway) is not an edge: a package may import its own
    modules lazily."""
    graph: Dict[str, Set[str]] = {}
    for name, path in MODULES.items():
        graph[name] = {target for target, _ in _imports(name, ast.parse(path.read_text(encoding="utf-8")))
                       if target in MODULES and target != name and not name.startswith(target + ".")}
    return graph


def _cycle(graph: Dict[str, Set[str]]) -> List[str]:
    """One import cycle, as the modules along it; [] when there is none."""
    state: Dict[str, int] = {}
    stack: List[str] = []

    def visit(node: str) -> List[str]:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_generator_has_no_import_cycle():
    assert _cycle(_graph()) == []


def test_the_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def _private_uses(name: str, tree: ast.AST) -> List[str]:
    """Private names (`_x`) this module takes from another generator module: imported, or read as `module._x`."""
    uses = [f"{module}.{taken}" for module, names in _imports(name, tree) for taken in names
            if taken.startswith("_") and not taken.startswith("__") and module != name]
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator"):
            for alias in node.names:
                if f"{node.module}.{alias.name}" in MODULES:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__") and aliases[node.value.id] != name):
            uses.append(f"{aliases[node.value.id]}.{node.attr} (line {node.lineno})")
    return uses


def test_no_module_uses_another_modules_private_names():
    found = {name: _private_uses(name, ast.parse(path.read_text(encoding="utf-8"))) for name, path in MODULES.items()}
    assert {name: uses for name, uses in found.items() if uses} == {}


def test_the_private_name_finder_sees_both_forms():
    tree = ast.parse("from generator import catalogs\nfrom generator.fs import _Transaction\ncatalogs._resolved(1)\n")
    assert _private_uses("generator.cli", tree) == ["generator.fs._Transaction", "generator.catalogs._resolved (line 3)"]


def _own_reporting(tree: ast.AST) -> List[str]:
    """What a command module does that is the CLI's job: print, write to stdout/stderr, exit, or return a
    literal exit code instead of raising a ScaffoldError or naming the code."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = ast.unparse(func)
            if name == "print" or name in ("sys.exit", "exit", "os._exit") or (
                    name.startswith(("sys.stderr.", "sys.stdout.")) and name.endswith((".write", ".flush"))):
                found.append(f"{name}() (line {node.lineno})")
        elif isinstance(node, ast.Raise) and node.exc is not None and "SystemExit" in ast.unparse(node.exc):
            found.append(f"raise SystemExit (line {node.lineno})")
        elif (isinstance(node, ast.Return) and isinstance(node.value, ast.Constant)
              and type(node.value.value) is int and node.value.value != 0):
            found.append(f"return {node.value.value} (line {node.lineno})")
    return found


def test_no_command_reports_errors_or_exits_itself():
    found = {name: _own_reporting(ast.parse((GENERATOR / name).read_text(encoding="utf-8"))) for name in COMMAND_MODULES}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_reporting_finder_sees_each_form():
    tree = ast.parse("import sys\ndef run():\n    print('x', file=sys.stderr)\n    sys.stderr.write('x')\n"
                     "    sys.exit(2)\n    raise SystemExit(2)\n    return 2\n")
    assert sorted(_own_reporting(tree)) == ["print() (line 3)", "raise SystemExit (line 6)", "return 2 (line 7)",
                                            "sys.exit() (line 5)", "sys.stderr.write() (line 4)"]
