"""THE access rules. Person data is only ever read through this module.

* Scope comes from memberships (user, role, scope) and is a region/school query, never per-object
  rows, so lists stay fast at millions of children.
* Explicit per-object grants (volunteer assignment, referral, break-the-glass) live in the
  django-guardian direct-FK model ``ChildGrant`` and are combined here; views never query it.
* Outside the scope: 404 (``Http404``, same as a missing id). In scope, role too weak: 403.
* Fields come in tiers; ``ROLE_CAPABILITIES`` gives each role its tiers, and ``fields_for`` is the
  one function that decides which fields of a record a user may see, for every output path.
"""

from __future__ import annotations

import functools
import operator
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from lbc.models import (
    Child,
    ChildGrant,
    Guardian,
    HarmReport,
    Membership,
    OutboxMessage,
    Region,
    Role,
    School,
    SchoolClass,
)

if TYPE_CHECKING:
    from screening.models import Campaign, RescreenDue, Warning

UserLike = AbstractBaseUser | AnonymousUser


class FieldTier(IntEnum):
    MINIMAL = 0  # given name, school: what a volunteer may know
    BASIC = 1  # full name, sex, grade, class, village, left-behind situation
    IDENTITY = 2  # ID number, birth date, phones, addresses, parents' whereabouts
    STATUS = 3  # neutral label ("需跟进"/"常规关注") and the action required
    COLOUR = 4  # tier colour, its reasons in words, deadline and context score
    SCORES = 5  # screening scores and bands
    NOTES = 6  # item answers and counselling notes


T = FieldTier


@dataclass(frozen=True)
class Capabilities:
    tiers: frozenset[FieldTier]
    list_children: bool = False
    edit_children: bool = False
    administer: bool = False  # regions, schools, users, memberships of the county
    see_campaigns: bool = False  # screening campaigns of the schools under the scope
    run_campaigns: bool = False  # create and edit the campaigns of the own school


ROLE_CAPABILITIES: dict[str, Capabilities] = {
    Role.COUNTY_ADMIN: Capabilities(
        frozenset({T.MINIMAL, T.BASIC, T.IDENTITY, T.STATUS, T.COLOUR}),
        list_children=True,
        edit_children=True,
        administer=True,
        see_campaigns=True,
    ),
    Role.TOWNSHIP_SUPERVISOR: Capabilities(
        frozenset({T.MINIMAL, T.BASIC, T.IDENTITY, T.STATUS, T.COLOUR, T.SCORES}),
        list_children=True,
        edit_children=True,
        see_campaigns=True,
    ),
    Role.VILLAGE_DIRECTOR: Capabilities(
        frozenset({T.MINIMAL, T.BASIC, T.IDENTITY, T.STATUS, T.COLOUR}),
        list_children=True,
        edit_children=True,
    ),
    Role.COUNSELLOR: Capabilities(
        frozenset(FieldTier), list_children=True, edit_children=True, see_campaigns=True, run_campaigns=True
    ),
    # Head teachers see the neutral label and the action for their class, never colours or scores.
    Role.HEAD_TEACHER: Capabilities(frozenset({T.MINIMAL, T.BASIC, T.STATUS}), list_children=True),
    Role.TRAINER: Capabilities(frozenset()),
    Role.VOLUNTEER: Capabilities(frozenset({T.MINIMAL}), list_children=True),
}

# What each kind of per-object grant gives, by permission codename on Child.
GRANT_CAPABILITIES: dict[str, Capabilities] = {
    "volunteer_child": ROLE_CAPABILITIES[Role.VOLUNTEER],
    "referral_child": Capabilities(frozenset(FieldTier), list_children=True),
    "breakglass_child": Capabilities(
        frozenset({T.MINIMAL, T.BASIC, T.IDENTITY, T.STATUS, T.COLOUR}), list_children=True
    ),
}

