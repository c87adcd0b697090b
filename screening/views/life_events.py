"""A child's life events: the list in the child's file (a panel) and the page that records one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lbc import access as core_access
from lbc.access import Rights
from lbc.models import Child
from lbc.services.errors import DomainError
from screening import access
from screening.forms.life_events import LifeEventForm
from screening.models import LifeEvent, RescreenDue
from screening.warnings.rescreens import record_life_event

PANEL_ROWS = 20


def life_event_panel(child: Child, rights: Rights) -> dict[str, Any] | None:
    """The child file's "生活事件" section; None for roles that do not see the colour and action."""
    if not access.sees_life_events(rights):
        return None
    records = access.records_life_events(rights)
    rows = [
        {
            "kind": event.get_kind_display(),
            "occurred_on": event.occurred_on,
            "by": event.recorded_by.get_username() if event.recorded_by else "—",
            "note": event.note if records else "",
            "rescreen": next(iter(event.rescreens.all()), None),
        }
        for event in LifeEvent.objects.filter(child=child)
        .select_related("recorded_by")
        .prefetch_related("rescreens")
        .order_by("-occurred_on", "-recorded_at")[:PANEL_ROWS]
    ]
    create_url = (
        reverse("screening:life-event-create", kwargs={"public_id": child.public_id}) if records else ""
    )
    return {"life_events": {"rows": rows, "create_url": create_url}}


@login_required
@require_http_methods(["GET", "POST"])
def life_event_create(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, rights = access.get_child_for_life_event(request.user, public_id)
    form = LifeEventForm(request.POST or None, birth_date=child.birth_date)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = record_life_event(
                child,
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                note=data["note"],
                by=request.user,
                request=request,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            plan = RescreenDue.objects.filter(life_event=event).first()
            if plan is not None:
                messages.success(
                    request,
                    _("已记录。已安排复筛：%(start)s 至 %(due)s。")
                    % {
                        "start": plan.earliest_on.isoformat(),
                        "due": plan.due_on.isoformat(),
                    },
                )
            else:
                messages.success(request, _("已记录。"))
            return redirect(
                reverse("lbc:child-detail", kwargs={"public_id": child.public_id}) + "#life-events"
            )
    allowed = core_access.fields_for(rights, "child")
    name = child.full_name if "full_name" in allowed else child.given_name
    return render(request, "screening/life_events/form.html", {"form": form, "child": child, "name": name})
