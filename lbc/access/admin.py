"""County administration: regions, schools, memberships and accounts of the administrator's counties."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from lbc.access.roles import CAPABILITIES, Can
from lbc.access.scope import SCHOOL, UserLike, UserScope, any_of, scope_of, scope_q
from lbc.models import Membership, Region, School

# Roles without a region scope (volunteers): their county is their organisation's.
TERM_LIMITED = [role for role, caps in CAPABILITIES.items() if caps.term_limited]


def require_administrator(user: UserLike) -> UserScope:
    scope = scope_of(user)
    if not scope.can(Can.ADMINISTER):
        raise PermissionDenied
    return scope


def regions_for_admin(user: UserLike) -> QuerySet[Region]:
    counties = Region.objects.filter(pk__in=require_administrator(user).admin_county_ids())
    condition = Q(pk__in=[])
    for county in counties:
        condition |= Q(path__startswith=county.path)
    return Region.objects.filter(condition)


def schools_for_admin(user: UserLike) -> QuerySet[School]:
    condition = any_of(scope_q(m, SCHOOL) for m in require_administrator(user).holding(Can.ADMINISTER))
    return School.objects.none() if condition is None else School.objects.filter(condition)


def memberships_for_admin(user: UserLike) -> QuerySet[Membership]:
    """Memberships whose scope lies in the administrator's counties.

    Volunteers have no scope; they belong to the county of their organisation (Volunteer profile).
    """
    counties = require_administrator(user).admin_county_ids()
    if not counties:
        return Membership.objects.none()
    in_county = r"^/\d+/\d+/({})/".format("|".join(str(c) for c in counties))
    return Membership.objects.filter(
        Q(region__path__regex=in_county)
        | Q(school__county_id__in=counties)
        | Q(school_class__school__county_id__in=counties)
        | Q(role__in=TERM_LIMITED, user__volunteer__organisation__region__path__regex=in_county)
    )


def users_for_admin(user: UserLike) -> QuerySet[Any]:
    """Accounts holding, or having held, a membership the administrator manages."""
    return get_user_model().objects.filter(pk__in=memberships_for_admin(user).values("user_id"))
