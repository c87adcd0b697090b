"""Acceptance on a seeded synthetic county (smaller than the default demo, same generator).

Warnings are raised from the demo's screenings with warnings-core's ``raise_warnings``; every school
gets counsellors with responder profiles, some township volunteers are added. The allocation must
cover every RED with a qualified counsellor when capacity allows, never give RED/ORANGE to a
volunteer, and report the REDs it cannot cover.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from lbc.demo.constants import COUNTY_CODE
from lbc.demo.seed import seed_demo_county
from lbc.models import Region, Role, School
from screening.allocation.service import gather, propose
from screening.allocation.solver import COUNSELLOR_ONLY, RED_TIERS, Kind
from screening.models import Assessment, ResponderProfile
from screening.warnings.raising import raise_warnings
from tests.factories import make_user

DAY = dt.date(2026, 11, 16)


@pytest.fixture
def county(settings: Any, db: None) -> Region:
    settings.DEMO_MODE = True
    seed_demo_county(seed=3, children=1500, today=DAY)
    county = Region.objects.get(code=COUNTY_CODE)
    raise_warnings(list(Assessment.objects.filter(county=county).select_related("child")), by=None)
    return county


def staff(county: Region, *, qualified: bool, capacity: int) -> list[tuple[Region, Any]]:
    """Two counsellors per school, one volunteer and one supervisor per township.

    The demo seed already gives every school a counsellor with a profile; those take the same
    qualification so that "nobody qualified" means nobody.
    """
    ResponderProfile.objects.update(qualified_counsellor=qualified)
    townships = []
    for n, school in enumerate(School.objects.filter(county_id=county.pk).order_by("pk")):
        for k in range(2):
            user = make_user(f"alloc_c{n}_{k}", Role.COUNSELLOR, school=school)
            ResponderProfile.objects.create(
                user=user, qualified_counsellor=qualified, weekly_capacity=capacity
            )
    for n, township in enumerate(Region.objects.filter(parent=county).order_by("pk")):
        volunteer = make_user(f"alloc_v{n}", Role.VOLUNTEER)
        school = School.objects.filter(township_id=township.pk).first()
        ResponderProfile.objects.create(user=volunteer, base_school=school, weekly_capacity=capacity)
        townships.append((township, make_user(f"alloc_s{n}", Role.TOWNSHIP_SUPERVISOR, region=township)))
    return townships


def check(township: Region, supervisor: Any) -> tuple[int, int, int]:
    inputs = gather(supervisor, township, timezone.now())
    proposal = propose(inputs)
    tiers = {w.id: w.tier for w in inputs.open_warnings}
    kinds = {r.id: r for r in inputs.responders}
    for row in proposal.rows:
        if row.responder_id is not None and tiers[row.warning_id] in COUNSELLOR_ONLY:
            responder = kinds[row.responder_id]
            assert responder.kind == Kind.COUNSELLOR and responder.qualified
    reds = sum(t in RED_TIERS for t in tiers.values())
    covered = sum(r.responder_id is not None for r in proposal.rows)
    return reds, len(proposal.uncovered_reds), covered


def test_every_red_is_covered_by_a_qualified_counsellor_when_capacity_allows(county: Region) -> None:
    results = [check(t, s) for t, s in staff(county, qualified=True, capacity=40)]
    assert sum(reds for reds, _u, _c in results) > 0
    assert all(uncovered == 0 for _r, uncovered, _c in results)


def test_without_qualified_counsellors_every_red_is_reported(county: Region) -> None:
    results = [check(t, s) for t, s in staff(county, qualified=False, capacity=40)]
    assert all(uncovered == reds for reds, uncovered, _c in results)
    assert sum(covered for _r, _u, covered in results) > 0  # YELLOW/GREY still find someone
