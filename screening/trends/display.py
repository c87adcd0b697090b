"""What the trend pages, charts and digest show: tables and chart data with small cells suppressed. Pure.

Every count goes through ``lbc.reporting.suppression.suppress`` in ONE run per page, together with the sums
that tie the numbers together (a unit's screened = positive + negative; each table's units add up to
the term's total; the term row of the trend table is that same total), so no hidden count can be
worked out from the others. A rate, interval or shrunk estimate is shown only where both of its counts
are shown. An EWMA value is shown only when every term up to it is shown (consecutive EWMA values
would otherwise give a hidden term away); its alarm flag is always shown. Units are ordered by name:
no league tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from lbc.reporting.suppression import Relation, Shown, cell_text, suppress
from screening.trends.data import ScreenedRecord, Term, term_label
from screening.trends.statistics import (
    BetaPrior,
    FunnelLimits,
    Rate,
    ewma,
    funnel_limits,
    outside,
    standardise,
)

Key = Hashable
Population = Mapping[tuple[int, str], float]
PARTS = ("n", "k", "neg")


@dataclass(frozen=True)
class Grouping:
    """One table of a page: its title, how a record maps to a unit, and the units' names."""

    title: str
    unit_of: Callable[[ScreenedRecord], Key]
    names: Mapping[Any, str]
    prior: BetaPrior


@dataclass(frozen=True)
class Row:
    label: str
    screened: str
    positives: str
    rate: str  # standardised, percent
    interval: str  # 95% Wilson
    shrunk: str = "—"
    extra: tuple[str, ...] = ()
    is_total: bool = False


@dataclass(frozen=True)
class TrendTable:
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class FunnelPoint:
    label: str
    screened: int
    positives: int
    above: bool  # above the 99.8% limit
    below: bool


@dataclass(frozen=True)
class HiddenUnit:
    label: str
    screened: str
    positives: str


@dataclass(frozen=True)
class FunnelSpec:
    title: str
    target: float
    limits: FunnelLimits
    points: tuple[FunnelPoint, ...]
    hidden: tuple[HiddenUnit, ...]


@dataclass(frozen=True)
class EwmaSpec:
    title: str
    terms: tuple[str, ...]
    rates: tuple[float | None, ...]
    values: tuple[float | None, ...]
    upper: tuple[float | None, ...]
    alarms: tuple[bool, ...]
    target: float
    hidden: tuple[str | None, ...]  # the suppressed positive count ("<5" or "*") of a term not drawn


@dataclass(frozen=True)
class TrendPage:
    term: str
    tables: tuple[TrendTable, ...]
    terms: TrendTable
    funnel: FunnelSpec
    ewma: EwmaSpec
    suppressed: bool


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


class _Counts:
    """The counts of one page and the relations between them, suppressed in one run."""

    def __init__(self) -> None:
        self.counts: dict[Key, int] = {}
        self.relations: list[Relation] = []
        self.shown: dict[Key, Shown] = {}

    def add_cell(self, key: tuple[Key, ...], records: Sequence[ScreenedRecord]) -> None:
        k = sum(r.positive for r in records)
        self.counts.update({(*key, "n"): len(records), (*key, "k"): k, (*key, "neg"): len(records) - k})
        self.relations.append(Relation((*key, "n"), ((*key, "k"), (*key, "neg"))))

    def add_sum(self, total: tuple[Key, ...], parts: Sequence[tuple[Key, ...]]) -> None:
        for part in PARTS:
            self.relations.append(Relation((*total, part), tuple((*p, part) for p in parts)))

    def run(self) -> None:
        self.shown = suppress(self.counts, self.relations)

    def text(self, key: tuple[Key, ...], part: str) -> str:
        return cell_text(self.counts[(*key, part)], self.shown[(*key, part)])

    def exact(self, key: tuple[Key, ...]) -> bool:
        return all(self.shown[(*key, p)] is Shown.SHOWN for p in ("n", "k"))


