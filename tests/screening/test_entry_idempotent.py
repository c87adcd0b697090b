"""Paper entry is idempotent: the same form posted twice (a double click, a resent request, two
requests at the same moment) saves one screening; the second post shows the first one's result."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from lbc import submissions
from lbc.models import AuditEvent, FormSubmission
from lbc.services.errors import DomainError
from screening.models import Assessment
from screening.views.entry import PAPER_FORM
from tests.conftest import World
from tests.training.test_enrolment_concurrency import in_a_thread, in_parallel, threads_on_a_database_file

from .test_entry_views import TODAY, paper_data, paper_url, result_url

TOKEN = re.compile(r'name="submission" value="([^"]+)"')


def entered(world: World) -> Any:
    """The screenings of c1 entered today (the world has an earlier one)."""
    return Assessment.objects.filter(child=world.c1, administered_on=TODAY)


def form_token(client: Any, url: str) -> str:
    found = TOKEN.search(client.get(url).content.decode())
    assert found, "the form carries no submission token"
    return found.group(1)


def test_the_same_form_posted_twice_saves_one_screening_and_shows_its_result(
    login: Any, world: World
) -> None:
    client = login("counsellor")
    url = paper_url(world.c1, world.camp1)
    data = {**paper_data(phq9_9="1"), "submission": form_token(client, url)}
    events = AuditEvent.objects.filter(action="screening.assessment.recorded")
    before = events.count()
    first = client.post(url, data)
    assessment = entered(world).get()
    assert first.status_code == 302 and first["Location"] == result_url(assessment)

    second = client.post(url, data)

    assert second.status_code == 302 and second["Location"] == result_url(assessment)
    assert entered(world).count() == 1
    assert events.count() == before + 1
    assert "已经保存过" in client.get(second["Location"]).content.decode()


def test_each_fresh_form_saves_its_own_screening(login: Any, world: World) -> None:
    client = login("counsellor")
    url = paper_url(world.c1, world.camp1)
    for _i in range(2):
        client.post(url, {**paper_data(phq9_9="1"), "submission": form_token(client, url)})
    assert entered(world).count() == 2


def test_a_refused_post_keeps_its_token_for_the_corrected_form(login: Any, world: World) -> None:
    client = login("counsellor")
    url = paper_url(world.c1, world.camp1)
    token = form_token(client, url)
    refused = client.post(url, {**paper_data(phq9_3="7"), "submission": token})
    assert refused.status_code == 200 and f'value="{token}"' in refused.content.decode()
    assert not FormSubmission.objects.exists()  # the claim rolled back with the refusal
    assert client.post(url, {**paper_data(phq9_9="1"), "submission": token}).status_code == 302
    assert entered(world).count() == 1


def test_a_token_used_by_another_user_or_form_leads_nowhere(login: Any, world: World) -> None:
    url = paper_url(world.c1, world.camp1)
    token = form_token(login("counsellor"), url)
    login("counsellor").post(url, {**paper_data(phq9_9="1"), "submission": token})
    others = ((world.user("county_admin"), PAPER_FORM), (world.user("counsellor"), "lbc.child.register"))
    for user, form in others:
        with pytest.raises(DomainError) as caught, transaction.atomic():
            submissions.claim(token, user, form)
        assert "页面已过期" in caught.value.message
    with pytest.raises(submissions.AlreadySubmitted), transaction.atomic():
        submissions.claim(token, world.user("counsellor"), PAPER_FORM)


@pytest.mark.django_db(transaction=True)
def test_two_posts_at_the_same_moment_save_one_screening(world: World, tmp_path: Path) -> None:
    user = world.user("counsellor")
    url = paper_url(world.c1, world.camp1)
    data = {**paper_data(phq9_9="1"), "submission": "synthetic-token-" + "x" * 20}

    def post(_i: int) -> tuple[int, str]:
        client = Client()
        client.force_login(user)
        response = client.post(url, data)
        return response.status_code, response.get("Location", "")

    with threads_on_a_database_file(tmp_path / "db.sqlite3"):
        results, errors = in_parallel(2, post)
        saved = in_a_thread(lambda: list(entered(world)))
    assert errors == []
    assert len(saved) == 1
    assert results == [(302, result_url(saved[0]))] * 2
