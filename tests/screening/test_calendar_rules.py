"""Warning deadlines, escalation, rescreen dates and life events at the awkward instants of tests.clock:
a Saturday and a Sunday, 00:30 in Shanghai (still the previous day in UTC), 16:30 (the school-day end),
New Year's Eve 23:50, Spring Festival eve, a school holiday and a farming peak."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from lbc.services.errors import DomainError
from screening.models import EscalationLevel, LifeEvent, WarningState
from screening.scoring.tiers import Tier
from screening.warnings import deadlines, escalation
from screening.warnings.rescreens import plan_after_event, plan_rescreens, record_life_event, school_due
from tests.clock import AWKWARD, local

AT_AWKWARD_INSTANTS = [
    pytest.param(name, marks=pytest.mark.clock(at), id=name) for name, at in AWKWARD.items()
]
ALL_TIERS = [Tier.RED_ACUTE, Tier.RED, Tier.ORANGE, Tier.YELLOW, Tier.GREY]


def school_hours(moment: dt.datetime) -> bool:
    t = timezone.localtime(moment)
    return t.weekday() < 5 and dt.time(7, 30) <= t.time() < dt.time(16, 30)


# --- deadlines (pure) -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(AWKWARD))
@pytest.mark.parametrize("tier", ALL_TIERS)
def test_no_warning_is_born_overdue_and_only_red_may_fall_due_outside_a_school_day(
    name: str, tier: str
) -> None:
    raised = AWKWARD[name]
    due = deadlines.due_at(tier, raised)
    assert due >= raised
    if tier in (Tier.ORANGE, Tier.YELLOW, Tier.GREY):
        assert timezone.localtime(due).weekday() < 5
    if tier == Tier.RED:
        expected = (
            timezone.make_aware(dt.datetime.combine(timezone.localtime(raised).date(), dt.time(16, 30)))
            if school_hours(raised)
            else raised + dt.timedelta(hours=3)
        )
        assert due == expected


def test_a_red_entered_at_half_past_midnight_is_due_as_soon_as_one_entered_before_midnight() -> None:
    # 00:30 on Monday in Shanghai is 16:30 on Sunday in UTC; the child is at home either way.
    assert deadlines.due_at(Tier.RED, local(2026, 12, 7, 0, 30)) == local(2026, 12, 7, 3, 30)
    assert deadlines.due_at(Tier.RED, local(2026, 12, 6, 23, 50)) == local(2026, 12, 7, 2, 50)
    assert deadlines.due_at(Tier.RED, local(2026, 12, 7, 7, 30)) == local(2026, 12, 7, 16, 30)


def test_at_half_past_four_the_school_day_is_over() -> None:
    assert deadlines.due_at(Tier.RED, local(2026, 12, 9, 16, 29)) == local(2026, 12, 9, 16, 30)
    assert deadlines.due_at(Tier.RED, local(2026, 12, 9, 16, 30)) == local(2026, 12, 9, 19, 30)
    # ORANGE from Friday 16:30 counts from Monday: three school days later is Thursday.
    assert deadlines.due_at(Tier.ORANGE, local(2026, 12, 11, 16, 30)) == local(2026, 12, 17, 16, 30)
    assert deadlines.due_at(Tier.ORANGE, local(2026, 12, 11, 16, 29)) == local(2026, 12, 16, 16, 30)


def test_on_new_years_eve_the_orange_count_starts_on_new_years_day() -> None:
    # The platform holds no school calendar: 1 January counts as a school day (earlier, never later).
    assert deadlines.due_at(Tier.ORANGE, local(2026, 12, 31, 23, 50)) == local(2027, 1, 6, 16, 30)
    assert deadlines.due_at(Tier.RED, local(2026, 12, 31, 23, 50)) == local(2027, 1, 1, 2, 50)


def test_a_two_week_deadline_that_lands_on_a_weekend_moves_to_the_friday_before() -> None:
    saturday = local(2026, 12, 5, 10, 0)
    assert deadlines.due_at(Tier.YELLOW, saturday) == local(2026, 12, 18, 16, 30)
    assert deadlines.due_at(Tier.GREY, local(2026, 12, 6, 14, 0)) == local(2026, 12, 18, 16, 30)
    assert deadlines.due_at(Tier.YELLOW, local(2026, 12, 7, 9, 0)) == local(2026, 12, 21, 9, 0)


# --- rescreen dates (pure) --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(AWKWARD))
@pytest.mark.parametrize("tier", [*ALL_TIERS, Tier.GREEN])
def test_every_planned_contact_and_rescreen_is_due_on_a_school_day(name: str, tier: str) -> None:
    on = AWKWARD[name].date()
    for recall in (0, 7, 14, 90):
        for plan in plan_rescreens(tier, on, recall=recall, context_score=6):
            assert plan.due_on.weekday() < 5, plan
            assert plan.due_on >= plan.earliest_on >= on


def test_a_due_date_on_a_weekend_goes_back_to_friday_unless_that_is_too_early() -> None:
    saturday, friday, monday = dt.date(2026, 12, 12), dt.date(2026, 12, 11), dt.date(2026, 12, 14)
    assert school_due(saturday, earliest=dt.date(2026, 12, 1)) == friday
    assert school_due(saturday, earliest=saturday) == monday
    assert school_due(monday, earliest=monday) == monday


def test_a_life_event_on_a_saturday_is_due_on_a_school_day() -> None:
    plan = plan_after_event(
        LifeEvent.Kind.BULLYING_REPORT, dt.date(2026, 12, 5), last_screened_on=None, recall=0
    )
    assert (plan.earliest_on, plan.due_on) == (dt.date(2026, 12, 12), dt.date(2026, 12, 18))


@pytest.mark.clock(AWKWARD["monday_0030"])
def test_at_half_past_midnight_today_is_the_local_day_for_life_events(world: Any) -> None:
    # In UTC it is still Sunday; a life event of Monday is not "in the future".
    monday = dt.date(2026, 12, 7)
    assert record_life_event(
        world.c1, kind=LifeEvent.Kind.BEREAVEMENT, occurred_on=monday, by=world.user("counsellor")
    )
    with pytest.raises(DomainError):
        record_life_event(
            world.c1, kind=LifeEvent.Kind.BEREAVEMENT, occurred_on=monday + dt.timedelta(days=1),
            by=world.user("counsellor"),
        )  # fmt: skip


# --- raising, the list and the escalation job at each instant --------------------------------------------


@pytest.mark.parametrize("name", AT_AWKWARD_INSTANTS)
def test_a_red_warning_raised_at_the_instant_is_due_by_the_rule_and_not_shown_overdue(
    name: str, world: Any, login: Any
) -> None:
    now = timezone.now()
    w = world.w1  # raised while the world was built, at this instant
    assert w.due_at == deadlines.due_at(Tier.RED, w.raised_at)
    assert w.due_at > now - dt.timedelta(minutes=1)
    page = login("counsellor").get(f"/screening/warnings/{w.public_id}/").content.decode()
    assert "王小䶮" in page and "已超期" not in page
    for plan in w.rescreens.all():
        assert plan.due_on.weekday() < 5


@pytest.mark.parametrize("name", AT_AWKWARD_INSTANTS)
def test_the_escalation_job_moves_an_unanswered_red_up_once_its_window_has_passed(
    name: str, world: Any
) -> None:
    w = world.w1
    first = deadlines.next_escalation_at(
        state=w.state, tier=w.tier, level=w.escalation_level, level_since=w.raised_at, due=w.due_at,
        ws=deadlines.DEFAULT_SETTINGS,
    )  # fmt: skip
    assert first is not None and first > w.raised_at
    assert escalation.escalate_due(first - dt.timedelta(seconds=1)) == 0
    assert escalation.escalate_due(first + dt.timedelta(seconds=1)) == 1
    w.refresh_from_db()
    assert (w.state, w.escalation_level) == (WarningState.ESCALATED, EscalationLevel.TOWNSHIP)
