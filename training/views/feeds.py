"""iCalendar: one session's .ics download, and a per-user feed address for calendar apps.

Calendar apps cannot log in, so the feed address carries a secret token (256 random bits). Only its
SHA-256 is stored; the address is shown once, when it is made. Making a new one replaces the old and
revoking deletes it. The feed is computed for the user at each request through ``lbc.access``: a user
who loses the role, or is deactivated, gets 404. Events hold title, time and venue only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lbc import audit
from training.access import get_training_session_for_user, training_rights, training_sessions_for
from training.calendar import Event, calendar_text, new_token, token_digest
from training.models import CalendarFeed, Session

FEED_PAST = dt.timedelta(days=60)
FEED_FUTURE = dt.timedelta(days=366)


def event_of(session: Session) -> Event:
    return Event(
        uid=f"{session.public_id}@lbc-training",
        summary=session.program.name,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        location=session.venue.name,
        description=str(session.get_audience_display()),
        cancelled=session.is_cancelled,
    )


def ics_response(sessions: Iterable[Session], *, name: str, filename: str) -> HttpResponse:
    text = calendar_text((event_of(s) for s in sessions), name=name, stamp=timezone.now())
    response = HttpResponse(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def session_ics(request: HttpRequest, public_id: Any) -> HttpResponse:
    session, _rights = get_training_session_for_user(request.user, public_id)
    return ics_response([session], name=session.program.name, filename=f"training-{session.public_id}.ics")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    entry = CalendarFeed.objects.select_related("user").filter(token_hash=token_digest(token)).first()
    if entry is None or not entry.user.is_active:
        raise Http404
    try:
        sessions = training_sessions_for(entry.user)
    except PermissionDenied:
        raise Http404 from None
    now = timezone.now()
    window = sessions.filter(starts_at__gte=now - FEED_PAST, starts_at__lte=now + FEED_FUTURE)
    CalendarFeed.objects.filter(pk=entry.pk).update(last_used_at=now)
    return ics_response(
        window.select_related("program", "venue").order_by("starts_at"),
        name=_("培训日程"),
        filename="training.ics",
    )


@login_required
@require_http_methods(["GET", "POST"])
def feed_settings(request: HttpRequest) -> HttpResponse:
    training_rights(request.user)
    me = request.user.pk
    assert me is not None  # login_required
    entry = CalendarFeed.objects.filter(user_id=me).first()
    address = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            CalendarFeed.objects.filter(user_id=me).delete()
            audit.record("training.calendar_feed.revoked", request=request)
            messages.success(request, _("订阅地址已作废，日历软件将不再收到更新。"))
            entry = None
        else:
            token = new_token()
            entry, _created = CalendarFeed.objects.update_or_create(
                user_id=me, defaults={"token_hash": token_digest(token)}
            )
            audit.record("training.calendar_feed.created", request=request)
            address = request.build_absolute_uri(reverse("training:feed", kwargs={"token": token}))
    return render(request, "training/feed_settings.html", {"entry": entry, "address": address})
