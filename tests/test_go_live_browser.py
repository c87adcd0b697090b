"""A county goes live through its pages only (issue: "a county goes live without a shell").

The database holds what `migrate` leaves, the county itself and one county administrator. From there a
real browser (Debian's chromium) walks: division codes -> two schools and their classes -> a roster of
2,000 children with 20 bad ID numbers, excluded in the preview -> a counsellor and a trainer from a
staff roster -> the counsellor sets a password with the one-time code and sees exactly the children of
the school -> the trainer creates a program, a venue and a six-week grandparent class. No management
command runs. Every name, code, ID number and phone is synthetic (prefix 990101, names with 合成).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect, sync_playwright

from lbc.idnumbers import make_id_number
from lbc.models import AuditEvent, Child, Membership, Region, Role, School
from lbc.services.regions_import import HEADER as REGION_HEADER
from lbc.services.roster_import import HEADER as STAFF_HEADER
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PHONE, watch_console
from training.models import Program, Session, Venue

ADMIN, ADMIN_PASSWORD = "county_admin_synthetic", "Kx9-county-river-lamp"
COUNSELLOR_PASSWORD, TRAINER_PASSWORD = "Qm4-school-pine-bell", "Tr7-venue-moon-gate"
TOWNSHIPS = {
    "990101101000": ("合成一镇", {"990101101001": "一镇东村", "990101101002": "一镇西村"}),
    "990101102000": ("合成二镇", {"990101102001": "二镇南村", "990101102002": "二镇北村"}),
}
SCHOOLS = {"合成一镇中心小学": "合成一镇", "合成二镇中心小学": "合成二镇"}
ROSTER_HEADER = [
    "序号", "姓名", "性别", "身份证号", "出生日期", "就读学校", "年级", "班级", "户籍村", "留守类型",
    "联系频率", "监护类型", "监护人姓名", "与儿童关系", "监护人电话", "父亲务工地",
]
CHILDREN, BAD = 2000, 20
GIVEN = "明华丽强军芳伟静磊敏洋艳杰娟涛霞超秀刚玲"


def empty_county() -> Region:
    """What exists before the first page: the county (its code from the statistics bureau) and its
    administrator. Everything else is created through pages."""
    province = Region.objects.create(name="合成省", code="990000000000", level=Region.Level.PROVINCE)
    city = Region.objects.create(name="合成市", code="990100000000", level=Region.Level.CITY, parent=province)
    county = Region.objects.create(name="合成县", code="990101000000", level=Region.Level.COUNTY, parent=city)
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_user(ADMIN, password=ADMIN_PASSWORD, first_name="合成管理员")
    Membership.objects.create(user=admin, role=Role.COUNTY_ADMIN, region=county,
                              valid_from=timezone.localdate())
    return county


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def division_codes(folder: Path) -> Path:
    rows: list[list[Any]] = [list(REGION_HEADER)]
    for code, (township, villages) in TOWNSHIPS.items():
        rows.append([code, township, "乡镇/街道", ""])
        rows += [[v_code, v_name, "村/社区", "220"] for v_code, v_name in villages.items()]
    return write_xlsx(folder / "区划代码（合成）.xlsx", rows)


def roster(folder: Path) -> tuple[Path, dict[str, int]]:
    """2,000 synthetic children over both schools, two classes each; rows 3, 103, ... 1903 (20 of
    school one) carry an ID number with a wrong check digit. Returns the file and, per school, how many
    good rows it has."""
    rows: list[list[Any]] = [ROSTER_HEADER]
    good = dict.fromkeys(SCHOOLS, 0)
    bad_rows = set(range(1, CHILDREN, 100))
    schools = list(SCHOOLS)
    for n in range(CHILDREN):
        school = schools[n % 2] if n not in bad_rows else schools[0]
        township = SCHOOLS[school]
        villages = next(v for t, v in TOWNSHIPS.values() if t == township)
        village = list(villages.values())[n // 2 % 2]
        grade = 5 + n // 4 % 2
        birth = dt.date(2020 - grade, 1 + n % 12, 1 + n % 28)
        sex = "M" if n % 2 else "F"
        number = make_id_number("990101", birth, 100 + n, sex)
        if n in bad_rows:
            number = number[:17] + ("0" if number[17] != "0" else "1")
        else:
            good[school] += 1
        rows.append([
            n + 1, f"合{GIVEN[n % 20]}{GIVEN[n // 20 % 20]}{chr(0x4E00 + n // 400)}",
            "男" if sex == "M" else "女", number, birth.isoformat(), school, grade, "1班", village,
            "父母双方外出务工", "每月", "祖辈监护", f"合成祖母{GIVEN[n % 20]}{chr(0x4E00 + n // 20)}", "奶奶",
            f"139{n:08d}", "广东东莞",
        ])
    return write_xlsx(folder / "花名册（合成）.xlsx", rows), good


def staff_roster(folder: Path) -> Path:
    path = folder / "人员名单（合成）.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(STAFF_HEADER)
        writer.writerow(
            ["合成心理老师", "13900000001", "学校心理教师", "合成一镇中心小学", "counsellor_one", ""]
        )
        writer.writerow(["合成培训师", "13900000002", "培训师", "", "trainer_one", ""])
    return path


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"go-live-{name}.png"), full_page=True)


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def set_password_with_code(page: Page, base: str, username: str, code: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_role("link", name="忘记密码？使用重置码").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("重置码").fill(code)
    page.locator("#id_new_password1").fill(password)
    page.get_by_label("再次输入新密码").fill(password)
    page.get_by_role("button", name="设置新密码").click()
    expect(page.get_by_text("新密码已设置")).to_be_visible()
    log_in(page, base, username, password)


def monday_in(weeks: int) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 * weeks - today.weekday())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_county_goes_live_through_its_pages_only(live_server: Any, settings: Any, tmp_path: Path) -> None:
    settings.LBC_REQUIRE_OTP = False  # enrolling an authenticator has its own browser test
    county = empty_county()
    roster_file, good = roster(tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
        problems = watch_console(page)
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, base, ADMIN, ADMIN_PASSWORD)

        # 1. Townships and villages from the statistics bureau's division codes.
        page.get_by_role("navigation").get_by_role("link", name="县级管理").click()
        page.get_by_role("link", name="乡镇与村").click()
        page.get_by_role("link", name="按区划代码导入").click()
        page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(division_codes(tmp_path)))
        page.get_by_role("button", name="上传并预览").click()
        expect(page.get_by_test_id("import-summary")).to_contain_text("新增 6 个")
        page.get_by_role("button", name="确认导入").click()
        expect(page.get_by_text("已导入区划：新增6个")).to_be_visible()
        assert Region.objects.filter(path__startswith=county.path, level=Region.Level.VILLAGE).count() == 4

        # 2. Two schools, each with a grade-5 and a grade-6 class.
        for school_name, township in SCHOOLS.items():
            page.get_by_role("link", name="学校与班级").click()
            page.get_by_role("link", name="新增学校").click()
            page.get_by_label("学校名称").fill(school_name)
            page.get_by_label("类型").select_option(label="小学")
            region = page.get_by_label("所在乡镇或村")
            label = next(o for o in region.locator("option").all_inner_texts() if township in o)
            region.select_option(label=label)
            page.get_by_role("button", name="保存").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(school_name)
            for grade in (5, 6):
                page.get_by_role("link", name="新增班级").click()
                page.get_by_label("学年").fill("2026")
                page.get_by_label("年级").fill(str(grade))
                page.get_by_label("班级").fill("1班")
                page.get_by_role("button", name="保存").click()
                expect(page.get_by_role("heading", level=1)).to_contain_text(school_name)
        shot(page, "school")
        assert School.objects.count() == 2

        # 3. The roster: 2,000 rows, 20 with a wrong check digit, excluded in the preview.
        page.get_by_role("navigation").get_by_role("link", name="县级管理").click()
        page.get_by_role("link", name="花名册导入").first.click()
        page.get_by_label("花名册文件").set_input_files(str(roster_file))
        page.get_by_role("button", name="上传并检查").click()
        # The first file of this layout: every column is recognised, "序号" is left out; saved for next time.
        expect(page.get_by_label("序号")).to_have_value("")
        page.get_by_role("button", name="保存对应关系并检查").click()
        expect(page.locator('[data-count="error"]')).to_have_text(str(BAD), timeout=60_000)
        shot(page, "roster-errors")
        for n in range(1, CHILDREN, 100):
            page.get_by_label(f"排除第{n + 2}行", exact=True).check()
        page.get_by_role("button", name="排除勾选的行并重新检查").click()
        expect(page.locator('[data-count="excluded"]')).to_have_text(str(BAD), timeout=60_000)
        expect(page.locator('[data-count="error"]')).to_have_text("0")
        expect(page.locator('[data-count="new"]')).to_have_text(str(CHILDREN - BAD))
        page.get_by_role("button", name="确认导入").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("导入完成", timeout=60_000)
        shot(page, "roster-done")
        assert Child.objects.count() == CHILDREN - BAD

        # 4. A counsellor and a trainer from a staff roster; the one-time codes are shown once.
        page.get_by_role("navigation").get_by_role("link", name="县级管理").click()
        page.get_by_role("link", name="用户与角色").click()
        page.get_by_role("link", name="按名单批量添加").click()
        page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(staff_roster(tmp_path)))
        page.get_by_role("button", name="上传并预览").click()
        expect(page.get_by_test_id("import-summary")).to_contain_text("新建账号 2 个")
        page.get_by_role("button", name="确认创建").click()
        codes = page.get_by_test_id("roster-codes")
        expect(codes).to_contain_text("counsellor_one")
        shot(page, "staff-codes")
        code_of = {
            username: codes.locator("tr", has_text=username).locator("td").last.inner_text().strip()
            for username in ("counsellor_one", "trainer_one")
        }

        # 5. The counsellor sets a password with the code and sees exactly the children of the school.
        counsellor = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
        problems += watch_console(counsellor)
        set_password_with_code(
            counsellor, base, "counsellor_one", code_of["counsellor_one"], COUNSELLOR_PASSWORD
        )
        counsellor.get_by_role("navigation").get_by_role("link", name="儿童档案").click()
        expected = good["合成一镇中心小学"]
        expect(counsellor.get_by_text(f"共 {expected} 名儿童")).to_be_visible()
        shot(counsellor, "counsellor-children")
        counsellor.set_viewport_size(PHONE)
        shot(counsellor, "counsellor-children-phone")
        other = Child.objects.filter(school__name="合成二镇中心小学").first()
        assert other is not None
        assert counsellor.goto(f"{base}/children/{other.public_id}/").status == 404  # type: ignore[union-attr]

        # 6. The trainer creates a program, a venue and a six-week grandparent class.
        trainer = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
        problems += watch_console(trainer)
        set_password_with_code(trainer, base, "trainer_one", code_of["trainer_one"], TRAINER_PASSWORD)
        trainer.get_by_role("navigation").get_by_role("link", name="培训设置").click()
        trainer.get_by_role("link", name="新建培训项目").click()
        trainer.get_by_label("项目名称").fill("祖辈课堂·六周（合成）")
        trainer.get_by_label("培训对象").select_option(label="祖辈")
        trainer.get_by_label("实施层级").select_option(label="政府主办")
        trainer.get_by_label("每次时长（分钟）").fill("90")
        trainer.get_by_role("button", name="保存").click()
        expect(trainer.get_by_role("alert").first).to_contain_text("已保存培训项目")
        trainer.get_by_role("link", name="场地", exact=True).click()
        trainer.get_by_role("link", name="新建场地").click()
        trainer.get_by_label("场地名称").fill("一镇东村祖辈活动室（合成）")
        trainer.get_by_label("类型").select_option(label="村委会/活动室")
        trainer.locator("#id_region").select_option(label="一镇东村")
        trainer.get_by_label("可容纳人数").fill("30")
        trainer.get_by_label("地址或会议链接说明").fill("村委会一楼（合成）")
        trainer.get_by_role("button", name="保存").click()
        expect(trainer.get_by_role("alert").first).to_contain_text("已保存场地")
        trainer.get_by_role("link", name="培训日程").click()
        trainer.get_by_role("link", name="安排培训").click()
        trainer.get_by_label("培训项目").select_option(label="祖辈课堂·六周（合成）")
        trainer.get_by_label("场地").select_option(label="一镇东村祖辈活动室（合成）")
        trainer.get_by_label("日期").fill(monday_in(3).isoformat())
        trainer.get_by_label("开始时间").fill("09:30")
        trainer.get_by_label("结束时间").fill("11:00")
        trainer.get_by_label("每隔几天一次").fill("7")
        trainer.get_by_role("checkbox", name="一镇东村", exact=True).check()
        trainer.get_by_label("次数").fill("6")
        expect(trainer.locator("#clash-check")).to_contain_text("没有发现")
        trainer.get_by_role("button", name="保存并安排").click()
        expect(trainer.get_by_role("alert").first).to_contain_text("已安排6场培训")
        shot(trainer, "trainer-series")
        assert not problems, problems
        browser.close()

    program = Program.objects.get(name="祖辈课堂·六周（合成）")
    sessions = list(Session.objects.filter(program=program).order_by("starts_at"))
    assert len(sessions) == 6 and len({s.series_id for s in sessions}) == 1
    assert Venue.objects.get(name="一镇东村祖辈活动室（合成）").region.name == "一镇东村"
    counsellor_children = Child.objects.filter(school__name="合成一镇中心小学").count()
    assert counsellor_children == good["合成一镇中心小学"]
    for action in ("lbc.region.imported", "lbc.user.roster_imported"):
        assert AuditEvent.objects.filter(action=action).count() == 1, action


def test_the_synthetic_roster_has_the_promised_shape(tmp_path: Path) -> None:
    path, good = roster(tmp_path)
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == CHILDREN
    assert sum(good.values()) == CHILDREN - BAD
    assert len({row[3] for row in rows}) == CHILDREN  # distinct ID numbers
