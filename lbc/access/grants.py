"""Per-object grants seen from the people who use and review them.

The access functions in ``children.py`` already combine ``ChildGrant`` rows with scope; this module
answers the questions around them: may this user ask for emergency access, which grant a read went
through (for its audit event), and which grants a county administrator reviews.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from lbc.access.admin import require_administrator
from lbc.access.children import active_grants
from lbc.access.roles import GRANT_CAPABILITIES, Can
from lbc.access.scope import UserLike, UserScope, scope_of
from lbc.access.tiers import Rights
from lbc.models import Child, ChildGrant

BREAK_GLASS = "breakglass_child"
REFERRAL = "referral_child"
# How far back the county's review page lists break-the-glass grants that have ended.
REVIEW_WINDOW = dt.timedelta(days=30)


def require_break_glass(user: UserLike) -> UserScope:
    """Roles that may open emergency access to a child outside their scope (403 otherwise)."""
    scope = scope_of(user)
    if not scope.can(Can.BREAK_GLASS):
        raise PermissionDenied
    return scope


def grant_detail(user: UserLike, child: Child, rights: Rights) -> dict[str, Any]:
    """``{"grants": [ids]}`` for a read's audit event when the reader holds grants on the child."""
    if not rights.roles & set(GRANT_CAPABILITIES):
        return {}
    ids = sorted(active_grants(user).filter(content_object=child).values_list("pk", flat=True))
    return {"grants": ids} if ids else {}


def breakglass_grants_for_admin(user: UserLike) -> QuerySet[ChildGrant]:
    """Break-the-glass grants on children of the administrator's counties, active or recently ended."""
    counties = require_administrator(user).admin_county_ids()
    since = timezone.now() - REVIEW_WINDOW
    return ChildGrant.objects.filter(
        permission__codename=BREAK_GLASS, content_object__county_id__in=counties, expires_at__gt=since
    ).select_related("user", "granted_by", "content_object__county")
