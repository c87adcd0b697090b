"""Hand-computed cases from the published scoring rules, one block per instrument."""

from __future__ import annotations

import pytest

from screening.scoring.instruments import get_instrument
from screening.scoring.instruments.base import CriticalLevel
from screening.scoring.scores import AnswerError, prorate, score_answers
from screening.scoring.validity import ValidityCode

from .helpers import same, spread

PHQ9 = get_instrument("PHQ-9")
GAD7 = get_instrument("GAD-7")
ASQ = get_instrument("ASQ")
CESDC = get_instrument("CES-DC")
DSRSC = get_instrument("DSRSC")
SCARED = get_instrument("SCARED-41")
SDQ = get_instrument("SDQ")
CLS = get_instrument("CLS")


def codes(result):
    return {f.code for f in result.validity}


# --- proration arithmetic -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "answered", "n_items", "expected"),
    [(4, 3, 5, 7), (2, 4, 5, 3), (1, 4, 5, 1), (3, 4, 5, 4), (8, 8, 9, 9), (4, 8, 9, 5), (7, 7, 7, 7)],
)
def test_prorating_scales_up_and_rounds_halves_up(total, answered, n_items, expected):
    # 4 of 3 answered SDQ items -> 6.67 -> 7 is the worked example of the SDQ scoring sheet.
    assert prorate(total, answered, n_items) == expected


# --- PHQ-9 ------------------------------------------------------------------------------------


def test_phq9_total_is_the_plain_sum():
    answers = dict(zip(range(1, 10), [1, 2, 0, 3, 1, 0, 2, 1, 0], strict=True))
    result = score_answers(PHQ9, answers)
    assert result.total.score == 10
    assert result.total.band is not None and result.total.band.key == "moderate"
    assert result.critical == ()


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (24, "severe"),
    ],
)
def test_phq9_bands_change_exactly_at_5_10_15_and_20(total, band):
    answers = {**spread(total, range(1, 9), 3), 9: 0}
    assert score_answers(PHQ9, answers).bands["total"].key == band


def test_phq9_with_one_item_missing_is_prorated():
    answers = {n: 1 for n in range(1, 9)}  # item 9 missing: 8 * 9 / 8
    result = score_answers(PHQ9, answers)
    assert result.total.score == 9
    assert result.total.prorated
    assert result.missing_items == (9,)


def test_phq9_with_two_items_missing_is_incomplete_never_zero():
    result = score_answers(PHQ9, {n: 0 for n in range(1, 8)})
    assert result.total.score is None
    assert result.bands == {}
    assert result.incomplete_scales == ("total",)
    assert ValidityCode.TOO_MANY_MISSING in codes(result)


def test_phq9_item_9_at_one_is_critical_whatever_else_is_missing():
    result = score_answers(PHQ9, {9: 1})
    assert [(f.item, f.value, f.level) for f in result.critical] == [(9, 1, CriticalLevel.CRITICAL)]


def test_phq9_item_9_at_zero_is_not_critical():
    assert score_answers(PHQ9, {n: 0 for n in range(1, 10)}).critical == ()


# --- GAD-7 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands_change_exactly_at_5_10_and_15(total, band):
    assert score_answers(GAD7, spread(total, range(1, 8), 3)).bands["total"].key == band


def test_gad7_prorates_one_missing_item_and_not_two():
    assert score_answers(GAD7, {n: 1 for n in range(1, 7)}).total.score == 7
    assert score_answers(GAD7, spread(5, range(1, 7), 3)).total.score == 6  # 5 * 7 / 6 = 5.83
    assert score_answers(GAD7, {n: 1 for n in range(1, 6)}).total.score is None


def test_gad7_has_no_critical_item():
    assert score_answers(GAD7, same(range(1, 8), 3)).critical == ()


# --- ASQ --------------------------------------------------------------------------------------


def test_asq_all_no_is_a_negative_screen():
    result = score_answers(ASQ, same(range(1, 5), 0))
    assert result.total.score == 0
    assert result.bands["total"].key == "negative"
    assert result.critical == ()
    assert result.missing_items == ()


