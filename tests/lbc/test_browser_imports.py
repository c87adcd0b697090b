"""A real browser walks the division-code import: upload, preview as a tree, confirm, upload again."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect, sync_playwright

from lbc.models import AuditEvent, Region
from lbc.services.regions_import import HEADER
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


def codes_file(folder: Path) -> Path:
    """Synthetic codes under the synthetic county prefix 990101."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [
        HEADER,
        ("990101103000", "合成镇", "乡镇/街道", ""),
        ("990101103001", "合成镇一村", "村/社区", "220"),
        ("990101103002", "合成镇社区", "村/社区", "121"),
    ]:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = folder / "codes.xlsx"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_administrator_imports_townships_and_villages_from_division_codes(
    live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.LBC_REQUIRE_OTP = False  # the second factor has its own tests
    world = build_world()
    Region.objects.filter(pk=world.county.pk).update(code="990101000000")
    upload = codes_file(tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
        problems = watch_console(page)
        log_in(page, base, "county_admin")
        page.get_by_role("navigation").get_by_role("link", name="县级管理").click()
        page.get_by_role("link", name="乡镇与村").click()
        page.get_by_role("link", name="按区划代码导入").click()
        page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(upload))
        page.get_by_role("button", name="上传并预览").click()
        expect(page.get_by_test_id("import-summary")).to_contain_text("新增 3 个")
        expect(page.get_by_text("合成镇社区")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "region-import-preview.png"), full_page=True)
        page.set_viewport_size(PHONE)
        assert_no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / "region-import-preview-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 768})
        assert not Region.objects.filter(code="990101103000").exists()
        page.get_by_role("button", name="确认导入").click()
        expect(page.get_by_text("已导入区划：新增3个")).to_be_visible()
        expect(page.get_by_text("合成镇一村")).to_be_visible()

        page.get_by_role("link", name="按区划代码导入").click()
        page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(upload))
        page.get_by_role("button", name="上传并预览").click()
        expect(page.get_by_text("文件与系统中的区划完全一致，没有需要导入的变化。")).to_be_visible()
        expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
        assert not problems, problems
        browser.close()
    assert Region.objects.get(code="990101103002").parent == Region.objects.get(code="990101103000")
    assert AuditEvent.objects.filter(action="lbc.region.imported").count() == 1
