"""Layers point down and modules form no cycles.

The import-linter contracts in pyproject.toml (the core imports no satellite, screening imports no
training, pure modules import no django.db) are checked by ``lint-imports`` here and in ``./dev test``.
The module graph below is read from the source: no two modules import each other (directly or round a
longer loop) at module level, and no import placed inside a function closes such a loop (an import
hidden in a function to dodge a cycle is a design smell: move the code instead).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("lbc", "screening", "training")


def test_the_import_contracts_in_pyproject_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def module_files() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = module_files()


def resolve(name: str) -> str | None:
    """The project module an import of ``name`` loads (a name inside a module resolves to the module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(node: ast.AST, importer: str) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
    elif isinstance(node, ast.ImportFrom):
        package = importer if MODULES[importer].name == "__init__.py" else importer.rpartition(".")[0]
        for _level in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.level and node.module else (node.module or package)
        for alias in node.names:
            yield f"{base}.{alias.name}"


def is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def top_level_imports(tree: ast.Module, importer: str) -> set[str]:
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and is_type_checking(node):
            continue
        nodes = ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]
        for inner in nodes:
            for name in imports_of(inner, importer):
                if (target := resolve(name)) and target != importer:
                    found.add(target)
    return found


def nested_imports(tree: ast.Module, importer: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                for name in imports_of(inner, importer):
                    if (target := resolve(name)) and target != importer:
                        found.add(target)
    return found


@cache
def parsed(module: str) -> ast.Module:
    return ast.parse(MODULES[module].read_text(encoding="utf-8"))


@cache
def graph() -> dict[str, set[str]]:
    edges = {m: top_level_imports(parsed(m), m) for m in MODULES}
    # Importing a module runs its packages' __init__ first.
    for module in MODULES:
        parent = module.rpartition(".")[0]
        if parent in MODULES and parent != module:
            edges[module].add(parent)
    return edges


def reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph()[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), ignoring a package's own
    ``__init__`` importing its submodules (the submodule then reaches the package only as a parent)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def edges(module: str) -> set[str]:
        return {
            t
            for t in graph()[module]
            if not (t.startswith(module + ".") and MODULES[module].name == "__init__.py")
        }

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in edges(module):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for module in sorted(MODULES):
        if module not in index:
            visit(module)
    return found


def test_no_modules_import_each_other() -> None:
    assert cycles() == []


def test_no_import_inside_a_function_closes_a_cycle() -> None:
    dodges = [
        f"{module} -> {target}"
        for module in sorted(MODULES)
        for target in sorted(nested_imports(parsed(module), module))
        if module in reachable(target)
    ]
    assert dodges == []


def test_the_cycle_check_notices_a_cycle() -> None:
    assert "lbc.crypto" in graph()["lbc.audit"]
    graph()["lbc.crypto"].add("lbc.audit")
    try:
        assert any({"lbc.audit", "lbc.crypto"} <= set(component) for component in cycles())
    finally:
        graph()["lbc.crypto"].discard("lbc.audit")


PURE = (
    "screening.scoring",
    "screening.allocation.solver",
    "screening.trends.statistics",
    "training.scheduling",
    "training.windows",
)


def imports_database(module: str) -> bool:
    names = {name for node in ast.walk(parsed(module)) for name in imports_of(node, module)}
    return any(name == "django.db" or name.startswith("django.db.") for name in names)


def test_pure_rules_reach_no_database_layer_even_indirectly() -> None:
    pure = {m for m in MODULES if any(m == p or m.startswith(p + ".") for p in PURE)}
    assert len(pure) > 10
    offenders = {m: sorted(t for t in reachable(m) | {m} if imports_database(t)) for m in sorted(pure)}
    assert {m: found for m, found in offenders.items() if found} == {}
