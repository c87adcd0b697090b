"""Funnel and EWMA charts as PNG (matplotlib Agg, no pyplot), Chinese labels in the bundled font.

Units whose counts are suppressed are not drawn; they are named under the chart with their "<5"/"*"
counts, so the chart never shows more than the tables do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from lbc.reporting.charts import new_figure, png_bytes
from screening.trends.display import EwmaSpec, FunnelSpec

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

POINT_COLOUR = "#0d6efd"
ALARM_COLOUR = "#dc3545"
LIMIT_95 = "#6c757d"
LIMIT_998 = "#343a40"


def _figure(height: float = 4.5) -> tuple[Figure, Axes]:
    figure = new_figure(height=height)
    return figure, figure.add_subplot()


def hidden_note(spec: FunnelSpec) -> str:
    if not spec.hidden:
        return ""
    items = "；".join(
        _("%(name)s：筛查%(n)s人，阳性%(k)s人") % {"name": h.label, "n": h.screened, "k": h.positives}
        for h in spec.hidden
    )
    return _("人数过少未画出：%(items)s") % {"items": items}


def funnel_png(spec: FunnelSpec) -> bytes:
    figure, axes = _figure()
    sizes = list(spec.limits.sizes)
    for level, colour, style in ((0.95, LIMIT_95, "--"), (0.998, LIMIT_998, ":")):
        lower, upper = spec.limits.limits[level]
        label = _("%(level)s%% 控制限") % {"level": f"{100 * level:g}"}
        axes.plot(sizes, [100 * v for v in upper], color=colour, linestyle=style, linewidth=1.2, label=label)
        axes.plot(sizes, [100 * v for v in lower], color=colour, linestyle=style, linewidth=1.2)
    axes.axhline(100 * spec.target, color="#198754", linewidth=1.2, label=_("全县阳性率"))
    for p in spec.points:
        colour = ALARM_COLOUR if p.above or p.below else POINT_COLOUR
        axes.scatter([p.screened], [100 * p.positives / p.screened], color=colour, zorder=3)
        axes.annotate(
            p.label,
            (p.screened, 100 * p.positives / p.screened),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
        )
    axes.set_xlim(0, sizes[-1])
    axes.set_ylim(0, 100)
    axes.set_title(spec.title)
    axes.set_xlabel(_("筛查人数"))
    axes.set_ylabel(_("阳性率（%）"))
    axes.legend(loc="upper right", fontsize=8, framealpha=0.9)
    note = hidden_note(spec)
    if note:
        axes.text(0.01, 0.02, note, transform=axes.transAxes, fontsize=7, color="#842029", wrap=True)
    return png_bytes(figure)


def ewma_png(spec: EwmaSpec) -> bytes:
    figure, axes = _figure(4)
    x = list(range(len(spec.terms)))

    def line(values: tuple[float | None, ...], **style: object) -> None:
        points = [(i, 100 * v) for i, v in zip(x, values, strict=True) if v is not None]
        if points:
            axes.plot([i for i, _v in points], [v for _i, v in points], **style)  # type: ignore[arg-type]

    line(spec.rates, color=POINT_COLOUR, marker="o", linestyle="none", label=_("各学期阳性率"))
    line(spec.values, color="#fd7e14", marker=".", label=_("EWMA"))
    line(spec.upper, color=LIMIT_998, linestyle=":", label=_("EWMA上限"))
    axes.axhline(100 * spec.target, color="#198754", linewidth=1, label=_("全县阳性率"))
    for i, alarm in zip(x, spec.alarms, strict=True):
        if alarm:
            axes.axvspan(i - 0.4, i + 0.4, color=ALARM_COLOUR, alpha=0.15, zorder=0)
    for i, text in zip(x, spec.hidden, strict=True):
        if text is not None:
            axes.annotate(text, (i, 0), textcoords="offset points", xytext=(0, 4), ha="center", fontsize=8)
    axes.set_xticks(x, list(spec.terms), fontsize=8)
    axes.set_xlim(-0.5, max(0.5, len(x) - 0.5))
    axes.set_ylim(0, 100)
    axes.set_title(spec.title)
    axes.set_ylabel(_("阳性率（%）"))
    axes.legend(loc="upper right", fontsize=8, framealpha=0.9)
    return png_bytes(figure)
