"""The warning state machine: raised automatically, one open warning per child, history for every move."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from lbc.models import AuditEvent
from lbc.services.errors import DomainError
from screening.assessments.recording import InstrumentAnswers, record_assessment
from screening.models import Assessment, Warning, WarningEvent, WarningOutcome, WarningState
from screening.scoring.tiers import Tier
from screening.warnings import actions, raising, state

S = WarningState
PHQ_GREEN = {i: 0 for i in range(1, 10)}
PHQ_YELLOW = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 0, 7: 0, 8: 0, 9: 0}  # 10
PHQ_ORANGE = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 1, 9: 0}  # 15
PHQ_RED_AGAIN = {1: 0, 2: 1, 3: 0, 4: 1, 5: 0, 6: 0, 7: 0, 8: 0, 9: 2}


def screen(
    world: Any, answers: dict[int, int], *, child: Any = None, on: dt.date | None = None
) -> Assessment:
    return record_assessment(
        child or world.c1,
        [InstrumentAnswers("PHQ-9", "1", answers)],
        by=world.user("counsellor"),
        mode="paper",
        administered_on=on or dt.date(2026, 11, 2),
        campaign=world.camp1,
    )


def test_it_raises_a_warning_for_the_red_assessment_of_the_world(world: Any) -> None:
    w = world.w1
    assert (w.tier, w.state, w.child, w.school, w.township) == (
        Tier.RED,
        S.RAISED,
        world.c1,
        world.s1,
        world.t1,
    )
    assert [e.action for e in w.events.all()] == [WarningEvent.Action.RAISED]


def test_a_result_of_the_same_tier_is_linked_to_the_open_warning(world: Any) -> None:
    actions.acknowledge_warning(world.w1, by=world.user("counsellor"))
    screen(world, PHQ_RED_AGAIN)
    assert Warning.objects.filter(child=world.c1).count() == 1
    w = Warning.objects.get(child=world.c1)
    assert w.tier == Tier.RED and w.state == S.ACKNOWLEDGED
    assert w.events.last().action == WarningEvent.Action.ASSESSMENT_LINKED


def test_a_worse_result_raises_the_tier_and_asks_for_a_new_acknowledgement(world: Any) -> None:
    child = world.c1b
    _consent(child)
    first = screen(world, PHQ_YELLOW, child=child)
    w = Warning.objects.get(assessment=first)
    actions.acknowledge_warning(w, by=world.user("counsellor"))
    screen(world, PHQ_ORANGE, child=child, on=dt.date(2026, 11, 20))
    w.refresh_from_db()
    assert (w.tier, w.state, w.acknowledged_at) == (Tier.ORANGE, S.RAISED, None)
    raised = w.events.get(action=WarningEvent.Action.TIER_RAISED)
    assert (raised.from_tier, raised.to_tier, raised.from_state, raised.by) == (
        Tier.YELLOW,
        Tier.ORANGE,
        S.ACKNOWLEDGED,
        None,
    )


def test_a_better_result_never_lowers_the_tier(world: Any) -> None:
    screen(world, PHQ_GREEN, on=dt.date(2026, 11, 20))
    world.w1.refresh_from_db()
    assert world.w1.tier == Tier.RED and world.w1.state == S.RAISED


def test_a_grey_warning_closes_itself_when_the_child_answers_validly_below_every_threshold(
    world: Any,
) -> None:
    child = world.c1b
    _consent(child)
    grey = Assessment.objects.get(pk=screen(world, PHQ_GREEN, child=child).pk)
    Assessment.objects.filter(pk=grey.pk).update(tier=Tier.GREY)
    grey.tier = Tier.GREY
    grey.child = child
    Warning.objects.filter(child=child).delete()
    w = raising.raise_warning(grey, by=None)
    assert w is not None and w.tier == Tier.GREY
    screen(world, PHQ_GREEN, child=child, on=dt.date(2026, 11, 20))
    w.refresh_from_db()
    assert (w.state, w.outcome) == (S.CLOSED, WarningOutcome.RESCREENED)


def test_no_warning_for_a_green_child(world: Any) -> None:
    _consent(world.c1b)
    screen(world, PHQ_GREEN, child=world.c1b)
    assert not Warning.objects.filter(child=world.c1b).exists()


def test_the_database_refuses_a_second_open_warning(world: Any) -> None:
    w = world.w1
    with pytest.raises(IntegrityError), transaction.atomic():
        Warning.objects.create(
            child=w.child,
            assessment=w.assessment,
            tier=Tier.YELLOW,
            township=w.township,
            county=w.county,
            due_at=timezone.now(),
        )


def test_every_transition_writes_who_when_from_and_to(world: Any) -> None:
    counsellor = world.user("counsellor")
    now = timezone.now()
    w = actions.acknowledge_warning(world.w1, by=counsellor, note="已与孩子谈话", now=now)
    w = actions.start_intervention(w, by=counsellor, now=now)
    w = actions.request_follow_up(w, by=counsellor, now=now)
    w = actions.start_intervention(w, by=counsellor, now=now)
    sign_off_closure(w, counsellor)  # the interventions gate (screening/interventions.py)
    w = actions.close_warning(w, outcome=WarningOutcome.RESOLVED, by=counsellor, now=now)
    events = list(w.events.all())
    assert [(e.from_state, e.to_state) for e in events] == [
        ("", S.RAISED),
        (S.RAISED, S.ACKNOWLEDGED),
        (S.ACKNOWLEDGED, S.IN_INTERVENTION),
        (S.IN_INTERVENTION, S.FOLLOW_UP),
        (S.FOLLOW_UP, S.IN_INTERVENTION),
        (S.IN_INTERVENTION, S.CLOSED),
    ]
    assert all(e.by == counsellor and e.at == now for e in events[1:])
    assert events[1].note == "已与孩子谈话"
    assert w.outcome == WarningOutcome.RESOLVED and w.closed_by == counsellor
    audited = list(
        AuditEvent.objects.filter(action__startswith="screening.warning.").values_list("action", flat=True)
    )
    assert "screening.warning.close" in audited
    assert all("RED" not in str(e.detail) for e in AuditEvent.objects.all())


def test_it_refuses_a_transition_the_map_does_not_allow_and_writes_nothing(world: Any) -> None:
    before = WarningEvent.objects.count()
    with pytest.raises(state.WarningStateError):
        actions.start_intervention(world.w1, by=world.user("counsellor"))
    assert WarningEvent.objects.count() == before
    world.w1.refresh_from_db()
    assert world.w1.state == S.RAISED


def test_a_red_warning_closes_only_after_the_response_started(world: Any) -> None:
    w = actions.acknowledge_warning(world.w1, by=world.user("counsellor"))
    assert state.can_close(w) is not None
    with pytest.raises(state.WarningStateError):
        actions.close_warning(w, outcome=WarningOutcome.NO_CONCERN, by=world.user("counsellor"))


def test_a_stale_copy_cannot_move_the_warning_twice(world: Any) -> None:
    stale = Warning.objects.get(pk=world.w1.pk)
    actions.acknowledge_warning(world.w1, by=world.user("counsellor"))
    with pytest.raises(state.WarningStateError):
        actions.acknowledge_warning(stale, by=world.user("supervisor"))


def test_it_assigns_only_to_a_counsellor_of_the_childs_school(world: Any) -> None:
    w = actions.assign_warning(world.w1, to=world.user("counsellor"), by=world.user("supervisor"))
    assert (w.state, w.assigned_to, w.acknowledged_by) == (
        S.ASSIGNED,
        world.user("counsellor"),
        world.user("supervisor"),
    )
    with pytest.raises(state.WarningStateError):
        actions.assign_warning(w, to=world.user("other_counsellor"), by=world.user("supervisor"))


def test_transfer_to_the_township_hands_it_to_the_supervisor_level(world: Any) -> None:
    w = actions.transfer_warning(
        world.w1, township=world.t1, by=world.user("counsellor"), note="学校无心理教师值班"
    )
    assert (w.state, w.school, w.escalation_level) == (S.TRANSFERRED, None, 1)
    with pytest.raises(DomainError):
        actions.transfer_warning(w, township=world.t2, by=world.user("counsellor"))


def test_allowed_actions_follow_state_and_role(world: Any) -> None:
    supervisor = state.allowed_actions(
        world.w1, {"acknowledge", "assign", "escalate", "transfer", "close"}
    )
    assert supervisor == ["acknowledge", "assign", "escalate", "transfer"]
    assert state.allowed_actions(world.w1, set()) == []


def _consent(child: Any) -> None:
    from lbc.models import Consent

    Consent.objects.create(
        child=child,
        purpose=Consent.Purpose.SCREENING,
        decision=Consent.Decision.GRANTED,
        given_by_name="测试祖父",
        given_by_relationship="祖父",
        is_legal_guardian=False,
        channel=Consent.Channel.PAPER,
        notice_version="2026-1",
        decided_on=dt.date(2026, 9, 1),
    )


def sign_off_closure(w: Any, counsellor: Any) -> None:
    from tests.screening.interventions_helpers import plan_and_sign_off

    plan_and_sign_off(w, counsellor)
