"""The township supervisor's allocation page and its confirmation (assign, companionship, escalation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from lbc.models import ChildGrant
from screening.allocation.service import end_finished_companionships
from screening.models import Companionship, ResponderProfile, Warning, WarningState
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


def test_a_red_left_without_anyone_is_escalated(login: Any, world: World) -> None:
    w = red_warning(world)
    login("supervisor").post(url(world), {f"w-{w.public_id}": ""})
    w.refresh_from_db()
    assert w.state == WarningState.ESCALATED and w.escalation_level == 1 and w.assigned_to is None


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
    login("supervisor").post(url(world), {f"w-{y.public_id}": "other_volunteer"})
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
