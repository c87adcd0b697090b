"""Enrolment: seats are never given beyond capacity, even when many people enrol at the same moment.

Every write first locks the session row: ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite (no row
locks) a no-op ``UPDATE`` of the row as the transaction's first statement, which takes the database
write lock (transactions there are IMMEDIATE anyway). Concurrent enrolments for one session
therefore run one after another. The seat itself is then taken by a conditional
``UPDATE … SET seats_taken = seats_taken + 1 WHERE seats_taken < capacity``, and a database check
constraint refuses ``seats_taken > capacity`` as a last line. Whoever finds no seat joins the
waiting list at the next position; a cancellation promotes the first waiting person automatically.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.forms import clean_phone_number
from lbc.models import Guardian, Parent, Region
from lbc.services.errors import DomainError
from training.services.bookings import (
    attendee_key,
    attendee_party,
    booking_of,
    place_of,
    sessions_between,
    windows_for,
)

from . import messages
from .models import Enrolment, Session
from .scheduling import Booking, clashes


@dataclass(frozen=True)
class Person:
    """Who enrols: one of a registry guardian, a registry parent, a user, or a walk-in (name + phone)."""

    guardian: Guardian | None = None
    parent: Parent | None = None
    user: Any = None
    walk_in_name: str = ""
    walk_in_phone: str = ""
    walk_in_village: Region | None = None

    @property
    def kind(self) -> str:
        if self.guardian is not None:
            return "guardian"
        if self.parent is not None:
            return "parent"
        if self.user is not None:
            return "user"
        return "walk_in"


def lock_session(session_id: int) -> Session:
    """Lock the session row for the rest of the transaction (see the module docstring)."""
    if connection.vendor == "postgresql":
        return Session.objects.select_for_update().select_related("program", "venue").get(pk=session_id)
    Session.objects.filter(pk=session_id).update(seats_taken=F("seats_taken"))
    return Session.objects.select_related("program", "venue").get(pk=session_id)


def _check_person(person: Person) -> Person:
    given = [person.guardian is not None, person.parent is not None, person.user is not None]
    name = person.walk_in_name.strip()
    if sum(given) + bool(name) != 1:
        raise DomainError(
            _("请选择一位报名人：登记在册的照料人或家长、系统用户，或填写临时参加者的姓名和电话。")
        )
    if not name:
        return person
    if len(name) > 40:
        raise DomainError(_("姓名不能超过40个字。"))
    try:
        phone = clean_phone_number(person.walk_in_phone)
    except ValidationError as exc:
        raise DomainError(" ".join(str(m) for m in exc.messages)) from None
    if not phone:
        raise DomainError(_("临时参加者需要留一个电话，便于通知时间变动。"))
    if person.walk_in_village is not None and person.walk_in_village.level != Region.Level.VILLAGE:
        raise DomainError(_("请选择临时参加者所在的村/社区。"))
    return Person(walk_in_name=name, walk_in_phone=phone, walk_in_village=person.walk_in_village)


def _already(session: Session, person: Person) -> bool:
    active = Enrolment.objects.filter(session=session).exclude(status=Enrolment.Status.CANCELLED)
    if person.guardian is not None:
        return active.filter(guardian=person.guardian).exists()
    if person.parent is not None:
        return active.filter(parent=person.parent).exists()
    if person.user is not None:
        return active.filter(user=person.user).exists()
    return False


def _clash_messages(session: Session, enrolment: Enrolment) -> list[str]:
    """Clashes of this person's other enrolled sessions with ``session`` (a walk-in is known only here)."""
    key = attendee_key(enrolment)
    field, _sep, pk = key.partition(":")
    if field not in ("guardian", "parent", "user"):
        return []
    windows = windows_for(session.county_id)
    others = list(
        sessions_between(session.starts_at - windows.travel_buffer, session.ends_at + windows.travel_buffer)
        .filter(**{"enrolments__status": Enrolment.Status.ENROLLED, f"enrolments__{field}_id": int(pk)})
        .exclude(pk=session.pk)
        .distinct()
    )
    if not others:
        return []
    me = Booking(
        start=session.starts_at,
        end=session.ends_at,
        place=place_of(session.venue),
        label=session.program.name,
        key=f"session:{session.pk}",
        attendees=frozenset({attendee_party(enrolment)}),
    )
    found = clashes(me, [booking_of(s) for s in others], windows)
    return [c.message for c in found if c.kind == "attendee"]


def _take_seat(session: Session) -> bool:
    taken = Session.objects.filter(pk=session.pk, seats_taken__lt=F("capacity")).update(
        seats_taken=F("seats_taken") + 1
    )
    return taken == 1


def _next_position(session: Session) -> int:
    last = Enrolment.objects.filter(session=session, waiting_position__isnull=False).aggregate(
        m=Max("waiting_position")
    )
    return (last["m"] or 0) + 1


