"""Townships and villages of the administrator's county."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access
from lbc.access import UserLike
from lbc.manage_forms import RegionForm
from lbc.models import Region
from lbc.services import accounts

from .common import get_region, page, saved


@dataclass
class Branch:
    region: Region
    children: list[Branch] = field(default_factory=list)


def region_tree(user: UserLike) -> list[Branch]:
    """Counties > townships > villages from one query; parents come first because paths are prefixes."""
    regions = access.regions_for_admin(user).annotate(school_count=Count("schools")).order_by("path", "code")
    branches: dict[int, Branch] = {}
    roots: list[Branch] = []
    for region in regions:
        branch = branches[region.pk] = Branch(region)
        parent = branches.get(region.parent_id or 0)
        (parent.children if parent else roots).append(branch)
    for branch in branches.values():
        branch.children.sort(key=lambda b: b.region.code)
    return roots


@login_required
@require_GET
def region_list(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    return page(request, "region_list.html", {"tree": region_tree(request.user)})


def _region_form(request: HttpRequest, region: Region, level: int) -> HttpResponse:
    creating = region.pk is None
    # "New village" links from a township row preselect that township.
    initial = {"parent": request.GET.get("parent", "")} if creating else {}
    form = RegionForm(request.POST or None, instance=region, admin_user=request.user, level=level,
                      initial=initial)
    if request.method == "POST" and form.is_valid():
        accounts.save_county_record(form.instance, by=request.user, fields=form.changed_data, request=request)
        return saved(request, _("已保存：%(name)s") % {"name": form.instance.name}, "manage:region-list")
    return page(request, "region_form.html", {
        "form": form, "region": region, "creating": creating, "level_label": Region.Level(level).label,
    })


@login_required
@require_http_methods(["GET", "POST"])
def township_create(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    return _region_form(request, Region(), Region.Level.TOWNSHIP)


@login_required
@require_http_methods(["GET", "POST"])
def village_create(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    return _region_form(request, Region(), Region.Level.VILLAGE)


@login_required
@require_http_methods(["GET", "POST"])
def region_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    access.require_administrator(request.user)
    region = get_region(request.user, public_id)
    return _region_form(request, region, region.level)
