"""Scheduling services: one session or a whole series, refused as a whole on any clash."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from lbc.models import AuditEvent, OutboxMessage, Region
from lbc.services.errors import DomainError
from tests.clock import TERM_TIME
from tests.conftest import World
from tests.factories import make_user
from training.enrolment import Person, enrol_person
from training.models import Audience, Enrolment, Program, Session, SessionSeries
from training.scheduling import Booking, clashes
from training.services.bookings import bookings_between, trainer_party, windows_for
from training.services.sessions import (
    ScheduleClash,
    cancel_session,
    propose_program_slots,
    reschedule_session,
    schedule_series,
)

from .helpers import at, make_program, make_trainer, make_venue, next_weekday, schedule


@pytest.fixture
def setup(world: World) -> dict[str, Any]:
    trainer = world.user("trainer")
    return {
        "trainer": trainer,
        "program": make_program(world.county, name="祖辈学堂"),
        "hall": make_venue(world.v1, name="一村村委会", capacity=30),
        "school": make_venue(world.t1, name="一乡中心学校会议室", capacity=60),
        "tuesday": next_weekday(1, weeks=2),
    }


def test_a_weekly_class_for_six_weeks_is_created_in_one_step(world: World, setup: dict[str, Any]) -> None:
    result = schedule(
        setup["program"],
        setup["hall"],
        [setup["trainer"]],
        at(setup["tuesday"], 9),
        every_days=7,
        occurrences=6,
        villages=[world.v1],
    )
    assert len(result.sessions) == 6 and result.series is not None
    days = [s.starts_at.date() for s in result.sessions]
    assert days == [setup["tuesday"] + dt.timedelta(days=7 * n) for n in range(6)]
    assert all(
        s.capacity == 30 and s.audience == Audience.GRANDPARENTS and s.format == "village"
        for s in result.sessions
    )
    assert AuditEvent.objects.filter(action="training.session.created").count() == 6


def test_a_series_with_any_clash_is_refused_whole_listing_every_clash(
    world: World, setup: dict[str, Any]
) -> None:
    trainer, tuesday = setup["trainer"], setup["tuesday"]
    other = make_program(world.county, name="家庭教育讲座")
    schedule(other, setup["school"], [trainer], at(tuesday + dt.timedelta(days=14), 9, 30))
    schedule(
        other,
        setup["hall"],
        [make_trainer(world.county, "trainer_b")],
        at(tuesday + dt.timedelta(days=28), 10),
    )
    before = (Session.objects.count(), SessionSeries.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ScheduleClash) as refused:
        schedule(setup["program"], setup["hall"], [trainer], at(tuesday, 9), every_days=7, occurrences=6)
    assert (Session.objects.count(), SessionSeries.objects.count(), AuditEvent.objects.count()) == before
    third, fifth = refused.value.messages
    assert third.startswith("第3次（") and "培训师trainer" in third and "家庭教育讲座" in third
    assert fifth.startswith("第5次（") and "场地“一村村委会”" in fifth


def test_only_current_trainers_of_the_county_may_teach(world: World, setup: dict[str, Any]) -> None:
    start = at(setup["tuesday"], 9)
    for someone in (
        make_user("no_role"),
        make_trainer(world.county2, "trainer_k2"),
        world.user("counsellor"),
    ):
        with pytest.raises(DomainError, match="不是本县在职的培训师"):
            schedule(setup["program"], setup["hall"], [someone], start)
    with pytest.raises(DomainError, match="请至少选择一位培训师"):
        schedule_series(
            setup["program"],
            by=setup["trainer"],
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            venue=setup["hall"],
            trainers=[],
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"capacity": 31}, "名额不能超过场地容量（30人）"),
        ({"minutes": -30}, "结束时间必须晚于开始时间"),
        ({"start": "past"}, "开始时间已经过去"),
        ({"venue": "other_county"}, "场地不在该培训项目所属的县"),
        ({"occurrences": 60}, "一个系列的次数应在1到52之间"),
    ],
)
def test_bad_sessions_are_refused_with_a_chinese_message(
    world: World, setup: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    start = at(setup["tuesday"], 9) if change.get("start") != "past" else at(dt.date(2020, 1, 7), 9)
    venue = make_venue(world.v3) if change.get("venue") else setup["hall"]
    kwargs = {k: v for k, v in change.items() if k in ("capacity", "minutes", "occurrences")}
    with pytest.raises(DomainError, match=message):
        schedule(setup["program"], venue, [setup["trainer"]], start, **kwargs)
    assert not Session.objects.filter(program=setup["program"]).exists()


def test_purchased_services_name_their_provider_and_run_within_the_contract(
    world: World, setup: dict[str, Any]
) -> None:
    from lbc.models import Organisation

    with pytest.raises(IntegrityError), transaction.atomic():
        make_program(world.county, level=Program.Level.PURCHASED)
    provider = Organisation.objects.create(name="合成社工服务中心", kind=Organisation.Kind.SOCIAL)
    day = setup["tuesday"]
    program = make_program(
        world.county,
        level=Program.Level.PURCHASED,
        provider=provider,
        contract_number="HT-2026-001",
        contract_starts_on=day - dt.timedelta(days=30),
        contract_ends_on=day + dt.timedelta(days=3),
    )
    schedule(program, setup["hall"], [setup["trainer"]], at(day, 9))
    with pytest.raises(DomainError, match="不在合同期内"):
        schedule(program, setup["hall"], [setup["trainer"]], at(day + dt.timedelta(days=7), 9))


@pytest.mark.clock(TERM_TIME)  # two weeks on is no farming peak: the evening is the only warning
def test_audience_window_warnings_are_returned_but_do_not_refuse(world: World, setup: dict[str, Any]) -> None:
    result = schedule(
        setup["program"], setup["hall"], [setup["trainer"]], at(setup["tuesday"], 19), villages=[world.v1]
    )
    assert [w.code for w in result.warnings] == ["grandparents_daytime"]
    assert Session.objects.filter(pk=result.session.pk).exists()


@pytest.mark.clock(TERM_TIME)  # two weeks on is no farming peak: only the hours matter
def test_the_countys_own_windows_are_used(world: World, setup: dict[str, Any]) -> None:
    from training.models import CountyTrainingConfig

    CountyTrainingConfig.objects.create(
        county=world.county,
        grandparent_day_start=dt.time(6, 0),
        grandparent_day_end=dt.time(21, 0),
        reminder_days_before=3,
    )
    result = schedule(setup["program"], setup["hall"], [setup["trainer"]], at(setup["tuesday"], 19))
    assert result.warnings == []
    assert windows_for(world.county).reminder_days_before == 3
    assert windows_for(world.county2).reminder_days_before == 2


def test_cancelling_a_session_tells_everyone_enrolled_or_waiting(world: World, setup: dict[str, Any]) -> None:
    session = schedule(
        setup["program"], setup["hall"], [setup["trainer"]], at(setup["tuesday"], 9), capacity=1
    ).session
    enrol_person(session, Person(guardian=world.g1), by=setup["trainer"])
    enrol_person(session, Person(walk_in_name="赵合成", walk_in_phone="13700000001"), by=setup["trainer"])
    assert cancel_session(session, by=setup["trainer"], reason="场地维修") == 2
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED and session.cancel_reason == "场地维修"
    texts = sorted(m.text for m in OutboxMessage.objects.filter(kind="training.session.cancelled"))
    assert len(texts) == 2 and all("祖辈学堂取消了" in t for t in texts)
    assert any(t.startswith("测奶奶您好") for t in texts)
    with pytest.raises(DomainError, match="已经取消"):
        cancel_session(session, by=setup["trainer"])
    with pytest.raises(DomainError, match="已取消，不能报名"):
        enrol_person(session, Person(walk_in_name="钱合成", walk_in_phone="13700000002"), by=setup["trainer"])


def test_moving_a_session_is_refused_when_an_enrolled_person_would_clash(
    world: World, setup: dict[str, Any]
) -> None:
    tuesday, trainer = setup["tuesday"], setup["trainer"]
    first = schedule(setup["program"], setup["hall"], [trainer], at(tuesday, 9)).session
    second = schedule(
        setup["program"], setup["school"], [make_trainer(world.county, "trainer_c")], at(tuesday, 14)
    ).session
    enrol_person(first, Person(guardian=world.g1), by=trainer)
    enrol_person(second, Person(guardian=world.g1), by=trainer)
    with pytest.raises(ScheduleClash, match="学员测试祖母"):
        reschedule_session(second, by=trainer, starts_at=at(tuesday, 9, 30), ends_at=at(tuesday, 11))
    reschedule_session(second, by=trainer, starts_at=at(tuesday, 15), ends_at=at(tuesday, 16, 30))
    second.refresh_from_db()
    assert second.starts_at == at(tuesday, 15)
    assert OutboxMessage.objects.filter(kind="training.session.rescheduled").count() == 1


def test_proposed_slots_avoid_every_stored_session(world: World, setup: dict[str, Any]) -> None:
    tuesday, trainer = setup["tuesday"], setup["trainer"]
    # Afternoons, so the daily run never meets the world's Thursday-morning class (tests/world_training.py).
    schedule(setup["program"], setup["hall"], [trainer], at(tuesday, 14), every_days=1, occurrences=5)
    slots = propose_program_slots(
        setup["program"],
        year=tuesday.year,
        month=tuesday.month,
        venues=[setup["hall"], setup["school"]],
        trainers=[trainer],
        villages=[world.v1],
        limit=500,
    )
    assert slots
    windows = windows_for(world.county)
    stored = bookings_between(at(tuesday - dt.timedelta(days=40), 0), at(tuesday + dt.timedelta(days=40), 0))
    assert len(stored) >= 6
    for slot in slots:
        probe = Booking(
            start=slot.start, end=slot.end, place=slot.place, trainers=frozenset({trainer_party(trainer)})
        )
        assert clashes(probe, stored, windows) == []


def test_no_session_exceeds_its_capacity_in_the_database(world: World) -> None:
    session = world.ts1
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(seats_taken=session.capacity + 1)
    assert Enrolment.objects.filter(session=session).count() == 1
    assert Region.objects.filter(pk=session.county_id).exists()
