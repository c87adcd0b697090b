"""Small seeded sampling helpers shared by the demo generators."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import TypeVar

from lbc.models import Child

from .constants import AGE_BANDS, CARE_SHARES, HOUSEHOLD_SIZES, SELF_CARE_MIN_AGE

K = TypeVar("K")


def pick(rng: random.Random, weights: Mapping[K, float]) -> K:
    """One key drawn with the given weights (they need not sum to 1)."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def birth_date(rng: random.Random, today: dt.date) -> dt.date:
    """A birth date whose age today follows the age bands of SCREENING.md section 5."""
    low, high, _share = rng.choices(AGE_BANDS, weights=[band[2] for band in AGE_BANDS])[0]
    anniversary = years_before(today, rng.randint(low, high))
    return anniversary - dt.timedelta(days=rng.randrange(365))


def share_aged_at_least(age: int) -> float:
    """Share of children at least ``age`` years old, with ages uniform inside each band."""
    total = 0.0
    for low, high, share in AGE_BANDS:
        years = high - low + 1
        total += share * max(0, min(years, high - age + 1)) / years
    return total


def share_with_eldest_at_least(age: int) -> float:
    """Share of children whose household's eldest child is at least ``age`` years old."""
    s = share_aged_at_least(age)
    children = sum(size * weight for size, weight in HOUSEHOLD_SIZES.items())
    return sum(size * weight * (1 - (1 - s) ** size) for size, weight in HOUSEHOLD_SIZES.items()) / children


def care_weights(eldest_age: int) -> dict[str, float]:
    """Care arrangement weights for a household, keeping the county-wide shares of CARE_SHARES."""
    self_key = Child.CareArrangement.SELF
    self_share = CARE_SHARES[self_key]
    eligible = share_with_eldest_at_least(SELF_CARE_MIN_AGE)
    p_self = self_share / eligible if eldest_age >= SELF_CARE_MIN_AGE else 0.0
    rest = (1 - p_self) / (1 - self_share)
    return {k: (p_self if k == self_key else v * rest) for k, v in CARE_SHARES.items()}
