"""Builders for import files (synthetic children and answers only), and the template download tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from lbc.models import Child, Consent
from screening.imports.columns import template_columns
from screening.models import Campaign, ImportBatch
from tests.conftest import World

ON = "2026-10-15"
PHQ_LOW = [0, 1, 0, 1, 0, 0, 0, 0, 0]
GAD_LOW = [0, 0, 1, 0, 0, 0, 0]


def header(campaign: Campaign, *, seconds: bool = False) -> list[str]:
    return [c.label for c in template_columns(campaign) if seconds or not c.optional]


def row_for(
    child: Child | None,
    *,
    phq: Sequence[Any] = PHQ_LOW,
    gad: Sequence[Any] = GAD_LOW,
    on: Any = ON,
    id_number: Any = None,
    name: Any = None,
    birth: Any = None,
    grade: Any = None,
    class_name: Any = None,
) -> list[Any]:
    """One data row in template order (PHQ-9 then GAD-7); identity from the child unless overridden."""
    ident = [
        id_number if id_number is not None else (child.id_number if child else ""),
        name if name is not None else (child.full_name if child else ""),
        birth if birth is not None else (child.birth_date.isoformat() if child else ""),
        grade if grade is not None else (str(child.grade) if child else ""),
        class_name
        if class_name is not None
        else (child.school_class.name if child and child.school_class else ""),
        on,
    ]
    return [*ident, *phq, *gad]


def xlsx_bytes(
    head: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    epoch: Any = None,
    hidden: Iterable[int] = (),
    title: str | None = None,
    merged: Iterable[str] = (),
) -> bytes:
    workbook = openpyxl.Workbook()
    if epoch is not None:
        workbook.epoch = epoch
    sheet = workbook.active
    assert sheet is not None
    if title is not None:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(head))
    sheet.append(list(head))
    for row in rows:
        sheet.append(list(row))
    for number in hidden:
        sheet.row_dimensions[number].hidden = True
    for cells in merged:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(head: Sequence[Any], rows: Iterable[Sequence[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(head)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def grant_consent(child: Child, on: dt.date = dt.date(2026, 9, 1), **overrides: Any) -> Consent:
    values: dict[str, Any] = {
        "child": child,
        "purpose": Consent.Purpose.SCREENING,
        "decision": Consent.Decision.GRANTED,
        "given_by_name": "测试父亲",
        "given_by_relationship": "父亲",
        "is_legal_guardian": True,
        "channel": Consent.Channel.PAPER,
        "notice_version": "2026-1",
        "decided_on": on,
    }
    values.update(overrides)
    return Consent.objects.create(**values)


def upload(client: Any, campaign: Campaign, name: str, data: bytes) -> Any:
    url = reverse("screening:import-upload", kwargs={"public_id": campaign.public_id})
    return client.post(url, {"file": io_file(name, data)})


def io_file(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def latest_batch(campaign: Campaign) -> ImportBatch:
    batch = ImportBatch.objects.filter(campaign=campaign).order_by("-created_at", "-pk").first()
    assert batch is not None
    return batch


def batch_url(name: str, batch: ImportBatch) -> str:
    return reverse(name, kwargs={"public_id": batch.campaign.public_id, "batch_id": batch.public_id})


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- the template download ----------------------------------------------------------------------


def test_the_xlsx_template_has_one_sheet_with_the_exact_header_row_as_text(login: Any, world: World) -> None:
    response = login("counsellor").get(
        reverse("screening:import-template", kwargs={"public_id": world.camp1.public_id})
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 1
    sheet = workbook.active
    assert sheet is not None
    labels = [c.value for c in sheet[1]]
    assert labels[:6] == ["身份证号码", "姓名", "出生日期", "年级", "班级", "施测日期"]
    assert labels[6] == "PHQ-9 第1题" and labels[14] == "PHQ-9 第9题"
    assert labels[15] == "GAD-7 第1题" and labels[21] == "GAD-7 第7题"
    assert labels[22:] == ["PHQ-9 用时（秒）", "GAD-7 用时（秒）"]
    assert all(c.number_format == "@" for c in sheet[1])
    assert sheet.column_dimensions["A"].number_format == "@"
    read = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert read[0] == labels


def test_the_csv_template_is_utf8_with_a_byte_order_mark(login: Any, world: World) -> None:
    url = reverse("screening:import-template", kwargs={"public_id": world.camp1.public_id})
    response = login("counsellor").get(url + "?format=csv")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    first = response.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert first == header(world.camp1, seconds=True)
