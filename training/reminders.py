"""Reminders to enrolled people: N days before (county setting, default 2) and at 07:00 on the day.

``queue_due`` is a periodic job (``lbc/periodic.py``). Each reminder has a dedupe key naming the
enrolment, the kind and the session's start time, so it is queued exactly once however often the job
runs, and a moved session gets fresh reminders.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from training.services.bookings import windows_for

from . import messages
from .models import Enrolment, Session
from .windows import AudienceWindows

BEFORE_AT = dt.time(9, 0)  # the "N days before" reminder goes out from 09:00 local time
MORNING_AT = dt.time(7, 0)


def due_times(starts_at: dt.datetime, windows: AudienceWindows) -> dict[str, dt.datetime]:
    """When each reminder of a session becomes due (local wall-clock times)."""
    day = starts_at.astimezone(windows.tz).date()
    before = day - dt.timedelta(days=windows.reminder_days_before)
    return {
        "before": dt.datetime.combine(before, BEFORE_AT, tzinfo=windows.tz),
        "morning": dt.datetime.combine(day, MORNING_AT, tzinfo=windows.tz),
    }


def reminders_due(starts_at: dt.datetime, now: dt.datetime, windows: AudienceWindows) -> list[str]:
    """Which reminders to queue at ``now``: a reminder is due from its time until the next one (or the
    start), so someone enrolling late gets one reminder, not two at once."""
    if now >= starts_at:
        return []
    times = due_times(starts_at, windows)
    if times["morning"] < starts_at and now >= times["morning"]:
        return ["morning"]
    if now >= times["before"]:
        return ["before"]
    return []


def queue_due(now: dt.datetime) -> int:
    """Queue every reminder that is due; returns how many were queued (already queued ones are skipped)."""
    horizon = now + dt.timedelta(days=15)
    sessions = (
        Session.objects.filter(status=Session.Status.SCHEDULED, starts_at__gt=now, starts_at__lte=horizon)
        .select_related("program", "venue")
        .order_by("starts_at")
    )
    windows_cache: dict[int, AudienceWindows] = {}
    queued = 0
    for session in sessions:
        windows = windows_cache.setdefault(session.county_id, windows_for(session.county_id))
        kinds = reminders_due(session.starts_at, now, windows)
        if not kinds:
            continue
        enrolments = session.enrolments.filter(status=Enrolment.Status.ENROLLED).select_related(
            "guardian", "parent", "user", "session__program", "session__venue"
        )
        with transaction.atomic():
            for enrolment in enrolments:
                text = messages.reminder_text(enrolment)
                for kind in kinds:
                    key = f"training.reminder.{kind}:{enrolment.public_id}:{session.starts_at.isoformat()}"
                    queued += messages.send_to(enrolment, kind="training.reminder", text=text, dedupe_key=key)
    return queued
