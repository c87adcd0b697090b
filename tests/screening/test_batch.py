"""The NumPy batch scorer gives exactly what the reference scorer gives, for every instrument."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.scoring.batch import BatchAnswerError, BatchResult, answers_array, score_batch
from screening.scoring.instruments import Instrument, get_instrument, latest_instruments
from screening.scoring.scores import ScoreResult, score_answers

ROWS = settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def answer_row(draw: st.DrawFn, instrument: Instrument) -> dict[int, int | None]:
    values = [o.value for o in instrument.items[0].options]
    n = len(instrument.items)
    style = draw(st.sampled_from(["random", "constant", "extremes"]))
    if style == "constant":
        answers = [draw(st.sampled_from(values))] * n
    elif style == "extremes":
        answers = draw(st.lists(st.sampled_from([values[0], values[-1]]), min_size=n, max_size=n))
    else:
        answers = draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))
    missing = draw(st.sets(st.integers(1, n), max_size=n))
    return {i: (None if i in missing else answers[i - 1]) for i in range(1, n + 1)}


@st.composite
def forms(
    draw: st.DrawFn, instrument: Instrument
) -> list[tuple[dict[int, int | None], int | None, float | None]]:
    size = draw(st.integers(1, 6))
    ages = st.none() | st.integers(4, 20)
    seconds = st.none() | st.floats(0, 300, allow_nan=False, allow_infinity=False)
    return [(draw(answer_row(instrument)), draw(ages), draw(seconds)) for _ in range(size)]


def reference_row(result: ScoreResult) -> dict[str, Any]:
    return {
        "scores": {s.key: s.score for s in result.scales},
        "answered": {s.key: s.answered for s in result.scales},
        "bands": {s.key: s.band.key if s.band else "" for s in result.scales},
        "critical": {f.item for f in result.critical},
        "validity": {f.code for f in result.validity},
        "missing": set(result.missing_items),
    }


def batch_row(batch: BatchResult, i: int) -> dict[str, Any]:
    keys = list(batch.scores)
    return {
        "scores": {k: None if math.isnan(batch.scores[k][i]) else int(batch.scores[k][i]) for k in keys},
        "answered": {k: int(batch.answered[k][i]) for k in keys},
        "bands": {k: batch.bands[k][i] if k in batch.bands else "" for k in keys},
        "critical": {item for item, fired in batch.critical.items() if fired[i]},
        "validity": {code for code, fired in batch.validity.items() if fired[i]},
        "missing": {int(n) + 1 for n in np.flatnonzero(batch.missing[i])},
    }


def assert_batch_equals_reference(
    instrument: Instrument, rows: list[tuple[Any, int | None, float | None]]
) -> None:
    answers = answers_array(instrument, [r[0] for r in rows])
    ages = [np.nan if r[1] is None else r[1] for r in rows]
    seconds = [np.nan if r[2] is None else r[2] for r in rows]
    batch = score_batch(instrument, answers, ages=ages, seconds=seconds)
    for i, (row, age, secs) in enumerate(rows):
        expected = reference_row(score_answers(instrument, row, age=age, seconds=secs))
        assert batch_row(batch, i) == expected


def _property_test(instrument: Instrument) -> Any:
    @ROWS
    @given(rows=forms(instrument))
    def check(rows: list[tuple[Any, int | None, float | None]]) -> None:
        assert_batch_equals_reference(instrument, rows)

    return check


@pytest.mark.parametrize("instrument", latest_instruments(), ids=lambda i: i.code)
def test_batch_scores_equal_the_reference_scorer_for_random_answers(instrument):
    _property_test(instrument)()


def test_batch_reports_every_bad_cell_with_its_row_and_item():
    phq9 = get_instrument("PHQ-9")
    answers = np.full((3, 9), 0.0)
    answers[0, 2] = 4
    answers[2, 8] = 1.5
    answers[2, 0] = -1
    with pytest.raises(BatchAnswerError) as caught:
        score_batch(phq9, answers)
    cells = [(c.row, c.item) for c in caught.value.cells]
    assert cells == [(0, 3), (2, 1), (2, 9)]
    assert "第1行：第3题的答案 4 无效" in str(caught.value)
    assert "第3行：第9题的答案 1.5 无效" in str(caught.value)


def test_batch_refuses_unknown_items_when_building_the_array():
    with pytest.raises(BatchAnswerError, match="第12题不存在"):
        answers_array(get_instrument("GAD-7"), [{1: 0}, {12: 1}])


def test_batch_refuses_a_table_with_the_wrong_number_of_columns():
    with pytest.raises(ValueError, match="共9列"):
        score_batch(get_instrument("PHQ-9"), np.zeros((2, 8)))


def test_batch_scores_a_whole_grade_at_once():
    phq9 = get_instrument("PHQ-9")
    rows = [{n: 1 for n in range(1, 10)}, {9: 1}, {n: 3 for n in range(1, 10)}]
    batch = score_batch(phq9, answers_array(phq9, rows))
    assert np.isnan(batch.scores["total"][1])
    assert batch.scores["total"][[0, 2]].tolist() == [9.0, 27.0]
    assert batch.critical[9].tolist() == [True, True, True]
    assert batch.bands["total"].tolist() == ["mild", "", "severe"]
