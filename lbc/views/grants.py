"""Break-the-glass: emergency access to one child outside the user's scope, found by exact ID number.

Before the grant exists the page says only that a child with this number is registered, and in which
county; no name, school or link.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lbc import access, audit
from lbc.account_forms import BreakGlassForm, IdNumberSearchForm
from lbc.models import Child
from lbc.services import grants
from lbc.services.children import find_child_by_id_number
from lbc.services.errors import DomainError


def _found(request: HttpRequest, id_number: str) -> Child | None:
    child = find_child_by_id_number(id_number)
    audit.record("lbc.child.id_searched", request=request,
                 detail={"purpose": "breakglass", "results": int(child is not None)})
    return child


@login_required
@require_http_methods(["GET", "POST"])
def breakglass(request: HttpRequest) -> HttpResponse:
    access.require_break_glass(request.user)
    context: dict[str, Any] = {"hours": grants.BREAK_GLASS_HOURS}
    if request.method == "POST" and "reason" in request.POST:
        form = BreakGlassForm(request.POST)
        child = _found(request, form.cleaned_data["id_number"]) if form.is_valid() else None
        if form.is_valid() and child is None:
            form.add_error(None, _("没有找到使用该身份证号码的儿童。"))
        elif form.is_valid() and child is not None:
            try:
                grant = grants.break_glass(child, reason=form.cleaned_data["reason"],
                                           hours=form.cleaned_data["hours"], by=request.user, request=request)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.warning(request, _("紧急授权已开启，有效期至 %(until)s。您的每次查看都会被记录，"
                                            "县级管理员已收到通知。") % {
                    "until": grant.expires_at.strftime("%Y-%m-%d %H:%M") if grant.expires_at else ""})
                return redirect("lbc:child-detail", public_id=child.public_id)
        return render(request, "lbc/grants/breakglass.html", {**context, "search": None, "form": form,
                                                              "county": child.county if child else None})
    search = IdNumberSearchForm(request.POST or None)
    if request.method == "POST" and search.is_valid():
        child = _found(request, search.cleaned_data["id_number"])
        if child is None:
            context["not_found"] = True
        elif access.rights_for_child(request.user, child):
            context["own_child"] = child  # already visible to this user: no grant needed
        else:
            context["county"] = child.county
            context["form"] = BreakGlassForm(initial={"id_number": search.cleaned_data["id_number"]})
    return render(request, "lbc/grants/breakglass.html", {**context, "search": search})
