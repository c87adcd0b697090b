"""The start page: who you are here, where, and what you may use."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lbc import access, hooks
from lbc.models import Membership, Referral
from lbc.services import accounts


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    scope = access.scope_of(request.user)
    roles = scope.roles()
    capabilities = scope.capabilities()
    context = {
        "memberships": [
            {"role": m.get_role_display(), "scope": m.scope_label(), "until": m.valid_until}
            for m in scope.memberships
        ],
        "can_list": scope.can_list_children,
        "can_create": scope.can_edit_children,
        "can_administer": scope.can_administer,
        "can_break_glass": scope.can(access.Can.BREAK_GLASS),
        "can_import_roster": scope.can(access.Can.IMPORT_ROSTER),
        "pending_referrals": (
            Referral.objects.filter(to_user_id=cast(int, request.user.pk), status=Referral.Status.PENDING)
            .count() if scope.can(access.Can.REFER) else 0
        ),
        "cards": hooks.cards_for(request.user),  # the satellites' to-do cards (screening: warnings)
        # Notes for accounts whose every role sees no child at all (trainers) or is term-limited (volunteers).
        "trainer_only": bool(roles) and not any(caps.tiers for caps in capabilities),
        "volunteer_only": bool(roles) and all(caps.term_limited for caps in capabilities),
        "no_roles": not roles,
        "expiring": accounts.expiring_memberships(
            Membership.objects.filter(user_id=cast(int, request.user.pk))
        ),
    }
    return render(request, "lbc/home.html", context)
