"""Reading the data rows: every cell of every row, each problem with its row, column and value.

Critical items are looked at on every row, also on rows with other problems and on excluded
rows: a self-harm answer must reach the counsellor even when the row cannot be imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from lbc.idnumbers import IdNumber
from lbc.imports import cells
from lbc.imports.cells import Read
from lbc.imports.header import cell_name
from lbc.imports.reading import Value
from lbc.imports.report import Level, Problem
from lbc.models import Child, Consent
from screening.scoring.instruments import Instrument, get_instrument
from screening.scoring.instruments.base import CriticalLevel, CriticalRule

from .columns import Column, Kind

T = TypeVar("T")
MISS = -1  # not a plain answer code (no instrument has negative codes): read the cell the slow way
RAISES_TIER = (CriticalLevel.CRITICAL, CriticalLevel.ACUTE)


@dataclass
class RowData:
    row: int  # spreadsheet row number
    cells: list[Value]
    id_number: IdNumber | None = None
    name: str | None = None
    birth_date: dt.date | None = None
    grade: int | None = None
    class_name: str | None = None
    administered_on: dt.date | None = None
    answers: dict[str, dict[int, int]] = field(default_factory=dict)  # code -> {item: value}
    seconds: dict[str, float | None] = field(default_factory=dict)
    critical: list[str] = field(default_factory=list)  # labels of positive critical items
    unreadable_critical: list[str] = field(default_factory=list)  # critical cells that cannot be read
    identity_ok: bool = True
    errors: int = 0
    child: Child | None = None
    consent: Consent | None = None

    @property
    def shown_name(self) -> str:
        return self.name or ""


@dataclass(frozen=True)
class AnswerSpec:
    """An answer column prepared once per file: most cells are then one dictionary lookup."""

    column: Column
    index: int
    allowed: frozenset[int]
    rule: CriticalRule | None
    # Plain codes as typed ("2") or stored (2, 2.0), and "" for blank; anything else takes the slow path.
    known: dict[object, int | None]


def answer_spec(column: Column, index: int, instrument: Instrument) -> AnswerSpec:
    allowed = frozenset(o.value for o in instrument.item(column.item).options)
    known: dict[object, int | None] = {"": None}
    for value in allowed:
        known[str(value)] = value
        known[value] = value  # also matches the equal float, e.g. 2.0
    return AnswerSpec(column, index, allowed, critical_rule(instrument, column.item), known)


@dataclass
class RowReader:
    """Reads rows against the header's column positions and collects the problems."""

    positions: dict[Column, int]
    sheet: str
    problems: list[Problem] = field(default_factory=list)
    instruments: dict[str, Instrument] = field(default_factory=dict)
    fixed: dict[Kind, Column] = field(default_factory=dict)
    answer_specs: list[AnswerSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        for column, index in self.positions.items():
            if not column.code:
                self.fixed[column.kind] = column
                continue
            if column.code not in self.instruments:
                self.instruments[column.code] = get_instrument(column.code, column.version)
            if column.kind == Kind.ANSWER:
                self.answer_specs.append(answer_spec(column, index, self.instruments[column.code]))

    def raw(self, data: RowData, column: Column) -> Value:
        index = self.positions[column]
        return data.cells[index] if index < len(data.cells) else ""

    def report(
        self,
        data: RowData,
        column: Column | None,
        message: str,
        level: Level = Level.ERROR,
        value: str | None = None,
    ) -> None:
        if column is None:
            label = _("关键条目") if level == Level.CRITICAL else _("整行")
            shown = value or ""
        else:
            label = cell_name(column.label, self.positions[column])
            shown = cells.display(self.raw(data, column)) if value is None else value
        self.problems.append(Problem(data.row, label, shown, message, level, self.sheet))
        if level == Level.ERROR:
            data.errors += 1

    def report_cell(self, data: RowData, index: int, label: str, message: str, value: str) -> None:
        """An error in a cell by position, for columns the template may not know."""
        problem = Problem(data.row, cell_name(label, index), value, message, Level.ERROR, self.sheet)
        self.problems.append(problem)
        data.errors += 1

    def read_row(self, data: RowData) -> None:
        self._identity(data)
        data.answers = {code: {} for code in self.instruments}
        filled = False
        for spec in self.answer_specs:
            raw = data.cells[spec.index] if spec.index < len(data.cells) else ""
            value = spec.known.get(raw, MISS) if raw.__class__ is not bool else MISS
            if value is None:
                continue
            filled = True
            if value == MISS:
                self._answer_slowly(data, spec, raw)
                continue
            data.answers[spec.column.code][spec.column.item] = value
            if spec.rule is not None and value >= spec.rule.min_value:
                data.critical.append(str(spec.rule.label))
        for column in self.positions:
            if column.kind == Kind.SECONDS:
                self._seconds(data, column)
        if not filled:
            self.report(data, None, _("这一行没有任何答案。"))

    def _read(self, data: RowData, kind: Kind, reader: Callable[[Value], Read[T]]) -> T | None:
        column = self.fixed.get(kind)
        if column is None:
            return None
        read = reader(self.raw(data, column))
        if read.error:
            self.report(data, column, read.error)
            if kind != Kind.ADMINISTERED_ON:
                data.identity_ok = False
        return read.value

    def _identity(self, data: RowData) -> None:
        data.id_number = self._read(data, Kind.ID_NUMBER, cells.read_id_number)
        data.name = self._read(data, Kind.NAME, cells.read_name)
        data.birth_date = self._read(data, Kind.BIRTH_DATE, cells.read_date)
        data.grade = self._read(data, Kind.GRADE, cells.read_grade)
        data.class_name = self._read(data, Kind.CLASS, cells.read_class)
        data.administered_on = self._read(data, Kind.ADMINISTERED_ON, cells.read_date)

    def _answer_slowly(self, data: RowData, spec: AnswerSpec, raw: Value) -> None:
        read = cells.read_answer(raw, spec.allowed)
        if read.error:
            self.report(data, spec.column, read.error)
            if spec.rule is not None:
                data.unreadable_critical.append(spec.column.label)
        elif read.value is not None:
            data.answers[spec.column.code][spec.column.item] = read.value
            if spec.rule is not None and read.value >= spec.rule.min_value:
                data.critical.append(str(spec.rule.label))

    def _seconds(self, data: RowData, column: Column) -> None:
        read = cells.read_seconds(self.raw(data, column))
        if read.error:
            self.report(data, column, read.error)
        data.seconds[column.code] = read.value

    def scan_critical(self, data: RowData) -> None:
        """Only the critical items (excluded rows, files whose other columns cannot be used)."""
        for spec in self.answer_specs:
            if spec.rule is None:
                continue
            read = cells.read_answer(
                data.cells[spec.index] if spec.index < len(data.cells) else "", spec.allowed
            )
            if read.error:
                data.unreadable_critical.append(spec.column.label)
            elif read.value is not None and read.value >= spec.rule.min_value:
                data.critical.append(str(spec.rule.label))
        name_column = self.fixed.get(Kind.NAME)
        if name_column is not None:
            data.name = cells.display(self.raw(data, name_column)).strip(" ")


def critical_rule(instrument: Instrument, item: int) -> CriticalRule | None:
    """The tier-raising critical rule of an item (the lowest threshold, if it has several)."""
    rules = [r for r in instrument.critical if r.item == item and r.level in RAISES_TIER]
    return min(rules, key=lambda r: r.min_value) if rules else None


def is_blank_row(values: list[Value]) -> bool:
    return values.count("") == len(values) or all(cells.is_blank(v) for v in values)


def merged_label(start: tuple[int, int], end: tuple[int, int]) -> str:
    first = f"{get_column_letter(start[1] + 1)}{start[0] + 1}"
    last = f"{get_column_letter(end[1] + 1)}{end[0] + 1}"
    return f"{first}:{last}"
