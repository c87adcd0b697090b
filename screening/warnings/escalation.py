"""The periodic escalation job: unacknowledged or overdue warnings climb the ladder one level."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from screening.models import (
    EscalationLevel,
    Warning,
)
from screening.warnings import deadlines
from screening.warnings.actions import escalate_warning
from screening.warnings.deadlines import WarningSettings
from screening.warnings.notices import CountyRules, responders
from screening.warnings.state import OPEN_STATES, WarningConflict, WarningStateError


def escalation_reason(
    warning: Warning, ws: WarningSettings, now: dt.datetime, has_responders: bool
) -> str | None:
    """Why the job escalates this warning now ("unacknowledged", "overdue", "no_responder"), or None."""
    if warning.state not in OPEN_STATES or warning.escalation_level >= EscalationLevel.COUNTY:
        return None
    if not has_responders and warning.state in deadlines.UNACKNOWLEDGED:
        return "no_responder"
    at = deadlines.next_escalation_at(
        state=warning.state,
        tier=warning.tier,
        level=warning.escalation_level,
        level_since=warning.level_since,
        due=warning.due_at,
        ws=ws,
    )
    if at is None or now < at:
        return None
    return "unacknowledged" if warning.state in deadlines.UNACKNOWLEDGED else "overdue"

def escalate_due(now: dt.datetime | None = None) -> int:
    """Periodic job: escalate unacknowledged or overdue warnings one level, notifying the new level.

    Returns the number of warnings escalated. Each escalation commits on its own; one that lost a race
    with a person acting on the warning is skipped.
    """
    now = now or timezone.now()
    candidates = (
        Warning.objects.filter(
            state__in=sorted(deadlines.UNACKNOWLEDGED | deadlines.ACKNOWLEDGED),
            escalation_level__lt=EscalationLevel.COUNTY,
        )
        .select_related("child", "school", "township")
        .order_by("due_at", "pk")
    )
    rules = CountyRules()
    has_responders: dict[tuple[int, int | None], bool] = {}
    escalated = 0
    for warning in candidates.iterator(chunk_size=500):
        unit = (
            warning.escalation_level,
            warning.school_id if warning.escalation_level == 0 else warning.township_id,
        )
        if unit not in has_responders:
            has_responders[unit] = bool(responders(warning, warning.escalation_level))
        reason = escalation_reason(warning, rules(warning.county_id)[1], now, has_responders[unit])
        if reason is None:
            continue
        try:
            escalate_warning(warning, by=None, reason=reason, now=now)
        except (WarningStateError, WarningConflict):
            continue
        escalated += 1
    return escalated
