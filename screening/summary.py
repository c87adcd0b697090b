"""A campaign's aggregate figures, with small cells suppressed. Pure: no database.

Two tables are published for a school's campaign: participation by grade (to screen, screened, not
screened) and tiers by grade and sex, plus the number of children with a critical answer.
``suppress`` decides which numbers are hidden and ``cell_text`` how each is written; they are the
one small-cell rule of the project (campaign pages and trends use them too). ``summarise`` builds
the display tables.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
from django.utils.translation import gettext as _

from lbc.models.people import Sex
from screening.scoring.tiers import TIER_ORDER, tier_label

SUPPRESS_BELOW = 5
SEX_ORDER = (Sex.MALE.value, Sex.FEMALE.value)
ALL = "all"

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


# --- the campaign summary -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenedChild:
    """One screened child, counted once per campaign (its latest assessment in the campaign)."""

    grade: int | None
    sex: str
    tier: str
    critical: bool  # any assessment of the child in the campaign had a critical answer


@dataclass(frozen=True)
class TableRow:
    label: str
    values: tuple[str, ...]
    is_total: bool = False


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class CampaignSummary:
    participation: Table
    tiers: Table
    screened: str
    critical: str
    suppressed: bool  # at least one number is hidden


def summarise(
    screened: Iterable[ScreenedChild], unscreened_by_grade: Mapping[int | None, int], grades: Iterable[int]
) -> CampaignSummary:
    """Display tables of a campaign; ``grades`` are the campaign's target grades (always listed)."""
    children = list(screened)
    rows = _Rows(
        grades=_grades(grades, [c.grade for c in children], unscreened_by_grade),
        sexes=[*SEX_ORDER, *sorted({c.sex for c in children} - set(SEX_ORDER))],
    )
    counts: dict[Key, int] = {("critical",): sum(c.critical for c in children)}
    relations = _tier_figures(children, rows, counts) + _participation_figures(
        unscreened_by_grade, rows, counts
    )
    shown = suppress(counts, relations)

    def text(key: Key) -> str:
        return cell_text(counts[key], shown[key])

    return CampaignSummary(
        participation=_participation_table(rows, text, lambda g: _rate(g, counts, shown)),
        tiers=_tier_table(rows, text),
        screened=text(("p", ALL, "screened")),
        critical=text(("critical",)),
        suppressed=any(s is not Shown.SHOWN for s in shown.values()),
    )


@dataclass(frozen=True)
class _Rows:
    grades: list[int | None]
    sexes: list[str]


def _grades(
    targets: Iterable[int], screened: Iterable[int | None], unscreened: Mapping[int | None, int]
) -> list[int | None]:
    found = {*targets, *screened, *(g for g, n in unscreened.items() if n)}
    return sorted(found, key=lambda g: (g is None, g or 0))


def _tier_figures(children: list[ScreenedChild], rows: _Rows, counts: dict[Key, int]) -> list[Relation]:
    """Tiers by grade and sex with row and column totals; fills ``counts`` and returns the sums."""
    by_cell = Counter((c.grade, c.sex, c.tier) for c in children)
    relations = []
    for g in rows.grades:
        for s in rows.sexes:
            parts = [("t", g, s, t.value) for t in TIER_ORDER]
            counts.update({key: by_cell[(g, s, key[3])] for key in parts})
            counts[("t", g, s, ALL)] = sum(counts[p] for p in parts)
            relations.append(Relation(("t", g, s, ALL), tuple(parts)))
    for column in (*(t.value for t in TIER_ORDER), ALL):
        parts = [("t", g, s, column) for g in rows.grades for s in rows.sexes]
        counts[("t", ALL, ALL, column)] = sum(counts[p] for p in parts)
        relations.append(Relation(("t", ALL, ALL, column), tuple(parts)))
    relations.append(Relation(("t", ALL, ALL, ALL), tuple(("t", ALL, ALL, t.value) for t in TIER_ORDER)))
    return relations


def _participation_figures(
    unscreened: Mapping[int | None, int], rows: _Rows, counts: dict[Key, int]
) -> list[Relation]:
    """Participation by grade; its "screened" numbers are also sums of the tier table's row totals."""
    relations = []
    for g in rows.grades:
        counts[("p", g, "screened")] = sum(counts[("t", g, s, ALL)] for s in rows.sexes)
        counts[("p", g, "unscreened")] = unscreened.get(g, 0)
        counts[("p", g, "target")] = counts[("p", g, "screened")] + counts[("p", g, "unscreened")]
        relations.append(Relation(("p", g, "target"), (("p", g, "screened"), ("p", g, "unscreened"))))
        relations.append(Relation(("p", g, "screened"), tuple(("t", g, s, ALL) for s in rows.sexes)))
    for column in ("screened", "unscreened", "target"):
        parts = [("p", g, column) for g in rows.grades]
        counts[("p", ALL, column)] = sum(counts[p] for p in parts)
        relations.append(Relation(("p", ALL, column), tuple(parts)))
    relations.append(Relation(("p", ALL, "target"), (("p", ALL, "screened"), ("p", ALL, "unscreened"))))
    # The same number in both tables: hidden in one means hidden in the other.
    relations.append(Relation(("p", ALL, "screened"), (("t", ALL, ALL, ALL),)))
    return relations


def cell_text(count: int, shown: Shown) -> str:
    """A count as published: the number, "<5" for a small cell, "*" for a complementary one."""
    if shown is Shown.SMALL:
        return f"<{SUPPRESS_BELOW}"
    if shown is Shown.COMPLEMENTARY:
        return "*"
    return str(count)


def _grade_label(grade: int | str | None) -> str:
    if grade == ALL:
        return _("合计")
    if grade is None:
        return _("年级不详")
    return _("%(grade)s年级") % {"grade": grade}


def _sex_label(sex: str) -> str:
    return str(Sex(sex).label) if sex in SEX_ORDER else sex


def _rate(grade: int | str | None, counts: Mapping[Key, int], shown: Mapping[Key, Shown]) -> str:
    """Participation rate, only where both of its numbers are shown (a rate would give either away)."""
    part, whole = ("p", grade, "screened"), ("p", grade, "target")
    if shown[part] is not Shown.SHOWN or shown[whole] is not Shown.SHOWN or not counts[whole]:
        return "—"
    return f"{round(100 * counts[part] / counts[whole])}%"


def _participation_table(
    rows: _Rows, text: Callable[[Key], str], rate: Callable[[int | str | None], str]
) -> Table:
    def row(g: int | str | None) -> TableRow:
        values = (text(("p", g, "target")), text(("p", g, "screened")), text(("p", g, "unscreened")), rate(g))
        return TableRow(_grade_label(g), values, is_total=g == ALL)

    return Table(
        columns=(_("应筛查"), _("已筛查"), _("未筛查"), _("参与率")),
        rows=tuple(row(g) for g in [*rows.grades, ALL]),
    )


def _tier_table(rows: _Rows, text: Callable[[Key], str]) -> Table:
    columns = (*(t.value for t in TIER_ORDER), ALL)

    def row(g: int | str | None, s: str) -> TableRow:
        label = _grade_label(g) if g == ALL else f"{_grade_label(g)} {_sex_label(s)}"
        return TableRow(label, tuple(text(("t", g, s, c)) for c in columns), is_total=g == ALL)

    return Table(
        columns=(*(str(tier_label(t)) for t in TIER_ORDER), _("合计")),
        rows=(*(row(g, s) for g in rows.grades for s in rows.sexes), row(ALL, ALL)),
    )
