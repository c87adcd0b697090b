"""Rescreen scheduling: from the tier, never sooner than the recall window, plus life events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lbc.services.errors import DomainError
from screening.models import LifeEvent, RescreenDue
from screening.scoring.tiers import Thresholds, Tier
from screening.warnings.rescreens import plan_after_event, plan_rescreens, recall_days, record_life_event

DAY = dt.date(2026, 11, 2)


def days(plan: Any) -> list[tuple[str, int, int]]:
    return [(p.kind, (p.earliest_on - DAY).days, (p.due_on - DAY).days) for p in plan]


def test_red_plans_a_contact_within_72_hours_and_rescreens_at_2_and_4_weeks() -> None:
    assert days(plan_rescreens(Tier.RED, DAY, recall=14)) == [
        ("contact", 1, 3),
        ("rescreen", 14, 14),
        ("rescreen", 28, 28),
    ]


def test_orange_yellow_and_green_follow_the_schedule() -> None:
    assert days(plan_rescreens(Tier.ORANGE, DAY, recall=14)) == [("rescreen", 28, 28)]
    assert days(plan_rescreens(Tier.YELLOW, DAY, recall=14)) == [("rescreen", 42, 56)]
    assert days(plan_rescreens(Tier.GREEN, DAY, context_score=2)) == [("rescreen", 365, 365)]
    assert days(plan_rescreens(Tier.GREEN, DAY, context_score=6, thresholds=Thresholds())) == [
        ("rescreen", 140, 140)
    ]


def test_no_rescreen_comes_sooner_than_the_recall_window() -> None:
    assert recall_days([("SCARED-41", "1"), ("PHQ-9", "1")]) == 90
    # Day 90 is a Sunday: allowed from then, due the Monday after (the Friday before is too early).
    assert days(plan_rescreens(Tier.RED, DAY, recall=90))[1:] == [("rescreen", 90, 91), ("rescreen", 90, 91)]


def test_a_life_event_plans_a_rescreen_after_the_last_screenings_recall_window() -> None:
    plan = plan_after_event(
        LifeEvent.Kind.BULLYING_REPORT, DAY, last_screened_on=DAY - dt.timedelta(days=3), recall=14
    )
    assert ((plan.earliest_on - DAY).days, (plan.due_on - DAY).days) == (11, 14)


def test_the_red_warning_of_the_world_has_its_plan(world: Any) -> None:
    kinds = sorted(world.w1.rescreens.values_list("kind", flat=True))
    assert kinds == ["contact", "rescreen", "rescreen"]


def test_recording_a_life_event_stores_the_rescreen_and_a_later_screening_completes_it(world: Any) -> None:
    event = record_life_event(
        world.c1,
        kind=LifeEvent.Kind.BEREAVEMENT,
        occurred_on=dt.date(2026, 10, 20),
        by=world.user("counsellor"),
        note="祖父去世",
    )
    due = RescreenDue.objects.get(life_event=event)
    assert due.status == RescreenDue.Status.PENDING and due.earliest_on == dt.date(2026, 11, 17)
    with pytest.raises(DomainError):
        record_life_event(world.c1, kind="unknown", occurred_on=DAY, by=None)


def test_due_rescreens_appear_on_the_counsellors_list(login: Any, world: Any) -> None:
    RescreenDue.objects.filter(warning=world.w1).update(due_on=dt.date(2026, 1, 1))
    rows = login("counsellor").get("/screening/warnings/").context["rescreens"]
    assert rows and all(r["overdue"] for r in rows)
