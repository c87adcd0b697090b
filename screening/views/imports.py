"""Whole-grade import pages: template download, upload, report and preview, progress, commit.

Only the counsellors of the campaign's school import (``get_campaign_for_user`` with
``edit``): others in scope get 403, others 404. The report quotes answers, names and ID numbers,
so showing it writes an audit event first.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from lbc import access, audit
from lbc.imports.files import MAX_BYTES, MAX_ROWS, too_large_message
from lbc.imports.uploads import too_large, upload_handlers
from lbc.services.errors import DomainError
from screening.access import get_campaign_for_user
from screening.imports import batches
from screening.imports.processing import Status, fail_if_stale, load_report, retry_step
from screening.imports.report import Level, Report
from screening.imports.template import csv_template, xlsx_template
from screening.models import Campaign, ImportBatch
from screening.scoring.tiers import TIER_ORDER, tier_label

PROBLEMS_PER_PAGE = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("导入文件（.xlsx、.xls 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv", "class": "form-control"}),
    )


class ExcludeForm(forms.Form):
    rows = forms.TypedMultipleChoiceField(coerce=int, required=False)
    shown = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args: Any, choices: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [(str(n), str(n)) for n in choices]
        self.fields["rows"].choices = options  # type: ignore[attr-defined]
        self.fields["shown"].choices = options  # type: ignore[attr-defined]


def campaign_for(request: HttpRequest, public_id: Any) -> Campaign:
    """The campaign, if the user runs it and may see item answers (NOTES) of its school's children."""
    campaign, rights = get_campaign_for_user(request.user, public_id, edit=True)
    access.require(rights, access.FieldTier.NOTES)
    return campaign


def batch_for(campaign: Campaign, batch_id: Any) -> ImportBatch:
    batch = campaign.imports.filter(public_id=access.parse_public_id(batch_id)).first()
    if batch is None:
        raise Http404
    return batch


def detail_url(batch: ImportBatch) -> str:
    return reverse(
        "screening:import-detail",
        kwargs={"public_id": batch.campaign.public_id, "batch_id": batch.public_id},
    )


