"""The statistics of the trend pages, against known and hand-computed values (no database)."""

from __future__ import annotations

import math

import pytest

from screening.trends.statistics import (
    age_band,
    age_band_label,
    ewma,
    fit_beta_prior,
    funnel_limit,
    funnel_limits,
    outside,
    shrink,
    standardise,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (Wilson score, no correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(k, n)
    assert got == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_wilson_of_an_empty_unit_is_the_whole_range() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_direct_standardisation_weights_strata_by_the_reference_population() -> None:
    positives = {("10-11", "M"): 2, ("12-13", "M"): 5}
    screened = {("10-11", "M"): 10, ("12-13", "M"): 10}
    population = {("10-11", "M"): 300, ("12-13", "M"): 100, ("14+", "F"): 999}
    rate = standardise(positives, screened, population)
    # 0.75 * 0.2 + 0.25 * 0.5; variance 0.75^2 * 0.016 + 0.25^2 * 0.025 = 0.0105625.
    assert rate.rate == pytest.approx(0.275)
    assert rate.crude == pytest.approx(0.35)
    effective = 0.275 * 0.725 / 0.0105625
    assert (rate.low, rate.high) == pytest.approx(wilson_interval(0.275 * effective, effective))
    assert (rate.positives, rate.screened) == (7, 20)


def test_standardisation_without_reference_weights_falls_back_to_the_crude_rate() -> None:
    rate = standardise({"a": 3}, {"a": 12}, {})
    assert rate.rate == pytest.approx(0.25)
    assert (rate.low, rate.high) == wilson_interval(3, 12)


def test_age_bands_cover_every_age() -> None:
    assert [age_band(a) for a in (6, 9, 10, 11, 12, 13, 14, 15)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert [age_band_label(i) for i in range(4)] == ["≤9", "10-11", "12-13", "≥14"]


def test_shrinkage_by_the_method_of_moments() -> None:
    # mean 0.5; S = 1.8; sum(1 - w) = 1; sum((1 - w)(n - 1)) = 9; rho = (1.8 / 0.25 - 1) / 9.
    prior = fit_beta_prior([(2, 10), (8, 10)])
    rho = (1.8 / 0.25 - 1) / 9
    assert prior.mean == pytest.approx(0.5)
    assert prior.size == pytest.approx(1 / rho - 1)
    assert shrink([(2, 10), (8, 10)])[0] == pytest.approx((2 + 0.5 * (1 / rho - 1)) / (10 + 1 / rho - 1))


def test_small_schools_shrink_more_than_large_ones() -> None:
    counts = [(1, 4), (50, 200), (10, 200), (30, 100), (0, 3)]
    shrunk = shrink(counts)
    mean = 91 / 507
    small, large = shrunk[0], shrunk[1]
    assert abs(small - mean) < abs(0.25 - mean)
    assert abs(large - 0.25) < abs(small - 0.25)
    assert all(
        min(k / n, mean) - 1e-12 <= s <= max(k / n, mean) + 1e-12
        for (k, n), s in zip(counts, shrunk, strict=True)
    )


def test_without_between_school_variation_every_school_gets_the_pooled_rate() -> None:
    assert shrink([(10, 100), (10, 100), (1, 10)]) == [pytest.approx(21 / 210)] * 3
    assert math.isinf(fit_beta_prior([(3, 10)]).size)


def test_funnel_limits_approach_the_normal_limits_for_large_units() -> None:
    target, n = 0.2, 10_000
    half = 1.959964 * math.sqrt(target * (1 - target) / n)
    assert funnel_limit(target, n, 0.975) == pytest.approx(target + half, abs=2e-4)
    assert funnel_limit(target, n, 0.025) == pytest.approx(target - half, abs=2e-4)
    limits = funnel_limits(target, 500)
    lower95, upper95 = limits.limits[0.95]
    lower998, upper998 = limits.limits[0.998]
    assert all(a <= b for a, b in zip(upper95, upper998, strict=True))
    assert all(a >= b for a, b in zip(lower95, lower998, strict=True))
    assert upper95[-1] < upper95[len(upper95) // 2]
    assert limits.sizes[-1] == 500


def test_outliers_are_above_or_below_the_funnel() -> None:
    assert outside(0.2, 40, 100, 0.998) == 1
    assert outside(0.2, 2, 100, 0.998) == -1
    assert outside(0.2, 21, 100, 0.95) == 0


def test_ewma_alarms_when_the_rate_rises() -> None:
    points = ewma([(10, 100), (30, 100)], target=0.1)
    assert points[0].value == pytest.approx(0.1) and not points[0].alarm
    # z2 = 0.3 * 0.3 + 0.7 * 0.1; var2 = (0.49 + 1) * 0.09 * 0.09 / 100.
    assert points[1].value == pytest.approx(0.16)
    assert points[1].upper == pytest.approx(0.1 + 3 * math.sqrt(1.49 * 0.0081 / 100))
    assert points[1].alarm


def test_ewma_carries_over_a_term_without_screening() -> None:
    points = ewma([(10, 100), (0, 0), (10, 100)], target=0.1)
    assert points[1].value == points[0].value and not points[1].alarm
    assert [p.alarm for p in points] == [False, False, False]
