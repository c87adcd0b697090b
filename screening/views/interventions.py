"""Intervention pages of a warning: the record of what was done, and one form per kind of intervention.

Who may do what: the record page needs the warning's COLOUR tier (township supervisors, counsellors);
texts (notes, the safety plan, contact outcomes) need NOTES (counsellors) and are read only after the
audit record. Sessions, visits, safety plans and sign-offs: counsellors of the child's school.
Guardian contacts and referrals: anyone who may act on the warning (``start_intervention``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access
from lbc.access import FieldTier, Rights
from lbc.services.errors import DomainError
from screening.access import counsels_child_school, get_warning_for_user, warning_actions
from screening.forms.interventions import (
    GuardianContactForm,
    LowerTierForm,
    ReferralForm,
    ReferralStatusForm,
    SafetyPlanForm,
    SessionForm,
    SignOffForm,
)
from screening.models import Assessment, Warning
from screening.warnings import interventions

ACT = "start_intervention"


def record_url(warning: Warning) -> str:
    return reverse("screening:interventions", kwargs={"public_id": warning.public_id})


def rescreens_of(warning: Warning) -> QuerySet[Assessment]:
    """The child's screenings since the one that raised the warning (candidates for lowering its tier)."""
    return (
        Assessment.objects.filter(
            child_id=warning.child_id, administered_on__gte=warning.assessment.administered_on
        )
        .exclude(pk=warning.assessment_id)
        .order_by("-administered_on", "-pk")
    )


def _child_name(warning: Warning, rights: Rights) -> str:
    allowed = access.fields_for(rights, "child")
    return warning.child.full_name if "full_name" in allowed else warning.child.given_name


@login_required
@require_GET
def intervention_record(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    warning, rights = get_warning_for_user(request.user, public_id, need=FieldTier.COLOUR)
    shown = access.fields_for(rights, "intervention")
    # Texts are decrypted only after the audit record of their reading is written.
    texts = interventions.read_notes(warning, by=request.user, request=request) if "notes" in shown else {}
    actions = warning_actions(rights)
    context = {
        "warning": warning,
        "child_name": _child_name(warning, rights),
        "shown": shown,
        "sessions": texts.get("sessions") if texts else list(warning.sessions.select_related("recorded_by")),
        "plans": texts.get("plans") if texts else list(warning.safety_plans.select_related("recorded_by")),
        "contacts": texts.get("contacts")
        if texts
        else list(warning.guardian_contacts.select_related("recorded_by")),
        "referrals": list(warning.referrals.select_related("recorded_by")),
        "sign_offs": list(warning.sign_offs.select_related("by", "assessment")),
        "is_open": warning.is_open,
        "can_act": ACT in actions and warning.is_open,
        "counsels": counsels_child_school(request.user, warning.child) and warning.is_open,
        "red": warning.tier in interventions.RED_TIERS,
        "referral_status_form": ReferralStatusForm(),
    }
    return render(request, "screening/interventions/record.html", context)


def _form_page(
    request: HttpRequest,
    public_id: uuid.UUID,
    *,
    need: FieldTier,
    form_class: Callable[..., forms.Form],
    save: Callable[[Warning, dict[str, Any], Any], Any],
    title: Any,
    done: Any,
    form_kwargs: Callable[[Warning], dict[str, Any]] | None = None,
    template: str = "screening/interventions/form.html",
) -> HttpResponse:
    warning, rights = get_warning_for_user(request.user, public_id, need=need, action=ACT)
    extra = form_kwargs(warning) if form_kwargs else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            save(warning, form.cleaned_data, request)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, str(done))
            return redirect(record_url(warning))
    return render(
        request,
        template,
        {
            "form": form,
            "title": title,
            "child_name": _child_name(warning, rights),
            "back": record_url(warning),
            "warning": warning,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def save(w: Warning, d: dict[str, Any], r: Any) -> Any:
        return interventions.record_session(
            w, kind=d["kind"], held_on=d["held_on"], notes=d["notes"], by=r.user, request=r
        )

    return _form_page(
        request,
        public_id,
        need=FieldTier.NOTES,
        form_class=SessionForm,
        save=save,
        title=gettext_lazy("记录心理辅导或家访"),
        done=gettext_lazy("已保存记录。"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def safety_plan_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def save(w: Warning, d: dict[str, Any], r: Any) -> Any:
        return interventions.save_safety_plan(w, d, by=r.user, request=r)

    return _form_page(
        request,
        public_id,
        need=FieldTier.NOTES,
        form_class=SafetyPlanForm,
        save=save,
        title=gettext_lazy("安全计划"),
        done=gettext_lazy("已保存安全计划。"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def save(w: Warning, d: dict[str, Any], r: Any) -> Any:
        return interventions.record_guardian_contact(
            w,
            contacted_on=d["contacted_on"],
            who=d["who"],
            channel=d["channel"],
            outcome=d["outcome"],
            by=r.user,
            request=r,
        )

    return _form_page(
        request,
        public_id,
        need=FieldTier.COLOUR,
        form_class=GuardianContactForm,
        save=save,
        title=gettext_lazy("记录与监护人的联系"),
        done=gettext_lazy("已记录与监护人的联系。"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def save(w: Warning, d: dict[str, Any], r: Any) -> Any:
        return interventions.record_referral(
            w,
            destination=d["destination"],
            destination_name=d["destination_name"],
            referred_on=d["referred_on"],
            by=r.user,
            request=r,
        )

    return _form_page(
        request,
        public_id,
        need=FieldTier.COLOUR,
        form_class=ReferralForm,
        save=save,
        title=gettext_lazy("转介"),
        done=gettext_lazy("已记录转介。"),
    )


@login_required
def referral_status(request: HttpRequest, public_id: uuid.UUID, referral_id: uuid.UUID) -> HttpResponse:
    warning, _rights = get_warning_for_user(request.user, public_id, need=FieldTier.COLOUR, action=ACT)
    referral = warning.referrals.filter(public_id=referral_id).first()
    if referral is None:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ReferralStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择转介状态。"))
    else:
        interventions.update_referral_status(
            referral, status=form.cleaned_data["status"], by=request.user, request=request
        )
        messages.success(request, _("已更新转介状态。"))
    return redirect(record_url(warning))


@login_required
@require_http_methods(["GET", "POST"])
def sign_off_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def save(w: Warning, d: dict[str, Any], r: Any) -> Any:
        return interventions.sign_off(
            w, purpose=d["purpose"], assessment=d.get("assessment"), note=d["note"], by=r.user, request=r
        )

    return _form_page(
        request,
        public_id,
        need=FieldTier.NOTES,
        form_class=SignOffForm,
        save=save,
        title=gettext_lazy("心理教师签字"),
        done=gettext_lazy("已签字。"),
        form_kwargs=lambda w: {"rescreens": rescreens_of(w)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def lower_tier_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def save(w: Warning, d: dict[str, Any], r: Any) -> Any:
        return interventions.lower_tier(w, rescreen_assessment=d["assessment"], by=r.user, request=r)

    return _form_page(
        request,
        public_id,
        need=FieldTier.COLOUR,
        form_class=LowerTierForm,
        save=save,
        title=gettext_lazy("依据复筛降低预警等级"),
        done=gettext_lazy("已降低预警等级。"),
        form_kwargs=lambda w: {"rescreens": rescreens_of(w)},
    )
