"""Children's Loneliness Scale (Asher, Hymel and Renshaw).

Sources:
- Asher SR, Hymel S, Renshaw PD. Loneliness in children. Child Development 1984;55:1456-1464
  (24 items rated 1-5; 16 scored items; 8 unscored filler items).
- Fillers 2, 5, 7, 11, 13, 15, 19, 23 and the oppositely keyed items 1, 4, 8, 10, 16, 22 as
  listed in SCREENING.md; this list was not independently confirmed from the original paper.

Score = sum of the 16 scored items after mirroring the opposite-keyed ones (16-80, higher =
lonelier). There is no clinical cut-off: interpret against a regional norm (e.g. top 10%), so
no bands are defined and the score never sets a tier. No recall window. Licence unclear:
score only, no item text anywhere.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Instrument, Scale, coded_items

FILLERS = frozenset({2, 5, 7, 11, 13, 15, 19, 23})

LONELINESS = Instrument(
    code="CLS",
    version="1",
    title=_("儿童孤独量表"),
    items=coded_items(24, range(1, 6), optional=FILLERS),
    total=Scale(
        key="total",
        label=_("总分（16个计分条目）"),
        items=tuple(n for n in range(1, 25) if n not in FILLERS),
    ),
    reverse_keyed=frozenset({1, 4, 8, 10, 16, 22}),
    age_range=(8, 12),
    licence_note=_(
        "版权许可不明：只录入答案编号1-5并计分，系统中不出现条目文字。无临床界值，请参照本地区常模解释。"
    ),
    text_allowed=False,
)
