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
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl.utils.cell import column_index_from_string
from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

from .files import CHUNK, MAX_ROWS, FileKind, FileRejected, decode_csv, too_many_rows_message

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


def read_table(path: Path, kind: FileKind, sheet_label: str = "", *, max_rows: int = MAX_ROWS) -> Table:
    if kind == FileKind.CSV:
        return read_csv(path.read_bytes(), sheet_label or path.name, max_rows=max_rows)
    return read_excel(path, kind, max_rows=max_rows)


def read_csv(data: bytes, sheet: str, *, max_rows: int = MAX_ROWS) -> Table:
    text = decode_csv(data)
    rows: list[list[Value]] = []
    for record in csv.reader(io.StringIO(text, newline="")):
        rows.append(list(record))
        if len(rows) > max_rows + 1:
            raise FileRejected(too_many_rows_message(max_rows))
    return Table(sheet=sheet, rows=rows)


def read_excel(path: Path | BinaryIO, kind: FileKind, *, max_rows: int = MAX_ROWS) -> Table:
    """``path`` may be an open binary file (an upload read in memory, never written to disk)."""
    try:
        if isinstance(path, Path):
            opened = CalamineWorkbook.from_path(str(path))
        else:
            opened = CalamineWorkbook.from_filelike(path)
        with opened as workbook:
            meta = workbook.sheets_metadata[0]
            sheet = workbook.get_sheet_by_index(0)
            if sheet.height > max_rows + 1:
                raise FileRejected(too_many_rows_message(max_rows))
            rows: list[list[Value]] = sheet.to_python(skip_empty_area=False)
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
