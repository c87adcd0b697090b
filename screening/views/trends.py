"""Trend pages for township and county staff: aggregate figures only, small cells suppressed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lbc.models import Region, School
from screening.access import get_trend_region_for_user
from screening.trends.charts import ewma_png, funnel_png, hidden_note
from screening.trends.data import ScreenedRecord, Term, county_records, reference_population, term_label
from screening.trends.display import Grouping, TrendPage, build_page
from screening.trends.statistics import fit_beta_prior

OTHER = "other"


def parse_term(value: str | None, available: list[Term]) -> Term:
    """``2026-1`` -> (2026, 1); the latest available term when absent; 404 for anything else."""
    if not value:
        if not available:
            raise Http404
        return available[-1]
    try:
        year, part = (int(x) for x in value.split("-"))
    except ValueError:
        raise Http404 from None
    if (year, part) not in available:
        raise Http404
    return (year, part)


def _prior(records: list[ScreenedRecord], unit_of: Any) -> Any:
    counts: dict[Any, list[int]] = {}
    for r in records:
        cell = counts.setdefault(unit_of(r), [0, 0])
        cell[0] += r.positive
        cell[1] += 1
    return fit_beta_prior([(k, n) for k, n in counts.values()])


def county_of(region: Region) -> Region:
    return region if region.level == Region.Level.COUNTY else region.parent  # type: ignore[return-value]


def trend_page_for(region: Region, term_value: str | None) -> tuple[TrendPage, list[Term], Term] | None:
    """The page of ``region`` for a term (default: the latest); None when nothing was screened yet."""
    county = county_of(region)
    everyone = county_records(county.pk)
    if region.level == Region.Level.TOWNSHIP:
        records = [r for r in everyone if r.township_id == region.pk]
    else:
        records = everyone
    available = sorted({r.term for r in records})
    if not available and not term_value:
        return None
    term = parse_term(term_value, available)
    this_term_all = [r for r in everyone if r.term == term]
    population = reference_population(county.pk, term[0])
    if region.level == Region.Level.TOWNSHIP:
        schools = dict(School.objects.filter(township_id=region.pk).values_list("pk", "name"))
        villages = dict(Region.objects.filter(parent_id=region.pk).values_list("pk", "name"))

        def village_of(r: ScreenedRecord) -> Any:
            return r.village_id if r.village_id in villages else OTHER

        groupings = [
            Grouping(
                _("按学校"), lambda r: r.school_id, schools, _prior(this_term_all, lambda r: r.school_id)
            ),
            Grouping(
                _("按儿童户籍所在村"), village_of, villages, _prior(this_term_all, lambda r: r.village_id)
            ),
        ]
    else:
        townships = dict(
            Region.objects.filter(parent_id=region.pk, level=Region.Level.TOWNSHIP).values_list("pk", "name")
        )
        schools = dict(School.objects.filter(county_id=region.pk).values_list("pk", "name"))
        groupings = [
            Grouping(
                _("按学校"), lambda r: r.school_id, schools, _prior(this_term_all, lambda r: r.school_id)
            ),
            Grouping(
                _("按乡镇"),
                lambda r: r.township_id,
                townships,
                _prior(this_term_all, lambda r: r.township_id),
            ),
        ]
    page = build_page(
        records,
        term=term,
        groupings=groupings,
        population=population,
        county_records=everyone,
        region_name=region.name,
    )
    return page, available, term


@login_required
@require_GET
def trends(request: HttpRequest, public_id: Any) -> HttpResponse:
    region = get_trend_region_for_user(request.user, public_id)
    found = trend_page_for(region, request.GET.get("term"))
    if found is None:
        return render(
            request,
            "screening/trends/page.html",
            {"region": region, "page": None, "is_township": region.level == Region.Level.TOWNSHIP},
        )
    page, available, term = found
    context = {
        "region": region,
        "page": page,
        "terms": [(f"{t[0]}-{t[1]}", term_label(t)) for t in available],
        "term_value": f"{term[0]}-{term[1]}",
        "funnel_note": hidden_note(page.funnel),
        "is_township": region.level == Region.Level.TOWNSHIP,
    }
    return render(request, "screening/trends/page.html", context)


@login_required
@require_GET
def trend_chart(request: HttpRequest, public_id: Any, kind: str) -> HttpResponse:
    if kind not in ("funnel", "ewma"):
        raise Http404
    region = get_trend_region_for_user(request.user, public_id)
    found = trend_page_for(region, request.GET.get("term"))
    if found is None:
        raise Http404
    page = found[0]
    png = funnel_png(page.funnel) if kind == "funnel" else ewma_png(page.ewma)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
