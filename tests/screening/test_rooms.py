"""The layout of ``screening/``: modules live in rooms, and the pure rooms stay free of the database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SCREENING = Path(__file__).resolve().parents[2] / "screening"
PURE = [
    *sorted((SCREENING / "scoring").rglob("*.py")),
    SCREENING / "allocation" / "solver.py",
    SCREENING / "trends" / "statistics.py",
]
ROOT_MODULES = {"__init__.py", "apps.py", "urls.py", "access.py"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(SCREENING)))
def test_it_keeps_pure_modules_away_from_the_database(path: Path) -> None:
    database = {m for m in imported_modules(path) if m == "django.db" or m.startswith("django.db.")}
    assert not database


def test_it_keeps_no_module_at_the_root_beyond_the_app_config_and_urls() -> None:
    stray = {p.name for p in SCREENING.glob("*.py")} - ROOT_MODULES
    assert not stray
