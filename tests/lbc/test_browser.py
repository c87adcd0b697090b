"""A real browser (Debian's chromium through Playwright) walks the registry pages as a counsellor.

Screenshots go to test-artifacts/ so a person can look at the pages on a desktop and a phone screen.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    assert_no_sideways_scroll,
    log_in,
    watch_console,
)
from tests.conftest import build_world


def open_child_file(page: Page) -> None:
    page.get_by_role("link", name="王小䶮").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("小䶮")
    expect(page.get_by_role("heading", name="监护人/照料人")).to_be_visible()


def edit_and_save(page: Page) -> None:
    """The edit form round trip in a real browser: CSRF, the class list script, the success message."""
    page.get_by_role("link", name="编辑档案").click()
    expect(page.get_by_label("班级")).to_have_value(re.compile(".+"))
    page.get_by_label("照料方式").select_option(label="其他亲属照料")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("档案已保存")
    expect(page.get_by_text("其他亲属照料")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("照料方式")


def phone_walk(browser: Browser, base: str, storage: Any) -> None:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        storage_state=storage,
        locale="zh-CN",
    )
    page = context.new_page()
    problems = watch_console(page)
    page.goto(f"{base}/children/")
    expect(page.get_by_role("link", name="王小䶮")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "child-list-phone.png"), full_page=True)
    open_child_file(page)
    page.screenshot(path=str(ARTIFACTS / "child-file-phone.png"), full_page=True)
    assert_no_sideways_scroll(page)
    page.get_by_role("link", name="编辑档案").click()
    page.screenshot(path=str(ARTIFACTS / "child-edit-phone.png"), full_page=True)
    assert_no_sideways_scroll(page)
    assert not problems, problems
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_counsellor_logs_in_filters_the_list_and_opens_a_childs_file(
    live_server: Any, settings: Any
) -> None:
    settings.LBC_REQUIRE_OTP = False  # the second factor has its own tests; this one is about the pages
    build_world()
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        problems = watch_console(page)
        log_in(page, base, "counsellor")
        expect(page.get_by_role("heading", level=1)).to_contain_text("counsellor")
        page.get_by_role("navigation").get_by_role("link", name="儿童档案").click()
        expect(page.get_by_role("link", name="李小明")).to_be_visible()
        # htmx live filtering: typing narrows the table without a page load.
        page.get_by_label("姓名").fill("王")
        expect(page.get_by_role("link", name="李小明")).to_have_count(0)
        expect(page).to_have_url(re.compile(r"/children/\?q=%E7%8E%8B"))  # filters stay in the address
        page.screenshot(path=str(ARTIFACTS / "child-list-desktop.png"), full_page=True)
        open_child_file(page)
        expect(page.get_by_role("heading", name="测试祖母")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "child-file-desktop.png"), full_page=True)
        edit_and_save(page)
        assert not problems, problems
        phone_walk(browser, base, context.storage_state())
        browser.close()
