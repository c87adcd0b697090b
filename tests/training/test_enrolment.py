"""Enrolment: seats, the waiting list and its automatic promotion, people without accounts."""

from __future__ import annotations

import datetime as dt

import pytest

from lbc.models import AuditEvent, OutboxMessage
from lbc.services.errors import DomainError
from tests.conftest import World
from tests.factories import make_child, make_guardian, make_user
from training.enrolment import Person, cancel_enrolment, enrol_person, set_capacity
from training.models import Enrolment, Session

from .helpers import at, make_program, make_trainer, make_venue, next_weekday, schedule


@pytest.fixture
def small(world: World) -> Session:
    program = make_program(world.county, name="祖辈学堂")
    venue = make_venue(world.v1, name="一村村委会", capacity=30)
    return schedule(
        program, venue, [world.user("trainer")], at(next_weekday(1, weeks=2), 9), capacity=2
    ).session


def walk_in(name: str, phone: str = "13700000001") -> Person:
    return Person(walk_in_name=name, walk_in_phone=phone)


def test_seats_fill_in_order_and_the_rest_wait_in_order(world: World, small: Session) -> None:
    by = world.user("trainer")
    people = [enrol_person(small, walk_in(f"合成{i}", f"1370000000{i}"), by=by) for i in range(4)]
    assert [p.status for p in people] == ["enrolled", "enrolled", "waiting", "waiting"]
    assert [p.waiting_position for p in people] == [None, None, 1, 2]
    small.refresh_from_db()
    assert small.seats_taken == 2


def test_a_cancelled_seat_goes_to_the_first_waiting_person_who_is_told(world: World, small: Session) -> None:
    by = world.user("trainer")
    first = enrol_person(small, Person(guardian=world.g1), by=by)
    enrol_person(small, walk_in("合成甲"), by=by)
    third = enrol_person(small, walk_in("合成乙", "13700000002"), by=by)
    fourth = enrol_person(small, walk_in("合成丙", "13700000003"), by=by)
    promoted = cancel_enrolment(first, by=by)
    assert promoted is not None and promoted.pk == third.pk
    third.refresh_from_db()
    fourth.refresh_from_db()
    assert (third.status, third.waiting_position) == ("enrolled", None)
    assert (fourth.status, fourth.waiting_position) == ("waiting", 2)
    small.refresh_from_db()
    assert small.seats_taken == 2
    (message,) = OutboxMessage.objects.filter(kind="training.enrolment.promoted")
    assert message.text.startswith("合成乙您好：有人让出了名额") and message.address == "13700000002"
    assert message.channel == "sms"
    # A waiting person who cancels frees no seat and promotes nobody.
    assert cancel_enrolment(fourth, by=by) is None
    small.refresh_from_db()
    assert small.seats_taken == 2
    with pytest.raises(DomainError, match="已经取消"):
        cancel_enrolment(first, by=by)


def test_a_freed_seat_with_nobody_waiting_is_given_back(world: World, small: Session) -> None:
    by = world.user("trainer")
    first = enrol_person(small, walk_in("合成甲"), by=by)
    cancel_enrolment(first, by=by)
    small.refresh_from_db()
    assert small.seats_taken == 0


def test_more_seats_promote_the_waiting_list(world: World, small: Session) -> None:
    by = world.user("trainer")
    people = [enrol_person(small, walk_in(f"合成{i}", f"1370000000{i}"), by=by) for i in range(5)]
    promoted = set_capacity(small, 4, by=by)
    assert [p.pk for p in promoted] == [people[2].pk, people[3].pk]
    small.refresh_from_db()
    assert (small.capacity, small.seats_taken) == (4, 4)
    with pytest.raises(DomainError, match="名额不能少于报名人数"):
        set_capacity(small, 3, by=by)
    with pytest.raises(DomainError, match="不能超过场地容量"):
        set_capacity(small, 31, by=by)


def test_the_same_person_cannot_enrol_twice(world: World, small: Session) -> None:
    enrol_person(small, Person(guardian=world.g1), by=world.user("trainer"))
    with pytest.raises(DomainError, match="测试祖母已经报名了这一场"):
        enrol_person(small, Person(guardian=world.g1), by=world.user("village_director"))


