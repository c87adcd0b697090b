"""``demo --today``: the demo county is laid out as of a given day, with the same shape whatever the
weekday and hour it is seeded at (no "overdue" everywhere at 07:30 on a Saturday, no future session
with attendance)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lbc.audit import audit_maintenance
from lbc.demo.seed import demo_instant, seed_demo_county
from screening.models import Warning, WarningState
from screening.warnings.deadlines import is_overdue
from tests.clock import local
from training.models import Attendance, Session

OPEN = {s for s in WarningState.values if s != WarningState.CLOSED}


@pytest.fixture
def demo_mode(settings: Any, db: None) -> Any:
    settings.DEMO_MODE = True
    return settings


def shape(now: dt.datetime) -> dict[str, Any]:
    open_warnings = list(Warning.objects.filter(state__in=OPEN).values_list("state", "due_at"))
    overdue = sum(is_overdue(state=s, due=due, now=now) for s, due in open_warnings)
    sessions = Session.objects.all()
    return {
        "open": len(open_warnings),
        "overdue_share": overdue / max(len(open_warnings), 1),
        "future_with_attendance": Attendance.objects.filter(session__starts_at__gt=now).count(),
        "past_sessions": sessions.filter(ends_at__lt=now).count(),
        "future_sessions": sessions.filter(starts_at__gt=now).count(),
    }


def seeded_at(clock: Any, day: dt.date, hour: int, minute: int) -> dict[str, Any]:
    clock.move_to(local(day.year, day.month, day.day, hour, minute))
    with audit_maintenance():  # empty the database between the two seeds, as the test runner does
        call_command("flush", interactive=False, verbosity=0)
    seed_demo_county(seed=3, children=600, today=day)
    return shape(demo_instant(day))


@pytest.mark.django_db(transaction=True)
def test_a_county_seeded_at_0730_on_a_saturday_has_the_shape_of_one_seeded_on_a_tuesday(
    demo_mode: Any, clock: Any
) -> None:
    saturday = seeded_at(clock, dt.date(2026, 12, 5), 7, 30)
    tuesday = seeded_at(clock, dt.date(2026, 12, 8), 10, 0)
    for seeded in (saturday, tuesday):
        assert seeded["open"] > 20
        assert seeded["future_with_attendance"] == 0
        assert seeded["past_sessions"] > 0 and seeded["future_sessions"] > 0
        assert 0 < seeded["overdue_share"] < 0.3  # some overdue to show the ladder, not everything
    assert abs(saturday["overdue_share"] - tuesday["overdue_share"]) < 0.15


def test_the_demo_instant_is_ten_in_the_morning_of_the_day() -> None:
    assert demo_instant(dt.date(2026, 12, 5)) == local(2026, 12, 5, 10, 0)


def test_demo_refuses_a_malformed_day(demo_mode: Any) -> None:
    with pytest.raises(CommandError, match="2026-12-05"):
        call_command("demo", "--no-serve", "--today", "05.12.2026", stdout=StringIO(), stderr=StringIO())
