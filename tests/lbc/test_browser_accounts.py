"""A real browser walks a password reset: an administrator issues a code, the user uses it at login."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import build_world

from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, log_in, watch_console

NEW_PASSWORD = "Kx9-mountain-river"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_administrator_issues_a_reset_code_and_the_user_sets_a_new_password(
    live_server: Any, settings: Any
) -> None:
    settings.LBC_REQUIRE_OTP = False  # the second factor has its own tests
    build_world()
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        admin = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
        problems = watch_console(admin)
        admin.on("dialog", lambda dialog: dialog.accept())
        log_in(admin, base, "county_admin")
        admin.get_by_role("navigation").get_by_role("link", name="县级管理").click()
        admin.get_by_role("link", name="用户与角色").click()
        admin.get_by_role("link", name="supervisor", exact=True).click()
        admin.get_by_role("button", name="签发密码重置码").click()
        code = admin.get_by_test_id("reset-code").inner_text()
        admin.screenshot(path=str(ARTIFACTS / "reset-code-sheet.png"), full_page=True)

        user = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
        problems += watch_console(user)
        user.goto(f"{base}/login/")
        user.get_by_role("link", name="忘记密码？使用重置码").click()
        user.get_by_label("用户名").fill("supervisor")
        user.get_by_label("重置码").fill(code.lower())
        user.locator("#id_new_password1").fill(NEW_PASSWORD)
        user.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
        user.get_by_role("button", name="设置新密码").click()
        expect(user.get_by_text("新密码已设置")).to_be_visible()
        user.get_by_label("用户名").fill("supervisor")
        user.get_by_label("密码").fill(NEW_PASSWORD)
        user.get_by_role("button", name="登录").click()
        user.wait_for_url(f"{base}/")
        expect(user.get_by_role("heading", level=1)).to_contain_text("supervisor")
        assert not problems, problems
        browser.close()
