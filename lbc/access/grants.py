"""Per-object grants seen from the people who use and review them.

The access functions in ``children.py`` already combine ``ChildGrant`` rows with scope; this module
answers the questions around them: may this user ask for emergency access, which grant a read went
through (for its audit event), and which grants a county administrator reviews.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from lbc.access.admin import require_administrator
from lbc.access.children import active_grants, get_child_for_user, has_active_grants
from lbc.access.roles import GRANT_CAPABILITIES, Can, roles_with
from lbc.access.scope import CHILD, UserLike, UserScope, covers, parse_public_id, scope_of
from lbc.access.tiers import FieldTier, Rights
from lbc.models import Child, ChildGrant, Membership, Referral

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


def breakglass_ids_among(user: UserLike, children: Iterable[Child]) -> list[int]:
    """Active break-the-glass grants of the user on any of these children (a list page's audit event)."""
    if not has_active_grants(user):
        return []
    return sorted(active_grants(user).filter(
        permission__codename=BREAK_GLASS, content_object__in=[c.pk for c in children]
    ).values_list("pk", flat=True))


def breakglass_grants_for_admin(user: UserLike) -> QuerySet[ChildGrant]:
    """Break-the-glass grants on children of the administrator's counties, active or recently ended."""
    counties = require_administrator(user).admin_county_ids()
    since = timezone.now() - REVIEW_WINDOW
    return ChildGrant.objects.filter(
        permission__codename=BREAK_GLASS, content_object__county_id__in=counties, expires_at__gt=since
    ).select_related("user", "granted_by", "content_object__county")


# --- referrals ----------------------------------------------------------------------------------


def referring_memberships(user: UserLike, child: Child) -> list[Membership]:
    """The user's memberships that may refer this child: a referring role whose own scope holds it."""
    return [m for m in scope_of(user).holding(Can.REFER) if covers(m, child, CHILD)]


def get_child_to_refer(user: UserLike, public_id: Any) -> tuple[Child, Rights]:
    """A child the user may refer: 404 outside what they see, 403 unless their own role covers it."""
    child, rights = get_child_for_user(user, public_id)
    if not referring_memberships(user, child):
        raise PermissionDenied
    return child, rights


def referral_recipients(user: UserLike, child: Child) -> QuerySet[Any]:
    """Counsellors (roles that may refer) of the other schools of the child's school's county."""
    if child.school is None:
        return get_user_model().objects.none()
    receiving = Membership.objects.current().filter(
        role__in=roles_with(Can.REFER), school__county_id=child.school.county_id, school_class__isnull=True,
        user__is_active=True,
    ).exclude(school_id=child.school.pk).exclude(user_id=cast(int, user.pk))
    return get_user_model().objects.filter(pk__in=receiving.values("user_id")).order_by("username")


def require_referrer(user: UserLike) -> UserScope:
    scope = scope_of(user)
    if not scope.can(Can.REFER):
        raise PermissionDenied
    return scope


def referrals_for(user: UserLike) -> QuerySet[Referral]:
    """Referrals the user sent or received (403 for roles that neither send nor receive them)."""
    require_referrer(user)
    return Referral.objects.filter(Q(to_user_id=user.pk) | Q(from_user_id=user.pk)).select_related(
        "child__school", "from_user", "to_user"
    )


def get_incoming_referral(user: UserLike, public_id: Any) -> Referral:
    """A referral addressed to the user (404 for anyone else, 403 for roles without referrals)."""
    incoming = referrals_for(user).filter(to_user_id=user.pk)
    return get_object_or_404(incoming, public_id=parse_public_id(public_id))


def referrals_of_child(child: Child, rights: Rights) -> QuerySet[Referral]:
    """Referrals shown in a child's file: to readers holding the notes tier (counsellors, referral grants)."""
    if FieldTier.NOTES not in rights.tiers:
        return Referral.objects.none()
    return Referral.objects.filter(child=child).select_related("from_user", "to_user").order_by("-created_at")
