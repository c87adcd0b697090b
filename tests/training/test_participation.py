"""Attendance with the hours it credits, and volunteer service hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lbc.models import AuditEvent
from lbc.services.errors import DomainError
from tests.conftest import World
from training.enrolment import Person, enrol_person
from training.models import Attendance, Enrolment, Session
from training.participation import record_attendance, training_hours, volunteer_hours

from .helpers import at, make_program, make_venue, next_weekday, schedule


@pytest.fixture
def session(world: World) -> Session:
    return schedule(
        make_program(world.county),
        make_venue(world.v1),
        [world.user("trainer")],
        at(next_weekday(1, weeks=2), 9),
        minutes=120,
        capacity=2,
    ).session


def people(world: World, session: Session) -> list[Enrolment]:
    by = world.user("trainer")
    return [
        enrol_person(session, Person(walk_in_name=f"合成{i}", walk_in_phone=f"1370000000{i}"), by=by)
        for i in range(3)
    ]


def test_present_people_get_the_sessions_hours_and_absent_ones_none(world: World, session: Session) -> None:
    a, b, _waiting = people(world, session)
    trainer = world.user("trainer")
    written = record_attendance(
        session, by=trainer, attended={a: True, b: False}, service={trainer: None}, now=session.ends_at
    )
    assert written == 3
    assert Attendance.objects.get(enrolment=a).hours == Decimal("2.0")
    assert Attendance.objects.get(enrolment=b).hours == Decimal("0")
    assert volunteer_hours(trainer) == Decimal("2.0")
    assert training_hours(Enrolment.objects.filter(session=session)) == Decimal("2.0")
    assert AuditEvent.objects.get(action="training.attendance.recorded").detail == {
        "marked": 2,
        "present": 1,
        "service": 1,
    }


def test_marks_can_be_corrected_and_hours_given(world: World, session: Session) -> None:
    a, _b, _w = people(world, session)
    trainer = world.user("trainer")
    record_attendance(session, by=trainer, attended={a: False}, now=session.ends_at)
    record_attendance(
        session,
        by=trainer,
        attended={a: True},
        hours=Decimal("1.5"),
        service={trainer: Decimal("3")},
        now=session.ends_at,
    )
    row = Attendance.objects.get(enrolment=a)
    assert (row.attended, row.hours) == (True, Decimal("1.5"))
    assert volunteer_hours(trainer) == Decimal("3.0")
    assert volunteer_hours(trainer, start=session.starts_at.date() + dt.timedelta(days=1)) == Decimal("0")


def test_attendance_is_refused_before_the_start_for_waiting_people_and_bad_hours(
    world: World, session: Session
) -> None:
    a, _b, waiting = people(world, session)
    trainer = world.user("trainer")
    with pytest.raises(DomainError, match="培训还没有开始"):
        record_attendance(session, by=trainer, attended={a: True})
    with pytest.raises(DomainError, match="合成2不是已报名的学员"):
        record_attendance(session, by=trainer, attended={a: True, waiting: True}, now=session.ends_at)
    with pytest.raises(DomainError, match="0到24小时"):
        record_attendance(session, by=trainer, attended={a: True}, hours=Decimal("30"), now=session.ends_at)
    assert not Attendance.objects.exists()