# The field tier of every field shown anywhere. A field missing here is shown to nobody.
FIELD_TIERS: dict[str, dict[str, FieldTier]] = {
    "child": {
        "public_id": T.MINIMAL,
        "given_name": T.MINIMAL,
        "school": T.MINIMAL,
        "family_name": T.BASIC,
        "full_name": T.BASIC,
        "sex": T.BASIC,
        "grade": T.BASIC,
        "school_class": T.BASIC,
        "village": T.BASIC,
        "township": T.BASIC,
        "boarding": T.BASIC,
        "left_behind_type": T.BASIC,
        "care_arrangement": T.BASIC,
        "status": T.BASIC,
        "parent_contact": T.BASIC,
        "age": T.BASIC,
        "separation_start": T.IDENTITY,
        "birth_date": T.IDENTITY,
        "id_number": T.IDENTITY,
        "id_absent_reason": T.IDENTITY,
        "confirmed_at": T.BASIC,
        "confirmed_by": T.BASIC,
        "latest_label": T.STATUS,
        "latest_tier": T.COLOUR,
        "latest_tier_on": T.STATUS,
    },
    "guardian": {
        "public_id": T.BASIC,
        "name": T.BASIC,
        "relationship": T.BASIC,
        "is_primary": T.BASIC,
        "is_legal_guardian": T.BASIC,
        "sex": T.BASIC,
        "can_read": T.BASIC,
        "dialect_note": T.BASIC,
        "birth_year": T.IDENTITY,
        "education": T.IDENTITY,
        "health": T.IDENTITY,
        "phone": T.IDENTITY,
        "village": T.BASIC,
    },
    "parent": {
        "public_id": T.BASIC,
        "role": T.BASIC,
        "name": T.BASIC,
        "works_away": T.BASIC,
        "work_city": T.IDENTITY,
        "employer_name": T.IDENTITY,
        "phone": T.IDENTITY,
        "return_period": T.BASIC,
    },
    "household": {"public_id": T.BASIC, "village": T.BASIC, "address": T.IDENTITY},
    "consent": {
        "public_id": T.BASIC,
        "purpose": T.BASIC,
        "decision": T.BASIC,
        "given_by_name": T.IDENTITY,
        "given_by_relationship": T.BASIC,
        "is_legal_guardian": T.BASIC,
        "channel": T.BASIC,
        "notice_version": T.BASIC,
        "decided_on": T.BASIC,
        "child_assent": T.BASIC,
        "withdrawn_on": T.BASIC,
    },
    # Screening (the psychological database).
    "assessment": {
        "public_id": T.STATUS,
        "administered_on": T.STATUS,
        "neutral_label": T.STATUS,
        "action": T.STATUS,
        "tier": T.COLOUR,
        "deadline": T.COLOUR,
        "reasons": T.SCORES,  # the reasons quote scores and cut-offs
        "context_score": T.COLOUR,
        "context_factors": T.COLOUR,
        "mode": T.COLOUR,
        "critical": T.COLOUR,
        "totals": T.SCORES,
        "subscales": T.SCORES,
        "bands": T.SCORES,
        "validity": T.SCORES,
        "answers": T.NOTES,
    },
    # Early warnings: head teachers see the neutral label and the action; the colour, the deadline,
    # the state and the history only with the COLOUR tier.
    "warning": {
        "public_id": T.STATUS,
        "neutral_label": T.STATUS,
        "action": T.STATUS,
        "tier": T.COLOUR,
        "state": T.COLOUR,
        "due_at": T.COLOUR,
        "overdue": T.COLOUR,
        "context_score": T.COLOUR,
        "escalation_level": T.COLOUR,
        "assigned_to": T.COLOUR,
        "responsible": T.COLOUR,
        "history": T.COLOUR,
    },
    # What was done about a warning: that something happened, when and by whom is COLOUR; what was said
    # (session and visit notes, the safety plan's contents, a contact's outcome) is NOTES: counsellors.
    "intervention": {
        "kind": T.COLOUR,
        "date": T.COLOUR,
        "recorded_by": T.COLOUR,
        "guardian_informed": T.COLOUR,
        "who": T.COLOUR,
        "channel": T.COLOUR,
        "destination": T.COLOUR,
        "status": T.COLOUR,
        "sign_offs": T.COLOUR,
        "notes": T.NOTES,
        "safety_plan": T.NOTES,
        "outcome": T.NOTES,
    },
}


@dataclass(frozen=True)
class Rights:
    """What one user may do with one record (or, for lists, with the records of one scope)."""

    tiers: frozenset[FieldTier] = frozenset()
    can_edit: bool = False
    roles: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.tiers)

    def sees(self, tier: FieldTier) -> bool:
        return tier in self.tiers

    # Template-friendly flags: {% if rights.identity %}
    @property
    def basic(self) -> bool:
        return T.BASIC in self.tiers

    @property
    def identity(self) -> bool:
        return T.IDENTITY in self.tiers

    @property
    def status(self) -> bool:
        return T.STATUS in self.tiers

    @property
    def scores(self) -> bool:
        return T.SCORES in self.tiers

    @property
    def notes(self) -> bool:
        return T.NOTES in self.tiers

    def union(self, caps: Capabilities, role: str) -> Rights:
        return Rights(self.tiers | caps.tiers, self.can_edit or caps.edit_children, self.roles | {role})


NO_RIGHTS = Rights()


def fields_for(rights: Rights, kind: str) -> set[str]:
    """The one place that decides which fields of a ``kind`` record these rights may see."""
    return {name for name, tier in FIELD_TIERS[kind].items() if tier in rights.tiers}


def require(rights: Rights, tier: FieldTier) -> None:
    if tier not in rights.tiers:
        raise PermissionDenied


# --- memberships and scope -------------------------------------------------------------------


