"""Reminders: short plain Chinese, queued once each, N days before and at 07:00 on the day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lbc.models import ChildGuardian, OutboxMessage
from lbc.notifications import FakeSmsGateway, deliver_due
from lbc.periodic import jobs
from tests.conftest import World
from training.enrolment import Person, enrol_person
from training.messages import reminder_text, time_phrase
from training.models import Audience, CountyTrainingConfig, Enrolment, Session
from training.reminders import queue_due

from .helpers import at, make_program, make_venue, next_weekday


@pytest.fixture
def class_day(world: World) -> tuple[Session, Enrolment]:
    """A grandparent class in the 一村 village hall; g1 (renamed 王秀英, paternal grandmother) enrolled."""
    world.g1.name = "王秀英"
    world.g1.save()
    program = make_program(world.county, name="祖辈学堂")
    venue = make_venue(world.v1, name="一村村委会")
    start = at(next_weekday(1, weeks=2), 9)
    session = Session.objects.create(
        program=program,
        venue=venue,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=90),
        capacity=20,
        audience=Audience.GRANDPARENTS,
        format=Session.Format.VILLAGE,
    )
    session.trainers.set([world.user("trainer")])
    Session.objects.exclude(pk=session.pk).update(status=Session.Status.CANCELLED)  # the world's own classes
    return session, enrol_person(session, Person(guardian=world.g1), by=world.user("trainer"))


def test_the_reminder_reads_like_the_village_would_say_it(class_day: tuple[Session, Enrolment]) -> None:
    session, enrolment = class_day
    day = session.starts_at
    expected = f"王奶奶您好：祖辈学堂{day.month}月{day.day}日（周二）上午9点在一村村委会，请带上老花镜。"
    assert reminder_text(enrolment) == expected
    assert len(expected) <= 70  # one SMS


def test_the_form_of_address_follows_the_relationship(
    world: World, class_day: tuple[Session, Enrolment]
) -> None:
    _session, enrolment = class_day
    ChildGuardian.objects.filter(guardian=world.g1).update(
        relationship=ChildGuardian.Relationship.GRANDFATHER_MATERNAL
    )
    assert reminder_text(enrolment).startswith("王外公您好：")
    ChildGuardian.objects.filter(guardian=world.g1).update(relationship=ChildGuardian.Relationship.RELATIVE)
    assert reminder_text(enrolment).startswith("王秀英您好：")


@pytest.mark.parametrize(
    ("hour", "minute", "said"),
    [
        (9, 0, "上午9点"),
        (14, 30, "下午2点半"),
        (12, 0, "中午12点"),
        (19, 0, "晚上7点"),
        (8, 15, "上午8点15分"),
    ],
)
def test_times_are_said_aloud(hour: int, minute: int, said: str) -> None:
    assert time_phrase(at(dt.date(2026, 12, 8), hour, minute)) == said


def test_reminders_are_queued_two_days_before_and_on_the_morning_each_once(
    class_day: tuple[Session, Enrolment],
) -> None:
    session, enrolment = class_day
    day = session.starts_at.date()
    two_days = day - dt.timedelta(days=2)
    assert queue_due(at(two_days, 8, 59)) == 0
    assert queue_due(at(two_days, 9, 0)) == 1
    assert queue_due(at(two_days, 15, 0)) == 0  # already queued
    assert queue_due(at(day, 6, 59)) == 0
    assert queue_due(at(day, 7, 0)) == 1
    assert queue_due(at(day, 8, 0)) == 0
    assert queue_due(session.starts_at) == 0
    messages = OutboxMessage.objects.filter(kind="training.reminder")
    assert messages.count() == 2
    assert {m.channel for m in messages} == {"sms"} and {m.address for m in messages} == {
        enrolment.person_phone
    }


def test_the_county_sets_how_many_days_before(world: World, class_day: tuple[Session, Enrolment]) -> None:
    session, _enrolment = class_day
    CountyTrainingConfig.objects.create(county=world.county, reminder_days_before=3)
    day = session.starts_at.date()
    assert queue_due(at(day - dt.timedelta(days=3), 9, 0)) == 1


def test_nobody_waiting_or_cancelled_and_no_cancelled_session_is_reminded(
    world: World, class_day: tuple[Session, Enrolment]
) -> None:
    session, enrolment = class_day
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.CANCELLED)
    assert queue_due(at(session.starts_at.date(), 7, 30)) == 0
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.ENROLLED)
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED)
    assert queue_due(at(session.starts_at.date(), 7, 30)) == 0


def test_a_reminder_goes_out_by_sms_through_the_outbox(
    class_day: tuple[Session, Enrolment], settings: Any
) -> None:
    session, enrolment = class_day
    settings.LBC_NOTIFY_GATEWAYS = {**settings.LBC_NOTIFY_GATEWAYS, "sms": "lbc.notifications.FakeSmsGateway"}
    FakeSmsGateway.reset()
    now = at(session.starts_at.date(), 7, 0)
    queue_due(now)
    deliver_due(now)
    assert (enrolment.person_phone, reminder_text(enrolment)) in FakeSmsGateway.sent
    assert OutboxMessage.objects.get(kind="training.reminder").status == OutboxMessage.Status.SENT


def test_the_reminder_job_is_registered() -> None:
    assert "training.reminders.queue_due" in jobs()
    assert jobs()[-1] == "lbc.notifications.deliver_due"
