"""Reminders, calendar feeds, audience windows and slot proposals at the awkward instants of tests.clock:
00:30 in Shanghai (the previous day in UTC), New Year's Eve, Spring Festival eve, a school holiday, a
farming peak and the weekend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.clock import AWKWARD, local
from tests.conftest import World
from training.enrolment import Person, enrol_person
from training.messages import reminder_text
from training.models import Audience, Session, Venue
from training.reminders import queue_due
from training.services.sessions import propose_program_slots

from .helpers import make_program, make_trainer, make_venue, schedule


def grandparent_class(world: World, start: dt.datetime) -> Session:
    session = Session.objects.create(
        program=make_program(world.county, name="祖辈学堂"), venue=make_venue(world.v1, name="一村村委会"),
        starts_at=start, ends_at=start + dt.timedelta(minutes=90), capacity=20,
        audience=Audience.GRANDPARENTS, format=Session.Format.VILLAGE,
    )  # fmt: skip
    session.trainers.set([world.user("trainer")])
    Session.objects.exclude(pk=session.pk).update(status=Session.Status.CANCELLED)  # the world's own classes
    return session


@pytest.mark.clock(AWKWARD["saturday"])
def test_the_morning_reminder_waits_for_the_local_morning_not_the_utc_one(world: World) -> None:
    session = grandparent_class(world, local(2026, 12, 7, 9, 0))  # Monday 09:00
    enrolment = enrol_person(session, Person(guardian=world.g1), by=world.user("trainer"))
    assert queue_due(local(2026, 12, 5, 10, 0)) == 1  # two days before, from 09:00
    # 00:30 on Monday is Sunday 16:30 in UTC: not yet the morning of the class, and nothing twice.
    assert queue_due(local(2026, 12, 7, 0, 30)) == 0
    assert queue_due(local(2026, 12, 7, 6, 59)) == 0
    assert queue_due(local(2026, 12, 7, 7, 0)) == 1
    assert "12月7日（周一）上午9点" in reminder_text(enrolment)


@pytest.mark.clock(AWKWARD["new_years_eve_2350"])
def test_the_feed_of_a_new_years_morning_class_is_in_utc_on_the_old_year(world: World, login: Any) -> None:
    session = grandparent_class(world, local(2027, 1, 1, 7, 30))
    response = login("trainer").get(reverse("training:session-ics", args=[session.public_id]))
    text = response.content.decode()
    assert "DTSTART:20261231T233000Z" in text and "DTEND:20270101T010000Z" in text
    assert "DTSTAMP:20261231T155" in text  # now, 23:50 in Shanghai


@pytest.mark.clock(AWKWARD["farming_peak"])
def test_in_the_farming_peak_a_grandparent_class_is_warned_about(world: World) -> None:
    trainer = make_trainer(world.county)
    program, hall = make_program(world.county), make_venue(world.v1)
    result = schedule(program, hall, [trainer], local(2027, 6, 3, 9, 30), villages=[world.v1])
    assert [w.code for w in result.warnings] == ["grandparents_farming"]
    later = schedule(program, hall, [trainer], local(2027, 6, 24, 9, 30), villages=[world.v1])
    assert later.warnings == []  # after the summer harvest


@pytest.mark.clock(AWKWARD["spring_festival_eve"])
def test_on_spring_festival_eve_parents_are_home_and_a_village_class_for_them_fits(world: World) -> None:
    trainer = make_trainer(world.county)
    program = make_program(world.county, audience=Audience.PARENTS)
    hall = make_venue(world.v1)
    during = schedule(program, hall, [trainer], local(2027, 2, 8, 10, 0), audience=Audience.PARENTS)
    assert during.warnings == []
    after = schedule(program, hall, [trainer], local(2027, 3, 2, 10, 0), audience=Audience.PARENTS)
    assert [w.code for w in after.warnings] == ["parents_window"]


@pytest.mark.clock(AWKWARD["summer_holiday"])
def test_in_the_school_holiday_teachers_can_be_trained_on_a_weekday(world: World) -> None:
    trainer = make_trainer(world.county)
    program = make_program(world.county, audience=Audience.TEACHERS)
    school_room = make_venue(world.t1, kind=Venue.Kind.SCHOOL)
    holiday = schedule(program, school_room, [trainer], local(2027, 7, 21, 9, 0), audience=Audience.TEACHERS)
    assert holiday.warnings == []
    term = schedule(program, school_room, [trainer], local(2027, 9, 14, 9, 0), audience=Audience.TEACHERS)
    assert [w.code for w in term.warnings] == ["teachers_vacation"]


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.clock(AWKWARD[n]), id=n) for n in ("saturday", "new_years_eve_2350")],
)
def test_proposed_slots_are_never_in_the_past(name: str, world: World) -> None:
    now = timezone.now()
    program, hall = make_program(world.county), make_venue(world.v1)
    for year, month in {
        (now.year, now.month),
        ((now + dt.timedelta(days=10)).year, (now + dt.timedelta(days=10)).month),
    }:
        slots = propose_program_slots(
            program,
            year=year,
            month=month,
            venues=[hall],
            trainers=[world.user("trainer")],
            villages=[world.v1],
        )
        assert all(slot.start > now for slot in slots)
    assert propose_program_slots(
        program, year=2027, month=1, venues=[hall], trainers=[world.user("trainer")], villages=[world.v1]
    )