@login_required
@require_GET
def import_template(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = campaign_for(request, public_id)
    if request.GET.get("format") == "csv":
        content, kind, suffix = csv_template(campaign), "text/csv; charset=utf-8", "csv"
    else:
        content, kind, suffix = xlsx_template(campaign), XLSX_TYPE, "xlsx"
    response = HttpResponse(content, content_type=kind)
    filename = _("导入模板-%(name)s.%(suffix)s") % {"name": campaign.name, "suffix": suffix}
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


@csrf_exempt  # the size limit must be installed before the CSRF check reads the body; checked below
@login_required
def import_upload(request: HttpRequest, public_id: Any) -> HttpResponse:
    # Before the body is read the handlers are still a plain list (Django makes them immutable after).
    request.upload_handlers = upload_handlers(request)  # bounded and in memory: never a temporary file
    return _import_upload(request, public_id)


@csrf_protect
def _import_upload(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = campaign_for(request, public_id)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if too_large(request):
            form.is_valid()
            form.errors["file"] = form.error_class([too_large_message()])
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = batches.start_import(
                    campaign, upload.name or "", upload.read(), by=request.user, request=request
                )
            except batches.AlreadyUploaded as exc:
                messages.warning(request, exc.message)
                return redirect(detail_url(exc.batch))
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect(detail_url(batch))
    context = {
        "campaign": campaign,
        "form": form,
        "batches": campaign.imports.order_by("-created_at")[:50],
        "max_mb": MAX_BYTES // (1024 * 1024),
        "max_rows": MAX_ROWS,
    }
    return render(request, "screening/imports/upload.html", context)


def problem_rows(report: Report) -> list[dict[str, Any]]:
    """Problems in report order; ``first`` marks the first line of each row, where its checkbox goes."""
    seen: set[int | None] = set()
    lines = []
    for problem in report.ordered():
        lines.append(
            {
                "p": problem,
                "first": problem.row not in seen and problem.row is not None,
                "critical": problem.level == Level.CRITICAL,
                "warning": problem.level == Level.WARNING,
            }
        )
        seen.add(problem.row)
    return lines


def preview_lines(report: Report) -> list[tuple[str, int]]:
    tiers = report.preview.tiers if report.preview else {}
    return [(tier_label(t), tiers.get(str(t), 0)) for t in TIER_ORDER if tiers.get(str(t))]


@login_required
def import_detail(request: HttpRequest, public_id: Any, batch_id: Any) -> HttpResponse:
    campaign = campaign_for(request, public_id)
    batch = batch_for(campaign, batch_id)
    if request.method == "POST":
        return _exclude(request, batch)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    fail_if_stale(batch)
    report = load_report(batch)
    lines = problem_rows(report)
    page = Paginator(lines, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    if lines:
        audit.record(
            "screening.import.report_viewed",
            request=request,
            obj=batch,
            detail={"problems": len(lines), "page": page.number},
        )
    context = {
        "campaign": campaign,
        "batch": batch,
        "report": report,
        "page": page,
        "shown_rows": sorted({line["p"].row for line in page.object_list if line["p"].row is not None}),
        "counts": report.counts,
        "critical_rows": report.critical_rows(),
        "tiers": preview_lines(report),
        "running": batch.status in (Status.VALIDATING, Status.COMMITTING),
        "can_commit": batch.status == Status.READY and not report.blocking and report.preview is not None,
        "retry_step": retry_step(batch, report),
        "can_exclude": batch.status in batches.EXCLUDABLE,
        "progress_url": reverse(
            "screening:import-progress", kwargs={"public_id": campaign.public_id, "batch_id": batch.public_id}
        ),
    }
    return render(request, "screening/imports/detail.html", context)


def _exclude(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    report = load_report(batch)
    choices = sorted(set(report.error_rows()) | set(report.critical_rows()) | set(batch.excluded_rows))
    form = ExcludeForm(request.POST, choices=choices)
    if not form.is_valid():
        messages.error(request, _("所选的行无效，请刷新页面后重试。"))
        return redirect(detail_url(batch))
    shown = set(form.cleaned_data["shown"])
    excluded = (set(batch.excluded_rows) - shown) | set(form.cleaned_data["rows"])
    try:
        batches.exclude_rows(batch, excluded, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已排除 %(n)d 行，并重新检查了文件。") % {"n": len(excluded)})
    return redirect(detail_url(batch))


@login_required
@require_GET
def import_progress(request: HttpRequest, public_id: Any, batch_id: Any) -> JsonResponse:
    """Status and percent only: no personal data, so polling writes no audit events."""
    campaign = campaign_for(request, public_id)
    batch = batch_for(campaign, batch_id)
    fail_if_stale(batch)
    running = batch.status in (Status.VALIDATING, Status.COMMITTING)
    return JsonResponse(
        {
            "status": batch.status,
            "label": str(batch.get_status_display()),
            "progress": batch.progress,
            "done": not running,
        }
    )


@login_required
def import_commit(request: HttpRequest, public_id: Any, batch_id: Any) -> HttpResponse:
    campaign = campaign_for(request, public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    batch = batch_for(campaign, batch_id)
    try:
        batches.request_commit(batch, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(detail_url(batch))


@login_required
def import_retry(request: HttpRequest, public_id: Any, batch_id: Any) -> HttpResponse:
    """"重试" a failed batch: the people who may import into the campaign, POST only, audited."""
    campaign = campaign_for(request, public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    batch = batch_for(campaign, batch_id)
    try:
        step = batches.retry_import(batch, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if step == "commit":
            messages.success(request, _("已重新开始导入。"))
        else:
            messages.success(request, _("已重新开始检查文件。"))
    return redirect(detail_url(batch))
