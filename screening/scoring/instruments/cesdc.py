"""CES-DC, Center for Epidemiological Studies Depression Scale for Children.

Sources:
- Weissman MM, Orvaschel H, Padian N. Children's symptom and social functioning self-report
  scales: comparison of mothers' and children's reports. J Nerv Ment Dis 1980;168:736-740
  (20 items scored 0-3; items 4, 8, 12, 16 are positively worded and reverse-scored;
  total 0-60; a total above 15 suggests significant depressive symptoms).
- NIMH (Center for Epidemiologic Studies): public domain.

No critical item (pair with the ASQ). Recall window: the past week.
The published Chinese item wording could not be confirmed verbatim from a primary source,
so this version is paper entry only.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Band, Instrument, Scale, coded_items

CESDC = Instrument(
    code="CES-DC",
    version="1",
    title=_("流调中心儿童抑郁量表（CES-DC）"),
    items=coded_items(20, range(0, 4)),
    total=Scale(
        key="total",
        label=_("总分"),
        items=tuple(range(1, 21)),
        bands=(
            Band("below_cutoff", 0, 15, _("未达界值")),
            Band("positive", 16, 60, _("阳性（总分>15）")),
        ),
    ),
    reverse_keyed=frozenset({4, 8, 12, 16}),
    recall_window_days=7,
    age_range=(6, 17),
    licence_note=_(
        "公有领域（美国国立精神卫生研究所流行病学研究中心）。未能核实已发表中文版条目的逐字措辞，"
        "因此本版本仅支持纸质录入（只录入答案编号0-3，不显示条目文字）。"
    ),
    text_allowed=False,
)
