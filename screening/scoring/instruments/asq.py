"""ASQ, Ask Suicide-Screening Questions (NIMH).

Sources:
- Horowitz LM et al. Ask Suicide-Screening Questions (ASQ): a brief instrument for the
  pediatric emergency department. Arch Pediatr Adolesc Med 2012;166:1170-1176.
- NIMH ASQ Suicide Risk Screening Toolkit: four yes/no questions; "yes" to any of them is a
  positive screen that needs a brief suicide safety assessment; the acuity question (item 5)
  is asked after a positive screen, and "yes" there is an acute positive. The toolkit lists
  a Mandarin version.

Codes: 0 = no, 1 = yes. The total here is the number of "yes" answers to items 1-4, used only
to tell a negative screen (0) from a positive one (1-4). Every item is critical; item 5 is
acute. A missing answer to items 1-4 leaves the screen incomplete, never negative.
US government work; the licence statement is unverified. The Mandarin wording could not be
confirmed verbatim, so this version is paper entry only.
"""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .base import Band, CriticalLevel, CriticalRule, Instrument, Item, Option, Scale

_YES_NO = (Option(0, _("否")), Option(1, _("是")))

ASQ = Instrument(
    code="ASQ",
    version="1",
    title=_("自杀风险筛查问题（ASQ）"),
    items=(*(Item(n, _YES_NO) for n in range(1, 5)), Item(5, _YES_NO, required=False)),
    total=Scale(
        key="total",
        label=_("第1-4题回答“是”的题数"),
        items=(1, 2, 3, 4),
        bands=(
            Band("negative", 0, 0, _("阴性")),
            Band("positive", 1, 4, _("阳性（需简短安全评估）")),
        ),
    ),
    critical=(
        *(CriticalRule(n, 1, CriticalLevel.CRITICAL, format_lazy(_("ASQ第{n}题回答“是”"), n=n))
          for n in range(1, 5)),
        CriticalRule(5, 1, CriticalLevel.ACUTE, _("ASQ急迫性问题（第5题）回答“是”")),
    ),
    age_range=(8, None),
    licence_note=_(
        "美国国立精神卫生研究所（NIMH）编制的公开筛查工具；许可声明未经核实。未能核实已发表中文版的逐字措辞，"
        "因此本版本仅支持纸质录入（只录入0=否、1=是，不显示条目文字）。"
    ),
    text_allowed=False,
)
