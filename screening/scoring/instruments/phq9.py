"""PHQ-9, Patient Health Questionnaire depression module.

Sources:
- Kroenke K, Spitzer RL, Williams JBW. The PHQ-9. J Gen Intern Med 2001;16:606-613
  (sum 0-27; bands 5/10/15/20).
- Richardson LP et al. Evaluation of the PHQ-9 item for detecting major depression among
  adolescents. Pediatrics 2010;126:1117-1123 (adolescents: >=11, sensitivity 89.5%,
  specificity 77.5%, AUC 0.88). Chinese school studies mostly use >=10, the default here;
  a county may set 11 in its tier thresholds.
- Pfizer licence statement on phqscreeners.com: no permission required to reproduce,
  translate, display or distribute; the attribution line must be kept.

Item 9 >= 1 is a critical item. Recall window: the past two weeks.
The published Chinese item wording could not be confirmed verbatim from a primary source
(only secondary web copies that differ from one another), so this version is paper entry only.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Band, CriticalLevel, CriticalRule, Instrument, Scale, coded_items

PHQ9 = Instrument(
    code="PHQ-9",
    version="1",
    title=_("患者健康问卷抑郁量表（PHQ-9）"),
    items=coded_items(9, range(0, 4)),
    total=Scale(
        key="total",
        label=_("总分"),
        items=tuple(range(1, 10)),
        bands=(
            Band("minimal", 0, 4, _("无或极轻微")),
            Band("mild", 5, 9, _("轻度")),
            Band("moderate", 10, 14, _("中度")),
            Band("moderately_severe", 15, 19, _("中重度")),
            Band("severe", 20, 27, _("重度")),
        ),
    ),
    critical=(CriticalRule(9, 1, CriticalLevel.CRITICAL, _("PHQ-9第9题≥1（自伤或轻生念头）")),),
    recall_window_days=14,
    age_range=(13, 17),
    licence_note=_(
        "辉瑞公司声明：复制、翻译、展示和分发均无需许可，须保留署名：Developed by Drs. Robert L. "
        "Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from "
        "Pfizer Inc. 未能核实已发表中文版条目的逐字措辞，因此本版本仅支持纸质录入（只录入答案编号0-3，"
        "不显示条目文字）。"
    ),
    text_allowed=False,
)
