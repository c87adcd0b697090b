"""Scheduling services: sessions and repeating series, checked against every other session, audited.

The rules are the pure functions of ``training.scheduling``; ``bookings`` turns rows into its
dataclasses and this module writes. Scheduling writes serialise (PostgreSQL advisory lock; SQLite transactions
are IMMEDIATE) so two people cannot book the same venue or trainer at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.access import Can, roles_with
from lbc.models import Membership, Region, School
from lbc.services.errors import DomainError
from training import messages
from training.enrolment import set_capacity
from training.models import Enrolment, Program, Session, SessionSeries, Venue
from training.scheduling import (
    Booking,
    SlotRequest,
    WindowWarning,
    clashes,
    propose_slots,
    repeat,
)
from training.scheduling import window_warnings as rule_warnings
from training.services.bookings import (
    booking_of,
    bookings_between,
    homes_of,
    place_of,
    sessions_between,
    trainer_party,
    windows_for,
)

_PG_SCHEDULE_LOCK = 0x4C4254  # "LBT": one lock id for all scheduling writes
FORMAT_OF_KIND = {
    Venue.Kind.VILLAGE_HALL: Session.Format.VILLAGE,
    Venue.Kind.SCHOOL: Session.Format.SCHOOL,
    Venue.Kind.EMPLOYER_SITE: Session.Format.EMPLOYER,
    Venue.Kind.REMOTE: Session.Format.REMOTE,
}


class ScheduleClash(DomainError):
    """The session (or a series occurrence) clashes; ``messages`` lists every clash in Chinese."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class Scheduled:
    sessions: list[Session]
    warnings: list[WindowWarning]
    series: SessionSeries | None = None

    @property
    def session(self) -> Session:
        return self.sessions[0]


# --- checks ------------------------------------------------------------------------------------


def _lock_scheduling() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_SCHEDULE_LOCK])


def _require_trainers(program: Program, trainers: Sequence[Any], day: dt.date) -> None:
    if not trainers:
        raise DomainError(_("请至少选择一位培训师。"))
    qualified = set(
        Membership.objects.current(day)
        .filter(
            role__in=roles_with(Can.MANAGE_TRAINING),
            region_id=program.county_id,
            user__in=[t.pk for t in trainers],
        )
        .values_list("user_id", flat=True)
    )
    missing = [trainer_party(t).name for t in trainers if t.pk not in qualified]
    if missing:
        raise DomainError(
            _("%(names)s不是本县在职的培训师，不能安排授课。") % {"names": _("、").join(missing)}
        )


def _check_session(
    program: Program,
    venue: Venue,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    now: dt.datetime,
    *,
    existing: Session | None = None,
) -> None:
    """The rules of one session; ``existing``: a scheduled session being moved, which may keep its
    retired program and its deactivated venue (retiring stops new sessions, not the ones there are)."""
    if not program.active and existing is None:
        raise DomainError(_("该培训项目已停用，不能再安排场次。"))
    if ends_at <= starts_at:
        raise DomainError(_("结束时间必须晚于开始时间。"))
    if ends_at - starts_at > dt.timedelta(hours=12):
        raise DomainError(_("一场培训不能超过12小时，请分成几场。"))
    if starts_at < now:
        raise DomainError(_("开始时间已经过去，不能安排。"))
    if venue.county_id != program.county_id:
        raise DomainError(_("场地不在该培训项目所属的县。"))
    if not venue.active and (existing is None or existing.venue_id != venue.pk):
        raise DomainError(_("该场地已停用。"))
    if capacity < 1:
        raise DomainError(_("名额至少为1人。"))
    if capacity > venue.capacity:
        raise DomainError(_("名额不能超过场地容量（%(n)d人）。") % {"n": venue.capacity})
    if program.level == Program.Level.PURCHASED:
        first, last = program.contract_starts_on, program.contract_ends_on
        day = timezone.localtime(starts_at).date()
        if first is None or last is None or not first <= day <= last:
            raise DomainError(
                _("购买服务合同期为%(first)s至%(last)s，该场次不在合同期内。")
                % {"first": first, "last": last}
            )


# --- services -------------------------------------------------------------------------------------


