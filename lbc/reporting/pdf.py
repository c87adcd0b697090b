"""PDF building for every app: one protocol for reports (``Report``) and ``render_pdf`` to lay one out.

reportlab is imported only when a PDF is drawn. Every page carries the embedded Noto Sans SC font (rare
name characters never print as boxes); each report draws its own header and footer (who generated the
file and when). Text that comes from the database goes into paragraphs escaped, so markup in a school
name prints literally.
"""

from __future__ import annotations

import io
from typing import Any, Protocol
from xml.sax.saxutils import escape  # nosec B406

from lbc.access import UserLike
from lbc.reporting.fonts import register_reportlab_font

PAGE_MARGIN = 40  # points


class Report(Protocol):
    @property
    def title(self) -> str: ...

    def is_available_to(self, user: UserLike) -> bool: ...

    def story(self) -> list[Any]: ...

    def header(self, canvas: Any, doc: Any) -> None: ...

    def footer(self, canvas: Any, doc: Any) -> None: ...


def render_pdf(report: Report) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    register_reportlab_font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=PAGE_MARGIN,
        rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN + 20,
        bottomMargin=PAGE_MARGIN + 10,
        title=report.title,
        author="",
        creator="",
    )

    def decorate(canvas: Any, document: Any) -> None:
        canvas.saveState()
        report.header(canvas, document)
        report.footer(canvas, document)
        canvas.restoreState()

    doc.build(report.story(), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    font = register_reportlab_font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=6),
        "heading": ParagraphStyle(
            "heading", fontName=font, fontSize=12, leading=18, spaceBefore=12, spaceAfter=6
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14),
        "note": ParagraphStyle(
            "note", fontName=font, fontSize=8.5, leading=12, textColor="#555555", spaceBefore=6
        ),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=10, alignment=1),
    }


def paragraph(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text), style)
