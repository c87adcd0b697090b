"""Scoring the importable rows: NumPy batch scorer per instrument, then ``record_assessment``'s tier rules.

Each row's batch results are turned back into ``ScoreResult`` objects so ``assign_tier``,
``response_row`` and ``assessment_row`` are the very functions the single-child path uses.
Context factors come from the registry in two queries (children are already loaded; carers in bulk).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lbc.models import Child, Consent
from screening.assessments.recording import InstrumentAnswers, answer_factors, registry_factors
from screening.assessments.thresholds import thresholds_for
from screening.scoring.batch import BatchResult, score_batch
from screening.scoring.context import ContextScore, context_score
from screening.scoring.instruments import Instrument, get_instrument
from screening.scoring.scores import ScaleScore, ScoreResult, critical_flags
from screening.scoring.tiers import Thresholds, TierDecision, assign_tier
from screening.scoring.validity import ValidityFlag

from .matching import primary_carers
from .rows import RAISES_TIER, RowData


@dataclass(frozen=True)
class ScoredRow:
    row: int
    child: Child
    on: dt.date
    consent: Consent | None
    sources: tuple[InstrumentAnswers, ...]
    results: tuple[ScoreResult, ...]
    context: ContextScore
    decision: TierDecision

    @property
    def critical(self) -> bool:
        """Any critical flag, as ``record_assessment`` stores it (notices included)."""
        return any(r.critical for r in self.results)

    @property
    def raises_red(self) -> bool:
        """A critical answer that makes the tier RED or RED_ACUTE."""
        return any(f.level in RAISES_TIER for r in self.results for f in r.critical)


def score_rows(instrument_keys: Sequence[tuple[str, str]], rows: Sequence[RowData]) -> list[ScoredRow]:
    """Rows must be validated: matched to a child, dated and holding only valid answer codes."""
    if not rows:
        return []
    instruments = [get_instrument(code, version) for code, version in instrument_keys]
    sources = [row_sources(row, instruments) for row in rows]
    results = batch_results(instruments, rows, sources)
    carers = primary_carers(r.child.pk for r in rows if r.child is not None)
    limits: dict[int, Thresholds] = {}
    scored = []
    for row, answered, row_results in zip(rows, sources, results, strict=True):
        child, on = row.child, row.administered_on
        assert child is not None and on is not None
        if child.county_id not in limits:
            limits[child.county_id] = thresholds_for(child.county_id)
        factors = registry_factors(child, on, carers.get(child.pk, []))
        factors.update(answer_factors(answered))
        ctx = context_score(factors)
        decision = assign_tier(row_results, ctx.score, limits[child.county_id])
        scored.append(ScoredRow(row.row, child, on, row.consent, answered, row_results, ctx, decision))
    return scored


def row_sources(row: RowData, instruments: Sequence[Instrument]) -> tuple[InstrumentAnswers, ...]:
    """The instruments this row answered (at least one answer), in campaign order."""
    return tuple(
        InstrumentAnswers(
            i.code, i.version, dict(sorted(row.answers[i.code].items())), row.seconds.get(i.code)
        )
        for i in instruments
        if row.answers.get(i.code)
    )


def batch_results(
    instruments: Sequence[Instrument],
    rows: Sequence[RowData],
    sources: Sequence[tuple[InstrumentAnswers, ...]],
) -> list[tuple[ScoreResult, ...]]:
    """One ``score_batch`` call per instrument over the rows that answered it."""
    per_row: list[list[ScoreResult]] = [[] for _row in rows]
    for instrument in instruments:
        members = [
            (i, s) for i, answered in enumerate(sources) for s in answered if s.code == instrument.code
        ]
        if not members:
            continue
        answers = np.full((len(members), len(instrument.items)), np.nan)
        ages = np.empty(len(members))
        seconds = np.full(len(members), np.nan)
        for k, (i, source) in enumerate(members):
            for item, value in source.answers.items():
                answers[k, item - 1] = value
            child, on = rows[i].child, rows[i].administered_on
            assert child is not None and on is not None
            ages[k] = child.age_on(on)
            if source.seconds is not None:
                seconds[k] = source.seconds
        batch = score_batch(instrument, answers, ages=ages, seconds=seconds)
        for k, (i, source) in enumerate(members):
            per_row[i].append(result_at(instrument, batch, k, source))
    return [tuple(results) for results in per_row]


def result_at(instrument: Instrument, batch: BatchResult, k: int, source: InstrumentAnswers) -> ScoreResult:
    """Row ``k`` of a batch result as the ``ScoreResult`` that ``score_answers`` would return."""
    scales = {s.key: s for s in (instrument.total, *instrument.subscales)}

    def scale_score(key: str) -> ScaleScore:
        scale, raw = scales[key], batch.scores[key][k]
        score = None if math.isnan(raw) else int(raw)
        return ScaleScore(
            key, scale.label, score, int(batch.answered[key][k]), len(scale.items), scale.band_for(score)
        )

    answers = {n: v for n, v in source.answers.items() if v is not None}
    return ScoreResult(
        code=instrument.code,
        version=instrument.version,
        total=scale_score("total"),
        subscales=tuple(scale_score(s.key) for s in instrument.subscales),
        critical=critical_flags(instrument, answers),
        validity=tuple(ValidityFlag(code) for code, fired in batch.validity.items() if fired[k]),
        missing_items=tuple(int(n) + 1 for n in np.flatnonzero(batch.missing[k])),
    )
