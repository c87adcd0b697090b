"""Reading every cell of every staged row against the mapping and the importer's scope. No writes.

Each problem names its row, column and value with a Chinese message; nothing is repaired. A blank
cell means "no value in this file" (a registered child keeps what the registry holds).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from lbc import crypto
from lbc.access.roster import RosterScope
from lbc.idnumbers import IdNumber, mask_id_number
from lbc.imports import cells
from lbc.imports.cells import FULL_WIDTH_DIGITS, Read, class_key, display, is_blank
from lbc.imports.header import cell_name
from lbc.imports.reading import Value
from lbc.imports.report import Level, Problem
from lbc.models import Region, School, SchoolClass

from .fields import (
    CARE_WORDS,
    CONTACT_WORDS,
    LABELS,
    LEFT_BEHIND_WORDS,
    RELATION_WORDS,
    SEX_WORDS,
    Field,
    choice_key,
)
from .staging import Staged

COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "澹台",
        "南宫",
        "西门",
        "独孤",
        "端木",
        "呼延",
    ]
)
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
MAX_TEXT = 60
MASKED = re.compile(r"\d{6}\*{8}[\dX]{4}")


@dataclass
class Reference:
    """The importer's schools, classes and villages, loaded once per check."""

    scope: RosterScope
    schools: dict[str, School] = field(default_factory=dict)
    classes: dict[tuple[int, int, str], SchoolClass] = field(default_factory=dict)
    villages: dict[str, list[Region]] = field(default_factory=dict)
    townships: dict[int, str] = field(default_factory=dict)
    names: dict[tuple[str, int], str] = field(
        default_factory=dict
    )  # ("school"|"class"|"village", pk) -> shown

    @classmethod
    def load(cls, scope: RosterScope) -> Reference:
        ref = cls(scope)
        schools = list(scope.schools())
        ref.schools = {s.name.replace(" ", ""): s for s in schools}
        # The latest school year's class of that grade and name (older years' classes stay as they were).
        for c in SchoolClass.objects.filter(school__in=schools).order_by("school_year"):
            ref.classes[(c.school_id, c.grade, class_key(c.name))] = c
            ref.names[("class", c.pk)] = str(c)
        ref.names.update({("school", s.pk): s.name for s in schools})
        villages = list(scope.villages().select_related("parent"))
        # Names of the county's villages, for a registered child's village outside a school's township.
        county_villages = Region.objects.filter(
            level=Region.Level.VILLAGE, path__startswith=scope.county.path
        )
        ref.names.update({("village", pk): name for pk, name in county_villages.values_list("pk", "name")})
        for v in villages:
            ref.villages.setdefault(v.name.replace(" ", ""), []).append(v)
            if v.parent is not None:
                ref.townships[v.parent_id or 0] = v.parent.name.replace(" ", "")
        return ref


@dataclass
class RowRecord:
    row: int
    values: dict[Field, Any] = field(default_factory=dict)
    id_number: IdNumber | None = None
    index: str = ""  # blind index under the active key
    candidates: list[str] = field(default_factory=list)  # under every configured key
    problems: list[Problem] = field(default_factory=list)
    excluded: bool = False
    masked: str = ""  # a masked number as the pre-filled template shows it
    phone_index: str = ""  # of the guardian's phone, once computed (plan.row_phone_index)

    @property
    def ok(self) -> bool:
        return not any(p.level == Level.ERROR for p in self.problems)

    @property
    def name(self) -> str:
        return f"{self.values.get(Field.FAMILY_NAME, '')}{self.values.get(Field.GIVEN_NAME, '')}"


def split_name(full: str) -> tuple[str, str]:
    """A full Chinese name into family and given name (compound surnames such as 欧阳 kept whole)."""
    if len(full) > 2 and full[:2] in COMPOUND_SURNAMES:
        return full[:2], full[2:]
    if "·" in full:  # names with a name dot (e.g. of ethnic minorities): the part before the dot
        family, _dot, given = full.partition("·")
        return family, given
    return full[:1], full[1:]


def read_text(raw: Value) -> Read[str]:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return Read(display(raw))
    read = cells.text_of(raw)
    if read.value is not None and len(read.value) > MAX_TEXT:
        return Read(error=_("内容过长（最多%(n)d个字）。") % {"n": MAX_TEXT})
    return read


