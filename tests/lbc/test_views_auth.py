"""Logging in and out, the lockout, the start page and the error pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, World

LOGIN = "/login/"


def attempt(client: Client, username: str, password: str, ip: str = "10.1.2.3") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def without_noise(html: str, username: str) -> str:
    """The page minus what must differ: the CSRF token and the username echoed into the field."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(f'value="{username}"', "")


def test_it_serves_a_chinese_login_page(client: Client) -> None:
    html = client.get(LOGIN).content.decode()
    assert "登录" in html and "用户名" in html and "密码" in html


def test_it_logs_in_through_the_form_and_lands_on_the_start_page(client: Client, world: World) -> None:
    response = attempt(client, "supervisor", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("lbc:home")
    html = client.get(reverse("lbc:home")).content.decode()
    assert "乡镇儿童督导员" in html and "一乡" in html


def test_it_answers_unknown_and_known_usernames_the_same_way(client: Client, world: World) -> None:
    known = attempt(client, "supervisor", "wrong-password")
    unknown = attempt(client, "no-such-user", "wrong-password")
    assert known.status_code == unknown.status_code == 200
    assert "用户名或密码不正确" in known.content.decode()
    assert without_noise(known.content.decode(), "supervisor") == without_noise(
        unknown.content.decode(), "no-such-user"
    )


def test_it_locks_the_username_and_ip_pair_after_ten_failures(client: Client, world: World) -> None:
    responses = [attempt(client, "counsellor", f"wrong-{n}") for n in range(10)]
    assert all(r.status_code == 200 for r in responses[:9])
    locked = attempt(client, "counsellor", PASSWORD)
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_still_lets_colleagues_behind_the_same_ip_log_in(world: World) -> None:
    for n in range(10):
        attempt(Client(), "counsellor", f"wrong-{n}")
    assert attempt(Client(), "supervisor", PASSWORD).status_code == 302
    assert attempt(Client(), "counsellor", PASSWORD, ip="10.9.9.9").status_code == 302


def test_it_logs_out_by_post_only(login: Any, world: World) -> None:
    client = login("supervisor")
    assert client.get(reverse("lbc:logout")).status_code == 405
    assert client.get(reverse("lbc:home")).status_code == 200
    response = client.post(reverse("lbc:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("lbc:login")
    assert client.get(reverse("lbc:home")).status_code == 302


def test_it_sends_a_logged_in_user_away_from_the_login_page(login: Any, world: World) -> None:
    assert login("supervisor").get(LOGIN).status_code == 302


def test_it_sends_anonymous_visitors_to_the_login_page(client: Client, world: World) -> None:
    response = client.get(reverse("lbc:child-list"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


# --- the start page ----------------------------------------------------------------------------------


def test_it_shows_the_roles_and_scopes_and_the_pages_each_may_use(login: Any, world: World) -> None:
    html = login("counsellor").get(reverse("lbc:home")).content.decode()
    assert "学校心理教师" in html and "一乡中心学校" in html
    assert reverse("lbc:child-list") in html and reverse("lbc:child-create") in html
    head = login("head_teacher").get(reverse("lbc:home")).content.decode()
    assert reverse("lbc:child-list") in head and reverse("lbc:child-create") not in head


def test_it_links_county_administrators_to_the_county_pages(login: Any, world: World) -> None:
    assert reverse("manage:home") in login("county_admin").get(reverse("lbc:home")).content.decode()
    assert reverse("manage:home") not in login("supervisor").get(reverse("lbc:home")).content.decode()


def test_it_explains_to_trainers_why_they_see_no_children(login: Any, world: World) -> None:
    html = login("trainer").get(reverse("lbc:home")).content.decode()
    assert "培训师账号不能查看儿童个人档案" in html
    assert reverse("lbc:child-list") not in html


def test_it_tells_a_user_without_roles_whom_to_ask(login: Any, world: World) -> None:
    html = login("nobody").get(reverse("lbc:home")).content.decode()
    assert "还没有分配角色" in html


# --- error pages ---------------------------------------------------------------------------------------


def test_it_shows_a_chinese_404_without_the_path(login: Any, world: World) -> None:
    response = login("supervisor").get("/no-such-page-abc/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "找不到页面" in html and "no-such-page-abc" not in html


@pytest.mark.parametrize("persona", ["trainer", "nobody"])
def test_it_shows_a_chinese_403(login: Any, world: World, persona: str) -> None:
    response = login(persona).get(reverse("lbc:child-list"))
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


def test_it_shows_a_chinese_500_without_details(login: Any, world: World) -> None:
    from unittest import mock

    client = login("supervisor")
    client.raise_request_exception = False
    with mock.patch("lbc.views.home.render", side_effect=RuntimeError("secret detail 13812345678")):
        response = client.get(reverse("lbc:home"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "系统出错" in html and "secret detail" not in html and "Traceback" not in html


def test_it_explains_a_failed_csrf_check_in_chinese(world: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "counsellor", "password": "x"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_it_switches_the_interface_to_english_and_back(client: Any, world: Any) -> None:
    page = client.get("/login/")
    assert 'name="language" value="en"' in page.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    page = client.get("/login/")
    assert page.headers["Content-Language"] == "en"
    assert 'value="zh-hans"' in page.content.decode()


def test_it_speaks_chinese_to_an_english_browser_until_english_is_chosen(client: Any, world: Any) -> None:
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.headers["Content-Language"] == "zh-hans"