def test_asq_any_yes_is_positive_and_critical():
    result = score_answers(ASQ, {1: 0, 2: 1, 3: 0, 4: 0})
    assert result.bands["total"].key == "positive"
    assert [(f.item, f.level) for f in result.critical] == [(2, CriticalLevel.CRITICAL)]


def test_asq_acuity_yes_is_acute():
    result = score_answers(ASQ, {1: 1, 2: 0, 3: 0, 4: 0, 5: 1})
    assert {(f.item, f.level) for f in result.critical} == {
        (1, CriticalLevel.CRITICAL),
        (5, CriticalLevel.ACUTE),
    }


def test_asq_with_an_unanswered_question_is_incomplete_not_negative():
    result = score_answers(ASQ, {1: 0, 2: 0, 3: 0})
    assert result.total.score is None
    assert result.missing_items == (4,)


# --- CES-DC -----------------------------------------------------------------------------------

CESDC_REVERSE = (4, 8, 12, 16)
CESDC_FORWARD = tuple(n for n in range(1, 21) if n not in CESDC_REVERSE)


def test_cesdc_reverse_keys_items_4_8_12_16():
    # forward items all 1 (16 points); positive items answered 3 = "a lot" score 0.
    answers = {**same(CESDC_FORWARD, 1), **same(CESDC_REVERSE, 3)}
    assert score_answers(CESDC, answers).total.score == 16
    answers = {**same(CESDC_FORWARD, 1), **same(CESDC_REVERSE, 0)}
    assert score_answers(CESDC, answers).total.score == 28


@pytest.mark.parametrize(("total", "band"), [(15, "below_cutoff"), (16, "positive")])
def test_cesdc_is_positive_above_15(total, band):
    answers = {**spread(total, CESDC_FORWARD, 1), **same(CESDC_REVERSE, 3)}
    assert score_answers(CESDC, answers).bands["total"].key == band


def test_cesdc_prorates_up_to_four_missing_items_of_twenty():
    answers = {**same(CESDC_FORWARD[:12], 1), **same(CESDC_REVERSE, 3)}  # 16 answered, 12 points
    assert score_answers(CESDC, answers).total.score == 15  # 12 * 20 / 16
    answers = {**same(CESDC_FORWARD[:11], 1), **same(CESDC_REVERSE, 3)}  # 15 answered
    assert score_answers(CESDC, answers).total.score is None


# --- DSRSC ------------------------------------------------------------------------------------

DSRSC_REVERSE = (1, 2, 4, 7, 8, 9, 11, 12, 13, 16)


def test_dsrsc_reverse_keys_and_cutoff_edges():
    # Positive items answered 1 (1 point each: 10); symptoms 3 and 5 answered 2 (4 points).
    answers = {**same(DSRSC_REVERSE, 1), **same((3, 5, 6, 10, 14, 15, 17, 18), 0), 3: 2, 5: 2}
    result = score_answers(DSRSC, answers)
    assert result.total.score == 14
    assert result.bands["total"].key == "below_cutoff"
    assert result.critical == ()
    result = score_answers(DSRSC, {**answers, 10: 1})
    assert result.total.score == 15
    assert result.bands["total"].key == "positive"
    assert [(f.item, f.level) for f in result.critical] == [(10, CriticalLevel.CRITICAL)]


def test_dsrsc_positive_items_answered_never_score_the_maximum():
    answers = {**same(DSRSC_REVERSE, 0), **same((3, 5, 6, 10, 14, 15, 17, 18), 0)}
    assert score_answers(DSRSC, answers).total.score == 20


# --- SCARED-41 --------------------------------------------------------------------------------


def scared_answers(panic: int, gad: int, separation: int, social: int, school: int) -> dict[int, int]:
    values = dict(
        zip(
            (
                "panic_somatic",
                "generalized_anxiety",
                "separation_anxiety",
                "social_anxiety",
                "school_avoidance",
            ),
            (panic, gad, separation, social, school),
            strict=True,
        )
    )
    return {n: values[s.key] for s in SCARED.subscales for n in s.items}