def enrol_person(
    session: Session, person: Person, *, by: Any, request: Any = None, now: dt.datetime | None = None
) -> Enrolment:
    """Enrol ``person``: a seat if one is free, else the next place on the waiting list.

    Refused (DomainError, nothing written) for a cancelled or started session, a person already
    enrolled or waiting, or a person enrolled in another session at an overlapping time.
    """
    person = _check_person(person)
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_session(session.pk)
        if locked.is_cancelled:
            raise DomainError(_("该场次已取消，不能报名。"))
        if locked.starts_at <= now:
            raise DomainError(_("该场次已经开始，不能再报名。"))
        if _already(locked, person):
            raise DomainError(
                _("%(name)s已经报名了这一场（或在候补名单上）。") % {"name": _person_name(person)}
            )
        enrolment = Enrolment(
            session=locked,
            guardian=person.guardian,
            parent=person.parent,
            user=person.user,
            walk_in_name=person.walk_in_name,
            walk_in_phone=person.walk_in_phone,
            walk_in_village=person.walk_in_village,
            created_by=by,
        )
        problems = _clash_messages(locked, enrolment)
        if problems:
            raise DomainError("\n".join(problems))
        if _take_seat(locked):
            enrolment.status, enrolment.enrolled_at = Enrolment.Status.ENROLLED, now
        else:
            enrolment.status, enrolment.waiting_position = Enrolment.Status.WAITING, _next_position(locked)
        enrolment.save()
        audit.record(
            "training.enrolment.created",
            actor=by,
            request=request,
            obj=enrolment,
            detail={"session": str(locked.public_id), "status": enrolment.status, "person": person.kind},
        )
    return enrolment


def _person_name(person: Person) -> str:
    if person.guardian is not None:
        return person.guardian.name
    if person.parent is not None:
        return person.parent.name
    if person.user is not None:
        return str(person.user.get_full_name() or person.user.get_username())
    return person.walk_in_name


def _promote(session: Session, now: dt.datetime, by: Any, request: Any) -> Enrolment | None:
    """Give a free seat to the first waiting person who is not busy elsewhere at that time."""
    waiting = Enrolment.objects.filter(session=session, status=Enrolment.Status.WAITING).order_by(
        "waiting_position"
    )
    for candidate in waiting.select_related(
        "guardian", "parent", "user", "session__program", "session__venue"
    ):
        if _clash_messages(session, candidate):
            continue
        candidate.status, candidate.waiting_position, candidate.enrolled_at = (
            Enrolment.Status.ENROLLED,
            None,
            now,
        )
        candidate.save(update_fields=["status", "waiting_position", "enrolled_at"])
        messages.send_to(
            candidate,
            kind="training.enrolment.promoted",
            text=messages.promoted_text(candidate),
            dedupe_key=f"training.promoted:{candidate.public_id}",
        )
        audit.record(
            "training.enrolment.promoted",
            actor=by,
            request=request,
            obj=candidate,
            detail={"session": str(session.public_id)},
        )
        return candidate
    return None


def cancel_enrolment(
    enrolment: Enrolment, *, by: Any, request: Any = None, now: dt.datetime | None = None
) -> Enrolment | None:
    """Cancel an enrolment or a waiting place. A freed seat goes to the first waiting person (returned)."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(enrolment.session_id)
        current = Enrolment.objects.get(pk=enrolment.pk)
        if current.status == Enrolment.Status.CANCELLED:
            raise DomainError(_("这条报名已经取消了。"))
        if session.ends_at <= now:
            raise DomainError(_("培训已经结束，不能再取消报名。"))
        held_seat = current.status == Enrolment.Status.ENROLLED
        current.status, current.waiting_position, current.cancelled_at = Enrolment.Status.CANCELLED, None, now
        current.save(update_fields=["status", "waiting_position", "cancelled_at"])
        audit.record(
            "training.enrolment.cancelled",
            actor=by,
            request=request,
            obj=current,
            detail={"session": str(session.public_id), "held_seat": held_seat},
        )
        promoted = None
        if held_seat and not session.is_cancelled:
            promoted = _promote(session, now, by, request)
            if promoted is None:
                Session.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") - 1)
        elif held_seat:
            Session.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") - 1)
    enrolment.refresh_from_db()
    return promoted


def set_capacity(session: Session, capacity: int, *, by: Any, request: Any = None) -> list[Enrolment]:
    """Change the number of seats; more seats promote waiting people in order (returned)."""
    now = timezone.now()
    with transaction.atomic():
        locked = lock_session(session.pk)
        if capacity < locked.seats_taken:
            raise DomainError(
                _("已有%(n)d人报名，名额不能少于报名人数。请先取消部分报名。") % {"n": locked.seats_taken}
            )
        if capacity > locked.venue.capacity:
            raise DomainError(_("名额不能超过场地容量（%(n)d人）。") % {"n": locked.venue.capacity})
        Session.objects.filter(pk=locked.pk).update(capacity=capacity)
        promoted: list[Enrolment] = []
        for _free in range(capacity - locked.seats_taken):
            person = _promote(locked, now, by, request)
            if person is None:
                break
            promoted.append(person)
        Session.objects.filter(pk=locked.pk).update(seats_taken=F("seats_taken") + len(promoted))
        audit.record(
            "training.session.capacity_changed",
            actor=by,
            request=request,
            obj=locked,
            detail={"capacity": capacity, "promoted": len(promoted)},
        )
    session.refresh_from_db()
    return promoted
