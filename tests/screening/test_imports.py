"""Validation of import files: every bad cell reported with row, column, value and a Chinese message."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from lbc.models import Child
from screening.imports.processing import load_report
from screening.imports.report import Level, Problem
from screening.models import Assessment, ImportBatch
from tests.clock import TERM_TIME
from tests.conftest import World
from tests.factories import make_child, make_class

from .test_imports_data import (
    csv_bytes,
    grant_consent,
    header,
    latest_batch,
    media,  # noqa: F401 (fixture)
    row_for,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("media")


def problems_of(batch: ImportBatch) -> list[Problem]:
    return load_report(batch).problems


def find(problems: list[Problem], row: int | None, column_start: str) -> Problem:
    hits = [p for p in problems if p.row == row and p.column.startswith(column_start)]
    assert hits, f"no problem at row {row} column {column_start}: {problems}"
    return hits[0]


@pytest.fixture
def pupils(world: World) -> list[Child]:
    """Three more grade-5 children of s1 with screening consent (c1 already has one)."""
    kids = [
        make_child(world.v1, world.s1, world.class1, family_name="孙", given_name=f"小{n}") for n in "甲乙丙"
    ]
    for kid in kids:
        grant_consent(kid)
    return [world.c1, *kids]


def send(
    login: Any, world: World, rows: list[list[Any]], name: str = "五年级.xlsx", **options: Any
) -> ImportBatch:
    data = xlsx_bytes(options.pop("head", header(world.camp1)), rows, **options)
    response = upload(login("counsellor"), world.camp1, name, data)
    assert response.status_code == 302, response.content.decode()[:500]
    return latest_batch(world.camp1)


def test_a_clean_file_is_checked_and_previewed_without_writing(
    login: Any, world: World, pupils: list[Child]
) -> None:
    before = Assessment.objects.count()
    batch = send(login, world, [row_for(c) for c in pupils])
    assert batch.status == ImportBatch.Status.READY
    assert batch.total_rows == 4
    report = load_report(batch)
    assert not report.blocking
    assert report.preview is not None and report.preview.rows == 4
    assert report.preview.tiers == {"GREEN": 4}
    assert Assessment.objects.count() == before


def test_a_file_with_bad_cells_commits_nothing_and_lists_every_bad_cell(
    login: Any, world: World, pupils: list[Child]
) -> None:
    rows = [
        row_for(pupils[0], phq=[0, 4, 0, 0, 0, 0, 0, 0, 0]),  # row 2: out of range
        row_for(pupils[1], phq=[0, "1.5", 0, 0, 0, 0, 0, 0, 0]),  # row 3: not an integer
        row_for(pupils[2], gad=["２", 0, 0, 0, 0, 0, 0]),  # row 4: full-width digit
        row_for(pupils[3], on="15/10/2026"),  # row 5: unknown date format
        row_for(pupils[1], name="孙小\u200b乙", id_number=""),  # row 6: invisible character
    ]
    before = Assessment.objects.count()
    batch = send(login, world, rows)
    assert batch.status == ImportBatch.Status.INVALID
    problems = problems_of(batch)
    out_of_range = find(problems, 2, "PHQ-9 第2题")
    assert (out_of_range.value, out_of_range.column) == ("4", "PHQ-9 第2题（H列）")
    assert "超出范围" in out_of_range.message
    assert "整数" in find(problems, 3, "PHQ-9 第2题").message
    full_width = find(problems, 4, "GAD-7 第1题")
    assert full_width.value == "２" and "全角" in full_width.message
    bad_date = find(problems, 5, "施测日期")
    assert bad_date.value == "15/10/2026" and "2026-10-15" in bad_date.message
    invisible = find(problems, 6, "姓名")
    assert "U+200B" in invisible.message
    assert all(p.sheet for p in problems)
    response = login("counsellor").post(
        f"/screening/campaigns/{world.camp1.public_id}/imports/{batch.public_id}/commit/"
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID
    assert Assessment.objects.count() == before


def test_an_id_number_typed_as_a_number_is_reported(login: Any, world: World, pupils: list[Child]) -> None:
    batch = send(login, world, [row_for(pupils[1], id_number=float(pupils[1].id_number[:17] + "1"))])
    problem = find(problems_of(batch), 2, "身份证号码")
    assert "数字" in problem.message and "丢失" in problem.message
    assert "E+" in problem.value or problem.value.isdigit()


def test_an_id_number_in_scientific_notation_text_is_reported(
    login: Any, world: World, pupils: list[Child]
) -> None:
    head = header(world.camp1)
    data = csv_bytes(head, [row_for(pupils[1], id_number="1.10101E+17")], "utf-8-sig")
    upload(login("counsellor"), world.camp1, "五年级.csv", data)
    problem = find(problems_of(latest_batch(world.camp1)), 2, "身份证号码")
    assert "科学计数法" in problem.message


def test_full_width_digits_in_an_id_number_are_reported_not_repaired(
    login: Any, world: World, pupils: list[Child]
) -> None:
    wide = pupils[1].id_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    batch = send(login, world, [row_for(pupils[1], id_number=wide)])
    assert "全角" in find(problems_of(batch), 2, "身份证号码").message


def test_a_child_who_is_not_registered_is_reported_and_never_created(
    login: Any, world: World, pupils: list[Child]
) -> None:
    children = Child.objects.count()
    stranger = row_for(None, name="钱小丁", birth="2014-05-05", grade="5", class_name="1班")
    batch = send(login, world, [row_for(pupils[1]), stranger])
    problem = find(problems_of(batch), 3, "整行")
    assert "没有找到" in problem.message and "不会自动新建" in problem.message
    assert Child.objects.count() == children


def test_a_registered_id_number_from_another_school_is_reported(
    login: Any, world: World, pupils: list[Child]
) -> None:
    batch = send(login, world, [row_for(world.c2, grade="5", class_name="1班")])
    assert "不在本次筛查的学校" in find(problems_of(batch), 2, "整行").message


def test_a_child_under_14_without_screening_consent_is_reported(login: Any, world: World) -> None:
    batch = send(login, world, [row_for(world.c1b)])  # c1b is 13 on the day and has no consent
    assert "未满14周岁" in find(problems_of(batch), 2, "整行").message
    assert batch.status == ImportBatch.Status.INVALID


def test_a_consent_withdrawn_before_the_day_counts_as_none(login: Any, world: World) -> None:
    grant_consent(world.c1b, withdrawn_on=dt.date(2026, 10, 1))
    batch = send(login, world, [row_for(world.c1b)])
    assert "未满14周岁" in find(problems_of(batch), 2, "整行").message


def test_a_child_is_matched_by_class_name_and_birth_date_without_an_id_number(
    login: Any, world: World, pupils: list[Child]
) -> None:
    batch = send(login, world, [row_for(pupils[1], id_number="", class_name="1")])
    assert batch.status == ImportBatch.Status.READY, problems_of(batch)


def test_an_id_number_that_belongs_to_a_child_with_another_name_is_reported(
    login: Any, world: World, pupils: list[Child]
) -> None:
    batch = send(login, world, [row_for(pupils[1], name="孙小乙乙")])
    assert "姓名不一致" in find(problems_of(batch), 2, "整行").message


def test_the_same_child_twice_is_reported_on_both_rows(login: Any, world: World, pupils: list[Child]) -> None:
    batch = send(
        login, world, [row_for(pupils[1]), row_for(pupils[2]), row_for(pupils[1], phq=[1] * 8 + [0])]
    )
    problems = problems_of(batch)
    assert "重复" in find(problems, 2, "整行").message
    assert "重复" in find(problems, 4, "整行").message
    assert not [p for p in problems if p.row == 3]


def test_dates_are_read_in_the_accepted_forms(login: Any, world: World, pupils: list[Child]) -> None:
    rows = [
        row_for(pupils[0], on=dt.date(2026, 10, 15)),
        row_for(pupils[1], on="2026/10/15"),
        row_for(pupils[2], on="2026年10月15日"),
        row_for(pupils[3], on="2026-9-2"),
    ]
    batch = send(login, world, rows)
    assert batch.status == ImportBatch.Status.READY, problems_of(batch)


def test_dates_of_a_1904_epoch_workbook_are_read_as_the_dates_shown(
    login: Any, world: World, pupils: list[Child]
) -> None:
    rows = [row_for(pupils[1], on=dt.date(2026, 10, 15), birth=pupils[1].birth_date)]
    data = xlsx_bytes(header(world.camp1), rows, epoch=CALENDAR_MAC_1904)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # the serial numbers really are 1904-based
        assert b'date1904="1"' in archive.read("xl/workbook.xml")
        assert b"<v>44848</v>" in archive.read("xl/worksheets/sheet1.xml")  # 2022-10-14 in the 1900 system
    upload(login("counsellor"), world.camp1, "五年级.xlsx", data)
    batch = latest_batch(world.camp1)
    assert batch.status == ImportBatch.Status.READY, problems_of(batch)
    login("counsellor").post(
        f"/screening/campaigns/{world.camp1.public_id}/imports/{batch.public_id}/commit/"
    )
    assessment = Assessment.objects.get(import_batch=batch)
    assert assessment.administered_on == dt.date(2026, 10, 15)


@pytest.mark.clock(TERM_TIME)  # 2027-01-05 is still in the future
def test_a_date_outside_the_campaign_or_in_the_future_is_reported(
    login: Any, world: World, pupils: list[Child]
) -> None:
    batch = send(login, world, [row_for(pupils[1], on="2026-08-31"), row_for(pupils[2], on="2027-01-05")])
    problems = problems_of(batch)
    assert "起止日期" in find(problems, 2, "整行").message
    assert "晚于今天" in find(problems, 3, "整行").message


def test_a_child_outside_the_target_grades_is_reported(login: Any, world: World) -> None:
    older = make_child(
        world.v1, world.s1, make_class(world.s1, 6, "1班"), given_name="大年", birth_date=dt.date(2013, 1, 1)
    )
    grant_consent(older)
    batch = send(login, world, [row_for(older, grade="6", class_name="1班")])
    assert "年级范围" in find(problems_of(batch), 2, "整行").message


def test_a_hidden_row_is_reported(login: Any, world: World, pupils: list[Child]) -> None:
    batch = send(login, world, [row_for(pupils[1]), row_for(pupils[2])], hidden=[3])
    assert "隐藏" in find(problems_of(batch), 3, "整行").message
    assert not [p for p in problems_of(batch) if p.row == 2]


def test_a_merged_title_row_above_the_header_is_a_header_mismatch_with_a_helpful_message(
    login: Any, world: World, pupils: list[Child]
) -> None:
    batch = send(login, world, [row_for(pupils[1])], title="一乡中心学校2026年秋季心理筛查")
    assert batch.status == ImportBatch.Status.INVALID
    messages = " ".join(p.message for p in problems_of(batch))
    assert "表头应在第1行" in messages and "第2行" in messages and "标题行" in messages


def test_merged_cells_in_the_data_are_reported(login: Any, world: World, pupils: list[Child]) -> None:
    batch = send(login, world, [row_for(pupils[1]), row_for(pupils[2])], merged=["A3:B3"])
    assert "合并单元格" in find(problems_of(batch), 3, "整行").message


def test_a_misspelt_column_is_an_error_naming_the_expected_label(
    login: Any, world: World, pupils: list[Child]
) -> None:
    head = header(world.camp1)
    head[6] = "PHQ9 第1题"
    batch = send(login, world, [row_for(pupils[1])], head=head)
    problems = problems_of(batch)
    assert any("应为“PHQ-9 第1题”" in p.message for p in problems)
    assert any("缺少模板中的列“PHQ-9 第1题”" in p.message for p in problems)
    assert batch.status == ImportBatch.Status.INVALID


def test_unknown_extra_columns_are_ignored_with_a_warning(
    login: Any, world: World, pupils: list[Child]
) -> None:
    head = [*header(world.camp1), "家庭住址"]
    batch = send(login, world, [[*row_for(pupils[1]), "测试村1号"]], head=head)
    assert batch.status == ImportBatch.Status.READY
    warning = next(p for p in problems_of(batch) if p.value == "家庭住址")
    assert warning.level == Level.WARNING and "不会被保存" in warning.message
    assert "测试村1号" not in batch.report


def test_a_critical_answer_in_an_invalid_row_comes_first_and_loudly(
    login: Any, world: World, pupils: list[Child]
) -> None:
    rows = [
        row_for(pupils[1], on="2026.10.15"),  # row 2: bad date only
        row_for(pupils[2], phq=[0, 0, 9, 0, 0, 0, 0, 0, 2]),  # row 3: bad cell and item 9 = 2
    ]
    batch = send(login, world, rows)
    ordered = load_report(batch).ordered()
    assert ordered[0].row == 3 and ordered[0].level == Level.CRITICAL
    assert "关键条目阳性" in ordered[0].message and "立即" in ordered[0].message
    assert ordered[0].value == pupils[2].full_name
    assert load_report(batch).critical_rows() == [3]


def test_a_critical_answer_in_a_clean_row_of_a_blocked_file_is_flagged(
    login: Any, world: World, pupils: list[Child]
) -> None:
    rows = [row_for(pupils[1], phq=[0] * 8 + [1]), row_for(pupils[2], on="bad")]
    batch = send(login, world, rows)
    assert load_report(batch).critical_rows() == [2]


def test_an_unreadable_critical_answer_is_flagged(login: Any, world: World, pupils: list[Child]) -> None:
    batch = send(login, world, [row_for(pupils[1], phq=[0] * 8 + ["１"])])
    critical = [p for p in problems_of(batch) if p.level == Level.CRITICAL]
    assert critical and "无法识别" in critical[0].message


def test_a_critical_answer_is_still_found_when_the_header_is_wrong(
    login: Any, world: World, pupils: list[Child]
) -> None:
    head = header(world.camp1)
    head[0] = "身份证号"
    batch = send(login, world, [row_for(pupils[1], phq=[0] * 8 + [3])], head=head)
    assert load_report(batch).critical_rows() == [2]


def test_rare_name_characters_survive_a_gb18030_csv(login: Any, world: World) -> None:
    data = csv_bytes(header(world.camp1), [row_for(world.c1)], "gb18030")  # 王小䶮
    upload(login("counsellor"), world.camp1, "五年级.csv", data)
    batch = latest_batch(world.camp1)
    assert batch.status == ImportBatch.Status.READY, problems_of(batch)


def test_a_gbk_csv_is_decoded(login: Any, world: World, pupils: list[Child]) -> None:
    data = csv_bytes(header(world.camp1), [row_for(pupils[1])], "gbk")
    upload(login("counsellor"), world.camp1, "五年级.csv", data)
    batch = latest_batch(world.camp1)
    assert batch.status == ImportBatch.Status.READY, problems_of(batch)


def test_a_utf8_csv_with_a_byte_order_mark_is_decoded(login: Any, world: World, pupils: list[Child]) -> None:
    data = csv_bytes(header(world.camp1), [row_for(pupils[1])], "utf-8-sig")
    upload(login("counsellor"), world.camp1, "五年级.csv", data)
    batch = latest_batch(world.camp1)
    assert batch.status == ImportBatch.Status.READY, problems_of(batch)


def test_a_csv_in_neither_utf8_nor_gb18030_is_refused_with_a_chinese_message(
    login: Any, world: World
) -> None:
    data = "身份证号码,姓名".encode("utf-16-le").replace(b"\x00", b"\xff")
    response = upload(login("counsellor"), world.camp1, "五年级.csv", data)
    assert response.status_code == 200
    assert "无法识别CSV文件的编码" in response.content.decode()
    assert not ImportBatch.objects.filter(campaign=world.camp1).exists()


def test_the_stored_upload_waits_under_media_root_with_a_random_name(
    login: Any, world: World, pupils: list[Child], settings: Any
) -> None:
    batch = send(login, world, [row_for(pupils[1])], name="五年级1班.xlsx")
    stored = Path(settings.MEDIA_ROOT) / batch.stored_file
    assert stored.exists() and stored.parent.name == str(batch.public_id)
    assert "五年级" not in stored.name
