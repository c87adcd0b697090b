"""The demo county's synthetic training (all of it synthetic and marked so)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from lbc.demo.seed import seed_demo_county
from lbc.models import AuditEvent
from training.models import Attendance, Audience, Enrolment, Program, QuestionnaireResponse, Session


@pytest.fixture
def seeded(settings: Any, db: None) -> Any:
    settings.DEMO_MODE = True
    return seed_demo_county(seed=3, children=400)


def test_programs_cover_every_audience_and_level_and_say_they_are_demo_data(seeded: Any) -> None:
    programs = list(Program.objects.all())
    assert {p.audience for p in programs} == set(Audience.values)
    assert {p.level for p in programs} == set(Program.Level.values)
    assert all("演示" in p.name for p in programs)
    assert all(
        p.provider is not None and p.contract_number for p in programs if p.level == Program.Level.PURCHASED
    )


def test_a_month_of_sessions_around_today_with_a_waiting_list_and_past_attendance(seeded: Any) -> None:
    now = timezone.now()
    sessions = Session.objects.all()
    near = sessions.filter(
        starts_at__gte=now - dt.timedelta(days=16), starts_at__lte=now + dt.timedelta(days=16)
    )
    assert near.filter(starts_at__lt=now).exists() and near.filter(starts_at__gt=now).exists()
    assert near.count() >= 8
    assert sessions.filter(series__isnull=False).count() == 6
    full = [
        s for s in sessions if s.seats_taken == s.capacity and s.enrolments.filter(status="waiting").exists()
    ]
    assert full
    past = sessions.filter(ends_at__lt=now)
    assert past.exists()
    for session in past:
        marks = Attendance.objects.filter(session=session, kind=Attendance.Kind.PARTICIPANT)
        assert marks.count() == session.enrolments.filter(status=Enrolment.Status.ENROLLED).count() > 0
        assert Attendance.objects.filter(session=session, kind=Attendance.Kind.SERVICE).count() == 1
    assert (
        QuestionnaireResponse.objects.filter(phase="pre").count()
        == QuestionnaireResponse.objects.filter(phase="post").count()
        > 0
    )


def test_the_seed_is_counted_in_one_audit_event(seeded: Any) -> None:
    event = AuditEvent.objects.get(action="training.demo.seeded")
    assert event.detail == seeded.steps["training"]
    assert event.detail["waiting"] >= 3 and event.detail["sessions"] == Session.objects.count()
