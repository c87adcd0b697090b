"""Schools of the administrator's county and their classes."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access
from lbc.manage_forms import SchoolClassForm, SchoolForm
from lbc.models import School, SchoolClass
from lbc.services import accounts

from .common import get_school, get_school_class, page, saved


@login_required
@require_GET
def school_list(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    schools = (access.schools_for_admin(request.user).select_related("township", "region")
               .annotate(class_count=Count("classes")).order_by("township__code", "name"))
    return page(request, "school_list.html", {"schools": schools})


@login_required
@require_GET
def school_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    access.require_administrator(request.user)
    school = get_school(request.user, public_id)
    classes = school.classes.order_by("-school_year", "grade", "name")
    return page(request, "school_detail.html", {"school": school, "classes": classes})


def _school_form(request: HttpRequest, school: School) -> HttpResponse:
    form = SchoolForm(request.POST or None, instance=school, admin_user=request.user)
    if request.method == "POST" and form.is_valid():
        accounts.save_county_record(form.instance, by=request.user, fields=form.changed_data, request=request)
        return saved(request, _("已保存：%(name)s") % {"name": form.instance.name},
                     "manage:school-detail", form.instance.public_id)
    return page(request, "school_form.html", {"form": form, "school": school, "creating": school.pk is None})


@login_required
@require_http_methods(["GET", "POST"])
def school_create(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    return _school_form(request, School())


@login_required
@require_http_methods(["GET", "POST"])
def school_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    access.require_administrator(request.user)
    return _school_form(request, get_school(request.user, public_id))


def _class_form(request: HttpRequest, school: School, school_class: SchoolClass) -> HttpResponse:
    form = SchoolClassForm(request.POST or None, instance=school_class, school=school)
    if request.method == "POST" and form.is_valid():
        accounts.save_county_record(form.instance, by=request.user, fields=form.changed_data, request=request)
        return saved(request, _("已保存班级：%(cls)s") % {"cls": form.instance},
                     "manage:school-detail", school.public_id)
    return page(request, "class_form.html", {
        "form": form, "school": school, "school_class": school_class, "creating": school_class.pk is None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def class_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    access.require_administrator(request.user)
    school = get_school(request.user, public_id)
    return _class_form(request, school, SchoolClass(school=school))


@login_required
@require_http_methods(["GET", "POST"])
def class_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    access.require_administrator(request.user)
    school_class = get_school_class(request.user, public_id)
    return _class_form(request, school_class.school, school_class)
