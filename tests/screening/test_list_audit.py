"""Lists of named children with their screening result (warnings, allocation, class overview) each write
one audit event per page shown, with counts and filters but no personal data, before anything is rendered.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.urls import reverse

from lbc.models import AuditEvent
from tests.conftest import World


def warning_list(world: World) -> str:
    return reverse("screening:warning-list") + f"?tier=RED&school={world.s1.public_id}"


def allocation(world: World) -> str:
    return reverse("screening:allocation", kwargs={"public_id": world.t1.public_id})


def class_overview(world: World) -> str:
    return reverse("screening:class-overview", kwargs={"public_id": world.class1.public_id})


LISTS = [
    ("supervisor", warning_list, "screening.warning.listed"),
    ("supervisor", allocation, "screening.allocation.listed"),
    ("counsellor", class_overview, "screening.class.listed"),
]


def test_the_warning_list_records_what_was_shown(login: Any, world: World) -> None:
    response = login("supervisor").get(warning_list(world))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="screening.warning.listed")
    assert event.actor_username == "supervisor"
    assert event.detail == {
        "count": len(response.context["rows"]),
        "total": 1,
        "page": 1,
        "filters": {"tier": "RED", "school": str(world.s1.public_id)},
    }
    assert event.detail["count"] == 1


def test_the_allocation_page_records_its_rows_and_township(login: Any, world: World) -> None:
    response = login("supervisor").get(allocation(world))
    event = AuditEvent.objects.get(action="screening.allocation.listed")
    assert event.object_id == str(world.t1.public_id)
    assert event.detail == {"count": len(response.context["rows"])} and event.detail["count"] >= 1


def test_the_class_overview_records_its_rows_and_class(login: Any, world: World) -> None:
    response = login("counsellor").get(class_overview(world))
    event = AuditEvent.objects.get(action="screening.class.listed")
    assert event.object_id == str(world.class1.public_id)
    assert event.detail == {"count": len(response.context["rows"])} and event.detail["count"] >= 1


@pytest.mark.parametrize(("persona", "url", "action"), LISTS)
def test_no_name_reaches_the_event(login: Any, world: World, persona: str, url: Any, action: str) -> None:
    login(persona).get(url(world))
    event = AuditEvent.objects.get(action=action)
    text = str(event.detail)
    for child in (world.c1, world.c1b):
        assert child.given_name not in text and child.family_name not in text
    assert event.child_id == ""


@pytest.mark.parametrize(("persona", "url", "action"), LISTS)
def test_the_list_fails_when_it_cannot_be_audited(
    login: Any, world: World, persona: str, url: Any, action: str
) -> None:
    client = login(persona)
    client.raise_request_exception = False
    with mock.patch("lbc.audit.record", side_effect=RuntimeError("audit table unavailable")):
        response = client.get(url(world))
    assert response.status_code == 500
    assert "小䶮".encode() not in response.content
    assert not AuditEvent.objects.filter(action=action).exists()
