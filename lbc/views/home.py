"""The start page: who you are here, where, and what you may use."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lbc import access
from lbc.models import Role


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    scope = access.scope_of(request.user)
    roles = scope.roles()
    context = {
        "memberships": [
            {"role": m.get_role_display(), "scope": m.scope_label(), "until": m.valid_until}
            for m in scope.memberships
        ],
        "can_list": scope.can_list_children,
        "can_create": scope.can_edit_children,
        "can_administer": scope.can_administer,
        "can_warnings": access.can_see_warnings(request.user),
        "trainer_only": bool(roles) and roles <= {Role.TRAINER},
        "volunteer_only": bool(roles) and roles <= {Role.VOLUNTEER},
        "no_roles": not roles,
    }
    return render(request, "lbc/home.html", context)
