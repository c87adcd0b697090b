"""Who to invite to a session, drawn from the registry, in one order that reveals nothing about screening.

Invitees are listed by village and name. An ``Invitee`` holds a name, a phone, a village and the enrolment
status, never a tier, score or reason; its neutral ``priority`` flag ("邀请优先": a child of theirs needs
support) is set only for a viewer who may see that child's warnings (the STATUS tier of the capability
table, ``screening.access.warning_children_for``), so a trainer's list is the same whatever the screening
says. Scope (which villages a user may draw from) is decided by ``training.access``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from lbc.access import UserLike
from lbc.models import Child, ChildGuardian, Guardian, Membership, Parent, Region, Role
from screening.access import can_see_warnings, warning_children_for
from screening.models import Warning, WarningState

from .access import get_training_session_for_user
from .models import Audience, Enrolment, Session, Venue
from .services.bookings import windows_for
from .windows import AudienceWindows

CONCERN_TIERS = ("RED_ACUTE", "RED", "ORANGE", "YELLOW")
STAFF_ROLES: dict[str, tuple[str, ...]] = {
    Audience.TEACHERS: (Role.HEAD_TEACHER, Role.COUNSELLOR),
    Audience.COMMUNITY_STAFF: (Role.VILLAGE_DIRECTOR, Role.TOWNSHIP_SUPERVISOR),
    Audience.VOLUNTEERS: (Role.VOLUNTEER,),
}


@dataclass(frozen=True)
class Invitee:
    kind: str  # "guardian" | "parent" | "user"
    public_id: str  # a guardian's or parent's public id; a user's username
    name: str
    phone: str
    village: str
    status: str = ""  # "", or the status of the person's enrolment in this session
    priority: bool = False  # a child needs support; set only for viewers who see that child's warnings


def children_needing_support(children: QuerySet[Child]) -> QuerySet[Child]:
    """THE rule for "needing it most": an open screening warning; or, for a child never warned (records
    from before warnings existed), a concern tier from the latest screening. A closed warning counts as
    dealt with."""
    any_warning = Warning.objects.filter(child=OuterRef("pk"))
    open_warning = any_warning.exclude(state=WarningState.CLOSED)
    return children.filter(
        Q(Exists(open_warning)) | (~Q(Exists(any_warning)) & Q(latest_tier__in=CONCERN_TIERS))
    )


def area_children(session: Session, villages: Collection[int] | None) -> QuerySet[Child]:
    """Active children of the session's villages and schools; without either, of the venue's township
    (village halls, schools) or the whole county (employer sites, remote). ``villages`` narrows to those."""
    children = Child.objects.filter(status=Child.Status.ACTIVE, county_id=session.county_id)
    village_ids = list(session.villages.values_list("pk", flat=True))
    school_ids = list(session.schools.values_list("pk", flat=True))
    if village_ids or school_ids:
        children = children.filter(Q(village_id__in=village_ids) | Q(school_id__in=school_ids))
    elif session.venue.kind in (Venue.Kind.VILLAGE_HALL, Venue.Kind.SCHOOL):
        township = session.venue.region.ancestor_at(Region.Level.TOWNSHIP)
        if township is not None:
            children = children.filter(township_id=township)
    if villages is not None:
        children = children.filter(village_id__in=list(villages))
    return children


def _statuses(session: Session, field: str) -> dict[int, str]:
    rows = Enrolment.objects.filter(session=session, **{f"{field}__isnull": False}).exclude(
        status=Enrolment.Status.CANCELLED
    )
    return dict(rows.values_list(f"{field}_id", "status"))


def _first(rows: Iterable[tuple[bool, str, str, int]], limit: int) -> list[int]:
    """Ids of ``limit`` people in display order (village, name). When the list is cut, the flagged come
    in first; the flag is only ever set where the viewer may know it. Sorting uses plain columns only,
    so phones are decrypted for the returned rows alone."""
    kept = sorted(rows, key=lambda r: (not r[0], r[1], r[2], r[3]))[:limit]
    return [row[3] for row in sorted(kept, key=lambda r: (r[1], r[2], r[3]))]


def _flagged(children: QuerySet[Child], flag_within: QuerySet[Child] | None) -> QuerySet[Child]:
    if flag_within is None:
        return children.none()
    return children_needing_support(children).filter(pk__in=flag_within.values("pk"))


def _guardians(
    session: Session, children: QuerySet[Child], limit: int, flag_within: QuerySet[Child] | None
) -> list[Invitee]:
    needy = set(_flagged(children, flag_within).values_list("pk", flat=True))
    flag: dict[int, bool] = {}
    for guardian_id, child_id in ChildGuardian.objects.filter(child__in=children).values_list(
        "guardian_id", "child_id"
    ):
        flag[guardian_id] = flag.get(guardian_id, False) or child_id in needy
    rows = Guardian.objects.filter(pk__in=list(flag)).values_list("pk", "name", "village__name")
    chosen = _first(((flag[pk], village, name, pk) for pk, name, village in rows), limit)
    statuses = _statuses(session, "guardian")
    found = Guardian.objects.select_related("village").in_bulk(chosen)
    return [
        Invitee(
            "guardian", str(g.public_id), g.name, g.phone, g.village.name, statuses.get(g.pk, ""), flag[g.pk]
        )
        for g in (found[pk] for pk in chosen)
    ]


def _parents(
    session: Session,
    children: QuerySet[Child],
    windows: AudienceWindows,
    limit: int,
    flag_within: QuerySet[Child] | None,
) -> list[Invitee]:
    """At an employer site: the parents working there. Otherwise parents at home, or (around Spring
    Festival) those who come home for it, of the area's households; remote sessions reach everyone."""
    needy_households = set(_flagged(children, flag_within).values_list("household_id", flat=True))
    venue = session.venue
    parents = Parent.objects.filter(household__county_id=session.county_id)
    if venue.kind == Venue.Kind.EMPLOYER_SITE and venue.organisation_id:
        parents = parents.filter(
            Q(employer_id=venue.organisation_id) | Q(employer_name=venue.organisation.name)  # type: ignore[union-attr]
        ).filter(household__in=children.values("household_id"))
    else:
        parents = parents.filter(household__in=children.values("household_id"))
        if venue.kind != Venue.Kind.REMOTE:
            home = Q(works_away=False) | Q(return_period=Parent.ReturnPeriod.AT_HOME)
            if windows.in_spring_festival(session.starts_at.astimezone(windows.tz).date()):
                home |= Q(return_period=Parent.ReturnPeriod.SPRING_FESTIVAL)
            parents = parents.filter(home)
    rows = parents.values_list("pk", "name", "household_id", "household__village__name")
    chosen = _first(((h in needy_households, village, name, pk) for pk, name, h, village in rows), limit)
    statuses = _statuses(session, "parent")
    found = Parent.objects.select_related("household__village").in_bulk(chosen)
    return [
        Invitee(
            "parent", str(p.public_id), p.name, p.phone, p.household.village.name, statuses.get(p.pk, ""),
            p.household_id in needy_households,
        )
        for p in (found[pk] for pk in chosen)
    ]


