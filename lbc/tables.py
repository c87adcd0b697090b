"""A small uploaded table (.xlsx or .csv) of the county administrator's pages, read as rows of text.

For files of a few hundred rows typed by staff (division codes, a staff roster): the extension must
agree with the content, the size is capped, an .xlsx is refused when it would inflate beyond a bound
(sizes verified by reading, never trusted), carries macros, formulas or hidden rows; CSV text is
decoded by rule (UTF-8 with BOM, else strict UTF-8, else GB18030, else refused). Cells come back as
text: whole numbers typed as numbers (a 12-digit code, a phone number) as their digits, nothing else
repaired. The screening import has its own, larger reader; the core cannot use it (layers point down).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from python_calamine import CalamineError, CalamineWorkbook

from lbc.services.errors import DomainError

MAX_BYTES = 1024 * 1024
MAX_ROWS = 3000
MAX_UNCOMPRESSED = 16 * 1024 * 1024
MAX_MEMBERS = 200
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
NOT_XLSX = gettext_noop("文件内容与扩展名不符：这不是真正的 .xlsx 文件。请用Excel另存为 .xlsx 再上传。")
UNREADABLE = gettext_noop("无法读取这个Excel文件（可能已损坏或有密码保护）。请用Excel重新保存后再上传。")
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
HIDDEN_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*\bhidden=\"(?:1|true)\"")


class TableRejected(DomainError):
    """The file cannot be read as a table; the message says why, in Chinese."""


@dataclass(frozen=True)
class Table:
    """Rows of text; ``rows[0]`` is the header. Row numbers shown to people are ``index + 1``."""

    rows: list[list[str]]


def read_table(name: str, data: bytes) -> Table:
    suffix = PurePath(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise TableRejected(_("只能上传 .xlsx 或 .csv 文件，请使用下载的模板。"))
    if not data:
        raise TableRejected(_("文件是空的。"))
    if len(data) > MAX_BYTES:
        raise TableRejected(_("文件超过1 MB，请检查是否选错了文件。"))
    rows = _read_xlsx(data) if suffix == ".xlsx" else _read_csv(data)
    rows = [row for row in rows if any(cell for cell in row)]
    if len(rows) > MAX_ROWS + 1:
        raise TableRejected(_("文件超过%(rows)d行，请拆分后分别上传。") % {"rows": MAX_ROWS})
    if not rows:
        raise TableRejected(_("文件中没有任何内容。"))
    return Table(rows=rows)


def decode_csv(data: bytes) -> str:
    encodings = ("utf-8-sig",) if data.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding, errors="strict")
        except UnicodeDecodeError:
            continue
    raise TableRejected(_("无法识别CSV文件的编码（既不是UTF-8，也不是GBK/GB18030）。"
                          "请在Excel中另存为“CSV UTF-8（逗号分隔）”后再上传。"))


def _read_csv(data: bytes) -> list[list[str]]:
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)) or b"\x00" in data:
        raise TableRejected(_("文件内容不是CSV文本：请确认扩展名，或在Excel中另存为“CSV UTF-8”后再上传。"))
    try:
        return [[cell.strip(" ") for cell in record]
                for record in csv.reader(io.StringIO(decode_csv(data), newline=""))]
    except csv.Error:
        raise TableRejected(_("CSV文件格式有误（引号不成对等），请用Excel重新保存后再上传。")) from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    if not data.startswith(ZIP_MAGIC):
        raise TableRejected(_(NOT_XLSX))
    _check_archive(data)
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            sheet = workbook.get_sheet_by_index(0)
            if sheet.height > MAX_ROWS + 1:
                raise TableRejected(_("文件超过%(rows)d行，请拆分后分别上传。") % {"rows": MAX_ROWS})
            values = sheet.to_python(skip_empty_area=False)
    except (CalamineError, IndexError, ValueError):
        raise TableRejected(_(UNREADABLE)) from None
    return [[cell_text(value) for value in row] for row in values]


def _check_archive(data: bytes) -> None:
    """Bounded inflation (every member read, at most MAX_UNCOMPRESSED in all), no macros, no formulas,
    no hidden rows: a formula's cached value or a hidden row would be imported without anyone seeing it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise TableRejected(_(NOT_XLSX))
            if len(infos) > MAX_MEMBERS or any(PurePath(n).name.lower() == "vbaproject.bin" for n in names):
                raise TableRejected(_("文件含有宏或异常内容，出于安全原因不能上传。"))
            total = 0
            for info in infos:
                with archive.open(info) as member:
                    content = member.read(MAX_UNCOMPRESSED - total + 1)
                total += len(content)
                if total > MAX_UNCOMPRESSED:
                    raise TableRejected(_("文件解压后过大（可能是“压缩炸弹”），出于安全原因不能上传。"))
                if info.filename.startswith("xl/worksheets/"):
                    _check_sheet(content)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError):
        raise TableRejected(_("文件已损坏，无法作为 .xlsx 打开。请用Excel重新保存后再上传。")) from None


def _check_sheet(content: bytes) -> None:
    if FORMULA.search(content):
        raise TableRejected(_("文件中含有公式，请把公式改为直接填写的值（复制后“选择性粘贴→数值”）再上传。"))
    if HIDDEN_ROW.search(content):
        raise TableRejected(_("文件中含有隐藏的行，请取消隐藏并核对后再上传。"))


def cell_text(value: object) -> str:
    """A cell as text. Whole numbers lose the ".0" a spreadsheet gives them; nothing else is changed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip(" ")
