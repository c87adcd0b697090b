"""The printable sign-in sheet of one training session (PDF, reportlab) over plain rows.

Many grandparents cannot write: each row has a wide box for a signature, a thumbprint or a mark, and
names are printed large (16 pt) so that a trainer can read them out and an older person can find their
own. The sheet follows the report protocol of ``lbc.reporting.pdf`` (title, story, header, footer,
``is_available_to``) and embeds the bundled Noto Sans SC font, so rare name characters print.
Blank rows at the end take walk-ins. Nothing about a child appears: only the invitee's name and village.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from lbc.reporting.fonts import register_reportlab_font
from lbc.reporting.pdf import PAGE_MARGIN, paragraph, styles

NAME_SIZE = 16  # points: names are read by older people and read out by the trainer
ROW_HEIGHT = 46  # points: room for a thumbprint
BLANK_ROWS = 5  # for walk-ins, written in by hand
A4_WIDTH = 595.27
QR_SIZE = 72  # points


@dataclass(frozen=True)
class SheetRow:
    """One invitee: the printed name and where they live (village), nothing else."""

    name: str
    village: str = ""
    waiting: bool = False  # on the waiting list: printed after the enrolled people


@dataclass(frozen=True)
class SessionInfo:
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str
    trainer: str = ""
    program: str = ""


@dataclass
class SignInSheet:
    session: SessionInfo
    rows: Sequence[SheetRow]
    generated_by: str
    generated_at: dt.datetime
    synthetic: bool = False  # the demo's synthetic data: said on every page
    attendance_url: str = ""  # printed as a QR code for entering attendance on a phone
    available: Callable[[Any], bool] = field(default=lambda _user: False, repr=False)

    @property
    def title(self) -> str:
        return _("%(title)s · 签到表") % {"title": self.session.title}

    def is_available_to(self, user: Any) -> bool:
        return self.available(user)

    def when(self) -> str:
        s = self.session
        return _("%(date)s %(start)s—%(end)s") % {
            "date": s.starts_at.strftime("%Y-%m-%d"),
            "start": s.starts_at.strftime("%H:%M"),
            "end": s.ends_at.strftime("%H:%M"),
        }

    def watermark(self) -> str:
        return _("由 %(user)s 于 %(time)s 生成 · 含个人信息，用后请妥善保管") % {
            "user": self.generated_by,
            "time": self.generated_at.strftime("%Y-%m-%d %H:%M"),
        }

    def story(self) -> list[Any]:
        from reportlab.lib.styles import ParagraphStyle

        s = styles()
        font = register_reportlab_font()
        big = ParagraphStyle("sheet-title", fontName=font, fontSize=20, leading=28, spaceAfter=4)
        facts = ParagraphStyle("sheet-facts", fontName=font, fontSize=13, leading=20)
        items: list[Any] = []
        if self.synthetic:
            items.append(paragraph(_("演示数据：以下人员均为合成数据，并非真实人员。"), s["heading"]))
        items += [
            paragraph(self.title, big),
            paragraph(_("时间：%(when)s") % {"when": self.when()}, facts),
            paragraph(_("地点：%(venue)s") % {"venue": self.session.venue}, facts),
        ]
        if self.session.trainer:
            items.append(paragraph(_("培训师：%(name)s") % {"name": self.session.trainer}, facts))
        items.append(
            paragraph(
                _("请在本人姓名后签名；不会写字的，可按手印或画“√”。最后几行留给现场报名的人。"), s["body"]
            )
        )
        items.append(self.table())
        if self.attendance_url:
            items.append(self.qr_block())
        return items

    def table(self) -> Any:
        from reportlab.platypus import Table

        header = [_("序号"), _("姓名"), _("村/社区"), _("签名 / 手印 / 记号")]
        ordered = [r for r in self.rows if not r.waiting] + [r for r in self.rows if r.waiting]
        body: list[list[Any]] = []
        for number, row in enumerate(ordered, start=1):
            name = row.name + (_("（候补）") if row.waiting else "")
            body.append(
                [
                    str(number),
                    paragraph(name, self.name_style()),
                    paragraph(row.village, self.village_style()),
                    "",
                ]
            )
        start = len(body) + 1
        body += [[str(n), "", "", ""] for n in range(start, start + BLANK_ROWS)]
        usable = A4_WIDTH - 2 * PAGE_MARGIN
        widths = [36, 150, 110, usable - 296]
        heights = [26] + [ROW_HEIGHT] * len(body)
        table = Table([header, *body], colWidths=widths, rowHeights=heights, repeatRows=1)
        table.setStyle(self.table_style())
        return table

    @staticmethod
    def name_style() -> Any:
        from reportlab.lib.styles import ParagraphStyle

        return ParagraphStyle(
            "sheet-name", fontName=register_reportlab_font(), fontSize=NAME_SIZE, leading=NAME_SIZE + 4
        )

    @staticmethod
    def village_style() -> Any:
        from reportlab.lib.styles import ParagraphStyle

        return ParagraphStyle("sheet-village", fontName=register_reportlab_font(), fontSize=12, leading=16)

    @staticmethod
    def table_style() -> Any:
        from reportlab.lib import colors
        from reportlab.platypus import TableStyle

        return TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), register_reportlab_font()),
                ("FONTSIZE", (0, 0), (-1, 0), 12),
                ("FONTSIZE", (0, 1), (0, -1), 13),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (0, -1), "CENTER"),
                ("GRID", (0, 0), (-1, -1), 0.8, colors.HexColor("#495057")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
            ]
        )

    def qr_block(self) -> Any:
        from reportlab.graphics.barcode.qr import QrCodeWidget
        from reportlab.graphics.shapes import Drawing
        from reportlab.platypus import Table

        widget = QrCodeWidget(self.attendance_url)
        left, bottom, right, top = widget.getBounds()
        scale = [QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0]
        drawing = Drawing(QR_SIZE, QR_SIZE, transform=scale)
        drawing.add(widget)
        note = paragraph(_("培训师用手机扫码，可在现场直接记录出勤（需登录）。"), styles()["note"])
        block = Table([[drawing, note]], colWidths=[QR_SIZE + 12, A4_WIDTH - 2 * PAGE_MARGIN - QR_SIZE - 12])
        block.setStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 12)])
        return block

    def header(self, canvas: Any, doc: Any) -> None:
        _width, height = doc.pagesize
        canvas.setFont(register_reportlab_font(), 8)
        canvas.setFillColor("#842029")
        canvas.drawString(PAGE_MARGIN, height - PAGE_MARGIN + 8, self.watermark())
        if self.synthetic:
            canvas.drawRightString(doc.pagesize[0] - PAGE_MARGIN, height - PAGE_MARGIN + 8, _("演示数据"))

    def footer(self, canvas: Any, doc: Any) -> None:
        width, _height = doc.pagesize
        canvas.setFont(register_reportlab_font(), 8)
        canvas.setFillColor("#6c757d")
        canvas.drawString(PAGE_MARGIN, PAGE_MARGIN - 12, self.title)
        canvas.drawRightString(width - PAGE_MARGIN, PAGE_MARGIN - 12, _("第 %(n)d 页") % {"n": doc.page})
