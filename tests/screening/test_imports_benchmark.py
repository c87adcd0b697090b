"""The import benchmark runs on a throwaway database and reports every phase."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from lbc.models import Child, School
from screening.models import Assessment
from tests.conftest import World


def test_the_benchmark_imports_every_row_and_prints_each_phase(world: World) -> None:
    children, assessments = Child.objects.count(), Assessment.objects.count()
    out = io.StringIO()
    call_command("benchmark_import", rows=60, stdout=out)
    text = out.getvalue()
    assert "Synthetic data: 60 rows imported into a throwaway SQLite database." in text
    for phase in ("parse", "validate", "score", "commit", "total"):
        assert f"{phase:>9} " in text
    assert "created 60 assessments" in text
    # The project's database is untouched and still usable.
    assert (Child.objects.count(), Assessment.objects.count()) == (children, assessments)
    assert not School.objects.filter(name__contains="合成").exists()
    world.c1.refresh_from_db()


def test_the_benchmark_refuses_a_size_beyond_the_import_limit(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("benchmark_import", rows=5001, stdout=io.StringIO())
