"""Recording and withdrawing a child's consent decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lbc import access
from lbc.access import FieldTier
from lbc.forms import ConsentForm
from lbc.models import Child
from lbc.services.consents import CONSENT_WRITABLE, record_consent, withdraw_consent
from lbc.services.errors import DomainError


def consents_url(child: Child) -> str:
    return f"{reverse('lbc:child-detail', kwargs={'public_id': child.public_id})}#consents"


@login_required
@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, _rights = access.get_child_for_user(request.user, public_id, need=FieldTier.IDENTITY, edit=True)
    links = list(
        child.guardian_links.select_related("guardian").order_by("-is_legal_guardian", "-is_primary", "pk")
    )
    form = ConsentForm(request.POST or None, links=links, initial={"decided_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            consent = record_consent(
                child,
                {k: v for k, v in form.cleaned_data.items() if k in CONSENT_WRITABLE},
                by=request.user,
                request=request,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已记录知情同意。"))
            if not consent.is_legal_guardian:
                messages.warning(
                    request, _("签署人不是法定监护人（委托照护人）。请尽快联系父母或法定监护人确认。")
                )
            return redirect(consents_url(child))
    return render(
        request,
        "lbc/consents/form.html",
        {"form": form, "child_name": child.full_name, "back": consents_url(child)},
    )


@login_required
def consent_withdraw(request: HttpRequest, public_id: Any, consent_id: Any) -> HttpResponse:
    child, _rights = access.get_child_for_user(request.user, public_id, need=FieldTier.IDENTITY, edit=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    consent = child.consents.filter(public_id=consent_id).first()
    if consent is None:
        raise Http404
    try:
        withdraw_consent(consent, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已记录撤回：“%(purpose)s”的同意自今日起失效。") % {"purpose": consent.get_purpose_display()},
        )
    return redirect(consents_url(child))
