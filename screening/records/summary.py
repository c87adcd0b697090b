"""A campaign's aggregate figures, with small cells suppressed. Pure: no database.

Two tables are published for a school's campaign: participation by grade (to screen, screened, not
screened) and tiers by grade and sex, plus the number of children with a critical answer.
``summarise`` builds the display tables with the project's one small-cell rule
(``lbc.reporting.suppression``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from lbc.models.people import Sex
from lbc.reporting.suppression import (
    Key,
    Relation,
    Shown,
    Table,
    TableRow,
    cell_text,
    suppress,
)
from screening.scoring.tiers import TIER_ORDER, tier_label

SEX_ORDER = (Sex.MALE.value, Sex.FEMALE.value)
ALL = "all"


# --- the campaign summary -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenedChild:
    """One screened child, counted once per campaign (its latest assessment in the campaign)."""

    grade: int | None
    sex: str
    tier: str
    critical: bool  # any assessment of the child in the campaign had a critical answer


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