def _create(
    program: Program,
    *,
    by: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    venue: Venue,
    trainers: Sequence[Any],
    capacity: int,
    audience: str,
    format: str,
    literacy_note: str,
    dialect_note: str,
    villages: Sequence[Region],
    schools: Sequence[School],
    series: SessionSeries | None,
) -> Session:
    session = Session.objects.create(
        program=program,
        series=series,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        capacity=capacity,
        audience=audience,
        format=format,
        literacy_note=literacy_note,
        dialect_note=dialect_note,
        created_by=by,
    )
    session.trainers.set(trainers)
    session.villages.set(villages)
    session.schools.set(schools)
    return session


def schedule_series(
    program: Program,
    *,
    by: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    venue: Venue,
    trainers: Sequence[Any],
    every_days: int = 7,
    occurrences: int = 1,
    capacity: int | None = None,
    audience: str = "",
    format: str = "",
    literacy_note: str = "",
    dialect_note: str = "",
    villages: Sequence[Region] = (),
    schools: Sequence[School] = (),
    request: Any = None,
    now: dt.datetime | None = None,
) -> Scheduled:
    """Create one session, or ``occurrences`` sessions ``every_days`` apart, in one step.

    Every occurrence is checked against every scheduled session and against the other occurrences;
    if any clashes, ScheduleClash lists every clash of every occurrence and nothing is written.
    Audience-window warnings do not refuse; they are returned.
    """
    if not 1 <= occurrences <= 52:
        raise DomainError(_("一个系列的次数应在1到52之间。"))
    if occurrences > 1 and not 1 <= every_days <= 92:
        raise DomainError(_("系列课程的间隔应在1到92天之间。"))
    now = now or timezone.now()
    windows = windows_for(program.county_id)
    seats = capacity if capacity is not None else venue.capacity
    times = repeat(
        starts_at, ends_at, every=dt.timedelta(days=every_days or 1), count=occurrences, windows=windows
    )
    with transaction.atomic():
        _lock_scheduling()
        for start, end in times:
            _check_session(program, venue, start, end, seats, now)
        _require_trainers(program, trainers, timezone.localtime(starts_at).date())
        homes = homes_of(villages, schools)
        proposals = [
            Booking(
                start=start,
                end=end,
                place=place_of(venue),
                label=program.name,
                key=f"new:{n}",
                trainers=frozenset(trainer_party(t) for t in trainers),
                audience=audience or program.audience,
                home_villages=homes[0],
                home_townships=homes[1],
            )
            for n, (start, end) in enumerate(times, start=1)
        ]
        existing = bookings_between(times[0][0], times[-1][1])
        problems: list[str] = []
        for n, proposal in enumerate(proposals, start=1):
            found = clashes(proposal, [*existing, *proposals[: n - 1]], windows)
            prefix = (
                _("第%(n)d次（%(when)s）：") % {"n": n, "when": messages.day_phrase(proposal.start)}
                if occurrences > 1
                else ""
            )
            problems += [prefix + clash.message for clash in found]
        if problems:
            raise ScheduleClash(problems)
        series = (
            SessionSeries.objects.create(
                program=program, every_days=every_days, occurrences=occurrences, created_by=by
            )
            if occurrences > 1
            else None
        )
        sessions = [
            _create(
                program,
                by=by,
                starts_at=start,
                ends_at=end,
                venue=venue,
                trainers=trainers,
                capacity=seats,
                audience=audience or program.audience,
                format=format or FORMAT_OF_KIND[Venue.Kind(venue.kind)],
                literacy_note=literacy_note,
                dialect_note=dialect_note,
                villages=villages,
                schools=schools,
                series=series,
            )
            for start, end in times
        ]
        for session in sessions:
            audit.record(
                "training.session.created",
                actor=by,
                request=request,
                obj=session,
                detail={"program": str(program.public_id), "series": str(series.public_id) if series else ""},
            )
    warnings: list[WindowWarning] = []
    for proposal in proposals:
        for warning in rule_warnings(proposal, windows):
            if warning not in warnings:
                warnings.append(warning)
    return Scheduled(sessions, warnings, series)


