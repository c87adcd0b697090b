"""Hostile uploads are refused quickly, with a clear Chinese message, before anything is stored."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from lbc.imports.files import MAX_BYTES, MAX_ROWS, FileKind, FileRejected, decode_csv, inspect_upload
from screening.models import ImportBatch
from tests.conftest import World

from .test_imports_data import csv_bytes, header, media, upload, xlsx_bytes  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("media")
MB = 1024 * 1024


def refused(name: str, data: bytes) -> str:
    with pytest.raises(FileRejected) as caught:
        inspect_upload(name, data)
    return caught.value.message


def zip_with(members: dict[str, bytes], *, big: tuple[str, int] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        if big is not None:
            with archive.open(big[0], "w", force_zip64=True) as stream:
                block = b"\x00" * MB
                for _i in range(big[1]):
                    stream.write(block)
    return out.getvalue()


XLSX_SKELETON = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


def test_a_text_file_renamed_to_xlsx_is_refused_as_a_fake_extension() -> None:
    message = refused("五年级.xlsx", "身份证号码,姓名\n".encode())
    assert "扩展名不符" in message


def test_a_text_file_renamed_to_xls_is_refused_as_a_fake_extension() -> None:
    assert "扩展名不符" in refused("五年级.xls", b"plain text")


def test_a_workbook_renamed_to_csv_is_refused(world: World) -> None:
    data = xlsx_bytes(header(world.camp1), [])
    assert "这是Excel文件" in refused("五年级.csv", data)


def test_other_extensions_and_macro_enabled_extensions_are_refused() -> None:
    assert "只能导入" in refused("五年级.numbers", b"x")
    assert "含宏" in refused("五年级.xlsm", b"PK\x03\x04")


def test_a_zip_bomb_is_refused_quickly_with_bounded_memory() -> None:
    bomb = zip_with(XLSX_SKELETON, big=("xl/worksheets/sheet1.xml", 200))
    assert len(bomb) < MB  # 200 MB of zeros inflate from a few hundred kilobytes
    tracemalloc.start()
    started = time.perf_counter()
    message = refused("五年级.xlsx", bomb)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "压缩炸弹" in message
    assert elapsed < 1.0
    assert peak < 8 * MB


def test_a_zip_whose_headers_understate_a_members_size_is_refused() -> None:
    data = bytearray(zip_with({**XLSX_SKELETON, "xl/worksheets/sheet1.xml": b"<row/>" * 200_000}))
    member = b"xl/worksheets/sheet1.xml"
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_length_offset = 26 if signature == b"PK\x03\x04" else 28
            (name_length,) = struct.unpack_from("<H", data, start + name_length_offset)
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if bytes(data[name_at : name_at + name_length]) == member:
                struct.pack_into("<I", data, start + size_offset, 100)
            start += 4
    message = refused("五年级.xlsx", bytes(data))
    assert "损坏" in message or "压缩炸弹" in message


def test_a_workbook_with_a_vba_project_is_refused() -> None:
    data = zip_with({**XLSX_SKELETON, "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})
    assert "宏" in refused("五年级.xlsx", data)


def test_a_workbook_declaring_macro_content_is_refused() -> None:
    types = b'<Types><Override ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'
    data = zip_with({"[Content_Types].xml": types, "xl/workbook.xml": b"<workbook/>"})
    assert "宏" in refused("五年级.xlsx", data)


def test_an_xls_with_a_vba_project_is_refused() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "_VBA_PROJECT_CUR".encode("utf-16-le")
    assert "宏" in refused("五年级.xls", data)


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    data = zip_with({"readme.txt": b"hello"})
    assert "扩展名不符" in refused("五年级.xlsx", data)


def test_a_csv_with_too_many_rows_is_refused() -> None:
    data = ("a,b\n" * (MAX_ROWS + 5)).encode()
    assert "超过5000行" in refused("五年级.csv", data)


def test_a_workbook_with_too_many_rows_is_refused_before_it_is_read() -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for n in range(MAX_ROWS + 3):
        sheet.append([n, "x"])
    out = io.BytesIO()
    workbook.save(out)
    assert "超过5000行" in refused("五年级.xlsx", out.getvalue())


def test_an_oversized_upload_is_refused_without_creating_anything(
    login: Any, world: World, settings: Any
) -> None:
    response = upload(login("counsellor"), world.camp1, "五年级.csv", b"a" * (MAX_BYTES + 1))
    assert response.status_code == 200
    assert "文件超过10 MB" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.csv"))


def test_a_refused_upload_stores_nothing_and_says_why(login: Any, world: World, settings: Any) -> None:
    response = upload(login("counsellor"), world.camp1, "五年级.xlsx", b"just text")
    assert response.status_code == 200
    assert "扩展名不符" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*"))


def test_csv_decoding_follows_the_rule() -> None:
    assert decode_csv("\ufeff姓名".encode()) == "姓名"
    assert decode_csv("姓名".encode()) == "姓名"
    assert decode_csv("姓名䶮".encode("gb18030")) == "姓名䶮"
    with pytest.raises(FileRejected):
        decode_csv(b"\xff\xfe\xfa")


def test_a_plain_workbook_passes_inspection(world: World) -> None:
    inspected = inspect_upload("五年级.xlsx", xlsx_bytes(header(world.camp1), []))
    assert inspected.kind == FileKind.XLSX and len(inspected.sha256) == 64


def test_a_gbk_csv_passes_inspection(world: World) -> None:
    inspected = inspect_upload("五年级.csv", csv_bytes(header(world.camp1), [], "gbk"))
    assert inspected.kind == FileKind.CSV
