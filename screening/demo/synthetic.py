"""Synthetic screening answers for tests and the demo county. Test and demo data only: never real children.

Answers come from a graded-response (Samejima) model. Each child has a latent severity ``theta``
on the logistic scale::

    theta = INTERCEPT + sum(log odds ratio of each risk the child has) + age and sex terms + noise

with standard logistic noise, so that "theta > 0" follows a proportional-odds model in which every
risk multiplies the odds by its odds ratio (SCREENING.md sections 3 and 5). Besides the risks on
the child's file (both parents away, self-care, contact with parents, boarding, separation before
age 3), three risks that no registry holds are drawn with a plausible prevalence: bullying, low
social support and sleep-onset problems. Each form adds a small instrument-specific deviation, so
depression and anxiety scores correlate strongly but not perfectly.

Item j of an instrument answers at least k with probability ``logistic(a_j * (theta - b_jk))``.
Reverse-keyed items are generated on the keyed scale and mirrored, so their raw answers fall as
theta rises, exactly as a real child's would. Critical items (PHQ-9 item 9, DSRSC item 10) have
high first thresholds and are rare.

A share of children answer carelessly (straight-lining or random answers, completed far too
fast), so the validity checks fire; a few answers are missing at random.

The parameters are calibrated on ``sample_profiles`` (the demo county's mix of children in grades
4-9) with the default county thresholds, to land near these targets for a school screen: about
20-30% of children YELLOW or above, 5-10% ORANGE, PHQ-9 item 9 >= 1 in about 5% of adolescents,
5-10% careless responders. They are tuned numbers, not estimates, and the data they give are
synthetic: wherever they appear they must be labelled as such.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lbc.demo.constants import (
    BOARDING_SHARE,
    BOY_SHARE,
    CARE_SHARES,
    CONTACT_LONG_SEPARATION,
    CONTACT_USUAL,
    LONG_SEPARATION_SHARE,
    ONE_AWAY_SHARE,
)
from screening.assessments.recording import InstrumentAnswers
from screening.scoring.instruments import Instrument, get_instrument

Floats = npt.NDArray[np.float64]

# --- the latent severity ----------------------------------------------------------------------

# Odds ratios, as logs. [S3]/[S5]: SCREENING.md section 3/5. "assumed": no published figure here.
LOG_ODDS: Mapping[str, float] = {
    # 14.2% vs 11.7% depressive symptoms, both vs one parent away [S3, Shen 2015]: OR 1.25.
    "both_parents_away": math.log(1.25),
    "self_care": math.log(2.0),  # assumed: no capable adult at home
    "separated_before_3": math.log(1.3),  # assumed [S3: "higher anxiety/depression"]
    "boarding": math.log(1.2),  # assumed [S3: "more loneliness among boarders"]
    "female": math.log(1.4),  # assumed: adolescent girls report more symptoms
    "per_year_over_12": math.log(1.12),  # assumed: symptoms rise through adolescence
    "bullied": math.log(2.23),  # [S3, Feng 2024]
    "low_social_support": math.log(3.46),  # [S3, Shen 2015]
    "sleep_onset_problems": math.log(2.04),  # [S3]
}
# Contact with parents: every-half-year contact OR 7.32 [S3] has a very wide interval, so the
# odds ratios are shrunk towards 1 and graded by frequency.
CONTACT_LOG_ODDS: Mapping[str, float] = {
    "weekly": 0.0, "monthly": math.log(1.1), "quarterly": math.log(1.6), "yearly": math.log(2.4),
    "never": math.log(3.0),
}
# Prevalence of the risks no registry records (assumed).
HIDDEN_RISKS: Mapping[str, float] = {
    "bullied": 0.20, "low_social_support": 0.15, "sleep_onset_problems": 0.15,
}
INTERCEPT = -2.2
FORM_DEVIATION_SD = 0.5

# --- the item model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemModel:
    """Graded-response parameters of one instrument, on the theta scale above.

    Item j's thresholds are ``location + spread * wobble(j) + step * (k - 1)`` for k = 1..max, and
    its discrimination is ``discrimination * (1 + 0.15 * wobble(j + 7))``; ``rare`` gives the first
    threshold of items answered rarely (critical items)."""

    discrimination: float
    location: float
    step: float
    spread: float = 0.4
    rare: Mapping[int, float] | None = None


ITEM_MODELS: Mapping[str, ItemModel] = {
    "PHQ-9": ItemModel(discrimination=0.8, location=0.45, step=1.4, rare={9: 5.0}),
    "GAD-7": ItemModel(discrimination=0.8, location=0.35, step=1.25),
    "DSRSC": ItemModel(discrimination=0.8, location=0.05, step=2.0, rare={10: 4.7}),
    # 41 items: weak items, so that the total does not jump from "positive" (23) to "high" (30).
    "SCARED-41": ItemModel(discrimination=0.45, location=1.65, step=3.0),
}

# --- careless answering and missing answers ---------------------------------------------------

CARELESS_SHARE = 0.075
RANDOM_SHARE_OF_CARELESS = 0.25  # the rest straight-line
# The value a straight-liner repeats, as a share of the answer range: mostly the lowest.
STRAIGHT_LINE_LEVELS: Mapping[float, float] = {0.0: 0.85, 0.5: 0.10, 1.0: 0.05}
CARELESS_SECONDS_PER_ITEM = (0.5, 1.7)  # well below the 2 s per item speeding check
CAREFUL_SECONDS_PER_ITEM = (math.log(6.0), 0.35)  # log-normal: median 6 s per item
MISSING_SHARE = 0.01  # per item, careful responders


class NoItemModel(LookupError):
    """The generator has no calibrated parameters for this instrument."""


@dataclass(frozen=True)
class Profile:
    """What the generator knows of a child: the registry situation at the time of the screening."""

    age: int
    sex: str  # "M" or "F"
    both_parents_away: bool = False
    self_care: bool = False
    contact: str = "monthly"  # Child.ContactFrequency value
    boarding: bool = False
    separated_before_3: bool = False

    def context_factors(self) -> dict[str, bool]:
        """The context-score factors (screening.scoring.context) this profile states."""
        return {
            "both_parents_away": self.both_parents_away,
            "no_capable_adult": self.self_care,
            "contact_less_than_monthly": self.contact in ("quarterly", "yearly", "never"),
            "separated_before_3": self.separated_before_3,
            "boarding": self.boarding,
        }


@dataclass(frozen=True)
class SyntheticScreening:
    """One synthetic child's screening: the latent severity, how the child answered, and the forms."""

    profile: Profile
    theta: float
    careless: str | None  # None, "straight" or "random"
    forms: tuple[InstrumentAnswers, ...]


