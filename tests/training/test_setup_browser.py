"""A real browser (Debian's chromium through Playwright): a trainer sets a class up through the pages
only: a new program, a new venue picked from the township-grouped village list with the filter box, a
six-week grandparent class (weekly, six sessions), then moves one session to another time with the
clash check shown while typing. Synthetic names only; screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect, sync_playwright

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, log_in, watch_console
from tests.conftest import build_world
from training.models import Audience, Program, Session, Venue

DESKTOP = {"width": 1280, "height": 900}


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def monday_in(weeks: int) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 * weeks - today.weekday())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_trainer_sets_up_a_six_week_grandparent_class_through_the_pages_and_moves_one_session(
    live_server: Any, settings: Any
) -> None:
    settings.LBC_REQUIRE_OTP = False
    world = build_world()
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
        problems = watch_console(page)
        log_in(page, base, "trainer")

        # A program.
        page.get_by_role("navigation").get_by_role("link", name="培训设置").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("培训项目")
        page.get_by_role("link", name="新建培训项目").click()
        page.get_by_label("项目名称").fill("祖辈课堂·六周（合成）")
        page.get_by_label("培训对象").select_option(label="祖辈")
        page.get_by_label("实施层级").select_option(label="政府主办")
        page.get_by_label("每次时长（分钟）").fill("90")
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_role("alert").first).to_contain_text("已保存培训项目")
        program = Program.objects.get(name="祖辈课堂·六周（合成）")
        assert program.audience == Audience.GRANDPARENTS and program.county_id == world.county.pk

        # A venue: the filter box narrows the township-grouped list to one village.
        page.get_by_role("link", name="场地", exact=True).click()
        page.get_by_role("link", name="新建场地").click()
        page.get_by_label("场地名称").fill("一乡二村祖辈活动室（合成）")
        page.get_by_label("类型").select_option(label="村委会/活动室")
        region = page.locator("#id_region")
        page.get_by_label("筛选所在区划").fill("一乡二")
        shown = "s => Array.from(s.options).filter(o => !o.hidden && o.value).map(o => o.text)"
        assert region.evaluate(shown) == ["一乡二村"]
        page.get_by_label("筛选所在区划").fill("")
        assert region.evaluate(shown)[:4] == ["测试县（全县/线上）", "一乡（乡镇）", "一乡二村", "一村"]
        region.select_option(label="一乡二村")
        page.get_by_label("可容纳人数").fill("30")
        page.get_by_label("地址或会议链接说明").fill("村委会一楼（合成）")
        shot(page, "training-setup-venue")
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_role("alert").first).to_contain_text("已保存场地")
        venue = Venue.objects.get(name="一乡二村祖辈活动室（合成）")
        assert venue.region == world.v1b and venue.capacity == 30

        # A weekly series of six sessions.
        page.get_by_role("link", name="培训日程").click()
        page.get_by_role("link", name="安排培训").click()
        page.get_by_label("培训项目").select_option(label=program.name)
        page.get_by_label("场地").select_option(label=venue.name)
        page.get_by_label("日期").fill(monday_in(3).isoformat())
        page.get_by_label("开始时间").fill("09:30")
        page.get_by_label("结束时间").fill("11:00")
        page.get_by_label("每隔几天一次").fill("7")
        page.get_by_label("筛选面向的村/社区").fill("一乡二")
        expect(page.get_by_role("checkbox", name="二村", exact=True)).to_be_hidden()
        page.get_by_role("checkbox", name="一乡二村", exact=True).check()
        page.get_by_label("次数").fill("6")
        expect(page.locator("#clash-check")).to_contain_text("没有发现")
        page.get_by_role("button", name="保存并安排").click()
        expect(page.get_by_role("alert").first).to_contain_text("已安排6场培训")
        series = list(Session.objects.filter(program=program).order_by("starts_at"))
        assert len(series) == 6 and len({s.series_id for s in series}) == 1
        assert [s.starts_at - series[0].starts_at for s in series] == [
            dt.timedelta(weeks=n) for n in range(6)
        ]
        assert all(list(s.villages.all()) == [world.v1b] for s in series)

        # Move the third week's session to the afternoon.
        third = series[2]
        page.goto(f"{base}/training/sessions/{third.public_id}/")
        page.get_by_role("link", name="修改时间、场地或名额").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("修改场次")
        page.get_by_label("开始时间").fill("14:00")
        page.get_by_label("结束时间").fill("15:30")
        expect(page.locator("#clash-check")).to_contain_text("没有发现")
        shot(page, "training-session-edit")
        page.get_by_role("button", name="保存修改").click()
        expect(page.get_by_role("alert").first).to_contain_text("场次已修改")
        third.refresh_from_db()
        moved = timezone.localtime(third.starts_at)
        assert (moved.date(), moved.hour, moved.minute) == (monday_in(5), 14, 0)
        assert not problems, problems
        browser.close()
