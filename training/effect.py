"""What the trainings changed and who came: pure statistics over plain numbers (no database).

* ``paired_change``: pre/post questionnaire totals of the same people, counted only where both exist;
  mean change with a t-interval on the paired differences. Under ``MIN_PAIRS`` pairs nothing but "<5"
  is published, since a mean of one or two people is their own score.
* ``attendance_table``: enrolled and attended people per group (audience or township) with small
  cells suppressed by ``lbc.reporting.suppression.suppress``: every count under 5 shows as "<5", and a count
  that a total would give away shows as "*". A rate is shown only where both of its counts are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from lbc.reporting.suppression import SUPPRESS_BELOW, Key, Relation, Shown, Table, TableRow, suppress

MIN_PAIRS = SUPPRESS_BELOW
CONFIDENCE = 0.95
TOTAL = "__total__"


@dataclass(frozen=True)
class PairedChange:
    pairs: int
    pre_mean: float | None = None
    post_mean: float | None = None
    change: float | None = None  # mean of (post - pre)
    low: float | None = None  # 95% confidence interval of the mean change
    high: float | None = None

    @property
    def enough(self) -> bool:
        return self.pairs >= MIN_PAIRS

    @property
    def pairs_text(self) -> str:
        return str(self.pairs) if self.enough else f"<{MIN_PAIRS}"

    @property
    def interval_text(self) -> str:
        if self.low is None or self.high is None:
            return "—"
        return f"{self.low:+.1f} ～ {self.high:+.1f}"

    @property
    def excludes_zero(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


def paired_change(
    scores: Iterable[tuple[float | None, float | None]], confidence: float = CONFIDENCE
) -> PairedChange:
    """Mean post-minus-pre change over the people with both scores, with a t-interval."""
    from scipy import stats

    pairs = [(float(pre), float(post)) for pre, post in scores if pre is not None and post is not None]
    n = len(pairs)
    if n < MIN_PAIRS:
        return PairedChange(pairs=n)
    differences = [post - pre for pre, post in pairs]
    mean = sum(differences) / n
    variance = sum((d - mean) ** 2 for d in differences) / (n - 1)
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * math.sqrt(variance / n)
    return PairedChange(
        pairs=n,
        pre_mean=sum(p for p, _q in pairs) / n,
        post_mean=sum(q for _p, q in pairs) / n,
        change=mean,
        low=mean - half,
        high=mean + half,
    )


@dataclass(frozen=True)
class GroupCount:
    key: str
    label: str
    enrolled: int  # people enrolled in sessions already held
    attended: int  # of those, people marked present


@dataclass(frozen=True)
class RateBar:
    """One group's attendance rate, for the chart: only groups whose rate may be published."""

    label: str
    rate: float


@dataclass(frozen=True)
class AttendanceFigures:
    table: Table
    bars: tuple[RateBar, ...]
    suppressed: bool


def attendance_table(groups: Sequence[GroupCount]) -> AttendanceFigures:
    counts: dict[Key, int] = {}
    for g in groups:
        counts[("enrolled", g.key)] = g.enrolled
        counts[("attended", g.key)] = g.attended
    for column in ("enrolled", "attended"):
        counts[(column, TOTAL)] = sum(counts[(column, g.key)] for g in groups)
    relations = [
        Relation((column, TOTAL), tuple((column, g.key) for g in groups))
        for column in ("enrolled", "attended")
    ]
    shown = suppress(counts, relations)

    def text(key: Key) -> str:
        if shown[key] is Shown.SMALL:
            return f"<{SUPPRESS_BELOW}"
        if shown[key] is Shown.COMPLEMENTARY:
            return "*"
        return str(counts[key])

    def rate(key: str) -> float | None:
        part, whole = ("attended", key), ("enrolled", key)
        if shown[part] is not Shown.SHOWN or shown[whole] is not Shown.SHOWN or not counts[whole]:
            return None
        return counts[part] / counts[whole]

    def row(key: str, label: str) -> TableRow:
        value = rate(key)
        percent = "—" if value is None else f"{round(100 * value)}%"
        return TableRow(label, (text(("enrolled", key)), text(("attended", key)), percent), key == TOTAL)

    table = Table(
        columns=(_("报名人数"), _("出席人数"), _("出席率")),
        rows=(*(row(g.key, g.label) for g in groups), row(TOTAL, _("合计"))),
    )
    bars = tuple(RateBar(g.label, value) for g in groups if (value := rate(g.key)) is not None)
    return AttendanceFigures(table, bars, any(s is not Shown.SHOWN for s in shown.values()))
