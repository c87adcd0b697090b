"""The campaign summary PDF: a school's campaign in numbers (``lbc.reporting.pdf.Report`` protocol).

Every page carries a line naming who generated the file and when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lbc.access import FieldTier, UserLike
from lbc.reporting.fonts import register_reportlab_font
from lbc.reporting.pdf import PAGE_MARGIN, paragraph, styles
from lbc.reporting.suppression import Table
from screening.access import get_campaign_for_user
from screening.models import Campaign
from screening.records.summary import CampaignSummary
from screening.scoring.tiers import TIER_ORDER, Tier

# Under each tier's column heading, the colour of the web badges (static/screening/screening.css).
TIER_COLOURS = {
    Tier.RED_ACUTE: "#6a0a14",
    Tier.RED: "#dc3545",
    Tier.ORANGE: "#fd7e14",
    Tier.YELLOW: "#ffc107",
    Tier.GREEN: "#198754",
    Tier.GREY: "#6c757d",
}


@dataclass
class CampaignSummaryReport:
    """A school's campaign in numbers: participation, tiers by grade and sex, critical answers.

    Aggregates only (no names, no per-child rows), so the colour tier over the whole school suffices.
    """

    campaign: Campaign
    summary: CampaignSummary
    generated_by: str
    generated_at: dt.datetime

    @property
    def title(self) -> str:
        return _("%(school)s · %(campaign)s · 心理筛查汇总") % {
            "school": self.campaign.school.name,
            "campaign": self.campaign.name,
        }

    def is_available_to(self, user: UserLike) -> bool:
        try:
            _campaign, rights = get_campaign_for_user(user, self.campaign.public_id)
        except (Http404, PermissionDenied):
            return False
        return rights.sees(FieldTier.COLOUR)

    def watermark(self) -> str:
        return _("由 %(user)s 于 %(time)s 生成 · 含敏感信息，请勿外传") % {
            "user": self.generated_by,
            "time": self.generated_at.strftime("%Y-%m-%d %H:%M"),
        }

    def story(self) -> list[Any]:
        s = styles()
        summary = self.summary
        return [
            paragraph(self.title, s["title"]),
            paragraph(self.period(), s["body"]),
            paragraph(_("本报告只含汇总数字，不含任何儿童的姓名或个人信息。"), s["note"]),
            paragraph(_("参与情况"), s["heading"]),
            self.table(summary.participation, first_width=90),
            paragraph(_("预警等级（按年级和性别，每名儿童按本次筛查中最近一次结果计）"), s["heading"]),
            self.table(summary.tiers, first_width=70, tiers=True),
            paragraph(_("有危机条目回答的儿童"), s["heading"]),
            paragraph(pgettext("suppressed count", "%(n)s 人") % {"n": summary.critical}, s["body"]),
            paragraph(self.legend(), s["note"]),
        ]

    def period(self) -> str:
        c = self.campaign
        return _("%(year)d学年%(term)s · 年级：%(grades)s · 量表：%(codes)s · %(start)s 至 %(end)s") % {
            "year": c.school_year,
            "term": c.get_term_display(),
            "grades": "、".join(str(g) for g in sorted(c.grades)),
            "codes": "、".join(code for code, _version in c.instrument_keys()),
            "start": c.starts_on.isoformat(),
            "end": c.ends_on.isoformat(),
        }

    @staticmethod
    def legend() -> str:
        return _(
            "“<5”表示少于5人（含0人）；“*”表示为防止由合计推算出小数字而一并隐藏的数字（5人及以上）；"
            "“—”表示不计算。"
        )

    def table(self, data: Table, *, first_width: float, tiers: bool = False) -> Any:
        from reportlab.platypus import Table as PdfTable

        s = styles()
        header = ["", *(paragraph(c, s["cell"]) for c in data.columns)]
        body = [[row.label, *row.values] for row in data.rows]
        available = 595.27 - 2 * PAGE_MARGIN - first_width
        widths = [first_width, *([available / len(data.columns)] * len(data.columns))]
        table = PdfTable([header, *body], colWidths=widths, repeatRows=1)
        table.setStyle(self.table_style(data, tiers))
        return table

    @staticmethod
    def table_style(data: Table, tiers: bool) -> Any:
        from reportlab.lib import colors
        from reportlab.platypus import TableStyle

        font = register_reportlab_font()
        commands: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("ALIGN", (1, 1), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#adb5bd")),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
        ]
        totals = [i + 1 for i, row in enumerate(data.rows) if row.is_total]
        commands += [("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f1f3f5")) for i in totals]
        if tiers:
            for column, tier in enumerate(TIER_ORDER, start=1):
                commands.append(
                    ("LINEBELOW", (column, 0), (column, 0), 3, colors.HexColor(TIER_COLOURS[tier]))
                )
        return TableStyle(commands)

    def header(self, canvas: Any, doc: Any) -> None:
        _width, height = doc.pagesize
        canvas.setFont(register_reportlab_font(), 8)
        canvas.setFillColor("#842029")
        canvas.drawString(PAGE_MARGIN, height - PAGE_MARGIN + 8, self.watermark())

    def footer(self, canvas: Any, doc: Any) -> None:
        width, _height = doc.pagesize
        canvas.setFont(register_reportlab_font(), 8)
        canvas.setFillColor("#6c757d")
        canvas.drawRightString(width - PAGE_MARGIN, PAGE_MARGIN - 12, _("第 %(n)d 页") % {"n": doc.page})
