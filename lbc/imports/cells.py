"""Reading one cell: a value, or a Chinese message saying what is wrong. Pure functions.

Nothing is repaired: full-width digits, control characters, numbers where text belongs and
dates in other formats are reported, never converted. Only ordinary spaces at either end of a
text cell are dropped, as Excel users expect; names are brought to the registry's one canonical
form (``lbc.text.normalise_name``: NFC, one name dot, single spaces), as the forms store them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.utils.translation import gettext as _

from lbc.idnumbers import IdNumber, InvalidIdNumber, parse_id_number
from lbc.text import InvalidName, normalise_name

from .reading import Value

T = TypeVar("T")
FULL_WIDTH_DIGITS = frozenset("０１２３４５６７８９")
DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)
CHINESE_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SECONDARY = {"初一": 7, "初二": 8, "初三": 9, "高一": 10, "高二": 11, "高三": 12}
MAX_SECONDS = 24 * 3600
EXCEL_SCIENTIFIC = 1e11  # Excel's General format switches to scientific notation here


@dataclass(frozen=True)
class Read(Generic[T]):
    value: T | None = None
    error: str | None = None


def is_blank(raw: Value) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip(" ") == "")


def display(raw: Value) -> str:
    """The cell as a person would recognise it in the report."""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        if abs(raw) >= EXCEL_SCIENTIFIC:
            return f"{raw:.6G}"  # as Excel's General format shows it, e.g. 1.10101E+17
        return str(int(raw)) if raw.is_integer() else f"{raw:.15g}"
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    if isinstance(raw, dt.date | dt.time):
        return raw.isoformat()
    return str(raw)


def invisible_problem(text: str) -> str | None:
    """Control, format (zero-width, direction marks, BOM) and unusual space characters."""
    if text.isprintable():  # the common case; also false for unassigned code points, hence the loop
        return None
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") or (category == "Zs" and ch != " "):
            return _("含有不可见或特殊字符（U+%(code)04X），请删除后重新输入。") % {"code": ord(ch)}
    return None


def text_of(raw: Value) -> Read[str]:
    """A text cell: numbers and dates where text belongs are reported by the caller's own rules."""
    if not isinstance(raw, str):
        return Read(error=_("应为文字，实际为数字或日期。"))
    text = raw.strip(" ")
    problem = invisible_problem(text)
    return Read(error=problem) if problem else Read(text)


def read_answer(raw: Value, allowed: frozenset[int]) -> Read[int]:
    """An answer code: an integer among the item's codes; blank is a missing answer."""
    if is_blank(raw):
        return Read()
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return Read(error=_("答案应为整数。"))
    if isinstance(raw, str):
        return _answer_from_text(raw.strip(" "), allowed)
    if isinstance(raw, float) and not (math.isfinite(raw) and raw.is_integer()):
        return Read(error=_("答案应为整数，不能有小数。"))
    return _in_range(int(raw), allowed)


def _answer_from_text(text: str, allowed: frozenset[int]) -> Read[int]:
    if any(ch in FULL_WIDTH_DIGITS for ch in text):
        return Read(error=_("含有全角数字，请改用半角数字重新输入。"))
    problem = invisible_problem(text)
    if problem:
        return Read(error=problem)
    if not (text.isascii() and text.isdigit()):
        return Read(error=_("答案应为整数。"))
    return _in_range(int(text), allowed)


def _in_range(value: int, allowed: frozenset[int]) -> Read[int]:
    if value not in allowed:
        return Read(
            error=_("答案超出范围（应为 %(low)d-%(high)d）。") % {"low": min(allowed), "high": max(allowed)}
        )
    return Read(value)


def read_date(raw: Value) -> Read[dt.date]:
    """Excel date cells (1900 and 1904 epochs, as calamine reads them), or text as 2026-10-15,
    2026/10/15 or 2026年10月15日. Other forms are refused rather than guessed."""
    if is_blank(raw):
        return Read(error=_("请填写日期。"))
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time(0):
            return Read(error=_("日期带有时间部分，请只填写日期。"))
        return Read(raw.date())
    if isinstance(raw, dt.date):
        return Read(raw)
    if not isinstance(raw, str):
        return Read(error=_("不是日期（可能是数字）。请填写如 2026-10-15 的日期，或设置为Excel日期格式。"))
    return _date_from_text(raw.strip(" "))


