"""Allocation in a township: inputs from the database, the proposal, and confirming it.

Unassigned warnings of the township in a state the assign transition accepts (read through
``screening.access.warnings_for``) become ``solver.OpenWarning``; the township's counsellors (a
current membership at one of its schools) and volunteers (a ``ResponderProfile`` based at one of its
schools or villages) become ``solver.Responder``. Free slots this week = weekly capacity - cases the
person took on during the last seven days (warnings assigned to the counsellor, companionship tasks
the volunteer started): the capacity is a weekly intake, not a ceiling on the whole caseload. A user
without a profile counts as an unqualified responder with the default capacity.

Confirming writes everything or nothing: each counsellor row goes through warnings-core's
``assign_warning``; a volunteer row assigns the warning to the supervising counsellor and starts a
``Companionship`` with a per-object ``volunteer_child`` grant that expires with it; every RED left
without anyone is escalated to the county with ``escalate_warning``, with the supervisor's reason
(required) as its note.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.models import ChildGrant, Membership, Region, Role, School
from lbc.services.errors import DomainError
from screening.access import warnings_for
from screening.allocation import solver
from screening.allocation.solver import Kind, OpenWarning, Place, Proposal, Responder
from screening.models import Companionship, EscalationLevel, ResponderProfile, Warning, WarningEvent
from screening.scoring.tiers import RED_TIERS
from screening.warnings.actions import assign_warning, escalate_warning
from screening.warnings.notices import responders as ladder_responders
from screening.warnings.state import TRANSITIONS

COMPANIONSHIP_TERM = dt.timedelta(weeks=8)
WEEK = dt.timedelta(days=7)  # the window a weekly capacity is counted over (rolling, any weekday)
# Warnings the allocation may hand out: those the assign transition accepts.
ASSIGNABLE_STATES = sorted(TRANSITIONS["assign"].sources)
DEFAULT_CAPACITY = ResponderProfile._meta.get_field("weekly_capacity").default


@dataclass
class Inputs:
    warnings: list[Warning]
    open_warnings: list[OpenWarning]
    responders: list[Responder]
    users: dict[int, Any]  # responder id (user pk) -> user


def _place(school: School | None, village: Region | None) -> Place:
    where = village or (school.region if school is not None else None)
    return Place(
        school_id=school.pk if school is not None else None,
        village_id=village.pk if village is not None else None,
        township_id=school.township_id if school is not None else (village.parent_id if village else None),
        county_id=school.county_id if school is not None else None,
        latitude=where.latitude if where is not None else None,
        longitude=where.longitude if where is not None else None,
    )


def display_name(user: Any) -> str:
    """A person's name as people read it (the login only when no name is recorded)."""
    return str(user.get_full_name() or user.get_username())


def unassigned_warnings(user: Any, township: Region) -> list[Warning]:
    """Open warnings of the township that nobody holds yet and that may be assigned, most urgent
    deadline first. (A warning in intervention or follow-up without a holder is someone's case already;
    the assign transition would refuse it.)"""
    busy = Companionship.objects.filter(ended_at__isnull=True).values("warning_id")
    return list(
        warnings_for(user)
        .filter(township=township, state__in=ASSIGNABLE_STATES, assigned_to__isnull=True)
        .exclude(pk__in=busy)
        .select_related("child", "child__village", "child__school", "child__school__region", "school")
        .order_by("due_at", "pk")
    )


def taken_this_week(ids: set[int], now: dt.datetime) -> dict[int, int]:
    """Cases each person took on in the seven days before ``now``: warnings assigned to them in that time
    (by their latest assignment, closed or not) and companionship tasks they started in that time."""
    since = now - WEEK
    taken: dict[int, int] = defaultdict(int)
    assigned = (
        Warning.objects.filter(assigned_to_id__in=ids)
        .annotate(last=Max("events__at", filter=Q(events__action=WarningEvent.Action.ASSIGNED)))
        .filter(last__gt=since, last__lte=now)
        .values_list("assigned_to_id", flat=True)
    )
    for uid in assigned:
        taken[uid] += 1
    for uid in Companionship.objects.filter(
        volunteer_id__in=ids, started_at__gt=since, started_at__lte=now
    ).values_list("volunteer_id", flat=True):
        taken[uid] += 1
    return taken