@dataclass
class UserScope:
    memberships: list[Membership] = field(default_factory=list)

    def roles(self) -> set[str]:
        return {m.role for m in self.memberships}

    def capabilities(self) -> list[Capabilities]:
        return [ROLE_CAPABILITIES[m.role] for m in self.memberships]

    @property
    def can_list_children(self) -> bool:
        return any(c.list_children for c in self.capabilities())

    @property
    def can_edit_children(self) -> bool:
        return any(c.edit_children for c in self.capabilities())

    @property
    def can_administer(self) -> bool:
        return any(c.administer for c in self.capabilities())

    @property
    def can_see_campaigns(self) -> bool:
        return any(c.see_campaigns for c in self.capabilities())

    @property
    def can_run_campaigns(self) -> bool:
        return any(c.run_campaigns for c in self.capabilities())

    def admin_county_ids(self) -> set[int]:
        return {m.region_id for m in self.memberships if m.role == Role.COUNTY_ADMIN and m.region_id}


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


_LEVEL_FIELD: dict[int, str] = {Region.Level.COUNTY: "county_id", Region.Level.TOWNSHIP: "township_id"}


def _membership_q(m: Membership) -> Q | None:
    """Children whose household village or school lies under the membership's scope."""
    if not ROLE_CAPABILITIES[m.role].tiers:
        return None
    if m.school_class_id:
        return Q(school_class_id=m.school_class_id)
    if m.school_id:
        return Q(school_id=m.school_id)
    if m.region_id and m.region is not None:
        if m.region.level == Region.Level.VILLAGE:
            column, school_column = "village_id", "region_id"
        else:
            column = school_column = _LEVEL_FIELD.get(m.region.level, "")
        if column:
            # School ids resolved first: "column = x OR school_id IN (a, b)" stays two index scans,
            # where a subquery inside the OR makes PostgreSQL scan the whole table.
            schools = list(School.objects.filter(**{school_column: m.region_id}).values_list("id", flat=True))
            return (
                Q(**{column: m.region_id}) | Q(school_id__in=schools)
                if schools
                else Q(**{column: m.region_id})
            )
    return None


def active_grants(user: UserLike) -> QuerySet[ChildGrant]:
    now = timezone.now()
    if user.pk is None:
        return ChildGrant.objects.none()
    return ChildGrant.objects.filter(user_id=user.pk).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        permission__codename__in=list(GRANT_CAPABILITIES),
    )


def children_for(user: UserLike, *, listing: bool = False) -> QuerySet[Child]:
    """Every child the user may see at any tier. With ``listing`` the role must be allowed lists (403)."""
    scope = scope_of(user)
    if listing and not scope.can_list_children:
        raise PermissionDenied
    conditions = [q for m in scope.memberships if (q := _membership_q(m)) is not None]
    if has_active_grants(user):
        conditions.append(Q(pk__in=active_grants(user).values("content_object_id")))
    if not conditions:
        return Child.objects.none()
    return Child.objects.filter(functools.reduce(operator.or_, conditions))


def has_active_grants(user: UserLike) -> bool:
    """Cached on the user for the request: most staff hold no grants, and then no grant subquery is added."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_lbc_has_grants", None)
    if cached is None:
        cached = active_grants(user).exists()
        user._lbc_has_grants = cached  # type: ignore[union-attr,attr-defined]
    return bool(cached)


def _membership_covers(m: Membership, child: Child) -> bool:
    if m.school_class_id:
        return child.school_class_id == m.school_class_id
    if m.school_id:
        return child.school_id == m.school_id
    if m.region_id and m.region is not None:
        school = child.school
        if m.region.level == Region.Level.VILLAGE:
            return child.village_id == m.region_id or (school is not None and school.region_id == m.region_id)
        column = _LEVEL_FIELD.get(m.region.level)
        if column:
            return getattr(child, column) == m.region_id or (
                school is not None and getattr(school, column) == m.region_id
            )
    return False


def rights_for_child(user: UserLike, child: Child, *, grants: Iterable[str] | None = None) -> Rights:
    scope = scope_of(user)
    rights = NO_RIGHTS
    for m in scope.memberships:
        caps = ROLE_CAPABILITIES[m.role]
        if caps.tiers and _membership_covers(m, child):
            rights = rights.union(caps, m.role)
    codenames = (
        grants
        if grants is not None
        else (
            active_grants(user).filter(content_object=child).values_list("permission__codename", flat=True)
            if user.is_authenticated
            else []
        )
    )
    for codename in codenames:
        rights = rights.union(GRANT_CAPABILITIES[codename], codename)
    return rights


def rights_for_children(user: UserLike, children: Iterable[Child]) -> dict[int, Rights]:
    """Rights for a page of children with one grant query (for list rows and API pages)."""
    items = list(children)
    granted: dict[int, list[str]] = {}
    if user.is_authenticated and items:
        for child_id, codename in (
            active_grants(user)
            .filter(content_object_id__in=[c.pk for c in items])
            .values_list("content_object_id", "permission__codename")
        ):
            granted.setdefault(child_id, []).append(codename)
    return {c.pk: rights_for_child(user, c, grants=granted.get(c.pk, [])) for c in items}


@dataclass(frozen=True)
class SearchTiers:
    """Tiers a list caller may search or filter by.

    A filter on a field is an oracle for that field: matching family names or grades tells a volunteer
    what the rows do not show. So a filter on a tier is allowed only when every path by which the caller
    reaches children (memberships and per-object grants) carries that tier (``everywhere``).
    """

    everywhere: frozenset[FieldTier]  # tiers held over every reachable child
    somewhere: frozenset[FieldTier]  # tiers held over at least one reachable child


def search_tiers(user: UserLike) -> SearchTiers:
    sources = [caps.tiers for caps in scope_of(user).capabilities() if caps.tiers]
    codenames = set(active_grants(user).values_list("permission__codename", flat=True))
    sources += [GRANT_CAPABILITIES[c].tiers for c in codenames]
    if not sources:
        return SearchTiers(frozenset(), frozenset())
    return SearchTiers(frozenset.intersection(*sources), frozenset.union(*sources))


def parse_public_id(public_id: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None


def get_child_for_user(
    user: UserLike, public_id: Any, *, need: FieldTier = T.MINIMAL, edit: bool = False
) -> tuple[Child, Rights]:
    """Fetch a child with the user's rights: 404 if out of scope or missing, 403 if too weak."""
    pid = parse_public_id(public_id)
    child = (
        Child.objects.select_related("school", "school_class", "village", "township", "household")
        .filter(public_id=pid)
        .first()
    )
    if child is None:
        raise Http404
    rights = rights_for_child(user, child)
    if not rights:
        raise Http404
    if need not in rights.tiers or (edit and not rights.can_edit):
        raise PermissionDenied
    return child, rights