def test_scared_subscales_are_sums_of_their_items():
    result = score_answers(SCARED, scared_answers(1, 2, 0, 1, 2))
    scores = {s.key: s.score for s in result.subscales}
    assert scores == {
        "panic_somatic": 13,
        "generalized_anxiety": 18,
        "separation_anxiety": 0,
        "social_anxiety": 7,
        "school_avoidance": 8,
    }
    assert result.total.score == 46
    assert result.bands["total"].key == "high"
    positive = {key for key, band in result.bands.items() if band.key == "positive"}
    assert positive == {"panic_somatic", "generalized_anxiety", "school_avoidance"}


@pytest.mark.parametrize(
    ("total", "band"), [(22, "below_cutoff"), (23, "positive"), (29, "positive"), (30, "high")]
)
def test_scared_total_bands_follow_the_chinese_norm_and_the_severe_cutoff(total, band):
    assert score_answers(SCARED, spread(total, range(1, 42), 2)).bands["total"].key == band


@pytest.mark.parametrize(
    ("key", "items", "cutoff"),
    [
        ("panic_somatic", 13, 7),
        ("generalized_anxiety", 9, 9),
        ("separation_anxiety", 8, 5),
        ("social_anxiety", 7, 8),
        ("school_avoidance", 4, 3),
    ],
)
def test_scared_subscale_cutoffs(key, items, cutoff):
    scale = next(s for s in SCARED.subscales if s.key == key)
    below = {**same(range(1, 42), 0), **spread(cutoff - 1, scale.items, 2)}
    at = {**same(range(1, 42), 0), **spread(cutoff, scale.items, 2)}
    assert len(scale.items) == items
    assert score_answers(SCARED, below).bands[key].key == "below_cutoff"
    assert score_answers(SCARED, at).bands[key].key == "positive"


def test_scared_missing_school_item_leaves_that_subscale_incomplete_but_the_total_prorated():
    answers = scared_answers(1, 1, 1, 1, 1)
    del answers[2]
    result = score_answers(SCARED, answers)
    assert result.subscale("school_avoidance").score is None
    assert result.total.score == 41  # 40 * 41 / 40
    assert result.total.prorated
    assert result.incomplete_scales == ("school_avoidance",)


# --- SDQ self-report --------------------------------------------------------------------------

SDQ_EXAMPLE = {
    3: 2,
    8: 1,
    13: 0,
    16: 1,
    24: 0,  # emotional 4
    5: 1,
    7: 2,
    12: 0,
    18: 0,
    22: 1,  # conduct: item 7 reversed -> 0 + 1 + 1 = 2
    2: 2,
    10: 1,
    15: 1,
    21: 0,
    25: 1,  # hyperactivity: 21 reversed -> 2, 25 -> 1 = 7
    6: 0,
    11: 2,
    14: 1,
    19: 1,
    23: 0,  # peer: 11 -> 0, 14 -> 1 = 2
    1: 2,
    4: 2,
    9: 1,
    17: 2,
    20: 2,  # prosocial 9
}


def test_sdq_subscales_apply_the_five_reverse_keys():
    result = score_answers(SDQ, SDQ_EXAMPLE)
    scores = {s.key: s.score for s in result.subscales}
    assert scores == {"emotional": 4, "conduct": 2, "hyperactivity": 7, "peer": 2, "prosocial": 9}


def test_sdq_total_difficulties_excludes_prosocial():
    result = score_answers(SDQ, SDQ_EXAMPLE)
    assert result.total.score == 15
    assert result.bands["total"].key == "borderline"
    no_prosocial = score_answers(SDQ, {**SDQ_EXAMPLE, 1: 0, 4: 0, 9: 0, 17: 0, 20: 0})
    assert no_prosocial.total.score == 15
    assert no_prosocial.subscale("prosocial").score == 0


@pytest.mark.parametrize(
    ("total", "band"),
    [(14, "normal"), (15, "borderline"), (17, "borderline"), (18, "abnormal"), (40, "abnormal")],
)
def test_sdq_total_bands_follow_the_chinese_norm(total, band):
    forward = [n for n in SDQ.total.items if n not in SDQ.reverse_keyed]
    # Reverse-keyed items answered 2 score 0; answered 0 they score 2 each (10 in all).
    reversed_raw, reversed_points = (2, 0) if total <= 30 else (0, 10)
    answers = {
        **same(range(1, 26), 0),
        **same(SDQ.reverse_keyed, reversed_raw),
        **spread(total - reversed_points, forward, 2),
    }
    assert score_answers(SDQ, answers).bands["total"].key == band


