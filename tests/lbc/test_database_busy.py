"""A busy database answers 503 at once with the user's input kept; other errors stay errors."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from django.db import OperationalError

from lbc.models import ContactPreference
from tests.conftest import World


def locked() -> OperationalError:
    error = OperationalError("database is locked")
    error.__cause__ = sqlite3.OperationalError("database is locked")
    return error


@pytest.fixture
def busy_save(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise locked()

    monkeypatch.setattr(ContactPreference, "save", refuse)


def test_a_post_into_a_locked_database_answers_503_with_the_fields_to_submit_again(
    login: Any, world: World, busy_save: None
) -> None:
    client = login("counsellor")
    response = client.post("/notifications/contact/?next=/", {
        "channel": "sms", "phone": "13900000123", "password_hint": "never echoed",
    })
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    html = response.content.decode()
    assert "系统繁忙" in html and "没有保存一半" in html
    assert 'name="channel" value="sms"' in html and 'name="phone" value="13900000123"' in html
    assert "never echoed" not in html and "密码没有保留" in html
    assert 'name="csrfmiddlewaretoken"' in html and 'action="/notifications/contact/?next=/"' in html
    assert not ContactPreference.objects.exists()


def test_a_get_into_a_locked_database_answers_503_without_data(
    login: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lbc.views.children as views

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise locked()

    monkeypatch.setattr(views, "build_rows", refuse)
    response = login("counsellor").get("/children/")
    assert response.status_code == 503
    assert "重新打开此页" in response.content.decode()


def test_an_error_that_is_not_transient_is_not_dressed_as_busy(
    login: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lbc.views.children as views

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("no such table: lbc_child")

    monkeypatch.setattr(views, "build_rows", broken)
    client = login("counsellor")
    client.raise_request_exception = False
    assert client.get("/children/").status_code == 500
