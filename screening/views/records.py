"""The child's psychological record and its charts, a campaign's summary (page and PDF), a class overview,
and the latest result shown on the registry's child list and child file.

Every view starts with its call into ``lbc.access``; which assessment fields appear is decided by
``access.fields_for(rights, "assessment")``. Reads of scores and answers, and every export, write
their audit event before anything is rendered: no audit record, no data.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lbc import access, audit
from lbc.access import FieldTier, Rights
from lbc.models import Child
from lbc.reporting.pdf import render_pdf
from screening.access import get_campaign_for_user
from screening.assessments.thresholds import thresholds_for
from screening.models import Assessment, Campaign, Response
from screening.pdfs.campaign import CampaignSummaryReport
from screening.records.charts import Point, chart_spec, render_png
from screening.records.summary import CampaignSummary, ScreenedChild, summarise
from screening.scoring.context import FACTORS
from screening.scoring.instruments import Instrument, UnknownInstrument, get_instrument
from screening.scoring.tiers import Tier, neutral_label, tier_label
from screening.scoring.validity import ValidityCode, ValidityFlag

NEWEST_FIRST = ("-administered_on", "-created_at", "-pk")
FACTOR_LABELS = {f.key: f.label for f in FACTORS}  # lazy: rendered in the active language


# --- the latest result, for the registry's child list and child file ----------------------------------


def tier_badge(tier: str) -> SafeString:
    return format_html('<span class="tier-badge tier-{}">{}</span>', tier.lower(), tier_label(Tier(tier)))


def latest_cell(child: Child, allowed: set[str]) -> str | SafeString | None:
    """The child list's screening cell: a coloured badge (colour tier), the neutral label (status tier)."""
    if "latest_label" not in allowed:
        return None
    if not child.latest_tier:
        return _("未筛查")
    if "latest_tier" in allowed:
        return tier_badge(child.latest_tier)
    return neutral_label(Tier(child.latest_tier))


def latest_screening(child: Child, rights: Rights) -> dict[str, Any] | None:
    """The child file's "心理筛查" section: label, colour and action as the rights allow; None: no section."""
    seen = access.fields_for(rights, "assessment")
    if "neutral_label" not in seen:
        return None
    latest = Assessment.objects.filter(child=child).order_by(*NEWEST_FIRST).first()
    section: dict[str, Any] = {"assessment": None}
    if rights.scores:
        section["record_url"] = reverse("screening:child-record", kwargs={"public_id": child.public_id})
    if latest is None:
        return section
    section["assessment"] = {
        "administered_on": latest.administered_on,
        "label": tier_badge(latest.tier) if "tier" in seen else neutral_label(Tier(latest.tier)),
        "action": latest.action if "action" in seen else None,
        "deadline": latest.deadline if "deadline" in seen else None,
    }
    return section


# --- the child's psychological record ----------------------------------------------------------------


@dataclass
class InstrumentResult:
    code: str
    title: str
    total: int | None
    band: str
    subscales: list[tuple[str, int | None, str]] = field(default_factory=list)
    validity: list[tuple[str, bool]] = field(default_factory=list)  # (label, makes the response invalid)
    critical: list[str] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    answers: list[tuple[int, int]] | None = None


@dataclass
class AssessmentEntry:
    administered_on: dt.date
    campaign: str
    mode: str
    tier: SafeString
    reasons: list[str]
    action: str
    deadline: str
    context_score: int
    context_factors: list[str]
    instruments: list[InstrumentResult]


def instrument_for(response: Response) -> Instrument | None:
    try:
        return get_instrument(response.instrument_code, response.instrument_version)
    except UnknownInstrument:
        return None


def band_label(instrument: Instrument | None, scale_key: str, band_key: str | None) -> str:
    if instrument is None or not band_key:
        return band_key or ""
    scales = {s.key: s for s in (instrument.total, *instrument.subscales)}
    scale = scales.get(scale_key)
    band = next((b for b in scale.bands if b.key == band_key), None) if scale else None
    return str(band.label) if band else band_key


def answers_of(response: Response) -> list[tuple[int, int]]:
    """The decrypted item answers, as (item number, answer code): numbers only, never item wording."""
    return sorted((int(item), value) for item, value in json.loads(response.answers).items())


