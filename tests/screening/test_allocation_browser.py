"""A real browser: a township supervisor confirms an allocation that leaves a RED without anyone.

In the test world nobody at school s1 is a qualified counsellor, so c1's RED warning cannot be covered.
The tier badge must show its colour (the page loads the tier stylesheet); confirming without a reason
is refused with the text kept, and with a reason the RED goes to the county.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright

from screening.models import EscalationLevel, Warning, WarningState
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, log_in, watch_console
from tests.conftest import build_world

DESKTOP = {"width": 1280, "height": 900}
REASON = "全乡镇心理教师本周已满（合成测试）"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_supervisor_escalates_an_uncovered_red_with_a_reason(live_server: Any, settings: Any) -> None:
    settings.LBC_REQUIRE_OTP = False  # the second factor has its own tests
    world = build_world()
    admin = world.user("county_admin")
    admin.first_name, admin.last_name = "县管", "理员"
    admin.save(update_fields=["first_name", "last_name"])
    warning = Warning.objects.get(child=world.c1)
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    page_url = base + reverse("screening:allocation", kwargs={"public_id": world.t1.public_id})
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
        problems = watch_console(page)
        log_in(page, base, "supervisor")
        page.goto(page_url)
        badge = page.locator("span.tier-red").first
        expect(badge).to_be_visible()
        colour = badge.evaluate("el => getComputedStyle(el).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour
        expect(page.get_by_text(admin.get_full_name()).first).to_be_visible()

        page.get_by_label("上报原因").fill("   ")
        page.get_by_role("button", name="确认分派").click()
        expect(page.get_by_text("请填写上报原因").first).to_be_visible()
        warning.refresh_from_db()
        assert warning.state == WarningState.RAISED

        page.get_by_label("上报原因").fill(REASON)
        page.get_by_role("button", name="确认分派").click()
        expect(page.get_by_role("alert").first).to_contain_text("上报 1 条")
        page.screenshot(path=str(ARTIFACTS / "allocation-escalated.png"), full_page=True)
        browser.close()
        assert not problems, problems
    warning.refresh_from_db()
    assert warning.state == WarningState.ESCALATED and warning.escalation_level == EscalationLevel.COUNTY
    assert warning.events.get(action="escalated").note == REASON
