"""Tiers per SCREENING.md section 2, from hand-built answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from screening.scoring.instruments import get_instrument
from screening.scoring.scores import ScoreResult, score_answers
from screening.scoring.tiers import (
    DEFAULT_THRESHOLDS,
    Disclosure,
    Thresholds,
    Tier,
    assign_tier,
    neutral_label,
)

from .helpers import same, spread

PHQ9 = get_instrument("PHQ-9")


def phq9(answers: dict[int, int], **kwargs: float) -> ScoreResult:
    return score_answers(PHQ9, answers, **kwargs)  # type: ignore[arg-type]


def phq9_total(total: int) -> ScoreResult:
    return phq9({**spread(total, range(1, 9), 3), 9: 0})


def total_of(code: str, total: int, high: int) -> ScoreResult:
    inst = get_instrument(code)
    return score_answers(inst, spread(total, inst.total.items, high))


def tier(*results: ScoreResult, context: int = 0, **kwargs: object) -> Tier:
    return assign_tier(list(results), context, **kwargs).tier  # type: ignore[arg-type]


# --- acceptance ---------------------------------------------------------------------------------


def test_phq9_item_9_at_one_with_a_total_of_three_is_red():
    result = phq9({1: 1, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 1})
    assert result.total.score == 3
    assert tier(result) == Tier.RED


def test_the_same_critical_answer_with_every_other_item_blank_is_still_red():
    result = phq9({9: 1})
    assert not result.is_valid
    assert tier(result) == Tier.RED


def test_a_critical_item_on_a_speeded_form_is_still_red():
    result = phq9(same(range(1, 10), 1), seconds=3)
    assert not result.is_valid
    assert tier(result) == Tier.RED


def test_asq_acuity_yes_is_red_acute():
    asq = score_answers(get_instrument("ASQ"), {1: 1, 2: 0, 3: 0, 4: 0, 5: 1})
    decision = assign_tier([asq], 0)
    assert decision.tier == Tier.RED_ACUTE
    assert decision.deadline.delta == timedelta(0)


def test_any_asq_yes_is_red():
    asq = score_answers(get_instrument("ASQ"), {1: 0, 2: 0, 3: 0, 4: 1})
    assert tier(asq) == Tier.RED


def test_dsrsc_item_10_is_red():
    dsrsc = score_answers(get_instrument("DSRSC"), {10: 1})
    assert tier(dsrsc) == Tier.RED


def test_a_stated_plan_is_red_acute_and_disclosed_self_harm_is_red():
    calm = phq9_total(0)
    assert tier(calm, disclosure=Disclosure.PLAN_OR_ATTEMPT) == Tier.RED_ACUTE
    assert tier(calm, disclosure=Disclosure.SELF_HARM) == Tier.RED


def test_red_keeps_the_score_findings_among_its_reasons():
    result = phq9({**spread(16, range(1, 9), 3), 9: 1})
    decision = assign_tier([result], 0)
    assert decision.tier == Tier.RED
    assert decision.reasons[0].startswith("PHQ-9第9题")
    assert any("总分 17" in r for r in decision.reasons)


# --- score tiers ----------------------------------------------------------------------------------


def scored_total(code: str, total: int) -> ScoreResult:
    # PHQ-9 keeps item 9 at 0 so that no critical item interferes.
    return phq9_total(total) if code == "PHQ-9" else total_of(code, total, 3 if code == "GAD-7" else 2)


@pytest.mark.parametrize(
    ("code", "yellow", "orange"), [("PHQ-9", 10, 15), ("GAD-7", 10, 15), ("SCARED-41", 23, 30)]
)
def test_moderate_is_yellow_and_severe_is_orange(code, yellow, orange):
    assert tier(scored_total(code, yellow - 1)) == Tier.GREEN
    assert tier(scored_total(code, yellow)) == Tier.YELLOW
    assert tier(scored_total(code, orange - 1)) == Tier.YELLOW
    assert tier(scored_total(code, orange)) == Tier.ORANGE


def test_positive_cesdc_dsrsc_and_abnormal_sdq_are_yellow():
    cesdc = get_instrument("CES-DC")
    forward = [n for n in cesdc.item_numbers if n not in cesdc.reverse_keyed]
    below = score_answers(cesdc, {**spread(15, forward, 1), **same(cesdc.reverse_keyed, 3)})
    above = score_answers(cesdc, {**spread(16, forward, 1), **same(cesdc.reverse_keyed, 3)})
    assert (tier(below), tier(above)) == (Tier.GREEN, Tier.YELLOW)
    dsrsc = get_instrument("DSRSC")
    symptoms = (3, 5, 6, 14, 15, 17, 18)
    answers = {**same(dsrsc.reverse_keyed, 1), **same(symptoms, 0), 10: 0, 3: 2, 5: 2, 6: 1}
    dsrsc_15 = score_answers(dsrsc, answers)
    assert dsrsc_15.total.score == 15 and tier(dsrsc_15) == Tier.YELLOW
    sdq = get_instrument("SDQ")
    forward = [n for n in sdq.total.items if n not in sdq.reverse_keyed and n != 19]
    for total, expected in ((17, Tier.GREEN), (18, Tier.YELLOW)):
        answers = {**same(range(1, 26), 0), **same(sdq.reverse_keyed, 2), **spread(total, forward, 2)}
        assert tier(score_answers(sdq, answers)) == expected


def test_a_moderate_band_with_a_context_score_of_five_is_orange():
    assert tier(phq9_total(11), context=4) == Tier.YELLOW
    decision = assign_tier([phq9_total(11)], 5)
    assert decision.tier == Tier.ORANGE
    assert "关注度 5 ≥ 5" in decision.reasons


def test_the_context_score_alone_never_raises_a_tier():
    assert tier(phq9_total(3), context=12) == Tier.GREEN


def test_the_sdq_bullying_notice_does_not_raise_the_tier():
    sdq = get_instrument("SDQ")
    answers = {**same(range(1, 26), 0), **same(sdq.reverse_keyed, 2), 19: 2, 3: 1}
    result = score_answers(sdq, answers)
    assert [f.item for f in result.critical] == [19]
    assert tier(result) == Tier.GREEN


def test_loneliness_never_sets_a_tier():
    cls = get_instrument("CLS")
    lonely = [n for n in cls.total.items if n not in cls.reverse_keyed]
    result = score_answers(cls, {**same(lonely, 5), **same(cls.reverse_keyed, 1), 3: 4})
    assert result.total.score == 79
    assert tier(result) == Tier.GREEN


# --- invalid forms -----------------------------------------------------------------------------


def test_an_invalid_form_without_critical_items_is_grey():
    decision = assign_tier([phq9(same(range(1, 10), 0), seconds=2)], 0)
    assert decision.tier == Tier.GREY
    assert "作答过快" in decision.reasons[0]
    assert decision.deadline.delta == timedelta(days=14)


def test_an_incomplete_form_is_grey_not_green():
    assert tier(phq9({1: 0, 2: 0})) == Tier.GREY


def test_an_invalid_form_never_hides_a_valid_moderate_result():
    invalid = phq9(same(range(1, 10), 0), seconds=1)
    gad7 = total_of("GAD-7", 10, 3)
    decision = assign_tier([invalid, gad7], 0)
    assert decision.tier == Tier.YELLOW
    assert any("作答无效" in r for r in decision.reasons)


def test_an_invalid_severe_score_does_not_count_as_severe():
    speeded = phq9({**spread(20, range(1, 9), 3), 9: 0}, seconds=5)
    assert tier(speeded) == Tier.GREY


def test_nothing_to_score_is_grey():
    assert tier() == Tier.GREY


# --- actions, deadlines, labels, thresholds ---------------------------------------------------


def test_each_tier_has_a_chinese_action_and_deadline():
    red = assign_tier([phq9({9: 2})], 0)
    assert red.deadline.school_days == 0
    assert "当天" in red.action
    orange = assign_tier([phq9_total(15)], 0)
    assert orange.deadline.school_days == 3 and "3个教学日" in orange.action
    yellow = assign_tier([phq9_total(10)], 0)
    assert yellow.deadline.delta == timedelta(days=14) and "复筛" in yellow.action


def test_green_rescreens_each_term_when_the_context_score_is_five_or_more():
    assert "每年" in assign_tier([phq9_total(0)], 4).action
    assert "每学期" in assign_tier([phq9_total(0)], 5).action


def test_head_teachers_and_volunteers_only_see_neutral_labels():
    assert neutral_label(Tier.GREEN) == "常规关注"
    for t in Tier:
        label = neutral_label(t)
        assert label in {"常规关注", "需跟进"}
        assert not any(word in label for word in ("高危", "风险", "问题", "红", "危"))


def test_a_county_can_raise_the_phq9_cutoff_to_the_adolescent_value():
    county = Thresholds(phq9_moderate=11)
    assert assign_tier([phq9_total(10)], 0, county).tier == Tier.GREEN
    assert assign_tier([phq9_total(11)], 0, county).tier == Tier.YELLOW
    assert assign_tier([phq9_total(10)], 0, DEFAULT_THRESHOLDS).tier == Tier.YELLOW


def test_a_county_can_change_deadlines():
    county = Thresholds(orange_school_days=2)
    decision = assign_tier([phq9_total(15)], 0, county)
    assert decision.deadline.school_days == 2 and "2个教学日" in decision.action


def test_thresholds_with_moderate_above_severe_are_refused():
    with pytest.raises(ValueError, match="中度界值"):
        Thresholds(phq9_moderate=16)


def test_a_context_score_outside_0_to_12_is_refused():
    with pytest.raises(ValueError, match="0-12"):
        assign_tier([phq9_total(0)], 13)
