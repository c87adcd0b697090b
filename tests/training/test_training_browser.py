"""A real browser (Debian's chromium through Playwright): a trainer schedules a grandparent class that
repeats weekly for six weeks, sees the clash check update while typing, opens the class and downloads
its sign-in sheet. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect, sync_playwright

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
from training.models import Attendance, Session

DESKTOP = {"width": 1280, "height": 900}


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def first_monday_in(weeks: int) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 * weeks - today.weekday())


def fill_series(page: Page, world: Any, day: dt.date) -> None:
    page.get_by_label("培训项目").select_option(label=world.ts1.program.name)
    page.get_by_label("场地").select_option(label=world.ts1.venue.name)
    page.get_by_label("日期").fill(day.isoformat())
    page.get_by_label("开始时间").fill("09:30")
    page.get_by_label("结束时间").fill("11:00")
    page.get_by_label("次数").fill("6")
    page.get_by_label("每隔几天一次").fill("7")
    page.get_by_role("checkbox", name=world.v1.name, exact=True).check()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_trainer_schedules_a_six_week_grandparent_class_and_downloads_its_sign_in_sheet(
    live_server: Any, settings: Any
) -> None:
    settings.LBC_REQUIRE_OTP = False
    world = build_world()
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        problems = watch_console(page)
        log_in(page, base, "trainer")
        page.get_by_role("navigation").get_by_role("link", name="培训", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("培训日程")
        page.get_by_role("link", name="安排培训").click()

        # First the day of the existing class: the check below the form reports the clash while typing.
        clash_day = timezone.localtime(world.ts1.starts_at).date()
        fill_series(page, world, clash_day)
        expect(page.locator("#clash-check")).to_contain_text("时间冲突")
        shot(page, "training-series-clash")
        page.get_by_label("日期").fill(first_monday_in(3).isoformat())
        page.get_by_label("次数").fill("6")  # a change event after the date, so the check runs again
        expect(page.locator("#clash-check")).to_contain_text("没有发现")
        shot(page, "training-series-form")
        page.get_by_role("button", name="保存并安排").click()

        expect(page.get_by_role("alert").first).to_contain_text("已安排6场培训")
        expect(page.get_by_role("heading", name="系列课程（共6次）")).to_be_visible()
        assert Session.objects.filter(series__isnull=False).count() == 6
        shot(page, "training-session-detail")

        with page.expect_download() as download_info:
            page.get_by_role("link", name="打印签到表").click()
        download = download_info.value
        assert download.suggested_filename.startswith("sign-in-") and download.suggested_filename.endswith(
            ".pdf"
        )
        path = download.path()
        assert path is not None and path.read_bytes().startswith(b"%PDF")
        assert not problems, problems

        # On a phone during the class: one tap per person, saved at once (htmx swaps the row).
        Session.objects.filter(pk=world.ts1.pk).update(
            starts_at=timezone.now() - dt.timedelta(minutes=20),
            ends_at=timezone.now() + dt.timedelta(minutes=70),
        )
        phone = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
            storage_state=context.storage_state(), locale="zh-CN",
        )  # fmt: skip
        mobile = phone.new_page()
        mobile_problems = watch_console(mobile)
        mobile.goto(f"{base}/training/sessions/{world.ts1.public_id}/attendance/")
        expect(mobile.get_by_role("heading", level=1)).to_contain_text("记录出勤")
        mobile.get_by_role("button", name="测试祖母 到了").tap()
        expect(mobile.locator(".attendance-row").first).to_contain_text("已到")
        expect(mobile.locator("#attendance-count")).to_contain_text("已到 1/1 人")
        assert Attendance.objects.filter(enrolment__guardian=world.g1, attended=True).exists()
        assert_no_sideways_scroll(mobile)
        shot(mobile, "training-attendance-phone")
        assert not mobile_problems, mobile_problems
        browser.close()
