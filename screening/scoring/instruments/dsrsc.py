"""DSRSC, Depression Self-Rating Scale for Children (Birleson).

Sources:
- Birleson P. The validity of depressive disorder in childhood and the development of a
  self-rating scale: a research report. J Child Psychol Psychiatry 1981;22:73-88.
- Chinese urban norm as summarised in SCREENING.md (usually cited as Su Linyan et al., Chinese
  Mental Health Journal 2003; that attribution was not re-checked here): 18 items scored 0-2,
  total 0-36, cut-off >=15 (sensitivity 86%, specificity 82%). A rural Henan norm used >=14;
  a county can set that in its tier thresholds.
- Reverse-keyed items 1, 2, 4, 7, 8, 9, 11, 12, 13, 16 and the critical item 10 >= 1 as listed
  in SCREENING.md.

Recall window: the past week. Licence unclear: score only, no item text anywhere.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Band, CriticalLevel, CriticalRule, Instrument, Scale, coded_items

DSRSC = Instrument(
    code="DSRSC",
    version="1",
    title=_("儿童抑郁障碍自评量表（DSRSC）"),
    items=coded_items(18, range(0, 3)),
    total=Scale(
        key="total",
        label=_("总分"),
        items=tuple(range(1, 19)),
        bands=(
            Band("below_cutoff", 0, 14, _("未达界值")),
            Band("positive", 15, 36, _("阳性（总分≥15）")),
        ),
    ),
    reverse_keyed=frozenset({1, 2, 4, 7, 8, 9, 11, 12, 13, 16}),
    critical=(CriticalRule(10, 1, CriticalLevel.CRITICAL, _("DSRSC第10题≥1（消极观念）")),),
    recall_window_days=7,
    age_range=(8, 16),
    licence_note=_("版权许可不明：只录入答案编号0-2并计分，系统中不出现条目文字。"),
    text_allowed=False,
)
