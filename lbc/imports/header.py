"""The header row: it must be the template's, in the template's order, on the first row.

Unknown columns are ignored with a warning and never stored (minimisation). A label that looks
like a template label but differs (a space, a full-width character, a typo) is an error, because
ignoring it would silently lose a column.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from .cells import display, invisible_problem, is_blank
from .reading import Value
from .report import Level, Problem

SEARCH_ROWS = 10  # how far down a misplaced header is looked for
SIMILAR = 0.75


class Column(Protocol):
    """A template column as the header check sees it (an import's own column type)."""

    @property
    def label(self) -> str: ...

    @property
    def optional(self) -> bool: ...


C = TypeVar("C", bound=Column)


@dataclass
class Header(Generic[C]):
    sheet: str
    positions: dict[C, int] = field(default_factory=dict)  # column -> 0-based index in the row
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.level == Level.ERROR for p in self.problems)

    def add(self, index: int | None, value: str, message: str, level: Level = Level.ERROR) -> None:
        column = cell_name(value, index) if index is not None else _("表头")
        self.problems.append(Problem(1, column, value, message, level, self.sheet))


def cell_name(label: str, index: int) -> str:
    return _("%(label)s（%(letter)s列）") % {"label": label, "letter": get_column_letter(index + 1)}


def labels_of(row: list[Value]) -> list[str]:
    return ["" if is_blank(v) else display(v).strip(" ") for v in row]


def check_header(row: list[Value], columns: tuple[C, ...], sheet: str) -> Header[C]:
    by_label = {c.label: c for c in columns}
    header: Header[C] = Header(sheet)
    for index, label in enumerate(labels_of(row)):
        if not label:
            continue
        column = by_label.get(label)
        if column is None:
            _unknown_label(header, label, index, list(by_label))
        elif column in header.positions:
            first = get_column_letter(header.positions[column] + 1)
            header.add(index, label, _("列名重复：第%(first)s列已经是这一列。") % {"first": first})
        else:
            header.positions[column] = index
    for column in columns:
        if column not in header.positions and not column.optional:
            header.add(None, column.label, _("缺少模板中的列“%(label)s”。") % {"label": column.label})
    _check_order(header, columns)
    return header


def _unknown_label(header: Header[C], label: str, index: int, known: list[str]) -> None:
    invisible = invisible_problem(label)
    close = difflib.get_close_matches(label, known, n=1, cutoff=SIMILAR)
    if invisible:
        header.add(index, label, _("列名%(problem)s") % {"problem": invisible})
    elif close:
        message = _("列名与模板不一致：应为“%(expected)s”。请不要修改模板的表头。") % {"expected": close[0]}
        header.add(index, label, message)
    else:
        header.add(index, label, _("不是模板中的列，已忽略，其中的内容不会被保存。"), Level.WARNING)


def _check_order(header: Header[C], columns: tuple[C, ...]) -> None:
    present = [c for c in columns if c in header.positions]
    indexes = [header.positions[c] for c in present]
    if indexes != sorted(indexes):
        expected = "、".join(c.label for c in present[:8])
        header.add(None, "", _("列的顺序与模板不同。请按模板的顺序排列：%(labels)s……") % {"labels": expected})


def misplaced_header(rows: list[list[Value]], columns: tuple[Column, ...]) -> int | None:
    """The 0-based index of a row below the first that carries the template header (a title row above it)."""
    required = {c.label for c in columns if not c.optional}
    for index in range(1, min(SEARCH_ROWS, len(rows))):
        if required <= set(labels_of(rows[index])):
            return index
    return None


def title_row_problem(found: int, sheet: str) -> Problem:
    message = _(
        "表头应在第1行，但模板的表头出现在第%(row)d行：上面的行（多半是合并单元格的标题行）请删除，让表头位于第1行后重新上传。"
    ) % {"row": found + 1}
    return Problem(1, _("表头"), "", message, Level.ERROR, sheet)


def no_data_message() -> str:
    """A file with its header and nothing below it: refused, never "passed" with nothing to import."""
    return _("文件中没有数据行：表头下面没有任何数据。请把数据填在表头下面的行中后再上传。")