def guardians_for(user: UserLike) -> QuerySet[Guardian]:
    """Guardians of the children the user may see."""
    return Guardian.objects.filter(children__in=children_for(user)).distinct()


def get_guardian_for_user(user: UserLike, public_id: Any, *, edit: bool = False) -> tuple[Guardian, Rights]:
    """A guardian, with the best rights the user holds over any of the guardian's children."""
    pid = parse_public_id(public_id)
    guardian = Guardian.objects.filter(public_id=pid).first()
    if guardian is None:
        raise Http404
    kids = list(guardian.children.select_related("school"))
    rights = NO_RIGHTS
    for r in rights_for_children(user, kids).values():
        rights = Rights(rights.tiers | r.tiers, rights.can_edit or r.can_edit, rights.roles | r.roles)
    if not rights:
        raise Http404
    if T.BASIC not in rights.tiers or (edit and not rights.can_edit):
        raise PermissionDenied
    return guardian, rights


# --- screening campaigns -----------------------------------------------------------------------------


def campaign_schools_for(user: UserLike) -> QuerySet[School]:
    """Schools whose screening campaigns the user sees; 403 for roles that see no campaigns at all."""
    scope = scope_of(user)
    if not scope.can_see_campaigns:
        raise PermissionDenied
    condition = Q(pk__in=[])
    for m in scope.memberships:
        if not ROLE_CAPABILITIES[m.role].see_campaigns:
            continue
        if m.school_id:
            condition |= Q(pk=m.school_id)
        elif m.region is not None and m.region.level in _LEVEL_FIELD:
            condition |= Q(**{_LEVEL_FIELD[m.region.level]: m.region_id})
    return School.objects.filter(condition)


def campaign_run_school_ids(user: UserLike) -> set[int]:
    """Schools whose campaigns the user runs (create, edit, enter answers): a counsellor's own schools."""
    return {
        m.school_id
        for m in scope_of(user).memberships
        if ROLE_CAPABILITIES[m.role].run_campaigns and m.school_id is not None
    }


def campaigns_for(user: UserLike) -> QuerySet[Campaign]:
    # Imported here: the core registry does not load the screening app's models at import time.
    from screening.models import Campaign

    return Campaign.objects.filter(school__in=campaign_schools_for(user))


def _covers_school(m: Membership, school: School) -> bool:
    if m.school_id:
        return m.school_id == school.pk
    column = _LEVEL_FIELD.get(m.region.level) if m.region is not None else None
    return column is not None and getattr(school, column) == m.region_id


def get_campaign_for_user(user: UserLike, public_id: Any, *, edit: bool = False) -> tuple[Campaign, Rights]:
    """A campaign with the user's rights over its school's children as a whole (``can_edit``: runs it).

    403 for roles without campaigns, 404 outside the scope or missing, 403 with ``edit`` unless the user
    is a counsellor of the campaign's school.
    """
    pid = parse_public_id(public_id)
    campaign = campaigns_for(user).select_related("school").filter(public_id=pid).first()
    if campaign is None:
        raise Http404
    rights = NO_RIGHTS
    for m in scope_of(user).memberships:
        caps = ROLE_CAPABILITIES[m.role]
        if caps.see_campaigns and _covers_school(m, campaign.school):
            rights = rights.union(caps, m.role)
    runs = campaign.school_id in campaign_run_school_ids(user)
    if edit and not runs:
        raise PermissionDenied
    return campaign, Rights(rights.tiers, runs, rights.roles)