def validity_flags(response: Response) -> list[ValidityFlag]:
    return [ValidityFlag(ValidityCode(code)) for code in response.validity]


def instrument_result(response: Response, with_answers: bool) -> InstrumentResult:
    instrument = instrument_for(response)
    rules = {r.item: str(r.label) for r in instrument.critical} if instrument else {}
    labels = {s.key: str(s.label) for s in instrument.subscales} if instrument else {}
    return InstrumentResult(
        code=response.instrument_code,
        title=str(instrument.title) if instrument else response.instrument_code,
        total=response.total,
        band=band_label(instrument, "total", response.bands.get("total")),
        subscales=[
            (labels.get(key, key), score, band_label(instrument, key, response.bands.get(key)))
            for key, score in response.subscales.items()
        ],
        validity=[(f.label, f.invalidates) for f in validity_flags(response)],
        critical=[rules.get(item, _("第%(n)d题") % {"n": item}) for item in response.critical_items],
        missing=list(response.missing_items),
        answers=sorted((int(k), v) for k, v in json.loads(response.answers).items())
        if with_answers
        else None,
    )


def assessment_entry(assessment: Assessment, seen: set[str]) -> AssessmentEntry:
    return AssessmentEntry(
        administered_on=assessment.administered_on,
        campaign=assessment.campaign.name if assessment.campaign else _("单独筛查"),
        mode=assessment.get_mode_display(),
        tier=tier_badge(assessment.tier),
        reasons=list(assessment.reasons) if "reasons" in seen else [],
        action=assessment.action,
        deadline=assessment.deadline,
        context_score=assessment.context_score,
        context_factors=[FACTOR_LABELS.get(key, key) for key in assessment.context_factors],
        instruments=[instrument_result(r, "answers" in seen) for r in assessment.responses.all()],
    )


def assessments_of(child: Child) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(child=child)
        .select_related("campaign")
        .prefetch_related("responses")
        .order_by(*NEWEST_FIRST)
    )


def shown_tiers(rights: Rights) -> list[str]:
    return [t.name.lower() for t in (FieldTier.SCORES, FieldTier.NOTES) if rights.sees(t)]


