"""A real browser: the county administrator moves a child to another school; the new school's counsellor
opens the file, the old school's counsellor gets 404."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from lbc.models import SchoolClass
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, log_in, watch_console
from tests.conftest import build_world


def status_for(browser: Browser, base: str, username: str, url: str) -> tuple[int, str]:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, base, username)
    response = page.goto(url)
    assert response is not None
    result = response.status, page.locator("main, body").first.inner_text()
    context.close()
    return result


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_county_administrator_transfers_a_child_to_another_school(live_server: Any, settings: Any) -> None:
    settings.LBC_REQUIRE_OTP = False  # the second factor has its own tests; this one is about the move
    world = build_world()
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    file_url = f"{base}/children/{world.c1.public_id}/"
    new_class = SchoolClass.objects.get(school=world.s2)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = context.new_page()
        problems = watch_console(page)
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, base, "county_admin")
        page.goto(file_url)
        page.get_by_role("link", name="转学/迁移").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("转学/迁移")
        page.get_by_label("户籍村/社区").select_option(str(world.v2.public_id))
        page.get_by_label("学校").select_option(str(world.s2.public_id))
        page.get_by_label("班级").select_option(str(new_class.public_id))
        page.get_by_label("原因").fill("随祖母搬到二乡（合成数据）")
        page.screenshot(path=str(ARTIFACTS / "child-transfer-desktop.png"), full_page=True)
        page.get_by_role("button", name="办理转学/迁移").click()
        expect(page.get_by_role("alert")).to_contain_text("已办理转学/迁移")
        expect(page.locator("#transfers")).to_contain_text("一乡中心学校（一村）→ 二乡中心学校（二村）")
        assert not problems, problems
        context.close()

        new_status, new_text = status_for(browser, base, "other_counsellor", file_url)
        assert new_status == 200 and "王小䶮" in new_text
        old_status, old_text = status_for(browser, base, "counsellor", file_url)
        assert old_status == 404 and "王小䶮" not in old_text
        browser.close()
