"""The county thresholds page: county administrators edit their county's thresholds; saving re-scores."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.urls import reverse

from lbc.models import AuditEvent, Consent, Membership, Role
from screening.assessments.recording import InstrumentAnswers, record_assessment
from screening.models import Assessment, CountyThresholds, Rescore
from screening.scoring.tiers import DEFAULT_THRESHOLDS, Thresholds
from screening.views.thresholds import FIELDS

from ..conftest import World
from .helpers import spread

SAVED = "已保存，正在按新阈值重新评级…"


def page(world: World, county: str = "county") -> str:
    return reverse("screening:thresholds-county", args=[getattr(world, county).public_id])


def form_data(**changes: int | str) -> dict[str, Any]:
    return {**dataclasses.asdict(DEFAULT_THRESHOLDS), **changes}


def yellow_assessment(world: World) -> Assessment:
    Consent.objects.create(
        child=world.c1b, purpose=Consent.Purpose.SCREENING, decision=Consent.Decision.GRANTED,
        given_by_name="测试父亲", given_by_relationship="父亲", is_legal_guardian=True,
        channel=Consent.Channel.PHONE, notice_version="2026-1", decided_on=dt.date(2026, 9, 1),
    )
    answers = spread(11, range(1, 9), 3) | {9: 0}
    return record_assessment(
        world.c1b, [InstrumentAnswers("PHQ-9", "1", answers, seconds=100.0)], by=None, mode="paper",
        administered_on=dt.date(2026, 10, 20), campaign=world.camp1,
    )


def test_every_threshold_has_a_labelled_field() -> None:
    assert list(FIELDS) == [f.name for f in dataclasses.fields(Thresholds)]


def test_the_bare_url_leads_an_administrator_to_their_county(login: Any, world: World) -> None:
    response = login("county_admin").get(reverse("screening:thresholds"))
    assert response.status_code == 302
    assert response["Location"] == page(world)


def test_an_administrator_of_two_counties_chooses_one(login: Any, world: World) -> None:
    Membership.objects.create(user=world.user("county_admin"), role=Role.COUNTY_ADMIN, region=world.county2)
    response = login("county_admin").get(reverse("screening:thresholds"))
    assert response.status_code == 200
    html = response.content.decode()
    assert page(world) in html and page(world, "county2") in html


def test_it_shows_the_countys_current_values_and_the_defaults(login: Any, world: World) -> None:
    CountyThresholds.objects.create(county=world.county, values={"phq9_moderate": 11})
    response = login("county_admin").get(page(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="phq9_moderate" value="11"' in html
    assert 'name="gad7_moderate" value="10"' in html
    assert "默认值：10" in html
    assert "尚未修改过" in html


def test_saving_stores_audits_and_rescores_the_countys_campaigns(
    login: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    yellow = yellow_assessment(world)
    client = login("county_admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page(world), form_data(phq9_moderate=12))
    assert response.status_code == 302
    assert CountyThresholds.objects.get(county=world.county).values["phq9_moderate"] == 12
    event = AuditEvent.objects.get(action="screening.thresholds.saved")
    assert event.actor_username == "county_admin"
    assert event.detail["changed"] == {"phq9_moderate": [10, 12]}
    yellow.refresh_from_db()
    assert yellow.tier == "GREEN"
    assert Rescore.objects.get(assessment=yellow).by == world.user("county_admin")
    html = client.get(response["Location"]).content.decode()
    assert SAVED in html
    assert "PHQ-9 中度界值（黄色）：10 → 12" in html
    assert "县级预警阈值调整" in html


def test_an_unchanged_save_says_so_and_rescores_nothing(
    login: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = login("county_admin").post(page(world), form_data(), follow=True)
    assert "阈值没有变化" in response.content.decode()
    assert callbacks == []
    assert not CountyThresholds.objects.exists()


def test_inconsistent_values_are_refused_in_chinese_and_kept(login: Any, world: World) -> None:
    response = login("county_admin").post(page(world), form_data(phq9_moderate=16))
    html = response.content.decode()
    assert response.status_code == 400
    assert "中度界值不能高于重度界值" in html
    assert 'name="phq9_moderate" value="16"' in html
    assert not CountyThresholds.objects.exists()
    assert not AuditEvent.objects.filter(action="screening.thresholds.saved").exists()


def test_out_of_range_blank_and_non_numeric_values_are_refused(login: Any, world: World) -> None:
    response = login("county_admin").post(
        page(world), form_data(phq9_moderate=28, gad7_severe="", orange_school_days="三")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "请填写。" in html and "请填写整数。" in html
    assert 'name="orange_school_days" value="三"' in html
    assert not CountyThresholds.objects.exists()


def test_extra_fields_cannot_choose_another_county(login: Any, world: World) -> None:
    data = form_data(phq9_moderate=12, county=world.county2.pk, county_id=world.county2.pk)
    login("county_admin").post(page(world), data)
    assert list(CountyThresholds.objects.values_list("county_id", flat=True)) == [world.county.pk]


def test_other_roles_and_the_other_county_cannot_save(login: Any, world: World) -> None:
    assert login("supervisor").post(page(world), form_data(phq9_moderate=12)).status_code == 403
    assert login("trainer").post(page(world), form_data(phq9_moderate=12)).status_code == 403
    assert login("other_county_admin").post(page(world), form_data(phq9_moderate=12)).status_code == 404
    assert not CountyThresholds.objects.exists()
