"""A child's instrument totals over time, drawn on the server as PNG (matplotlib, Agg, no pyplot).

The chart shows the county's tier cut-offs as lines and the instrument's published bands as shaded
areas, so a rise across a cut-off is visible at a glance. Labels are Chinese, drawn with the bundled
Noto Sans SC (``lbc.reporting.fonts``), so rare name characters never print as boxes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from lbc.reporting.charts import new_figure, png_bytes
from screening.scoring.instruments.base import Instrument
from screening.scoring.tiers import Thresholds

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MODERATE_COLOUR = "#c99700"  # the YELLOW tier
SEVERE_COLOUR = "#e8590c"  # the ORANGE tier
LINE_COLOUR = "#0d6efd"
BAND_SHADES = ("#f8f9fa", "#e9ecef")


@dataclass(frozen=True)
class Point:
    on: dt.date
    score: int | None  # None: the total was incomplete on that day


@dataclass(frozen=True)
class CutOff:
    value: int
    label: str
    colour: str


@dataclass(frozen=True)
class Shade:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class ChartSpec:
    title: str
    points: tuple[Point, ...]
    y_range: tuple[int, int]
    cutoffs: tuple[CutOff, ...] = ()
    shades: tuple[Shade, ...] = ()


def chart_spec(
    title: str, instrument: Instrument, thresholds: Thresholds, points: Sequence[Point]
) -> ChartSpec:
    """What to draw for one instrument: its score range, the county's cut-offs and the total's bands."""
    moderate, severe = thresholds.cutoffs(instrument.code)
    cutoffs = []
    if moderate is not None:
        label = _("黄色预警界值 ≥%(n)d") % {"n": moderate}
        cutoffs.append(CutOff(moderate, label, MODERATE_COLOUR))
    if severe is not None:
        cutoffs.append(CutOff(severe, _("橙色预警界值 ≥%(n)d") % {"n": severe}, SEVERE_COLOUR))
    shades = tuple(Shade(b.low, b.high, str(b.label)) for b in instrument.total.bands)
    return ChartSpec(
        title=title,
        points=tuple(sorted(points, key=lambda p: p.on)),
        y_range=instrument.scale_range(instrument.total),
        cutoffs=tuple(cutoffs),
        shades=shades,
    )


def render_png(spec: ChartSpec) -> bytes:
    figure = new_figure(height=4)
    from matplotlib.dates import AutoDateLocator, DateFormatter

    axes = figure.add_subplot()
    _draw_shades(axes, spec)
    _draw_cutoffs(axes, spec)
    _draw_points(axes, spec)
    axes.set_title(spec.title)
    axes.set_xlabel(_("施测日期"))
    axes.set_ylabel(_("总分"))
    axes.xaxis.set_major_locator(AutoDateLocator(maxticks=7))
    axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    figure.autofmt_xdate(rotation=30)
    return png_bytes(figure)


def _draw_shades(axes: Axes, spec: ChartSpec) -> None:
    """Bands as alternating shades, named on a right-hand axis (clear of the points and the legend)."""
    low, high = spec.y_range
    for i, shade in enumerate(spec.shades):
        axes.axhspan(shade.low - 0.5, shade.high + 0.5, color=BAND_SHADES[i % 2], zorder=0)
    axes.set_ylim(low - 0.5, high + 0.5)
    if spec.shades:
        names = axes.secondary_yaxis("right")
        names.set_yticks(
            [(max(s.low, low) + min(s.high, high)) / 2 for s in spec.shades], [s.label for s in spec.shades]
        )
        names.tick_params(length=0, labelsize=8, labelcolor="#6c757d")


def _draw_cutoffs(axes: Axes, spec: ChartSpec) -> None:
    for cutoff in spec.cutoffs:
        axes.axhline(
            cutoff.value, color=cutoff.colour, linestyle="--", linewidth=1.5, label=cutoff.label, zorder=2
        )
    if spec.cutoffs:
        axes.legend(loc="upper left", fontsize=8, framealpha=0.9)


def _draw_points(axes: Axes, spec: ChartSpec) -> None:
    from matplotlib.dates import date2num

    scored = [(float(date2num(p.on)), p.score) for p in spec.points if p.score is not None]
    if scored:
        axes.plot([x for x, _y in scored], [y for _x, y in scored], color=LINE_COLOUR, marker="o", zorder=3)
        for x, y in scored:
            axes.annotate(str(y), (x, y), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=9)
    incomplete = len(spec.points) - len(scored)
    if incomplete:
        note = _("另有%(n)d次总分不完整（缺答过多），未画出") % {"n": incomplete}
        axes.text(0.01, 0.02, note, transform=axes.transAxes, fontsize=8, color="#842029")
    if spec.points:
        first, last = spec.points[0].on, spec.points[-1].on
        pad = max(dt.timedelta(days=14), (last - first) / 20)
        axes.set_xlim(float(date2num(first - pad)), float(date2num(last + pad)))
