"""The county at a glance: counts only, never names of children."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from lbc import access
from lbc.models import Child, Region, Role
from lbc.models.memberships import MembershipQuerySet
from lbc.services import accounts

from .common import page


def _current_memberships(request: HttpRequest) -> MembershipQuerySet:
    return cast(MembershipQuerySet, access.memberships_for_admin(request.user)).current()


def _role_counts(request: HttpRequest) -> list[tuple[str, int]]:
    rows = dict(
        _current_memberships(request).order_by().values("role")
        .annotate(n=Count("user", distinct=True)).values_list("role", "n")
    )
    return [(str(label), rows.get(value, 0)) for value, label in Role.choices]


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    regions = access.regions_for_admin(request.user)
    today = timezone.localdate()
    memberships = _current_memberships(request)
    return page(request, "overview.html", {
        "counties": regions.filter(level=Region.Level.COUNTY),
        "townships": regions.filter(level=Region.Level.TOWNSHIP).count(),
        "villages": regions.filter(level=Region.Level.VILLAGE).count(),
        "schools": access.schools_for_admin(request.user).filter(active=True).count(),
        "children": access.children_for(request.user).filter(status=Child.Status.ACTIVE).count(),
        "role_counts": _role_counts(request),
        "expiring": accounts.expiring_memberships(memberships, today).values("user").distinct().count(),
        "expiry_days": accounts.EXPIRY_NOTICE_DAYS,
    })
