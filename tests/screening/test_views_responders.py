"""County administrators record a counsellor's qualification and weekly capacity for the allocation."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lbc.models import AuditEvent
from screening.models import ResponderProfile
from tests.conftest import World

pytestmark = pytest.mark.django_db


def url(username: str) -> str:
    return reverse("manage:responder-profile", kwargs={"username": username})


def test_it_saves_a_counsellors_qualification_and_capacity(login: Any, world: World) -> None:
    client = login("county_admin")
    detail = client.get(reverse("manage:user-detail", kwargs={"username": "counsellor"})).content.decode()
    assert "个案承接能力" in detail
    response = client.post(
        url("counsellor"),
        {"qualified_counsellor": "on", "weekly_capacity": "6", "base_school": world.s1.pk},
    )
    assert response.status_code == 302
    profile = ResponderProfile.objects.get(user=world.user("counsellor"))
    assert profile.qualified_counsellor and profile.weekly_capacity == 6 and profile.base_school == world.s1
    assert AuditEvent.objects.filter(action="screening.responder_profile.changed").exists()


def test_a_capacity_out_of_range_is_refused_and_nothing_saved(login: Any, world: World) -> None:
    response = login("county_admin").post(url("counsellor"), {"weekly_capacity": "400", "base_school": ""})
    assert response.status_code == 200
    assert "0到40" in response.content.decode()
    assert not ResponderProfile.objects.exists()


def test_a_school_of_another_county_is_not_a_choice(login: Any, world: World) -> None:
    data = {"weekly_capacity": "5", "base_school": world.s3.pk}
    response = login("county_admin").post(url("counsellor"), data)
    assert response.status_code == 200
    assert not ResponderProfile.objects.exists()
    detail = login("county_admin").get(reverse("manage:user-detail", kwargs={"username": "counsellor"}))
    assert world.s3.name not in detail.content.decode()


def test_roles_other_than_counsellor_and_volunteer_have_no_profile(login: Any, world: World) -> None:
    client = login("county_admin")
    detail = client.get(reverse("manage:user-detail", kwargs={"username": "supervisor"})).content.decode()
    assert "个案承接能力" not in detail
    response = client.post(url("supervisor"), {"weekly_capacity": "5"})
    assert response.status_code == 302
    assert not ResponderProfile.objects.exists()
