from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from lbc.access import scope_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE}
    scope = scope_of(user)
    return {
        "demo_mode": settings.DEMO_MODE,
        "nav": {
            "children": scope.can_list_children,
            "administer": scope.can_administer,
            "campaigns": scope.can_see_campaigns,
            "roles": [m.get_role_display() for m in scope.memberships],
            "scopes": [m.scope_label() for m in scope.memberships],
        },
    }
