"""benchmark_warnings prints the median time of the supervisor's and the county's warning pages."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from lbc.demo.seed import seed_demo_county


@pytest.fixture
def demo_mode(settings: Any, db: None) -> Any:
    settings.DEMO_MODE = True
    return settings


def test_it_measures_the_pages_of_the_demo_county(demo_mode: Any) -> None:
    seed_demo_county(seed=2, children=300, today=dt.date(2026, 11, 20))
    out = StringIO()
    call_command("benchmark_warnings", "--repeat", "2", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("page")
    assert {line.split()[0] for line in lines[1:]} == {"demo_county_admin", "demo_township_supervisor"}
