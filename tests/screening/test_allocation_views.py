"""The township supervisor's allocation page and its confirmation (assign, companionship, escalation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from lbc.models import AuditEvent, ChildGrant
from screening.allocation.service import end_finished_companionships, gather
from screening.models import (
    Companionship,
    EscalationLevel,
    ResponderProfile,
    Warning,
    WarningEvent,
    WarningState,
)
from screening.views.hooks import TIER_DISPLAY
from tests.conftest import World


def url(world: World) -> str:
    return reverse("screening:allocation", kwargs={"public_id": world.t1.public_id})


def red_warning(world: World) -> Warning:
    return Warning.objects.get(assessment=world.a1)


def yellow_warning(world: World) -> Warning:
    """A YELLOW warning for c1b (school s1), sharing c1's assessment row only as its required link."""
    return Warning.objects.create(
        child=world.c1b,
        assessment=world.a1,
        tier="YELLOW",
        school=world.s1,
        township=world.t1,
        county=world.county,
        due_at=timezone.now() + dt.timedelta(days=14),
        raised_at=timezone.now() - dt.timedelta(days=3),
    )


@pytest.fixture
def qualified(world: World) -> ResponderProfile:
    return ResponderProfile.objects.create(
        user=world.user("counsellor"), qualified_counsellor=True, weekly_capacity=3
    )


def test_it_proposes_the_qualified_counsellor_for_the_red_warning(
    login: Any, world: World, qualified: Any
) -> None:
    html = login("supervisor").get(url(world)).content.decode()
    w = red_warning(world)
    assert f'name="w-{w.public_id}"' in html
    assert '<option value="counsellor" selected>' in html
    assert "本周无人承接" not in html


def test_without_a_qualified_counsellor_the_red_is_reported_uncovered(login: Any, world: World) -> None:
    html = login("supervisor").get(url(world)).content.decode()
    assert "本周无人承接" in html
    assert '<option value="counsellor"' not in html  # not a candidate for a RED at all


def test_confirming_assigns_through_the_warning_service(login: Any, world: World, qualified: Any) -> None:
    w = red_warning(world)
    response = login("supervisor").post(url(world), {f"w-{w.public_id}": "counsellor"})
    assert response.status_code == 302
    w.refresh_from_db()
    assert w.assigned_to == world.user("counsellor") and w.state == WarningState.ASSIGNED
    assert w.events.filter(action="assigned").exists()


REASON = "全乡镇心理教师本周已满（合成测试）"


def test_a_red_left_without_anyone_is_escalated_to_the_county_with_the_reason(
    login: Any, world: World
) -> None:
    w = red_warning(world)
    response = login("supervisor").post(url(world), {f"w-{w.public_id}": "", "reason": REASON})
    assert response.status_code == 302
    w.refresh_from_db()
    assert w.state == WarningState.ESCALATED and w.escalation_level == EscalationLevel.COUNTY
    assert w.assigned_to is None
    event = w.events.get(action="escalated")
    assert event.note == REASON and event.detail["reason"] == "no_capacity"
    audited = AuditEvent.objects.get(action="screening.warning.escalate", object_id=str(w.public_id))
    assert audited.detail["note"] == REASON
    confirmed = AuditEvent.objects.get(action="screening.allocation.confirmed")
    assert confirmed.detail["escalation_reason"] == REASON and confirmed.detail["escalated"] == 1


