"""Saving a county's warning timings (``CountyWarningSettings``): checked, atomic, audited."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lbc import audit
from lbc.models import Region
from lbc.services.errors import DomainError
from screening.models import CountyWarningSettings
from screening.warnings.deadlines import DEFAULT_SETTINGS, WarningSettings, bound_errors, settings_from

TIMES = ("school_day_start", "school_day_end")


def changed_settings(old: WarningSettings, new: WarningSettings) -> dict[str, list[int]]:
    """Old and new value of each changed setting; a time's hour and minute are reported together."""
    before, after = dataclasses.asdict(old), dataclasses.asdict(new)
    changed = {name for name in after if before[name] != after[name]}
    for time in TIMES:
        if changed & {f"{time}_hour", f"{time}_minute"}:
            changed |= {f"{time}_hour", f"{time}_minute"}
    return {name: [before[name], after[name]] for name in after if name in changed}


def save_warning_settings(
    county: Region, ws: WarningSettings, *, by: Any, request: Any = None
) -> dict[str, list[int]]:
    """Store the county's timings; returns what changed (nothing written when nothing changed).

    The acknowledgement windows apply from the next escalation run to every open warning of the county;
    a stored deadline (``Warning.due_at``) is not recomputed.
    """
    if county.level != Region.Level.COUNTY:
        raise ValueError("warning timings belong to a county")
    errors = bound_errors(ws)
    if errors:
        raise DomainError(_("预警时限超出允许范围，未保存。"))
    with transaction.atomic():
        row = CountyWarningSettings.objects.select_for_update().filter(county=county).first()
        current = settings_from(row.values) if row is not None else DEFAULT_SETTINGS
        changed = changed_settings(current, ws)
        if not changed:
            return {}
        row = row or CountyWarningSettings(county=county)
        row.values = dataclasses.asdict(ws)
        row.updated_by = by
        row.save()
        audit.record(
            "screening.warning_settings.saved",
            actor=by,
            request=request,
            obj=county,
            detail={"changed": changed},
        )
    return changed
