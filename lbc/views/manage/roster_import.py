"""Staff accounts from a roster: upload, preview, confirm; the result is a sheet of one-time codes."""

from __future__ import annotations

import io

import openpyxl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access
from lbc.manage_forms import TableUploadForm
from lbc.services import roster_import as rosters
from lbc.services.errors import DomainError
from lbc.services.roster_import import StaffRow

from .common import page
from .region_import import XLSX
from .uploads import read_preview, sign_preview, uploaded_table

KIND = "roster-import"


def _context(form: TableUploadForm) -> dict[str, object]:
    roles = rosters.role_names()
    return {
        "form": form, "header": rosters.HEADER,
        "roles": [name for name, role in roles.items() if role in rosters.ROSTER_ROLES],
    }


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    form = TableUploadForm(request.POST or None, request.FILES or None)
    context = _context(form)
    table = uploaded_table(request, form) if request.method == "POST" else None
    if table is None:
        return page(request, "roster_import.html", context)
    rows, problems = rosters.parse_roster(table)
    plan = rosters.plan_roster(rows, by=request.user)
    problems = sorted([*problems, *plan.problems], key=lambda p: (p.row, p.column))
    context |= {"plan": plan, "problems": problems, "file_name": form.cleaned_data["file"].name,
                "counts": {s: plan.count(s) for s in ("new", "add_role", "exists")}}
    if not problems and plan.has_changes:
        context["preview"] = sign_preview(KIND, request, {
            "rows": [r.as_list() for r in rows], "fingerprint": plan.fingerprint(),
        })
    return page(request, "roster_import.html", context)


@login_required
def roster_import_confirm(request: HttpRequest) -> HttpResponse:
    """Creates the accounts and shows their one-time codes, once (the page is not kept anywhere)."""
    access.require_administrator(request.user)  # before the method: other roles get 403, not 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        payload = read_preview(KIND, request)
        rows = [StaffRow.from_list(row) for row in payload["rows"]]
        plan, issued = rosters.commit_roster(rows, by=request.user, fingerprint=payload["fingerprint"],
                                                   request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("manage:roster-import")
    if not plan.has_changes:
        messages.info(request, _("名单中的账号和角色都已存在，没有任何改动。"))
        return redirect("manage:user-list")
    return page(request, "roster_codes.html", {
        "issued": issued, "unchanged": plan.count("exists"),
        "expires_at": next((i.expires_at for i in issued if i.expires_at), None),
    })


@login_required
@require_GET
def roster_import_template(request: HttpRequest) -> HttpResponse:
    """An .xlsx with text columns; the example rows are synthetic and refused if left in (no such place)."""
    access.require_administrator(request.user)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("名单")
    examples = [
        (_("示例姓名（虚构，请删除）"), "19900000001", "学校心理教师", _("示例学校（虚构）"), "", ""),
        (_("示例姓名（虚构，请删除）"), "19900000002", "志愿者", _("示例组织（虚构）"), "", "2027-01-31"),
    ]
    for row in [rosters.HEADER, *examples]:
        sheet.append([str(value) for value in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            cell.number_format = "@"
    for column, width in zip("ABCDEF", (16, 16, 16, 24, 14, 14), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="staff-roster-template.xlsx"'
    return response
