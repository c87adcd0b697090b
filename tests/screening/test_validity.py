"""Response validity (SCREENING.md section 4), with the rules as defined in screening.scoring.validity."""

from __future__ import annotations

from screening.scoring.instruments import get_instrument
from screening.scoring.scores import score_answers
from screening.scoring.validity import ValidityCode

from .helpers import same

PHQ9 = get_instrument("PHQ-9")
CESDC = get_instrument("CES-DC")
DSRSC = get_instrument("DSRSC")
CLS = get_instrument("CLS")
SCARED = get_instrument("SCARED-41")

CLS_OPPOSITE = (1, 4, 8, 10, 16, 22)
CLS_LONELY = (3, 6, 9, 12, 14, 17, 18, 20, 21, 24)


def codes(result):
    return {f.code for f in result.validity}


def test_a_form_finished_in_under_two_seconds_per_item_is_speeding():
    answers = same(range(1, 10), 1)
    assert codes(score_answers(PHQ9, answers, seconds=17.9)) == {ValidityCode.SPEEDING}
    assert codes(score_answers(PHQ9, answers, seconds=18)) == set()
    assert codes(score_answers(PHQ9, answers)) == set()


def test_speeding_counts_only_the_answered_items():
    answers = same(range(1, 9), 1)
    assert ValidityCode.SPEEDING not in codes(score_answers(PHQ9, answers, seconds=16))
    assert ValidityCode.SPEEDING in codes(score_answers(PHQ9, answers, seconds=15.9))


def test_identical_answers_on_a_scale_with_reverse_keys_are_straightlining():
    result = score_answers(CESDC, same(range(1, 21), 1))
    assert ValidityCode.STRAIGHTLINING in codes(result)
    assert not result.is_valid


def test_identical_answers_without_reverse_keys_are_not_straightlining():
    assert codes(score_answers(PHQ9, same(range(1, 10), 3))) == set()
    assert ValidityCode.STRAIGHTLINING not in codes(score_answers(SCARED, same(range(1, 42), 0)))


def test_straightlining_needs_eight_answers():
    seven = same((1, 2, 3, 4, 5, 6, 7), 1)
    assert ValidityCode.STRAIGHTLINING not in codes(score_answers(DSRSC, seven))
    eight = same((1, 2, 3, 4, 5, 6, 7, 8), 1)
    assert ValidityCode.STRAIGHTLINING in codes(score_answers(DSRSC, eight))


def test_agreeing_with_both_directions_is_inconsistent():
    # Lonely statements and their opposites both answered at the top of the scale, not all equal.
    answers = {**same(CLS_LONELY, 5), **same(CLS_OPPOSITE, 4), 3: 4}
    assert codes(score_answers(CLS, answers)) == {ValidityCode.INCONSISTENT}


def test_denying_both_directions_is_inconsistent():
    answers = {**same(CLS_LONELY, 1), **same(CLS_OPPOSITE, 2), 3: 2}
    assert codes(score_answers(CLS, answers)) == {ValidityCode.INCONSISTENT}


def test_answers_that_follow_the_keys_are_consistent():
    answers = {**same(CLS_LONELY, 5), **same(CLS_OPPOSITE, 1), 3: 4}
    assert codes(score_answers(CLS, answers)) == set()


def test_inconsistency_needs_three_answers_in_each_direction():
    answers = {**same(CLS_LONELY, 5), 1: 5, 4: 5}
    assert ValidityCode.INCONSISTENT not in codes(score_answers(CLS, answers))
    assert ValidityCode.INCONSISTENT in codes(score_answers(CLS, {**answers, 8: 5}))


def test_too_many_missing_items_invalidate_the_form():
    result = score_answers(PHQ9, {1: 2})
    assert codes(result) == {ValidityCode.TOO_MANY_MISSING}
    assert not result.is_valid


def test_an_age_outside_the_validated_range_is_a_caution_not_an_invalid_form():
    result = score_answers(PHQ9, same(range(1, 10), 0), age=11)
    assert codes(result) == {ValidityCode.AGE_OUTSIDE_RANGE}
    assert result.is_valid
    assert score_answers(PHQ9, same(range(1, 10), 0), age=13).validity == ()


def test_validity_labels_are_chinese():
    result = score_answers(CESDC, same(range(1, 21), 1), seconds=1)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in f.label) for f in result.validity)
