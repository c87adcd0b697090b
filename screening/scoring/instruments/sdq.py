"""SDQ, Strengths and Difficulties Questionnaire, self-report version (ages 11-17).

Sources:
- Goodman R. The Strengths and Difficulties Questionnaire: a research note. J Child Psychol
  Psychiatry 1997;38:581-586; Goodman R. Psychometric properties of the SDQ. JAACAP
  2001;40:1337-1345.
- Youthinmind, "Scoring the Strengths & Difficulties Questionnaire for age 4-17" and the
  published scoring syntax (sdqinfo.org): five scales of five items scored 0-2; items
  7, 11, 14, 21, 25 are reverse-scored (checked against the public scoring syntax and the
  scoring sheet); a scale may be prorated when at least 3 of its 5 items are answered,
  rounding halves up; total difficulties = emotional + conduct + hyperactivity + peer, missing
  if any of the four is missing; prosocial is reported separately.
- Du Y, Kou J, Coghill D. The validity, reliability and normative scores of the parent,
  teacher and self report versions of the SDQ in China. Child Adolesc Psychiatry Ment Health
  2008;2:26 (Chinese bands for the total: 0-14 normal, 15-17 borderline, 18-40 abnormal).

Item 19 is raised as a notice for the counsellor (peer bullying); it does not set the tier.
Recall window: the past six months (26 weeks). Youthinmind forbids unlicensed electronic
versions: score only, no item text anywhere.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import Band, CriticalLevel, CriticalRule, Instrument, Scale, Text, coded_items


def _subscale(key: str, label: Text, items: tuple[int, ...]) -> Scale:
    return Scale(key=key, label=label, items=items, min_answered=3)


SUBSCALES = (
    _subscale("emotional", _("情绪症状"), (3, 8, 13, 16, 24)),
    _subscale("conduct", _("品行问题"), (5, 7, 12, 18, 22)),
    _subscale("hyperactivity", _("多动/注意不集中"), (2, 10, 15, 21, 25)),
    _subscale("peer", _("同伴交往问题"), (6, 11, 14, 19, 23)),
    _subscale("prosocial", _("亲社会行为"), (1, 4, 9, 17, 20)),
)
DIFFICULTIES = ("emotional", "conduct", "hyperactivity", "peer")

SDQ = Instrument(
    code="SDQ",
    version="1",
    title=_("长处和困难问卷（学生自评版，SDQ）"),
    items=coded_items(25, range(0, 3)),
    total=Scale(
        key="total",
        label=_("困难总分"),
        items=tuple(sorted(n for s in SUBSCALES if s.key in DIFFICULTIES for n in s.items)),
        bands=(
            Band("normal", 0, 14, _("正常")),
            Band("borderline", 15, 17, _("边缘")),
            Band("abnormal", 18, 40, _("异常")),
        ),
    ),
    subscales=SUBSCALES,
    total_from_subscales=DIFFICULTIES,
    reverse_keyed=frozenset({7, 11, 14, 21, 25}),
    critical=(CriticalRule(19, 1, CriticalLevel.NOTICE, _("SDQ第19题≥1（同伴欺凌相关）")),),
    recall_window_days=182,
    age_range=(11, 17),
    licence_note=_(
        "Youthinmind 禁止未经许可的电子版；计分方法公开。只录入答案编号0-2并计分，系统中不出现条目文字。"
    ),
    text_allowed=False,
)
