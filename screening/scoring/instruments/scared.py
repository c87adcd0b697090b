"""SCARED-41, Screen for Child Anxiety Related Emotional Disorders (child version).

Sources:
- Birmaher B et al. The Screen for Child Anxiety Related Emotional Disorders (SCARED): scale
  construction and psychometric characteristics. J Am Acad Child Adolesc Psychiatry
  1997;36:545-553; and the 41-item revision, JAACAP 1999;38:1230-1236 (items scored 0-2,
  total 0-82; total >=25 suggests an anxiety disorder, >30 is more specific; subscale
  cut-offs panic/somatic >=7, generalised anxiety >=9, separation >=5, social >=8,
  school avoidance >=3).
- Chinese norm as summarised in SCREENING.md: total >=23 (usually cited as Wang Kai, Su Linyan
  et al., Chinese Mental Health Journal 2002; that attribution was not re-checked here).
  The bands follow the tier defaults in SCREENING.md: >=23 positive, >=30 high.

Subscale items as listed in SCREENING.md. No critical item. Recall window: the past three
months. Licence unclear: score only, no item text anywhere.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Band, Instrument, Scale, Text, coded_items


def _subscale(key: str, label: Text, items: tuple[int, ...], cutoff: int) -> Scale:
    high = 2 * len(items)
    bands = (Band("below_cutoff", 0, cutoff - 1, _("未达界值")), Band("positive", cutoff, high, _("阳性")))
    return Scale(key=key, label=label, items=items, bands=bands)


SUBSCALES = (
    _subscale("panic_somatic", _("躯体化/惊恐"), (1, 6, 9, 12, 15, 18, 19, 22, 24, 27, 30, 34, 38), 7),
    _subscale("generalized_anxiety", _("广泛性焦虑"), (5, 7, 14, 21, 23, 28, 33, 35, 37), 9),
    _subscale("separation_anxiety", _("分离性焦虑"), (4, 8, 13, 16, 20, 25, 29, 31), 5),
    _subscale("social_anxiety", _("社交焦虑"), (3, 10, 26, 32, 39, 40, 41), 8),
    _subscale("school_avoidance", _("学校恐惧"), (2, 11, 17, 36), 3),
)

SCARED41 = Instrument(
    code="SCARED-41",
    version="1",
    title=_("儿童焦虑性情绪障碍筛查表（SCARED）"),
    items=coded_items(41, range(0, 3)),
    total=Scale(
        key="total",
        label=_("总分"),
        items=tuple(range(1, 42)),
        bands=(
            Band("below_cutoff", 0, 22, _("未达界值")),
            Band("positive", 23, 29, _("阳性（总分≥23）")),
            Band("high", 30, 82, _("高分（总分≥30）")),
        ),
    ),
    subscales=SUBSCALES,
    recall_window_days=90,
    age_range=(8, 18),
    licence_note=_("版权许可不明：只录入答案编号0-2并计分，系统中不出现条目文字。"),
    text_allowed=False,
)