def schedule_session(program: Program, **kwargs: Any) -> Scheduled:
    """One session (see ``schedule_series`` for the arguments)."""
    kwargs.pop("occurrences", None)
    return schedule_series(program, occurrences=1, **kwargs)


def window_warnings_for(session: Session) -> list[WindowWarning]:
    return rule_warnings(booking_of(session), windows_for(session.county_id))


def _move_proposal(
    session: Session, starts_at: dt.datetime, ends_at: dt.datetime, venue: Venue, trainers: Sequence[Any]
) -> Booking:
    """The booking ``session`` would become at the new time, venue and trainers (its people kept)."""
    current = booking_of(sessions_between(session.starts_at, session.ends_at).get(pk=session.pk))
    return Booking(
        start=starts_at,
        end=ends_at,
        place=place_of(venue),
        label=session.program.name,
        key=current.key,
        trainers=frozenset(trainer_party(t) for t in trainers),
        attendees=current.attendees,
        audience=session.audience,
        home_villages=current.home_villages,
        home_townships=current.home_townships,
    )


def _move_checks(
    session: Session,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    venue: Venue,
    trainers: Sequence[Any],
    capacity: int,
    now: dt.datetime,
) -> tuple[Booking, list[str]]:
    """Refuse (DomainError) what no change of time can fix; return the proposal and its clash messages."""
    if session.is_cancelled:
        raise DomainError(_("该场次已取消。"))
    if session.starts_at <= now:
        raise DomainError(_("该场次已经开始，不能再改时间。"))
    if session.seats_taken > venue.capacity:
        raise DomainError(_("新场地容量（%(n)d人）小于已报名人数。") % {"n": venue.capacity})
    if capacity < session.seats_taken:
        raise DomainError(
            _("已有%(n)d人报名，名额不能少于报名人数。请先取消部分报名。") % {"n": session.seats_taken}
        )
    _check_session(session.program, venue, starts_at, ends_at, capacity, now, existing=session)
    _require_trainers(session.program, trainers, timezone.localtime(starts_at).date())
    proposal = _move_proposal(session, starts_at, ends_at, venue, trainers)
    found = clashes(proposal, bookings_between(starts_at, ends_at), windows_for(session.county_id))
    return proposal, [c.message for c in found]


def check_session_change(
    session: Session,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    venue: Venue,
    trainers: Sequence[Any],
    capacity: int,
    now: dt.datetime | None = None,
) -> tuple[list[str], list[str]]:
    """What ``edit_session`` would refuse (clashes and rules) and warn about, writing nothing."""
    try:
        proposal, problems = _move_checks(
            session,
            starts_at=starts_at,
            ends_at=ends_at,
            venue=venue,
            trainers=trainers,
            capacity=capacity,
            now=now or timezone.now(),
        )
    except DomainError as exc:
        return [exc.message], []
    return problems, [w.message for w in rule_warnings(proposal, windows_for(session.county_id))]