# --- school classes (the class overview of screening results) ------------------------------------------


def _membership_holds_class(m: Membership, school_class: SchoolClass) -> bool:
    """The membership's scope holds the whole class: the class itself, its school, or a region above it."""
    school = school_class.school
    if m.school_class_id:
        return m.school_class_id == school_class.pk
    if m.school_id:
        return m.school_id == school.pk
    if m.region is None:
        return False
    if m.region.level == Region.Level.VILLAGE:
        return school.region_id == m.region_id
    column = _LEVEL_FIELD.get(m.region.level)
    return column is not None and getattr(school, column) == m.region_id


def get_class_for_user(
    user: UserLike, public_id: Any, *, need: FieldTier = T.STATUS
) -> tuple[SchoolClass, Rights]:
    """A class with the rights of the memberships holding all of it: 404 for anyone else, 403 if too weak.

    Per-object grants reach single children, never a whole class.
    """
    pid = parse_public_id(public_id)
    school_class = SchoolClass.objects.select_related("school").filter(public_id=pid).first()
    if school_class is None:
        raise Http404
    rights = NO_RIGHTS
    for m in scope_of(user).memberships:
        caps = ROLE_CAPABILITIES[m.role]
        if caps.tiers and _membership_holds_class(m, school_class):
            rights = rights.union(caps, m.role)
    if not rights:
        raise Http404
    require(rights, need)
    return school_class, rights


# --- training (sessions, invitations, materials) -------------------------------------------------------
# Trainers hold no tier over children: what they see of a guardian is a name and a village, and never
# anything from screening. Who may do what:
#   trainer of county K: every session, venue and material of K; schedules, enrols, takes attendance.
#   county administrator of K: reads the sessions and the statistics of K.
#   village director of V: sessions that invite V (or meet in V); enrols the guardians of V.
#   every other role: 403.

if TYPE_CHECKING:
    from training.invitations import Invitee
    from training.models import Material, Session


@dataclass(frozen=True)
class TrainingRights:
    manage: bool = False  # schedule, edit, enrol anyone invited, take attendance
    statistics: bool = False  # county figures
    villages: frozenset[int] = frozenset()  # villages whose guardians the user enrols (directors)

    @property
    def enrols(self) -> bool:
        return self.manage or bool(self.villages)


def _training_counties(user: UserLike, *roles: str) -> set[int]:
    return {m.region_id for m in scope_of(user).memberships if m.role in roles and m.region_id}


def _director_villages(user: UserLike) -> set[int]:
    return {
        m.region_id for m in scope_of(user).memberships if m.role == Role.VILLAGE_DIRECTOR and m.region_id
    }


def training_rights(user: UserLike) -> TrainingRights:
    """The user's training rights over their whole scope; 403 for roles without any."""
    managed = _training_counties(user, Role.TRAINER)
    staff = _training_counties(user, Role.TRAINER, Role.COUNTY_ADMIN)
    villages = _director_villages(user)
    if not staff and not villages:
        raise PermissionDenied
    return TrainingRights(manage=bool(managed), statistics=bool(staff), villages=frozenset(villages))


def training_county_ids(user: UserLike, *, manage: bool = False) -> set[int]:
    """Counties whose sessions the user reads (trainers, county administrators) or, with ``manage``, runs."""
    return (
        _training_counties(user, Role.TRAINER)
        if manage
        else _training_counties(user, Role.TRAINER, Role.COUNTY_ADMIN)
    )


def training_sessions_for(user: UserLike) -> QuerySet[Session]:
    """Sessions the user sees; 403 for roles without training rights."""
    from training.models import Session

    training_rights(user)
    condition = Q(county_id__in=training_county_ids(user))
    villages = _director_villages(user)
    if villages:
        condition |= Q(villages__in=villages) | Q(venue__region_id__in=villages)
    return Session.objects.filter(pk__in=Session.objects.filter(condition).values("pk"))


def get_training_session_for_user(
    user: UserLike, public_id: Any, *, manage: bool = False, enrol: bool = False
) -> tuple[Session, TrainingRights]:
    """A session with the user's rights over it: 403 for roles without training, 404 outside the scope,
    403 with ``manage`` unless a trainer of its county, 403 with ``enrol`` unless trainer or director."""
    pid = parse_public_id(public_id)
    session = (
        training_sessions_for(user).select_related("program", "venue__region").filter(public_id=pid).first()
    )
    if session is None:
        raise Http404
    manages = session.county_id in training_county_ids(user, manage=True)
    rights = TrainingRights(
        manage=manages,
        statistics=session.county_id in training_county_ids(user),
        villages=frozenset(_director_villages(user)),
    )
    if (manage and not manages) or (enrol and not rights.enrols):
        raise PermissionDenied
    return session, rights


