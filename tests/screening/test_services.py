"""Recording one child's screening: consent gate, tier, encrypted answers, latest tier, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from lbc.models import AuditEvent, Consent
from lbc.services.errors import DomainError
from screening.assessments.recording import ConsentMissing, InstrumentAnswers, record_assessment
from screening.assessments.thresholds import thresholds_for
from screening.models import Assessment, CountyThresholds, Response

from ..conftest import World

TODAY = dt.date(2026, 11, 2)
PHQ9_RED = {1: 0, 2: 1, 3: 0, 4: 1, 5: 0, 6: 0, 7: 0, 8: 0, 9: 1}  # total 3, item 9 = 1


def consent(world: World, child: object, **overrides: object) -> Consent:
    values = {
        "purpose": Consent.Purpose.SCREENING,
        "decision": Consent.Decision.GRANTED,
        "given_by_name": "测试祖母",
        "given_by_relationship": "祖母",
        "is_legal_guardian": False,
        "channel": Consent.Channel.PAPER,
        "notice_version": "2026-1",
        "decided_on": dt.date(2026, 9, 1),
    }
    values.update(overrides)
    return Consent.objects.create(child=child, **values)


def phq9(answers: dict[int, int | None]) -> list[InstrumentAnswers]:
    return [InstrumentAnswers("PHQ-9", "1", answers)]


def test_it_refuses_a_child_under_14_without_screening_consent(world: World) -> None:
    with pytest.raises(ConsentMissing):
        record_assessment(
            world.c1b, phq9(PHQ9_RED), by=world.user("counsellor"), mode="paper", administered_on=TODAY
        )
    assert not Assessment.objects.filter(child=world.c1b).exists()


def test_it_refuses_after_consent_was_withdrawn_or_refused(world: World) -> None:
    consent(world, world.c1, withdrawn_on=dt.date(2026, 10, 1))
    with pytest.raises(ConsentMissing):
        record_assessment(world.c1, phq9(PHQ9_RED), by=None, mode="paper", administered_on=TODAY)
    consent(world, world.c1b, decision=Consent.Decision.REFUSED)
    with pytest.raises(ConsentMissing):
        record_assessment(world.c1b, phq9(PHQ9_RED), by=None, mode="paper", administered_on=TODAY)


def test_it_respects_a_child_who_declines(world: World) -> None:
    consent(world, world.c1)
    with pytest.raises(ConsentMissing):
        record_assessment(
            world.c1, phq9(PHQ9_RED), by=None, mode="paper", administered_on=TODAY, child_assent=False
        )


def test_a_critical_answer_is_red_even_with_every_other_item_blank(world: World) -> None:
    consent(world, world.c1)
    full = record_assessment(
        world.c1, phq9(PHQ9_RED), by=world.user("counsellor"), mode="paper", administered_on=TODAY
    )
    assert full.tier == "RED" and full.critical
    assert full.consent_by_caregiver  # signed by an entrusted caregiver, flagged
    consent(world, world.c1b)
    blank = record_assessment(world.c1b, phq9({9: 1}), by=None, mode="paper", administered_on=TODAY)
    assert blank.tier == "RED"
    world.c1.refresh_from_db()
    assert world.c1.latest_tier == "RED" and world.c1.latest_tier_on == TODAY


def test_it_stores_answers_encrypted_and_scores_in_plain_columns(world: World) -> None:
    consent(world, world.c1)
    assessment = record_assessment(world.c1, phq9(PHQ9_RED), by=None, mode="paper", administered_on=TODAY)
    response = Response.objects.get(assessment=assessment)
    assert response.total == 3 and response.critical_items == [9]
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM screening_response WHERE id = %s", [response.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("v1:") and '"9"' not in raw
    event = AuditEvent.objects.filter(action="screening.assessment.recorded").last()
    assert event is not None
    assert event.child_id == str(world.c1.public_id) and "RED" not in str(event.detail)


def test_the_latest_tier_follows_the_newest_screening(world: World) -> None:
    consent(world, world.c1)
    record_assessment(world.c1, phq9(PHQ9_RED), by=None, mode="paper", administered_on=TODAY)
    calm = {i: 0 for i in range(1, 10)}
    record_assessment(
        world.c1, phq9(calm), by=None, mode="paper", administered_on=TODAY - dt.timedelta(days=30)
    )
    world.c1.refresh_from_db()
    assert world.c1.latest_tier == "RED"
    record_assessment(
        world.c1, phq9(calm), by=None, mode="paper", administered_on=TODAY + dt.timedelta(days=1)
    )
    world.c1.refresh_from_db()
    assert world.c1.latest_tier == "GREEN"


def test_it_uses_the_countys_thresholds(world: World) -> None:
    consent(world, world.c1)
    moderate = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 0, 7: 0, 8: 0, 9: 0}  # total 10
    assert (
        record_assessment(world.c1, phq9(moderate), by=None, mode="paper", administered_on=TODAY).tier
        == "YELLOW"
    )
    CountyThresholds.objects.create(county=world.county, values={"phq9_moderate": 12, "phq9_severe": 15})
    assert thresholds_for(world.county.pk).phq9_moderate == 12
    assert (
        record_assessment(world.c1, phq9(moderate), by=None, mode="paper", administered_on=TODAY).tier
        == "GREEN"
    )


def test_it_rejects_bad_answers_with_a_message_and_writes_nothing(world: World) -> None:
    before = (Assessment.objects.count(), Response.objects.count())
    with pytest.raises(DomainError):
        record_assessment(world.c1, phq9({1: 7}), by=None, mode="paper", administered_on=TODAY)
    assert (Assessment.objects.count(), Response.objects.count()) == before
