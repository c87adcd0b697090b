"""The trainers' calendar (month grid and list), one session's page, scheduling a session or a repeating
series with clash warnings shown while typing (htmx), and cancelling a session.

Every view starts with its call into ``lbc.access``. Nothing from screening is read here.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lbc.services.errors import DomainError
from training.access import (
    get_training_session_for_user,
    training_county_ids,
    training_rights,
    training_sessions_for,
)
from training.forms import CancelForm, SessionForm
from training.models import Enrolment, Session
from training.scheduling import Booking, clashes, repeat, window_warnings
from training.services.bookings import bookings_between, homes_of, place_of, trainer_party, windows_for
from training.services.sessions import (
    ScheduleClash,
    cancel_session,
    check_session_change,
    reschedule_session,
    schedule_series,
    window_warnings_for,
)
from training.setup_forms import SessionEditForm

WEEKDAY_HEADINGS = ("一", "二", "三", "四", "五", "六", "日")


@dataclass
class Day:
    date: dt.date
    in_month: bool
    sessions: list[Session] = field(default_factory=list)


def parse_month(raw: str | None, today: dt.date) -> dt.date:
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def month_grid(first: dt.date, sessions: list[Session]) -> list[list[Day]]:
    by_day: dict[dt.date, list[Session]] = {}
    for s in sessions:
        by_day.setdefault(timezone.localtime(s.starts_at).date(), []).append(s)
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [[Day(d, d.month == first.month, by_day.get(d, [])) for d in week] for week in weeks]


@login_required
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    rights = training_rights(request.user)
    first = parse_month(request.GET.get("month"), timezone.localdate())
    last = (first + dt.timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last, dt.time.min))
    sessions = list(
        training_sessions_for(request.user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("program", "venue")
        .order_by("starts_at")
    )
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    context = {
        "rights": rights,
        "month": first,
        "previous": previous.strftime("%Y-%m"),
        "next": last.strftime("%Y-%m"),
        "weeks": month_grid(first, sessions),
        "weekdays": [_("周%(d)s") % {"d": d} for d in WEEKDAY_HEADINGS],
        "sessions": sessions,
    }
    return render(request, "training/calendar.html", context)


@login_required
@require_GET
def session_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    session, rights = get_training_session_for_user(request.user, public_id)
    enrolments = session.enrolments.exclude(status=Enrolment.Status.CANCELLED)
    context = {
        "session": session,
        "rights": rights,
        "trainers": [u.get_full_name() or u.get_username() for u in session.trainers.all()],
        "enrolled": enrolments.filter(status=Enrolment.Status.ENROLLED).count(),
        "waiting": enrolments.filter(status=Enrolment.Status.WAITING).count(),
        "materials": list(session.program.materials.all()),
        "warnings": window_warnings_for(session) if rights.manage else [],
        "cancel_form": CancelForm(),
        "series": list(session.series.sessions.order_by("starts_at")) if session.series else [],
    }
    return render(request, "training/session_detail.html", context)


# --- scheduling --------------------------------------------------------------------------------------


def preview(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Clash messages and audience-window warnings of the form's session or series, writing nothing."""
    program, venue = data["program"], data["venue"]
    windows = windows_for(program.county_id)
    count = data.get("occurrences") or 1
    every = dt.timedelta(days=data.get("every_days") or 7)
    times = repeat(data["starts_at"], data["ends_at"], every=every, count=count, windows=windows)
    homes = homes_of(data.get("villages") or [], data.get("schools") or [])
    trainers = frozenset(trainer_party(t) for t in data.get("trainers") or [])
    proposals = [
        Booking(
            start=start,
            end=end,
            place=place_of(venue),
            label=program.name,
            key=f"new:{n}",
            trainers=trainers,
            audience=program.audience,
            home_villages=homes[0],
            home_townships=homes[1],
        )
        for n, (start, end) in enumerate(times, start=1)
    ]
    existing = bookings_between(times[0][0], times[-1][1])
    problems: list[str] = []
    notes: list[str] = []
    for n, proposal in enumerate(proposals, start=1):
        prefix = _("第%(n)d次：") % {"n": n} if count > 1 else ""
        problems += [prefix + c.message for c in clashes(proposal, [*existing, *proposals[: n - 1]], windows)]
        notes += [w.message for w in window_warnings(proposal, windows) if w.message not in notes]
    return problems, notes


