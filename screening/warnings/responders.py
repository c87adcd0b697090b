"""Who responds to a warning: active holders of a role whose scope covers the child or the unit.

Not access rules (nobody's view is decided here): recipients of alerts and the counsellors a warning
may be assigned or transferred to.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from lbc.access.scope import CHILD, memberships_covering
from lbc.models import Child, Membership, Role
from screening.models import Warning


def _current_members(role: str) -> QuerySet[Membership]:
    return Membership.objects.current().filter(role=role, user__is_active=True)


def responders_for_child(child: Child, role: str) -> QuerySet[Any]:
    """Active users holding ``role`` through a membership whose scope covers the child (home or school)."""
    members = _current_members(role).filter(memberships_covering(child, CHILD))
    return get_user_model().objects.filter(pk__in=members.values("user_id")).order_by("pk")


def responders_for_unit(
    role: str, *, school_id: int | None = None, region_id: int | None = None
) -> list[Any]:
    """Active users holding ``role`` at exactly this school or region (a warning's responsible unit)."""
    if school_id is None and region_id is None:
        return []
    members = _current_members(role).filter(
        Q(school_id=school_id, school_class__isnull=True) if school_id is not None else Q(region_id=region_id)
    )
    return list(get_user_model().objects.filter(pk__in=members.values("user_id")).order_by("pk"))


def counsellors_for_warning(warning: Warning) -> QuerySet[Any]:
    """Counsellors a warning may be assigned or transferred to: those whose school scope covers the child."""
    return responders_for_child(warning.child, Role.COUNSELLOR)
