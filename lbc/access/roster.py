"""Who may import a roster, and over what: a county administrator's county, a counsellor's school.

A roster import is fixed to the scope it was uploaded in (``RosterImport.county`` and ``.school``):
its schools, villages and the registered children it may match or change come from that scope,
whoever of the importers of that scope continues it. Outside the scope: 404; no capability: 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from lbc.access.roles import Can
from lbc.access.scope import UserLike, parse_public_id, scope_of
from lbc.models import Membership, Region, RosterImport, School


@dataclass(frozen=True)
class RosterScope:
    """Where an import may look and write: all of a county, or one school of it."""

    county: Region
    school: School | None = None

    def schools(self) -> QuerySet[School]:
        if self.school is not None:
            return School.objects.filter(pk=self.school.pk)
        return School.objects.filter(county_id=self.county.pk, active=True)

    def villages(self) -> QuerySet[Region]:
        """Villages a new child may be registered in (a school's own township for a counsellor, as the
        registration form offers)."""
        villages = Region.objects.filter(level=Region.Level.VILLAGE)
        if self.school is not None:
            return villages.filter(Q(parent_id=self.school.township_id) | Q(pk=self.school.region_id))
        return villages.filter(path__startswith=self.county.path)

    def children_q(self) -> Q:
        """The registered children this import may match and change."""
        if self.school is not None:
            return Q(school_id=self.school.pk)
        return Q(county_id=self.county.pk) | Q(school__county_id=self.county.pk)

    def label(self) -> str:
        return self.school.name if self.school is not None else self.county.name


def importing_memberships(user: UserLike) -> list[Membership]:
    """The user's memberships allowing a roster import (403 when there are none)."""
    held = [
        m
        for m in scope_of(user).holding(Can.IMPORT_ROSTER)
        if (m.region is not None and m.region.level == Region.Level.COUNTY) or m.school is not None
    ]
    if not held:
        raise PermissionDenied
    return held


def scope_of_membership(m: Membership) -> RosterScope:
    if m.school is not None:
        county = Region.objects.get(pk=m.school.county_id)
        return RosterScope(county, m.school)
    assert m.region is not None
    return RosterScope(m.region)


def roster_scopes_for(user: UserLike) -> list[RosterScope]:
    return [scope_of_membership(m) for m in importing_memberships(user)]


def roster_imports_for(user: UserLike) -> QuerySet[RosterImport]:
    """Imports of the user's importing scopes: a county administrator sees every import of the county."""
    condition = Q(pk__in=[])
    for m in importing_memberships(user):
        if m.school is not None:
            condition |= Q(school_id=m.school.pk)
        elif m.region is not None:
            condition |= Q(county_id=m.region.pk)
    return RosterImport.objects.filter(condition)


def get_roster_import_for_user(user: UserLike, public_id: Any) -> tuple[RosterImport, RosterScope]:
    batch = (
        roster_imports_for(user)
        .select_related("county", "school")
        .filter(public_id=parse_public_id(public_id))
        .first()
    )
    if batch is None:
        raise Http404
    return batch, RosterScope(batch.county, batch.school)
