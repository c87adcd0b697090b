"""The shape of an instrument definition: frozen data, checked when it is built.

A definition holds everything scoring needs (items, option values, reverse keys, scales,
bands, critical items) and what the screens need (title, licence note, whether item text
may be shown). Item text is only ever present when ``text_allowed`` is true.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from django.utils.functional import Promise

# A user-visible string: a plain str or a lazily translated one (gettext_lazy).
Text = str | Promise


class CriticalLevel(StrEnum):
    """What a positive critical item does to the tier."""

    NOTICE = "notice"  # shown to the counsellor; does not raise the tier by itself
    CRITICAL = "critical"  # RED
    ACUTE = "acute"  # RED_ACUTE


@dataclass(frozen=True)
class Option:
    value: int
    label: Text | None = None


@dataclass(frozen=True)
class Item:
    number: int
    options: tuple[Option, ...]
    text: Text | None = None
    # False for items whose absence never matters: unscored fillers, follow-up questions.
    required: bool = True

    @property
    def min_value(self) -> int:
        return min(o.value for o in self.options)

    @property
    def max_value(self) -> int:
        return max(o.value for o in self.options)


@dataclass(frozen=True)
class Band:
    key: str
    low: int
    high: int
    label: Text

    def contains(self, score: int) -> bool:
        return self.low <= score <= self.high


@dataclass(frozen=True)
class Scale:
    key: str
    label: Text
    items: tuple[int, ...]
    bands: tuple[Band, ...] = ()
    # Fewest answered items that still give a (prorated) score. None: at most 20% may be missing.
    min_answered: int | None = None

    @property
    def required_answers(self) -> int:
        if self.min_answered is not None:
            return self.min_answered
        return len(self.items) - len(self.items) // 5

    def band_for(self, score: int | None) -> Band | None:
        if score is None:
            return None
        return next((b for b in self.bands if b.contains(score)), None)


@dataclass(frozen=True)
class CriticalRule:
    item: int
    min_value: int
    level: CriticalLevel
    label: Text


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    title: Text
    items: tuple[Item, ...]
    total: Scale
    subscales: tuple[Scale, ...] = ()
    # When set, the total is the sum of these subscale scores (incomplete if any is incomplete).
    total_from_subscales: tuple[str, ...] = ()
    reverse_keyed: frozenset[int] = frozenset()
    critical: tuple[CriticalRule, ...] = ()
    recall_window_days: int | None = None
    age_range: tuple[int | None, int | None] = (None, None)
    licence_note: Text = ""
    text_allowed: bool = False

    def __post_init__(self) -> None:
        problems = _definition_problems(self)
        if problems:
            raise ValueError(f"{self.code} {self.version}: " + "; ".join(problems))

    def item(self, number: int) -> Item:
        return self.items[number - 1]

    @property
    def item_numbers(self) -> tuple[int, ...]:
        return tuple(i.number for i in self.items)

    def keyed(self, number: int, value: int) -> int:
        """The scored value of a raw answer: reverse-keyed items are mirrored within their range."""
        if number not in self.reverse_keyed:
            return value
        item = self.item(number)
        return item.min_value + item.max_value - value

    def scale_range(self, scale: Scale) -> tuple[int, int]:
        low = sum(self.item(n).min_value for n in scale.items)
        high = sum(self.item(n).max_value for n in scale.items)
        return low, high

    def age_in_range(self, age: int) -> bool:
        low, high = self.age_range
        return (low is None or age >= low) and (high is None or age <= high)


def _definition_problems(inst: Instrument) -> list[str]:
    numbers = inst.item_numbers
    known = set(numbers)
    problems: list[str] = []
    if numbers != tuple(range(1, len(numbers) + 1)):
        problems.append("items must be numbered 1..n in order")
    if not inst.version.replace(".", "").isdigit():
        problems.append("version must be dotted digits")
    if not inst.text_allowed and any(i.text is not None for i in inst.items):
        problems.append("item text present although text_allowed is false")
    referenced = set(inst.reverse_keyed) | {r.item for r in inst.critical}
    for scale in (inst.total, *inst.subscales):
        referenced |= set(scale.items)
        problems.extend(_band_problems(scale, inst.scale_range(scale) if set(scale.items) <= known else None))
    if referenced - known:
        problems.append(f"unknown items referenced: {sorted(referenced - known)}")
    if set(inst.total_from_subscales) - {s.key for s in inst.subscales}:
        problems.append("total_from_subscales names an unknown subscale")
    return problems


def _band_problems(scale: Scale, score_range: tuple[int, int] | None) -> list[str]:
    if not scale.bands or score_range is None:
        return []
    bands = scale.bands
    gaps = any(b.low != a.high + 1 for a, b in pairwise(bands))
    inside = bands[0].low >= score_range[0] and bands[-1].high <= score_range[1]
    return [] if inside and not gaps else [f"bands of {scale.key} overlap, leave gaps or leave the range"]


def coded_items(count: int, values: range, *, optional: frozenset[int] = frozenset()) -> tuple[Item, ...]:
    """Paper-entry items: numbers and answer codes only, no text."""
    options = tuple(Option(v) for v in values)
    return tuple(Item(n, options, required=n not in optional) for n in range(1, count + 1))
