"""The validation report of an import batch: every problem with its row, column and value.

Stored as JSON in ``ImportBatch.report`` (an encrypted column: the values are answers, names and
ID numbers). Rows holding a positive critical answer come first, so the counsellor sees them
before anything else.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from lbc.imports.report import Level, Problem

FORMAT = 1


@dataclass
class Preview:
    """What a commit would create, counts only."""

    rows: int
    tiers: dict[str, int]
    critical: int
    already_imported: int


@dataclass
class Report:
    sheet: str = ""
    data_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    preview: Preview | None = None
    commit: dict[str, str] = field(default_factory=dict)  # started_at, error
    checking_since: str = ""  # ISO time a re-check was requested (the first check starts at the upload)

    @property
    def blocking(self) -> bool:
        return any(p.level == Level.ERROR for p in self.problems)

    @property
    def counts(self) -> Counter[str]:
        return Counter(str(p.level) for p in self.problems)

    def critical_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems if p.level == Level.CRITICAL and p.row is not None})

    def error_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems if p.level == Level.ERROR and p.row is not None})

    def ordered(self) -> list[Problem]:
        """Rows with a critical answer first, then problems of the whole file, then row by row."""
        critical = set(self.critical_rows())

        def key(indexed: tuple[int, Problem]) -> tuple[int, int, int, int]:
            position, p = indexed
            group = 0 if p.row in critical else (1 if p.row is None else 2)
            return group, p.row or 0, 0 if p.level == Level.CRITICAL else 1, position

        return [p for _i, p in sorted(enumerate(self.problems), key=key)]

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        data["format"] = FORMAT
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Report:
        if not text:
            return cls()
        data = json.loads(text)
        preview = data.get("preview")
        return cls(
            sheet=data.get("sheet", ""),
            data_rows=int(data.get("data_rows", 0)),
            problems=[Problem(**{**p, "level": Level(p["level"])}) for p in data.get("problems", [])],
            preview=Preview(**preview) if preview else None,
            commit=dict(data.get("commit", {})),
            checking_since=str(data.get("checking_since", "")),
        )