def _staff(session: Session, roles: Iterable[str], limit: int) -> list[Invitee]:
    county = session.county
    in_county = Q(region__path__startswith=county.path) | Q(school__county_id=county.pk)
    in_county |= Q(school_class__school__county_id=county.pk)
    in_county |= Q(role=Role.VOLUNTEER, user__volunteer__organisation__region__path__startswith=county.path)
    user_ids = Membership.objects.current().filter(in_county, role__in=list(roles)).values("user_id")
    users = list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).select_related("volunteer"))
    names = {u.pk: u.get_full_name() or u.get_username() for u in users}
    chosen = set(_first(((False, "", names[u.pk], u.pk) for u in users), limit))
    statuses = _statuses(session, "user")
    invitees = []
    for u in sorted((u for u in users if u.pk in chosen), key=lambda u: (names[u.pk], u.pk)):
        volunteer: Any = getattr(u, "volunteer", None)
        phone = volunteer.phone if volunteer is not None else ""
        invitees.append(Invitee("user", u.get_username(), names[u.pk], phone, "", statuses.get(u.pk, "")))
    return invitees


def draw_invitees(
    session: Session,
    windows: AudienceWindows,
    *,
    villages: Collection[int] | None = None,
    limit: int = 500,
    flag_within: QuerySet[Child] | None = None,
) -> list[Invitee]:
    """Invitees of ``session`` by village and name; ``villages`` limits them to people of those villages
    (a village director's). Carers of children of ``flag_within`` who need support are flagged ``priority``
    (and kept first when the list is cut); without it nobody is. Staff audiences (teachers, community
    staff, volunteers) have no village list."""
    if session.audience in STAFF_ROLES:
        return [] if villages is not None else _staff(session, STAFF_ROLES[session.audience], limit)
    children = area_children(session, villages)
    if session.audience == Audience.PARENTS:
        return _parents(session, children, windows, limit, flag_within)
    return _guardians(session, children, limit, flag_within)


def invitees_for_session(user: UserLike, session: Session) -> list[Invitee]:
    """Invitation list drawn from the registry: the guardians or parents of the session's villages and
    schools by village and name; staff audiences list staff of the county. Each invitee is a name, phone,
    village and enrolment status, and the neutral priority flag only where the user sees the child's
    warnings (never for a trainer). Trainers of the county get everyone the session reaches, village
    directors the people of their villages; 404 outside the scope, 403 for roles that do not enrol."""
    session, rights = get_training_session_for_user(user, session.public_id, enrol=True)
    villages = None if rights.manage else set(rights.villages)
    flag_within = warning_children_for(user) if can_see_warnings(user) else None
    return draw_invitees(session, windows_for(session.county_id), villages=villages, flag_within=flag_within)
