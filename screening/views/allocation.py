"""The township supervisor's allocation page: proposal for open unassigned warnings, edit, confirm."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from lbc import audit
from lbc.form_style import BootstrapMixin
from lbc.services.errors import DomainError
from screening.access import get_allocation_township_for_user
from screening.allocation import solver
from screening.allocation.service import (
    Choice,
    Inputs,
    ReasonMissing,
    confirm_allocation,
    display_name,
    escalation_recipients,
    gather,
    propose,
    to_escalate,
)
from screening.allocation.solver import Kind
from screening.scoring.tiers import RED_TIERS, Tier, tier_label
from screening.views.hooks import STYLESHEET as TIER_STYLESHEET

_name = display_name


class EscalationForm(BootstrapMixin, forms.Form):
    """Why the REDs left without anyone go up to the county (required only when there are such REDs)."""

    reason = forms.CharField(
        label=gettext_lazy("上报原因"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("有红色预警不分派时必填，将随上报一起记录，县级接收人可以看到。"),
    )


def _rows(
    inputs: Inputs, selected: dict[int, int | None], supervisors: dict[int, int | None]
) -> list[dict[str, Any]]:
    by_id = {r.id: r for r in inputs.responders}
    rows = []
    for warning, open_warning in zip(inputs.warnings, inputs.open_warnings, strict=True):
        options = [
            {
                "value": inputs.users[r.id].get_username(),
                "label": _name(inputs.users[r.id])
                + (_("（志愿者陪伴）") if r.kind == Kind.VOLUNTEER else ""),
                "selected": selected.get(warning.pk) == r.id,
            }
            for r in solver.candidates(open_warning, inputs.responders)
        ]
        chosen = selected.get(warning.pk)
        supervisor = supervisors.get(warning.pk)
        rows.append(
            {
                "warning": warning,
                "child": f"{warning.child.family_name}{warning.child.given_name}",
                "school": warning.child.school.name if warning.child.school else "",
                "tier": warning.tier,
                "tier_label": tier_label(Tier(warning.tier)),
                "waiting": open_warning.waiting_days,
                "options": options,
                "volunteer": chosen is not None and by_id[chosen].kind == Kind.VOLUNTEER,
                "supervisor": _name(inputs.users[supervisor]) if supervisor in inputs.users else "",
                "red": warning.tier in RED_TIERS,
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def allocation_page(request: HttpRequest, public_id: Any) -> HttpResponse:
    township = get_allocation_township_for_user(request.user, public_id)
    inputs = gather(request.user, township, timezone.now())
    proposal = propose(inputs)
    selected = {row.warning_id: row.responder_id for row in proposal.rows}
    supervisors = {row.warning_id: row.supervisor_id for row in proposal.rows}
    choices = [Choice(warning_id, responder_id) for warning_id, responder_id in selected.items()]
    form = EscalationForm()
    if request.method == "POST":
        usernames = {u.get_username(): pk for pk, u in inputs.users.items()}
        choices = []
        for warning in inputs.warnings:
            value = request.POST.get(f"w-{warning.public_id}", "")
            choices.append(Choice(warning.pk, usernames.get(value, -1) if value else None))
        selected = {c.warning_id: c.responder_id for c in choices if c.responder_id != -1}
        form = EscalationForm(request.POST)
        try:
            if not form.is_valid():
                raise DomainError(_("请检查上报原因。"))
            assigned, companions, escalated = confirm_allocation(
                township,
                inputs,
                choices,
                by=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ReasonMissing as error:
            form.add_error("reason", error.message)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("已分派 %(a)d 条预警，安排志愿者陪伴 %(c)d 条，上报 %(e)d 条无人承接的红色预警。")
                % {"a": assigned, "c": companions, "e": escalated},
            )
            return redirect("screening:allocation", public_id=township.public_id)
    rows = _rows(inputs, selected, supervisors)
    # Named children with their colours: audited before rendering, so no event means no page.
    audit.record("screening.allocation.listed", request=request, obj=township, detail={"count": len(rows)})
    escalating = to_escalate(inputs, choices)
    reds = [w for w in inputs.warnings if w.tier in RED_TIERS]
    context = {
        "township": township,
        "rows": rows,
        "uncovered": escalating,
        "has_red": bool(reds),
        "recipients": [_name(u) for u in escalation_recipients(reds)],
        "form": form,
        "tier_stylesheet": TIER_STYLESHEET,
    }
    return render(request, "screening/allocation/page.html", context)
