"""The bundled CJK font (Noto Sans SC, OFL) for charts and PDFs of every app, registered once per
process.

Charts and PDFs are drawn on the server, where no Chinese system font may exist: without this
font rare name characters (e.g. 䶮) would print as blank boxes. reportlab needs a static TrueType
font (it rejects OTF/CFF and draws variable fonts in the thinnest weight), which this file is.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from django.conf import settings

REPORTLAB_NAME = "NotoSansSC"
_lock = threading.Lock()


def font_path() -> Path:
    return Path(settings.BASE_DIR) / "static" / "fonts" / "NotoSansSC-Regular.ttf"


def register_reportlab_font() -> str:
    """Register the font with reportlab (embedded as a subset in every PDF); returns its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        if REPORTLAB_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(REPORTLAB_NAME, str(font_path())))
    return REPORTLAB_NAME


@cache
def configure_matplotlib() -> str:
    """Make the font matplotlib's first sans-serif family (once per process); returns the family name.

    matplotlib falls back glyph by glyph to the next family in the list, so Latin text keeps working.
    """
    import matplotlib
    from matplotlib import font_manager

    path = str(font_path())
    font_manager.fontManager.addfont(path)
    family = str(font_manager.FontProperties(fname=path).get_name())
    fallbacks = [f for f in matplotlib.rcParams["font.sans-serif"] if f != family]
    matplotlib.rcParams["font.family"] = ["sans-serif"]
    matplotlib.rcParams["font.sans-serif"] = [family, *fallbacks]
    return family
