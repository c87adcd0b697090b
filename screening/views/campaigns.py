"""Screening campaigns: list, create, edit, and the detail page with the roster of the target grades.

Access comes from ``lbc.access``: campaigns of the schools under the user's scope; counsellors run the
campaigns of their own school. The roster is per child and needs the scores tier over the school's
children (counsellors, township supervisors); other roles see counts only, tier counts only with the
colour tier, suppressed by the small-cell rule of ``lbc.reporting.suppression``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access, audit
from lbc.access import FieldTier, Rights
from lbc.models import Child, School
from lbc.reporting.suppression import Key, Relation, Shown, cell_text, suppress
from lbc.text import join_items
from screening.access import campaign_run_school_ids, campaigns_for, get_campaign_for_user
from screening.assessments.recording import CONSENT_AGE, consent_for
from screening.forms.campaigns import CampaignForm
from screening.models import Assessment, Campaign, Tier
from screening.scoring.instruments import get_instrument
from screening.scoring.tiers import TIER_ORDER

PAGE_SIZE = 50


def period_label(campaign: Campaign) -> str:
    return _("%(start)d-%(end)d学年%(term)s") % {
        "start": campaign.school_year,
        "end": campaign.school_year + 1,
        "term": campaign.get_term_display(),
    }


def grades_label(campaign: Campaign) -> str:
    return join_items(_("%(g)s年级") % {"g": g} for g in sorted(campaign.grades))


def instruments_label(campaign: Campaign) -> str:
    return join_items(code for code, _version in campaign.instrument_keys())


def self_report_codes(campaign: Campaign) -> list[str]:
    """Instruments of the campaign whose item text may be shown on a device."""
    return [
        code for code, version in campaign.instrument_keys() if get_instrument(code, version).text_allowed
    ]


def entry_day(campaign: Campaign) -> dt.date:
    """The day entries are made for: today, kept inside the campaign's dates."""
    return min(max(timezone.localdate(), campaign.starts_on), campaign.ends_on)


# --- list ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = (
        campaigns_for(request.user)
        .select_related("school")
        .annotate(screened=Count("assessments__child", distinct=True))
        .order_by("-starts_on", "school__name", "pk")
    )
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "campaign": c,
            "period": period_label(c),
            "grades": grades_label(c),
            "instruments": instruments_label(c),
        }
        for c in page.object_list
    ]
    can_create = access.scope_of(request.user).can(access.Can.RUN_CAMPAIGNS)
    context = {"page": page, "rows": rows, "can_create": can_create}
    return render(request, "screening/campaigns/list.html", context)


# --- create and edit -----------------------------------------------------------------------------------


