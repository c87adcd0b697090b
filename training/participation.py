"""Attendance after (or during) a session, and the hours it credits.

Participants are marked present or absent per enrolment; present people are credited the session's
hours (or the hours given). Trainers and volunteers who delivered it get service rows whose hours are
volunteer service hours (志愿服务时长), summed by ``volunteer_hours``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.services.errors import DomainError

from .models import Attendance, Enrolment, Session

MAX_HOURS = Decimal("24")


def _hours(value: Decimal | None, default: Decimal) -> Decimal:
    hours = default if value is None else Decimal(value).quantize(Decimal("0.1"))
    if not Decimal("0") <= hours <= MAX_HOURS:
        raise DomainError(_("计入时长应在0到24小时之间。"))
    return hours


def record_attendance(
    session: Session,
    *,
    by: Any,
    attended: Mapping[Enrolment, bool],
    hours: Decimal | None = None,
    service: Mapping[Any, Decimal | None] | None = None,
    request: Any = None,
    now: dt.datetime | None = None,
) -> int:
    """Mark enrolled people present/absent and credit hours; record service hours of trainers/volunteers.

    ``hours`` (default: the session's length) is credited to every present participant; absent people
    get 0. ``service`` maps users to their service hours (None: the session's length). Marks can be
    corrected later (the row is updated). Returns the number of rows written. Nothing is written if any
    mark is refused.
    """
    now = now or timezone.now()
    if session.is_cancelled:
        raise DomainError(_("该场次已取消，不能记录出勤。"))
    if session.starts_at > now:
        raise DomainError(_("培训还没有开始，开始后才能记录出勤。"))
    credited = _hours(hours, session.hours)
    written = 0
    with transaction.atomic():
        for enrolment, present in attended.items():
            if enrolment.session_id != session.pk:
                raise DomainError(_("这条报名不属于该场次。"))
            if enrolment.status != Enrolment.Status.ENROLLED:
                raise DomainError(
                    _("%(name)s不是已报名的学员（候补或已取消），不能记录出勤。")
                    % {"name": enrolment.person_name}
                )
            Attendance.objects.update_or_create(
                enrolment=enrolment,
                defaults={
                    "session": session,
                    "kind": Attendance.Kind.PARTICIPANT,
                    "attended": present,
                    "hours": credited if present else Decimal("0"),
                    "recorded_by": by,
                },
            )
            written += 1
        for user, given in (service or {}).items():
            Attendance.objects.update_or_create(
                session=session,
                user=user,
                defaults={
                    "kind": Attendance.Kind.SERVICE,
                    "attended": True,
                    "hours": _hours(given, session.hours),
                    "recorded_by": by,
                },
            )
            written += 1
        present_count = sum(1 for present in attended.values() if present)
        audit.record(
            "training.attendance.recorded",
            actor=by,
            request=request,
            obj=session,
            detail={"marked": len(attended), "present": present_count, "service": len(service or {})},
        )
    return written


def volunteer_hours(user: Any, *, start: dt.date | None = None, end: dt.date | None = None) -> Decimal:
    """Volunteer service hours (志愿服务时长) of a trainer or volunteer, optionally between two dates."""
    rows = Attendance.objects.filter(kind=Attendance.Kind.SERVICE, user=user, attended=True)
    rows = rows.exclude(session__status=Session.Status.CANCELLED)
    if start is not None:
        rows = rows.filter(session__starts_at__date__gte=start)
    if end is not None:
        rows = rows.filter(session__starts_at__date__lte=end)
    total = rows.aggregate(total=Sum("hours"))["total"]
    return Decimal(total or 0)


def training_hours(enrolments: Any) -> Decimal:
    """Training hours credited to participants over the given enrolments (a queryset)."""
    total = Attendance.objects.filter(
        kind=Attendance.Kind.PARTICIPANT, enrolment__in=enrolments, attended=True
    ).aggregate(total=Sum("hours"))["total"]
    return Decimal(total or 0)
