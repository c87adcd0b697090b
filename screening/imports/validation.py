"""Validation of a whole file before anything is written: header, every cell, every child.

The result lists every problem and the rows that could be imported. A row with a positive
critical answer that cannot be imported (bad cells, unknown child, no consent, excluded) gets a
loud CRITICAL entry, so the counsellor acts on it now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from lbc.imports.cells import class_key
from lbc.imports.header import (
    cell_name,
    check_header,
    labels_of,
    misplaced_header,
    no_data_message,
    title_row_problem,
)
from lbc.imports.reading import Table
from screening.assessments.recording import CONSENT_AGE
from screening.models import Campaign

from .columns import template_columns
from .matching import Match, consent_on, consents_by_child, match_rows
from .report import Level, Problem, Report
from .rows import RowData, RowReader, is_blank_row, merged_label

Progress = Callable[[int], None]


@dataclass
class Validation:
    report: Report
    rows: list[RowData] = field(default_factory=list)  # importable: clean, matched, consented


def validate(
    table: Table, campaign: Campaign, excluded: Collection[int] = (), progress: Progress | None = None
) -> Validation:
    step = progress or (lambda _percent: None)
    columns = template_columns(campaign)
    report = Report(sheet=table.sheet)
    report.problems.extend(Problem(None, "", "", note, Level.WARNING, table.sheet) for note in table.notes)
    header_at = 0
    if not table.rows:
        report.problems.append(
            Problem(None, _("表头"), "", _("文件中没有任何内容。"), Level.ERROR, table.sheet)
        )
        return Validation(report)
    header = check_header(table.rows[0], columns, table.sheet)
    if not header.ok:
        found = misplaced_header(table.rows, columns)
        if found is not None:
            header_at = found
            header = check_header(table.rows[found], columns, table.sheet)
            report.problems.append(title_row_problem(found, table.sheet))
    report.problems.extend(header.problems)
    reader = RowReader(header.positions, table.sheet)
    data = [
        RowData(i + 1, values)
        for i, values in enumerate(table.rows)
        if i > header_at and not is_blank_row(values)
    ]
    report.data_rows = len(data)
    if not data and header.ok:
        report.problems.append(Problem(None, _("表头"), "", no_data_message(), Level.ERROR, table.sheet))
    labels = labels_of(table.rows[header_at])
    read_by_row = {r.row for r in data} | set(excluded)
    outside = [n for n in table.formulas if n not in read_by_row]
    report.problems.extend(formula_problems(table, labels, outside))
    step(20)
    if not report.blocking:
        checked_rows = check_rows(reader, table, campaign, data, excluded, report, step, labels)
        return Validation(report, checked_rows)
    report.problems.extend(formula_problems(table, labels, [r.row for r in data if r.row not in excluded]))
    for row in data:  # the file cannot be imported, but critical answers must still be seen
        reader.scan_critical(row)
        flag_critical(reader, row, excluded=row.row in excluded, file_blocked=True)
    report.problems.extend(reader.problems)
    return Validation(report)


def check_rows(
    reader: RowReader,
    table: Table,
    campaign: Campaign,
    data: list[RowData],
    excluded: Collection[int],
    report: Report,
    step: Progress,
    labels: list[str],  # the header row's labels, to name formula cells
) -> list[RowData]:
    included = [r for r in data if r.row not in excluded]
    for row in data:
        if row.row in excluded:
            reader.scan_critical(row)
            continue
        check_layout(reader, table, row)
        check_formulas(reader, table, row, labels)
        reader.read_row(row)
    step(55)
    check_children(reader, campaign, included)
    step(75)
    check_dates_and_consent(reader, campaign, included)
    step(85)
    blocked = report.blocking or any(p.level == Level.ERROR for p in reader.problems)
    for row in data:
        flag_critical(reader, row, excluded=row.row in excluded, file_blocked=blocked)
    report.problems.extend(reader.problems)
    return [r for r in included if r.errors == 0]


def check_layout(reader: RowReader, table: Table, row: RowData) -> None:
    if row.row in table.hidden_rows:
        message = _(
            "此行在Excel中被隐藏。隐藏的行常是不想导入的数据：请取消隐藏并核对后重新上传，或勾选排除此行。"
        )
        reader.report(row, None, message)
    for start, end in table.merged:
        if start[0] + 1 <= row.row <= end[0] + 1:
            message = _("此行有合并单元格（%(range)s）。请取消合并，每个单元格只填一个值。") % {
                "range": merged_label(start, end)
            }
            reader.report(row, None, message, value=merged_label(start, end))


def formula_message(row: int, label: str, formula: str) -> str:
    if formula:
        return _("第%(row)d行“%(column)s”是公式（=%(formula)s），请改为直接填写数值。") % {
            "row": row, "column": label, "formula": formula
        }
    return _("第%(row)d行“%(column)s”是公式，请改为直接填写数值。") % {"row": row, "column": label}


def column_label(labels: list[str], index: int) -> str:
    return labels[index] if index < len(labels) and labels[index] else get_column_letter(index + 1)


def check_formulas(reader: RowReader, table: Table, row: RowData, labels: list[str]) -> None:
    """A formula is refused, with or without the value Excel cached for it: without one the cell reads
    as blank (a missing answer lowers the score), with one the value was never typed by anyone."""
    for index, formula in sorted(table.formulas.get(row.row, {}).items()):
        label = column_label(labels, index)
        value = f"={formula}" if formula else ""
        reader.report_cell(row, index, label, formula_message(row.row, label, formula), value)


def formula_problems(table: Table, labels: list[str], numbers: Collection[int]) -> list[Problem]:
    """The formulas of rows not read cell by cell (header, title and blank rows, or every row of a file
    already refused), as problems of the file."""
    problems = []
    for number in sorted(numbers):
        found = table.formulas.get(number, {})
        if number == 0:  # a formula cell without its reference
            message = _("文件中有公式，请把公式改为直接填写的数值后重新上传。")
            problems.append(Problem(None, "", "", message, Level.ERROR, table.sheet))
            continue
        for index, formula in sorted(found.items()):
            label = column_label(labels, index)
            problems.append(Problem(
                number, cell_name(label, index), f"={formula}" if formula else "",
                formula_message(number, label, formula), Level.ERROR, table.sheet,
            ))
    return problems


def check_children(reader: RowReader, campaign: Campaign, rows: list[RowData]) -> None:
    matchable = [r for r in rows if r.identity_ok]
    matches = match_rows(campaign, matchable)
    for row in matchable:
        match = matches.get(row.row, Match())
        if match.error or match.child is None:
            reader.report(row, None, match.error or _("没有找到这名儿童。"), value=row.shown_name)
            continue
        row.child = match.child
        check_child(reader, campaign, row, by_id=match.by_id)
    report_duplicates(reader, [r for r in matchable if r.child is not None])


def check_child(reader: RowReader, campaign: Campaign, row: RowData, *, by_id: bool) -> None:
    child = row.child
    assert child is not None
    if by_id and row.name is not None and row.name != child.full_name:
        message = _("身份证号码对应的儿童姓名与表中姓名不一致（档案中为“%(name)s”）。请核对身份证号码。")
        reader.report(row, None, message % {"name": child.full_name}, value=row.shown_name)
    if by_id and row.birth_date is not None and row.birth_date != child.birth_date:
        message = _("出生日期与档案不一致（档案中为 %(date)s）。") % {"date": child.birth_date.isoformat()}
        reader.report(row, None, message, value=row.birth_date.isoformat())
    if row.grade is not None and row.grade != child.grade:
        message = _("表中年级与档案不一致（档案中为%(grade)s年级）。") % {"grade": child.grade or "?"}
        reader.report(row, None, message, value=str(row.grade))
    elif child.grade not in campaign.grades:
        reader.report(row, None, _("该儿童不在本次筛查的年级范围内。"), value=str(child.grade))
    registered_class = child.school_class.name if child.school_class else ""
    if (
        by_id
        and row.class_name
        and registered_class
        and class_key(row.class_name) != class_key(registered_class)
    ):
        message = _("表中班级与档案不一致（档案中为%(cls)s），已按身份证号码导入到档案中的儿童。")
        reader.report(row, None, message % {"cls": registered_class}, Level.WARNING, value=row.class_name)


def report_duplicates(reader: RowReader, rows: list[RowData]) -> None:
    by_child: dict[int, list[RowData]] = defaultdict(list)
    for row in rows:
        assert row.child is not None
        by_child[row.child.pk].append(row)
    for same in by_child.values():
        if len(same) < 2:
            continue
        numbers = "、".join(str(r.row) for r in same)
        message = _("同一名儿童在第%(rows)s行重复出现：请只保留一行，把其余的行排除或删除。") % {
            "rows": numbers
        }
        for row in same:
            reader.report(row, None, message, value=row.shown_name)


def check_dates_and_consent(reader: RowReader, campaign: Campaign, rows: list[RowData]) -> None:
    today = timezone.localdate()
    dated = [r for r in rows if r.administered_on is not None]
    for row in dated:
        assert row.administered_on is not None
        if row.administered_on > today:
            reader.report(row, None, _("施测日期不能晚于今天。"), value=row.administered_on.isoformat())
        elif not campaign.starts_on <= row.administered_on <= campaign.ends_on:
            message = _("施测日期不在本次筛查的起止日期（%(start)s 至 %(end)s）之内。") % {
                "start": campaign.starts_on.isoformat(),
                "end": campaign.ends_on.isoformat(),
            }
            reader.report(row, None, message, value=row.administered_on.isoformat())
    matched = [r for r in dated if r.child is not None]
    if not matched:
        return
    until = max(r.administered_on for r in matched if r.administered_on is not None)
    decisions = consents_by_child({r.child.pk for r in matched if r.child is not None}, until)
    for row in matched:
        assert row.child is not None and row.administered_on is not None
        row.consent = consent_on(decisions.get(row.child.pk, []), row.administered_on)
        if row.consent is None and row.child.age_on(row.administered_on) < CONSENT_AGE:
            message = _(
                "该儿童未满14周岁，在施测日期没有有效的心理筛查知情同意：不能导入。请先在儿童档案中记录监护人的同意。"
            )
            reader.report(row, None, message, value=row.shown_name)


def flag_critical(reader: RowReader, row: RowData, *, excluded: bool, file_blocked: bool) -> None:
    """A loud entry for a critical answer in a row that is not imported now."""
    if row.critical and (excluded or row.errors or file_blocked):
        if excluded:
            why = _("这一行已被排除，不会导入")
        elif row.errors:
            why = _("这一行有错误，暂未导入")
        else:
            why = _("文件中还有其他错误，这一行暂未导入")
        message = _(
            "⚠ 关键条目阳性（%(labels)s）：%(why)s，但该儿童需要立即按红色预警处理"
            "（当天放学前由心理教师完成安全评估，当天告知监护人）。"
        ) % {"labels": "、".join(row.critical), "why": why}
        reader.report(row, None, message, Level.CRITICAL, value=row.shown_name)
    if row.unreadable_critical:
        message = _(
            "⚠ 关键条目（%(labels)s）的答案无法识别。"
            "请立即核对原始问卷：如为阳性，该儿童需要当天完成安全评估。"
        ) % {"labels": "、".join(row.unreadable_critical)}
        reader.report(row, None, message, Level.CRITICAL, value=row.shown_name)
