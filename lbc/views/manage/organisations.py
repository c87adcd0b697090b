"""Organisations of the administrator's county (volunteers belong to the county through theirs)."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access
from lbc.manage_forms import OrganisationForm
from lbc.models import Organisation
from lbc.services import accounts

from .common import get_organisation, page, saved


@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    organisations = (Organisation.objects.filter(region__in=access.regions_for_admin(request.user))
                     .select_related("region").order_by("name"))
    return page(request, "organisation_list.html", {"organisations": organisations})


def _organisation_form(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = OrganisationForm(request.POST or None, instance=organisation, admin_user=request.user)
    if request.method == "POST" and form.is_valid():
        accounts.save_county_record(form.instance, by=request.user, fields=form.changed_data, request=request)
        done = _("已保存：%(name)s") % {"name": form.instance.name}
        return saved(request, done, "manage:organisation-list")
    return page(request, "organisation_form.html", {
        "form": form, "organisation": organisation, "creating": organisation.pk is None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    return _organisation_form(request, Organisation())


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    access.require_administrator(request.user)
    return _organisation_form(request, get_organisation(request.user, public_id))