def read_choice(words: Mapping[str, str], what: str) -> Callable[[Value], Read[str]]:
    keyed = {choice_key(k): v for k, v in words.items()}
    allowed = "、".join(dict.fromkeys(words))

    def reader(raw: Value) -> Read[str]:
        read = cells.text_of(raw)
        if read.error or read.value is None:
            return Read(error=read.error)
        value = keyed.get(choice_key(read.value))
        if value is None:
            return Read(
                error=_("无法识别的%(what)s。可填写：%(allowed)s。") % {"what": what, "allowed": allowed}
            )
        return Read(value)

    return reader


def read_phone(raw: Value) -> Read[str]:
    """An 11-digit mobile number or a landline with its area code; a number cell is read as digits."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    read = cells.text_of(raw)
    if read.error or read.value is None:
        return read
    text = read.value
    if any(ch in FULL_WIDTH_DIGITS for ch in text):
        return Read(error=_("含有全角数字，请改用半角数字重新输入。"))
    if MOBILE.fullmatch(text) or LANDLINE.fullmatch(text):
        return Read(text)
    return Read(error=_("电话号码格式不正确：应为11位手机号码，或带区号的固定电话（如 0851-12345678）。"))


def read_id(raw: Value) -> Read[IdNumber]:
    if is_blank(raw):
        return Read(
            error=_("请填写身份证号码。花名册导入按身份证号码识别儿童；没有号码的儿童请在档案中逐个登记。")
        )
    return cells.read_id_number(raw)


def read_optional_grade(raw: Value) -> Read[int]:
    return Read() if is_blank(raw) else cells.read_grade(raw)


def readers() -> dict[Field, Callable[[Value], Read[Any]]]:
    return {
        Field.NAME: cells.read_name,
        Field.FAMILY_NAME: cells.read_name,
        Field.GIVEN_NAME: cells.read_name,
        Field.SEX: read_choice(SEX_WORDS, _("性别")),
        Field.ID_NUMBER: read_id,
        Field.BIRTH_DATE: cells.read_date,
        Field.SCHOOL: read_text,
        Field.GRADE: read_optional_grade,
        Field.CLASS: cells.read_class,
        Field.TOWNSHIP: read_text,
        Field.VILLAGE: read_text,
        Field.LEFT_BEHIND_TYPE: read_choice(LEFT_BEHIND_WORDS, _("留守类型")),
        Field.PARENT_CONTACT: read_choice(CONTACT_WORDS, _("联系频率")),
        Field.CARE_ARRANGEMENT: read_choice(CARE_WORDS, _("照料方式")),
        Field.GUARDIAN_NAME: cells.read_name,
        Field.GUARDIAN_RELATION: read_choice(RELATION_WORDS, _("关系")),
        Field.GUARDIAN_SEX: read_choice(SEX_WORDS, _("性别")),
        Field.GUARDIAN_PHONE: read_phone,
        Field.FATHER_WORK_CITY: read_text,
        Field.MOTHER_WORK_CITY: read_text,
    }


def mapping_problems(mapping: list[str]) -> list[str]:
    """What a mapping lacks or repeats, as messages for the mapping page."""
    chosen = [Field(m) for m in mapping if m]
    messages = []
    if Field.ID_NUMBER not in chosen:
        messages.append(_("请指定哪一列是“身份证号码”：花名册导入按身份证号码识别儿童。"))
    if Field.NAME not in chosen and not {Field.FAMILY_NAME, Field.GIVEN_NAME} <= set(chosen):
        messages.append(_("请指定哪一列是“姓名”（或分别指定“姓”和“名”）。"))
    repeated = sorted({str(LABELS[f]) for f in chosen if chosen.count(f) > 1})
    if repeated:
        messages.append(_("每个项目只能对应一列，重复的有：%(fields)s。") % {"fields": "、".join(repeated)})
    return messages


@dataclass
class Checker:
    staged: Staged
    mapping: list[str]
    ref: Reference
    columns: dict[Field, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.columns = {Field(m): i for i, m in enumerate(self.mapping) if m}
        self.readers = readers()
        self.cache: dict[tuple[Field, type, Value], Read[Any]] = {}
        self.hidden = set(self.staged.hidden)

    def read(self, fld: Field, raw: Value) -> Read[Any]:
        """Readers are pure: a value repeated down a column (a school, a village) is read once."""
        key = (fld, raw.__class__, raw)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self.readers[fld](raw)
        return found

    def label(self, index: int) -> str:
        return cell_name(self.staged.labels[index] or "?", index)

    def problem(
        self, record: RowRecord, column: str, value: str, message: str, level: Level = Level.ERROR
    ) -> None:
        record.problems.append(Problem(record.row, column, value, message, level, self.staged.sheet))

    def check(self, excluded: Collection[int] = ()) -> list[RowRecord]:
        records = []
        for number, row in self.staged.rows:
            record = RowRecord(number, excluded=number in excluded)
            if not record.excluded:
                self.read_row(record, row)
            records.append(record)
        report_duplicates(self, [r for r in records if not r.excluded and r.id_number is not None])
        return records

    def read_row(self, record: RowRecord, row: list[Value]) -> None:
        self.layout(record)
        for fld, index in self.columns.items():
            raw = row[index] if index < len(row) else ""
            if is_blank(raw) and fld != Field.ID_NUMBER:
                continue
            if fld == Field.ID_NUMBER and isinstance(raw, str) and MASKED.fullmatch(raw.strip(" ")):
                record.masked = raw.strip(" ")  # from the pre-filled template: matched in plan.match_masked
                continue
            read = self.read(fld, raw)
            if read.error:
                self.problem(record, self.label(index), display(raw), read.error)
            elif read.value is not None:
                record.values[fld] = read.value
        self.identity(record, row)
        self.places(record, row)
        self.guardian(record, row)

    def layout(self, record: RowRecord) -> None:
        if record.row in self.hidden:
            self.problem(
                record,
                _("整行"),
                "",
                _(
                    "此行在Excel中被隐藏。隐藏的行常是不想导入的数据：请取消隐藏并核对后重新上传，或勾选排除此行。"
                ),
            )
        for first, last, label in self.staged.merged:
            if first <= record.row <= last:
                self.problem(
                    record,
                    _("整行"),
                    label,
                    _("此行有合并单元格（%(range)s）。请取消合并，每个单元格只填一个值。") % {"range": label},
                )
        for index, formula in sorted(self.staged.formulas.get(record.row, {}).items()):
            name = self.staged.labels[index] if index < len(self.staged.labels) else "?"
            message = _("第%(row)d行“%(column)s”是公式（=%(formula)s），请改为直接填写数值。") % {
                "row": record.row,
                "column": name,
                "formula": formula,
            }
            self.problem(record, cell_name(name, index), f"={formula}", message)

    def raw(self, row: list[Value], fld: Field) -> str:
        index = self.columns.get(fld)
        return display(row[index]) if index is not None and index < len(row) else ""

    def cell(self, fld: Field) -> str:
        index = self.columns.get(fld)
        return self.label(index) if index is not None else str(LABELS[fld])

    def identity(self, record: RowRecord, row: list[Value]) -> None:
        values = record.values
        full = values.pop(Field.NAME, None)
        if full is not None:
            values[Field.FAMILY_NAME], values[Field.GIVEN_NAME] = split_name(full)
        number = values.pop(Field.ID_NUMBER, None)
        if number is None:
            return
        record.id_number = number
        record.candidates = crypto.blind_index_candidates(number.value, "id_number")
        active = crypto.keys().blind_index.active
        record.index = next(c for c in record.candidates if c.startswith(f"{active}$"))
        birth = values.get(Field.BIRTH_DATE)
        if isinstance(birth, dt.date) and birth != number.birth_date:
            self.problem(
                record,
                self.cell(Field.BIRTH_DATE),
                self.raw(row, Field.BIRTH_DATE),
                _("出生日期与身份证号码不一致（身份证号码中为 %(date)s）。")
                % {"date": number.birth_date.isoformat()},
            )
        sex = values.get(Field.SEX)
        if sex is not None and sex != number.sex:
            self.problem(
                record,
                self.cell(Field.SEX),
                self.raw(row, Field.SEX),
                _("身份证号码中的性别与填写的性别不一致。"),
            )
        values[Field.BIRTH_DATE], values[Field.SEX] = number.birth_date, number.sex

    def places(self, record: RowRecord, row: list[Value]) -> None:
        values, ref = record.values, self.ref
        school_name = values.pop(Field.SCHOOL, None)
        school = ref.scope.school
        if school_name is not None:
            school = ref.schools.get(school_name.replace(" ", ""))
            if school is None:
                self.problem(
                    record,
                    self.cell(Field.SCHOOL),
                    school_name,
                    _("学校“%(name)s”不在%(scope)s的学校名单中：请核对名称（须与系统中的学校名称一致）。")
                    % {"name": school_name, "scope": ref.scope.label()},
                )
        if school is not None:
            values[Field.SCHOOL] = school
        class_name = values.pop(Field.CLASS, None)
        if class_name is not None:
            grade = values.get(Field.GRADE)
            if school is None or grade is None:
                if school is None and school_name is None:
                    self.problem(record, self.cell(Field.CLASS), class_name, _("填写班级时请同时填写学校。"))
                elif school is not None:
                    self.problem(record, self.cell(Field.CLASS), class_name, _("填写班级时请同时填写年级。"))
            else:
                found = ref.classes.get((school.pk, grade, class_key(class_name)))
                if found is None:
                    self.problem(
                        record,
                        self.cell(Field.CLASS),
                        class_name,
                        _(
                            "%(school)s没有%(grade)d年级的“%(cls)s”：请先在“学校与班级”中建立这个班，或核对班级名称。"
                        )
                        % {"school": school.name, "grade": grade, "cls": class_name},
                    )
                else:
                    values[Field.CLASS] = found
        village_name = values.pop(Field.VILLAGE, None)
        township = values.pop(Field.TOWNSHIP, None)
        if village_name is not None:
            village = self.village(record, row, village_name, township)
            if village is not None:
                values[Field.VILLAGE] = village

    def village(self, record: RowRecord, row: list[Value], name: str, township: str | None) -> Region | None:
        found = self.ref.villages.get(name.replace(" ", ""), [])
        if township is not None:
            found = [
                v for v in found if self.ref.townships.get(v.parent_id or 0) == township.replace(" ", "")
            ]
        if len(found) == 1:
            return found[0]
        if found:
            self.problem(
                record,
                self.cell(Field.VILLAGE),
                name,
                _("有多个村/社区叫“%(name)s”：请增加一列“乡镇”以区分。") % {"name": name},
            )
        else:
            self.problem(
                record,
                self.cell(Field.VILLAGE),
                name,
                _("村/社区“%(name)s”不在%(scope)s的村/社区名单中：请核对名称（须与系统中的名称一致）。")
                % {"name": name, "scope": self.ref.scope.label()},
            )
        return None

    def guardian(self, record: RowRecord, row: list[Value]) -> None:
        values = record.values
        relation = values.get(Field.GUARDIAN_RELATION)
        has_guardian = Field.GUARDIAN_NAME in values
        name_written = (
            self.raw(row, Field.GUARDIAN_NAME).strip(" ") != ""
        )  # then its own cell says what is wrong
        if (relation is not None or Field.GUARDIAN_PHONE in values) and not has_guardian and not name_written:
            self.problem(
                record,
                self.cell(Field.GUARDIAN_NAME),
                "",
                _("填写了监护人关系或电话，请同时填写监护人姓名。"),
            )
        if has_guardian and relation is None:
            self.problem(record, self.cell(Field.GUARDIAN_RELATION), "", _("请填写监护人与儿童的关系。"))


def report_duplicates(checker: Checker, records: list[RowRecord]) -> None:
    by_number: dict[str, list[RowRecord]] = defaultdict(list)
    for record in records:
        by_number[record.index].append(record)
    for same in by_number.values():
        if len(same) < 2:
            continue
        rows = "、".join(str(r.row) for r in same)
        for record in same:
            shown = mask_id_number(record.id_number.value) if record.id_number else ""
            checker.problem(
                record,
                checker.cell(Field.ID_NUMBER),
                shown,
                _("同一身份证号码在第%(rows)s行重复出现：请只保留一行，把其余的行排除或删除。")
                % {"rows": rows},
            )
