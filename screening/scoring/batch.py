"""Score many forms at once, for imports: one row per form, one column per item.

Missing answers are NaN. Results equal those of ``scoring.score_answers`` row by row (a
property test holds the two together): incomplete scores are NaN, band keys are "" when there
is no band. Every bad cell is reported at once, with its row and item, before anything is scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _

from lbc.text import join_clauses
from screening.scoring.instruments.base import Instrument, Scale
from screening.scoring.validity import (
    INCONSISTENCY_MIN_PER_DIRECTION,
    SPEEDING_SECONDS_PER_ITEM,
    STRAIGHTLINE_MIN_ITEMS,
    ValidityCode,
)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class BadCell:
    row: int  # index into the array, from 0
    item: int
    message: str


class BatchAnswerError(ValueError):
    """Every cell that cannot be scored; the message is Chinese, one entry per cell."""

    def __init__(self, cells: Sequence[BadCell]) -> None:
        self.cells = tuple(cells)
        super().__init__(join_clauses(_("第%(row)d行：%(message)s") % {"row": c.row + 1, "message": c.message}
                                  for c in self.cells))


@dataclass(frozen=True)
class BatchResult:
    code: str
    version: str
    scores: dict[str, Floats]  # "total" and subscale keys; NaN when incomplete
    answered: dict[str, Ints]
    bands: dict[str, npt.NDArray[np.object_]]  # band key per row, "" when none
    critical: dict[int, Bools]  # by item number
    validity: dict[ValidityCode, Bools]
    missing: Bools  # (rows, items): a required item was not answered


def answers_array(instrument: Instrument, rows: Sequence[Mapping[int, int | None]]) -> Floats:
    """Rows of {item: value} as an array; NaN for missing answers. Unknown items are bad cells."""
    out = np.full((len(rows), len(instrument.items)), np.nan)
    bad: list[BadCell] = []
    for r, row in enumerate(rows):
        for item, value in row.items():
            if item not in instrument.item_numbers:
                bad.append(BadCell(r, item, _("第%(item)s题不存在") % {"item": item}))
            elif isinstance(value, bool) or not isinstance(value, int | float | None):
                bad.append(BadCell(r, item, _("第%(item)s题的答案不是数字") % {"item": item}))
            elif value is not None:
                out[r, item - 1] = value
    if bad:
        raise BatchAnswerError(bad)
    return out


def find_bad_cells(instrument: Instrument, answers: Floats) -> tuple[BadCell, ...]:
    bad: list[BadCell] = []
    for item in instrument.items:
        column = answers[:, item.number - 1]
        allowed = np.array([o.value for o in item.options], dtype=np.float64)
        for r in np.flatnonzero(~np.isnan(column) & ~np.isin(column, allowed)):
            message = _("第%(item)d题的答案 %(value)s 无效（应为 %(low)d-%(high)d 的整数）") % {
                "item": item.number, "value": f"{column[r]:g}", "low": item.min_value, "high": item.max_value,
            }
            bad.append(BadCell(int(r), item.number, message))
    return tuple(sorted(bad, key=lambda c: (c.row, c.item)))


def score_batch(
    instrument: Instrument,
    answers: npt.ArrayLike,
    *,
    ages: npt.ArrayLike | None = None,
    seconds: npt.ArrayLike | None = None,
) -> BatchResult:
    raw = _as_matrix(instrument, answers)
    bad = find_bad_cells(instrument, raw)
    if bad:
        raise BatchAnswerError(bad)
    present = ~np.isnan(raw)
    values = np.where(present, raw, 0).astype(np.int64)
    keyed = _keyed(instrument, values)
    scores: dict[str, Floats] = {}
    answered: dict[str, Ints] = {}
    for scale in instrument.subscales:
        scores[scale.key], answered[scale.key] = _scale(scale, keyed, present)
    scores["total"], answered["total"] = _total(instrument, keyed, present, scores)
    return BatchResult(
        code=instrument.code,
        version=instrument.version,
        scores=scores,
        answered=answered,
        bands={s.key: _bands(s, scores[s.key]) for s in (instrument.total, *instrument.subscales) if s.bands},
        critical={r.item: present[:, r.item - 1] & (values[:, r.item - 1] >= r.min_value)
                  for r in instrument.critical},
        validity=_validity(instrument, values, present, scores["total"],
                           ages=_column(ages, raw), seconds=_column(seconds, raw)),
        missing=~present & np.array([i.required for i in instrument.items]),
    )


def _as_matrix(instrument: Instrument, answers: npt.ArrayLike) -> Floats:
    raw = np.asarray(answers, dtype=np.float64)
    if raw.ndim != 2 or raw.shape[1] != len(instrument.items):
        count = len(instrument.items)
        raise ValueError(_("答案表应为每行一份问卷、每列一题，共%(count)d列") % {"count": count})
    return raw


def _column(values: npt.ArrayLike | None, raw: Floats) -> Floats:
    if values is None:
        return np.full(raw.shape[0], np.nan)
    return np.asarray(values, dtype=np.float64).reshape(raw.shape[0])


def _cols(items: Sequence[int]) -> list[int]:
    return [n - 1 for n in items]


def _keyed(instrument: Instrument, values: Ints) -> Ints:
    keyed = values.copy()
    for n in instrument.reverse_keyed:
        item = instrument.item(n)
        keyed[:, n - 1] = item.min_value + item.max_value - values[:, n - 1]
    return keyed


def _scale(scale: Scale, keyed: Ints, present: Bools) -> tuple[Floats, Ints]:
    cols = _cols(scale.items)
    answered = present[:, cols].sum(axis=1).astype(np.int64)
    sums = np.where(present[:, cols], keyed[:, cols], 0).sum(axis=1)
    n_items, safe = len(cols), np.maximum(answered, 1)
    prorated = (2 * sums * n_items + safe) // (2 * safe)
    return np.where(answered >= scale.required_answers, prorated, np.nan), answered


def _total(
    instrument: Instrument, keyed: Ints, present: Bools, scores: dict[str, Floats]
) -> tuple[Floats, Ints]:
    if not instrument.total_from_subscales:
        return _scale(instrument.total, keyed, present)
    total = np.sum([scores[k] for k in instrument.total_from_subscales], axis=0)
    answered = present[:, _cols(instrument.total.items)].sum(axis=1).astype(np.int64)
    return total, answered


def _bands(scale: Scale, scores: Floats) -> npt.NDArray[np.object_]:
    out = np.full(scores.shape, "", dtype=object)
    for band in scale.bands:
        out[(scores >= band.low) & (scores <= band.high)] = band.key
    return out


def _validity(
    instrument: Instrument, values: Ints, present: Bools, total: Floats, *, ages: Floats, seconds: Floats
) -> dict[ValidityCode, Bools]:
    answered = present.sum(axis=1)
    too_fast = seconds < SPEEDING_SECONDS_PER_ITEM * answered
    return {
        ValidityCode.SPEEDING: ~np.isnan(seconds) & (answered > 0) & too_fast,
        ValidityCode.STRAIGHTLINING: _straightlining(instrument, values, present),
        ValidityCode.INCONSISTENT: _inconsistent(instrument, values, present),
        ValidityCode.TOO_MANY_MISSING: np.isnan(total),
        ValidityCode.AGE_OUTSIDE_RANGE: _age_outside(instrument, ages),
    }


def _straightlining(instrument: Instrument, values: Ints, present: Bools) -> Bools:
    items = instrument.total.items
    rows = values.shape[0]
    if len(items) < STRAIGHTLINE_MIN_ITEMS or not instrument.reverse_keyed & set(items):
        return np.zeros(rows, dtype=bool)
    cols = _cols(items)
    shown, seen = values[:, cols], present[:, cols]
    lowest = np.where(seen, shown, np.iinfo(np.int64).max).min(axis=1)
    highest = np.where(seen, shown, np.iinfo(np.int64).min).max(axis=1)
    fired: Bools = (seen.sum(axis=1) >= STRAIGHTLINE_MIN_ITEMS) & (lowest == highest)
    return fired


def _inconsistent(instrument: Instrument, values: Ints, present: Bools) -> Bools:
    items = instrument.total.items
    first = instrument.item(items[0])
    low, high = first.min_value, first.max_value
    halves = []
    for reverse in (False, True):
        cols = _cols([n for n in items if (n in instrument.reverse_keyed) == reverse])
        count = present[:, cols].sum(axis=1)
        total = np.where(present[:, cols], values[:, cols], 0).sum(axis=1)
        top = 4 * total >= (4 * low + 3 * (high - low)) * count
        bottom = 4 * total <= (4 * low + (high - low)) * count
        halves.append((count >= INCONSISTENCY_MIN_PER_DIRECTION, top, bottom))
    (enough_f, top_f, bottom_f), (enough_r, top_r, bottom_r) = halves
    fired: Bools = enough_f & enough_r & ((top_f & top_r) | (bottom_f & bottom_r))
    return fired


def _age_outside(instrument: Instrument, ages: Floats) -> Bools:
    low, high = instrument.age_range
    known = ~np.isnan(ages)
    too_young = ages < low if low is not None else np.zeros(ages.shape, dtype=bool)
    too_old = ages > high if high is not None else np.zeros(ages.shape, dtype=bool)
    return known & (too_young | too_old)