@login_required
@require_GET
def child_record(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, rights = access.get_child_for_user(request.user, public_id, need=FieldTier.SCORES)
    audit.record(
        "screening.record.viewed",
        request=request,
        obj=child,
        child=child,
        detail={"tiers": shown_tiers(rights), "page": "record"},
    )
    seen = access.fields_for(rights, "assessment")
    entries = [assessment_entry(a, seen) for a in assessments_of(child)]
    codes = list(dict.fromkeys(i.code for e in reversed(entries) for i in e.instruments))
    context = {
        "child": {"public_id": child.public_id, "name": child.full_name},
        "entries": entries,
        "chart_codes": codes,
        "answers_shown": "answers" in seen,
    }
    return render(request, "screening/records/child_record.html", context)


@login_required
@require_GET
def child_chart(request: HttpRequest, public_id: Any, code: str) -> HttpResponse:
    child, rights = access.get_child_for_user(request.user, public_id, need=FieldTier.SCORES)
    responses = list(
        Response.objects.filter(assessment__child=child, instrument_code=code)
        .select_related("assessment")
        .order_by("assessment__administered_on", "assessment__created_at", "pk")
    )
    instrument = instrument_for(responses[-1]) if responses else None
    if instrument is None:
        raise Http404
    audit.record(
        "screening.record.viewed",
        request=request,
        obj=child,
        child=child,
        detail={"tiers": shown_tiers(rights), "page": "chart", "instrument": code},
    )
    title = _("%(name)s · %(code)s 总分") % {"name": child.full_name, "code": code}
    points = [Point(r.assessment.administered_on, r.total) for r in responses]
    png = render_png(chart_spec(title, instrument, thresholds_for(child.county_id), points))
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


# --- a campaign's summary ----------------------------------------------------------------------------


def campaign_summary_of(user: Any, campaign: Campaign) -> CampaignSummary:
    """Each screened child counted once (latest assessment in the campaign); critical if any had one."""
    latest: dict[int, ScreenedChild] = {}
    critical: set[int] = set()
    # Assessments stay with their campaign even when a child later moves school: the figures are history.
    rows = (
        Assessment.objects.filter(campaign=campaign)
        .order_by("child_id", *NEWEST_FIRST)
        .values_list("child_id", "grade", "sex", "tier", "critical")
    )
    for child_id, grade, sex, tier, is_critical in rows:
        latest.setdefault(child_id, ScreenedChild(grade, sex, tier, False))
        if is_critical:
            critical.add(child_id)
    screened = [ScreenedChild(c.grade, c.sex, c.tier, child_id in critical) for child_id, c in latest.items()]
    return summarise(screened, unscreened_by_grade(user, campaign), campaign.grades)


def unscreened_by_grade(user: Any, campaign: Campaign) -> dict[int | None, int]:
    """Children of the school now in the campaign's grades who have no assessment in it."""
    targets = access.children_for(user).filter(
        school_id=campaign.school_id, grade__in=campaign.grades, status=Child.Status.ACTIVE
    )
    screened = Assessment.objects.filter(campaign=campaign).values("child_id")
    counts: dict[int | None, int] = {}
    for grade in targets.exclude(pk__in=screened).values_list("grade", flat=True):
        counts[grade] = counts.get(grade, 0) + 1
    return counts


def campaign_with_rights(request: HttpRequest, public_id: Any) -> Campaign:
    campaign, rights = get_campaign_for_user(request.user, public_id)
    access.require(rights, FieldTier.COLOUR)  # counts by tier: the colour tier over the whole school
    return campaign


@login_required
@require_GET
def campaign_summary(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = campaign_with_rights(request, public_id)
    context = {"campaign": campaign, "summary": campaign_summary_of(request.user, campaign)}
    return render(request, "screening/records/campaign_summary.html", context)


@login_required
@require_GET
def campaign_summary_pdf(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = campaign_with_rights(request, public_id)
    report = CampaignSummaryReport(
        campaign=campaign,
        summary=campaign_summary_of(request.user, campaign),
        generated_by=request.user.get_username(),
        generated_at=timezone.localtime(),
    )
    if not report.is_available_to(request.user):
        raise Http404
    audit.record("screening.summary.exported", request=request, obj=campaign, detail={"format": "pdf"})
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="screening-summary-{campaign.public_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- a head teacher's class ---------------------------------------------------------------------------

STATUS_ONLY = Rights(tiers=frozenset({FieldTier.STATUS}))


@dataclass
class ClassRow:
    name: str
    label: str
    action: str
    administered_on: dt.date | None
    follow_up: bool = False


def class_rows(user: Any, children: list[Child]) -> list[ClassRow]:
    """Neutral label and action only, whatever else the viewer's role may see: never colour or scores."""
    rights = access.rights_for_children(user, children)
    newest: dict[int, Assessment] = {}
    for a in Assessment.objects.filter(child__in=children).order_by("child_id", *NEWEST_FIRST):
        newest.setdefault(a.child_id, a)
    rows = []
    for child in children:
        seen = access.fields_for(Rights(tiers=rights[child.pk].tiers & STATUS_ONLY.tiers), "assessment")
        latest = newest.get(child.pk) if "neutral_label" in seen else None
        rows.append(
            ClassRow(
                name=child.full_name if rights[child.pk].basic else child.given_name,
                label=neutral_label(Tier(latest.tier)) if latest else _("未筛查"),
                action=latest.action if latest and "action" in seen else "",
                administered_on=latest.administered_on if latest else None,
                follow_up=bool(latest and latest.tier != Tier.GREEN),
            )
        )
    return rows


@login_required
@require_GET
def class_overview(request: HttpRequest, public_id: Any) -> HttpResponse:
    school_class, _rights = access.get_class_for_user(request.user, public_id, need=FieldTier.STATUS)
    children = list(
        access.children_for(request.user)
        .filter(school_class=school_class, status=Child.Status.ACTIVE)
        .select_related("school")
        .order_by("family_name", "given_name", "pk")
    )
    rows = class_rows(request.user, children)
    # Named children marked for follow-up: audited before rendering, so no event means no page.
    audit.record("screening.class.listed", request=request, obj=school_class, detail={"count": len(rows)})
    context = {
        "school_class": school_class,
        "rows": rows,
        "follow_up": sum(r.follow_up for r in rows),
    }
    return render(request, "screening/records/class_overview.html", context)