def instruments_for_age(age: int) -> tuple[Instrument, ...]:
    """The demo's pairs: PHQ-9 + GAD-7 where PHQ-9 is validated (13-17), else DSRSC + SCARED-41 (8-12)."""
    phq9, gad7 = get_instrument("PHQ-9", "1"), get_instrument("GAD-7", "1")
    if phq9.age_in_range(age) and gad7.age_in_range(age):
        return (phq9, gad7)
    dsrsc, scared = get_instrument("DSRSC", "1"), get_instrument("SCARED-41", "1")
    if dsrsc.age_in_range(age) and scared.age_in_range(age):
        return (dsrsc, scared)
    return ()


def latent_severity(profiles: Sequence[Profile], rng: np.random.Generator) -> Floats:
    """theta for each profile: log odds of its risks plus standard logistic noise."""
    n = len(profiles)
    linear = np.full(n, INTERCEPT)
    linear += _column(profiles, LOG_ODDS["both_parents_away"], lambda p: p.both_parents_away)
    linear += _column(profiles, LOG_ODDS["self_care"], lambda p: p.self_care)
    linear += _column(profiles, LOG_ODDS["separated_before_3"], lambda p: p.separated_before_3)
    linear += _column(profiles, LOG_ODDS["boarding"], lambda p: p.boarding)
    linear += _column(profiles, LOG_ODDS["female"], lambda p: p.sex == "F")
    linear += np.array([CONTACT_LOG_ODDS.get(p.contact, 0.0) for p in profiles])
    linear += LOG_ODDS["per_year_over_12"] * np.array([p.age - 12 for p in profiles], dtype=np.float64)
    for risk, prevalence in HIDDEN_RISKS.items():
        linear += LOG_ODDS[risk] * (rng.random(n) < prevalence)
    noise: Floats = rng.logistic(0.0, 1.0, n)
    return linear + noise


