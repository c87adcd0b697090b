"""Chart set-up for every app: a matplotlib figure (Agg, no pyplot) that draws Chinese in the bundled
font, and its PNG bytes. matplotlib is imported only when a chart is drawn."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from lbc.reporting.fonts import configure_matplotlib

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(width: float = 8, height: float = 4.5) -> Figure:
    """An empty figure (100 dpi, constrained layout) with the CJK font configured."""
    configure_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
