"""A checked upload as a table of typed cells: python-calamine for Excel, the csv module for text.

Row numbers are the spreadsheet's own (1 = first row), so the report points at the cell a
person sees in Excel. Calamine cannot tell hidden rows or formulas (it reads a formula's cached
value, or nothing); for .xlsx both are read from the sheet XML in the same streamed pass, by a
plain pattern search (nothing is parsed, so no entity can be expanded). For .xls neither can be
detected.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl.utils.cell import column_index_from_string, get_column_letter
from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

from .files import (
    CHUNK,
    MAX_ROWS,
    VALUE_CELL,
    FileKind,
    FileRejected,
    decode_csv,
    too_many_rows_message,
)

Value = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta
ROW_TAG = re.compile(rb"<row\b[^>]*>")
ROW_NUMBER = re.compile(rb'\br="(\d+)"')
HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
FIRST_SHEET = re.compile(rb'<sheet\b[^>]*\br:id="([^"]+)"')
TAG_OVERLAP = 2048  # a <row ...> tag is far shorter than this
# A cell whose first child is a formula: <c r="C5" ...><f ...>A1+1</f> (or <f .../>, a shared formula's
# follower); an optional namespace prefix as some writers use. The text may be cut at a chunk's end.
FORMULA_CELL = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*))"
)
CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
FORMULA_SHOWN = 40  # characters of a formula quoted in the report


@dataclass
class Table:
    sheet: str
    rows: list[list[Value]]
    hidden_rows: frozenset[int] = frozenset()  # spreadsheet row numbers
    formulas: dict[int, dict[int, str]] = field(default_factory=dict)  # row number -> 0-based column -> text
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # 0-based
    notes: list[str] = field(default_factory=list)  # file-level warnings


def read_table(
    source: Path | bytes, kind: FileKind, sheet_label: str = "", *, max_rows: int = MAX_ROWS
) -> Table:
    """``source`` is a file on disk or the bytes of an upload (decrypted in memory, never written out)."""
    if isinstance(source, bytes):
        if kind == FileKind.CSV:
            return read_csv(source, sheet_label, max_rows=max_rows)
        return read_excel(io.BytesIO(source), kind, max_rows=max_rows)
    if kind == FileKind.CSV:
        return read_csv(source.read_bytes(), sheet_label or source.name, max_rows=max_rows)
    return read_excel(source, kind, max_rows=max_rows)


def read_csv(data: bytes, sheet: str, *, max_rows: int = MAX_ROWS) -> Table:
    text = decode_csv(data)
    rows: list[list[Value]] = []
    filled = 0  # rows that hold something: blank lines at the end of an export do not count
    for record in csv.reader(io.StringIO(text, newline="")):
        rows.append(list(record))
        filled += any(cell.strip() for cell in record)
        if filled > max_rows + 1:
            raise FileRejected(too_many_rows_message(max_rows))
    while rows and all(is_empty(v) for v in rows[-1]):
        rows.pop()
    return Table(sheet=sheet, rows=rows)


def read_excel(path: Path | BinaryIO, kind: FileKind, *, max_rows: int = MAX_ROWS) -> Table:
    """``path`` may be an open binary file (an upload read in memory, never written to disk).

    Only rows that hold a value count against ``max_rows``. A cell far below the data (a stray entry
    at row 1,048,576) would make the sheet a million rows tall: for .xlsx the cells are located in the
    sheet XML before the workbook is opened (calamine would allocate the whole empty area), for .xls
    (at most 65,536 rows) after; the file is refused with the cell's address, so nothing typed in a
    cell is dropped silently. A cell with formatting only holds no value and is ignored.
    """
    if kind == FileKind.XLSX:
        check_extent(xlsx_value_cells(path, max_rows), max_rows)
        if not isinstance(path, Path):
            path.seek(0)
    try:
        if isinstance(path, Path):
            opened = CalamineWorkbook.from_path(str(path))
        else:
            opened = CalamineWorkbook.from_filelike(path)
        with opened as workbook:
            meta = workbook.sheets_metadata[0]
            sheet = workbook.get_sheet_by_index(0)
            if sheet.height > max_rows + 1:
                check_extent(filled_cells(sheet.iter_rows(), max_rows), max_rows)
            rows: list[list[Value]] = sheet.to_python(skip_empty_area=False)
            while rows and all(is_empty(v) for v in rows[-1]):
                rows.pop()
            merged = list(sheet.merged_cell_ranges or [])
            names = workbook.sheet_names
    except (CalamineError, IndexError):
        raise FileRejected(
            _("无法读取这个Excel文件（可能已损坏或有密码保护）。请用Excel重新保存后再上传。")
        ) from None
    notes = []
    if meta.visible != SheetVisibleEnum.Visible:
        notes.append(
            _("第一个工作表“%(sheet)s”是隐藏的；导入读取的就是这个工作表，请确认。") % {"sheet": meta.name}
        )
    if len(names) > 1:
        notes.append(
            _("只读取第一个工作表“%(sheet)s”，其余工作表（%(others)s）被忽略。")
            % {"sheet": meta.name, "others": "、".join(names[1:])}
        )
    hidden, formulas = xlsx_markers(path) if kind == FileKind.XLSX else (frozenset(), {})
    return Table(
        sheet=meta.name, rows=rows, hidden_rows=hidden, formulas=formulas, merged=merged, notes=notes
    )


@dataclass(frozen=True)
class Extent:
    """Where a sheet's values are: the number of rows holding one, and the lowest cell (row, 0-based col)."""

    filled_rows: int
    last: tuple[int, int] | None
    last_in_data: int  # the last filled row within the allowed rows


