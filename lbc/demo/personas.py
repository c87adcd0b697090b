"""One demo login per role, each scoped to a part of the synthetic county that has children in it."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from lbc.access import Can, capabilities_of
from lbc.models import (
    Child,
    ChildGrant,
    Membership,
    Organisation,
    Region,
    Role,
    School,
    SchoolClass,
    Volunteer,
)

from .county import CountyLayout

DEMO_ROLES: tuple[str, ...] = (
    Role.COUNTY_ADMIN, Role.TOWNSHIP_SUPERVISOR, Role.VILLAGE_DIRECTOR, Role.COUNSELLOR, Role.HEAD_TEACHER,
    Role.TRAINER, Role.VOLUNTEER,
)
VOLUNTEER_CHILDREN = 3
VOLUNTEER_TERM = dt.timedelta(days=180)


@dataclass(frozen=True)
class Persona:
    username: str
    password: str
    role: str
    scope: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class DemoScopes:
    county: Region
    township: Region
    village: Region
    school: School
    school_class: SchoolClass
    volunteer_children: list[Child]


def require_demo_mode() -> None:
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured(
            "The synthetic demo county and its known passwords exist only in demo mode (LBC_DEMO_MODE=1)."
        )


def demo_username(role: str) -> str:
    return f"demo_{role}"


def demo_password(role: str) -> str:
    """The published demo password of a role; refused outside demo mode."""
    require_demo_mode()
    return f"demo-{role.replace('_', '-')}-2026"


def choose_scopes(layout: CountyLayout, children: list[Child], rng: random.Random) -> DemoScopes:
    """The township whose central school has most children, and its busiest village and class."""
    by_school = Counter(c.school_id for c in children)
    by_village = Counter(c.village_id for c in children)
    by_class = Counter(c.school_class_id for c in children)
    township = max(layout.townships, key=lambda t: by_school[t.central.pk])
    school = township.central
    village = max(township.villages, key=lambda v: by_village[v.pk])
    classes = [k for (school_pk, _grade), ks in layout.classes.items() if school_pk == school.pk for k in ks]
    school_class = max(classes, key=lambda k: by_class[k.pk])
    pupils = [c for c in children if c.school_id == school.pk]
    picked = rng.sample(pupils, min(VOLUNTEER_CHILDREN, len(pupils)))
    return DemoScopes(layout.county, township.region, village, school, school_class, picked)


def _membership_scope(role: str, scopes: DemoScopes) -> dict[str, Any]:
    by_role: dict[str, dict[str, Any]] = {
        Role.COUNTY_ADMIN: {"region": scopes.county},
        Role.TOWNSHIP_SUPERVISOR: {"region": scopes.township},
        Role.VILLAGE_DIRECTOR: {"region": scopes.village},
        Role.COUNSELLOR: {"school": scopes.school},
        Role.HEAD_TEACHER: {"school_class": scopes.school_class, "school": scopes.school},
        Role.TRAINER: {"region": scopes.county},
        Role.VOLUNTEER: {},
    }
    return by_role[role]


def create_personas(scopes: DemoScopes, university: Organisation, today: dt.date) -> dict[str, Any]:
    """Users, memberships, the volunteer's record and assignments. Returns the users by role."""
    users: dict[str, Any] = {}
    for role in DEMO_ROLES:
        user = get_user_model().objects.create_user(
            username=demo_username(role), password=demo_password(role),
            first_name=f"{Role(role).label}（演示）", is_staff=capabilities_of(role).allows(Can.ADMINISTER),
        )
        membership = Membership(user=user, role=role, **_membership_scope(role, scopes))
        membership.clean()
        membership.save()
        users[role] = user
    _assign_volunteer(users[Role.VOLUNTEER], users[Role.TOWNSHIP_SUPERVISOR], scopes, university, today)
    return users


def _assign_volunteer(volunteer: Any, assigned_by: Any, scopes: DemoScopes, university: Organisation,
                      today: dt.date) -> None:
    Volunteer.objects.create(user=volunteer, organisation=university, valid_until=today + VOLUNTEER_TERM)
    permission = Permission.objects.get(codename="volunteer_child", content_type__app_label="lbc")
    expires = timezone.now() + VOLUNTEER_TERM
    ChildGrant.objects.bulk_create([
        ChildGrant(user=volunteer, permission=permission, content_object=child, granted_by=assigned_by,
                   reason="演示：志愿者结对陪伴", expires_at=expires)
        for child in scopes.volunteer_children
    ])


def list_personas() -> list[Persona]:
    """The demo logins that exist, with the scope of each one's membership, in role order."""
    wanted = {demo_username(role): role for role in DEMO_ROLES}
    memberships = {
        m.user.username: m
        for m in Membership.objects.filter(user__username__in=wanted).select_related(
            "user", "region", "school", "school_class__school")
        if m.role == wanted[m.user.username]
    }
    return [
        Persona(username, demo_password(role), role, memberships[username].scope_label())
        for username, role in wanted.items()
        if username in memberships
    ]
