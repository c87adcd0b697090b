"""Birthdays that change a file: aged out at 16 (read-only, off the lists), own consent at 14.

Every test moves the clock to the instant it needs; the jobs read ``timezone.now()`` and Shanghai's
calendar day (00:30 on a birthday is still the day before in UTC).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from lbc import lifecycle
from lbc.models import AuditEvent, Child, Consent, OutboxMessage
from lbc.periodic import jobs
from lbc.services.children import update_child
from lbc.services.errors import DomainError
from screening.assessments.recording import InstrumentAnswers, record_assessment
from screening.models import Assessment
from tests.clock import local
from tests.conftest import World
from tests.factories import make_child

LEAP_BIRTH = dt.date(2012, 2, 29)  # synthetic children born on 29 February: 16 in 2028
LEAP_BIRTH_14 = dt.date(2016, 2, 29)  # 14 on 1 March 2030 (the world's memberships start in 2026)


def detail_url(child: Child) -> str:
    return reverse("lbc:child-detail", kwargs={"public_id": child.public_id})


def fresh(child: Child) -> Child:
    return Child.objects.get(pk=child.pk)


# --- the calendar rules (pure) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "years", "expected"),
    [
        (LEAP_BIRTH, 14, dt.date(2026, 3, 1)),  # common year: the day after 28 February
        (LEAP_BIRTH, 16, dt.date(2028, 2, 29)),  # leap year: the day itself
        (dt.date(2010, 12, 1), 16, dt.date(2026, 12, 1)),
    ],
)
def test_a_birthday_is_the_first_day_of_the_new_age(birth: dt.date, years: int, expected: dt.date) -> None:
    assert lifecycle.birthday(birth, years) == expected
    assert Child(birth_date=birth).age_on(expected) == years
    assert Child(birth_date=birth).age_on(expected - dt.timedelta(days=1)) == years - 1


@pytest.mark.parametrize(
    ("today", "years", "expected"),
    [
        (dt.date(2026, 12, 1), 16, dt.date(2010, 12, 1)),
        (dt.date(2028, 2, 29), 14, dt.date(2014, 2, 28)),  # nobody was born on 29 February 2014
        (dt.date(2028, 2, 29), 16, dt.date(2012, 2, 29)),
    ],
)
def test_the_query_bound_matches_age_on(today: dt.date, years: int, expected: dt.date) -> None:
    bound = lifecycle.born_on_or_before(today, years)
    assert bound == expected
    assert Child(birth_date=bound).age_on(today) >= years
    assert Child(birth_date=bound + dt.timedelta(days=1)).age_on(today) < years


def test_both_birthday_jobs_run_before_delivery() -> None:
    order = jobs()
    assert order.index("lbc.lifecycle.age_out_children") < order.index("lbc.notifications.deliver_due")
    assert order.index("lbc.lifecycle.queue_consent_reminders") < order.index("lbc.notifications.deliver_due")


# --- aged out at 16 ------------------------------------------------------------------


def test_it_ages_out_a_child_on_the_sixteenth_birthday_and_not_the_day_before(
    world: World, clock: Any
) -> None:
    child = make_child(world.v1, world.s1, birth_date=dt.date(2010, 12, 2), given_name="十六")
    clock.move_to(local(2026, 12, 1, 23, 50))
    assert lifecycle.age_out_children() == 0
    assert fresh(child).status == Child.Status.ACTIVE
    clock.move_to(local(2026, 12, 2, 0, 30))  # 1 December 16:30 in UTC: the local day counts
    assert lifecycle.age_out_children() == 1
    assert fresh(child).status == Child.Status.AGED_OUT
    event = AuditEvent.objects.get(action="lbc.child.aged_out")
    assert event.child_id == str(child.public_id) and event.actor_id is None


def test_the_age_out_job_is_idempotent(world: World, clock: Any) -> None:
    child = make_child(world.v1, world.s1, birth_date=dt.date(2010, 6, 1))
    clock.move_to(local(2026, 12, 1, 10))
    assert lifecycle.age_out_children() == 1
    assert lifecycle.age_out_children() == 0
    assert AuditEvent.objects.filter(action="lbc.child.aged_out", child_id=str(child.public_id)).count() == 1


def test_a_child_born_on_29_february_ages_out_on_29_february(world: World, clock: Any) -> None:
    child = make_child(world.v1, world.s1, birth_date=LEAP_BIRTH)
    clock.move_to(local(2028, 2, 28, 23, 0))
    lifecycle.age_out_children()
    assert fresh(child).status == Child.Status.ACTIVE
    clock.move_to(local(2028, 2, 29, 0, 30))
    lifecycle.age_out_children()
    assert fresh(child).status == Child.Status.AGED_OUT


def test_a_child_who_moved_away_is_not_marked_aged_out(world: World, clock: Any) -> None:
    child = make_child(world.v1, world.s1, birth_date=dt.date(2010, 1, 1), status=Child.Status.MOVED)
    lifecycle.age_out_children()
    assert fresh(child).status == Child.Status.MOVED


def test_run_periodic_ages_out_and_prints_the_count(world: World) -> None:
    child = make_child(world.v1, world.s1, birth_date=dt.date(2010, 6, 1))
    out = io.StringIO()
    call_command("run_periodic", "--once", stdout=out)
    assert "lbc.lifecycle.age_out_children: 1" in out.getvalue()
    assert fresh(child).status == Child.Status.AGED_OUT


@pytest.fixture
def aged_out(world: World, clock: Any) -> Child:
    child = make_child(
        world.v1, world.s1, birth_date=dt.date(2010, 5, 1), family_name="陈", given_name="满十六"
    )
    lifecycle.age_out_children()
    return fresh(child)


def test_an_aged_out_file_is_still_readable_with_a_read_only_banner(login: Any, aged_out: Child) -> None:
    html = login("counsellor").get(detail_url(aged_out)).content.decode()
    assert "已满16周岁，档案只读" in html
    assert reverse("lbc:child-edit", kwargs={"public_id": aged_out.public_id}) not in html
    assert reverse("lbc:guardian-create", kwargs={"public_id": aged_out.public_id}) not in html
    assert "满16周岁，档案转为只读" in html  # the change history names the job's change


def test_an_active_file_has_no_read_only_banner(login: Any, world: World) -> None:
    assert "已满16周岁，档案只读" not in login("counsellor").get(detail_url(world.c1)).content.decode()


@pytest.mark.parametrize("url_name", ["lbc:child-edit", "lbc:guardian-create", "lbc:consent-create"])
def test_an_aged_out_file_cannot_be_edited_and_says_why(login: Any, aged_out: Child, url_name: str) -> None:
    response = login("counsellor").get(reverse(url_name, kwargs={"public_id": aged_out.public_id}))
    assert response.status_code == 403
    assert "该儿童已满16周岁，档案只读，不能再修改。" in response.content.decode()


def test_the_service_refuses_to_edit_an_aged_out_file(world: World, aged_out: Child) -> None:
    with pytest.raises(DomainError, match="档案只读"):
        update_child(
            aged_out, {"given_name": "改名"}, by=world.user("county_admin"), expected_version=aged_out.version
        )
    assert fresh(aged_out).given_name == "满十六"


def test_an_aged_out_child_leaves_the_list_unless_asked_for(login: Any, aged_out: Child) -> None:
    client = login("counsellor")
    assert "满十六" not in client.get(reverse("lbc:child-list")).content.decode()
    asked = client.get(reverse("lbc:child-list") + "?status=aged_out").content.decode()
    assert "满十六" in asked


def test_the_edit_form_does_not_offer_aged_out(login: Any, world: World) -> None:
    html = login("counsellor").get(reverse("lbc:child-edit", kwargs={"public_id": world.c1.public_id}))
    assert 'value="aged_out"' not in html.content.decode()


# --- own consent at 14 ------------------------------------------------------------------


@pytest.fixture
def turning_14(world: World) -> Child:
    return make_child(world.v1, world.s1, birth_date=LEAP_BIRTH_14, family_name="周", given_name="十四")


def reminders(child: Child) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(dedupe_key__startswith=f"lbc.consent.own:{child.public_id}"))


def test_no_reminder_before_the_fourteenth_birthday(world: World, turning_14: Child, clock: Any) -> None:
    clock.move_to(local(2030, 2, 28, 23, 0))
    lifecycle.queue_consent_reminders()  # the world's other children are 15 by now
    assert reminders(turning_14) == []
    assert fresh(turning_14).own_consent_reminded_at is None


def test_a_reminder_goes_to_the_school_counsellor_and_village_director_once(
    world: World, turning_14: Child, clock: Any
) -> None:
    clock.move_to(local(2030, 3, 1, 0, 30))  # 29 February does not exist in 2030: 1 March is the birthday
    assert lifecycle.queue_consent_reminders() == 1  # the world's other children are 16 today
    sent = reminders(turning_14)
    assert {m.user for m in sent} == {world.user("counsellor"), world.user("village_director")}
    assert all("周同学已满14周岁" in m.text and "十四" not in m.text for m in sent)  # family name only
    assert lifecycle.queue_consent_reminders() == 0
    clock.move_to(local(2030, 5, 1, 10))
    assert lifecycle.queue_consent_reminders() == 0
    assert len(reminders(turning_14)) == 2
    assert AuditEvent.objects.filter(action="lbc.consent.own_reminder").count() == 1


def test_a_child_who_already_consented_after_14_gets_no_reminder(
    world: World, turning_14: Child, clock: Any
) -> None:
    clock.move_to(local(2030, 3, 2, 10))
    own_consent(turning_14, dt.date(2030, 3, 1))
    assert lifecycle.queue_consent_reminders() == 1  # handled, once
    assert reminders(turning_14) == []


def own_consent(child: Child, on: dt.date) -> Consent:
    return Consent.objects.create(
        child=child,
        purpose=Consent.Purpose.SCREENING,
        decision=Consent.Decision.GRANTED,
        given_by_name="测试祖母",
        given_by_relationship="祖母",
        is_legal_guardian=False,
        channel=Consent.Channel.PAPER,
        notice_version="2026-1",
        decided_on=on,
        child_assent=True,
    )


def test_the_childs_page_asks_for_the_childs_own_consent_until_it_is_recorded(
    login: Any, turning_14: Child, clock: Any
) -> None:
    def page() -> str:  # logged in afresh at each instant: sessions expire when the clock jumps
        return str(login("counsellor").get(detail_url(turning_14)).content.decode())

    clock.move_to(local(2030, 2, 28, 10))
    assert "需要征得孩子本人的同意" not in page()
    clock.move_to(local(2030, 3, 1, 10))
    assert "需要征得孩子本人的同意" in page()
    own_consent(turning_14, dt.date(2030, 2, 27))  # the child's assent before 14 does not count
    assert "需要征得孩子本人的同意" in page()
    own_consent(turning_14, dt.date(2030, 3, 1))
    assert "需要征得孩子本人的同意" not in page()
    assert "十四" in page()


def test_no_screening_is_stored_for_an_aged_out_child(world: World, aged_out: Child) -> None:
    answers = InstrumentAnswers("PHQ-9", "1", dict.fromkeys(range(1, 10), 0))
    with pytest.raises(DomainError, match="不能再保存筛查结果"):
        record_assessment(
            aged_out,
            [answers],
            by=world.user("counsellor"),
            mode="paper",
            administered_on=dt.date(2026, 11, 30),
        )
    assert not Assessment.objects.filter(child=aged_out).exists()
