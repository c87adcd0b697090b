"""Validity of a response: speeding, straight-lining, inconsistency, missing answers, age outside the
instrument's validated range (SCREENING.md section 4). Pure functions, no database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy

from screening.scoring.instruments.base import Instrument, Text

# Unverified default (SCREENING.md section 4): faster than about 2 seconds per answered item.
SPEEDING_SECONDS_PER_ITEM = 2
# Straight-lining is only meaningful when some items are keyed the other way round.
STRAIGHTLINE_MIN_ITEMS = 8
# Opposite-keyed comparison needs a few answers in each direction.
INCONSISTENCY_MIN_PER_DIRECTION = 3


class ValidityCode(StrEnum):
    SPEEDING = "speeding"
    STRAIGHTLINING = "straightlining"
    INCONSISTENT = "inconsistent"
    TOO_MANY_MISSING = "too_many_missing"
    AGE_OUTSIDE_RANGE = "age_outside_range"


VALIDITY_LABELS: Mapping[ValidityCode, Text] = {
    ValidityCode.SPEEDING: gettext_lazy("作答过快（平均每题不足2秒，阈值未经验证）"),
    ValidityCode.STRAIGHTLINING: gettext_lazy("所有答案完全相同，而量表含反向计分题"),
    ValidityCode.INCONSISTENT: gettext_lazy("正向题与反向题的回答互相矛盾"),
    ValidityCode.TOO_MANY_MISSING: gettext_lazy("缺答过多，总分无法计算"),
    ValidityCode.AGE_OUTSIDE_RANGE: gettext_lazy("年龄不在该量表的验证范围内"),
}
# Age outside the validated range is a caution for the reader, not an invalid response.
NON_INVALIDATING = frozenset({ValidityCode.AGE_OUTSIDE_RANGE})


@dataclass(frozen=True)
class ValidityFlag:
    code: ValidityCode

    @property
    def invalidates(self) -> bool:
        return self.code not in NON_INVALIDATING

    @property
    def label(self) -> str:
        return str(VALIDITY_LABELS[self.code])


def is_speeding(answered: int, seconds: float | None) -> bool:
    """Completed in less than SPEEDING_SECONDS_PER_ITEM seconds per answered item."""
    return seconds is not None and answered > 0 and seconds < SPEEDING_SECONDS_PER_ITEM * answered


def is_straightlining(instrument: Instrument, raw: Mapping[int, int]) -> bool:
    """Every answered item of the total scale has the same raw value, on a total scale that has
    at least one reverse-keyed item and at least STRAIGHTLINE_MIN_ITEMS items, with at least
    STRAIGHTLINE_MIN_ITEMS answers."""
    items = instrument.total.items
    if len(items) < STRAIGHTLINE_MIN_ITEMS or not instrument.reverse_keyed & set(items):
        return False
    values = [raw[n] for n in items if n in raw]
    return len(values) >= STRAIGHTLINE_MIN_ITEMS and len(set(values)) == 1


def is_inconsistent(instrument: Instrument, raw: Mapping[int, int]) -> bool:
    """Raw answers agree with both directions of the total scale: the mean raw answer to its
    forward-keyed items and the mean raw answer to its reverse-keyed items both lie in the top
    quarter of the answer range (yes-saying), or both in the bottom quarter (no-saying).
    Needs INCONSISTENCY_MIN_PER_DIRECTION answers in each direction."""
    items = instrument.total.items
    reverse = [raw[n] for n in items if n in raw and n in instrument.reverse_keyed]
    forward = [raw[n] for n in items if n in raw and n not in instrument.reverse_keyed]
    if min(len(reverse), len(forward)) < INCONSISTENCY_MIN_PER_DIRECTION:
        return False
    low, high = instrument.item(items[0]).min_value, instrument.item(items[0]).max_value
    tops = [_in_top_quarter(v, low, high) for v in (forward, reverse)]
    bottoms = [_in_bottom_quarter(v, low, high) for v in (forward, reverse)]
    return all(tops) or all(bottoms)


def _in_top_quarter(values: list[int], low: int, high: int) -> bool:
    # mean >= low + 3/4 (high - low), in integers
    return 4 * sum(values) >= (4 * low + 3 * (high - low)) * len(values)


def _in_bottom_quarter(values: list[int], low: int, high: int) -> bool:
    # mean <= low + 1/4 (high - low), in integers
    return 4 * sum(values) <= (4 * low + (high - low)) * len(values)
