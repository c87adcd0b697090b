"""One problem of an imported file, with its row, column and value: the unit of every import report."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    CRITICAL = "critical"  # a positive critical answer in a row that is not imported: act now
    ERROR = "error"  # the row (or the file) cannot be imported as it is
    WARNING = "warning"  # noted, nothing blocked


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row number; None for the file as a whole
    column: str
    value: str
    message: str
    level: Level = Level.ERROR
    sheet: str = ""