def get_material_for_user(user: UserLike, public_id: Any) -> Material:
    """A program's material for users who read sessions of its county (trainers, county administrators),
    or, for village directors, of a program with a session inviting their village; 404 otherwise."""
    from training.models import Material

    pid = parse_public_id(public_id)
    material = Material.objects.select_related("program").filter(public_id=pid).first()
    if material is None:
        raise Http404
    if material.program.county_id in training_county_ids(user):
        return material
    if not training_sessions_for(user).filter(program_id=material.program_id).exists():
        raise Http404
    return material


def invitees_for_session(user: UserLike, session: Session) -> list[Invitee]:
    """Invitation list drawn from the registry (``training.invitations``): guardians or parents whose
    children need it most come first, then the others of the session's villages and schools; staff
    audiences list staff of the county. Each invitee is a name, phone, village and enrolment status only:
    no tier, score, reason or priority. Trainers of the county get everyone the session reaches, village
    directors the people of their villages; 404 outside the scope, 403 for roles that do not enrol."""
    from training.invitations import draw_invitees
    from training.sessions import windows_for

    session, rights = get_training_session_for_user(user, session.public_id, enrol=True)
    villages = None if rights.manage else set(rights.villages)
    return draw_invitees(session, windows_for(session.county_id), villages=villages)


# --- administration (county administrators) -----------------------------------------------------


def require_administrator(user: UserLike) -> UserScope:
    scope = scope_of(user)
    if not scope.can_administer:
        raise PermissionDenied
    return scope


def regions_for_admin(user: UserLike) -> QuerySet[Region]:
    counties = Region.objects.filter(pk__in=require_administrator(user).admin_county_ids())
    condition = Q(pk__in=[])
    for county in counties:
        condition |= Q(path__startswith=county.path)
    return Region.objects.filter(condition)


def schools_for_admin(user: UserLike) -> QuerySet[School]:
    return School.objects.filter(county_id__in=require_administrator(user).admin_county_ids())


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
        | Q(role=Role.VOLUNTEER, user__volunteer__organisation__region__path__regex=in_county)
    )


def users_for_admin(user: UserLike) -> QuerySet[Any]:
    """Accounts holding, or having held, a membership the administrator manages."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk__in=memberships_for_admin(user).values("user_id"))


def notifications_for(user: UserLike) -> QuerySet[OutboxMessage]:
    """A user's own notifications: nobody reads the messages addressed to someone else."""
    if not user.is_authenticated:
        return OutboxMessage.objects.none()
    return OutboxMessage.objects.filter(user_id=user.pk)


# --- mandatory reports of suspected harm (强制报告) -------------------------------------------------
# Anyone holding a role may file. A report is handled by the township supervisors of its township
# and the administrators of its county; only they read the narrative and see who filed it. The
# reporter sees the receipt and status of their own reports, nothing more.


@dataclass(frozen=True)
class ReportRights:
    handler: bool = False  # reads the narrative, sees the reporter, changes the status
    reporter: bool = False  # filed it: sees its receipt and status


def can_file_reports(user: UserLike) -> bool:
    return bool(scope_of(user).memberships)


def require_reporter(user: UserLike) -> UserScope:
    """403 for an account without any role: every role may file a report."""
    scope = scope_of(user)
    if not scope.memberships:
        raise PermissionDenied
    return scope


def _handled_areas(user: UserLike) -> tuple[set[int], set[int]]:
    scope = scope_of(user)
    townships = {m.region_id for m in scope.memberships if m.role == Role.TOWNSHIP_SUPERVISOR and m.region_id}
    return townships, scope.admin_county_ids()


def is_report_handler(user: UserLike) -> bool:
    townships, counties = _handled_areas(user)
    return bool(townships or counties)


def reports_for(user: UserLike) -> QuerySet[HarmReport]:
    """Reports the user handles; 403 for every role that handles none (volunteers, teachers, ...)."""
    townships, counties = _handled_areas(user)
    if not townships and not counties:
        raise PermissionDenied
    return HarmReport.objects.filter(Q(township_id__in=townships) | Q(county_id__in=counties))


def own_reports_for(user: UserLike) -> QuerySet[HarmReport]:
    """The reports the user filed (receipt and status only are shown from these)."""
    require_reporter(user)
    return HarmReport.objects.filter(reporter_id=user.pk)


