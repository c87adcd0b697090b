from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lbc.models import AuditEvent
from tests.conftest import World


@pytest.fixture
def require_otp(settings: Any) -> None:
    settings.LBC_REQUIRE_OTP = True


def current_token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_it_sends_counsellors_to_the_second_factor_first(require_otp: None, login: Any, world: World) -> None:
    client = login("counsellor")
    response = client.get("/healthz")
    assert response.status_code == 200
    response = client.get("/some/page/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp:verify"))
    assert client.get(reverse("otp:verify")).status_code == 302  # no device yet -> setup


def test_a_township_supervisor_must_verify_a_second_factor(require_otp: None, login: Any) -> None:
    client = login("supervisor")
    response = client.get("/no-such-page/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp:verify"))


def test_it_refuses_session_api_access_without_the_second_factor(require_otp: None, login: Any) -> None:
    client = login("county_admin")
    response = client.get("/api/v1/children/")
    assert response.status_code == 403


def test_it_lets_roles_without_the_requirement_through(require_otp: None, login: Any) -> None:
    client = login("village_director")
    response = client.get(reverse("otp:setup"))
    assert response.status_code == 200
    response = client.get("/no-such-page/")
    assert response.status_code == 404


def test_it_enrols_and_then_verifies_a_device(require_otp: None, login: Any, world: World) -> None:
    client = login("counsellor")
    assert client.get(reverse("otp:setup")).status_code == 200
    device = TOTPDevice.objects.get(user=world.user("counsellor"))
    bad = client.post(
        reverse("otp:setup"), {"token": "000000" if current_token(device) != "000000" else "111111"}
    )
    assert bad.status_code == 200
    assert "验证码不正确" in bad.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows retries after a failure; a person would wait
    ok = client.post(reverse("otp:setup"), {"token": current_token(device), "next": "/healthz"})
    assert ok.status_code == 302 and ok["Location"] == "/healthz"
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="lbc.otp.enrolled", actor=world.user("counsellor")).exists()
    # A later session must verify again, and an off-site "next" is ignored.
    client.logout()
    client.force_login(world.user("counsellor"))
    assert client.get("/x/")["Location"].startswith(reverse("otp:verify"))
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    ok = client.post(reverse("otp:verify"), {"token": current_token(device), "next": "https://evil.example/"})
    assert ok.status_code == 302 and ok["Location"] == "/"
