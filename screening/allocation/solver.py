"""Who takes which open warning this week: an assignment problem solved with scipy. Pure: no database.

Every warning is one row; every responder contributes one column per free slot of the week (its
weekly capacity minus the cases it took on during the last seven days, counted by the service), and
every warning has one "nobody" column worth 0, so
the problem is always feasible and a warning is left out only when nothing better exists.
``scipy.optimize.linear_sum_assignment`` then maximises the sum of integer pair scores.

The score of giving warning w to responder h is lexicographic, built from whole numbers so that the
solver's float arithmetic is exact (every weight stays far below 2**53):

    RED_WEIGHT * [w is RED or RED_ACUTE] + ORANGE_WEIGHT * [w is ORANGE] + detail(w, h)
    detail = COVER_BONUS + urgency(w) - TRAVEL_WEIGHT * travel(w, h) + CONTINUITY_BONUS * [h knows w]
    urgency = (context score + 1) * min(waiting days, WAIT_CAP)

ORANGE_WEIGHT exceeds the sum of every ``detail`` that could be gained, and RED_WEIGHT exceeds every
ORANGE and detail gain together, so the solver first covers as many REDs as capacity allows, then as
many ORANGEs, then prefers urgent, long-waiting warnings, short trips and counsellors who already
know the child. COVER_BONUS exceeds the largest travel penalty, so covering a warning is always worth
more than leaving it out.

Eligibility: RED, RED_ACUTE and ORANGE only to qualified counsellors; GREY (re-administer in person)
to any counsellor; YELLOW and GREEN to any counsellor, or to a volunteer as a companionship task
under a supervising counsellor, who is named in the proposal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from screening.scoring.tiers import RED_TIERS, Tier

COUNSELLOR_ONLY = frozenset({Tier.RED_ACUTE, Tier.RED, Tier.ORANGE})  # and qualified
VOLUNTEER_TIERS = frozenset({Tier.YELLOW, Tier.GREEN})  # companionship, supervised

# Travel steps between two places without usable coordinates (see ``place_distance``).
SAME_SCHOOL, SAME_VILLAGE, SAME_TOWNSHIP, SAME_COUNTY, FURTHER = 0, 1, 2, 4, 8
KM_PER_STEP = 5.0  # with coordinates: one step per 5 km as the crow flies, rounded up
MAX_STEPS = 12

WAIT_CAP = 60  # days; a warning waiting longer is not more urgent than one waiting two months
MAX_CONTEXT = 12
TRAVEL_WEIGHT = 10
CONTINUITY_BONUS = 50
COVER_BONUS = TRAVEL_WEIGHT * MAX_STEPS + 1
MAX_DETAIL = COVER_BONUS + (MAX_CONTEXT + 1) * WAIT_CAP + CONTINUITY_BONUS


class Kind(StrEnum):
    COUNSELLOR = "counsellor"
    VOLUNTEER = "volunteer"


@dataclass(frozen=True)
class Place:
    """Where a child goes to school and lives, or where a responder is based."""

    school_id: int | None = None
    village_id: int | None = None
    township_id: int | None = None
    county_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class OpenWarning:
    id: int
    tier: str
    waiting_days: int
    context_score: int  # 0-12, orders warnings within a tier
    place: Place
    known_counsellors: frozenset[int] = frozenset()  # responder ids who already work with the child
    # Counsellors the warning may be assigned to (the assign service's rule: their school covers the
    # child); None: any counsellor.
    allowed_counsellors: frozenset[int] | None = None


@dataclass(frozen=True)
class Responder:
    id: int
    kind: Kind
    qualified: bool  # a counsellor trained for RED/ORANGE safety assessments
    capacity: int  # free slots this week
    place: Place
    supervisor_id: int | None = None  # a volunteer's own supervising counsellor, if fixed


@dataclass(frozen=True)
class ProposalRow:
    warning_id: int
    responder_id: int | None
    supervisor_id: int | None = None  # for a volunteer: the counsellor who supervises the task
    travel: int = 0
    continuity: bool = False


@dataclass(frozen=True)
class Weights:
    red: int
    orange: int


@dataclass(frozen=True)
class Proposal:
    rows: tuple[ProposalRow, ...]
    uncovered_reds: tuple[int, ...]  # RED/RED_ACUTE warning ids nobody could take
    objective: int
    weights: Weights


Distance = Callable[[Place, Place], int]


# --- distance ---------------------------------------------------------------------------------------


def haversine_km(a: Place, b: Place) -> float:
    assert a.latitude is not None and a.longitude is not None
    assert b.latitude is not None and b.longitude is not None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _same(x: int | None, y: int | None) -> bool:
    return x is not None and x == y


def place_distance(a: Place, b: Place) -> int:
    """Travel steps between two places (0 = no travel).

    Same school: 0. Otherwise, when both places have coordinates: one step per started 5 km (at least 1,
    at most 12). Without coordinates the region tree decides: same village 1, same township 2, same
    county 4, further 8.
    """
    if _same(a.school_id, b.school_id):
        return SAME_SCHOOL
    if None not in (a.latitude, a.longitude, b.latitude, b.longitude):
        return max(1, min(MAX_STEPS, math.ceil(haversine_km(a, b) / KM_PER_STEP)))
    if _same(a.village_id, b.village_id):
        return SAME_VILLAGE
    if _same(a.township_id, b.township_id):
        return SAME_TOWNSHIP
    if _same(a.county_id, b.county_id):
        return SAME_COUNTY
    return FURTHER


# --- eligibility and scores -------------------------------------------------------------------------


def eligible(warning: OpenWarning, responder: Responder) -> bool:
    if responder.kind == Kind.VOLUNTEER:
        return warning.tier in VOLUNTEER_TIERS
    if warning.allowed_counsellors is not None and responder.id not in warning.allowed_counsellors:
        return False
    if warning.tier in COUNSELLOR_ONLY:
        return responder.qualified
    return True


def supervisor_for(
    warning: OpenWarning, volunteer: Responder, counsellors: Sequence[Responder], distance: Distance
) -> int | None:
    """The counsellor supervising a volunteer's companionship task (one the warning may be assigned to).

    The volunteer's own supervisor if fixed and allowed; otherwise a counsellor who already knows the
    child, then the counsellor nearest to the child (lowest id on ties). Supervision takes no slot.
    """
    allowed = warning.allowed_counsellors
    if volunteer.supervisor_id is not None and (allowed is None or volunteer.supervisor_id in allowed):
        return volunteer.supervisor_id
    pool = [c for c in counsellors if allowed is None or c.id in allowed]
    if not pool:
        return None
    best = min(
        pool,
        key=lambda c: (c.id not in warning.known_counsellors, distance(warning.place, c.place), c.id),
    )
    return best.id


def urgency(warning: OpenWarning) -> int:
    context = max(0, min(MAX_CONTEXT, warning.context_score))
    return (context + 1) * max(0, min(WAIT_CAP, warning.waiting_days))


def detail_score(warning: OpenWarning, responder: Responder, distance: Distance) -> int:
    travel = min(MAX_STEPS, distance(warning.place, responder.place))
    continuity = CONTINUITY_BONUS if responder.id in warning.known_counsellors else 0
    return COVER_BONUS + urgency(warning) - TRAVEL_WEIGHT * travel + continuity


def weights_for(warnings: Sequence[OpenWarning]) -> Weights:
    """Tier weights large enough that the order RED > ORANGE > detail holds whatever the detail."""
    detail_total = MAX_DETAIL * len(warnings) + 1
    orange = detail_total
    oranges = sum(w.tier == Tier.ORANGE for w in warnings)
    red = orange * oranges + detail_total
    return Weights(red=red, orange=orange)


def pair_score(warning: OpenWarning, responder: Responder, weights: Weights, distance: Distance) -> int:
    tier_weight = (
        weights.red if warning.tier in RED_TIERS else weights.orange if warning.tier == Tier.ORANGE else 0
    )
    return tier_weight + detail_score(warning, responder, distance)


def candidates(
    warning: OpenWarning, responders: Sequence[Responder], distance: Distance = place_distance
) -> list[Responder]:
    """The responders who may take this warning (the choice list of a manual edit), nearest first.

    A volunteer is a candidate only when some counsellor can supervise the task.
    """
    counsellors = [r for r in responders if r.kind == Kind.COUNSELLOR]
    found = [
        r
        for r in responders
        if eligible(warning, r)
        and (r.kind == Kind.COUNSELLOR or supervisor_for(warning, r, counsellors, distance) is not None)
    ]
    return sorted(found, key=lambda r: (distance(warning.place, r.place), r.kind != Kind.COUNSELLOR, r.id))


# --- the solver ---------------------------------------------------------------------------------------


def allocate(
    warnings: Sequence[OpenWarning], responders: Sequence[Responder], distance: Distance = place_distance
) -> Proposal:
    """The best assignment of warnings to free responder slots under the objective in the module doc."""
    from scipy.optimize import linear_sum_assignment

    weights = weights_for(warnings)
    counsellors = [r for r in responders if r.kind == Kind.COUNSELLOR]
    supervisors = {
        (w.id, r.id): supervisor_for(w, r, counsellors, distance)
        for w in warnings
        for r in responders
        if r.kind == Kind.VOLUNTEER
    }
    slots = [r for r in responders for _slot in range(max(0, r.capacity))]
    n = len(warnings)
    # Columns: the responders' slots, then one "nobody" column per warning (score 0).
    score = np.zeros((n, len(slots) + n))
    forbidden = np.zeros(score.shape, dtype=bool)
    for i, w in enumerate(warnings):
        for j, r in enumerate(slots):
            allowed = eligible(w, r) and (r.kind == Kind.COUNSELLOR or supervisors[(w.id, r.id)] is not None)
            if allowed:
                score[i, j] = pair_score(w, r, weights, distance)
            else:
                forbidden[i, j] = True
    assert float(np.abs(score).max(initial=0)) * max(1, n) < 2**53, "weights would lose exactness"
    cost = np.where(forbidden, np.inf, -score)
    row_index, col_index = linear_sum_assignment(cost)
    chosen: dict[int, int] = dict(zip(row_index.tolist(), col_index.tolist(), strict=True))
    rows = []
    total = 0
    for i, w in enumerate(warnings):
        column = chosen.get(i)
        if column is None or column >= len(slots):
            rows.append(ProposalRow(w.id, None))
            continue
        r = slots[column]
        total += pair_score(w, r, weights, distance)
        rows.append(
            ProposalRow(
                w.id,
                r.id,
                supervisor_id=supervisors.get((w.id, r.id)) if r.kind == Kind.VOLUNTEER else None,
                travel=distance(w.place, r.place),
                continuity=r.id in w.known_counsellors,
            )
        )
    return Proposal(tuple(rows), uncovered_reds(warnings, rows), total, weights)


def uncovered_reds(warnings: Sequence[OpenWarning], rows: Sequence[ProposalRow]) -> tuple[int, ...]:
    taken = {row.warning_id for row in rows if row.responder_id is not None}
    return tuple(w.id for w in warnings if w.tier in RED_TIERS and w.id not in taken)


def objective(
    warnings: Sequence[OpenWarning],
    responders: Sequence[Responder],
    assignment: dict[int, int | None],
    distance: Distance = place_distance,
) -> int:
    """The objective of any assignment (warning id -> responder id or None), for checks and edits."""
    weights = weights_for(warnings)
    by_id = {r.id: r for r in responders}
    return sum(
        pair_score(w, by_id[rid], weights, distance)
        for w in warnings
        if (rid := assignment.get(w.id)) is not None
    )
