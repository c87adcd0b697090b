"""Scores + critical flags + context score -> tier (SCREENING.md section 2). Pure functions.

Order of the rules: a critical item always wins (RED_ACUTE, then RED), even on an invalid or
incomplete form. Otherwise the tier comes from the valid results; an invalid form that leaves
nothing above GREEN makes the decision GREY (re-administer in person) instead of GREEN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lbc.text import join_items
from screening.scoring.context import MAX_SCORE
from screening.scoring.instruments.base import CriticalLevel
from screening.scoring.scores import ScoreResult


class Tier(StrEnum):
    """A screening's tier: the one definition (models store its values, ``TIER_CHOICES``).

    Declared in the order every list and table shows tiers: most urgent first, GREY last."""

    RED_ACUTE = "RED_ACUTE"
    RED = "RED"
    ORANGE = "ORANGE"
    YELLOW = "YELLOW"
    GREEN = "GREEN"
    GREY = "GREY"

    @property
    def label(self) -> str:
        return tier_label(self)


TIER_LABELS: dict[Tier, Promise] = {
    Tier.RED_ACUTE: gettext_lazy("红色（紧急）"),
    Tier.RED: gettext_lazy("红色"),
    Tier.ORANGE: gettext_lazy("橙色"),
    Tier.YELLOW: gettext_lazy("黄色"),
    Tier.GREEN: gettext_lazy("绿色"),
    Tier.GREY: gettext_lazy("灰色（需重测）"),
}
# The choices of every model field that stores a tier.
TIER_CHOICES = [(t.value, TIER_LABELS[t]) for t in Tier]
# The display order (most urgent first, GREY last): the order of the declaration.
TIER_ORDER: tuple[Tier, ...] = tuple(Tier)
# Severity, for "is this result worse?": GREY (re-administer) ranks below YELLOW, above GREEN.
_SEVERITY: dict[str, int] = {
    Tier.GREEN: 0, Tier.GREY: 1, Tier.YELLOW: 2, Tier.ORANGE: 3, Tier.RED: 4, Tier.RED_ACUTE: 5,
}
RED_TIERS = frozenset({Tier.RED, Tier.RED_ACUTE})


def tier_rank(tier: str) -> int:
    """How severe a tier is (GREEN 0 ... RED_ACUTE 5); unknown or empty values rank as GREEN."""
    return _SEVERITY.get(tier, 0)


class Disclosure(StrEnum):
    """What a child said to a person, recorded outside any questionnaire."""

    NONE = "none"
    SELF_HARM = "self_harm"  # RED
    PLAN_OR_ATTEMPT = "plan_or_attempt"  # stated plan, intent or recent attempt: RED_ACUTE


@dataclass(frozen=True)
class Thresholds:
    """County-configurable cut-offs and deadlines; defaults from SCREENING.md section 2.

    A "moderate" cut-off gives YELLOW, a "severe" one ORANGE (score >= cut-off)."""

    phq9_moderate: int = 10
    phq9_severe: int = 15
    gad7_moderate: int = 10
    gad7_severe: int = 15
    dsrsc_positive: int = 15
    scared_positive: int = 23
    scared_severe: int = 30
    cesdc_positive: int = 16  # "> 15"
    sdq_abnormal: int = 18
    context_raises_moderate: int = 5  # moderate band + context >= this -> ORANGE
    context_rescreen_each_term: int = 5  # GREEN: rescreen each term instead of yearly
    orange_school_days: int = 3
    yellow_contact_days: int = 14
    grey_readminister_days: int = 14

    def __post_init__(self) -> None:
        pairs = ((self.phq9_moderate, self.phq9_severe), (self.gad7_moderate, self.gad7_severe),
                 (self.scared_positive, self.scared_severe))
        if any(moderate > severe for moderate, severe in pairs):
            raise ValueError(_("中度界值不能高于重度界值"))
        if min(self.orange_school_days, self.yellow_contact_days, self.grey_readminister_days) < 0:
            raise ValueError(_("期限不能为负数"))

    def cutoffs(self, code: str) -> tuple[int | None, int | None]:
        """(moderate, severe) for an instrument; (None, None) when it never sets a tier."""
        table: dict[str, tuple[int | None, int | None]] = {
            "PHQ-9": (self.phq9_moderate, self.phq9_severe),
            "GAD-7": (self.gad7_moderate, self.gad7_severe),
            "DSRSC": (self.dsrsc_positive, None),
            "SCARED-41": (self.scared_positive, self.scared_severe),
            "CES-DC": (self.cesdc_positive, None),
            "SDQ": (self.sdq_abnormal, None),
        }
        return table.get(code, (None, None))


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Deadline:
    """When the response is due: calendar time, school days (0 = the same school day), or none."""

    description: str
    delta: timedelta | None = None
    school_days: int | None = None


@dataclass(frozen=True)
class TierDecision:
    tier: Tier
    reasons: tuple[str, ...]
    action: str
    deadline: Deadline
    context_score: int

    @property
    def neutral_label(self) -> str:
        return neutral_label(self.tier)

    @property
    def label(self) -> str:
        return tier_label(self.tier)


def neutral_label(tier: Tier) -> str:
    """What head teachers, children and volunteers see: never a risk word."""
    return _("常规关注") if tier == Tier.GREEN else _("需跟进")


def tier_label(tier: Tier) -> str:
    """The colour name for staff allowed to see tiers."""
    return str(TIER_LABELS[tier])


def assign_tier(
    results: Sequence[ScoreResult],
    context_score: int,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    disclosure: Disclosure = Disclosure.NONE,
) -> TierDecision:
    if not 0 <= context_score <= MAX_SCORE:
        raise ValueError(_("关注度应在0-%(max)d之间") % {"max": MAX_SCORE})
    critical_tier, critical_reasons = _critical_tier(results, disclosure)
    score_tier, score_reasons = _score_tier(results, context_score, thresholds)
    tier = critical_tier or score_tier
    reasons = score_reasons
    if critical_tier is not None:
        # The score findings still travel along, for the counsellor.
        reasons = critical_reasons + ([] if score_tier == Tier.GREEN else score_reasons)
    return TierDecision(tier, tuple(reasons), _action(tier, context_score, thresholds),
                        _deadline(tier, thresholds), context_score)


def _critical_tier(results: Sequence[ScoreResult], disclosure: Disclosure) -> tuple[Tier | None, list[str]]:
    flags = [f for r in results for f in r.critical]
    acute = [str(f.label) for f in flags if f.level == CriticalLevel.ACUTE]
    red = [str(f.label) for f in flags if f.level == CriticalLevel.CRITICAL]
    if disclosure == Disclosure.PLAN_OR_ATTEMPT:
        acute.append(_("孩子说出了计划、意图或近期的尝试"))
    if disclosure == Disclosure.SELF_HARM:
        red.append(_("孩子透露了自伤"))
    if acute:
        return Tier.RED_ACUTE, acute + red
    return (Tier.RED, red) if red else (None, [])


def _score_tier(results: Sequence[ScoreResult], context: int, th: Thresholds) -> tuple[Tier, list[str]]:
    valid = [r for r in results if r.is_valid]
    invalid = [r for r in results if not r.is_valid]
    severe = [_reason(r, th.cutoffs(r.code)[1]) for r in valid if _reaches(r, th.cutoffs(r.code)[1])]
    moderate = [_reason(r, th.cutoffs(r.code)[0]) for r in valid if _reaches(r, th.cutoffs(r.code)[0])]
    invalid_reasons = [_invalid_reason(r) for r in invalid]
    if severe:
        return Tier.ORANGE, severe + invalid_reasons
    if moderate and context >= th.context_raises_moderate:
        extra = _("关注度 %(score)d ≥ %(cutoff)d") % {"score": context, "cutoff": th.context_raises_moderate}
        return Tier.ORANGE, [*moderate, extra, *invalid_reasons]
    if moderate:
        return Tier.YELLOW, moderate + invalid_reasons
    if invalid or not results:
        return Tier.GREY, invalid_reasons or [_("没有可计分的问卷")]
    return Tier.GREEN, [_("所有量表均低于界值")]


def _reaches(result: ScoreResult, cutoff: int | None) -> bool:
    score = result.total.score
    return cutoff is not None and score is not None and score >= cutoff


def _reason(result: ScoreResult, cutoff: int | None) -> str:
    return _("%(code)s 总分 %(score)s ≥ %(cutoff)s") % {
        "code": result.code, "score": result.total.score, "cutoff": cutoff,
    }


def _invalid_reason(result: ScoreResult) -> str:
    labels = join_items(f.label for f in result.validity if f.invalidates)
    return _("%(code)s 作答无效：%(labels)s") % {"code": result.code, "labels": labels}


def action_for(tier: str, context: int, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """The action a tier requires (also what a warning shows as its required action)."""
    return _action(Tier(tier), context, thresholds)


def _action(tier: Tier, context: int, th: Thresholds) -> str:
    if tier == Tier.RED_ACUTE:
        return _("立即处置：不让孩子独处，立即联系监护人并呼叫急救（120）。")
    if tier == Tier.RED:
        return _("当天放学前由心理教师完成安全评估，当天告知监护人。")
    if tier == Tier.ORANGE:
        return _("%(days)d个教学日内由心理教师面谈。") % {"days": th.orange_school_days}
    if tier == Tier.YELLOW:
        return _("%(days)d天内由心理教师联系，4-6周后复筛。") % {"days": th.yellow_contact_days}
    if tier == Tier.GREY:
        return _("%(days)d天内当面重新施测；关键条目照常处理。") % {"days": th.grey_readminister_days}
    if context >= th.context_rescreen_each_term:
        return _("参加面向全体学生的活动；每学期复筛一次。")
    return _("参加面向全体学生的活动；每年复筛一次。")


def _deadline(tier: Tier, th: Thresholds) -> Deadline:
    if tier == Tier.RED_ACUTE:
        return Deadline(_("立即"), delta=timedelta(0))
    if tier == Tier.RED:
        return Deadline(_("当天放学前"), school_days=0)
    if tier == Tier.ORANGE:
        days = th.orange_school_days
        return Deadline(_("%(days)d个教学日内") % {"days": days}, school_days=days)
    if tier == Tier.YELLOW:
        days = th.yellow_contact_days
        return Deadline(_("%(days)d天内") % {"days": days}, delta=timedelta(days=days))
    if tier == Tier.GREY:
        days = th.grey_readminister_days
        return Deadline(_("%(days)d天内") % {"days": days}, delta=timedelta(days=days))
    return Deadline(_("无时限（常规）"))
