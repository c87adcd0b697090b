from __future__ import annotations

import pytest

from screening.scoring.context import FACTORS, MAX_SCORE, ContextError, context_score


def test_no_factors_give_zero():
    result = context_score({})
    assert (result.score, result.factors, result.capped) == (0, (), False)


@pytest.mark.parametrize(
    ("key", "points"),
    [
        ("both_parents_away", 1),
        ("no_capable_adult", 3),
        ("contact_less_than_monthly", 2),
        ("separated_before_3", 1),
        ("bullied_last_term", 2),
        ("low_social_support", 2),
        ("sleep_onset_problems", 1),
        ("caregiver_elderly_or_ill", 1),
    ],
)
def test_each_factor_scores_its_published_points(key, points):
    result = context_score({key: True})
    assert result.score == points
    assert [(f.key, f.points) for f in result.factors] == [(key, points)]


def test_the_score_comes_with_its_factors_and_chinese_labels():
    result = context_score(
        {"both_parents_away": True, "bullied_last_term": True, "low_social_support": False}
    )
    assert result.score == 3
    assert [str(f.label) for f in result.factors] == ["父母双方均外出", "上学期受到欺凌"]


def test_boarding_counts_only_when_both_parents_are_away():
    assert context_score({"boarding": True}).score == 0
    assert context_score({"boarding": True, "both_parents_away": True}).score == 2


def test_the_unverified_caregiver_factor_says_so():
    factor = next(f for f in FACTORS if f.key == "caregiver_elderly_or_ill")
    assert not factor.verified
    assert "未经验证" in str(factor.label)


def test_every_factor_at_once_is_capped_at_twelve():
    result = context_score({f.key: True for f in FACTORS})
    assert result.score == MAX_SCORE == 12
    assert result.capped
    assert sum(f.points for f in result.factors) == 14


def test_unknown_factors_are_refused_in_chinese():
    with pytest.raises(ContextError, match="未知的关注度因素：poverty"):
        context_score({"poverty": True})


def test_factors_must_be_true_or_false():
    with pytest.raises(ContextError, match="true 或 false"):
        context_score({"both_parents_away": 1})