def _responders(
    township: Region, now: dt.datetime
) -> tuple[list[Responder], dict[int, Any], dict[int, set[int]]]:
    """The township's responders, their users and, per school, the counsellors it has."""
    schools = {s.pk: s for s in School.objects.filter(township_id=township.pk).select_related("region")}
    memberships = Membership.objects.current().filter(
        role=Role.COUNSELLOR, school_id__in=list(schools), school_class__isnull=True, user__is_active=True
    )
    by_school: dict[int, set[int]] = defaultdict(set)
    home: dict[int, School] = {}
    for m in memberships.order_by("pk"):
        assert m.school_id is not None
        by_school[m.school_id].add(m.user_id)
        home.setdefault(m.user_id, schools[m.school_id])
    volunteer_ids = set(
        ResponderProfile.objects.filter(
            Q(base_school__township_id=township.pk) | Q(base_village__parent_id=township.pk),
            user__memberships__in=Membership.objects.current().filter(role=Role.VOLUNTEER),
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )
    ids = set(home) | volunteer_ids
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
    profiles = {
        p.user_id: p
        for p in ResponderProfile.objects.filter(user_id__in=ids).select_related(
            "base_school__region", "base_village"
        )
    }
    taken = taken_this_week(ids, now)
    responders = []
    for uid in sorted(ids):
        profile = profiles.get(uid)
        is_volunteer = uid in volunteer_ids and uid not in home
        school = (profile.base_school if profile else None) or home.get(uid)
        capacity = profile.weekly_capacity if profile else DEFAULT_CAPACITY
        responders.append(
            Responder(
                id=uid,
                kind=Kind.VOLUNTEER if is_volunteer else Kind.COUNSELLOR,
                qualified=bool(profile and profile.qualified_counsellor and not is_volunteer),
                capacity=max(0, capacity - taken[uid]),
                place=_place(school, profile.base_village if profile else None),
                supervisor_id=profile.supervisor_id if profile and is_volunteer else None,
            )
        )
    return responders, users, by_school


def gather(user: Any, township: Region, now: dt.datetime) -> Inputs:
    warnings = unassigned_warnings(user, township)
    responders, users, by_school = _responders(township, now)
    known: dict[int, set[int]] = defaultdict(set)
    for child_id, uid in Warning.objects.filter(
        child_id__in=[w.child_id for w in warnings], assigned_to__isnull=False
    ).values_list("child_id", "assigned_to_id"):
        known[child_id].add(uid)
    open_warnings = [
        OpenWarning(
            id=w.pk,
            tier=w.tier,
            waiting_days=max(0, (now - w.raised_at).days),
            context_score=w.context_score,
            place=_place(w.child.school, w.child.village),
            known_counsellors=frozenset(known[w.child_id]),
            allowed_counsellors=frozenset(by_school.get(w.child.school_id or 0, set())),
        )
        for w in warnings
    ]
    return Inputs(warnings, open_warnings, responders, users)


def propose(inputs: Inputs) -> Proposal:
    return solver.allocate(inputs.open_warnings, inputs.responders)


def escalation_recipients(warnings: Sequence[Warning]) -> list[Any]:
    """Who an escalation from the allocation reaches: the county administrators of these warnings."""
    found: dict[int, Any] = {}
    for county_id in sorted({w.county_id for w in warnings}):
        sample = next(w for w in warnings if w.county_id == county_id)
        for user in ladder_responders(sample, EscalationLevel.COUNTY):
            found.setdefault(user.pk, user)
    return list(found.values())


def to_escalate(inputs: Inputs, choices: Sequence[Choice]) -> list[Warning]:
    """The REDs these choices leave without anyone and that confirming will escalate to the county
    (those already at the county level stay where they are)."""
    warnings = {w.pk: w for w in inputs.warnings}
    return [
        warnings[c.warning_id]
        for c in choices
        if c.responder_id is None
        and c.warning_id in warnings
        and warnings[c.warning_id].tier in RED_TIERS
        and warnings[c.warning_id].escalation_level < EscalationLevel.COUNTY
    ]


class ReasonMissing(DomainError):
    """Uncovered REDs would be escalated without the supervisor saying why."""


@dataclass(frozen=True)
class Choice:
    warning_id: int
    responder_id: int | None


def confirm_allocation(
    township: Region,
    inputs: Inputs,
    choices: Sequence[Choice],
    *,
    by: Any,
    reason: str = "",
    request: Any = None,
) -> tuple[int, int, int]:
    """Carry out the supervisor's (possibly edited) allocation; returns (assigned, companionships, escalated).

    Every choice must be one of the candidates of its warning; otherwise nothing is written. A RED left
    without anyone is escalated to the county with ``reason`` as its note; without a reason nothing is
    written (``ReasonMissing``).
    """
    reason = reason.strip()
    escalating = {w.pk for w in to_escalate(inputs, choices)}
    if escalating and not reason:
        raise ReasonMissing(_("请填写上报原因：无人承接的红色预警将上报县级。"))
    warnings = {w.pk: w for w in inputs.warnings}
    opens = {w.id: w for w in inputs.open_warnings}
    by_id = {r.id: r for r in inputs.responders}
    counsellors = [r for r in inputs.responders if r.kind == Kind.COUNSELLOR]
    now = timezone.now()
    assigned = companions = escalated = 0
    load: dict[int, int] = defaultdict(int)
    with transaction.atomic():
        for choice in choices:
            w = opens.get(choice.warning_id)
            if w is None:
                raise DomainError(_("所选预警已不在待分派列表中，请刷新页面。"))
            if choice.responder_id is None:
                if w.id in escalating:
                    escalate_warning(
                        warnings[w.id],
                        by=by,
                        reason="no_capacity",
                        note=reason,
                        to_level=EscalationLevel.COUNTY,
                        request=request,
                    )
                    escalated += 1
                continue
            allowed = {r.id for r in solver.candidates(w, inputs.responders)}
            responder = by_id.get(choice.responder_id)
            if responder is None or responder.id not in allowed:
                raise DomainError(_("所选人员不能承接该预警，请从列表中选择。"))
            load[responder.id] += 1
            if load[responder.id] > responder.capacity:
                raise DomainError(
                    _("%(name)s 本周已没有空余名额。") % {"name": display_name(inputs.users[responder.id])}
                )
            if responder.kind == Kind.COUNSELLOR:
                assign_warning(warnings[w.id], to=inputs.users[responder.id], by=by, request=request)
                assigned += 1
                continue
            supervisor_id = solver.supervisor_for(w, responder, counsellors, solver.place_distance)
            assert supervisor_id is not None  # candidates() only offers supervised volunteers
            supervisor = get_user_model().objects.get(pk=supervisor_id)
            warning = assign_warning(warnings[w.id], to=supervisor, by=by, request=request)
            start_companionship(warning, inputs.users[responder.id], supervisor, by=by, now=now)
            companions += 1
        audit.record(
            "screening.allocation.confirmed",
            actor=by,
            request=request,
            obj=township,
            detail={"assigned": assigned, "companionships": companions, "escalated": escalated}
            | ({"escalation_reason": reason} if escalated else {}),
        )
    return assigned, companions, escalated


def start_companionship(
    warning: Warning, volunteer: Any, supervisor: Any, *, by: Any, now: dt.datetime
) -> Companionship:
    """A supervised companionship task with the volunteer's per-object grant on the child (same expiry)."""
    ends = now + COMPANIONSHIP_TERM
    permission = Permission.objects.get(codename="volunteer_child", content_type__app_label="lbc")
    grant = ChildGrant.objects.create(
        user=volunteer,
        permission=permission,
        content_object=warning.child,
        expires_at=ends,
        reason=_("志愿者陪伴任务（督导：%(name)s）") % {"name": supervisor.get_username()},
        granted_by=by,
    )
    companionship = Companionship.objects.create(
        warning=warning, volunteer=volunteer, supervisor=supervisor, grant=grant, ends_at=ends, created_by=by
    )
    audit.record(
        "screening.companionship.started",
        actor=by,
        obj=companionship,
        child=warning.child,
        detail={"volunteer": volunteer.get_username(), "supervisor": supervisor.get_username()},
    )
    return companionship


def end_companionship(companionship: Companionship, *, by: Any, now: dt.datetime) -> None:
    with transaction.atomic():
        grant = companionship.grant
        companionship.ended_at = now
        companionship.grant = None
        companionship.save(update_fields=["ended_at", "grant"])
        if grant is not None:
            grant.delete()
        audit.record(
            "screening.companionship.ended", actor=by, obj=companionship, child=companionship.warning.child
        )


def end_finished_companionships(now: dt.datetime) -> int:
    """Periodic job: end the tasks whose warning is closed or whose term is over, removing their grants."""
    finished = (
        Companionship.objects.filter(ended_at__isnull=True)
        .filter(Q(warning__state="closed") | Q(ends_at__lte=now))
        .select_related("warning__child", "grant")
    )
    count = 0
    for companionship in finished:
        end_companionship(companionship, by=None, now=now)
        count += 1
    return count