def _by(
    records: Sequence[ScreenedRecord], key: Callable[[ScreenedRecord], Any]
) -> dict[Any, list[ScreenedRecord]]:
    found: dict[Any, list[ScreenedRecord]] = defaultdict(list)
    for r in records:
        found[key(r)].append(r)
    return found


def rate_of(records: Sequence[ScreenedRecord], population: Population) -> Rate:
    positives: dict[tuple[int, str], int] = defaultdict(int)
    screened: dict[tuple[int, str], int] = defaultdict(int)
    for r in records:
        screened[r.stratum] += 1
        positives[r.stratum] += r.positive
    return standardise(positives, screened, population)


def _rate_cells(rate: Rate, exact: bool) -> tuple[str, str]:
    if not exact or not rate.screened:
        return "—", "—"
    return percent(rate.rate), f"{percent(rate.low)}–{percent(rate.high)}"


def _columns(*extra: str) -> tuple[str, ...]:
    return (_("已筛查"), _("阳性人数"), _("标化阳性率"), _("95%置信区间"), *extra)


def build_page(
    records: Sequence[ScreenedRecord],
    *,
    term: Term,
    groupings: Sequence[Grouping],
    population: Population,
    county_records: Sequence[ScreenedRecord],
    funnel_grouping: int = 0,
    region_name: str,
) -> TrendPage:
    """The tables and charts of one region's trend page for ``term`` (``records``: the region's, all terms).

    The funnel's target and the EWMA's target are the county's crude positive rate (of the term, and
    of all terms respectively), so a region is compared with its county.
    """
    terms = sorted({r.term for r in records} | {term})
    by_term = _by(records, lambda r: r.term)
    current = by_term.get(term, [])
    counts = _Counts()
    for t in terms:
        counts.add_cell(("term", t), by_term.get(t, []))
    units: list[dict[Key, list[ScreenedRecord]]] = []
    for g, grouping in enumerate(groupings):
        cells = _by(current, grouping.unit_of)
        for unit in grouping.names:
            cells.setdefault(unit, [])
        units.append(cells)
        for unit, members in cells.items():
            counts.add_cell((g, unit), members)
        counts.add_sum(("term", term), [(g, unit) for unit in cells])
    counts.run()
    tables = tuple(
        _unit_table(grouping, units[g], g, counts, population, ("term", term), current)
        for g, grouping in enumerate(groupings)
    )
    county_by_term = _by(county_records, lambda r: r.term)
    county_target = _crude(county_by_term.get(term, []))
    overall_target = _crude(county_records)
    return TrendPage(
        term=term_label(term),
        tables=tables,
        terms=_term_table(terms, by_term, counts, population, overall_target),
        funnel=_funnel(
            groupings[funnel_grouping],
            units[funnel_grouping],
            funnel_grouping,
            counts,
            county_target,
            region_name,
            term,
        ),
        ewma=_ewma_spec(terms, by_term, counts, overall_target, region_name),
        suppressed=any(s is not Shown.SHOWN for s in counts.shown.values()),
    )


def _crude(records: Sequence[ScreenedRecord]) -> float:
    return sum(r.positive for r in records) / len(records) if records else 0.0


def _unit_table(
    grouping: Grouping,
    cells: Mapping[Key, list[ScreenedRecord]],
    g: int,
    counts: _Counts,
    population: Population,
    total: tuple[Key, ...],
    current: Sequence[ScreenedRecord],
) -> TrendTable:
    def row(
        label: str, key: tuple[Key, ...], members: Sequence[ScreenedRecord], shrunk: str, is_total: bool
    ) -> Row:
        exact = counts.exact(key)
        rate, interval = _rate_cells(rate_of(members, population), exact)
        return Row(
            label,
            counts.text(key, "n"),
            counts.text(key, "k"),
            rate,
            interval,
            shrunk if exact else "—",
            is_total=is_total,
        )

    def name(unit: Key) -> str:
        return grouping.names.get(unit, _("其他"))

    rows = []
    for unit in sorted(cells, key=lambda u: (u not in grouping.names, name(u))):
        members = cells[unit]
        k, n = sum(r.positive for r in members), len(members)
        shrunk = percent(grouping.prior.posterior_mean(k, n)) if n else "—"
        rows.append(row(name(unit), (g, unit), members, shrunk, False))
    rows.append(row(_("合计"), total, current, "—", True))
    return TrendTable(grouping.title, _columns(_("经验贝叶斯校正率")), tuple(rows))