def test_sdq_subscale_with_three_of_five_answered_is_prorated():
    answers = {**SDQ_EXAMPLE}
    del answers[16], answers[24]  # emotional keeps 2, 1, 0 -> 3 * 5 / 3 = 5
    result = score_answers(SDQ, answers)
    assert result.subscale("emotional").score == 5
    assert result.subscale("emotional").prorated
    assert result.total.score == 16


def test_sdq_subscale_with_two_of_five_answered_is_incomplete_and_so_is_the_total():
    answers = {**SDQ_EXAMPLE}
    del answers[13], answers[16], answers[24]
    result = score_answers(SDQ, answers)
    assert result.subscale("emotional").score is None
    assert result.total.score is None
    assert set(result.incomplete_scales) == {"total", "emotional"}


def test_sdq_incomplete_prosocial_does_not_touch_the_total():
    answers = {**SDQ_EXAMPLE}
    del answers[1], answers[4], answers[9]
    result = score_answers(SDQ, answers)
    assert result.subscale("prosocial").score is None
    assert result.total.score == 15


def test_sdq_item_19_is_a_notice_not_a_critical_item():
    result = score_answers(SDQ, SDQ_EXAMPLE)
    assert [(f.item, f.level) for f in result.critical] == [(19, CriticalLevel.NOTICE)]


# --- Children's Loneliness Scale --------------------------------------------------------------

CLS_FILLERS = (2, 5, 7, 11, 13, 15, 19, 23)
CLS_OPPOSITE = (1, 4, 8, 10, 16, 22)
CLS_LONELY = (3, 6, 9, 12, 14, 17, 18, 20, 21, 24)


def test_loneliness_sums_sixteen_items_with_six_mirrored():
    answers = {**same(CLS_LONELY, 2), **same(CLS_OPPOSITE, 4), **same(CLS_FILLERS, 5)}
    result = score_answers(CLS, answers)
    assert result.total.score == 32  # 10 * 2 + 6 * (6 - 4)
    assert result.bands == {}


def test_loneliness_fillers_are_ignored():
    base = {**same(CLS_LONELY, 2), **same(CLS_OPPOSITE, 4)}
    scores = {score_answers(CLS, {**base, **same(CLS_FILLERS, v)}).total.score for v in range(1, 6)}
    assert scores == {32}
    assert score_answers(CLS, base).total.score == 32
    assert score_answers(CLS, base).missing_items == ()


def test_loneliness_range_is_16_to_80():
    lowest = score_answers(CLS, {**same(CLS_LONELY, 1), **same(CLS_OPPOSITE, 5)})
    highest = score_answers(CLS, {**same(CLS_LONELY, 5), **same(CLS_OPPOSITE, 1)})
    assert (lowest.total.score, highest.total.score) == (16, 80)


# --- bad input --------------------------------------------------------------------------------


def test_out_of_range_answers_raise_a_chinese_error_naming_each_item():
    with pytest.raises(AnswerError) as caught:
        score_answers(PHQ9, {1: 4, 2: -1, 3: 1})
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert "第1题的答案 4 无效" in message
    assert "第2题的答案 -1 无效" in message


def test_unknown_items_and_non_integer_answers_are_errors():
    with pytest.raises(AnswerError) as caught:
        score_answers(PHQ9, {10: 1, 1: True, 2: 1.5})  # type: ignore[dict-item]
    assert len(caught.value.problems) == 3
    assert "第10题不存在" in str(caught.value)


def test_a_typo_elsewhere_never_hides_a_critical_answer():
    with pytest.raises(AnswerError) as caught:
        score_answers(PHQ9, {1: 7, 9: 2})
    assert [f.item for f in caught.value.critical] == [9]
    assert "关键条目" in str(caught.value)


def test_none_means_unanswered():
    assert score_answers(PHQ9, {n: None for n in range(1, 10)}).missing_items == tuple(range(1, 10))
