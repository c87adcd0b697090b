"""The synthetic answer generator (test and demo data only): realistic rates, reverse keys, careless forms.

Pure functions: no database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest

from screening.demo import synthetic
from screening.demo.synthetic import Profile, SyntheticScreening, sample_profiles, simulate_screenings
from screening.scoring.context import context_score
from screening.scoring.instruments import get_instrument
from screening.scoring.scores import ScoreResult, score_answers
from screening.scoring.tiers import Tier, assign_tier
from screening.scoring.validity import ValidityCode

SAMPLE = 20_000
RAISED = {Tier.YELLOW, Tier.ORANGE, Tier.RED, Tier.RED_ACUTE}


@dataclass
class Scored:
    screening: SyntheticScreening
    results: list[ScoreResult]
    tier: Tier


@pytest.fixture(scope="module")
def county() -> list[Scored]:
    scored = []
    for s in simulate_screenings(sample_profiles(SAMPLE, seed=11), seed=12):
        results = [
            score_answers(get_instrument(f.code, f.version), f.answers, age=s.profile.age, seconds=f.seconds)
            for f in s.forms
        ]
        tier = assign_tier(results, context_score(s.profile.context_factors()).score).tier
        scored.append(Scored(s, results, tier))
    return scored


def share(flags: list[bool]) -> float:
    return sum(flags) / len(flags)


def test_the_generator_says_it_makes_synthetic_data_only() -> None:
    assert "Test and demo data only" in (synthetic.__doc__ or "")


def test_the_same_seed_gives_the_same_answers_and_another_seed_other_answers() -> None:
    profiles = sample_profiles(200, seed=1)
    first, again, other = (simulate_screenings(profiles, seed) for seed in (5, 5, 6))
    assert first == again
    assert [s.forms for s in first] != [s.forms for s in other]
    assert sample_profiles(200, seed=1) == profiles


def test_each_age_answers_the_pair_validated_for_it() -> None:
    assert [i.code for i in synthetic.instruments_for_age(7)] == []
    for age in range(8, 13):
        assert [i.code for i in synthetic.instruments_for_age(age)] == ["DSRSC", "SCARED-41"]
    for age in range(13, 17):
        assert [i.code for i in synthetic.instruments_for_age(age)] == ["PHQ-9", "GAD-7"]
    for age in range(8, 17):
        assert all(i.age_in_range(age) for i in synthetic.instruments_for_age(age))


def test_about_a_quarter_of_children_need_follow_up_and_few_are_orange(county: list[Scored]) -> None:
    tiers = Counter(s.tier for s in county)
    assert 0.20 <= sum(tiers[t] for t in RAISED) / len(county) <= 0.30
    assert 0.05 <= tiers[Tier.ORANGE] / len(county) <= 0.10
    assert 0.02 <= tiers[Tier.GREY] / len(county) <= 0.10


def test_phq9_item_9_is_positive_in_about_5_percent_of_adolescents(county: list[Scored]) -> None:
    item9 = [
        any(f.item == 9 for f in r.critical)
        for s in county if s.screening.profile.age >= 13
        for r in s.results if r.code == "PHQ-9"
    ]
    assert len(item9) > 5000
    assert 0.03 <= share(item9) <= 0.07


def test_5_to_10_percent_answer_carelessly_and_every_careless_form_is_flagged(county: list[Scored]) -> None:
    careless = [s for s in county if s.screening.careless]
    assert 0.05 <= len(careless) / len(county) <= 0.10
    assert {s.screening.careless for s in careless} == {"straight", "random"}
    assert all(not r.is_valid for s in careless for r in s.results)
    assert all(ValidityCode.SPEEDING in {f.code for f in r.validity} for s in careless for r in s.results)
    straight_dsrsc = [r for s in careless if s.screening.careless == "straight" for r in s.results
                      if r.code == "DSRSC"]
    assert straight_dsrsc
    assert all(ValidityCode.STRAIGHTLINING in {f.code for f in r.validity} for r in straight_dsrsc)


def test_careful_children_give_valid_forms_with_a_few_missing_answers(county: list[Scored]) -> None:
    careful = [r for s in county if not s.screening.careless for r in s.results]
    assert share([r.is_valid for r in careful]) >= 0.99
    items = sum(len(get_instrument(r.code, r.version).items) for r in careful)
    missing = sum(len(r.missing_items) for r in careful) / items
    assert 0.005 <= missing <= 0.02


def test_reverse_keyed_items_fall_as_severity_rises() -> None:
    dsrsc = get_instrument("DSRSC", "1")
    profiles = [p for p in sample_profiles(6000, seed=3) if dsrsc in synthetic.instruments_for_age(p.age)]
    careful = [s for s in simulate_screenings(profiles, seed=4) if not s.careless]
    theta = np.array([s.theta for s in careful])
    for item in dsrsc.items:
        raw = np.array([next(f for f in s.forms if f.code == "DSRSC").answers.get(item.number, np.nan)
                        for s in careful], dtype=np.float64)
        seen = ~np.isnan(raw)
        r = np.corrcoef(theta[seen], raw[seen])[0, 1]
        if item.number in dsrsc.reverse_keyed:
            assert r < -0.15, f"item {item.number}: r = {r:.2f}"
        else:
            assert r > 0.15, f"item {item.number}: r = {r:.2f}"


def test_depression_and_anxiety_totals_correlate_like_one_severity(county: list[Scored]) -> None:
    pairs = [
        ({r.code: r.total.score for r in s.results}) for s in county
        if not s.screening.careless and s.screening.profile.age >= 13
    ]
    phq, gad = zip(*[(p["PHQ-9"], p["GAD-7"]) for p in pairs if None not in p.values()], strict=True)
    assert 0.5 <= np.corrcoef(phq, gad)[0, 1] <= 0.95


def test_risks_on_the_childs_file_raise_the_latent_severity() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    settled = synthetic.latent_severity([Profile(age=12, sex="M", contact="weekly")] * n, rng)
    alone = Profile(age=12, sex="M", both_parents_away=True, self_care=True, contact="never")
    exposed = synthetic.latent_severity([alone] * n, rng)
    # theta > 0 follows proportional odds: the odds ratio is that of the risks, whatever the cut.
    odds = [np.mean(t > 0) / np.mean(t <= 0) for t in (settled, exposed)]
    expected = 1.25 * 2.0 * 3.0
    assert expected / 1.6 <= odds[1] / odds[0] <= expected * 1.6
    assert exposed.mean() > settled.mean() + 1.0


def test_an_instrument_without_a_calibrated_model_is_refused() -> None:
    with pytest.raises(synthetic.NoItemModel):
        synthetic.item_parameters(get_instrument("SDQ", "1"))