def _column(profiles: Sequence[Profile], log_odds: float, has: Callable[[Profile], bool]) -> Floats:
    return log_odds * np.array([has(p) for p in profiles], dtype=np.float64)


def _wobble(j: int) -> float:
    """A fixed, irregular value in [-1, 1] per item number, so items differ but never by chance."""
    return math.sin(2.399963 * j)


def item_parameters(instrument: Instrument) -> tuple[Floats, Floats]:
    """(discrimination per item, thresholds per item and category step) of the instrument's keyed answers."""
    model = ITEM_MODELS.get(instrument.code)
    if model is None:
        raise NoItemModel(f"no synthetic item model for {instrument.code}")
    steps = instrument.items[0].max_value - instrument.items[0].min_value
    a = np.array([model.discrimination * (1 + 0.15 * _wobble(i.number + 7)) for i in instrument.items])
    first = np.array([
        (model.rare or {}).get(i.number, model.location + model.spread * _wobble(i.number))
        for i in instrument.items
    ])
    b = first[:, None] + model.step * np.arange(steps)[None, :]
    return a, b


def graded_responses(instrument: Instrument, thetas: Floats, rng: np.random.Generator) -> Floats:
    """Raw answers (rows x items) of careful responders: keyed values from the GRM, reverse keys mirrored."""
    a, b = item_parameters(instrument)
    at_least = 1 / (1 + np.exp(-a[None, :, None] * (thetas[:, None, None] - b[None, :, :])))
    draw = rng.random((len(thetas), len(instrument.items), 1))
    keyed = (draw < at_least).sum(axis=2)
    low = np.array([i.min_value for i in instrument.items])
    high = np.array([i.max_value for i in instrument.items])
    reverse = np.array([i.number in instrument.reverse_keyed for i in instrument.items])
    raw = np.where(reverse[None, :], high - keyed, low + keyed)
    return raw.astype(np.float64)


def careless_responses(instrument: Instrument, styles: Sequence[str], rng: np.random.Generator) -> Floats:
    """Raw answers of careless responders: one repeated value, or uniformly random values."""
    low, high = instrument.items[0].min_value, instrument.items[0].max_value
    n, width = len(styles), len(instrument.items)
    random_rows = rng.integers(low, high + 1, size=(n, width)).astype(np.float64)
    levels = list(STRAIGHT_LINE_LEVELS)
    picks = rng.choice(len(levels), size=n, p=list(STRAIGHT_LINE_LEVELS.values()))
    straight = np.array([round(low + levels[k] * (high - low)) for k in picks], dtype=np.float64)
    is_random = np.array([s == "random" for s in styles])
    return np.where(is_random[:, None], random_rows, straight[:, None] * np.ones((1, width)))


def careless_styles(n: int, rng: np.random.Generator) -> list[str | None]:
    draws = rng.random(n)
    random_cut = CARELESS_SHARE * RANDOM_SHARE_OF_CARELESS
    return [("random" if d < random_cut else "straight") if d < CARELESS_SHARE else None for d in draws]


