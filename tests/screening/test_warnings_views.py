"""Warning list and warning page: ordering, neutral view, actions as POST forms, bounded queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lbc.models import Child
from screening.models import Assessment, Warning, WarningState
from screening.scoring.tiers import Tier
from tests.factories import make_child

LIST = "screening:warning-list"


def detail(world: Any) -> str:
    return reverse("screening:warning-detail", kwargs={"public_id": world.w1.public_id})


def action(world: Any, name: str) -> str:
    return reverse("screening:warning-action", kwargs={"public_id": world.w1.public_id, "action": name})


def add_warnings(
    world: Any, n: int, *, tier: str = Tier.YELLOW, due_in: dt.timedelta = dt.timedelta(days=3)
) -> None:
    now = timezone.now()
    for i in range(n):
        child = make_child(world.v1, world.s1, world.class1, family_name="测", given_name=f"试{i}")
        assessment = Assessment.objects.create(
            child=child,
            school=world.s1,
            township=world.t1,
            county=world.county,
            administered_on=dt.date(2026, 11, 2),
            mode="paper",
            age=10,
            sex="F",
            tier=tier,
            action="",
            deadline="",
            context_score=i % 12,
        )
        Warning.objects.create(
            child=child,
            assessment=assessment,
            tier=tier,
            school=world.s1,
            township=world.t1,
            county=world.county,
            due_at=now + due_in,
            context_score=i % 12,
        )


def test_the_supervisor_sees_overdue_first_then_by_tier(login: Any, world: Any) -> None:
    add_warnings(world, 2, tier=Tier.ORANGE)
    add_warnings(world, 1, tier=Tier.YELLOW, due_in=-dt.timedelta(hours=1))
    rows = login("supervisor").get(reverse(LIST)).context["rows"]
    assert [r["tier"] for r in rows] == ["黄色", "红色", "橙色", "橙色"]
    assert rows[0]["overdue"] and not rows[1]["overdue"]


def test_filters_by_tier_and_counts_per_school(login: Any, world: Any) -> None:
    add_warnings(world, 3)
    response = login("supervisor").get(reverse(LIST), {"tier": "RED"})
    assert [r["public_id"] for r in response.context["rows"]] == [world.w1.public_id]
    assert response.context["by_school"][0]["n"] == 4


def test_the_head_teacher_sees_the_neutral_label_and_the_action_only(login: Any, world: Any) -> None:
    response = login("head_teacher").get(reverse(LIST))
    [row] = response.context["rows"]
    assert row["neutral_label"] == "需跟进" and "安全评估" in row["action"]
    assert "tier" not in row
    body = response.content.decode()
    assert "红色" not in body and "关注度" not in body
    page = login("head_teacher").get(detail(world)).content.decode()
    assert "红色" not in page and "处理记录" not in page and action(world, "acknowledge") not in page


def test_the_counsellor_page_offers_the_actions_the_state_allows(login: Any, world: Any) -> None:
    page = login("counsellor").get(detail(world))
    assert page.context["actions"] == ["acknowledge", "assign", "escalate", "transfer"]
    assert "csrfmiddlewaretoken" in page.content.decode()


def test_acknowledging_by_post_moves_the_warning_and_shows_it_in_the_history(login: Any, world: Any) -> None:
    client = login("counsellor")
    response = client.post(action(world, "acknowledge"), {"note": "已当面确认孩子安全"})
    assert response.status_code == 302
    world.w1.refresh_from_db()
    assert world.w1.state == WarningState.ACKNOWLEDGED
    assert "已当面确认孩子安全" in client.get(detail(world)).content.decode()


def test_a_refused_action_shows_a_chinese_message_and_changes_nothing(login: Any, world: Any) -> None:
    client = login("counsellor")
    response = client.post(action(world, "close"), {"outcome": "resolved"}, follow=True)
    assert "不能执行此操作" in response.content.decode()
    world.w1.refresh_from_db()
    assert world.w1.state == WarningState.RAISED


def test_a_county_administrator_may_not_close(login: Any, world: Any) -> None:
    assert login("county_admin").post(action(world, "close"), {"outcome": "resolved"}).status_code == 403


def test_the_village_director_may_look_but_not_act(login: Any, world: Any) -> None:
    assert login("village_director").post(action(world, "acknowledge")).status_code == 403


def test_outside_the_scope_an_action_answers_404(login: Any, world: Any) -> None:
    assert login("other_counsellor").post(action(world, "acknowledge")).status_code == 404


@pytest.mark.parametrize("persona", ["supervisor", "counsellor", "county_admin", "head_teacher"])
def test_the_list_issues_the_same_number_of_queries_for_5_and_50_warnings(
    login: Any, world: Any, persona: str
) -> None:
    client = login(persona)
    add_warnings(world, 5)
    client.get(reverse(LIST))  # warm the session
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse(LIST)).status_code == 200
    add_warnings(world, 45)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(reverse(LIST))
    assert len(response.context["rows"]) == 51
    assert len(fifty.captured_queries) == len(five.captured_queries)
    assert len(five.captured_queries) <= 24  # 20, plus the audit event of the page (decision 40)
    assert Child.objects.count() > 50
