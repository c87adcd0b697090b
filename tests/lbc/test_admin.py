"""The Django admin: the system administrator (an active superuser) only, and never person data."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from lbc.models import AuditEvent, Membership, Region, Role
from tests.conftest import PASSWORD, PERSONAS, World

User = get_user_model()

# Everything the admin may show. Adding a model here needs a reason: it must hold no person data.
ALLOWED = {
    "lbc.Region": "the region tree and its division codes",
    "auth.User": "staff accounts: login, name, active (no child, family or screening data)",
    "lbc.Membership": "county-administrator appointments only",
    "axes.AccessAttempt": "login lockouts (staff usernames and addresses), so one can be lifted",
    "axes.AccessLog": "staff logins",
    "axes.AccessFailureLog": "failed staff logins",
    "django_tasks_database.DBTaskResult": "background job results (ids and counts)",
}
PERSON_DATA = sorted(
    (
        m
        for app in ("lbc", "screening", "training")
        for m in apps.get_app_config(app).get_models()
        if m._meta.label not in ALLOWED
    ),
    key=lambda m: m._meta.label,
)


@pytest.fixture
def sysadmin(world: World) -> Client:
    user = User.objects.create_superuser("sysadmin", password=PASSWORD)
    client = Client()
    client.force_login(user)
    return client


def staff_client(world: World, persona: str) -> Client:
    User.objects.filter(pk=world.user(persona).pk).update(is_staff=True)
    client = Client()
    client.force_login(User.objects.get(pk=world.user(persona).pk))
    return client


def test_only_allowed_models_are_registered() -> None:
    registered = {model._meta.label for model in admin.site._registry}
    assert registered <= set(ALLOWED), f"registered without review: {sorted(registered - set(ALLOWED))}"


def test_person_data_models_are_many_and_include_the_obvious_ones() -> None:
    labels = {m._meta.label for m in PERSON_DATA}
    assert {
        "lbc.Child",
        "lbc.Guardian",
        "lbc.Parent",
        "lbc.Household",
        "lbc.Consent",
        "lbc.AuditEvent",
        "lbc.ContactPreference",
        "lbc.PasswordResetCode",
    } <= labels
    assert any(label.startswith("screening.") for label in labels)
    assert any(label.startswith("training.") for label in labels)


@pytest.mark.parametrize("model", PERSON_DATA, ids=lambda m: m._meta.label)
def test_no_person_data_model_is_in_the_admin(sysadmin: Client, model: type[Model]) -> None:
    assert not admin.site.is_registered(model)
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert sysadmin.get(url).status_code == 404


def test_secrets_of_other_users_are_not_in_the_admin(sysadmin: Client) -> None:
    assert sysadmin.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert sysadmin.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_the_system_administrator_enters_the_admin(sysadmin: Client) -> None:
    body = sysadmin.get(reverse("admin:index")).content.decode()
    for url in ("/admin/lbc/region/", "/admin/auth/user/", "/admin/lbc/membership/"):
        assert url in body


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_other_account_enters_even_with_staff_status(world: World, persona: str) -> None:
    client = staff_client(world, persona)
    names = ("admin:index", "admin:lbc_region_changelist", "admin:auth_user_add", "admin:lbc_membership_add")
    for url in map(reverse, names):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url


def test_an_inactive_superuser_is_refused(world: World) -> None:
    user = User.objects.create_superuser("old-sysadmin", password=PASSWORD)
    client = Client()
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(reverse("admin:index")).status_code == 302


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client) -> None:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_the_county_pages_no_longer_link_to_the_admin(world: World) -> None:
    client = staff_client(world, "county_admin")
    assert reverse("admin:index") not in client.get(reverse("manage:home")).content.decode()


def test_a_new_county_gets_its_level_from_its_parent_and_is_audited(sysadmin: Client, world: World) -> None:
    response = sysadmin.post(
        reverse("admin:lbc_region_add"),
        {
            "parent": world.city.pk,
            "name": "示例新县（虚构）",
            "code": "990103000000",
            "urban_rural": "",
            "level": "5",
        },
    )
    assert response.status_code == 302
    county = Region.objects.get(code="990103000000")
    assert county.level == Region.Level.COUNTY and county.parent == world.city
    assert AuditEvent.objects.filter(action="lbc.region.created", object_id=str(county.public_id)).exists()


def test_a_county_administrator_is_appointed_through_the_audited_service(
    sysadmin: Client, world: World
) -> None:
    response = sysadmin.post(
        reverse("admin:lbc_membership_add"),
        {
            "user": world.user("nobody").pk,
            "role": Role.COUNTY_ADMIN,
            "region": world.county2.pk,
            "valid_from": "2026-12-01",
            "valid_until": "",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=world.user("nobody"))
    assert membership.region == world.county2
    assert AuditEvent.objects.filter(action="lbc.membership.created", object_id=str(membership.pk)).exists()


def test_other_roles_are_given_on_the_county_pages_not_here(sysadmin: Client, world: World) -> None:
    response = sysadmin.post(
        reverse("admin:lbc_membership_add"),
        {
            "user": world.user("nobody").pk,
            "role": Role.COUNSELLOR,
            "region": world.county2.pk,
            "valid_from": "2026-12-01",
        },
    )
    assert response.status_code == 200 and not Membership.objects.filter(user=world.user("nobody")).exists()
    listed = sysadmin.get(reverse("admin:lbc_membership_changelist")).context["cl"].result_list
    assert {m.role for m in listed} == {Role.COUNTY_ADMIN}


def test_an_account_edit_cannot_grant_superuser_or_staff(sysadmin: Client, world: World) -> None:
    target = world.user("nobody")
    form = sysadmin.get(reverse("admin:auth_user_change", args=[target.pk])).content.decode()
    assert 'name="is_superuser"' not in form and 'name="is_staff"' not in form
    response = sysadmin.post(
        reverse("admin:auth_user_change", args=[target.pk]),
        {
            "username": "nobody",
            "first_name": "示例（虚构）",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.first_name == "示例（虚构）" and not target.is_superuser and not target.is_staff
    assert AuditEvent.objects.filter(action="lbc.user.updated", object_id=str(target.pk)).exists()


def test_nothing_can_be_deleted_in_the_admin(sysadmin: Client, world: World) -> None:
    assert sysadmin.get(reverse("admin:lbc_region_delete", args=[world.v1.pk])).status_code == 403
    assert sysadmin.get(reverse("admin:auth_user_delete", args=[world.user("nobody").pk])).status_code == 403
    assert Region.objects.filter(pk=world.v1.pk).exists()


def test_the_admin_login_goes_through_axes(world: World, settings: Any) -> None:
    User.objects.create_superuser("sysadmin", password=PASSWORD)
    settings.AXES_FAILURE_LIMIT = 2
    client = Client(REMOTE_ADDR="10.9.8.7")
    for _attempt in range(3):
        client.post(reverse("admin:login"), {"username": "sysadmin", "password": "wrong-password"})
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username="sysadmin").exists()
    response = client.post(reverse("admin:login"), {"username": "sysadmin", "password": PASSWORD})
    assert response.status_code in (403, 429)


def test_the_system_administrator_needs_the_second_factor(sysadmin: Client, settings: Any) -> None:
    settings.LBC_REQUIRE_OTP = True
    response = sysadmin.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp:verify"))