def test_escalating_without_a_reason_is_refused_and_keeps_the_choices(login: Any, world: World) -> None:
    w = red_warning(world)
    response = login("supervisor").post(url(world), {f"w-{w.public_id}": "", "reason": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "请填写上报原因" in html and 'aria-invalid="true"' in html
    w.refresh_from_db()
    assert w.state == WarningState.RAISED and w.escalation_level == EscalationLevel.SCHOOL
    assert not w.events.filter(action="escalated").exists()
    assert not AuditEvent.objects.filter(action="screening.allocation.confirmed").exists()


def test_the_page_names_the_county_administrators_who_receive_the_escalation(
    login: Any, world: World
) -> None:
    admin = world.user("county_admin")
    admin.first_name, admin.last_name = "县管", "理员"
    admin.save(update_fields=["first_name", "last_name"])
    html = login("supervisor").get(url(world)).content.decode()
    assert "本周无人承接" in html
    assert admin.get_full_name() in html and "接收人" in html


def test_a_red_already_at_the_county_is_not_escalated_again(login: Any, world: World) -> None:
    w = red_warning(world)
    Warning.objects.filter(pk=w.pk).update(
        state=WarningState.ESCALATED, escalation_level=EscalationLevel.COUNTY
    )
    response = login("supervisor").post(url(world), {f"w-{w.public_id}": ""})
    assert response.status_code == 302  # nothing to escalate, so no reason is asked for
    assert not w.events.filter(action="escalated").exists()


def test_the_page_loads_the_tier_badge_stylesheet(login: Any, world: World, qualified: Any) -> None:
    html = login("supervisor").get(url(world)).content.decode()
    assert f'href="{static(TIER_DISPLAY.stylesheet)}"' in html
    assert 'class="badge tier-badge tier-red"' in html


def test_a_volunteer_for_a_red_is_refused_and_nothing_is_written(
    login: Any, world: World, qualified: Any
) -> None:
    ResponderProfile.objects.create(user=world.user("volunteer"), base_school=world.s1)
    w, y = red_warning(world), yellow_warning(world)
    response = login("supervisor").post(
        url(world), {f"w-{y.public_id}": "counsellor", f"w-{w.public_id}": "volunteer"}
    )
    assert response.status_code == 200
    assert "不能承接" in response.content.decode()
    w.refresh_from_db()
    y.refresh_from_db()
    assert w.assigned_to is None and y.assigned_to is None and w.state == WarningState.RAISED


def test_a_volunteer_companionship_grants_the_child_until_it_ends(
    login: Any, world: World, qualified: Any
) -> None:
    volunteer = world.user("other_volunteer")
    ResponderProfile.objects.create(user=volunteer, base_school=world.s1)
    y = yellow_warning(world)
    html = login("supervisor").get(url(world)).content.decode()
    assert "other_volunteer" in html
    login("supervisor").post(url(world), {f"w-{y.public_id}": "other_volunteer", "reason": REASON})
    task = Companionship.objects.get(warning=y)
    y.refresh_from_db()
    assert task.supervisor == world.user("counsellor") and y.assigned_to == world.user("counsellor")
    grant = ChildGrant.objects.get(user=volunteer, content_object=world.c1b)
    assert (
        grant.permission.codename == "volunteer_child" and grant.expires_at == task.ends_at and grant.reason
    )
    Warning.objects.filter(pk=y.pk).update(state=WarningState.CLOSED)
    assert end_finished_companionships(timezone.now()) == 1
    assert not ChildGrant.objects.filter(user=volunteer, content_object=world.c1b).exists()
    task.refresh_from_db()
    assert task.ended_at is not None


def closed_case(world: World, *, assigned_days_ago: int) -> Warning:
    """A closed YELLOW case of c1b that the counsellor took on ``assigned_days_ago`` days ago."""
    now = timezone.now()
    w = Warning.objects.create(
        child=world.c1b,
        assessment=world.a1,
        tier="YELLOW",
        school=world.s1,
        township=world.t1,
        county=world.county,
        due_at=now,
        raised_at=now - dt.timedelta(days=assigned_days_ago + 1),
        state=WarningState.CLOSED,
        assigned_to=world.user("counsellor"),
    )
    WarningEvent.objects.create(
        warning=w,
        at=now - dt.timedelta(days=assigned_days_ago),
        action=WarningEvent.Action.ASSIGNED,
        from_state=WarningState.ACKNOWLEDGED,
        to_state=WarningState.ASSIGNED,
    )
    return w


def test_the_weekly_capacity_counts_the_cases_taken_on_in_the_last_seven_days(
    world: World, qualified: ResponderProfile
) -> None:
    counsellor = world.user("counsellor")
    red = red_warning(world)
    closed_case(world, assigned_days_ago=2)
    closed_case(world, assigned_days_ago=6)
    closed_case(world, assigned_days_ago=10)
    # A case of another week still open (in intervention) does not use up this week's slots.
    Warning.objects.filter(pk=red.pk).update(state=WarningState.IN_INTERVENTION, assigned_to=counsellor)
    WarningEvent.objects.create(
        warning=red,
        at=timezone.now() - dt.timedelta(days=20),
        action=WarningEvent.Action.ASSIGNED,
        from_state=WarningState.ACKNOWLEDGED,
        to_state=WarningState.ASSIGNED,
    )
    inputs = gather(world.user("supervisor"), world.t1, timezone.now())
    (responder,) = [r for r in inputs.responders if r.id == counsellor.pk]
    assert responder.capacity == qualified.weekly_capacity - 2


def test_a_case_in_follow_up_without_a_holder_is_not_offered(
    login: Any, world: World, qualified: Any
) -> None:
    w = red_warning(world)
    Warning.objects.filter(pk=w.pk).update(state=WarningState.FOLLOW_UP)
    html = login("supervisor").get(url(world)).content.decode()
    assert f'name="w-{w.public_id}"' not in html
