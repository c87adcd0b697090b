"""The roster benchmark runs on a throwaway database and reports every phase."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from lbc.models import Child, RosterImport, School
from tests.conftest import World


def test_the_roster_benchmark_imports_every_row_and_prints_each_phase(world: World) -> None:
    children = Child.objects.count()
    out = io.StringIO()
    call_command("benchmark_roster", rows=80, stdout=out)
    text = out.getvalue()
    assert "Synthetic data: a roster of 80 children imported into a throwaway SQLite database." in text
    for phase in ("read", "validate", "commit", "total"):
        assert f"{phase:>9} " in text
    assert "created 80 children; 0 row problems" in text
    # The project's database is untouched and still usable.
    assert Child.objects.count() == children and not RosterImport.objects.exists()
    assert not School.objects.filter(name__contains="合成").exists()
    world.c1.refresh_from_db()


def test_the_roster_benchmark_refuses_a_size_beyond_the_import_limit(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("benchmark_roster", rows=60001, stdout=io.StringIO())
