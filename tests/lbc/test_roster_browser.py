"""A real browser walks a roster import: upload, map a column, preview, commit, open a created file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from lbc.models import Child, Region, School
from tests.conftest import build_world

from .roster_helpers import HEADER, person, xlsx
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, log_in, watch_console


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_county_administrator_imports_a_roster_in_the_browser(
    live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.LBC_REQUIRE_OTP = False  # the second factor has its own tests
    build_world()
    school, village = School.objects.get(name="一乡中心学校"), Region.objects.get(name="一村")
    header = [HEADER[0], "学生名字", *HEADER[2:]]  # "学生名字" is not a known label: mapped by hand
    rows = [
        {**r, "学生名字": r["姓名"]}
        for r in (person(n, school=school.name, village=village.name) for n in range(3))
    ]
    upload = tmp_path / "花名册.xlsx"
    upload.write_bytes(xlsx(rows, header))
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
        problems = watch_console(page)
        log_in(page, base, "county_admin")
        page.get_by_role("navigation").get_by_role("link", name="县级管理").click()
        page.get_by_role("link", name="花名册导入").first.click()
        page.get_by_label("花名册文件").set_input_files(str(upload))
        page.get_by_role("button", name="上传并检查").click()
        page.get_by_label("学生名字").select_option("name")
        page.screenshot(path=str(ARTIFACTS / "roster-mapping.png"), full_page=True)
        page.get_by_role("button", name="保存对应关系并检查").click()
        expect(page.locator('[data-count="new"]')).to_have_text("3")
        page.screenshot(path=str(ARTIFACTS / "roster-preview.png"), full_page=True)
        page.get_by_role("button", name="确认导入").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("导入完成")
        first = Child.objects.filter(family_name="合").order_by("family_name", "given_name").first()
        assert first is not None
        page.get_by_role("link", name=first.full_name).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(first.full_name)
        assert not problems, problems
        browser.close()
    assert Child.objects.filter(family_name="合").count() == 3
