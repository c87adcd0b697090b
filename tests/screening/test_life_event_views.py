"""Life events recorded from the child's file: the rescreen they plan, who records and who reads them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from lbc.models import AuditEvent, Child
from screening.models import LifeEvent, RescreenDue
from tests.conftest import World

NOTE = "祖父上周去世，孩子由祖母照顾（合成数据）"


def create_url(child: Child) -> str:
    return reverse("screening:life-event-create", kwargs={"public_id": child.public_id})


def detail_url(child: Child) -> str:
    return reverse("lbc:child-detail", kwargs={"public_id": child.public_id})


def post_event(client: Any, child: Child, **overrides: str) -> Any:
    data = {"kind": LifeEvent.Kind.BEREAVEMENT, "occurred_on": "2026-11-30", "note": NOTE, **overrides}
    return client.post(create_url(child), data)


@pytest.mark.parametrize("persona", ["counsellor", "village_director"])
def test_it_records_the_event_plans_a_rescreen_and_audits(login: Any, world: World, persona: str) -> None:
    response = post_event(login(persona), world.c1)
    assert response.status_code == 302 and response.url == detail_url(world.c1) + "#life-events"
    event = LifeEvent.objects.get(child=world.c1)
    assert event.kind == LifeEvent.Kind.BEREAVEMENT and event.recorded_by == world.user(persona)
    plan = RescreenDue.objects.get(life_event=event)
    # Bereavement: 4-6 weeks after, never before the last screening's recall window (2026-10-15 + 14 days).
    assert plan.earliest_on == dt.date(2026, 12, 28) and plan.due_on == dt.date(2027, 1, 11)
    audit = AuditEvent.objects.get(action="screening.life_event.recorded")
    assert audit.child_id == str(world.c1.public_id) and audit.detail == {"kind": "bereavement"}


def test_the_file_lists_the_events_with_the_note_only_for_those_who_record(login: Any, world: World) -> None:
    post_event(login("counsellor"), world.c1)
    counsellor = login("counsellor").get(detail_url(world.c1)).content.decode()
    assert "生活事件" in counsellor and "亲人离世" in counsellor and NOTE in counsellor
    assert create_url(world.c1) in counsellor
    admin = login("county_admin").get(detail_url(world.c1)).content.decode()
    assert "亲人离世" in admin and NOTE not in admin and create_url(world.c1) not in admin
    head_teacher = login("head_teacher").get(detail_url(world.c1)).content.decode()
    assert "亲人离世" not in head_teacher and 'id="life-events"' not in head_teacher


def test_a_future_date_is_refused_in_chinese_and_the_note_is_kept(login: Any, world: World) -> None:
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = post_event(login("counsellor"), world.c1, occurred_on=tomorrow)
    html = response.content.decode()
    assert response.status_code == 200 and "事件日期不能晚于今天。" in html and NOTE in html
    assert not LifeEvent.objects.exists()


def test_a_date_before_birth_is_refused(login: Any, world: World) -> None:
    response = post_event(login("counsellor"), world.c1, occurred_on="2010-01-01")
    assert "事件日期不能早于儿童的出生日期。" in response.content.decode()
    assert not LifeEvent.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("other_counsellor", 404), ("supervisor", 403)])
def test_others_cannot_record(login: Any, world: World, persona: str, status: int) -> None:
    assert post_event(login(persona), world.c1).status_code == status
    assert not LifeEvent.objects.exists()


def test_an_aged_out_file_takes_no_life_events(login: Any, world: World) -> None:
    Child.objects.filter(pk=world.c1.pk).update(status=Child.Status.AGED_OUT)
    response = post_event(login("counsellor"), world.c1)
    assert response.status_code == 403 and "档案只读" in response.content.decode()
    assert not LifeEvent.objects.exists()
    html = login("counsellor").get(detail_url(world.c1)).content.decode()
    assert create_url(world.c1) not in html
