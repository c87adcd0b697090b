"""Fetch helpers shared by the county administrator views: each scoped to the administrator's county."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from lbc import access
from lbc.models import Organisation, Region, School, SchoolClass

PAGE_SIZE = 50


def get_region(user: Any, public_id: uuid.UUID) -> Region:
    """A township or village of the administrator's county (the county row itself is not edited here)."""
    regions = access.regions_for_admin(user).filter(level__gte=Region.Level.TOWNSHIP).select_related("parent")
    return get_object_or_404(regions, public_id=public_id)


def get_school(user: Any, public_id: uuid.UUID) -> School:
    schools = access.schools_for_admin(user).select_related("region", "township")
    return get_object_or_404(schools, public_id=public_id)


def get_school_class(user: Any, public_id: uuid.UUID) -> SchoolClass:
    classes = SchoolClass.objects.filter(school__in=access.schools_for_admin(user)).select_related("school")
    return get_object_or_404(classes, public_id=public_id)


def get_organisation(user: Any, public_id: uuid.UUID) -> Organisation:
    organisations = Organisation.objects.filter(region__in=access.regions_for_admin(user))
    return get_object_or_404(organisations, public_id=public_id)


def get_managed_user(user: Any, username: str) -> Any:
    return get_object_or_404(access.users_for_admin(user), username=username)


def page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, f"lbc/manage/{template}", context, status=status)


def saved(request: HttpRequest, message: str, to: str, *args: Any) -> HttpResponse:
    """POST-redirect-GET with a confirmation message."""
    messages.success(request, message)
    return redirect(to, *args)

