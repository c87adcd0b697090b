"""The context score (关注度, 0-12) of SCREENING.md section 3.

It orders children within a tier and is never a diagnosis, so it is always shown together
with the factors that make it up. Factors come in as a plain dict of booleans; an absent
factor counts as not present.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lbc.text import join_items
from screening.scoring.instruments.base import Text

MAX_SCORE = 12


@dataclass(frozen=True)
class ContextFactor:
    key: str
    points: int
    label: Text
    evidence: str
    verified: bool = True


FACTORS: tuple[ContextFactor, ...] = (
    ContextFactor("both_parents_away", 1, gettext_lazy("父母双方均外出"),
                  "depression 14.2% vs 11.7% with one parent away [Shen 2015]"),
    ContextFactor("no_capable_adult", 3, gettext_lazy("家中没有能照料的成人（自我照料或由兄弟姐妹照料）"),
                  "4% of left-behind children in 2016 (MCA)"),
    ContextFactor("contact_less_than_monthly", 2, gettext_lazy("与父母联系少于每月一次"),
                  "contact every half year OR 7.32 (wide CI)"),
    ContextFactor("separated_before_3", 1, gettext_lazy("3岁前开始与父母分离"),
                  "higher anxiety/depression and self-injury"),
    ContextFactor("bullied_last_term", 2, gettext_lazy("上学期受到欺凌"),
                  "verbal bullying OR 2.23 depression, 1.54 self-injury [Feng 2024]"),
    ContextFactor("low_social_support", 2, gettext_lazy("感知社会支持低"), "OR 3.46 depression [Shen 2015]"),
    ContextFactor("sleep_onset_problems", 1, gettext_lazy("入睡困难"), "OR 2.04"),
    ContextFactor("boarding", 1, gettext_lazy("寄宿且父母双方均外出"), "more loneliness among boarders"),
    ContextFactor("caregiver_elderly_or_ill", 1,
                  gettext_lazy("照料人70岁及以上或患慢性病（专家判断，未经验证）"),
                  "expert judgement", verified=False),
)
FACTOR_KEYS = frozenset(f.key for f in FACTORS)


class ContextError(ValueError):
    """Factors that cannot be read; the message is Chinese."""


@dataclass(frozen=True)
class ContextScore:
    score: int
    factors: tuple[ContextFactor, ...]
    # The listed points can add up to more than MAX_SCORE; the score is then capped.
    capped: bool


def context_score(factors: Mapping[str, object]) -> ContextScore:
    _check(factors)
    present = {k for k, v in factors.items() if v is True}
    hits = tuple(f for f in FACTORS if f.key in present and _applies(f, present))
    raw = sum(f.points for f in hits)
    return ContextScore(score=min(raw, MAX_SCORE), factors=hits, capped=raw > MAX_SCORE)


def _applies(factor: ContextFactor, present: set[str]) -> bool:
    # Boarding counts only for children whose parents are both away.
    return factor.key != "boarding" or "both_parents_away" in present


def _check(factors: Mapping[str, object]) -> None:
    unknown = sorted(str(k) for k in factors if k not in FACTOR_KEYS)
    if unknown:
        raise ContextError(_("未知的关注度因素：%(keys)s") % {"keys": join_items(unknown)})
    not_bool = sorted(k for k, v in factors.items() if not isinstance(v, bool))
    if not_bool:
        raise ContextError(_("关注度因素只能是 true 或 false：%(keys)s") % {"keys": join_items(not_bool)})
