"""The roster template, pre-filled with what the registry holds for a school or one of its classes.

Every cell is text (an 18-digit number typed into a number cell loses its last digits). ID numbers are
masked; a row whose masked number is sent back unchanged is matched to the registered child by name,
birth date and the visible digits of the number (``plan.match_masked``). Untrusted values are
neutralised against formula injection.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from lbc.idnumbers import mask_id_number
from lbc.models import Child, ChildGuardian, School, SchoolClass

from .fields import CARE_WORDS, CONTACT_WORDS, LEFT_BEHIND_WORDS, RELATION_WORDS, SYNONYMS, Field, first_word

COLUMNS = (
    Field.NAME,
    Field.SEX,
    Field.ID_NUMBER,
    Field.BIRTH_DATE,
    Field.SCHOOL,
    Field.GRADE,
    Field.CLASS,
    Field.TOWNSHIP,
    Field.VILLAGE,
    Field.LEFT_BEHIND_TYPE,
    Field.PARENT_CONTACT,
    Field.CARE_ARRANGEMENT,
    Field.GUARDIAN_NAME,
    Field.GUARDIAN_RELATION,
    Field.GUARDIAN_PHONE,
    Field.FATHER_WORK_CITY,
    Field.MOTHER_WORK_CITY,
)
HEADER = [SYNONYMS[f][0] if f != Field.ID_NUMBER else "身份证号码" for f in COLUMNS]
SHEET_TITLE = "花名册"
RISKY_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe(text: str) -> str:
    """A value that a spreadsheet would read as a formula gets a leading apostrophe-like quote."""
    return f"'{text}" if text.startswith(RISKY_START) else text


def rows_for(school: School, school_class: SchoolClass | None) -> list[list[str]]:
    children = Child.objects.filter(school=school, status=Child.Status.ACTIVE)
    if school_class is not None:
        children = children.filter(school_class=school_class)
    children = children.select_related("school_class", "village", "village__parent").order_by(
        "grade", "school_class__name", "family_name", "given_name"
    )
    guardians = {
        link.child_id: link
        for link in ChildGuardian.objects.filter(child__in=children, is_primary=True)
        .select_related("guardian")
        .only("child_id", "relationship", "guardian__name")
    }
    rows = []
    for child in children:
        link = guardians.get(child.pk)
        rows.append(
            [
                safe(str(v))
                for v in (
                    child.full_name,
                    "男" if child.sex == "M" else "女",
                    mask_id_number(child.id_number) if child.id_number else "",
                    child.birth_date.isoformat(),
                    school.name,
                    child.grade or "",
                    child.school_class.name if child.school_class else "",
                    child.village.parent.name if child.village.parent else "",
                    child.village.name,
                    first_word(LEFT_BEHIND_WORDS, child.left_behind_type),
                    first_word(CONTACT_WORDS, child.parent_contact),
                    first_word(CARE_WORDS, child.care_arrangement),
                    link.guardian.name if link else "",
                    first_word(RELATION_WORDS, link.relationship) if link else "",
                    "",
                    "",
                    "",
                )
            ]
        )
    return rows


def xlsx_template(school: School, school_class: SchoolClass | None) -> tuple[bytes, int]:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet.append(HEADER)
    rows = rows_for(school, school_class)
    for row in rows:
        sheet.append(row)
    for index in range(1, len(HEADER) + 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 22 if COLUMNS[index - 1] == Field.ID_NUMBER else 12
        for cell in sheet[letter]:
            cell.number_format = "@"
            cell.data_type = "s"
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), len(rows)


def template_detail(school: School, school_class: SchoolClass | None, count: int) -> dict[str, Any]:
    return {
        "school": str(school.public_id),
        "class": str(school_class.public_id) if school_class else "",
        "rows": count,
    }
