"""GAD-7, Generalized Anxiety Disorder 7-item scale.

Sources:
- Spitzer RL, Kroenke K, Williams JBW, Loewe B. A brief measure for assessing generalized
  anxiety disorder: the GAD-7. Arch Intern Med 2006;166:1092-1097 (sum 0-21; bands 5/10/15).
- Chinese adolescents aged 10-17 validated (n=67,281, as summarised in SCREENING.md);
  Hong Kong ages 15-24 used >=7 (not the default here).
- Pfizer licence statement on phqscreeners.com: no permission required to reproduce,
  translate, display or distribute; the attribution line must be kept.

No critical item. Recall window: the past two weeks.
The published Chinese item wording could not be confirmed verbatim from a primary source,
so this version is paper entry only.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Band, Instrument, Scale, coded_items

GAD7 = Instrument(
    code="GAD-7",
    version="1",
    title=_("广泛性焦虑量表（GAD-7）"),
    items=coded_items(7, range(0, 4)),
    total=Scale(
        key="total",
        label=_("总分"),
        items=tuple(range(1, 8)),
        bands=(
            Band("minimal", 0, 4, _("无或极轻微")),
            Band("mild", 5, 9, _("轻度")),
            Band("moderate", 10, 14, _("中度")),
            Band("severe", 15, 21, _("重度")),
        ),
    ),
    recall_window_days=14,
    age_range=(10, 17),
    licence_note=_(
        "辉瑞公司声明：复制、翻译、展示和分发均无需许可，须保留署名：Developed by Drs. Robert L. "
        "Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from "
        "Pfizer Inc. 未能核实已发表中文版条目的逐字措辞，因此本版本仅支持纸质录入（只录入答案编号0-3，"
        "不显示条目文字）。"
    ),
    text_allowed=False,
)
