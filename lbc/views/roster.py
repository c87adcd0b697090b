"""Roster import pages: upload -> column mapping -> preview and diff -> commit -> result.

The upload is read in memory (``InMemoryHandler`` keeps it off the disk, ``SizeLimitHandler`` stops it
at the size limit) and staged encrypted on the import; nothing of the file is written to a file.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from lbc import audit
from lbc.access import children_for
from lbc.access.roster import (
    RosterScope,
    get_roster_import_for_user,
    roster_imports_for,
    roster_scopes_for,
)
from lbc.forms.roster import RosterMappingForm, RosterTemplateForm, RosterUploadForm
from lbc.imports.files import too_large_message
from lbc.imports.report import Level
from lbc.imports.uploads import too_large, upload_handlers
from lbc.models import RosterImport, School
from lbc.roster import service
from lbc.roster.plan import Kind, Plan
from lbc.roster.staging import MAX_BYTES, MAX_ROWS
from lbc.roster.template import template_detail, xlsx_template
from lbc.services.errors import DomainError

SHOWN = 200  # rows of each kind listed on the preview page
SHOWN_PROBLEMS = 1000
Status = RosterImport.Status


def schools_of(scopes: list[RosterScope]) -> Any:
    ids = [s.pk for scope in scopes for s in scope.schools()]
    return School.objects.filter(pk__in=ids)


def home_context(request: HttpRequest, form: RosterUploadForm) -> dict[str, Any]:
    scopes = roster_scopes_for(request.user)
    return {
        "form": form,
        "template_form": RosterTemplateForm(schools=schools_of(scopes)),
        "imports": roster_imports_for(request.user)
        .select_related("uploaded_by")
        .order_by("-created_at")[:30],
        "max_mb": MAX_BYTES // (1024 * 1024),
        "max_rows": MAX_ROWS,
        "is_admin": any(s.school is None for s in scopes),
    }


@csrf_exempt  # the size limit must be installed before the CSRF check reads the body; checked below
@login_required
def roster_home(request: HttpRequest) -> HttpResponse:
    # Before the body is read the handlers are still a plain list (Django makes them immutable after).
    request.upload_handlers = upload_handlers(request, limit=MAX_BYTES)
    return _roster_home(request)


@csrf_protect
def _roster_home(request: HttpRequest) -> HttpResponse:
    scopes = roster_scopes_for(request.user)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = RosterUploadForm(request.POST or None, request.FILES or None, scopes=scopes)
    if request.method == "POST":
        if too_large(request):
            form.is_valid()
            form.errors["file"] = form.error_class([too_large_message(MAX_BYTES)])
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = service.start_import(
                    form.chosen_scope(), upload.name or "", upload.read(), by=request.user, request=request
                )
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                if batch.status == Status.MAPPING:
                    return redirect("lbc:roster-mapping", public_id=batch.public_id)
                messages.info(request, _("这个表头的列对应关系已保存过，已直接检查。"))
                return redirect("lbc:roster-detail", public_id=batch.public_id)
    return render(request, "lbc/roster/home.html", home_context(request, form))


@login_required
def roster_mapping(request: HttpRequest, public_id: Any) -> HttpResponse:
    batch, _scope = get_roster_import_for_user(request.user, public_id)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if batch.status == Status.COMMITTED:
        return redirect("lbc:roster-detail", public_id=batch.public_id)
    staged = service.staged_of(batch)
    form = RosterMappingForm(request.POST or None, labels=staged.labels, mapping=list(batch.mapping))
    if request.method == "POST" and form.is_valid():
        try:
            service.save_mapping(batch, form.mapping(), by=request.user, request=request)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("lbc:roster-detail", public_id=batch.public_id)
    return render(
        request, "lbc/roster/mapping.html", {"batch": batch, "form": form, "rows": len(staged.rows)}
    )


def problem_lines(plan: Plan) -> list[dict[str, Any]]:
    seen: set[int | None] = set()
    lines = []
    for problem in plan.problems:
        lines.append(
            {
                "p": problem,
                "first": problem.row is not None and problem.row not in seen,
                "warning": problem.level == Level.WARNING,
            }
        )
        seen.add(problem.row)
    return lines


@login_required
@require_GET
def roster_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    batch, scope = get_roster_import_for_user(request.user, public_id)
    if batch.status == Status.MAPPING:
        return redirect("lbc:roster-mapping", public_id=batch.public_id)
    if batch.status == Status.COMMITTED:
        created = batch.result.get("created", [])
        changed = batch.result.get("changed", [])
        visible = children_for(request.user).order_by("family_name", "given_name")
        return render(
            request,
            "lbc/roster/result.html",
            {
                "batch": batch,
                "counts": batch.result.get("counts", {}),
                "created": visible.filter(public_id__in=created[:SHOWN]),
                "changed": visible.filter(public_id__in=changed[:SHOWN]),
                "more_created": max(0, len(created) - SHOWN),
                "more_changed": max(0, len(changed) - SHOWN),
            },
        )
    plan = service.plan_of(batch, scope)
    counts = plan.counts
    audit.record("lbc.roster.previewed", request=request, obj=batch, detail={"counts": counts})
    kinds = [
        (Kind.NEW, _("新建档案")),
        (Kind.CHANGED, _("信息有变化")),
        (Kind.UNCHANGED, _("没有变化")),
        (Kind.EXCLUDED, _("已排除")),
        (Kind.ERROR, _("有错误")),
    ]
    context = {
        "batch": batch,
        "scope": scope,
        "counts": counts,
        "blocking": plan.blocking,
        "lines": problem_lines(plan)[:SHOWN_PROBLEMS],
        "more_problems": max(0, len(plan.problems) - SHOWN_PROBLEMS),
        "groups": [
            {"kind": str(k), "label": label, "rows": plan.of(k)[:SHOWN], "count": counts[str(k)]}
            for k, label in kinds
        ],
        "missing": plan.missing[:SHOWN],
        "shown": SHOWN,
        "excluded": set(batch.excluded_rows),
    }
    return render(request, "lbc/roster/detail.html", context)


@login_required
@require_POST
def roster_exclude(request: HttpRequest, public_id: Any) -> HttpResponse:
    batch, _scope = get_roster_import_for_user(request.user, public_id)
    rows = [int(n) for n in request.POST.getlist("row") if n.isdigit()]
    try:
        service.exclude_rows(batch, rows, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已更新排除的行，并重新检查了文件。"))
    return redirect("lbc:roster-detail", public_id=batch.public_id)


@login_required
@require_POST
def roster_commit(request: HttpRequest, public_id: Any) -> HttpResponse:
    batch, scope = get_roster_import_for_user(request.user, public_id)
    try:
        result = service.commit_import(batch, scope, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        counts = result["counts"]
        messages.success(
            request,
            _("导入完成：新建%(new)d份档案，更新%(changed)d份。")
            % {
                "new": counts["new"],
                "changed": counts["changed"],
            },
        )
    return redirect("lbc:roster-detail", public_id=batch.public_id)


@login_required
@require_GET
def roster_template(request: HttpRequest) -> HttpResponse:
    scopes = roster_scopes_for(request.user)
    form = RosterTemplateForm(request.GET or None, schools=schools_of(scopes))
    if not form.is_valid():
        return render(
            request,
            "lbc/roster/home.html",
            {
                **home_context(request, RosterUploadForm(scopes=scopes)),
                "template_form": form,
            },
            status=400,
        )
    school, school_class = form.cleaned_data["school"], form.cleaned_data["school_class"]
    data, count = xlsx_template(school, school_class)
    audit.record(
        "lbc.roster.template_downloaded",
        request=request,
        obj=school,
        detail=template_detail(school, school_class, count),
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="roster.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