def test_a_person_enrolled_elsewhere_at_the_same_time_is_refused(world: World, small: Session) -> None:
    other = make_venue(world.t1, name="一乡中心学校", capacity=50)
    clash = schedule(
        make_program(world.county, name="家庭教育讲座"),
        other,
        [make_trainer(world.county)],
        small.starts_at + dt.timedelta(minutes=30),
    ).session
    enrol_person(small, Person(guardian=world.g1), by=world.user("trainer"))
    with pytest.raises(DomainError, match=r"学员测试祖母在.*已报名“祖辈学堂”"):
        enrol_person(clash, Person(guardian=world.g1), by=world.user("trainer"))
    assert not Enrolment.objects.filter(session=clash).exists()


@pytest.mark.parametrize(
    ("person", "message"),
    [
        (Person(walk_in_name="合成丁"), "临时参加者需要留一个电话"),
        (Person(walk_in_name="合成丁", walk_in_phone="12345"), "电话号码格式不正确"),
        (Person(walk_in_name="合成丁", walk_in_phone="１３７００００００００"), "全角数字"),
        (Person(), "请选择一位报名人"),
    ],
)
def test_walk_ins_need_a_name_and_a_valid_phone(
    world: World, small: Session, person: Person, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        enrol_person(small, person, by=world.user("village_director"))
    assert not Enrolment.objects.filter(session=small).exists()


def test_people_without_accounts_and_users_can_enrol(world: World, small: Session) -> None:
    from lbc.models import Parent

    by = world.user("village_director")
    guest = enrol_person(
        small, Person(walk_in_name=" 合成戊 ", walk_in_phone="137-0000-0009", walk_in_village=world.v1), by=by
    )
    assert (guest.walk_in_name, guest.walk_in_phone, guest.person_phone) == (
        "合成戊",
        "13700000009",
        "13700000009",
    )
    parent = enrol_person(small, Person(parent=Parent.objects.get(household=world.c1.household)), by=by)
    assert parent.person_name == "测试父亲" and parent.status == "enrolled"
    user = enrol_person(small, Person(user=make_user("teacher_x")), by=by)
    assert user.status == "waiting" and user.waiting_position == 1


def test_enrolment_writes_are_audited_without_names(world: World, small: Session) -> None:
    by = world.user("trainer")
    enrolment = enrol_person(small, walk_in("合成己"), by=by)
    cancel_enrolment(enrolment, by=by)
    created = AuditEvent.objects.get(action="training.enrolment.created")
    assert created.detail == {"session": str(small.public_id), "status": "enrolled", "person": "walk_in"}
    assert created.object_id == str(enrolment.public_id) and created.actor_id == by.pk
    assert AuditEvent.objects.filter(action="training.enrolment.cancelled").count() == 1
    assert not any("合成己" in str(e.detail) for e in AuditEvent.objects.all())


def test_a_started_session_takes_no_more_enrolments(world: World, small: Session) -> None:
    with pytest.raises(DomainError, match="已经开始"):
        enrol_person(small, walk_in("合成庚"), by=world.user("trainer"), now=small.starts_at)


def test_promotion_skips_a_waiting_person_now_busy_elsewhere(world: World, small: Session) -> None:
    by = world.user("trainer")
    seat = enrol_person(small, walk_in("合成甲"), by=by)
    enrol_person(small, walk_in("合成乙", "13700000002"), by=by)
    child = make_child(world.v1)
    granny = make_guardian(child, name="合成祖母", phone="13700000005")
    busy = enrol_person(small, Person(guardian=granny), by=by)
    free = enrol_person(small, walk_in("合成丙", "13700000003"), by=by)
    elsewhere = schedule(
        make_program(world.county), make_venue(world.t1), [make_trainer(world.county)], small.starts_at
    ).session
    enrol_person(elsewhere, Person(guardian=granny), by=by)
    promoted = cancel_enrolment(seat, by=by)
    assert promoted is not None and promoted.pk == free.pk
    busy.refresh_from_db()
    assert busy.status == "waiting" and busy.waiting_position == 1
