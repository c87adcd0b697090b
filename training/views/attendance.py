"""Attendance entry for trainers: a list of big toggles that works on a phone during the session,
each tap saved at once through htmx (the row is swapped in place), or after the session on paper."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from lbc import access
from lbc.services.errors import DomainError
from training.access import get_training_session_for_user
from training.models import Attendance, Enrolment
from training.participation import record_attendance
from training.views.people import village_of


def rows_of(session: Any) -> list[dict[str, Any]]:
    enrolments = session.enrolments.filter(status=Enrolment.Status.ENROLLED).select_related(
        "guardian__village", "walk_in_village", "user", "parent"
    )
    marks = {a.enrolment_id: a for a in Attendance.objects.filter(session=session, enrolment__isnull=False)}
    return [row_of(e, marks.get(e.pk)) for e in enrolments]


def row_of(enrolment: Enrolment, mark: Attendance | None, error: str = "") -> dict[str, Any]:
    return {
        "public_id": enrolment.public_id,
        "name": enrolment.person_name,
        "village": village_of(enrolment),
        "attended": None if mark is None else mark.attended,
        "hours": mark.hours if mark is not None else None,
        "error": error,
    }


@login_required
@require_GET
def attendance_page(request: HttpRequest, public_id: Any) -> HttpResponse:
    session, _rights = get_training_session_for_user(request.user, public_id, manage=True)
    rows = rows_of(session)
    service = Attendance.objects.filter(session=session, kind=Attendance.Kind.SERVICE).select_related("user")
    context = {
        "session": session,
        "rows": rows,
        "present": sum(1 for r in rows if r["attended"]),
        "total": len(rows),
        "started": session.starts_at <= timezone.now(),
        "service": [(a.user.get_full_name() or a.user.get_username(), a.hours) for a in service if a.user],
    }
    return render(request, "training/attendance.html", context)


@login_required
@require_POST
def attendance_mark(request: HttpRequest, public_id: Any, enrolment_id: Any) -> HttpResponse:
    session, _rights = get_training_session_for_user(request.user, public_id, manage=True)
    pid = access.parse_public_id(enrolment_id)
    enrolment = (
        session.enrolments.select_related("guardian__village", "walk_in_village", "user", "parent", "session")
        .filter(public_id=pid)
        .first()
    )
    if enrolment is None:
        raise Http404
    attended = request.POST.get("attended") == "1"
    error = ""
    try:
        # The trainers' own service hours (授课时长) are credited with every mark; marks can be corrected.
        service = dict.fromkeys(session.trainers.all())
        record_attendance(
            session, by=request.user, attended={enrolment: attended}, service=service, request=request
        )
    except DomainError as exc:
        error = exc.message
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            from django.contrib import messages

            messages.error(request, error)
        return redirect("training:session-attendance", public_id=session.public_id)
    mark = Attendance.objects.filter(enrolment=enrolment).first()
    rows = rows_of(session)
    context = {
        "session": session,
        "row": row_of(enrolment, mark, error),
        "oob": True,  # the count above the list is swapped too (htmx out-of-band)
        "present": sum(1 for r in rows if r["attended"]),
        "total": len(rows),
    }
    return render(request, "training/_attendance_row.html", context)
