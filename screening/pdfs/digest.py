"""The weekly township digest (PDF): open warnings by tier and state, overdue count, trend chart.

Aggregates only, with small cells suppressed by ``lbc.reporting.suppression``; follows the report
protocol of ``lbc.reporting.pdf``.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from lbc.access import UserLike
from lbc.models import Region
from lbc.reporting.fonts import register_reportlab_font
from lbc.reporting.pdf import PAGE_MARGIN, paragraph, styles
from lbc.reporting.suppression import Relation, cell_text, suppress
from screening.access import get_trend_region_for_user
from screening.models import WarningState
from screening.scoring.tiers import tier_label
from screening.trends.charts import ewma_png
from screening.trends.display import EwmaSpec, TrendTable
from screening.warnings.state import OPEN_STATES, WARNING_TIER_ORDER

STATE_ORDER = [s for s in WarningState.values if s in OPEN_STATES]


@dataclass(frozen=True)
class WarningCounts:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    overdue: str


def warning_counts(warnings: Any, now: dt.datetime) -> WarningCounts:
    """Open warnings by tier (rows) and state (columns) with totals, and the overdue count, suppressed."""
    counts: dict[Any, int] = {}
    cells = {(t, s): 0 for t in WARNING_TIER_ORDER for s in STATE_ORDER}
    overdue = 0
    for tier, state, due in warnings.values_list("tier", "state", "due_at"):
        if (tier, state) in cells:
            cells[(tier, state)] += 1
            overdue += due < now
    relations = []
    for t in WARNING_TIER_ORDER:
        parts = [(t, s) for s in STATE_ORDER]
        counts.update({p: cells[p] for p in parts})
        counts[(t, "all")] = sum(cells[p] for p in parts)
        relations.append(Relation((t, "all"), tuple(parts)))
    for s in [*STATE_ORDER, "all"]:
        counts[("all", s)] = sum(counts[(t, s)] for t in WARNING_TIER_ORDER)
        relations.append(Relation(("all", s), tuple((t, s) for t in WARNING_TIER_ORDER)))
    counts[("overdue",)] = overdue
    shown = suppress(counts, relations)

    def text(key: Any) -> str:
        return cell_text(counts[key], shown[key])

    rows = tuple(
        (label, tuple(text((t, s)) for s in [*STATE_ORDER, "all"]))
        for t, label in [*((t, str(tier_label(t))) for t in WARNING_TIER_ORDER), ("all", _("合计"))]
    )
    columns = (*(str(WarningState(s).label) for s in STATE_ORDER), _("合计"))
    return WarningCounts(columns, rows, text(("overdue",)))


@dataclass
class TownshipDigestReport:
    township: Region
    counts: WarningCounts
    terms: TrendTable
    ewma: EwmaSpec
    generated_by: str
    generated_at: dt.datetime

    @property
    def title(self) -> str:
        return _("%(township)s · 每周预警与趋势简报") % {"township": self.township.name}

    def is_available_to(self, user: UserLike) -> bool:
        try:
            region = get_trend_region_for_user(user, self.township.public_id)
        except (Http404, PermissionDenied):
            return False
        return region.level == Region.Level.TOWNSHIP

    def story(self) -> list[Any]:
        from reportlab.lib.units import mm
        from reportlab.platypus import Image

        s = styles()
        chart = Image(io.BytesIO(ewma_png(self.ewma)), width=170 * mm, height=85 * mm)
        return [
            paragraph(self.title, s["title"]),
            paragraph(_("截至 %(time)s") % {"time": self.generated_at.strftime("%Y-%m-%d %H:%M")}, s["body"]),
            paragraph(_("本报告只含汇总数字，不含任何儿童的姓名或个人信息。"), s["note"]),
            paragraph(_("未结案预警（按等级和状态）"), s["heading"]),
            self.table(["", *self.counts.columns], [[label, *values] for label, values in self.counts.rows]),
            paragraph(_("已超过响应期限：%(n)s 条") % {"n": self.counts.overdue}, s["body"]),
            paragraph(_("各学期筛查阳性率"), s["heading"]),
            self.table(
                ["", *self.terms.columns],
                [[r.label, r.screened, r.positives, r.rate, r.interval, *r.extra] for r in self.terms.rows],
            ),
            chart,
            paragraph(
                _(
                    "“<5”表示少于5人（含0人）；“*”表示为防止由合计推算出小数字而一并隐藏的数字（5人及以上）；"
                    "“—”表示不计算。"
                ),
                s["note"],
            ),
        ]

    @staticmethod
    def table(header: list[str], body: list[list[str]]) -> Any:
        from reportlab.lib import colors
        from reportlab.platypus import Table, TableStyle

        s = styles()
        font = register_reportlab_font()
        table = Table([[paragraph(h, s["cell"]) for h in header], *body], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("ALIGN", (1, 1), (-1, -1), "CENTER"),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#adb5bd")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                ]
            )
        )
        return table

    def header(self, canvas: Any, doc: Any) -> None:
        _width, height = doc.pagesize
        canvas.setFont(register_reportlab_font(), 8)
        canvas.setFillColor("#842029")
        text = _("由 %(user)s 于 %(time)s 生成 · 含敏感信息，请勿外传") % {
            "user": self.generated_by,
            "time": self.generated_at.strftime("%Y-%m-%d %H:%M"),
        }
        canvas.drawString(PAGE_MARGIN, height - PAGE_MARGIN + 8, text)

    def footer(self, canvas: Any, doc: Any) -> None:
        width, _height = doc.pagesize
        canvas.setFont(register_reportlab_font(), 8)
        canvas.setFillColor("#6c757d")
        canvas.drawRightString(width - PAGE_MARGIN, PAGE_MARGIN - 12, _("第 %(n)d 页") % {"n": doc.page})
