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
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from lbc.demo.constants import COUNTY_CODE
from lbc.demo.seed import seed_demo_county
from lbc.models import Membership, Region, Role, School
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


# --- the demo county as seeded: its own counsellors, capacities and warning history -----------------

DEMO_DAY = dt.date(2026, 11, 16)


@pytest.fixture
def demo_county(settings: Any, db: None) -> Region:
    """The demo county exactly as ``manage.py demo`` seeds it (no extra staff), at the demo's instant."""
    settings.DEMO_MODE = True
    seed_demo_county(seed=1, children=3000, today=DEMO_DAY)
    return Region.objects.get(code=COUNTY_CODE)


@pytest.mark.clock("2026-11-16T10:00")
def test_on_the_demo_county_every_red_with_school_capacity_gets_a_qualified_counsellor(
    demo_county: Region,
) -> None:
    """The demo's counsellors carry a term's worth of cases in intervention and follow-up; their weekly
    capacity is what they can take on this week, so the REDs of the week still find them."""
    reds_with_capacity = 0
    for n, township in enumerate(Region.objects.filter(parent=demo_county).order_by("pk")):
        supervisor = make_user(f"alloc_demo_s{n}", Role.TOWNSHIP_SUPERVISOR, region=township)
        inputs = gather(supervisor, township, timezone.now())
        proposal = propose(inputs)
        responders = {r.id: r for r in inputs.responders}
        chosen = {row.warning_id: row.responder_id for row in proposal.rows}
        for w in inputs.open_warnings:
            if w.tier not in RED_TIERS:
                continue
            pool = [
                responders[rid]
                for rid in (w.allowed_counsellors or ())
                if rid in responders and responders[rid].qualified and responders[rid].capacity > 0
            ]
            if not pool:
                continue
            reds_with_capacity += 1
            rid = chosen[w.id]
            assert rid is not None, f"RED warning {w.id} left without anyone in {township.name}"
            assert rid in w.allowed_counsellors and responders[rid].kind == Kind.COUNSELLOR
            assert responders[rid].qualified
    assert reds_with_capacity >= 3


@pytest.mark.clock("2026-11-16T10:00")
def test_the_demo_supervisor_sees_the_red_proposed_to_the_school_counsellor(
    demo_county: Region, client: Any
) -> None:
    supervisor = get_user_model().objects.get(username="demo_township_supervisor")
    township = Membership.objects.current().get(user=supervisor, role=Role.TOWNSHIP_SUPERVISOR).region
    assert township is not None
    inputs = gather(supervisor, township, timezone.now())
    red = next(w for w in inputs.warnings if w.tier in RED_TIERS)
    client.force_login(supervisor)
    page = reverse("screening:allocation", kwargs={"public_id": township.public_id})
    html = client.get(page).content.decode()
    select = html.split(f'name="w-{red.public_id}"', 1)[1].split("</select>", 1)[0]
    assert " selected>" in select
    assert "本周无人承接" not in html
