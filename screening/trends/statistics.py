"""Screening trends as statistics: standardised rates, intervals, shrinkage, funnel limits, EWMA. Pure.

A "positive" child is one whose screening gave YELLOW, ORANGE, RED or RED_ACUTE; GREY (an invalid
form to re-administer) counts in neither the numerator nor the denominator. Nothing here reads the
database; ``trends.data`` gathers the counts and ``trends.display`` builds the tables, with small
cells suppressed, for the pages in ``screening.views.trends``.

* Direct standardisation by age band x sex to a reference population (the county's registered
  children), with the variance sum(w^2 p (1-p) / n) and a Wilson interval on the effective sample size
  p (1-p) / variance. Strata without screened children are left out and the weights renormalised.
* Empirical-Bayes shrinkage of small schools' crude rates towards the pooled rate with a beta-binomial
  prior fitted by the method of moments (intra-class correlation from the weighted between-school
  variance).
* Funnel limits (Spiegelhalter 2005, Appendix A.1.1): exact binomial quantiles with interpolation,
  at 95% and 99.8%.
* EWMA over terms with exact time-varying limits for varying sample sizes; an upward alarm only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from scipy import stats

from screening.scoring.tiers import Tier

POSITIVE_TIERS = frozenset({Tier.YELLOW, Tier.ORANGE, Tier.RED, Tier.RED_ACUTE})
EXCLUDED_TIERS = frozenset({Tier.GREY})
# Age bands of the standardisation (inclusive bounds); screened pupils are about 9-15 years old.
AGE_BANDS: tuple[tuple[int, int], ...] = ((0, 9), (10, 11), (12, 13), (14, 200))
FUNNEL_LEVELS = (0.95, 0.998)
Z95 = float(stats.norm.ppf(0.975))
EWMA_LAMBDA = 0.3
EWMA_L = 3.0

S = TypeVar("S")


def age_band(age: int) -> int:
    """Index of the age band holding ``age``."""
    for index, (low, high) in enumerate(AGE_BANDS):
        if low <= age <= high:
            return index
    raise ValueError(age)


def age_band_label(index: int) -> str:
    low, high = AGE_BANDS[index]
    if low == 0:
        return f"≤{high}"
    if high >= 200:
        return f"≥{low}"
    return f"{low}-{high}"


# --- intervals -----------------------------------------------------------------------------------


def wilson_interval(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n (n may be an effective, fractional size)."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


# --- direct standardisation ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    positives: int
    screened: int
    rate: float  # standardised (or crude, when no stratum has a reference weight)
    low: float
    high: float

    @property
    def crude(self) -> float:
        return self.positives / self.screened if self.screened else 0.0


def standardise(
    positives: Mapping[S, int], screened: Mapping[S, int], population: Mapping[S, float], z: float = Z95
) -> Rate:
    """Directly standardised rate over strata (e.g. (age band, sex)) to the reference ``population``."""
    strata = [s for s, n in screened.items() if n > 0 and population.get(s, 0) > 0]
    k_total, n_total = sum(positives.get(s, 0) for s in screened), sum(screened.values())
    if not strata:
        low, high = wilson_interval(k_total, n_total, z)
        return Rate(k_total, n_total, k_total / n_total if n_total else 0.0, low, high)
    weight_total = sum(population[s] for s in strata)
    rate = variance = 0.0
    for s in strata:
        w, n = population[s] / weight_total, screened[s]
        p = positives.get(s, 0) / n
        rate += w * p
        variance += w * w * p * (1 - p) / n
    effective = rate * (1 - rate) / variance if variance > 0 else float(n_total)
    low, high = wilson_interval(rate * effective, effective, z)
    return Rate(k_total, n_total, rate, low, high)


# --- empirical-Bayes shrinkage -------------------------------------------------------------------


@dataclass(frozen=True)
class BetaPrior:
    """Beta(mean * size, (1 - mean) * size); an infinite size means no between-unit variation."""

    mean: float
    size: float

    @property
    def alpha(self) -> float:
        return self.mean * self.size

    @property
    def beta(self) -> float:
        return (1 - self.mean) * self.size

    def posterior_mean(self, k: int, n: int) -> float:
        if math.isinf(self.size):
            return self.mean
        return (k + self.alpha) / (n + self.size)


def fit_beta_prior(counts: Sequence[tuple[int, int]]) -> BetaPrior:
    """Method-of-moments beta-binomial prior from (positives, screened) per unit.

    With weights w_i = n_i / N and S = sum n_i (p_i - m)^2, E[S] = m(1-m) sum (1-w_i)(1 + (n_i-1) rho),
    solved for the intra-class correlation rho (clipped to [0, 1)); then alpha + beta = 1/rho - 1.
    """
    units = [(k, n) for k, n in counts if n > 0]
    total = sum(n for _k, n in units)
    if not units or total == 0:
        return BetaPrior(0.0, math.inf)
    mean = sum(k for k, _n in units) / total
    if len(units) < 2 or mean in (0.0, 1.0):
        return BetaPrior(mean, math.inf)
    spread = sum(n * (k / n - mean) ** 2 for k, n in units)
    base = sum(1 - n / total for _k, n in units)
    slope = sum((1 - n / total) * (n - 1) for _k, n in units)
    rho = (spread / (mean * (1 - mean)) - base) / slope if slope > 0 else 0.0
    if rho <= 0:
        return BetaPrior(mean, math.inf)
    rho = min(rho, 1 - 1e-9)
    return BetaPrior(mean, 1 / rho - 1)


def shrink(counts: Sequence[tuple[int, int]]) -> list[float]:
    """Posterior mean rate of every unit under the fitted prior (same order as ``counts``)."""
    prior = fit_beta_prior(counts)
    return [prior.posterior_mean(k, n) if n > 0 else prior.mean for k, n in counts]


# --- funnel plot ---------------------------------------------------------------------------------


def funnel_limit(target: float, n: int, probability: float) -> float:
    """The ``probability`` quantile of the observed proportion among n when the true rate is ``target``.

    Spiegelhalter (2005), A.1.1: r_p = binomial quantile; the step is interpolated so limits are smooth.
    """
    if n <= 0:
        return float("nan")
    r = float(stats.binom.ppf(probability, n, target))
    below = float(stats.binom.cdf(r - 1, n, target)) if r > 0 else 0.0
    at = float(stats.binom.cdf(r, n, target))
    alpha = (at - probability) / (at - below) if at > below else 0.0
    return max(0.0, min(1.0, (r - alpha) / n))


@dataclass(frozen=True)
class FunnelLimits:
    sizes: tuple[int, ...]
    limits: dict[float, tuple[tuple[float, ...], tuple[float, ...]]]  # level -> (lower, upper)


def funnel_limits(target: float, max_n: int, levels: Sequence[float] = FUNNEL_LEVELS) -> FunnelLimits:
    sizes = tuple(
        sorted({*np.unique(np.geomspace(1, max(1, max_n), 60).astype(int)).tolist(), max(1, max_n)})
    )
    limits = {}
    for level in levels:
        tail = (1 - level) / 2
        lower = tuple(funnel_limit(target, n, tail) for n in sizes)
        upper = tuple(funnel_limit(target, n, 1 - tail) for n in sizes)
        limits[level] = (lower, upper)
    return FunnelLimits(sizes, limits)


def outside(target: float, k: int, n: int, level: float) -> int:
    """+1 above the upper limit, -1 below the lower one, 0 inside."""
    tail = (1 - level) / 2
    p = k / n
    if p > funnel_limit(target, n, 1 - tail):
        return 1
    if p < funnel_limit(target, n, tail):
        return -1
    return 0


# --- EWMA ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EwmaPoint:
    value: float
    upper: float
    alarm: bool


def ewma(
    counts: Sequence[tuple[int, int]], target: float, lam: float = EWMA_LAMBDA, width: float = EWMA_L
) -> list[EwmaPoint]:
    """EWMA of the positive rate per term, started at ``target``; alarm when it rises above its limit.

    z_t = lam x_t + (1 - lam) z_{t-1}; Var z_t = lam^2 sum_j (1 - lam)^(2(t-j)) target (1 - target) / n_j.
    A term without screened children carries the previous value forward.
    """
    points = []
    value, variance = target, 0.0
    sigma2 = target * (1 - target)
    for k, n in counts:
        if n > 0:
            value = lam * (k / n) + (1 - lam) * value
            variance = (1 - lam) ** 2 * variance + lam**2 * sigma2 / n
        upper = target + width * math.sqrt(variance)
        points.append(EwmaPoint(value, upper, n > 0 and value > upper))
    return points
