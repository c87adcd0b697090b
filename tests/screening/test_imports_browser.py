"""A real browser: a counsellor comes back to an upload whose check was interrupted, and retries it.

The worker died during the check (the batch is left "正在检查"); past the deadline the page says the
import failed, why, and offers "重试", which checks the file again. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect, sync_playwright

from lbc.models import AuditEvent
from screening.imports.batches import start_import
from screening.models import ImportBatch
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

from .test_imports_data import grant_consent, header, media, row_for, xlsx_bytes  # noqa: F401 (fixture)

DESKTOP = {"width": 1366, "height": 768}


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("media")
def test_a_counsellor_retries_an_upload_whose_check_was_interrupted(live_server: Any, settings: Any) -> None:
    settings.LBC_REQUIRE_OTP = False  # the second factor has its own tests
    world = build_world()
    grant_consent(world.c1b)
    counsellor = world.user("counsellor")
    data = xlsx_bytes(header(world.camp1), [row_for(world.c1b)])
    batch = start_import(world.camp1, "合成数据-五年级.xlsx", data, by=counsellor)
    ImportBatch.objects.filter(pk=batch.pk).update(  # the worker died mid-check, 11 minutes ago
        status=ImportBatch.Status.VALIDATING, created_at=timezone.now() - dt.timedelta(minutes=11)
    )
    kwargs = {"public_id": world.camp1.public_id, "batch_id": batch.public_id}
    url = reverse("screening:import-detail", kwargs=kwargs)
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):  # the phone only looks
            page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
            problems = watch_console(page)
            log_in(page, base, "counsellor")
            page.goto(f"{base}{url}")
            expect(page.get_by_role("status")).to_contain_text("导入失败，未写入任何数据")
            expect(page.get_by_text("检查被中断").first).to_be_visible()
            if name == "phone":
                assert_no_sideways_scroll(page)
                shot(page, "import-interrupted-phone")
                assert not problems, problems
                continue
            shot(page, "import-interrupted")
            page.get_by_role("button", name="重试", exact=True).click()
            expect(page.get_by_text("已重新开始检查文件。")).to_be_visible()
            expect(page.get_by_role("status")).to_contain_text("检查通过，待确认导入")
            expect(page.get_by_role("button", name="确认导入")).to_be_visible()
            shot(page, "import-retried")
            assert not problems, problems
        browser.close()

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.READY
    retried = AuditEvent.objects.filter(action="screening.import.retried", actor_username="counsellor")
    assert retried.count() == 1
