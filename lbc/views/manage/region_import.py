"""Townships and villages from the statistics bureau's division codes: upload, preview, confirm."""

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
from lbc.models import Region
from lbc.services import regions_import
from lbc.services.errors import DomainError
from lbc.services.regions_import import Division

from .common import page
from .uploads import read_preview, sign_preview, uploaded_table

KIND = "region-import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context(form: TableUploadForm, counties: list[tuple[Region, str | None]]) -> dict[str, object]:
    return {
        "form": form,
        "counties": counties,
        "header": regions_import.HEADER,
        "classes": Region.UrbanRural.choices,
    }


@login_required
@require_http_methods(["GET", "POST"])
def region_import(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    form = TableUploadForm(request.POST or None, request.FILES or None)
    counties = [(c, regions_import.county_prefix(c)) for c in regions_import.admin_counties(request.user)]
    context = _context(form, counties)
    table = uploaded_table(request, form) if request.method == "POST" else None
    if table is None:
        return page(request, "region_import.html", context)
    prefixes = [prefix for _county, prefix in counties if prefix]
    divisions, problems = regions_import.parse_divisions(table, prefixes)
    plan = regions_import.plan_import(divisions, by=request.user)
    problems = sorted([*problems, *plan.problems], key=lambda p: (p.row, p.column))
    context |= {"plan": plan, "problems": problems, "file_name": form.cleaned_data["file"].name}
    if not problems and plan.has_changes:
        context["preview"] = sign_preview(KIND, request, {
            "rows": [d.as_list() for d in divisions], "fingerprint": plan.fingerprint(),
        })
    return page(request, "region_import.html", context)


@login_required
def region_import_confirm(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)  # before the method: other roles get 403, not 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        payload = read_preview(KIND, request)
        divisions = [Division.from_list(row) for row in payload["rows"]]
        plan = regions_import.commit_import(divisions, by=request.user, fingerprint=payload["fingerprint"],
                                            request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("manage:region-import")
    if plan.has_changes:
        counts = {k: plan.counts.get(k, 0) for k in ("new", "renamed", "reclassified")}
        done = _("已导入区划：新增%(new)d个，改名%(renamed)d个，更新城乡分类%(reclassified)d个。")
        messages.success(request, done % counts)
    else:
        messages.info(request, _("文件与系统中的区划完全一致，没有任何改动。"))
    return redirect("manage:region-list")


@login_required
@require_GET
def region_import_template(request: HttpRequest) -> HttpResponse:
    """An .xlsx whose code column is text (Excel would show 12-digit numbers in scientific notation).

    The example rows are synthetic: their county prefix 999999 exists nowhere, so a file that still
    holds them is refused row by row instead of importing made-up places.
    """
    access.require_administrator(request.user)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("区划")
    examples = [
        ("999999101000", _("示例镇（虚构，请删除）"), "乡镇/街道", ""),
        ("999999101201", _("示例村（虚构，请删除）"), "村/社区", "220"),
        ("999999101001", _("示例社区（虚构，请删除）"), "村/社区", "121"),
    ]
    for row in [regions_import.HEADER, *examples]:
        sheet.append([str(value) for value in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            cell.number_format = "@"
    for column, width in zip("ABCD", (16, 30, 12, 14), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="region-codes-template.xlsx"'
    return response
