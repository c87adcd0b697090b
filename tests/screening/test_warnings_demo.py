"""The demo county holds open warnings in every state, some overdue, each with its history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lbc.demo.constants import COUNTY_CODE
from lbc.demo.seed import seed_demo_county
from lbc.models import Region
from screening.demo.warnings import demo_warnings
from screening.models import WarningEvent, WarningState


@pytest.fixture
def demo_mode(settings: Any, db: None) -> Any:
    settings.DEMO_MODE = True
    return settings


def test_the_demo_has_warnings_in_every_state_with_history(demo_mode: Any) -> None:
    result = seed_demo_county(seed=5, children=1500, today=dt.date(2026, 11, 20))
    county = Region.objects.get(code=COUNTY_CODE)
    warnings = demo_warnings(county)
    assert {w.state for w in warnings} == set(WarningState.values)
    assert result.steps["screening"]["warnings_overdue"] > 0
    for w in warnings.exclude(state=WarningState.RAISED)[:50]:
        events = list(w.events.all())
        assert events[0].action == WarningEvent.Action.RAISED and events[-1].to_state == w.state
