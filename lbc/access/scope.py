"""THE scope primitive: which rows a membership's scope holds, and whether it holds one row.

A membership's scope is a region (at any level), a school or a class. A model says where its rows
sit with a ``Place`` (its column per region level, its school and its class); ``scope_q`` answers
"which rows" as a ``Q`` and ``covers`` answers "does it hold this row" for the same rule, so lists
and single records can never disagree. A row is held when its own region, school or class is
under the scope, or when its school lies under a region scope (a child living in one township and
going to school in another is held by both).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.http import Http404

from lbc.access.roles import Can, Capabilities, capabilities_of
from lbc.models import Membership, Region, School

UserLike = AbstractBaseUser | AnonymousUser

L = Region.Level
# Every RegionLocated model stores the ids of these ancestors.
LOCATED: dict[int, str] = {
    L.PROVINCE: "province_id", L.CITY: "city_id", L.COUNTY: "county_id", L.TOWNSHIP: "township_id"
}


@dataclass(frozen=True)
class Place:
    """Where a model's rows sit. ``school``/``school_class`` name the relation ("" = the row itself)."""

    regions: Mapping[int, str] = field(default_factory=dict)  # region level -> id column
    school: str | None = None
    school_class: str | None = None


CHILD = Place({**LOCATED, L.VILLAGE: "village_id"}, school="school", school_class="school_class")
SCHOOL = Place({**LOCATED, L.VILLAGE: "region_id"}, school="")
SCHOOL_CLASS = Place(school="school", school_class="")


def _column(relation: str) -> str:
    return "pk" if relation == "" else f"{relation}_id"


def _value(row: Any, relation: str) -> Any:
    return row.pk if relation == "" else getattr(row, f"{relation}_id")


def scope_q(m: Membership, place: Place) -> Q | None:
    """The rows of a ``place`` model the membership's scope holds; None: none at all."""
    if m.school_class_id:
        if place.school_class is None:
            return None
        return Q(**{_column(place.school_class): m.school_class_id})
    if m.school_id:
        return Q(**{_column(place.school): m.school_id}) if place.school is not None else None
    if m.region_id is None or m.region is None:
        return None
    column = place.regions.get(m.region.level)
    own = Q(**{column: m.region_id}) if column else None
    if not place.school:  # no school, or the rows are the schools themselves
        return own
    # School ids resolved first: "column = x OR school_id IN (a, b)" stays two index scans, where a
    # subquery inside the OR makes PostgreSQL scan the whole table.
    under = {SCHOOL.regions[m.region.level]: m.region_id}
    schools = list(School.objects.filter(**under).values_list("id", flat=True))
    held = Q(**{f"{place.school}_id__in": schools}) if schools else None
    if own is not None and held is not None:
        return own | held
    return own if own is not None else held


def covers(m: Membership, row: Any, place: Place) -> bool:
    """Whether the membership's scope holds this row: the same rule as ``scope_q``, for one object."""
    if m.school_class_id:
        return place.school_class is not None and _value(row, place.school_class) == m.school_class_id
    if m.school_id:
        return place.school is not None and _value(row, place.school) == m.school_id
    if m.region_id is None or m.region is None:
        return False
    column = place.regions.get(m.region.level)
    if column and getattr(row, column) == m.region_id:
        return True
    if place.school is None:
        return False
    school = row if place.school == "" else getattr(row, place.school)
    return school is not None and getattr(school, SCHOOL.regions[m.region.level]) == m.region_id


def region_ids(row: Any, place: Place) -> set[int]:
    """The ids of every region a row sits in, through its own columns and its school's."""
    ids = {getattr(row, column) for column in place.regions.values()}
    school = None if not place.school else getattr(row, place.school)
    if school is not None:
        ids |= {getattr(school, column) for column in SCHOOL.regions.values()}
    return {i for i in ids if i is not None}


def memberships_covering(row: Any, place: Place) -> Q:
    """The other direction of ``covers``: a ``Q`` over Membership for the scopes that hold this row."""
    condition = Q(region_id__in=region_ids(row, place))
    if place.school is not None and (school_id := _value(row, place.school)):
        condition |= Q(school_id=school_id, school_class__isnull=True)
    if place.school_class is not None and (class_id := _value(row, place.school_class)):
        condition |= Q(school_class_id=class_id)
    return condition


def rerooted(q: Q, prefix: str) -> Q:
    """The same condition on a related model: Q(school_id=1) -> Q(child__school_id=1)."""
    copy = Q()
    copy.connector, copy.negated = q.connector, q.negated
    copy.children = [
        rerooted(c, prefix) if isinstance(c, Q) else (prefix + c[0], c[1])  # type: ignore[index]
        for c in q.children
    ]
    return copy


# --- the user's memberships ---------------------------------------------------------------------


@dataclass
class UserScope:
    memberships: list[Membership] = field(default_factory=list)

    def roles(self) -> set[str]:
        return {m.role for m in self.memberships}

    def capabilities(self) -> list[Capabilities]:
        return [capabilities_of(m.role) for m in self.memberships]

    def can(self, capability: Can) -> bool:
        return any(capability in caps.may for caps in self.capabilities())

    def holding(self, capability: Can) -> list[Membership]:
        """The memberships whose role holds ``capability``."""
        return [m for m in self.memberships if capability in capabilities_of(m.role).may]

    def region_ids(self, capability: Can) -> set[int]:
        """Regions of the memberships holding ``capability`` (e.g. the counties a user administers)."""
        return {m.region_id for m in self.holding(capability) if m.region_id}

    @property
    def can_list_children(self) -> bool:
        return self.can(Can.LIST_CHILDREN)

    @property
    def can_edit_children(self) -> bool:
        return self.can(Can.EDIT_CHILDREN)

    @property
    def can_administer(self) -> bool:
        return self.can(Can.ADMINISTER)

    def admin_county_ids(self) -> set[int]:
        return self.region_ids(Can.ADMINISTER)


def scope_of(user: UserLike) -> UserScope:
    """Current memberships of the user, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return UserScope()
    cached = getattr(user, "_lbc_scope", None)
    if cached is None:
        cached = UserScope(
            list(
                Membership.objects.current()
                .filter(user_id=user.pk)
                .select_related("region", "school", "school_class")
            )
        )
        user._lbc_scope = cached  # type: ignore[union-attr,attr-defined]
    return cached


def forget_scope(user: UserLike) -> None:
    for attribute in ("_lbc_scope", "_lbc_has_grants"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def any_of(conditions: Iterable[Q | None]) -> Q | None:
    """OR of the conditions that exist; None when there are none (no rows)."""
    result: Q | None = None
    for q in conditions:
        if q is not None:
            result = q if result is None else result | q
    return result


def parse_public_id(public_id: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