def check_extent(extent: Extent, max_rows: int) -> None:
    if extent.filled_rows > max_rows + 1:
        raise FileRejected(too_many_rows_message(max_rows))
    if extent.last is not None and extent.last[0] > max_rows + 1:
        row, column = extent.last
        raise FileRejected(stray_cell_message(row, get_column_letter(column + 1), extent.last_in_data))


def stray_cell_message(row: int, column: str, data_end: int) -> str:
    return _(
        "文件在第%(row)d行%(column)s列（单元格%(column)s%(row)d）有内容，远在数据下方（数据到第%(end)d行为止），"
        "表格因此被当作有%(row)d行。请在Excel中删除这个单元格（或整行）后另存为，再上传。"
    ) % {"row": row, "column": column, "end": data_end}


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def filled_cells(rows: Iterable[list[Value]], max_rows: int = MAX_ROWS) -> Extent:
    filled, last, last_in_data = 0, None, 0
    for index, values in enumerate(rows):
        columns = [c for c, v in enumerate(values) if not is_empty(v)]
        if columns:
            filled += 1
            last = (index + 1, columns[-1])
            if index + 1 <= max_rows + 1:
                last_in_data = index + 1
    return Extent(filled, last, last_in_data)


def xlsx_value_cells(path: Path | BinaryIO, max_rows: int = MAX_ROWS) -> Extent:
    """The extent of the first worksheet's values, from its XML streamed in chunks (nothing is parsed)."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = first_sheet_member(archive)
            if member is None:
                return Extent(0, None, 0)
            rows: set[int] = set()
            last: tuple[int, int] | None = None
            tail = b""
            with archive.open(member) as stream:
                while chunk := stream.read(CHUNK):
                    buffer = tail + chunk
                    for cell in VALUE_CELL.finditer(buffer):
                        row = int(cell.group(2))
                        rows.add(row)
                        column = column_index_from_string(cell.group(1).decode()) - 1
                        if last is None or (row, column) > last:
                            last = (row, column)
                    tail = buffer[-TAG_OVERLAP:]
    except (zipfile.BadZipFile, KeyError, ValueError):
        return Extent(0, None, 0)  # calamine says what is wrong with the file
    in_data = [r for r in rows if r <= max_rows + 1]
    return Extent(len(rows), last, max(in_data, default=0))


def xlsx_markers(path: Path | BinaryIO) -> tuple[frozenset[int], dict[int, dict[int, str]]]:
    """Row numbers marked hidden, and the formula cells (row -> column -> formula text), of the first
    worksheet's XML, streamed in chunks."""
    with zipfile.ZipFile(path) as archive:
        member = first_sheet_member(archive)
        if member is None:
            return frozenset(), {}
        hidden: set[int] = set()
        formulas: dict[int, dict[int, str]] = {}
        tail = b""
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                buffer = tail + chunk
                for tag in ROW_TAG.finditer(buffer):
                    number = ROW_NUMBER.search(tag.group(0))
                    if number and HIDDEN.search(tag.group(0)):
                        hidden.add(int(number.group(1)))
                if b"<f" in buffer or b":f" in buffer:  # most files have no formula at all
                    _find_formulas(buffer, formulas)
                tail = buffer[-TAG_OVERLAP:]
    return frozenset(hidden), formulas


def _find_formulas(buffer: bytes, found: dict[int, dict[int, str]]) -> None:
    for cell in FORMULA_CELL.finditer(buffer):
        ref = CELL_REF.search(cell.group(1))
        if ref is None:  # a cell without its reference: say so for the whole file
            found.setdefault(0, {}).setdefault(0, "")
            continue
        row, column = int(ref.group(2)), column_index_from_string(ref.group(1).decode()) - 1
        text = html.unescape(cell.group(2).decode("utf-8", "replace")) if cell.group(2) else ""
        known = found.setdefault(row, {}).get(column, "")
        if len(text) >= len(known):  # the same cell seen again in the overlap, perhaps cut before
            found[row][column] = text[:FORMULA_SHOWN]


def first_sheet_member(archive: zipfile.ZipFile) -> str | None:
    """The path of the first sheet listed in the workbook, through the workbook's relationships."""
    found = FIRST_SHEET.search(archive.read("xl/workbook.xml"))
    if found is None:
        return None
    rel_id = re.escape(found.group(1))
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    for rel in re.finditer(rb"<Relationship\b[^>]*>", rels):
        if re.search(rb'\bId="' + rel_id + rb'"', rel.group(0)):
            target = re.search(rb'\bTarget="([^"]+)"', rel.group(0))
            if target is None:
                return None
            name = target.group(1).decode("utf-8", "replace").lstrip("/")
            return name if name.startswith("xl/") else f"xl/{name}"
    return None
