"""Synthetic counsellors and responder profiles for the demo county (demo data only).

Every school gets a counsellor account of its own (no usable password: only the demo personas log
in), and every counsellor and the demo volunteer get a responder profile, so the allocation page of
the demo has capacity to work with. All names say they are synthetic (演示).
"""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model

from lbc.models import ChildGrant, Membership, Region, Role, School
from screening.models import ResponderProfile

# Weekly cases per counsellor: rural schools often have one part-time counsellor.
COUNSELLOR_CAPACITY = (4, 8)
VOLUNTEER_CAPACITY = 3


def seed_responders(county: Region, *, seed: int) -> dict[str, int]:
    """Create one synthetic counsellor per school without one, then profiles for every responder."""
    rng = random.Random(f"responders-{seed}")
    schools = list(School.objects.filter(county_id=county.pk).order_by("pk"))
    counsellors: dict[int | None, Any] = {
        m.school_id: m.user
        for m in Membership.objects.current()
        .filter(role=Role.COUNSELLOR, school__in=schools, school__isnull=False)
        .select_related("user")
        .order_by("-pk")
    }
    users = get_user_model()
    created = 0
    for school in schools:
        if school.pk in counsellors:
            continue
        user = users.objects.create_user(
            username=f"synthetic_counsellor_{school.pk}",
            password=None,
            first_name=f"{school.name}心理教师（演示）",
        )
        membership = Membership(user=user, role=Role.COUNSELLOR, school=school)
        membership.clean()
        membership.save()
        counsellors[school.pk] = user
        created += 1
    profiles = [
        ResponderProfile(
            user=user,
            qualified_counsellor=True,
            weekly_capacity=rng.randint(*COUNSELLOR_CAPACITY),
            base_school_id=school_id,
            base_village_id=None,
        )
        for school_id, user in counsellors.items()
    ]
    profiles += _volunteer_profiles(counsellors)
    ResponderProfile.objects.bulk_create(profiles, ignore_conflicts=True)
    return {"demo_counsellors": created, "responder_profiles": len(profiles)}


def _volunteer_profiles(counsellors: dict[int | None, Any]) -> list[ResponderProfile]:
    """A volunteer works from the school of the children they accompany, under its counsellor."""
    rows = []
    for volunteer in get_user_model().objects.filter(volunteer__isnull=False).order_by("pk"):
        grant = (
            ChildGrant.objects.filter(user=volunteer, permission__codename="volunteer_child")
            .select_related("content_object")
            .order_by("pk")
            .first()
        )
        school_id = grant.content_object.school_id if grant is not None else None
        rows.append(
            ResponderProfile(
                user=volunteer,
                qualified_counsellor=False,
                weekly_capacity=VOLUNTEER_CAPACITY,
                base_school_id=school_id,
                supervisor=counsellors.get(school_id) if school_id is not None else None,
            )
        )
    return rows
