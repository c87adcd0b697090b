"""The county's warning timings: county administrators edit them for their own county.

Acknowledgement windows per tier (how long each level of the ladder has before a warning climbs), the
school day, and how soon a RED entered outside school hours is due. Bounds follow SCREENING.md
(``screening.warnings.deadlines.BOUNDS``); every save is audited and listed on the page.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access
from lbc.form_style import BootstrapMixin
from lbc.models import AuditEvent, Region
from lbc.services.errors import DomainError
from screening.warnings.county_settings import save_warning_settings
from screening.warnings.deadlines import BOUNDS, DEFAULT_SETTINGS, HOUR, WarningSettings, bound_errors
from screening.warnings.notices import warning_settings_for

HISTORY_ROWS = 20
TimeInput = forms.TimeInput

# Settings entered as a number: label, the unit shown (minutes per unit), in the order shown.
NUMBERS: dict[str, tuple[Any, int]] = {
    "ack_red_acute_minutes": (gettext_lazy("红色（紧急）：每一级的确认时限（分钟）"), 1),
    "ack_red_minutes": (gettext_lazy("红色：每一级的确认时限（分钟）"), 1),
    "ack_orange_minutes": (gettext_lazy("橙色：每一级的确认时限（小时）"), HOUR),
    "ack_yellow_minutes": (gettext_lazy("黄色：每一级的确认时限（小时）"), HOUR),
    "ack_grey_minutes": (gettext_lazy("灰色（无效作答）：每一级的确认时限（小时）"), HOUR),
    "red_outside_school_hours": (gettext_lazy("红色：放学后或周末录入时，几小时内完成安全评估"), 1),
}
LABELS: dict[str, Any] = {
    "school_day_start": gettext_lazy("到校时间"),
    "school_day_end": gettext_lazy("放学时间（红色预警须在此之前完成安全评估）"),
    **{name: label for name, (label, _unit) in NUMBERS.items()},
}


def _help(name: str, unit: int) -> str:
    low, high = BOUNDS[name]
    default = getattr(DEFAULT_SETTINGS, name)
    return _("默认值：%(value)d；范围 %(low)d-%(high)d") % {
        "value": default // unit,
        "low": low // unit,
        "high": high // unit,
    }


class WarningSettingsForm(BootstrapMixin, forms.Form):
    school_day_start = forms.TimeField(
        label=LABELS["school_day_start"],
        widget=TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=gettext_lazy("默认值：07:30"),
        error_messages={"invalid": gettext_lazy("请按 07:30 的格式填写时间。")},
    )
    school_day_end = forms.TimeField(
        label=LABELS["school_day_end"],
        widget=TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=gettext_lazy("默认值：16:30"),
        error_messages={"invalid": gettext_lazy("请按 16:30 的格式填写时间。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, unit) in NUMBERS.items():
            self.fields[name] = forms.IntegerField(
                label=label,
                help_text=_help(name, unit),
                error_messages={"required": _("请填写。"), "invalid": _("请填写整数。")},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.order_fields(["school_day_start", "school_day_end", *NUMBERS])

    @staticmethod
    def initial_for(ws: WarningSettings) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(ws, name) // unit for name, (_l, unit) in NUMBERS.items()}
        initial["school_day_start"] = ws.school_day_start
        initial["school_day_end"] = ws.school_day_end
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        start: dt.time = cleaned["school_day_start"]
        end: dt.time = cleaned["school_day_end"]
        values = {name: cleaned[name] * unit for name, (_l, unit) in NUMBERS.items()}
        try:
            ws = WarningSettings(
                school_day_start_hour=start.hour,
                school_day_start_minute=start.minute,
                school_day_end_hour=end.hour,
                school_day_end_minute=end.minute,
                **values,
            )
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        for name, message in bound_errors(ws).items():
            self.add_error(name, message)
        if not self.errors:
            cleaned["settings"] = ws
        return cleaned


def _counties(user: Any) -> QuerySet[Region]:
    ids = access.require_administrator(user).admin_county_ids()
    return Region.objects.filter(pk__in=ids, level=Region.Level.COUNTY).order_by("code")


@login_required
@require_GET
def warning_settings_home(request: HttpRequest) -> HttpResponse:
    """The administrator's county page; a list when they administer more than one county."""
    counties = list(_counties(request.user))
    if len(counties) == 1:
        return redirect("screening:warning-settings-county", counties[0].public_id)
    return render(request, "screening/warning_settings/choose.html", {"counties": counties})


@login_required
@require_http_methods(["GET", "POST"])
def warning_settings_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    county = get_object_or_404(_counties(request.user), public_id=public_id)
    current = warning_settings_for(county.pk)
    form = WarningSettingsForm(request.POST or None, initial=WarningSettingsForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        try:
            changed = save_warning_settings(
                county, form.cleaned_data["settings"], by=request.user, request=request
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if changed:
                messages.success(request, _("预警时限已保存，下一次检查起对本县所有未结案的预警生效。"))
            else:
                messages.info(request, _("预警时限没有变化。"))
            return redirect("screening:warning-settings-county", county.public_id)
    return render(
        request,
        "screening/warning_settings/page.html",
        {
            "county": county,
            "form": form,
            "changes": settings_changes(county),
        },
        status=400 if form.errors else 200,
    )


def _shown(name: str, value: int) -> str:
    if name in NUMBERS:
        return str(value // NUMBERS[name][1])
    return f"{value:02d}"


def settings_changes(county: Region) -> list[dict[str, Any]]:
    """Past saves from the audit log: when, by whom, and each setting's old and new value."""
    events = AuditEvent.objects.filter(
        action="screening.warning_settings.saved", object_type="region", object_id=str(county.public_id)
    ).order_by("-at")[:HISTORY_ROWS]
    rows = []
    for event in events:
        changed = event.detail.get("changed", {})
        fields = []
        for name, (old, new) in changed.items():
            if name.endswith(("_hour", "_minute")):
                continue  # shown once as a time below
            fields.append(
                {"label": LABELS.get(name, name), "old": _shown(name, old), "new": _shown(name, new)}
            )
        for part in ("school_day_start", "school_day_end"):
            if f"{part}_hour" in changed:
                fields.append({"label": LABELS[part], **_time_change(changed, part)})
        rows.append({"at": event.at, "by": event.actor_username, "fields": fields})
    return rows


def _time_change(changed: dict[str, list[int]], part: str) -> dict[str, str]:
    hour, minute = changed[f"{part}_hour"], changed[f"{part}_minute"]  # saved together (county_settings)
    return {"old": f"{hour[0]:02d}:{minute[0]:02d}", "new": f"{hour[1]:02d}:{minute[1]:02d}"}
