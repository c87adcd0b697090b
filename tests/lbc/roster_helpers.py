"""Synthetic rosters for the roster import tests: every name, number and phone is made up."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl

from lbc.idnumbers import make_id_number

HEADER = [
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "就读学校",
    "年级",
    "班级",
    "户籍村",
    "留守类型",
    "联系频率",
    "监护类型",
    "监护人姓名",
    "与儿童关系",
    "监护人电话",
    "父亲务工地",
]


def person(n: int, *, school: str, village: str, cls: str = "1班", grade: int = 5) -> dict[str, Any]:
    birth = dt.date(2015, 1 + n % 12, 1 + n % 28)
    sex = "M" if n % 2 else "F"
    return {
        "序号": n,
        "姓名": f"合{chr(0x4E00 + n % 500)}{chr(0x4E00 + n // 500)}",
        "性别": "男" if sex == "M" else "女",
        "身份证号": make_id_number("990101", birth, 100 + n, sex),
        "出生日期": birth.isoformat(),
        "就读学校": school,
        "年级": grade,
        "班级": cls,
        "户籍村": village,
        "留守类型": "父母双方外出务工",
        "联系频率": "每月",
        "监护类型": "祖辈监护",
        "监护人姓名": f"合成祖母{chr(0x4E00 + n % 700)}{chr(0x4E00 + n // 700)}",
        "与儿童关系": "奶奶",
        "监护人电话": f"139{n:08d}",
        "父亲务工地": "广东东莞",
    }


def xlsx(rows: list[dict[str, Any]], header: list[str] | None = None, title: str | None = None) -> bytes:
    header = header or HEADER
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h, "") for h in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv(rows: list[dict[str, Any]], header: list[str] | None = None) -> bytes:
    header = header or HEADER
    lines = [",".join(header)] + [",".join(str(r.get(h, "")) for h in header) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")
