"""Real Excel 97-2003 (.xls, BIFF8) workbooks, written by xlwt at test time with synthetic children only.

Schools still send .xls files saved by old Excel and WPS versions; these tests read them through the
whole upload path (magic bytes, calamine, cell rules, matching, commit).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
import xlwt

from lbc.models import Child
from screening.imports.processing import load_report
from screening.models import Assessment, ImportBatch
from tests.conftest import World
from tests.factories import make_child

from .test_imports_data import (
    batch_url,
    grant_consent,
    header,
    latest_batch,
    media,  # noqa: F401 (fixture)
    row_for,
    upload,
)

pytestmark = pytest.mark.usefixtures("media")
DATE = xlwt.easyxf(num_format_str="yyyy-mm-dd")
TEXT = xlwt.easyxf(num_format_str="@")


def xls_bytes(head: Sequence[str], rows: Iterable[Sequence[Any]], *, dates_1904: bool = False) -> bytes:
    """A one-sheet .xls: dates as Excel date cells, numbers as numbers, text as text."""
    workbook = xlwt.Workbook(encoding="utf-8")
    workbook.dates_1904 = dates_1904
    sheet = workbook.add_sheet("五年级（合成测试数据）")
    for column, label in enumerate(head):
        sheet.write(0, column, label, TEXT)
    for r, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(r, column, value, DATE)
            else:
                sheet.write(r, column, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def pupils(world: World) -> list[Child]:
    """c1 (王小䶮, with an ID number) and two more synthetic grade-5 children of s1 with consent."""
    kids = [
        make_child(world.v1, world.s1, world.class1, family_name="欧阳", given_name=n) for n in ("䶮䶮", "𠈌")
    ]
    for kid in kids:
        grant_consent(kid)
    return [world.c1, *kids]


def xls_row(child: Child, **overrides: Any) -> list[Any]:
    """A row as an old Excel file holds it: real date cells, answers as numbers."""
    row = row_for(child, on=dt.date(2026, 10, 15), birth=child.birth_date, **overrides)
    return [int(v) if isinstance(v, str) and v.isdigit() and i > 5 else v for i, v in enumerate(row)]


def send(login: Any, world: World, data: bytes) -> ImportBatch:
    response = upload(login("counsellor"), world.camp1, "五年级.xls", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return latest_batch(world.camp1)


def test_a_real_xls_file_is_read_matched_and_committed(login: Any, world: World, pupils: list[Child]) -> None:
    c1, by_name, rare = pupils
    rows = [
        xls_row(c1),  # matched by ID number (text cell)
        xls_row(by_name, id_number=""),  # matched by class, name and birth date
        xls_row(rare, id_number="", phq=[0, 1, 0, 1, 0, 0, 0, 0, 1]),  # 𠈌 outside the BMP; item 9 positive
    ]
    data = xls_bytes(header(world.camp1), rows)
    assert data.startswith(b"\xd0\xcf\x11\xe0")  # an OLE compound file, as Excel 97-2003 writes it
    batch = send(login, world, data)
    assert batch.status == ImportBatch.Status.READY, load_report(batch).problems
    assert batch.total_rows == 3
    login("counsellor").post(batch_url("screening:import-commit", batch))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    written = {a.child_id: a for a in Assessment.objects.filter(import_batch=batch)}
    assert set(written) == {c1.pk, by_name.pk, rare.pk}
    assert {a.administered_on for a in written.values()} == {dt.date(2026, 10, 15)}
    assert written[rare.pk].tier == "RED" and written[c1.pk].tier == "GREEN"


def test_dates_of_a_1904_xls_are_the_dates_shown(login: Any, world: World, pupils: list[Child]) -> None:
    data = xls_bytes(header(world.camp1), [xls_row(pupils[1], id_number="")], dates_1904=True)
    batch = send(login, world, data)
    assert batch.status == ImportBatch.Status.READY, load_report(batch).problems
    login("counsellor").post(batch_url("screening:import-commit", batch))
    assessment = Assessment.objects.get(import_batch=batch)
    assert assessment.administered_on == dt.date(2026, 10, 15)


def test_an_id_number_stored_as_a_number_in_an_xls_is_reported(
    login: Any, world: World, pupils: list[Child]
) -> None:
    c1 = pupils[0]
    as_number = float(c1.id_number[:17] + "0") if c1.id_number.endswith("X") else float(c1.id_number)
    batch = send(login, world, xls_bytes(header(world.camp1), [xls_row(c1, id_number=as_number)]))
    assert batch.status == ImportBatch.Status.INVALID
    (problem,) = [p for p in load_report(batch).problems if p.row == 2 and p.column.startswith("身份证号码")]
    assert "保存成了数字" in problem.message
    assert "E+17" in problem.value  # shown as Excel shows it, not "repaired"
    assert not Assessment.objects.filter(import_batch=batch).exists()


def test_rare_name_characters_survive_an_xls(login: Any, world: World, pupils: list[Child]) -> None:
    # The name cell is the only identity: a mangled 䶮 or 𠈌 would leave the row unmatched.
    rows = [xls_row(pupils[1], id_number=""), xls_row(pupils[2], id_number="")]
    batch = send(login, world, xls_bytes(header(world.camp1), rows))
    assert batch.status == ImportBatch.Status.READY, load_report(batch).problems
    assert load_report(batch).preview is not None and load_report(batch).preview.rows == 2
