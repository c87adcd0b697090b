"""Registering a child is idempotent: a double post of the form (above all for a child without an ID
number, whom no unique index would catch) creates one file; old tokens are forgotten."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lbc import submissions
from lbc.models import AuditEvent, Child, FormSubmission
from lbc.periodic import jobs
from tests.conftest import World
from tests.training.test_enrolment_concurrency import in_a_thread, in_parallel, threads_on_a_database_file

from .test_views_children import new_child_data

TOKEN = re.compile(r'name="submission" value="([^"]+)"')


def without_id(world: World, token: str) -> dict[str, Any]:
    data = new_child_data(world, id_number="", id_absent_reason=Child.IdAbsentReason.NOT_ISSUED)
    return {**data, "submission": token}


def form_token(client: Any) -> str:
    found = TOKEN.search(client.get(reverse("lbc:child-create")).content.decode())
    assert found, "the registration form carries no submission token"
    return found.group(1)


def test_a_child_without_id_number_posted_twice_is_registered_once(login: Any, world: World) -> None:
    client = login("counsellor")
    data = without_id(world, form_token(client))
    first = client.post(reverse("lbc:child-create"), data)
    child = Child.objects.get(given_name="小禾")
    assert first.status_code == 302

    second = client.post(reverse("lbc:child-create"), data)

    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Child.objects.filter(given_name="小禾").count() == 1
    events = AuditEvent.objects.filter(action="lbc.child.registered", child_id=str(child.public_id))
    assert events.count() == 1
    assert "已经提交过" in client.get(second["Location"]).content.decode()


def test_the_edit_form_has_no_token_and_a_new_form_a_fresh_one(login: Any, world: World) -> None:
    client = login("counsellor")
    assert form_token(client) != form_token(client)
    edit = client.get(reverse("lbc:child-edit", kwargs={"public_id": world.c1.public_id})).content.decode()
    assert 'name="submission"' not in edit


def test_a_malformed_token_is_refused_with_the_values_kept(login: Any, world: World) -> None:
    response = login("counsellor").post(reverse("lbc:child-create"), without_id(world, "<script>"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "页面已过期" in html and 'value="小禾"' in html
    assert not Child.objects.filter(given_name="小禾").exists()


@pytest.mark.django_db(transaction=True)
def test_two_registrations_at_the_same_moment_create_one_child(world: World, tmp_path: Path) -> None:
    user = world.user("counsellor")
    data = without_id(world, "synthetic-token-" + "y" * 20)

    def post(_i: int) -> int:
        client = Client()
        client.force_login(user)
        return int(client.post(reverse("lbc:child-create"), data).status_code)

    with threads_on_a_database_file(tmp_path / "db.sqlite3"):
        results, errors = in_parallel(2, post)
        count = in_a_thread(lambda: Child.objects.filter(given_name="小禾").count())
    assert errors == [] and results == [302, 302]
    assert count == 1


def test_old_tokens_are_forgotten_by_the_periodic_job(login: Any, world: World) -> None:
    client = login("counsellor")
    client.post(reverse("lbc:child-create"), without_id(world, form_token(client)))
    assert FormSubmission.objects.count() == 1
    assert "lbc.submissions.purge_expired" in jobs()
    assert submissions.purge_expired(timezone.now()) == 0
    assert submissions.purge_expired(timezone.now() + submissions.RETENTION + dt.timedelta(minutes=1)) == 1
    assert not FormSubmission.objects.exists()