def report_handlers(township: Region) -> list[Any]:
    """Accounts handling reports of this township now: its supervisors and its county's administrators."""
    from django.contrib.auth import get_user_model

    county_id = township.ancestor_at(Region.Level.COUNTY)
    held = Membership.objects.current().filter(
        Q(role=Role.TOWNSHIP_SUPERVISOR, region_id=township.pk)
        | Q(role=Role.COUNTY_ADMIN, region_id=county_id)
    )
    return list(get_user_model().objects.filter(pk__in=held.values("user_id"), is_active=True).order_by("pk"))


def get_report_for_user(
    user: UserLike, public_id: Any, *, handle: bool = False
) -> tuple[HarmReport, ReportRights]:
    """A report for its handlers or its reporter: 404 for anyone else, 403 (``handle``) for the reporter."""
    pid = parse_public_id(public_id)
    report = HarmReport.objects.select_related("child", "township", "county").filter(public_id=pid).first()
    if report is None or not user.is_authenticated:
        raise Http404
    townships, counties = _handled_areas(user)
    rights = ReportRights(
        handler=report.township_id in townships or report.county_id in counties,
        reporter=report.reporter_id == user.pk and bool(scope_of(user).memberships),
    )
    if not rights.handler and not rights.reporter:
        raise Http404
    if handle and not rights.handler:
        raise PermissionDenied
    return report, rights


# --- early warnings ------------------------------------------------------------------------------------

# Which warning actions each role may take on a warning of a child its membership covers; the state
# machine (screening/warnings.py) decides which of them the warning's state allows. County
# administrators hold no scores, so they may move a warning on but never start, follow up or close it.
WARNING_ACTIONS: dict[str, frozenset[str]] = {
    Role.COUNTY_ADMIN: frozenset({"acknowledge", "assign", "escalate", "transfer"}),
    Role.TOWNSHIP_SUPERVISOR: frozenset(
        {"acknowledge", "assign", "escalate", "transfer", "start_intervention", "request_follow_up", "close"}
    ),
    Role.COUNSELLOR: frozenset(
        {"acknowledge", "assign", "escalate", "transfer", "start_intervention", "request_follow_up", "close"}
    ),
}
# Grants that carry the warning's neutral label (STATUS) or more.
_WARNING_GRANTS = [code for code, caps in GRANT_CAPABILITIES.items() if T.STATUS in caps.tiers]


def _require_warning_role(user: UserLike) -> UserScope:
    """403 for users none of whose roles ever sees a warning (volunteers, trainers, no membership)."""
    scope = scope_of(user)
    if not any(T.STATUS in caps.tiers for caps in scope.capabilities()):
        raise PermissionDenied
    return scope


def can_see_warnings(user: UserLike) -> bool:
    """For menus: whether any of the user's roles sees warnings (the list answers 403 otherwise)."""
    return any(T.STATUS in caps.tiers for caps in scope_of(user).capabilities())


def _warning_conditions(user: UserLike) -> list[Q]:
    """Conditions on Child: memberships and grants that carry the STATUS tier (403 for other roles)."""
    scope = _require_warning_role(user)
    conditions = [
        q
        for m in scope.memberships
        if T.STATUS in ROLE_CAPABILITIES[m.role].tiers and (q := _membership_q(m)) is not None
    ]
    if has_active_grants(user):
        granted = active_grants(user).filter(permission__codename__in=_WARNING_GRANTS)
        conditions.append(Q(pk__in=granted.values("content_object_id")))
    return conditions


def _rerooted(q: Q, prefix: str) -> Q:
    """The same condition on a related model: Q(school_id=1) -> Q(child__school_id=1)."""
    copy = Q()
    copy.connector, copy.negated = q.connector, q.negated
    copy.children = [
        _rerooted(c, prefix) if isinstance(c, Q) else (prefix + c[0], c[1])  # type: ignore[index]
        for c in q.children
    ]
    return copy


def warning_children_for(user: UserLike) -> QuerySet[Child]:
    """Children whose warnings the user sees: memberships and grants that carry the STATUS tier."""
    conditions = _warning_conditions(user)
    if not conditions:
        return Child.objects.none()
    return Child.objects.filter(functools.reduce(operator.or_, conditions))


def warnings_for(user: UserLike) -> QuerySet[Warning]:
    """Every warning (open or closed) of the children in the user's scope; 403 for roles without warnings.

    The scope is a condition on the joined child (not a subquery of children): there are far fewer
    warnings than children, so the database walks the warnings and looks each child up by key.
    """
    from screening.models import Warning

    conditions = _warning_conditions(user)
    if not conditions:
        return Warning.objects.none()
    rerooted = [_rerooted(q, "child__") for q in conditions]
    return Warning.objects.filter(functools.reduce(operator.or_, rerooted))


def warning_actions(rights: Rights) -> frozenset[str]:
    """The warning actions the roles behind these rights allow (before the state machine is asked)."""
    return frozenset().union(*(WARNING_ACTIONS.get(role, frozenset()) for role in rights.roles))