def _term_table(
    terms: Sequence[Term],
    by_term: Mapping[Term, list[ScreenedRecord]],
    counts: _Counts,
    population: Population,
    target: float,
) -> TrendTable:
    points = ewma(
        [(sum(r.positive for r in by_term.get(t, [])), len(by_term.get(t, []))) for t in terms], target
    )
    rows = []
    safe = True
    for t, point in zip(terms, points, strict=True):
        key = ("term", t)
        exact = counts.exact(key)
        safe = safe and exact
        rate, interval = _rate_cells(rate_of(by_term.get(t, []), population), exact)
        value = percent(point.value) if safe else "—"
        limit = percent(point.upper) if safe else "—"
        alarm = _("是") if point.alarm else _("否")
        rows.append(
            Row(
                term_label(t),
                counts.text(key, "n"),
                counts.text(key, "k"),
                rate,
                interval,
                extra=(value, limit, alarm),
            )
        )
    return TrendTable(_("各学期"), _columns(_("EWMA"), _("EWMA上限"), _("预警")), tuple(rows))


def _funnel(
    grouping: Grouping,
    cells: Mapping[Key, list[ScreenedRecord]],
    g: int,
    counts: _Counts,
    target: float,
    region_name: str,
    term: Term,
) -> FunnelSpec:
    points, hidden = [], []
    for unit in sorted(cells, key=lambda u: grouping.names.get(u, "")):
        members = cells[unit]
        label = grouping.names.get(unit, _("其他"))
        if not members:
            continue
        if counts.exact((g, unit)):
            k, n = sum(r.positive for r in members), len(members)
            points.append(
                FunnelPoint(label, n, k, outside(target, k, n, 0.998) > 0, outside(target, k, n, 0.998) < 0)
            )
        else:
            hidden.append(HiddenUnit(label, counts.text((g, unit), "n"), counts.text((g, unit), "k")))
    largest = max([p.screened for p in points] + [20])
    title = _("%(region)s · %(term)s · 阳性率漏斗图") % {"region": region_name, "term": term_label(term)}
    return FunnelSpec(title, target, funnel_limits(target, int(largest * 1.1)), tuple(points), tuple(hidden))


def _ewma_spec(
    terms: Sequence[Term],
    by_term: Mapping[Term, list[ScreenedRecord]],
    counts: _Counts,
    target: float,
    region_name: str,
) -> EwmaSpec:
    pairs = [(sum(r.positive for r in by_term.get(t, [])), len(by_term.get(t, []))) for t in terms]
    points = ewma(pairs, target)
    rates: list[float | None] = []
    values: list[float | None] = []
    upper: list[float | None] = []
    hidden: list[str | None] = []
    safe = True
    for t, (k, n), point in zip(terms, pairs, points, strict=True):
        exact = counts.exact(("term", t))
        safe = safe and exact
        rates.append(k / n if exact and n else None)
        hidden.append(None if exact else counts.text(("term", t), "k"))
        values.append(point.value if safe else None)
        upper.append(point.upper if safe else None)
    return EwmaSpec(
        title=_("%(region)s · 各学期阳性率与EWMA") % {"region": region_name},
        terms=tuple(term_label(t) for t in terms),
        rates=tuple(rates),
        values=tuple(values),
        upper=tuple(upper),
        alarms=tuple(p.alarm for p in points),
        target=target,
        hidden=tuple(hidden),
    )
