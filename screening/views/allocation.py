"""The township supervisor's allocation page: proposal for open unassigned warnings, edit, confirm."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lbc import audit
from lbc.services.errors import DomainError
from screening.access import get_allocation_township_for_user
from screening.allocation import solver
from screening.allocation.service import Choice, Inputs, confirm_allocation, gather, propose
from screening.allocation.solver import Kind
from screening.scoring.tiers import RED_TIERS, Tier, tier_label


def _name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


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
    if request.method == "POST":
        usernames = {u.get_username(): pk for pk, u in inputs.users.items()}
        choices = []
        for warning in inputs.warnings:
            value = request.POST.get(f"w-{warning.public_id}", "")
            choices.append(Choice(warning.pk, usernames.get(value, -1) if value else None))
        selected = {c.warning_id: c.responder_id for c in choices if c.responder_id != -1}
        try:
            assigned, companions, escalated = confirm_allocation(
                township, inputs, choices, by=request.user, request=request
            )
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
    context = {
        "township": township,
        "rows": rows,
        "uncovered": [w for w in inputs.warnings if w.pk in set(proposal.uncovered_reds)],
    }
    return render(request, "screening/allocation/page.html", context)
