"""Answers -> scores, bands, critical flags and validity flags. Pure functions, no database.

Rules (SCREENING.md sections 1 and 4):
- reverse-keyed items are mirrored within their answer range before summing;
- a (sub)scale is prorated only when at most 20% of its items are missing (SDQ: at least
  3 of 5 answered): score = sum * items / answered, halves rounded up as in the SDQ syntax;
  otherwise the score is incomplete (None), never zero;
- critical items fire on the raw answer, whatever else is missing or invalid;
- values outside an item's answer codes, and unknown item numbers, raise AnswerError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from lbc.text import join_clauses, join_items
from screening.scoring.instruments.base import Band, CriticalLevel, Instrument, Scale, Text
from screening.scoring.validity import (
    ValidityCode,
    ValidityFlag,
    is_inconsistent,
    is_speeding,
    is_straightlining,
)


@dataclass(frozen=True)
class ScaleScore:
    key: str
    label: Text
    score: int | None
    answered: int
    n_items: int
    band: Band | None

    @property
    def complete(self) -> bool:
        return self.score is not None

    @property
    def prorated(self) -> bool:
        return self.score is not None and self.answered < self.n_items


@dataclass(frozen=True)
class CriticalFlag:
    item: int
    value: int
    level: CriticalLevel
    label: Text


class AnswerError(ValueError):
    """Answers that cannot be scored. The message is Chinese and names every bad item.

    ``critical`` holds the critical items that are positive among the well-formed answers, so a
    typo elsewhere on the form never hides a self-harm answer.
    """

    def __init__(self, problems: tuple[str, ...], critical: tuple[CriticalFlag, ...] = ()) -> None:
        self.problems = problems
        self.critical = critical
        parts = list(problems)
        if critical:
            labels = join_items(str(f.label) for f in critical)
            notice = _("注意：已填写的关键条目为阳性（%(labels)s），请立即按关键条目处理")
            parts.append(notice % {"labels": labels})
        super().__init__(join_clauses(parts))


@dataclass(frozen=True)
class ScoreResult:
    code: str
    version: str
    total: ScaleScore
    subscales: tuple[ScaleScore, ...]
    critical: tuple[CriticalFlag, ...]
    validity: tuple[ValidityFlag, ...]
    missing_items: tuple[int, ...]

    @property
    def is_valid(self) -> bool:
        return not any(f.invalidates for f in self.validity)

    @property
    def scales(self) -> tuple[ScaleScore, ...]:
        return (self.total, *self.subscales)

    @property
    def bands(self) -> dict[str, Band]:
        return {s.key: s.band for s in self.scales if s.band is not None}

    @property
    def incomplete_scales(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.scales if not s.complete)

    def subscale(self, key: str) -> ScaleScore:
        return next(s for s in self.subscales if s.key == key)


def score_answers(
    instrument: Instrument,
    answers: Mapping[int, int | None],
    *,
    age: int | None = None,
    seconds: float | None = None,
) -> ScoreResult:
    raw = checked_answers(instrument, answers)
    keyed = {n: instrument.keyed(n, v) for n, v in raw.items()}
    subscales = tuple(score_scale(s, keyed) for s in instrument.subscales)
    total = _score_total(instrument, keyed, subscales)
    return ScoreResult(
        code=instrument.code,
        version=instrument.version,
        total=total,
        subscales=subscales,
        critical=critical_flags(instrument, raw),
        validity=validity_flags(instrument, raw, total, age=age, seconds=seconds),
        missing_items=tuple(i.number for i in instrument.items if i.required and i.number not in raw),
    )


def checked_answers(instrument: Instrument, answers: Mapping[int, int | None]) -> dict[int, int]:
    """The answered items as {item: value}; AnswerError listing every unknown item or bad value."""
    problems: list[str] = []
    known = set(instrument.item_numbers)
    for number in sorted((n for n in answers if n not in known), key=str):
        message = _("第%(item)s题不存在（本量表共%(count)d题）")
        problems.append(message % {"item": number, "count": len(known)})
    raw: dict[int, int] = {}
    for number in sorted(n for n in answers if n in known):
        value = answers[number]
        if value is None:
            continue
        if _valid_value(instrument, number, value):
            raw[number] = value
        else:
            problems.append(_bad_value_message(instrument, number, value))
    if problems:
        raise AnswerError(tuple(problems), critical_flags(instrument, raw))
    return raw


def _valid_value(instrument: Instrument, number: int, value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return any(o.value == value for o in instrument.item(number).options)


def _bad_value_message(instrument: Instrument, number: int, value: object) -> str:
    item = instrument.item(number)
    return _("第%(item)d题的答案 %(value)s 无效（应为 %(low)d-%(high)d 的整数）") % {
        "item": number, "value": value, "low": item.min_value, "high": item.max_value,
    }


def prorate(total: int, answered: int, n_items: int) -> int:
    """total * n_items / answered, halves rounded up, in integers so that no float can drift."""
    return (2 * total * n_items + answered) // (2 * answered)


def score_scale(scale: Scale, keyed: Mapping[int, int]) -> ScaleScore:
    values = [keyed[n] for n in scale.items if n in keyed]
    answered = len(values)
    score = prorate(sum(values), answered, len(scale.items)) if answered >= scale.required_answers else None
    return ScaleScore(scale.key, scale.label, score, answered, len(scale.items), scale.band_for(score))


def _score_total(
    instrument: Instrument, keyed: Mapping[int, int], subscales: tuple[ScaleScore, ...]
) -> ScaleScore:
    scale = instrument.total
    if not instrument.total_from_subscales:
        return score_scale(scale, keyed)
    parts = [s.score for s in subscales if s.key in instrument.total_from_subscales]
    score = None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
    answered = sum(1 for n in scale.items if n in keyed)
    return ScaleScore(scale.key, scale.label, score, answered, len(scale.items), scale.band_for(score))


def critical_flags(instrument: Instrument, raw: Mapping[int, int]) -> tuple[CriticalFlag, ...]:
    return tuple(
        CriticalFlag(rule.item, raw[rule.item], rule.level, rule.label)
        for rule in instrument.critical
        if raw.get(rule.item) is not None and raw[rule.item] >= rule.min_value
    )


def validity_flags(
    instrument: Instrument,
    raw: Mapping[int, int],
    total: ScaleScore,
    *,
    age: int | None,
    seconds: float | None,
) -> tuple[ValidityFlag, ...]:
    checks = {
        ValidityCode.SPEEDING: is_speeding(len(raw), seconds),
        ValidityCode.STRAIGHTLINING: is_straightlining(instrument, raw),
        ValidityCode.INCONSISTENT: is_inconsistent(instrument, raw),
        ValidityCode.TOO_MANY_MISSING: not total.complete,
        ValidityCode.AGE_OUTSIDE_RANGE: age is not None and not instrument.age_in_range(age),
    }
    return tuple(ValidityFlag(code) for code, fired in checks.items() if fired)
