from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from lbc import hooks
from lbc.access import Can, scope_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE}
    scope = scope_of(user)
    return {
        "demo_mode": settings.DEMO_MODE,
        "nav": {
            "children": scope.can(Can.LIST_CHILDREN),
            "administer": scope.can(Can.ADMINISTER),
            "referrals": scope.can(Can.REFER),
            "entries": hooks.menu_for(user),  # the satellites' entries (training, screening)
            "roles": [m.get_role_display() for m in scope.memberships],
            "scopes": [m.scope_label() for m in scope.memberships],
        },
        "manage_tabs": hooks.manage_tabs,
    }
