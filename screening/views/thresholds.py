"""The county's warning thresholds: county administrators edit them for their own county.

Saving re-scores every campaign of the county in the background; the page shows the history of
threshold changes and of the re-scorings (counts only, never a child).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Min, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access
from lbc.models import AuditEvent, Region
from screening.assessments.rescoring import save_thresholds
from screening.assessments.thresholds import thresholds_for
from screening.models import Rescore
from screening.scoring.context import MAX_SCORE
from screening.scoring.tiers import DEFAULT_THRESHOLDS, Thresholds

HISTORY_ROWS = 20

# Label and allowed range of every field of screening.scoring.tiers.Thresholds, in the order shown.
FIELDS: dict[str, tuple[Any, int, int]] = {
    "phq9_moderate": (gettext_lazy("PHQ-9 中度界值（黄色）"), 1, 27),
    "phq9_severe": (gettext_lazy("PHQ-9 重度界值（橙色）"), 1, 27),
    "gad7_moderate": (gettext_lazy("GAD-7 中度界值（黄色）"), 1, 21),
    "gad7_severe": (gettext_lazy("GAD-7 重度界值（橙色）"), 1, 21),
    "dsrsc_positive": (gettext_lazy("DSRSC 阳性界值（黄色）"), 1, 36),
    "scared_positive": (gettext_lazy("SCARED 阳性界值（黄色）"), 1, 82),
    "scared_severe": (gettext_lazy("SCARED 高分界值（橙色）"), 1, 82),
    "cesdc_positive": (gettext_lazy("CES-DC 阳性界值（黄色）"), 1, 60),
    "sdq_abnormal": (gettext_lazy("SDQ 异常界值（黄色）"), 1, 40),
    "context_raises_moderate": (gettext_lazy("关注度达到此值时，中度结果升为橙色"), 1, MAX_SCORE),
    "context_rescreen_each_term": (gettext_lazy("关注度达到此值时，绿色儿童改为每学期复筛"), 1, MAX_SCORE),
    "orange_school_days": (gettext_lazy("橙色：心理教师面谈期限（教学日）"), 0, 30),
    "yellow_contact_days": (gettext_lazy("黄色：心理教师联系期限（天）"), 0, 90),
    "grey_readminister_days": (gettext_lazy("灰色：当面重新施测期限（天）"), 0, 90),
}
LABELS = {name: label for name, (label, _low, _high) in FIELDS.items()}
CONTEXT_FIELDS = ("context_raises_moderate", "context_rescreen_each_term")
DEADLINE_FIELDS = ("orange_school_days", "yellow_contact_days", "grey_readminister_days")
GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (gettext_lazy("量表界值（得分达到界值即进入该等级）"),
     tuple(n for n in FIELDS if n not in CONTEXT_FIELDS + DEADLINE_FIELDS)),
    (gettext_lazy("关注度"), CONTEXT_FIELDS),
    (gettext_lazy("响应期限"), DEADLINE_FIELDS),
)


class ThresholdsForm(forms.Form):
    """One whole-number field per threshold; the dataclass itself checks how they fit together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, low, high) in FIELDS.items():
            hint = {"value": getattr(DEFAULT_THRESHOLDS, name), "low": low, "high": high}
            self.fields[name] = forms.IntegerField(
                label=label, min_value=low, max_value=high,
                help_text=_("默认值：%(value)d；范围 %(low)d-%(high)d") % hint,
                error_messages={"required": _("请填写。"), "invalid": _("请填写整数。")},
                widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            try:
                cleaned["thresholds"] = Thresholds(**{name: cleaned[name] for name in FIELDS})
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
        return cleaned


def _counties(user: Any) -> QuerySet[Region]:
    ids = access.require_administrator(user).admin_county_ids()
    return Region.objects.filter(pk__in=ids, level=Region.Level.COUNTY).order_by("code")


@login_required
@require_GET
def thresholds_home(request: HttpRequest) -> HttpResponse:
    """The administrator's county page; a list when they administer more than one county."""
    counties = list(_counties(request.user))
    if len(counties) == 1:
        return redirect("screening:thresholds-county", counties[0].public_id)
    return render(request, "screening/thresholds/choose.html", {"counties": counties})


@login_required
@require_http_methods(["GET", "POST"])
def thresholds_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    county = get_object_or_404(_counties(request.user), public_id=public_id)
    current = thresholds_for(county.pk)
    form = ThresholdsForm(request.POST or None, initial=dataclasses.asdict(current))
    if request.method == "POST" and form.is_valid():
        queued = save_thresholds(county, form.cleaned_data["thresholds"], by=request.user, request=request)
        if queued:
            messages.success(request, _("已保存，正在按新阈值重新评级…"))
        else:
            messages.info(request, _("阈值没有变化，无需重新评级。"))
        return redirect("screening:thresholds-county", county.public_id)
    groups = [(title, [form[name] for name in names]) for title, names in GROUPS]
    return render(request, "screening/thresholds/page.html", {
        "county": county, "form": form, "groups": groups, "changes": threshold_changes(county),
        "rescorings": rescorings(county),
    }, status=400 if form.errors else 200)


def threshold_changes(county: Region) -> list[dict[str, Any]]:
    """Past saves from the audit log: when, by whom, and each field's old and new value."""
    events = AuditEvent.objects.filter(
        action="screening.thresholds.saved", object_type="region", object_id=str(county.public_id)
    ).order_by("-at")[:HISTORY_ROWS]
    return [
        {"at": e.at, "by": e.actor_username, "fields": [
            {"label": LABELS.get(name, name), "old": values[0], "new": values[1]}
            for name, values in e.detail.get("changed", {}).items()
        ]}
        for e in events
    ]


def rescorings(county: Region) -> QuerySet[Rescore, dict[str, Any]]:
    """Re-scorings of the county's assessments, one line per reason, with counts."""
    return (
        Rescore.objects.filter(assessment__county=county).values("reason")
        .annotate(
            started=Min("at"), changed=Count("id"),
            tier_changed=Count("id", filter=~Q(old_tier=F("new_tier"))),
            blocked=Count("id", filter=Q(changes__downgrade_blocked=True)),
        )
        .order_by("-started")[:HISTORY_ROWS]
    )
