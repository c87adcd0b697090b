"""Review of break-the-glass grants on children of the administrator's counties; ending one early."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lbc import access
from lbc.services import grants
from lbc.services.errors import DomainError

from .common import page


@login_required
@require_GET
def breakglass_list(request: HttpRequest) -> HttpResponse:
    rows = access.breakglass_grants_for_admin(request.user).order_by("-created_at", "-pk")
    now = timezone.now()
    return page(request, "breakglass_list.html", {
        "active": [g for g in rows if g.expires_at and g.expires_at > now],
        "ended": [g for g in rows if not g.expires_at or g.expires_at <= now],
    })


@login_required
def breakglass_end(request: HttpRequest) -> HttpResponse:
    grants_here = access.breakglass_grants_for_admin(request.user)  # 403 before 405: roles are checked first
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    raw = request.POST.get("grant", "")
    grant = get_object_or_404(grants_here, pk=int(raw) if raw.isdigit() else 0)
    try:
        grants.end_grant(grant, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("紧急授权已提前结束。"))
    return redirect("manage:breakglass-list")
