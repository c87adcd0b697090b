"""An upload read in memory into staging rows: never written to disk, stored encrypted on the import.

The header is the first row (among the first ten) in which at least two labels are known roster
labels; rows above it (a merged title such as “XX小学花名册”) are skipped with a note. Each data row is
kept as its spreadsheet row number and its cells; dates keep their type through a small tag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from lbc.imports.cells import display, is_blank
from lbc.imports.files import FileKind, inspect_upload
from lbc.imports.header import labels_of
from lbc.imports.reading import Table, Value, read_csv, read_excel

from .fields import Field, normalise_label, suggest

MAX_ROWS = 60000  # the largest county's civil-affairs list in one file
MAX_BYTES = 20 * 1024 * 1024
SEARCH_ROWS = 10
MIN_KNOWN = 2


@dataclass
class Staged:
    """What is kept of a file: its header, data rows and the layout marks found while reading it."""

    sheet: str
    header_row: int  # spreadsheet row number of the header
    labels: list[str]
    rows: list[tuple[int, list[Value]]] = field(default_factory=list)
    hidden: list[int] = field(default_factory=list)
    formulas: dict[int, dict[int, str]] = field(default_factory=dict)
    merged: list[tuple[int, int, str]] = field(default_factory=list)  # first row, last row, range label
    notes: list[str] = field(default_factory=list)

    @property
    def signature(self) -> str:
        return signature_of(self.labels)

    def to_json(self) -> str:
        return json.dumps(
            {
                "sheet": self.sheet,
                "header_row": self.header_row,
                "labels": self.labels,
                "rows": [[n, [encode(v) for v in cells]] for n, cells in self.rows],
                "hidden": self.hidden,
                "formulas": {
                    str(r): {str(c): t for c, t in cols.items()} for r, cols in self.formulas.items()
                },
                "merged": self.merged,
                "notes": self.notes,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Staged:
        data = json.loads(text)
        return cls(
            sheet=data["sheet"],
            header_row=data["header_row"],
            labels=data["labels"],
            rows=[(n, [decode(v) for v in cells]) for n, cells in data["rows"]],
            hidden=data["hidden"],
            formulas={int(r): {int(c): t for c, t in cols.items()} for r, cols in data["formulas"].items()},
            merged=[(a, b, c) for a, b, c in data["merged"]],
            notes=data["notes"],
        )


def encode(value: Value) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, dt.time | dt.timedelta):
        return display(value)
    return value


def decode(value: Any) -> Value:
    if isinstance(value, dict):
        if "t" in value:
            return dt.datetime.fromisoformat(value["t"])
        return dt.date.fromisoformat(value["d"])
    return value  # type: ignore[no-any-return]


def signature_of(labels: list[str]) -> str:
    return hashlib.sha256("\x1f".join(normalise_label(label) for label in labels).encode()).hexdigest()


def read_upload(name: str, data: bytes) -> tuple[Staged, str]:
    """Check and read the upload in memory; returns the staged rows and the file's sha256."""
    inspected = inspect_upload(name, data, max_rows=MAX_ROWS, max_bytes=MAX_BYTES)
    if inspected.kind == FileKind.CSV:
        table = read_csv(data, name, max_rows=MAX_ROWS)
    else:
        table = read_excel(io.BytesIO(data), inspected.kind, max_rows=MAX_ROWS)
    return stage(table), inspected.sha256


def find_header(rows: list[list[Value]]) -> int:
    """0-based index of the header row: the first with at least two known labels, else the first row."""
    for index in range(min(SEARCH_ROWS, len(rows))):
        known = {suggest(label) for label in labels_of(rows[index]) if label}
        if len(known - {None}) >= MIN_KNOWN:
            return index
    return 0


def stage(table: Table) -> Staged:
    header_at = find_header(table.rows) if table.rows else 0
    labels = labels_of(table.rows[header_at]) if table.rows else []
    while labels and not labels[-1]:
        labels.pop()
    staged = Staged(table.sheet, header_at + 1, labels, notes=list(table.notes))
    if header_at:
        staged.notes.append(
            _("表头在第%(row)d行，上面的%(count)d行（标题等）没有导入。")
            % {"row": header_at + 1, "count": header_at}
        )
    width = len(labels)
    beyond = []
    for index in range(header_at + 1, len(table.rows)):
        values = table.rows[index]
        if all(is_blank(v) for v in values):
            continue
        if any(not is_blank(v) for v in values[width:]):
            beyond.append(index + 1)
        staged.rows.append((index + 1, list(values[:width]) + [""] * (width - len(values))))
    if beyond:  # minimisation: a column without a label is not a roster field and is not kept
        staged.notes.append(
            _("第%(rows)s行在表头以外的列中还有内容（没有列名），这些内容没有导入。")
            % {"rows": "、".join(str(n) for n in beyond[:20])}
        )
    staged.hidden = sorted(table.hidden_rows)
    staged.formulas = {row: dict(cols) for row, cols in table.formulas.items()}
    staged.merged = [(start[0] + 1, end[0] + 1, merged_range(start, end)) for start, end in table.merged]
    return staged


def merged_range(start: tuple[int, int], end: tuple[int, int]) -> str:
    return f"{get_column_letter(start[1] + 1)}{start[0] + 1}:{get_column_letter(end[1] + 1)}{end[0] + 1}"


def suggested_mapping(labels: list[str]) -> list[str]:
    """A field for each label the synonyms know; each field at most once (the first column wins)."""
    taken: set[Field] = set()
    mapping = []
    for label in labels:
        found = suggest(label)
        if found is None or found in taken:
            mapping.append("")
        else:
            taken.add(found)
            mapping.append(str(found))
    return mapping
