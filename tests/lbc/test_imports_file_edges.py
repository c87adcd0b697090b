"""Edge files of the import engine (lbc.imports), for the screening and the roster import alike:
a header without data, a stray cell far below the data, a password-protected workbook. Every file
here is synthetic."""

from __future__ import annotations

import io
import struct
import tracemalloc
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl.styles import Font

from lbc.imports.files import MAX_ROWS, FileKind, FileRejected, inspect_upload
from lbc.imports.reading import read_excel, read_table
from lbc.models import RosterImport
from screening.imports.processing import load_report
from screening.models import ImportBatch
from tests.conftest import World
from tests.lbc.roster_helpers import xlsx
from tests.screening.test_imports_data import header, latest_batch, media, upload  # noqa: F401 (fixture)

LAST_ROW = 1_048_576


def workbook(rows: list[list[Any]], stray: str | None = None, formatted: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if stray:
        sheet[stray] = "x"
    if formatted:
        sheet[formatted].font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def encrypted_workbook() -> bytes:
    """A minimal OLE2 (compound file) container as Excel writes for a workbook with an opening
    password: a header, one FAT sector and one directory sector naming the Root Entry, the
    EncryptionInfo and the EncryptedPackage streams (their content does not matter here)."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    head += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    head += struct.pack("<IIIIIIII", 0, 1, 1, 0, 4096, end, 0, end) + struct.pack("<I", 0)
    head += struct.pack("<I", 0) + struct.pack("<108I", *([free] * 108))
    head = head[:76] + struct.pack("<I", 0) + head[80:]  # DIFAT[0]: the FAT is sector 0
    assert len(head) == 512
    fat = struct.pack("<128I", fat_sector, end, *([free] * 126))

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        body = encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
        body += struct.pack("<III", free, right, child) + b"\x00" * 36
        return body + struct.pack("<IQ", end, 0)

    directory = entry("Root Entry", 5, child=1) + entry("EncryptionInfo", 2, right=2)
    directory += entry("EncryptedPackage", 2) + b"\x00" * 128
    assert len(directory) == 512
    return head + fat + directory


# --- a header without data ------------------------------------------------------------------------


@pytest.mark.usefixtures("media")
def test_a_screening_file_with_only_its_header_is_refused_not_passed(login: Any, world: World) -> None:
    upload(login("counsellor"), world.camp1, "五年级.xlsx", workbook([header(world.camp1)]))
    batch = latest_batch(world.camp1)
    assert batch.status == ImportBatch.Status.INVALID
    assert any("文件中没有数据行" in p.message for p in load_report(batch).problems)


def test_a_roster_with_only_its_header_is_refused(login: Any, world: World) -> None:
    url = reverse("lbc:roster")
    data = {"file": SimpleUploadedFile("花名册.xlsx", xlsx([])), "scope": "0"}
    response = login("county_admin").post(url, data)
    assert response.status_code == 200
    assert "文件中没有数据行" in response.content.decode()
    assert not RosterImport.objects.exists()


# --- a stray cell far below the data --------------------------------------------------------------


def test_a_stray_cell_at_the_last_row_is_named_precisely_without_reading_a_million_rows() -> None:
    data = workbook([["姓名", "年级"], ["合成甲", 5], ["合成乙", 5]], stray=f"X{LAST_ROW}")
    inspect_upload("五年级.xlsx", data)  # only rows holding a value count: three
    tracemalloc.start()
    with pytest.raises(FileRejected) as caught:
        read_table(data, FileKind.XLSX)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    message = caught.value.message
    assert f"第{LAST_ROW}行X列" in message and f"X{LAST_ROW}" in message and "数据到第3行为止" in message
    assert "超过" not in message
    assert peak < 20 * 1024 * 1024


@pytest.mark.usefixtures("media")
def test_the_screening_report_names_the_stray_cell(login: Any, world: World) -> None:
    upload(login("counsellor"), world.camp1, "五年级.xlsx", workbook([header(world.camp1)], stray="C9000"))
    problems = load_report(latest_batch(world.camp1)).problems
    assert any("C9000" in p.message and "删除" in p.message for p in problems)


def test_a_cell_with_formatting_only_far_below_is_ignored() -> None:
    data = workbook([["姓名", "年级"], ["合成甲", 5]], formatted=f"X{LAST_ROW}")
    inspect_upload("五年级.xlsx", data)
    assert read_excel(io.BytesIO(data), FileKind.XLSX).rows == [["姓名", "年级"], ["合成甲", 5]]


def test_many_formatted_empty_rows_do_not_count_as_rows() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "年级"])
    sheet.append(["合成甲", 5])
    for row in range(3, MAX_ROWS + 100):
        sheet.cell(row=row, column=1).font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    inspect_upload("五年级.xlsx", out.getvalue())
    assert len(read_table(out.getvalue(), FileKind.XLSX).rows) == 2


def test_blank_lines_at_the_end_of_a_csv_do_not_count() -> None:
    data = ("姓名,年级\n合成甲,5\n" + ",\n" * (MAX_ROWS + 10)).encode()
    inspect_upload("五年级.csv", data)
    assert read_table(data, FileKind.CSV, "五年级.csv").rows == [["姓名", "年级"], ["合成甲", "5"]]


def test_too_many_filled_rows_are_still_refused() -> None:
    data = workbook([["姓名", "年级"], *([f"合成{n}", 5] for n in range(MAX_ROWS + 1))])
    with pytest.raises(FileRejected) as caught:
        read_table(data, FileKind.XLSX, max_rows=MAX_ROWS)
    assert "超过5000行" in caught.value.message


# --- a password-protected workbook ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["五年级.xlsx", "五年级.xls", "五年级.csv"])
def test_a_password_protected_workbook_is_named_as_such(name: str) -> None:
    with pytest.raises(FileRejected) as caught:
        inspect_upload(name, encrypted_workbook())
    assert caught.value.message == "文件设置了打开密码，请取消密码后另存为再上传。"


def test_a_plain_xls_container_is_not_taken_for_a_protected_one() -> None:
    plain_name = "Workbook".encode("utf-16-le").ljust(32, b"\x00")
    data = encrypted_workbook().replace("EncryptedPackage".encode("utf-16-le"), plain_name)
    assert inspect_upload("五年级.xls", data).kind == FileKind.XLS


@pytest.mark.usefixtures("media")
def test_both_imports_say_so_on_upload(login: Any, world: World) -> None:
    response = upload(login("counsellor"), world.camp1, "五年级.xlsx", encrypted_workbook())
    assert "文件设置了打开密码" in response.content.decode()
    assert not ImportBatch.objects.exists()
    response = login("county_admin").post(
        reverse("lbc:roster"), {"file": SimpleUploadedFile("花名册.xlsx", encrypted_workbook()), "scope": "0"}
    )
    assert "文件设置了打开密码" in response.content.decode()
    assert not RosterImport.objects.exists()

