"""API tokens end: after their lifetime, when the password changes, when a new one is issued, on DELETE.
The schema is for signed-in users only. Password rules speak Chinese and refuse "word + year"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lbc.models import AuditEvent
from tests.conftest import PASSWORD, World

TOKEN_URL = "/api/v1/auth/token/"
LIST_URL = "/api/v1/children/"


@pytest.fixture(autouse=True)
def fresh_throttle() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def issue(username: str) -> str:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_works_until_its_lifetime_ends(
    world: World, settings: Any, clock: time_machine.Traveller
) -> None:
    settings.LBC_API_TOKEN_HOURS = 8
    key = issue("supervisor")
    clock.shift(dt.timedelta(hours=7, minutes=59))
    assert with_token(key).get(LIST_URL).status_code == 200
    clock.shift(dt.timedelta(minutes=2))
    expired = with_token(key).get(LIST_URL)
    assert expired.status_code == 401
    assert "已过期" in expired.json()["detail"]
    assert not Token.objects.filter(key=key).exists()


def test_the_answer_says_when_the_token_expires(world: World, settings: Any) -> None:
    settings.LBC_API_TOKEN_HOURS = 8
    response = APIClient().post(TOKEN_URL, {"username": "supervisor", "password": PASSWORD}, format="json")
    token = Token.objects.get(key=response.json()["token"])
    expires = dt.datetime.fromisoformat(response.json()["expires_at"])
    assert expires == token.created + dt.timedelta(hours=8)


def test_issuing_a_new_token_ends_the_previous_one(world: World) -> None:
    first = issue("supervisor")
    second = issue("supervisor")
    assert first != second
    assert with_token(first).get(LIST_URL).status_code == 401
    assert with_token(second).get(LIST_URL).status_code == 200


def test_a_password_change_ends_the_token(world: World) -> None:
    key = issue("supervisor")
    user = world.user("supervisor")
    user.set_password("Kx9-mountain-river")
    user.save()
    assert with_token(key).get(LIST_URL).status_code == 401


def test_saving_the_user_without_a_new_password_keeps_the_token(world: World) -> None:
    key = issue("supervisor")
    user = world.user("supervisor")
    user.first_name = "改名"
    user.save()
    assert with_token(key).get(LIST_URL).status_code == 200


def test_delete_ends_the_token_the_request_is_made_with(world: World) -> None:
    key = issue("supervisor")
    client = with_token(key)
    assert client.delete(TOKEN_URL).status_code == 204
    assert client.get(LIST_URL).status_code == 401
    assert AuditEvent.objects.filter(action="lbc.api.token_revoked", actor=world.user("supervisor")).exists()
    assert APIClient().delete(TOKEN_URL).status_code == 401


def test_the_schema_is_for_signed_in_users_only(client: Any, world: World) -> None:
    assert client.get("/api/schema/", {"format": "json"}).status_code in (401, 403)
    assert with_token(issue("volunteer")).get("/api/schema/", {"format": "json"}).status_code == 200


@pytest.mark.parametrize("password", ["qingshi2026", "Qingshi2026!", "zhangwei1985", "lishan-2025"])
def test_a_word_and_a_year_is_refused_in_chinese(password: str) -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password(password)
    assert any("字母加年份" in message for message in caught.value.messages)


def test_the_length_rule_speaks_chinese() -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password("Kx9-mtn")
    assert "密码太短：至少需要10个字符。" in caught.value.messages
    assert all("This password" not in message for message in caught.value.messages)


@pytest.mark.parametrize("password", ["Kx9-mountain-river", "青石镇-山-河-2026-晴", "2026qingshi-moon-lamp"])
def test_good_passwords_pass(password: str) -> None:
    validate_password(password)
