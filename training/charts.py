"""Charts of the training statistics, drawn on the server as PNG (matplotlib, Agg, no pyplot).

Labels are Chinese, drawn with the bundled Noto Sans SC (``lbc.reporting``). Only published figures
are drawn: groups whose rate is suppressed and changes with fewer than five pairs are left out and
counted in a note, so a chart never shows what the table hides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from lbc.reporting.charts import new_figure, png_bytes
from training.effect import PairedChange, RateBar

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BAR_COLOUR = "#0d6efd"
ZERO_COLOUR = "#6c757d"


def _figure(rows: int) -> Figure:
    return new_figure(height=max(2.5, 0.5 * rows + 1.5))


def attendance_png(title: str, bars: Sequence[RateBar], hidden: int = 0) -> bytes:
    """Attendance rate per group as horizontal bars (0-100%)."""
    figure = _figure(len(bars))
    axes = figure.add_subplot()
    labels = [b.label for b in bars]
    values = [100 * b.rate for b in bars]
    axes.barh(range(len(bars)), values, color=BAR_COLOUR)
    axes.set_yticks(range(len(bars)), labels)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel(_("出席率（%）"))
    axes.set_title(title)
    for y, value in enumerate(values):
        axes.annotate(f"{round(value)}%", (value, y), xytext=(4, 0), textcoords="offset points", va="center")
    _note(axes, hidden, _("另有%(n)d组人数少于5人，未画出"))
    return png_bytes(figure)


def change_png(title: str, changes: Sequence[tuple[str, PairedChange]], hidden: int = 0) -> bytes:
    """Mean pre/post change per session or program with its 95% confidence interval."""
    shown = [(label, c) for label, c in changes if c.change is not None and c.low is not None]
    figure = _figure(len(shown))
    axes = figure.add_subplot()
    for y, (_label, c) in enumerate(shown):
        assert c.change is not None and c.low is not None and c.high is not None
        axes.errorbar(
            c.change, y, xerr=[[c.change - c.low], [c.high - c.change]], fmt="o", color=BAR_COLOUR, capsize=4
        )
    axes.axvline(0, color=ZERO_COLOUR, linestyle="--", linewidth=1)
    axes.set_yticks(
        range(len(shown)), [_("%(label)s（%(n)d对）") % {"label": label, "n": c.pairs} for label, c in shown]
    )
    axes.invert_yaxis()
    axes.set_xlabel(_("培训后减培训前的问卷平均变化，横线为95％置信区间"))
    axes.set_title(title)
    _note(axes, hidden + len(changes) - len(shown), _("另有%(n)d项前后测配对少于5对，未画出"))
    return png_bytes(figure)


def _note(axes: Axes, count: int, text: str) -> None:
    if count:
        note = text % {"n": count}
        axes.text(0.99, 0.01, note, transform=axes.transAxes, ha="right", fontsize=8, color="#842029")
