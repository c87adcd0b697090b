"""The Django admin: county administrators only, their own county only, no person data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lbc.models import (
    AuditEvent,
    Child,
    ChildGrant,
    Consent,
    Guardian,
    Household,
    Membership,
    Organisation,
    Parent,
    Region,
    Role,
    School,
    SchoolClass,
)
from tests.conftest import PERSONAS, World


def staff_client(world: World, persona: str) -> Client:
    user = world.user(persona)
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def test_a_county_administrator_with_staff_status_enters_the_admin(world: World) -> None:
    response = staff_client(world, "county_admin").get(reverse("admin:index"))
    assert response.status_code == 200
    body = response.content.decode()
    for model in ("region", "school", "schoolclass", "organisation", "membership"):
        assert f"/admin/lbc/{model}/" in body


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in {"county_admin", "other_county_admin"}])
def test_other_roles_are_refused_even_with_staff_status(world: World, persona: str) -> None:
    client = staff_client(world, persona)
    for url in (
        reverse("admin:index"),
        reverse("admin:lbc_region_changelist"),
        reverse("admin:lbc_school_add"),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("admin:login"))


def test_a_county_administrator_without_staff_status_is_refused(world: World, login: Any) -> None:
    response = login("county_admin").get(reverse("admin:index"))
    assert response.status_code == 302


def test_an_expired_county_administrator_is_refused(world: World) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Membership.objects.filter(user=world.user("county_admin")).update(
        valid_from=yesterday - dt.timedelta(days=30), valid_until=yesterday
    )
    assert staff_client(world, "county_admin").get(reverse("admin:index")).status_code == 302


def test_anonymous_visitors_are_sent_to_the_login_page(world: World, client: Client) -> None:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_the_region_changelist_shows_only_the_county_s_townships_and_villages(world: World) -> None:
    body = staff_client(world, "county_admin").get(reverse("admin:lbc_region_changelist")).content.decode()
    assert "一乡" in body and "二村" in body
    assert "三乡" not in body and "三村" not in body
    other = (
        staff_client(world, "other_county_admin").get(reverse("admin:lbc_region_changelist")).content.decode()
    )
    assert "三乡" in other and "一乡" not in other


def test_the_school_and_class_changelists_are_scoped(world: World) -> None:
    client = staff_client(world, "county_admin")
    schools = client.get(reverse("admin:lbc_school_changelist")).content.decode()
    assert "一乡中心学校" in schools and "二乡中心学校" in schools and "三乡中心学校" not in schools
    classes = client.get(reverse("admin:lbc_schoolclass_changelist"))
    assert {c.school_id for c in classes.context["cl"].result_list} == {world.s1.pk, world.s2.pk}


def test_the_membership_changelist_is_scoped(world: World) -> None:
    response = staff_client(world, "county_admin").get(reverse("admin:lbc_membership_changelist"))
    users = {m.user.username for m in response.context["cl"].result_list}
    assert "supervisor" in users and "counsellor" in users
    assert "other_county_admin" not in users and "nobody" not in users


def test_objects_of_another_county_cannot_be_opened(world: World) -> None:
    client = staff_client(world, "county_admin")
    for url in (
        reverse("admin:lbc_region_change", args=[world.t3.pk]),
        reverse("admin:lbc_school_change", args=[world.s3.pk]),
        reverse("admin:lbc_region_change", args=[world.county.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("admin:index"), url


def test_foreign_key_choices_are_limited_to_the_county(world: World) -> None:
    client = staff_client(world, "county_admin")
    region_form = client.get(reverse("admin:lbc_region_add")).content.decode()
    assert "测试县" in region_form and "邻县" not in region_form and "三乡" not in region_form
    school_form = client.get(reverse("admin:lbc_school_add")).content.decode()
    assert "一村" in school_form and "三村" not in school_form
    class_form = client.get(reverse("admin:lbc_schoolclass_add")).content.decode()
    assert "一乡中心学校" in class_form and "三乡中心学校" not in class_form


def test_adding_a_township_derives_its_level_and_writes_an_audit_event(world: World) -> None:
    response = staff_client(world, "county_admin").post(
        reverse("admin:lbc_region_add"),
        {
            "parent": world.county.pk,
            "name": "后台乡",
            "code": "530102777",
            "level": "5",
        },
    )
    assert response.status_code == 302
    township = Region.objects.get(code="530102777")
    assert township.level == Region.Level.TOWNSHIP and township.parent == world.county
    assert AuditEvent.objects.filter(action="lbc.region.created", object_id=str(township.public_id)).exists()


def test_a_parent_outside_the_county_is_refused(world: World) -> None:
    response = staff_client(world, "county_admin").post(
        reverse("admin:lbc_region_add"),
        {
            "parent": world.t3.pk,
            "name": "越界村",
            "code": "530102778",
        },
    )
    assert response.status_code == 200
    assert not Region.objects.filter(code="530102778").exists()


def test_a_bad_grade_is_refused_in_chinese(world: World) -> None:
    response = staff_client(world, "county_admin").post(
        reverse("admin:lbc_schoolclass_add"),
        {
            "school": world.s1.pk,
            "school_year": 2026,
            "grade": 0,
            "name": "零班",
        },
    )
    assert "年级须在1至12之间。" in response.content.decode()
    assert not SchoolClass.objects.filter(name="零班").exists()


def test_adding_a_county_administrator_membership_in_the_admin_grants_staff(world: World) -> None:
    supervisor = world.user("supervisor")
    response = staff_client(world, "county_admin").post(
        reverse("admin:lbc_membership_add"),
        {
            "user": supervisor.pk,
            "role": Role.COUNTY_ADMIN,
            "region": world.county.pk,
            "valid_from": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    supervisor.refresh_from_db()
    assert supervisor.is_staff
    assert AuditEvent.objects.filter(action="lbc.membership.created").exists()


def test_nothing_can_be_deleted_in_the_admin(world: World) -> None:
    client = staff_client(world, "county_admin")
    assert client.get(reverse("admin:lbc_school_delete", args=[world.s1.pk])).status_code == 403
    assert School.objects.filter(pk=world.s1.pk).exists()


@pytest.mark.parametrize("model", [Child, Guardian, Parent, Household, Consent, AuditEvent, ChildGrant])
def test_person_data_and_the_audit_log_are_not_in_the_admin(world: World, model: type) -> None:
    assert not admin.site.is_registered(model)
    client = staff_client(world, "county_admin")
    assert client.get(f"/admin/lbc/{model._meta.model_name}/").status_code == 404


def test_accounts_are_managed_outside_the_admin(world: World) -> None:
    assert not admin.site.is_registered(get_user_model())
    assert admin.site.is_registered(Organisation)


def test_the_admin_login_goes_through_axes(world: World, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    client = Client(REMOTE_ADDR="10.9.8.7")
    for _ in range(3):
        client.post(reverse("admin:login"), {"username": "county_admin", "password": "wrong-password"})
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username="county_admin").exists()
    response = client.post(
        reverse("admin:login"), {"username": "county_admin", "password": "synthetic-test-password"}
    )
    assert response.status_code in (403, 429)
