"""The checks a warning passes before a user may close it (``state.CLOSE_CHECKS``).

* ``response_recorded``: RED and ORANGE close only after the response started.
* ``closure_signed_off``: a counsellor of the child's school signed off the closure at the current
  tier (and, for RED/RED_ACUTE, a safety plan with the guardian informed was recorded).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from screening.access import counsels_child_school
from screening.models import (
    SafetyPlan,
    SignOff,
    Warning,
    WarningEvent,
    WarningState,
)
from screening.scoring.tiers import RED_TIERS, Tier


def response_recorded(warning: Warning) -> str | None:
    """RED and ORANGE close only after the response started (intervention or follow-up)."""
    urgent = warning.tier in (Tier.RED_ACUTE, Tier.RED, Tier.ORANGE)
    if urgent and warning.state not in (WarningState.IN_INTERVENTION, WarningState.FOLLOW_UP):
        return _("红色、橙色预警须先开始干预，才能结案。")
    return None


def closure_refusal(
    *, tier: str, has_sign_off: bool, has_safety_plan: bool, guardian_informed: bool
) -> str | None:
    """Why a warning may not be closed yet as far as interventions go, or None."""
    if not has_sign_off:
        return _("结案前须由该儿童所在学校的心理教师签字同意。")
    if tier in RED_TIERS and not has_safety_plan:
        return _("红色预警结案前须先制定安全计划。")
    if tier in RED_TIERS and not guardian_informed:
        return _("红色预警结案前须告知监护人，并在安全计划中记录。")
    return None


def last_raise_at(warning: Warning) -> dt.datetime:
    """When the warning last reached its current tier (raised, or raised again by a worse result)."""
    raised = (
        WarningEvent.objects.filter(warning=warning, action=WarningEvent.Action.TIER_RAISED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return max(warning.raised_at, raised) if raised else warning.raised_at


def closure_signed_off(warning: Warning) -> str | None:
    """A closure sign-off given at the current tier, and a RED warning's safety plan."""
    since = last_raise_at(warning)
    signed = any(
        counsels_child_school(s.by, warning.child)
        for s in SignOff.objects.filter(
            warning=warning, purpose=SignOff.Purpose.CLOSE, at__gte=since
        ).select_related("by")
    )
    plan = SafetyPlan.objects.filter(warning=warning).order_by("-recorded_at", "-pk").first()
    return closure_refusal(
        tier=warning.tier,
        has_sign_off=signed,
        has_safety_plan=plan is not None,
        guardian_informed=plan is not None and plan.guardian_informed,
    )