def session_form(request: HttpRequest) -> SessionForm:
    counties = training_county_ids(request.user, manage=True)
    data = request.POST if request.method == "POST" else (request.GET or None)
    initial = {"trainers": [request.user.pk], "occurrences": 1, "every_days": 7}
    return SessionForm(data, counties=counties, initial=initial)


def require_manager(request: HttpRequest) -> None:
    if not training_rights(request.user).manage:
        raise PermissionDenied


@login_required
@require_GET
def session_check(request: HttpRequest) -> HttpResponse:
    """The htmx partial under the form: clashes (refused) and window warnings (allowed), as typed."""
    require_manager(request)
    form = session_form(request)
    problems: list[str] = []
    notes: list[str] = []
    if form.is_bound and form.is_valid():
        problems, notes = preview(form.cleaned_data)
    context = {"problems": problems, "notes": notes, "checked": form.is_bound and form.is_valid()}
    return render(request, "training/_check.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    form = session_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            scheduled = schedule_series(
                data["program"],
                by=request.user,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                venue=data["venue"],
                trainers=list(data["trainers"]),
                every_days=data["every_days"],
                occurrences=data["occurrences"],
                capacity=data.get("capacity"),
                literacy_note=data.get("literacy_note", ""),
                dialect_note=data.get("dialect_note", ""),
                villages=list(data.get("villages") or []),
                schools=list(data.get("schools") or []),
                request=request,
            )
        except ScheduleClash as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            count = len(scheduled.sessions)
            messages.success(request, _("已安排%(n)d场培训。") % {"n": count})
            for warning in scheduled.warnings:
                messages.warning(request, warning.message)
            return redirect("training:session-detail", public_id=scheduled.session.public_id)
    return render(request, "training/session_form.html", {"form": form})


# --- editing a session ---------------------------------------------------------------------------------


def _edit_form(request: HttpRequest, session: Session) -> SessionEditForm:
    data = request.POST if request.method == "POST" else (request.GET or None)
    return SessionEditForm(data, session=session)


@login_required
@require_GET
def session_edit_check(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The htmx partial under the edit form: what the change would clash with, as typed."""
    session, _rights = get_training_session_for_user(request.user, public_id, organise=True)
    form = _edit_form(request, session)
    problems: list[str] = []
    notes: list[str] = []
    checked = form.is_bound and form.is_valid()
    if checked:
        data = form.cleaned_data
        problems, notes = check_session_change(
            session,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            venue=data["venue"],
            trainers=list(data["trainers"]),
            capacity=data["capacity"],
        )
    return render(request, "training/_check.html", {"problems": problems, "notes": notes, "checked": checked})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Move a session, change its venue, trainers or seats; enrolled people are told a new time or place."""
    session, _rights = get_training_session_for_user(request.user, public_id, organise=True)
    form = _edit_form(request, session)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            warnings = reschedule_session(
                session,
                by=request.user,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                venue=data["venue"],
                trainers=list(data["trainers"]),
                capacity=data["capacity"],
                request=request,
            )
        except ScheduleClash as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            told = Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED).count()
            moved = form.has_changed() and {"day", "start", "end", "venue"} & set(form.changed_data)
            if moved and told:
                messages.success(request, _("场次已修改，已通知%(n)d位已报名的学员。") % {"n": told})
            else:
                messages.success(request, _("场次已修改。"))
            for warning in warnings:
                messages.warning(request, warning.message)
            return redirect("training:session-detail", public_id=session.public_id)
    context = {"session": session, "form": form, "cancel_form": CancelForm()}
    return render(request, "training/session_edit.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def session_cancel(request: HttpRequest, public_id: Any) -> HttpResponse:
    session, _rights = get_training_session_for_user(request.user, public_id, organise=True)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        told = cancel_session(session, by=request.user, reason=reason, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("场次已取消，已通知%(n)d人。") % {"n": told})
    return redirect("training:session-detail", public_id=session.public_id)
