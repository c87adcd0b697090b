"""The allocation solver against a brute-force optimum, and its rules (no database)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from screening.allocation.solver import (
    COUNSELLOR_ONLY,
    RED_TIERS,
    Kind,
    OpenWarning,
    Place,
    Proposal,
    Responder,
    allocate,
    candidates,
    eligible,
    objective,
    place_distance,
    supervisor_for,
)
from screening.scoring.tiers import Tier

TIERS = [Tier.RED_ACUTE, Tier.RED, Tier.ORANGE, Tier.YELLOW, Tier.GREEN, Tier.GREY]


def random_place(rng: random.Random, coordinates: bool = False) -> Place:
    township = rng.randint(1, 2)
    village = township * 10 + rng.randint(1, 2)
    school = village * 10 + rng.randint(1, 2)
    if coordinates:
        return Place(school, village, township, 1, 28 + rng.random() / 5, 111 + rng.random() / 5)
    return Place(school, village, township, 1)


def random_case(rng: random.Random, coordinates: bool = False) -> tuple[list[OpenWarning], list[Responder]]:
    responders = [
        Responder(
            id=100 + k,
            kind=rng.choice([Kind.COUNSELLOR, Kind.COUNSELLOR, Kind.VOLUNTEER]),
            qualified=rng.random() < 0.6,
            capacity=rng.randint(0, 2),
            place=random_place(rng, coordinates),
        )
        for k in range(rng.randint(1, 3))
    ]
    counsellor_ids = [r.id for r in responders if r.kind == Kind.COUNSELLOR]
    warnings = [
        OpenWarning(
            id=k,
            tier=rng.choice(TIERS),
            waiting_days=rng.randint(0, 90),
            context_score=rng.randint(0, 12),
            place=random_place(rng, coordinates),
            allowed_counsellors=frozenset(r.id for r in responders if rng.random() < 0.8) if k % 2 else None,
            known_counsellors=frozenset(
                rng.sample(counsellor_ids, k=min(len(counsellor_ids), rng.randint(0, 1)))
            ),
        )
        for k in range(rng.randint(1, 5))
    ]
    return warnings, responders


def feasible(w: OpenWarning, r: Responder, responders: list[Responder]) -> bool:
    counsellors = [c for c in responders if c.kind == Kind.COUNSELLOR]
    return eligible(w, r) and (
        r.kind == Kind.COUNSELLOR or supervisor_for(w, r, counsellors, place_distance) is not None
    )


def brute_force(warnings: list[OpenWarning], responders: list[Responder]) -> int:
    options = [[None, *(r for r in responders if feasible(w, r, responders))] for w in warnings]
    best = 0
    for choice in itertools.product(*options):
        load = Counter(r.id for r in choice if r is not None)
        if any(load[r.id] > r.capacity for r in responders):
            continue
        assignment = {w.id: (r.id if r is not None else None) for w, r in zip(warnings, choice, strict=True)}
        best = max(best, objective(warnings, responders, assignment))
    return best


def as_assignment(proposal: Proposal) -> dict[int, int | None]:
    return {row.warning_id: row.responder_id for row in proposal.rows}


@pytest.mark.parametrize("seed", range(300))
def test_it_reaches_the_brute_force_optimum_exactly(seed: int) -> None:
    rng = random.Random(seed)
    warnings, responders = random_case(rng, coordinates=seed % 3 == 0)
    proposal = allocate(warnings, responders)
    assert proposal.objective == brute_force(warnings, responders)
    assert proposal.objective == objective(warnings, responders, as_assignment(proposal))


@pytest.mark.parametrize("seed", range(300))
def test_it_respects_qualifications_and_capacities(seed: int) -> None:
    rng = random.Random(seed)
    warnings, responders = random_case(rng)
    proposal = allocate(warnings, responders)
    by_id = {r.id: r for r in responders}
    tiers = {w.id: w.tier for w in warnings}
    load = Counter(row.responder_id for row in proposal.rows if row.responder_id is not None)
    for rid, n in load.items():
        assert n <= by_id[rid].capacity
    for row in proposal.rows:
        if row.responder_id is None:
            continue
        r = by_id[row.responder_id]
        if tiers[row.warning_id] in COUNSELLOR_ONLY:
            assert r.kind == Kind.COUNSELLOR and r.qualified
        if r.kind == Kind.VOLUNTEER:
            assert tiers[row.warning_id] in {Tier.YELLOW, Tier.GREEN}
            assert by_id[row.supervisor_id].kind == Kind.COUNSELLOR  # type: ignore[index]
        else:
            assert row.supervisor_id is None
    # Every RED is covered whenever qualified capacity allows, and the rest are reported.
    reds = [w for w in warnings if w.tier in RED_TIERS]
    qualified = [r for r in responders if r.kind == Kind.COUNSELLOR and r.qualified]
    if all(w.allowed_counsellors is None for w in reds):
        assert len(proposal.uncovered_reds) == max(0, len(reds) - sum(r.capacity for r in qualified))
    covered = {row.warning_id for row in proposal.rows if row.responder_id is not None}
    assert set(proposal.uncovered_reds) == {w.id for w in reds if w.id not in covered}


def counsellor(id: int, *, qualified: bool = True, capacity: int = 1, school: int = 1) -> Responder:
    return Responder(id, Kind.COUNSELLOR, qualified, capacity, Place(school, 1, 1, 1))


def warning(id: int, tier: str, *, school: int = 1, waiting: int = 1, context: int = 0) -> OpenWarning:
    return OpenWarning(id, tier, waiting, context, Place(school, 1, 1, 1))


def test_it_covers_a_red_before_any_number_of_urgent_oranges() -> None:
    warnings = [
        warning(1, Tier.RED, school=9),
        *(warning(k, Tier.ORANGE, waiting=60, context=12) for k in range(2, 6)),
    ]
    proposal = allocate(warnings, [counsellor(100)])
    assert as_assignment(proposal)[1] == 100
    assert proposal.uncovered_reds == ()


def test_it_never_gives_red_or_orange_to_a_volunteer_or_an_unqualified_counsellor() -> None:
    volunteer = Responder(200, Kind.VOLUNTEER, True, 5, Place(1, 1, 1, 1))
    proposal = allocate(
        [warning(1, Tier.RED), warning(2, Tier.ORANGE), warning(3, Tier.RED_ACUTE)],
        [volunteer, counsellor(100, qualified=False, capacity=5)],
    )
    assert all(row.responder_id is None for row in proposal.rows)
    assert proposal.uncovered_reds == (1, 3)


def test_a_volunteer_task_names_its_supervising_counsellor() -> None:
    volunteer = Responder(200, Kind.VOLUNTEER, False, 1, Place(1, 1, 1, 1))
    proposal = allocate([warning(1, Tier.YELLOW)], [volunteer, counsellor(100, capacity=0)])
    assert proposal.rows[0].responder_id == 200
    assert proposal.rows[0].supervisor_id == 100


def test_a_volunteer_without_any_counsellor_takes_nothing() -> None:
    volunteer = Responder(200, Kind.VOLUNTEER, False, 1, Place(1, 1, 1, 1))
    assert allocate([warning(1, Tier.YELLOW)], [volunteer]).rows[0].responder_id is None
    assert candidates(warning(1, Tier.YELLOW), [volunteer]) == []


def test_it_prefers_the_counsellor_who_knows_the_child_and_then_the_nearer_one() -> None:
    known = OpenWarning(1, Tier.ORANGE, 5, 3, Place(1, 1, 1, 1), known_counsellors=frozenset({101}))
    proposal = allocate([known], [counsellor(100, school=1), counsellor(101, school=2)])
    assert proposal.rows[0].responder_id == 101 and proposal.rows[0].continuity
    proposal = allocate(
        [warning(1, Tier.ORANGE, school=1)], [counsellor(100, school=2), counsellor(101, school=1)]
    )
    assert proposal.rows[0].responder_id == 101 and proposal.rows[0].travel == 0


def test_with_short_capacity_the_longer_waiting_warning_wins() -> None:
    proposal = allocate(
        [warning(1, Tier.YELLOW, waiting=3), warning(2, Tier.YELLOW, waiting=30)], [counsellor(100)]
    )
    assert as_assignment(proposal) == {1: None, 2: 100}


def test_the_distance_follows_the_region_tree_or_the_coordinates() -> None:
    a = Place(1, 10, 100, 1000)
    assert place_distance(a, Place(1, 11, 100, 1000)) == 0
    assert place_distance(a, Place(2, 10, 100, 1000)) == 1
    assert place_distance(a, Place(2, 11, 100, 1000)) == 2
    assert place_distance(a, Place(2, 11, 101, 1000)) == 4
    assert place_distance(a, Place(2, 11, 101, 1001)) == 8
    # 0.1 degree of latitude is about 11.1 km: three steps of 5 km.
    near, far = Place(1, latitude=28.0, longitude=111.0), Place(2, latitude=28.1, longitude=111.0)
    assert place_distance(near, far) == 3


def test_candidates_are_only_the_allowed_responders() -> None:
    volunteer = Responder(200, Kind.VOLUNTEER, False, 1, Place(1, 1, 1, 1))
    people = [volunteer, counsellor(100, qualified=False), counsellor(101)]
    assert [r.id for r in candidates(warning(1, Tier.RED), people)] == [101]
    assert {r.id for r in candidates(warning(1, Tier.YELLOW), people)} == {100, 101, 200}
    assert [r.id for r in candidates(warning(1, Tier.GREY), people)] == [100, 101]
