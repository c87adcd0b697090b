from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from lbc.access import can_see_warnings, scope_of
from lbc.models import Role


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
            "warnings": can_see_warnings(user),
            "training": bool(scope.roles() & {Role.TRAINER, Role.COUNTY_ADMIN, Role.VILLAGE_DIRECTOR}),
            "classes": [
                {"public_id": m.school_class.public_id, "label": str(m.school_class)}
                for m in scope.memberships
                if m.role == Role.HEAD_TEACHER and m.school_class is not None
            ],
            "trends": [
                {"public_id": m.region.public_id, "name": m.region.name}
                for m in scope.memberships
                if m.role in (Role.COUNTY_ADMIN, Role.TOWNSHIP_SUPERVISOR) and m.region is not None
            ],
            "allocation": [
                {"public_id": m.region.public_id, "name": m.region.name}
                for m in scope.memberships
                if m.role == Role.TOWNSHIP_SUPERVISOR and m.region is not None
            ],
            "roles": [m.get_role_display() for m in scope.memberships],
            "scopes": [m.scope_label() for m in scope.memberships],
        },
    }
