"""A real browser: a counsellor types a PHQ-9 from paper with the keyboard only and sees RED;
a head teacher then opens the same child and sees no score. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from screening.models import Assessment
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

DESKTOP = {"width": 1280, "height": 900}
PHQ9_ITEM9_TOTAL_3 = "110000001"  # items 1-9: total 3, item 9 = 1 (self-harm thoughts)
NO_SCORE_WORDS = ("总分", "PHQ-9", "红色", "得分")


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_paper_entry(page: Page, base: str, *, phone: bool = False) -> None:
    page.goto(f"{base}/")
    if phone:
        page.get_by_role("button", name="展开菜单").click()
        # Wait for the collapse animation to end: a click during it can land on nothing on a busy machine.
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_role("navigation").get_by_role("link", name="心理筛查").click()
    page.wait_for_url(re.compile(r"/screening/campaigns/$"))
    page.get_by_role("link", name="2026秋季筛查").click()
    expect(page.get_by_role("heading", name="名单")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="王小䶮")
    row.get_by_role("link", name="纸质录入").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("纸质问卷录入")


def type_phq9_by_keyboard(page: Page) -> None:
    """Digits only: focus starts on item 1 and moves on by itself; nothing is clicked."""
    expect(page.locator("#id_phq9_1")).to_be_focused()
    page.keyboard.type(PHQ9_ITEM9_TOTAL_3, delay=30)
    expect(page.locator("#id_gad7_1")).to_be_focused()  # auto-advance across instruments
    expect(page.locator('[data-total="phq9"]')).to_have_text("3")
    expect(page.locator('[data-answered="phq9"]')).to_have_text("9")
    expect(page.locator("#id_phq9_9").locator("xpath=..")).to_have_class(re.compile("critical-positive"))
    expect(page.locator('[data-alert="phq9"]')).to_be_visible()
    expect(page.locator('[data-alert="phq9"]')).to_contain_text("不要让孩子独处")


def submit_by_keyboard(page: Page) -> None:
    """The GAD-7 stays blank: Space skips an item, Enter on the last one reaches the button."""
    page.keyboard.press("Backspace")  # back to PHQ-9 item 9, still 1
    expect(page.locator("#id_phq9_9")).to_be_focused()
    expect(page.locator("#id_phq9_9")).to_have_value("1")
    page.keyboard.press("ArrowRight")
    for _item in range(6):
        page.keyboard.press(" ")
    expect(page.locator("#id_gad7_7")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="保存并计分")).to_be_focused()
    page.keyboard.press("Enter")


def expect_red_result(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("筛查结果")
    expect(page.locator(".tier-badge")).to_have_text("红色")
    expect(page.locator(".urgent-block")).to_contain_text("不要让孩子独处")
    expect(page.locator(".urgent-block")).to_contain_text("当天告知监护人")


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
    open_paper_entry(page, base, phone=True)
    assert_no_sideways_scroll(page)
    expect(page.locator("#id_phq9_1")).to_be_focused()  # entry.js has loaded and put the cursor there
    page.keyboard.type(PHQ9_ITEM9_TOTAL_3, delay=30)
    expect(page.locator('[data-alert="phq9"]')).to_be_visible()
    shot(page, "paper-entry-phone")
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="保存并计分").click()
    expect_red_result(page)
    shot(page, "assessment-result-phone")
    assert_no_sideways_scroll(page)
    page.get_by_role("link", name="返回筛查批次").click()
    shot(page, "campaign-detail-phone")
    assert_no_sideways_scroll(page)
    assert not problems, problems
    context.close()


def head_teacher_sees_no_score(browser: Browser, base: str, result_path: str) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    problems = watch_console(page)
    log_in(page, base, "head_teacher")
    expect(page.get_by_role("navigation").get_by_role("link", name="心理筛查")).to_have_count(0)
    page.get_by_role("navigation").get_by_role("link", name="儿童档案").click()
    page.get_by_role("link", name="王小䶮").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("小䶮")
    shot(page, "child-file-head-teacher")
    for word in NO_SCORE_WORDS:
        assert word not in page.content(), word
    page.goto(f"{base}{result_path}")
    expect(page.get_by_text("需跟进")).to_be_visible()
    shot(page, "assessment-result-head-teacher")
    for word in NO_SCORE_WORDS:
        assert word not in page.content(), word
    assert not problems, problems
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_counsellor_types_a_phq9_by_keyboard_and_a_head_teacher_sees_no_score(
    live_server: Any, settings: Any
) -> None:
    settings.LBC_REQUIRE_OTP = False  # the second factor has its own tests
    world = build_world()
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        page = context.new_page()
        problems = watch_console(page)
        log_in(page, base, "counsellor")
        open_paper_entry(page, base)
        type_phq9_by_keyboard(page)
        shot(page, "paper-entry-desktop")
        submit_by_keyboard(page)
        expect_red_result(page)
        shot(page, "assessment-result-desktop")
        newest = Assessment.objects.filter(child=world.c1, entered_by=world.user("counsellor")).latest(
            "created_at"
        )
        assert newest.tier == "RED" and newest.responses.get().total == 3
        result_path = page.url.removeprefix(base)
        page.get_by_role("link", name="返回筛查批次").click()
        shot(page, "campaign-detail-desktop")
        assert not problems, problems
        phone_walk(browser, base, context.storage_state())
        head_teacher_sees_no_score(browser, base, result_path)
        browser.close()
