"""The downloadable import template of a campaign: one sheet, one header row, every column text.

Text columns keep ID numbers whole (Excel turns a typed 18-digit number into 1.10101E+17) and
keep answer codes exactly as typed. Answer columns carry a drop-down of the item's codes.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lbc.imports.files import MAX_ROWS
from screening.models import Campaign
from screening.scoring.instruments import get_instrument

from .columns import Column, Kind, template_columns

TEXT = "@"
SHEET_TITLE = "导入数据"


def column_note(column: Column) -> str:
    notes = {
        Kind.ID_NUMBER: _(
            "18位身份证号码（本列为文本格式，请直接输入）。没有时可留空，将按年级、班级、姓名和出生日期查找儿童。"
        ),
        Kind.NAME: _("与儿童档案中的姓名完全一致。"),
        Kind.BIRTH_DATE: _("如 2014-03-01、2014/3/1 或 2014年3月1日。"),
        Kind.GRADE: _("如 5 或 五年级。"),
        Kind.CLASS: _("如 1班。"),
        Kind.ADMINISTERED_ON: _("填写问卷的日期，如 2026-10-15。"),
        Kind.SECONDS: _("可选：完成这份量表用了多少秒。没有记录时整列可删除或留空。"),
    }
    return notes.get(column.kind, "")


def answer_codes(column: Column) -> str:
    item = get_instrument(column.code, column.version).item(column.item)
    return ",".join(str(o.value) for o in item.options)


def xlsx_template(campaign: Campaign) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    columns = template_columns(campaign)
    validations: dict[str, DataValidation] = {}
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].number_format = TEXT
        sheet.column_dimensions[letter].width = 20 if column.kind == Kind.ID_NUMBER else 12
        cell = sheet.cell(row=1, column=index, value=column.label)
        cell.number_format = TEXT
        cell.data_type = "s"
        note = column_note(column)
        if note:
            cell.comment = Comment(note, _("导入模板"))
        if column.kind == Kind.ANSWER:
            codes = answer_codes(column)
            if codes not in validations:
                validations[codes] = DataValidation(type="list", formula1=f'"{codes}"', allow_blank=True)
            validations[codes].add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    for validation in validations.values():
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_template(campaign: Campaign) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel on Windows opens the Chinese header correctly."""
    out = io.StringIO()
    csv.writer(out).writerow([c.label for c in template_columns(campaign)])
    return out.getvalue().encode("utf-8-sig")
