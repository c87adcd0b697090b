"""Checks on an uploaded file before it is stored or opened by a spreadsheet reader.

A file from outside is hostile until proven otherwise: the extension must agree with the magic
bytes, the size is capped, an .xlsx (a zip) is refused when its members would inflate beyond a
bound or by a suspicious ratio (the declared sizes are verified by streaming, never trusted), and
macro-enabled content is refused. CSV text is decoded by rule: UTF-8 with BOM, else strict
UTF-8, else GB18030, else refused.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from django.utils.translation import gettext as _

from lbc.services.errors import DomainError

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000  # data rows of a screening file; a whole school is about 3,000 children at most
MAX_UNCOMPRESSED = 64 * 1024 * 1024  # all members of an .xlsx together
MAX_RATIO = 100  # uncompressed / compressed, per member larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 500
CHUNK = 1024 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
# Directory entries of an OLE file are UTF-16LE names; a VBA project lives under "_VBA_PROJECT_CUR".
OLE_VBA_MARKER = "_VBA_PROJECT_CUR".encode("utf-16-le")
# A cell with a value: its first child is a value, an inline string or a formula; a cell with formatting
# only (``<c r="X9" s="1"/>``) is not one. Groups: column letters, row number.
VALUE_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?(?<!/)>\s*<(?:\w+:)?(?:v|is|f)\b'
)
# A password-protected Office file is an OLE2 container with these streams instead of a zip.
OLE_ENCRYPTED_MARKER = "EncryptedPackage".encode("utf-16-le")


class FileKind(StrEnum):
    XLSX = "xlsx"
    XLS = "xls"
    CSV = "csv"


class FileRejected(DomainError):
    """The file cannot be accepted; the message says why in Chinese."""


@dataclass(frozen=True)
class Inspected:
    kind: FileKind
    sha256: str
    size: int


def inspect_upload(
    name: str, data: bytes, *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES
) -> Inspected:
    """Refuse anything that is not a plain .xlsx/.xls/.csv of bounded size and content."""
    kind = kind_from_name(name)
    if len(data) > max_bytes:
        raise FileRejected(too_large_message(max_bytes))
    if not data:
        raise FileRejected(_("文件是空的。"))
    if is_encrypted_office(data):
        raise FileRejected(password_message())
    if kind == FileKind.XLSX:
        check_xlsx(data, max_rows)
    elif kind == FileKind.XLS:
        check_xls(data)
    else:
        check_csv(data, max_rows)
    return Inspected(kind, hashlib.sha256(data).hexdigest(), len(data))


def too_large_message(max_bytes: int = MAX_BYTES) -> str:
    return _("文件超过%(mb)d MB，不能导入。请按年级或班级拆分后分别上传。") % {
        "mb": max_bytes // (1024 * 1024)
    }


def kind_from_name(name: str) -> FileKind:
    suffix = PurePath(name).suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlsb", ".xlam"):
        raise FileRejected(
            _("不接受含宏或二进制格式的Excel文件（%(ext)s）。请另存为普通的 .xlsx 文件后再上传。")
            % {"ext": suffix}
        )
    kinds = {".xlsx": FileKind.XLSX, ".xls": FileKind.XLS, ".csv": FileKind.CSV}
    if suffix not in kinds:
        raise FileRejected(_("只能导入 .xlsx、.xls 或 .csv 文件，请使用下载的导入模板。"))
    return kinds[suffix]


def fake_extension_message(kind: FileKind) -> str:
    return _(
        "文件内容与扩展名不符：这不是真正的 %(ext)s 文件（可能只是改了扩展名）。"
        "请用Excel打开后另存为 %(ext)s 再上传。"
    ) % {"ext": f".{kind}"}


def is_encrypted_office(data: bytes) -> bool:
    """An Office file saved with an opening password: an OLE2 container holding an ``EncryptedPackage``."""
    return data.startswith(OLE_MAGIC) and OLE_ENCRYPTED_MARKER in data


def password_message() -> str:
    return _("文件设置了打开密码，请取消密码后另存为再上传。")


def check_xls(data: bytes) -> None:
    if not data.startswith(OLE_MAGIC):
        raise FileRejected(fake_extension_message(FileKind.XLS))
    if OLE_VBA_MARKER in data:
        raise FileRejected(macro_message())


def macro_message() -> str:
    return _("文件含有宏（VBA代码），出于安全原因不能导入。请把数据复制到下载的导入模板中再上传。")


def check_csv(data: bytes, max_rows: int = MAX_ROWS) -> None:
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        raise FileRejected(_("这是Excel文件，不是CSV文本：请把扩展名改回 .xlsx 或 .xls 后再上传。"))
    if b"\x00" in data:
        raise FileRejected(
            _("文件含有二进制内容，不是CSV文本（也可能是UTF-16编码）。请在Excel中另存为“CSV UTF-8”后再上传。")
        )
    text = decode_csv(data)
    # Lines holding nothing but separators (an export of a sheet with formatted empty rows) do not count.
    if sum(1 for line in text.splitlines() if line.strip(" ,;\t")) > max_rows + 1:
        raise FileRejected(too_many_rows_message(max_rows))


def too_many_rows_message(max_rows: int = MAX_ROWS) -> str:
    return _("文件超过%(rows)d行数据，不能一次导入。请按年级或班级拆分后分别上传。") % {"rows": max_rows}


def decode_csv(data: bytes) -> str:
    """UTF-8 BOM -> utf-8-sig; else strict UTF-8; else GB18030; else refuse. Nothing else is guessed."""
    encodings = ("utf-8-sig",) if data.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding, errors="strict")
        except UnicodeDecodeError:
            continue
    raise FileRejected(
        _(
            "无法识别CSV文件的编码（既不是UTF-8，也不是GBK/GB18030）。"
            "请在Excel中选择“另存为”→“CSV UTF-8（逗号分隔）”后再上传。"
        )
    )


def check_xlsx(data: bytes, max_rows: int = MAX_ROWS) -> None:
    if not data.startswith(ZIP_MAGIC):
        raise FileRejected(fake_extension_message(FileKind.XLSX))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            check_members(infos)
            check_not_macro(archive, infos)
            verify_sizes(archive, infos, max_rows)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
    ):
        raise FileRejected(_("文件已损坏，无法作为 .xlsx 打开。请用Excel重新保存后再上传。")) from None


def bomb_message() -> str:
    return _("文件解压后过大或压缩比异常（可能是“压缩炸弹”），出于安全原因不能导入。")


def check_members(infos: list[zipfile.ZipInfo]) -> None:
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRejected(fake_extension_message(FileKind.XLSX))
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise FileRejected(bomb_message())
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FileRejected(bomb_message())


def check_not_macro(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    if any(PurePath(i.filename).name.lower() == "vbaproject.bin" for i in infos):
        raise FileRejected(macro_message())
    content_types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in content_types or b"vbaProject" in content_types:
        raise FileRejected(macro_message())


def verify_sizes(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], max_rows: int = MAX_ROWS) -> None:
    """Stream every member: a header that understates a member's size fails here, memory stays at CHUNK.

    The rows of the worksheets that hold a value are counted on the way, for an early refusal of
    oversized sheets (rows with formatting only do not count; the reader counts again exactly; a
    cell split between two chunks is missed here, which is harmless).
    """
    total = 0
    for info in infos:
        is_sheet = info.filename.startswith("xl/worksheets/")
        rows: set[bytes] = set()
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                total += len(chunk)
                if total > MAX_UNCOMPRESSED:
                    raise FileRejected(bomb_message())
                if is_sheet:
                    rows.update(cell.group(2) for cell in VALUE_CELL.finditer(chunk))
        if len(rows) > max_rows + 1:
            raise FileRejected(too_many_rows_message(max_rows))