@transaction.atomic
def save_campaign(form: CampaignForm, request: HttpRequest, *, school: School | None = None) -> Campaign:
    campaign: Campaign = form.save(commit=False)
    creating = campaign.pk is None
    if creating:
        campaign.school = school  # type: ignore[assignment]
        campaign.created_by = request.user  # type: ignore[assignment]
    campaign.save()
    audit.record(
        "screening.campaign.created" if creating else "screening.campaign.updated",
        request=request,
        obj=campaign,
        detail={"fields": sorted(n for n in form.changed_data if n != "school")},
    )
    return campaign


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    if not access.scope_of(request.user).can(access.Can.RUN_CAMPAIGNS):
        raise PermissionDenied
    schools = School.objects.filter(pk__in=campaign_run_school_ids(request.user), active=True)
    form = CampaignForm(request.POST or None, schools=schools.order_by("name"))
    if request.method == "POST" and form.is_valid():
        campaign = save_campaign(form, request, school=form.chosen_school())
        messages.success(request, _("已建立筛查批次。"))
        return redirect("screening:campaign-detail", public_id=campaign.public_id)
    return render(request, "screening/campaigns/form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign, _rights = get_campaign_for_user(request.user, public_id, edit=True)
    title, campaign_id = campaign.name, campaign.public_id  # the form may change the instance in memory
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        save_campaign(form, request)
        messages.success(request, _("筛查批次已保存。"))
        return redirect("screening:campaign-detail", public_id=campaign_id)
    context = {"form": form, "creating": False, "title": title, "public_id": campaign_id}
    return render(request, "screening/campaigns/form.html", context)


# --- detail and roster ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentState:
    ok: bool
    label: str
    entrusted: bool = False
    assent: bool | None = None


def consent_state(child: Child, on: dt.date) -> ConsentState:
    """Screening consent on ``on``: children under 14 need an active guardian's consent."""
    consent = consent_for(child, on)
    if consent is not None:
        label = _("已同意（%(date)s）") % {"date": consent.decided_on.isoformat()}
        return ConsentState(True, label, not consent.is_legal_guardian, consent.child_assent)
    if child.age_on(on) >= CONSENT_AGE:
        return ConsentState(True, _("已满14周岁，无需监护人同意"))
    return ConsentState(False, _("缺少有效的筛查同意"))


def assent_label(value: bool | None) -> str:
    if value is None:
        return _("未记录")
    return _("同意") if value else _("不同意")


def target_children(user: Any, campaign: Campaign) -> QuerySet[Child]:
    return access.children_for(user).filter(
        school_id=campaign.school_id, grade__in=campaign.grades, status=Child.Status.ACTIVE
    )


def latest_by_child(campaign: Campaign, children: QuerySet[Child]) -> dict[int, Assessment]:
    """Each child's newest assessment in the campaign."""
    latest: dict[int, Assessment] = {}
    rows = campaign.assessments.filter(child__in=children).order_by(
        "child_id", "-administered_on", "-created_at", "-pk"
    )
    for assessment in rows.only("public_id", "child_id", "tier", "administered_on", "child_assent"):
        latest.setdefault(assessment.child_id, assessment)
    return latest


def progress_cells(target: int, tiers: list[str], tier_counts: bool, exact: bool) -> dict[Key, str]:
    """Target, screened and (when ``tier_counts``) per-tier counts as shown. Without ``exact`` the
    shared small-cell rule applies to every number, including the "not screened" that a reader can
    work out as target minus screened."""
    counts: dict[Key, int] = {"target": target, "screened": len(tiers), "unscreened": target - len(tiers)}
    relations = [Relation("target", ("screened", "unscreened"))]
    if tier_counts:
        by_tier = Counter(tiers)
        counts.update({("tier", t): by_tier[t] for t in TIER_ORDER})
        relations.append(Relation("screened", tuple(("tier", t) for t in TIER_ORDER)))
    shown = {key: Shown.SHOWN for key in counts} if exact else suppress(counts, relations)
    return {key: cell_text(n, shown[key]) for key, n in counts.items()}


def summary(children: QuerySet[Child], latest: dict[int, Assessment], rights: Rights) -> dict[str, Any]:
    colours = rights.sees(FieldTier.COLOUR)
    cells = progress_cells(children.count(), [a.tier for a in latest.values()], colours, rights.scores)
    tiers = [{"key": t.value.lower(), "label": str(t.label), "count": cells[("tier", t.value)]} for t in Tier]
    return {"target": cells["target"], "screened": cells["screened"], "tiers": tiers if colours else []}


def roster_row(child: Child, rights: Rights, assessment: Assessment | None, on: dt.date) -> dict[str, Any]:
    allowed = access.fields_for(rights, "child")
    consent = consent_state(child, on)
    seen = access.fields_for(rights, "assessment")
    tier = Tier(assessment.tier) if assessment is not None and "tier" in seen else None
    return {
        "public_id": child.public_id,
        "name": child.full_name if "full_name" in allowed else child.given_name,
        "school_class": str(child.school_class) if child.school_class and "school_class" in allowed else "",
        "consent": consent,
        "assent": assent_label(assessment.child_assent if assessment is not None else consent.assent),
        "assessment": assessment,
        "tier": {"key": tier.value.lower(), "label": str(tier.label)} if tier else None,
        "can_view_result": assessment is not None and "neutral_label" in seen,
        "can_enter": rights.notes,
    }


def roster(
    request: HttpRequest, campaign: Campaign, children: QuerySet[Child], latest: dict[int, Assessment]
) -> tuple[Page[Child], list[dict[str, Any]]]:
    ordered = children.select_related("school_class").order_by(
        "grade", "school_class__name", "family_name", "pk"
    )
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    kids = list(page.object_list)
    rights = access.rights_for_children(request.user, kids)
    # Tier colours of named children are sensitive: the read is recorded before anything is rendered.
    audit.record(
        "screening.campaign.roster_viewed", request=request, obj=campaign, detail={"children": len(kids)}
    )
    on = entry_day(campaign)
    return page, [roster_row(c, rights[c.pk], latest.get(c.pk), on) for c in kids]


@login_required
@require_GET
def campaign_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign, rights = get_campaign_for_user(request.user, public_id)
    children = target_children(request.user, campaign)
    latest = latest_by_child(campaign, children)
    page, rows = roster(request, campaign, children, latest) if rights.scores else (None, [])
    context = {
        "campaign": campaign,
        "rights": rights,
        "period": period_label(campaign),
        "grades": grades_label(campaign),
        "instruments": [get_instrument(c, v) for c, v in campaign.instrument_keys()],
        "self_report": bool(self_report_codes(campaign)),
        "summary": summary(children, latest, rights),
        "page": page,
        "rows": rows,
        "open": campaign.status == Campaign.Status.OPEN,
    }
    return render(request, "screening/campaigns/detail.html", context)
