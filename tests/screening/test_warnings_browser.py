"""A real browser: a township supervisor goes from the warning list to assigning a counsellor.

c1's RED screening raised a warning for school s1 in township T1 (the test world). The supervisor
opens the list from the menu, finds the child at the top, acknowledges and assigns the school's
counsellor; the history and the counsellor's notification show what happened. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from lbc.models import OutboxMessage
from screening.models import Warning, WarningState
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, log_in, watch_console
from tests.conftest import build_world

DESKTOP = {"width": 1280, "height": 900}


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_township_supervisor_goes_from_the_warning_list_to_assigning_a_counsellor(
    live_server: Any, settings: Any
) -> None:
    settings.LBC_REQUIRE_OTP = False  # the second factor has its own tests
    world = build_world()
    warning = Warning.objects.get(child=world.c1)
    assert warning.state == WarningState.RAISED
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
        problems = watch_console(page)
        log_in(page, base, "supervisor")
        page.get_by_role("navigation").get_by_role("link", name="预警", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("预警处置")
        first_row = page.locator("tbody tr").first
        expect(first_row).to_contain_text("王小䶮")
        shot(page, "warning-list-supervisor")
        first_row.get_by_role("link", name="王小䶮").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("小䶮")

        page.get_by_role("button", name="确认收到").click()
        expect(page.get_by_role("alert")).to_be_visible()
        page.get_by_label("分派给心理教师").select_option(str(world.user("counsellor").pk))
        page.locator("#note-assign").fill("请今天放学前完成安全评估")
        page.get_by_role("button", name="分派").click()
        expect(page.get_by_role("alert")).to_be_visible()
        expect(page.get_by_text("已分派").first).to_be_visible()
        shot(page, "warning-detail-assigned")
        assert not problems, problems
        browser.close()

    warning.refresh_from_db()
    assert warning.state == WarningState.ASSIGNED
    assert warning.assigned_to == world.user("counsellor")
    assert warning.events.filter(to_state=WarningState.ASSIGNED, by=world.user("supervisor")).exists()
    assert OutboxMessage.objects.filter(user=world.user("counsellor")).exists()
