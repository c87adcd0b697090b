"""Setting a county's training up without a shell: programs, venues, pre/post questionnaires, materials and
the county's audience windows.

Trainers and county administrators keep the programs, venues, questionnaires and materials of their
county (``Can.SET_UP_TRAINING``); only county administrators set the county's windows
(``Can.TRAINING_WINDOWS``). Every view starts with its call into ``training.access``: other roles get
403, another county's objects 404. Forms that fail keep what was typed and answer 400.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lbc.access import parse_public_id
from lbc.models import Region
from lbc.services.errors import DomainError
from training.access import (
    get_material_for_setup,
    get_program_for_setup,
    get_questionnaire_for_setup,
    get_venue_for_setup,
    require_setup,
    setup_menu,
    window_county_ids,
)
from training.materials import add_material, remove_material
from training.models import CountyTrainingConfig, Material, Program, Questionnaire, Session, Venue
from training.services.setup import (
    PROGRAM_FIELDS,
    VENUE_FIELDS,
    copy_questionnaire,
    questionnaire_frozen,
    save_program,
    save_questionnaire,
    save_venue,
    save_windows,
    set_program_active,
    set_venue_active,
    snapshot,
)
from training.setup_forms import MaterialForm, ProgramForm, QuestionnaireForm, VenueForm, WindowsForm


def _page(request: HttpRequest, template: str, context: dict[str, Any], form: Any = None) -> HttpResponse:
    """Render with the set-up menu; 400 when a submitted form has errors (it keeps what was typed)."""
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, template, {**setup_menu(request.user), **context}, status=status)


def _active_flag(request: HttpRequest) -> bool:
    return request.POST.get("active") == "1"


# --- programs ---------------------------------------------------------------------------------------


@login_required
@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    counties = require_setup(request.user)
    programs = (
        Program.objects.filter(county_id__in=counties)
        .select_related("provider", "questionnaire")
        .annotate(
            upcoming=Count(
                "sessions",
                filter=Q(sessions__starts_at__gte=timezone.now(), sessions__status=Session.Status.SCHEDULED),
            )
        )
        .order_by("-active", "name")
    )
    return _page(request, "training/setup/program_list.html", {"section": "programs", "programs": programs})


@login_required
@require_http_methods(["GET", "POST"])
def program_form(request: HttpRequest, public_id: Any = None) -> HttpResponse:
    counties = require_setup(request.user)
    program = get_program_for_setup(request.user, public_id) if public_id else Program()
    before = snapshot(program, PROGRAM_FIELDS) if program.pk else None
    form = ProgramForm(request.POST or None, instance=program, county_ids=counties)
    if request.method == "POST" and form.is_valid():
        saved = save_program(
            form.save(commit=False),
            by=request.user,
            before=before,
            new_provider=form.cleaned_data["new_provider"],
            request=request,
        )
        messages.success(request, _("已保存培训项目“%(name)s”。") % {"name": saved.name})
        return redirect("training:program-list")
    context = {"section": "programs", "form": form, "program": program if program.pk else None}
    return _page(request, "training/setup/program_form.html", context, form)


@login_required
@require_POST
def program_retire(request: HttpRequest, public_id: Any) -> HttpResponse:
    program = get_program_for_setup(request.user, public_id)
    active = _active_flag(request)
    try:
        set_program_active(program, active, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if active:
            messages.success(request, _("培训项目“%(name)s”已重新启用。") % {"name": program.name})
        else:
            messages.success(
                request,
                _("培训项目“%(name)s”已停用：不能再安排新场次，已安排的场次不受影响。")
                % {"name": program.name},
            )
    return redirect("training:program-list")


# --- venues -----------------------------------------------------------------------------------------


@login_required
@require_GET
def venue_list(request: HttpRequest) -> HttpResponse:
    counties = require_setup(request.user)
    venues = (
        Venue.objects.filter(county_id__in=counties)
        .select_related("region__parent")
        .annotate(
            upcoming=Count(
                "sessions",
                filter=Q(sessions__starts_at__gte=timezone.now(), sessions__status=Session.Status.SCHEDULED),
            )
        )
        .order_by("-active", "region__parent__name", "name")
    )
    return _page(request, "training/setup/venue_list.html", {"section": "venues", "venues": venues})


@login_required
@require_http_methods(["GET", "POST"])
def venue_form(request: HttpRequest, public_id: Any = None) -> HttpResponse:
    counties = require_setup(request.user)
    venue = get_venue_for_setup(request.user, public_id) if public_id else Venue()
    before = snapshot(venue, VENUE_FIELDS) if venue.pk else None
    form = VenueForm(request.POST or None, instance=venue, county_ids=counties)
    if request.method == "POST" and form.is_valid():
        saved = save_venue(form.save(commit=False), by=request.user, before=before, request=request)
        messages.success(request, _("已保存场地“%(name)s”。") % {"name": saved.name})
        return redirect("training:venue-list")
    context = {"section": "venues", "form": form, "venue": venue if venue.pk else None}
    return _page(request, "training/setup/venue_form.html", context, form)


@login_required
@require_POST
def venue_deactivate(request: HttpRequest, public_id: Any) -> HttpResponse:
    venue = get_venue_for_setup(request.user, public_id)
    active = _active_flag(request)
    try:
        set_venue_active(venue, active, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if active:
            messages.success(request, _("场地“%(name)s”已重新启用。") % {"name": venue.name})
        else:
            messages.success(
                request,
                _("场地“%(name)s”已停用：不能再安排新场次，已安排的场次不受影响。") % {"name": venue.name},
            )
    return redirect("training:venue-list")


# --- questionnaires ---------------------------------------------------------------------------------


@login_required
@require_GET
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    counties = require_setup(request.user)
    questionnaires = (
        Questionnaire.objects.filter(county_id__in=counties)
        .annotate(
            item_count=Count("items", distinct=True),
            answered=Count("responses", distinct=True),
            program_count=Count("programs", distinct=True),
        )
        .order_by("name", "-version")
    )
    context = {"section": "questionnaires", "questionnaires": questionnaires}
    return _page(request, "training/setup/questionnaire_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_form(request: HttpRequest, public_id: Any = None) -> HttpResponse:
    counties = require_setup(request.user)
    questionnaire = get_questionnaire_for_setup(request.user, public_id) if public_id else Questionnaire()
    frozen = questionnaire_frozen(questionnaire)
    form = QuestionnaireForm(request.POST or None, instance=questionnaire, county_ids=counties)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_questionnaire(
                form.save(commit=False), form.cleaned_data["items_text"], by=request.user, request=request
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存问卷“%(name)s”。") % {"name": saved.name})
            return redirect("training:questionnaire-edit", public_id=saved.public_id)
    context = {
        "section": "questionnaires",
        "form": form,
        "questionnaire": questionnaire if questionnaire.pk else None,
        "frozen": frozen,
        "items": list(questionnaire.items.order_by("number")) if questionnaire.pk else [],
        "programs": list(questionnaire.programs.order_by("name")) if questionnaire.pk else [],
    }
    return _page(request, "training/setup/questionnaire_form.html", context, form)


@login_required
@require_POST
def questionnaire_copy(request: HttpRequest, public_id: Any) -> HttpResponse:
    questionnaire = get_questionnaire_for_setup(request.user, public_id)
    copy = copy_questionnaire(questionnaire, by=request.user, request=request)
    messages.success(
        request,
        _("已复制为第%(v)d版，可以修改题目。修改后请在培训项目中改选新版本。") % {"v": copy.version},
    )
    return redirect("training:questionnaire-edit", public_id=copy.public_id)


# --- materials --------------------------------------------------------------------------------------


@login_required
@require_GET
def material_list(request: HttpRequest) -> HttpResponse:
    counties = require_setup(request.user)
    materials = Material.objects.filter(program__county_id__in=counties).select_related(
        "program", "uploaded_by"
    )
    context = {
        "section": "materials",
        "materials": materials.order_by("program__name", "title"),
        "form": MaterialForm(county_ids=counties, initial={"program": request.GET.get("program")}),
    }
    return _page(request, "training/setup/material_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def material_upload(request: HttpRequest) -> HttpResponse:
    counties = require_setup(request.user)
    form = MaterialForm(request.POST or None, request.FILES or None, county_ids=counties)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            material = add_material(
                data["program"], by=request.user, title=data["title"], upload=data["file"], request=request
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("已上传资料“%(title)s”。") % {"title": material.title})
            return redirect("training:material-list")
    if form.is_bound and form.errors and "file" not in form.errors:
        form.add_error("file", _("为了安全，浏览器不会保留已选的文件，请重新选择。"))
    return _page(request, "training/setup/material_form.html", {"section": "materials", "form": form}, form)


@login_required
@require_POST
def material_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    material = get_material_for_setup(request.user, public_id)
    title = material.title
    remove_material(material, by=request.user, request=request)
    messages.success(request, _("已删除资料“%(title)s”。") % {"title": title})
    return redirect("training:material-list")


# --- county windows ---------------------------------------------------------------------------------


@login_required
@require_GET
def windows_list(request: HttpRequest) -> HttpResponse:
    counties = window_county_ids(request.user)
    regions = list(Region.objects.filter(pk__in=counties, level=Region.Level.COUNTY).order_by("name"))
    configured = set(
        CountyTrainingConfig.objects.filter(county__in=regions).values_list("county_id", flat=True)
    )
    rows = [(county, county.pk in configured) for county in regions]
    return _page(request, "training/setup/windows_list.html", {"section": "windows", "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def windows_form(request: HttpRequest, public_id: Any) -> HttpResponse:
    counties = window_county_ids(request.user)
    county = Region.objects.filter(
        public_id=parse_public_id(public_id), pk__in=counties, level=Region.Level.COUNTY
    ).first()
    if county is None:
        raise Http404
    config = CountyTrainingConfig.objects.filter(county=county).first()
    form = WindowsForm(request.POST or None, initial=WindowsForm.initial_from(config))
    if request.method == "POST" and form.is_valid():
        save_windows(county, form.cleaned_data, by=request.user, request=request)
        messages.success(request, _("已保存%(county)s的培训时段设置。") % {"county": county.name})
        return redirect("training:windows-edit", public_id=county.public_id)
    context = {"section": "windows", "form": form, "county": county}
    return _page(request, "training/setup/windows_form.html", context, form)