def get_warning_for_user(
    user: UserLike, public_id: Any, *, need: FieldTier = T.STATUS, action: str | None = None
) -> tuple[Warning, Rights]:
    """A warning with the user's rights over its child: 403 for roles without warnings, 404 outside
    the scope or missing, 403 when the rights lack ``need`` or the role may not take ``action``."""
    from screening.models import Warning

    _require_warning_role(user)
    pid = parse_public_id(public_id)
    warning = (
        Warning.objects.select_related(
            "child", "child__school", "child__village", "school", "township", "assigned_to"
        )
        .filter(public_id=pid)
        .first()
    )
    if warning is None:
        raise Http404
    rights = rights_for_child(user, warning.child)
    if T.STATUS not in rights.tiers:
        raise Http404
    if need not in rights.tiers or (action is not None and action not in warning_actions(rights)):
        raise PermissionDenied
    return warning, rights


def _current_members(role: str) -> QuerySet[Membership]:
    return Membership.objects.current().filter(role=role, user__is_active=True)


def responders_for_child(child: Child, role: str) -> QuerySet[Any]:
    """Active users holding ``role`` through a membership whose scope covers the child (home or school)."""
    from django.contrib.auth import get_user_model

    school = child.school
    regions = {child.village_id, child.township_id, child.county_id}
    if school is not None:
        regions |= {school.region_id, school.township_id, school.county_id}
    covering = Q(region_id__in=regions)
    if child.school_id:
        covering |= Q(school_id=child.school_id, school_class__isnull=True)
    if child.school_class_id:
        covering |= Q(school_class_id=child.school_class_id)
    members = _current_members(role).filter(covering)
    return get_user_model().objects.filter(pk__in=members.values("user_id")).order_by("pk")


def responders_for_unit(
    role: str, *, school_id: int | None = None, region_id: int | None = None
) -> list[Any]:
    """Active users holding ``role`` at exactly this school or region (a warning's responsible unit)."""
    from django.contrib.auth import get_user_model

    if school_id is None and region_id is None:
        return []
    members = _current_members(role).filter(
        Q(school_id=school_id, school_class__isnull=True) if school_id is not None else Q(region_id=region_id)
    )
    return list(get_user_model().objects.filter(pk__in=members.values("user_id")).order_by("pk"))


def counsellors_for_warning(warning: Warning) -> QuerySet[Any]:
    """Counsellors a warning may be assigned or transferred to: those whose school scope covers the child."""
    return responders_for_child(warning.child, Role.COUNSELLOR)


def rescreens_for(user: UserLike) -> QuerySet[RescreenDue]:
    """Contacts and rescreens planned for the children whose warnings the user sees."""
    from screening.models import RescreenDue

    return RescreenDue.objects.filter(child__in=warning_children_for(user))


# --- trends and allocation (township and county staff) -------------------------------------------------

# Aggregate screening trends: county administrators (their county and its townships) and township
# supervisors (their township). Figures only, never names.
TREND_ROLES = frozenset({Role.COUNTY_ADMIN, Role.TOWNSHIP_SUPERVISOR})


def trend_regions_for(user: UserLike) -> QuerySet[Region]:
    """Townships and counties whose trends the user sees; 403 for roles without trends."""
    memberships = [m for m in scope_of(user).memberships if m.role in TREND_ROLES and m.region_id]
    if not memberships:
        raise PermissionDenied
    condition = Q(pk__in=[])
    for m in memberships:
        condition |= Q(pk=m.region_id)
        if m.role == Role.COUNTY_ADMIN:
            condition |= Q(parent_id=m.region_id, level=Region.Level.TOWNSHIP)
    return Region.objects.filter(condition)


def get_trend_region_for_user(user: UserLike, public_id: Any) -> Region:
    """A township or county whose trends the user sees: 403 for other roles, 404 outside the scope."""
    pid = parse_public_id(public_id)
    region = trend_regions_for(user).filter(public_id=pid).select_related("parent").first()
    if region is None:
        raise Http404
    return region


def allocation_townships_for(user: UserLike) -> QuerySet[Region]:
    """Townships whose open warnings the user allocates: the township supervisor's own; 403 otherwise."""
    memberships = scope_of(user).memberships
    ids = [m.region_id for m in memberships if m.role == Role.TOWNSHIP_SUPERVISOR and m.region_id]
    if not ids:
        raise PermissionDenied
    return Region.objects.filter(pk__in=ids, level=Region.Level.TOWNSHIP)


def get_allocation_township_for_user(user: UserLike, public_id: Any) -> Region:
    pid = parse_public_id(public_id)
    township = allocation_townships_for(user).filter(public_id=pid).select_related("parent").first()
    if township is None:
        raise Http404
    return township


def counsels_child_school(user: UserLike, child: Child) -> bool:
    """The user holds the counsellor role for the child's school today (who may sign off a warning)."""
    return child.school_id is not None and any(
        m.role == Role.COUNSELLOR and m.school_id == child.school_id for m in scope_of(user).memberships
    )
