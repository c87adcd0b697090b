"""The small-cell rule of the project: which published counts are hidden and how each is written.

``suppress`` decides which numbers are hidden (fewer than ``SUPPRESS_BELOW`` children, and the
complementary cells that would give them away) and ``cell_text`` how each is written ("<5", "*").
Every published table (campaign summaries, trends, township digests, training statistics) uses them.
Pure: no database.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

SUPPRESS_BELOW = 5

Key = Hashable


class Shown(Enum):
    SHOWN = "shown"
    SMALL = "small"  # fewer than SUPPRESS_BELOW children: "<5"
    COMPLEMENTARY = "complementary"  # hidden so that a small cell cannot be worked out: "*"


@dataclass(frozen=True)
class Relation:
    """Published numbers that add up: ``sum(parts) == total``."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def members(self) -> tuple[Key, ...]:
        return (*self.parts, self.total)


def suppress(
    counts: Mapping[Key, int], relations: Sequence[Relation] = (), threshold: int = SUPPRESS_BELOW
) -> dict[Key, Shown]:
    """Which numbers may be shown, so that no count below ``threshold`` can be read or worked out.

    1. Primary suppression: every number below the threshold, zero included, is shown as "<5".
    2. Complementary suppression, repeated until nothing changes (each round hides one more number):
       a. a relation (a row or column with its total, or a number that appears in both tables) with
          exactly one hidden member would give it away by subtraction: hide its smallest shown part
          (its total only when every part is hidden);
       b. otherwise, a reader who knows these rules knows that every "<5" lies in 0-4 and every "*"
          is at least 5. For each hidden small count that is not zero, two linear programmes find the
          lowest and highest value it can take given every shown number and relation; if only one
          whole number fits, hide the smallest shown part of a relation that holds it.
    Complementary cells are shown as "*", not "<5": they may hold any count of 5 or more. What can
    still be inferred is that a hidden count is zero, which identifies nobody, or a narrower range
    than 0-4 for a small count.
    """
    small = {key for key, n in counts.items() if n < threshold}
    hidden = set(small)
    while (extra := _next_complement(counts, relations, hidden, small, threshold)) is not None:
        hidden.add(extra)
    return {
        key: Shown.SMALL if key in small else Shown.COMPLEMENTARY if key in hidden else Shown.SHOWN
        for key in counts
    }


def _next_complement(
    counts: Mapping[Key, int],
    relations: Sequence[Relation],
    hidden: set[Key],
    small: set[Key],
    threshold: int,
) -> Key | None:
    for rel in relations:
        if sum(m in hidden for m in rel.members) == 1:
            return _smallest_shown(rel, counts, hidden)
    pinned = _first_pinned(counts, relations, hidden, small, threshold)
    if pinned is not None:
        for rel in relations:
            if pinned in rel.members and (candidate := _smallest_shown(rel, counts, hidden)) is not None:
                return candidate
    return None


def _smallest_shown(rel: Relation, counts: Mapping[Key, int], hidden: set[Key]) -> Key | None:
    parts = [p for p in rel.parts if p not in hidden]
    if parts:
        return min(parts, key=lambda p: counts[p])
    return None if rel.total in hidden else rel.total


def _first_pinned(
    counts: Mapping[Key, int],
    relations: Sequence[Relation],
    hidden: set[Key],
    small: set[Key],
    threshold: int,
) -> Key | None:
    """A hidden non-zero small count that the shown numbers, relations and bounds fix to one value."""
    from scipy.optimize import linprog

    unknown = sorted(hidden, key=repr)
    index = {key: i for i, key in enumerate(unknown)}
    rows, rhs = [], []
    for rel in relations:
        row = np.zeros(len(unknown))
        known = float(counts[rel.total]) if rel.total not in index else 0.0
        for part in rel.parts:
            if part in index:
                row[index[part]] += 1
            else:
                known -= counts[part]
        if rel.total in index:
            row[index[rel.total]] -= 1
        if row.any():
            rows.append(row)
            rhs.append(known)
    bounds = [(0, threshold - 1) if key in small else (threshold, None) for key in unknown]
    for key in unknown:
        if key not in small or counts[key] == 0:
            continue
        objective = np.zeros(len(unknown))
        objective[index[key]] = 1
        low = linprog(objective, A_eq=rows or None, b_eq=rhs or None, bounds=bounds)
        high = linprog(-objective, A_eq=rows or None, b_eq=rhs or None, bounds=bounds)
        # A programme that fails to solve counts as pinned: hiding one more number is the safe side.
        if low.status or high.status or math.floor(-high.fun + 1e-6) <= math.ceil(low.fun - 1e-6):
            return key
    return None


def cell_text(count: int, shown: Shown) -> str:
    """A count as published: the number, "<5" for a small cell, "*" for a complementary one."""
    if shown is Shown.SMALL:
        return f"<{SUPPRESS_BELOW}"
    if shown is Shown.COMPLEMENTARY:
        return "*"
    return str(count)


@dataclass(frozen=True)
class TableRow:
    label: str
    values: tuple[str, ...]
    is_total: bool = False


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