def reschedule_session(
    session: Session,
    *,
    by: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    venue: Venue | None = None,
    trainers: Sequence[Any] | None = None,
    capacity: int | None = None,
    request: Any = None,
    now: dt.datetime | None = None,
) -> list[WindowWarning]:
    """Move a session and optionally change its venue, trainers or seats; refused if the trainers, the
    venue or any enrolled person would clash, or if fewer seats than people enrolled are asked for.
    Enrolled people are told a new time or place through the outbox, in the same transaction. More
    seats go to waiting people in order (``training.enrolment.set_capacity``)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_scheduling()
        locked = (
            Session.objects.select_for_update().select_related("program", "venue__region").get(pk=session.pk)
        )
        new_venue = venue or locked.venue
        new_trainers = list(trainers) if trainers is not None else list(locked.trainers.all())
        seats = capacity if capacity is not None else min(locked.capacity, new_venue.capacity)
        proposal, problems = _move_checks(
            locked,
            starts_at=starts_at,
            ends_at=ends_at,
            venue=new_venue,
            trainers=new_trainers,
            capacity=seats,
            now=now,
        )
        if problems:
            raise ScheduleClash(problems)
        before = {
            "starts_at": timezone.localtime(locked.starts_at).isoformat(),
            "ends_at": timezone.localtime(locked.ends_at).isoformat(),
            "venue": str(locked.venue.public_id),
            "trainers": sorted(str(t.pk) for t in locked.trainers.all()),
            "capacity": locked.capacity,
        }
        moved = (locked.starts_at, locked.ends_at, locked.venue_id) != (starts_at, ends_at, new_venue.pk)
        old_kind = locked.venue.kind
        locked.starts_at, locked.ends_at, locked.venue = starts_at, ends_at, new_venue
        locked.capacity = min(locked.capacity, new_venue.capacity)
        if new_venue.kind != old_kind:  # a move online, to a school, ... changes the format
            locked.format = FORMAT_OF_KIND[Venue.Kind(new_venue.kind)]
        locked.save(update_fields=["starts_at", "ends_at", "venue", "county", "capacity", "format"])
        locked.trainers.set(new_trainers)
        if seats != locked.capacity:
            set_capacity(locked, seats, by=by, request=request)
            locked.refresh_from_db()
        after = {
            "starts_at": timezone.localtime(starts_at).isoformat(),
            "ends_at": timezone.localtime(ends_at).isoformat(),
            "venue": str(new_venue.public_id),
            "trainers": sorted(str(t.pk) for t in new_trainers),
            "capacity": locked.capacity,
        }
        told = 0
        if moved:
            for enrolment in locked.enrolments.filter(status=Enrolment.Status.ENROLLED).select_related(
                "guardian", "parent", "user", "session__program", "session__venue"
            ):
                told += messages.send_to(
                    enrolment,
                    kind="training.session.rescheduled",
                    text=messages.rescheduled_text(enrolment),
                    dedupe_key=f"training.rescheduled:{enrolment.public_id}:{starts_at.isoformat()}",
                )
        audit.record(
            "training.session.rescheduled",
            actor=by,
            request=request,
            obj=locked,
            detail={
                "changed": {k: [before[k], after[k]] for k in before if before[k] != after[k]},
                "told": told,
            },
        )
    session.refresh_from_db()
    return rule_warnings(proposal, windows_for(session.county_id))


def cancel_session(session: Session, *, by: Any, reason: str = "", request: Any = None) -> int:
    """Cancel a session and tell every enrolled and waiting person; returns how many were told."""
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.is_cancelled:
            raise DomainError(_("该场次已经取消了。"))
        locked.status = Session.Status.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = reason.strip()[:200]
        locked.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        told = 0
        people = locked.enrolments.filter(
            status__in=[Enrolment.Status.ENROLLED, Enrolment.Status.WAITING]
        ).select_related("guardian", "parent", "user", "session__program", "session__venue")
        for enrolment in people:
            told += messages.send_to(
                enrolment,
                kind="training.session.cancelled",
                text=messages.cancelled_text(enrolment),
                dedupe_key=f"training.cancelled:{enrolment.public_id}",
            )
        audit.record(
            "training.session.cancelled", actor=by, request=request, obj=locked, detail={"told": told}
        )
    session.refresh_from_db()
    return told


def propose_program_slots(
    program: Program,
    *,
    year: int,
    month: int,
    venues: Sequence[Venue],
    trainers: Sequence[Any],
    duration: dt.timedelta | None = None,
    villages: Sequence[Region] = (),
    schools: Sequence[School] = (),
    limit: int = 20,
    now: dt.datetime | None = None,
) -> list[Any]:
    """Free slots for ``program`` in a month at the given venues with all the given trainers (best first)."""
    windows = windows_for(program.county_id)
    first = dt.datetime(year, month, 1, tzinfo=windows.tz)
    last = (first + dt.timedelta(days=32)).replace(day=1)
    homes = homes_of(villages, schools)
    request = SlotRequest(
        audience=program.audience,
        duration=duration or dt.timedelta(minutes=program.session_minutes),
        places=tuple(place_of(v) for v in venues if v.active and v.county_id == program.county_id),
        trainers=frozenset(trainer_party(t) for t in trainers),
        label=program.name,
        home_villages=homes[0],
        home_townships=homes[1],
        earliest=now or timezone.now(),
    )
    return propose_slots(request, bookings_between(first, last), windows, year=year, month=month, limit=limit)


