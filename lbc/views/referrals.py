"""Referrals between counsellors of one county: refer a child, then accept or decline it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access
from lbc.account_forms import ReferralForm
from lbc.models import Membership, Referral
from lbc.services import grants
from lbc.services.errors import DomainError


@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, _rights = access.get_child_to_refer(request.user, public_id)
    schools = Membership.objects.current().filter(school__isnull=False).select_related("school")
    recipients = access.referral_recipients(request.user, child).prefetch_related(
        Prefetch("memberships", queryset=schools, to_attr="current_schools")
    )
    form = ReferralForm(request.POST or None, recipients=recipients)
    if request.method == "POST" and form.is_valid():
        try:
            grants.refer_child(child, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"],
                               by=request.user, request=request)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已转介，等待对方接收。"))
            return redirect("lbc:child-detail", public_id=child.public_id)
    return render(request, "lbc/referrals/form.html", {"child": child, "form": form})


@login_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    referrals = list(access.referrals_for(request.user).order_by("-created_at", "-pk")[:200])
    incoming = [r for r in referrals if r.to_user_id == request.user.pk]
    return render(request, "lbc/referrals/list.html", {
        "pending": [r for r in incoming if r.status == Referral.Status.PENDING],
        "incoming": [r for r in incoming if r.status != Referral.Status.PENDING],
        "outgoing": [r for r in referrals if r.from_user_id == request.user.pk],
    })


@login_required
@require_http_methods(["GET", "POST"])
def referral_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    referral = access.get_incoming_referral(request.user, public_id)
    if request.method == "POST":
        accepting = request.POST.get("decision") == "accept"
        decide = grants.accept_referral if accepting else grants.decline_referral
        try:
            referral = decide(referral, by=request.user, request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if referral.status == Referral.Status.ACCEPTED:
                messages.success(request, _("已接收转介。您可以在90天内查看这名儿童的档案。"))
                return redirect("lbc:child-detail", public_id=referral.child.public_id)
            messages.success(request, _("已拒绝转介，转介人会收到通知。"))
        return redirect("lbc:referral-list")
    return render(request, "lbc/referrals/detail.html", {"referral": referral})
