"""Role x scope x URL matrix. Every named URL must have a row; adding a URL without rows fails here.

Personas cover own scope ("supervisor"), sibling scope ("other_supervisor") and parent scope
("county_admin") for each role; see tests/conftest.py.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import permission_rows
from tests.permission_rows.base import Row

from .conftest import PERSONAS, World

# URLs outside the matrix, with the reason.
EXEMPT = {
    "healthz": "public liveness probe, no data",
    "set_language": "language switch, no data",
    "javascript-catalog": "translations, no data",
}
EXEMPT_NAMESPACES = {"admin"}  # Django admin (system administrators only): tests/lbc/test_admin.py


def all_rows() -> list[Row]:
    rows: list[Row] = []
    for info in pkgutil.iter_modules(permission_rows.__path__):
        if info.name != "base":
            rows.extend(importlib.import_module(f"tests.permission_rows.{info.name}").ROWS)
    return rows


def named_urls(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            if ns in EXEMPT_NAMESPACES:
                continue
            names |= named_urls(entry, f"{prefix}{ns}:" if ns else prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_url_has_rows_for_every_persona() -> None:
    rows = all_rows()
    covered = {r.url_name for r in rows}
    missing = sorted(n for n in named_urls() if n not in covered and n not in EXEMPT)
    assert not missing, f"URLs without permission-matrix rows: {missing}"
    for row in rows:
        absent = [p for p in [*PERSONAS, "anonymous"] if p not in row.expected]
        assert not absent, f"{row.url_name} has no expected status for {absent}"


def cases() -> list[Any]:
    return [
        pytest.param(row, persona, id=f"{row.url_name}-{row.target or ''}-{persona}")
        for row in all_rows()
        for persona in [*PERSONAS, "anonymous"]
    ]


@pytest.mark.parametrize(("row", "persona"), cases())
def test_permission_matrix(client: Any, world: World, row: Row, persona: str) -> None:
    kwargs = dict(row.extra_kwargs)
    if row.target:
        kwargs[row.kwarg] = str(getattr(world, row.target).public_id)
    url = reverse(row.url_name, kwargs=kwargs)
    if persona != "anonymous":
        client.force_login(world.user(persona))
    response = client.get(url)
    assert response.status_code == row.expected[persona], (
        f"{persona} GET {url}: {response.status_code}, expected {row.expected[persona]}"
    )


def test_out_of_scope_and_missing_ids_look_the_same(client: Any, world: World) -> None:
    """Guessing ids tells nothing: an existing child out of scope answers exactly like a missing one."""
    import uuid

    client.force_login(world.user("other_supervisor"))
    rows = [r for r in all_rows() if r.target == "c1"]
    for row in rows:
        existing = client.get(
            reverse(row.url_name, kwargs={**row.extra_kwargs, row.kwarg: str(world.c1.public_id)})
        )
        missing = client.get(reverse(row.url_name, kwargs={**row.extra_kwargs, row.kwarg: str(uuid.uuid4())}))
        assert existing.status_code == missing.status_code == 404
        assert existing.content == missing.content