def simulate_forms(
    instrument: Instrument, thetas: Floats, careless: Sequence[str | None], rng: np.random.Generator
) -> tuple[Floats, Floats]:
    """(raw answers with NaN for missing, seconds taken) of one instrument for each row."""
    n, width = len(thetas), len(instrument.items)
    answers = graded_responses(instrument, thetas + rng.normal(0.0, FORM_DEVIATION_SD, n), rng)
    rows = [i for i, style in enumerate(careless) if style]
    if rows:
        answers[rows] = careless_responses(instrument, [str(careless[i]) for i in rows], rng)
    fast = np.array([bool(style) for style in careless])
    missing = (rng.random((n, width)) < MISSING_SHARE) & ~fast[:, None]
    answers[missing] = np.nan
    mean, sd = CAREFUL_SECONDS_PER_ITEM
    per_item = np.where(fast, rng.uniform(*CARELESS_SECONDS_PER_ITEM, n), rng.lognormal(mean, sd, n))
    return answers, np.round(per_item * width, 1)


def as_answers(row: Floats) -> dict[int, int]:
    """One row of raw answers as {item: value}, missing items left out."""
    return {n: int(v) for n, v in enumerate(row, start=1) if not math.isnan(v)}


def simulate_screenings(profiles: Sequence[Profile], seed: int) -> list[SyntheticScreening]:
    """Synthetic forms for each profile (the age-appropriate pair; none outside every age range).

    Deterministic: the same profiles and seed give the same answers."""
    rng = np.random.default_rng(seed)
    thetas = latent_severity(profiles, rng)
    careless = careless_styles(len(profiles), rng)
    forms: list[list[InstrumentAnswers]] = [[] for _ in profiles]
    by_instrument: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(profiles):
        for instrument in instruments_for_age(p.age):
            by_instrument.setdefault((instrument.code, instrument.version), []).append(i)
    for (code, version), rows in by_instrument.items():
        instrument = get_instrument(code, version)
        answers, seconds = simulate_forms(instrument, thetas[rows], [careless[i] for i in rows], rng)
        for k, i in enumerate(rows):
            forms[i].append(InstrumentAnswers(code, version, as_answers(answers[k]), float(seconds[k])))
    return [
        SyntheticScreening(p, float(thetas[i]), careless[i], tuple(forms[i])) for i, p in enumerate(profiles)
    ]


# --- a population like the demo county's -------------------------------------------------------

# Among children whose parents are both away: the long-separated ones (DESIGN.md "about 15%" of all).
_BOTH_AWAY = 1 - ONE_AWAY_SHARE - CARE_SHARES["other_parent"]
_LONG_SEPARATION = LONG_SEPARATION_SHARE / _BOTH_AWAY
# Boarding: primary pupils board at about half of the central schools; most junior pupils board.
_BOARDING_PRIMARY = BOARDING_SHARE["primary"][0] * 0.5
_BOARDING_JUNIOR = BOARDING_SHARE["junior"][1]


def sample_profiles(n: int, seed: int, ages: range = range(9, 16)) -> list[Profile]:
    """Profiles mixed like the children in grades 4-9 of the demo county (used to calibrate and test)."""
    rng = np.random.default_rng(seed)
    # Self-care only from age 10, with the county-wide share (about 4%) kept.
    self_care_share = CARE_SHARES["self"] * len(ages) / len([a for a in ages if a >= 10])
    profiles = []
    for _ in range(n):
        age = int(rng.integers(ages.start, ages.stop))
        self_care = age >= 10 and rng.random() < self_care_share
        one_away = not self_care and rng.random() < (ONE_AWAY_SHARE + CARE_SHARES["other_parent"])
        long_separation = not one_away and rng.random() < _LONG_SEPARATION
        contacts = CONTACT_LONG_SEPARATION if long_separation else CONTACT_USUAL
        contact = str(rng.choice(list(contacts), p=_normalised(contacts)))
        boarding = rng.random() < (_BOARDING_PRIMARY if age <= 12 else _BOARDING_JUNIOR)
        profiles.append(Profile(
            age=age, sex="M" if rng.random() < BOY_SHARE else "F", both_parents_away=not one_away,
            self_care=self_care, contact=contact, boarding=bool(boarding),
            separated_before_3=long_separation and rng.random() < 0.3,
        ))
    return profiles


def _normalised(weights: Mapping[str, float]) -> list[float]:
    total = sum(weights.values())
    return [w / total for w in weights.values()]
