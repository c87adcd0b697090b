"""Accounts: own password, one-time reset codes, second-factor resets, deactivation and expiry notices."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from lbc.models import AuditEvent, Membership, PasswordResetCode
from lbc.services import accounts
from lbc.services.errors import DomainError
from tests.conftest import PASSWORD, World

NEW = "Kx9-mountain-river"
IP = "10.9.8.7"


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def reset_page_post(client: Client, username: str, code: str, password: str = NEW) -> Any:
    return client.post(reverse("lbc:password-reset"), {
        "username": username, "code": code, "new_password1": password, "new_password2": password,
    }, REMOTE_ADDR=IP)


# --- own password ---------------------------------------------------------------------------------


def test_it_changes_the_own_password_and_keeps_the_session(client: Client, world: World) -> None:
    client.force_login(world.user("supervisor"))
    response = client.post(reverse("lbc:password-change"), {
        "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW,
    })
    assert response.status_code == 302 and response["Location"] == reverse("lbc:account")
    assert client.get(reverse("lbc:home")).status_code == 200  # still logged in
    world.user("supervisor").refresh_from_db()
    assert world.user("supervisor").check_password(NEW)
    assert "lbc.user.password_changed" in actions()


def test_it_refuses_a_wrong_old_password_with_a_chinese_message(client: Client, world: World) -> None:
    client.force_login(world.user("supervisor"))
    response = client.post(reverse("lbc:password-change"), {
        "old_password": "wrong", "new_password1": NEW, "new_password2": NEW,
    })
    assert "当前密码不正确" in response.content.decode()
    assert "lbc.user.password_changed" not in actions()


def test_it_applies_djangos_password_validators(client: Client, world: World) -> None:
    client.force_login(world.user("supervisor"))
    response = client.post(reverse("lbc:password-change"), {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678",
    })
    assert response.status_code == 200
    world.user("supervisor").refresh_from_db()
    assert world.user("supervisor").check_password(PASSWORD)


# --- reset codes ----------------------------------------------------------------------------------


def test_it_stores_only_a_hash_of_the_reset_code(world: World) -> None:
    code, row = accounts.issue_reset_code(world.user("supervisor"), by=world.user("county_admin"))
    assert accounts.normalise_reset_code(code) not in row.code_hash
    assert row.expires_at == row.created_at + dt.timedelta(hours=24)
    assert actions() == ["lbc.user.reset_code_issued"]


def test_it_sets_a_new_password_with_a_reset_code(world: World) -> None:
    code, _row = accounts.issue_reset_code(world.user("supervisor"), by=world.user("county_admin"))
    accounts.use_reset_code(username="supervisor", code=code.lower(), new_password=NEW)
    assert get_user_model().objects.get(username="supervisor").check_password(NEW)
    assert actions() == ["lbc.user.reset_code_issued", "lbc.user.password_reset"]


def test_a_used_reset_code_fails_the_second_time(world: World) -> None:
    code, _row = accounts.issue_reset_code(world.user("supervisor"), by=world.user("county_admin"))
    accounts.use_reset_code(username="supervisor", code=code, new_password=NEW)
    with pytest.raises(DomainError):
        accounts.use_reset_code(username="supervisor", code=code, new_password="Another-long-one-7")
    assert get_user_model().objects.get(username="supervisor").check_password(NEW)


def test_an_expired_reset_code_fails(world: World, clock: Any) -> None:
    code, _row = accounts.issue_reset_code(world.user("supervisor"), by=world.user("county_admin"))
    clock.shift(dt.timedelta(hours=24, seconds=1))
    with pytest.raises(DomainError):
        accounts.use_reset_code(username="supervisor", code=code, new_password=NEW)


def test_a_reset_code_works_only_for_its_own_user(world: World) -> None:
    code, _row = accounts.issue_reset_code(world.user("supervisor"), by=world.user("county_admin"))
    with pytest.raises(DomainError):
        accounts.use_reset_code(username="counsellor", code=code, new_password=NEW)


def test_a_new_reset_code_voids_the_earlier_one(world: World) -> None:
    first, _row = accounts.issue_reset_code(world.user("supervisor"), by=world.user("county_admin"))
    accounts.issue_reset_code(world.user("supervisor"), by=world.user("county_admin"))
    with pytest.raises(DomainError):
        accounts.use_reset_code(username="supervisor", code=first, new_password=NEW)


def test_a_reset_code_does_not_work_for_a_deactivated_account(world: World) -> None:
    code, _row = accounts.issue_reset_code(world.user("supervisor"), by=world.user("county_admin"))
    accounts.deactivate_user(world.user("supervisor"), by=world.user("county_admin"))
    with pytest.raises(DomainError):
        accounts.use_reset_code(username="supervisor", code=code, new_password=NEW)


def test_the_administrator_issues_a_code_and_the_user_resets_from_the_login_page(world: World) -> None:
    admin = Client()
    admin.force_login(world.user("county_admin"))
    sheet = admin.post(reverse("manage:user-reset-code", args=["supervisor"])).content.decode()
    code = re.search(r'data-testid="reset-code">([A-Z0-9-]+)<', sheet).group(1)  # type: ignore[union-attr]
    user = Client()
    login_page = user.get(reverse("lbc:login")).content.decode()
    assert reverse("lbc:password-reset") in login_page
    response = reset_page_post(user, "supervisor", code)
    assert response.status_code == 302 and response["Location"] == reverse("lbc:login")
    login = user.post(reverse("lbc:login"), {"username": "supervisor", "password": NEW}, REMOTE_ADDR=IP)
    assert login.status_code == 302 and "_auth_user_id" in user.session


def test_the_reset_page_answers_unknown_users_and_wrong_codes_alike(client: Client, world: World) -> None:
    unknown = reset_page_post(client, "no-such-user", "AAAA-BBBB-CCCC").content.decode()
    wrong = reset_page_post(client, "supervisor", "AAAA-BBBB-CCCC").content.decode()
    assert "用户名或重置码不正确" in unknown and "用户名或重置码不正确" in wrong


def test_wrong_reset_codes_lock_the_pair_like_failed_logins(world: World) -> None:
    code, _row = accounts.issue_reset_code(world.user("counsellor"), by=world.user("county_admin"))
    client = Client()
    for _n in range(9):
        assert reset_page_post(client, "counsellor", "AAAA-BBBB-CCCC").status_code == 200
    assert reset_page_post(client, "counsellor", "AAAA-BBBB-CCCC").status_code == 429
    # Locked: even the right code is refused, and the login page is locked for the same pair too.
    assert reset_page_post(client, "counsellor", code).status_code == 429
    assert not PasswordResetCode.objects.filter(used_at__isnull=False).exists()
    login = client.post(reverse("lbc:login"), {"username": "counsellor", "password": PASSWORD},
                        REMOTE_ADDR="10.9.8.7")
    assert login.status_code == 429


def test_an_administrator_cannot_issue_a_code_in_another_county(client: Client, world: World) -> None:
    client.force_login(world.user("county_admin"))
    assert client.post(reverse("manage:user-reset-code", args=["other_county_admin"])).status_code == 404
    assert not PasswordResetCode.objects.exists()


def test_other_roles_cannot_issue_reset_codes(client: Client, world: World) -> None:
    client.force_login(world.user("supervisor"))
    assert client.post(reverse("manage:user-reset-code", args=["counsellor"])).status_code == 403


def test_it_refuses_a_code_for_an_account_with_roles_in_another_county(client: Client, world: World) -> None:
    Membership.objects.create(user=world.user("supervisor"), role="township_supervisor", region=world.t3)
    client.force_login(world.user("county_admin"))
    response = client.post(reverse("manage:user-reset-code", args=["supervisor"]))
    assert response.status_code == 302
    assert not PasswordResetCode.objects.exists()


# --- second factor --------------------------------------------------------------------------------


def test_it_resets_a_lost_authenticator_with_a_reason(client: Client, world: World) -> None:
    TOTPDevice.objects.create(user=world.user("counsellor"), name="phone", confirmed=True)
    client.force_login(world.user("county_admin"))
    url = reverse("manage:user-second-factor-reset", args=["counsellor"])
    assert client.post(url, {"reason": " "}).status_code == 200
    assert TOTPDevice.objects.filter(user=world.user("counsellor")).exists()
    assert client.post(url, {"reason": "手机丢失"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=world.user("counsellor")).exists()
    event = AuditEvent.objects.get(action="lbc.user.otp_reset")
    assert event.detail["reason"] == "手机丢失" and event.actor_username == "county_admin"


def test_after_a_reset_the_user_must_enrol_again(client: Client, world: World, settings: Any) -> None:
    settings.LBC_REQUIRE_OTP = True
    TOTPDevice.objects.create(user=world.user("counsellor"), name="phone", confirmed=True)
    accounts.reset_second_factor(world.user("counsellor"), reason="换手机", by=world.user("county_admin"))
    client.force_login(world.user("counsellor"))
    response = client.get(reverse("lbc:home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("otp:setup"))


# --- deactivation ---------------------------------------------------------------------------------


def test_a_deactivated_user_loses_sessions_and_api_tokens(world: World) -> None:
    user = Client()
    user.force_login(world.user("supervisor"))
    token = Token.objects.create(user=world.user("supervisor"))
    accounts.deactivate_user(world.user("supervisor"), by=world.user("county_admin"))
    assert user.get(reverse("lbc:home")).status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/children/").status_code == 401
    login = Client().post(reverse("lbc:login"), {"username": "supervisor", "password": PASSWORD})
    assert login.status_code == 200


def test_it_reactivates_a_deactivated_account(client: Client, world: World) -> None:
    accounts.deactivate_user(world.user("supervisor"), by=world.user("county_admin"))
    client.force_login(world.user("county_admin"))
    client.post(reverse("manage:user-reactivate", args=["supervisor"]))
    assert get_user_model().objects.get(username="supervisor").is_active
    assert actions()[-1] == "lbc.user.reactivated"


def test_reactivating_an_active_account_is_refused(world: World) -> None:
    with pytest.raises(DomainError):
        accounts.reactivate_user(world.user("supervisor"), by=world.user("county_admin"))


# --- expiry notices -------------------------------------------------------------------------------


def expire_in(world: World, persona: str, days: int) -> None:
    Membership.objects.filter(user=world.user(persona)).update(
        valid_until=timezone.localdate() + dt.timedelta(days=days)
    )


def test_the_user_list_warns_of_roles_ending_within_fourteen_days(client: Client, world: World) -> None:
    expire_in(world, "supervisor", 10)
    expire_in(world, "counsellor", 20)
    client.force_login(world.user("county_admin"))
    html = client.get(reverse("manage:user-list")).content.decode()
    warning = html.split("14天内到期的角色")[1].split("</div>")[0]
    assert "supervisor" in warning and "counsellor" not in warning


def test_the_home_page_warns_the_user_whose_role_ends_soon(client: Client, world: World) -> None:
    expire_in(world, "supervisor", 3)
    client.force_login(world.user("supervisor"))
    assert "将于" in client.get(reverse("lbc:home")).content.decode()
    client.force_login(world.user("counsellor"))
    assert "将于" not in client.get(reverse("lbc:home")).content.decode()