def _date_from_text(text: str) -> Read[dt.date]:
    problem = invisible_problem(text)
    if problem:
        return Read(error=problem)
    if any(ch in FULL_WIDTH_DIGITS for ch in text):
        return Read(error=_("含有全角数字，请改用半角数字重新输入。"))
    for pattern in DATE_PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            try:
                return Read(dt.date(*(int(part) for part in found.groups())))
            except ValueError:
                return Read(error=_("日期不存在（请检查月份和日）。"))
    return Read(error=_("日期格式无法识别。请写成 2026-10-15、2026/10/15 或 2026年10月15日。"))


def read_id_number(raw: Value) -> Read[IdNumber]:
    """Blank is allowed (the row is then matched by class, name and birth date)."""
    if is_blank(raw):
        return Read()
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return Read(
            error=_("身份证号码被保存成了数字，后几位已经丢失。请把这一列设置为“文本”格式后重新输入号码。")
        )
    if not isinstance(raw, str):
        return Read(error=_("身份证号码应为文字。"))
    text = raw.strip(" ")
    problem = invisible_problem(text)
    if problem:
        return Read(error=problem)
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        return Read(
            error=_("身份证号码是科学计数法（如 1.10101E+17），后几位已经丢失。请在原始资料中找回完整号码。")
        )
    try:
        return Read(parse_id_number(text))
    except InvalidIdNumber as exc:
        return Read(error=str(exc))


def read_name(raw: Value) -> Read[str]:
    """A name through the registry's one normaliser (``lbc.text.normalise_name``), so an imported name
    compares equal to the same name typed in a form; invisible characters get the forms' message."""
    if is_blank(raw):
        return Read(error=_("请填写姓名。"))
    if not isinstance(raw, str):
        return Read(error=_("应为文字，实际为数字或日期。"))
    try:
        name = normalise_name(raw)
    except InvalidName as error:
        return Read(error=error.message)
    problem = invisible_problem(name)  # private-use and surrogate code points, which forms never send
    if problem:
        return Read(error=problem)
    if any(ch.isdigit() for ch in name):
        return Read(error=_("姓名中不应有数字。"))
    return Read(name)


def read_grade(raw: Value) -> Read[int]:
    """5, 5年级, 五年级, 初一..初三 (7-9), 高一..高三 (10-12)."""
    if is_blank(raw):
        return Read(error=_("请填写年级。"))
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return Read(raw) if 1 <= raw <= 12 else Read(error=_("年级应为1-12。"))
    if not isinstance(raw, str):
        return Read(error=_("年级无法识别。"))
    text = raw.strip(" ")
    if any(ch in FULL_WIDTH_DIGITS for ch in text):
        return Read(error=_("含有全角数字，请改用半角数字重新输入。"))
    grade = _grade_from_text(text.removesuffix("年级"))
    return Read(grade) if grade is not None else Read(error=_("年级无法识别。请写成 5 或 五年级。"))


def _grade_from_text(text: str) -> int | None:
    if text in SECONDARY:
        return SECONDARY[text]
    if text in CHINESE_NUMERALS:
        return CHINESE_NUMERALS[text]
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    return None


def read_class(raw: Value) -> Read[str]:
    """A class name as registered ("1班"); a bare number means the same class ("1" = "1班")."""
    if is_blank(raw):
        return Read(error=_("请填写班级。"))
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return Read(str(raw))
    read = text_of(raw)
    if read.value is not None and any(ch in FULL_WIDTH_DIGITS for ch in read.value):
        return Read(error=_("含有全角数字，请改用半角数字重新输入。"))
    return read


def class_key(name: str) -> str:
    """Compare "1", "1班" and "1 班" as the same class."""
    return name.replace(" ", "").removesuffix("班")


def read_seconds(raw: Value) -> Read[float]:
    if is_blank(raw):
        return Read()
    if isinstance(raw, str):
        text = raw.strip(" ")
        if any(ch in FULL_WIDTH_DIGITS for ch in text):
            return Read(error=_("含有全角数字，请改用半角数字重新输入。"))
        if not re.fullmatch(r"\d+(\.\d+)?", text):
            return Read(error=_("用时应为秒数（数字）。"))
        raw = float(text)
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        return Read(error=_("用时应为秒数（数字）。"))
    if not 0 <= raw <= MAX_SECONDS:
        return Read(error=_("用时应在0到86400秒之间。"))
    return Read(float(raw))
