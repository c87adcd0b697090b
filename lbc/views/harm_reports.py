"""Mandatory reports of suspected harm (强制报告): file in a few clicks, handle, follow the receipt.

Every page starts with its call into ``lbc.access``. The narrative is shown only to handlers, and
only after the read is written to the audit log; the reporter's own page shows receipt and status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet, Value
from django.db.models.functions import Concat
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access, audit
from lbc.access import Rights
from lbc.harm_report_forms import ChildSearchForm, ReportFilterForm, ReportForm, ReportStatusForm
from lbc.models import Child, HarmReport, HarmReportEvent, Role
from lbc.services.errors import DomainError
from lbc.services.harm_reports import REPORT_WRITABLE, change_report_status, file_report
from lbc.text import join_items
from lbc.views.children import name_for

SEARCH_LIMIT = 20
PAGE_SIZE = 50


@dataclass(frozen=True)
class ChildChoice:
    public_id: Any
    name: str
    school: str


def search_children(user: Any, query: str) -> list[ChildChoice]:
    """Children the user may already see, matched on what every path to them lets the user see."""
    children: QuerySet[Child] = access.children_for(user)
    visible = access.fields_for(Rights(tiers=access.search_tiers(user).everywhere), "child")
    if "full_name" in visible:
        children = children.annotate(search_name=Concat("family_name", Value(""), "given_name")).filter(
            search_name__icontains=query
        )
    elif "given_name" in visible:
        children = children.filter(given_name__icontains=query)
    else:
        return []
    found = list(children.select_related("school").order_by("given_name", "pk")[:SEARCH_LIMIT])
    rights = access.rights_for_children(user, found)
    return [
        ChildChoice(c.public_id, name_for(c, access.fields_for(rights[c.pk], "child")), str(c.school or ""))
        for c in found
    ]


@login_required
@require_GET
def report_start(request: HttpRequest) -> HttpResponse:
    access.require_reporter(request.user)
    form = ChildSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    return render(
        request,
        "lbc/harm_reports/start.html",
        {
            "form": form,
            "query": query,
            "found": search_children(request.user, query) if query else [],
            "own": access.own_harm_reports_for(request.user).order_by("-created_at")[:20],
            "handler": access.is_harm_report_handler(request.user),
        },
    )


def _filed(request: HttpRequest, report: HarmReport) -> HttpResponse:
    messages.success(
        request,
        _("报告已提交，回执号 %(receipt)s。处理人员已收到通知。") % {"receipt": report.receipt},
    )
    return redirect("reports:detail", public_id=report.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def report_file_child(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, rights = access.get_child_for_user(request.user, public_id)
    access.require_reporter(request.user)
    form = ReportForm(request.POST or None, known_child=True)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in REPORT_WRITABLE}
        try:
            report = file_report(data, by=request.user, child=child, request=request)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return _filed(request, report)
    return render(
        request,
        "lbc/harm_reports/form.html",
        {
            "form": form,
            "child_name": name_for(child, access.fields_for(rights, "child")),
            "child_id": child.public_id,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_file_new(request: HttpRequest) -> HttpResponse:
    access.require_reporter(request.user)
    form = ReportForm(request.POST or None, known_child=False)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in REPORT_WRITABLE}
        try:
            township = form.cleaned_data["township"]
            report = file_report(data, by=request.user, township=township, request=request)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return _filed(request, report)
    return render(request, "lbc/harm_reports/form.html", {"form": form, "child_name": "", "child_id": None})


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    reports = access.harm_reports_for(request.user)
    form = ReportFilterForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["status"]:
        reports = reports.filter(status=form.cleaned_data["status"])
    page = Paginator(
        reports.select_related("township", "county").order_by("-immediate_danger", "-created_at", "pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(request, "lbc/harm_reports/list.html", {"form": form, "page": page})


@dataclass(frozen=True)
class HistoryRow:
    at: Any
    status: str
    who: str
    note: str


def history_rows(report: HarmReport, *, handler: bool) -> list[HistoryRow]:
    """Handlers see who changed what and why; the reporter sees only when the status changed."""
    events = HarmReportEvent.objects.filter(report=report).select_related("by")
    return [
        HistoryRow(
            e.at,
            e.get_to_status_display(),
            (e.by.get_full_name() or e.by.get_username()) if handler else "",
            e.note if handler else "",
        )
        for e in events
    ]


def child_summary(user: Any, report: HarmReport) -> dict[str, Any] | None:
    if report.child is None:
        return None
    rights = access.rights_for_child(user, report.child)
    allowed = access.fields_for(rights, "child")
    return {
        "name": name_for(report.child, allowed) if rights else "",
        "public_id": report.child.public_id if rights else None,
        "school": str(report.child.school or "") if "school" in allowed else "",
    }


def detail_context(
    request: HttpRequest,
    report: HarmReport,
    rights: access.HarmReportRights,
    status_form: ReportStatusForm | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {"report": report, "rights": rights}
    if rights.handler:
        # The narrative is read only after its audit record is written: no record, no page.
        audit.record(
            "lbc.report.viewed", request=request, obj=report, child=report.child, detail={"narrative": True}
        )
        reporter = report.reporter
        context.update(
            {
                "narrative": report.narrative,
                "child_description": report.child_description,
                "place_description": report.place_description,
                "reporter_name": reporter.get_full_name() or reporter.get_username(),
                "reporter_roles": reporter_roles(report.reporter_role),
                "child": child_summary(request.user, report),
                "status_form": status_form or ReportStatusForm(current=report.status),
            }
        )
    context["history"] = history_rows(report, handler=rights.handler)
    return context


def reporter_roles(stored: str) -> str:
    labels = dict(Role.choices)
    return join_items(labels.get(r, r) for r in stored.split(",") if r)


@login_required
@require_GET
def report_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    report, rights = access.get_harm_report_for_user(request.user, public_id)
    return render(request, "lbc/harm_reports/detail.html", detail_context(request, report, rights))


@login_required
def report_status(request: HttpRequest, public_id: Any) -> HttpResponse:
    report, rights = access.get_harm_report_for_user(request.user, public_id, handle=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ReportStatusForm(request.POST, current=report.status)
    if form.is_valid():
        try:
            change_report_status(
                report,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
                by=request.user,
                request=request,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("状态已更新，报告人会收到通知。"))
            return redirect("reports:detail", public_id=report.public_id)
    # The handler's note stays in the form: nothing typed is lost.
    return render(request, "lbc/harm_reports/detail.html", detail_context(request, report, rights, form))
