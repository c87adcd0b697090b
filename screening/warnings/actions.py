"""The user actions on a warning (acknowledge, assign, escalate, transfer, start an intervention,
ask for follow-up, close) and their one write path, ``apply_transition``.

Each action is one transaction: the state change, its history row and audit event, and whatever it
causes (the alerts queued in the outbox, rescreens planned or cancelled) commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lbc import audit
from lbc.models import Region, School
from lbc.services.errors import DomainError
from screening.access import counselling_school
from screening.models import (
    Assessment,
    EscalationLevel,
    RescreenDue,
    Warning,
    WarningEvent,
    WarningOutcome,
)
from screening.warnings import rescreens
from screening.warnings.notices import CountyRules, notify, responders, warning_text
from screening.warnings.responders import counsellors_for_warning
from screening.warnings.state import TRANSITIONS, A, WarningConflict, WarningStateError, refusal


def apply_transition(
    warning: Warning,
    action: str,
    *,
    by: Any,
    note: str = "",
    now: dt.datetime | None = None,
    changes: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    assessment: Assessment | None = None,
    request: Any = None,
    check: Callable[[Warning], None] | None = None,
) -> tuple[Warning, WarningEvent]:
    """Move the warning by ``action``; raises WarningStateError/WarningConflict and writes nothing then.

    The row is re-read (locked on PostgreSQL) and updated only if its state, level and tier are still
    those just read, so two people acting at once cannot both move it.
    """
    now = now or timezone.now()
    transition = TRANSITIONS[action]
    with transaction.atomic():
        current = (
            Warning.objects.select_for_update(of=("self",))
            .select_related("child", "school", "township")
            .get(pk=warning.pk)
        )
        if transition.system_only:
            reason = None if current.state in transition.sources else _("该预警已结案。")
        else:
            reason = refusal(current, action)
        if reason:
            raise WarningStateError(reason)
        if check is not None:
            check(current)
        values = {"state": transition.target, "updated_at": now, **(changes or {})}
        updated = Warning.objects.filter(
            pk=current.pk, state=current.state, escalation_level=current.escalation_level, tier=current.tier
        ).update(**values)
        if not updated:
            raise WarningConflict(_("该预警刚被其他人处理过，请刷新页面后再试。"))
        event = WarningEvent.objects.create(
            warning=current,
            at=now,
            by=by,
            action=transition.event,
            from_state=current.state,
            to_state=transition.target,
            from_tier=current.tier if "tier" in values else "",
            to_tier=values.get("tier", ""),
            level=values.get("escalation_level", current.escalation_level),
            assessment=assessment,
            detail=detail or {},
            note=note,
        )
        for name, value in values.items():
            setattr(current, name, value)
        audit.record(
            f"screening.warning.{action}",
            actor=by,
            request=request,
            obj=current,
            child=current.child,
            detail={"from": event.from_state, "to": event.to_state, **(detail or {})},
        )
    for name, value in values.items():
        setattr(warning, name, value)
    return current, event

def acknowledge_warning(
    warning: Warning, *, by: Any, note: str = "", now: dt.datetime | None = None, request: Any = None
) -> Warning:
    now = now or timezone.now()
    current = apply_transition(
        warning,
        "acknowledge",
        by=by,
        note=note,
        now=now,
        request=request,
        changes={"acknowledged_at": now, "acknowledged_by": by},
    )[0]
    return current


def assign_warning(
    warning: Warning, *, to: Any, by: Any, note: str = "", now: dt.datetime | None = None, request: Any = None
) -> Warning:
    """Give the warning to a counsellor whose school covers the child (acknowledges it too)."""
    now = now or timezone.now()

    def check(current: Warning) -> None:
        if not counsellors_for_warning(current).filter(pk=to.pk).exists():
            raise WarningStateError(_("只能分派给负责该儿童所在学校的心理教师。"))

    changes: dict[str, Any] = {"assigned_to": to}
    if warning.acknowledged_at is None:
        changes |= {"acknowledged_at": now, "acknowledged_by": by}
    with transaction.atomic():  # the assignment and its alert commit together
        current, event = apply_transition(
            warning,
            "assign",
            by=by,
            note=note,
            now=now,
            request=request,
            changes=changes,
            check=check,
            detail={"to": to.get_username()},
        )
        if to.pk != getattr(by, "pk", None):
            rules = CountyRules()
            text = warning_text(current, rules(current.county_id)[0], _assigned_status())
            notify(current, [to], text, f"warning:{current.public_id}:assigned:{event.pk}")
    return current

def _assigned_status() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("已分派给您")

def escalate_warning(
    warning: Warning,
    *,
    by: Any,
    note: str = "",
    reason: str = "manual",
    now: dt.datetime | None = None,
    request: Any = None,
    to_level: int | None = None,
) -> Warning:
    """One level up the ladder (or straight to ``to_level`` when that is higher); the new level's
    responders are notified. ``by`` None: the escalation job. A ``note`` goes into the history row and
    the audit event."""
    now = now or timezone.now()
    level = min(max(warning.escalation_level + 1, to_level or 0), EscalationLevel.COUNTY)
    with transaction.atomic():  # the new level and the alerts to its responders commit together
        current = apply_transition(
            warning,
            "escalate",
            by=by,
            note=note,
            now=now,
            request=request,
            changes={"escalation_level": level, "level_since": now},
            detail={"reason": reason, "level": level} | ({"note": note} if note else {}),
        )[0]
        thresholds = CountyRules()(current.county_id)[0]
        with translation.override(settings.LANGUAGE_CODE):
            status = {
                "unacknowledged": _("尚未确认"),
                "overdue": _("已超过期限"),
                "no_responder": _("学校没有心理教师"),
            }.get(reason, _("已上报"))
        count = WarningEvent.objects.filter(warning=current, action=A.ESCALATED).count()
        notify(
            current,
            responders(current, level),
            warning_text(current, thresholds, status),
            f"warning:{current.public_id}:level:{level}:{count}",
        )
    return current

def transfer_warning(
    warning: Warning,
    *,
    by: Any,
    school: School | None = None,
    township: Region | None = None,
    counsellor: Any = None,
    note: str = "",
    now: dt.datetime | None = None,
    request: Any = None,
    because: str = "",
) -> Warning:
    """Hand the warning to another unit that covers the child: its (new) school, a township, a counsellor.

    A school or counsellor starts again at the school level; a township at the township level.
    ``because`` (a code, e.g. "child_moved") goes into the history row and the audit event.
    """
    now = now or timezone.now()
    if sum(x is not None for x in (school, township, counsellor)) != 1:
        raise DomainError(_("请选择转交给哪所学校、哪个乡镇或哪位心理教师（只选一项）。"))
    child = warning.child
    if counsellor is not None:
        target_school = counselling_school(counsellor, child)
        if (
            target_school is None
            or not counsellors_for_warning(warning).filter(pk=counsellor.pk).exists()
        ):
            raise DomainError(_("只能转交给负责该儿童所在学校的心理教师。"))
        school = target_school
    if school is not None:
        if school.pk != child.school_id:
            raise DomainError(_("只能转交给该儿童现在就读的学校；转学请先在儿童档案中办理“转学/迁移”。"))
        changes: dict[str, Any] = {
            "school": school,
            "township_id": school.township_id,
            "escalation_level": EscalationLevel.SCHOOL,
        }
        detail = {"school": str(school.public_id)}
    else:
        assert township is not None
        allowed = {child.township_id, child.school.township_id if child.school else None}
        if township.pk not in allowed:
            raise DomainError(_("只能转交给该儿童户籍所在或就读学校所在的乡镇。"))
        changes = {"school": None, "township": township, "escalation_level": EscalationLevel.TOWNSHIP}
        detail = {"township": str(township.public_id)}
    changes |= {"level_since": now, "assigned_to": counsellor}
    if because:
        detail["because"] = because
    with transaction.atomic():  # the hand-over and the alerts to the new unit commit together
        current, event = apply_transition(
            warning, "transfer", by=by, note=note, now=now, request=request, changes=changes, detail=detail
        )
        thresholds = CountyRules()(current.county_id)[0]
        with translation.override(settings.LANGUAGE_CODE):
            status = _("已转交给您")
        users = [counsellor] if counsellor is not None else responders(current, current.escalation_level)
        text = warning_text(current, thresholds, status)
        notify(current, users, text, f"warning:{current.public_id}:transfer:{event.pk}")
    return current

def start_intervention(
    warning: Warning, *, by: Any, note: str = "", now: dt.datetime | None = None, request: Any = None
) -> Warning:
    current = apply_transition(warning, "start_intervention", by=by, note=note, now=now, request=request)[0]
    return current

def request_follow_up(
    warning: Warning, *, by: Any, note: str = "", now: dt.datetime | None = None, request: Any = None
) -> Warning:
    """Wait for the rescreen; plans one from today when none of the warning's rescreens is pending."""
    now = now or timezone.now()
    with transaction.atomic():  # the new state and the planned rescreen commit together
        current = apply_transition(
            warning, "request_follow_up", by=by, note=note, now=now, request=request
        )[0]
        _plan_follow_up(current, now)
    return current


def _plan_follow_up(current: Warning, now: dt.datetime) -> None:
    pending = current.rescreens.filter(status=RescreenDue.Status.PENDING, kind=RescreenDue.Kind.RESCREEN)
    if not pending.exists():
        thresholds = CountyRules()(current.county_id)[0]
        recall = rescreens.assessment_recall(current.assessment)
        plan = [
            p
            for p in rescreens.plan_rescreens(
                current.tier,
                timezone.localdate(now),
                context_score=current.context_score,
                recall=recall,
                thresholds=thresholds,
            )
            if p.kind == RescreenDue.Kind.RESCREEN
        ][:1]
        RescreenDue.objects.bulk_create(
            rescreens.rows_for(plan, child_id=current.child_id, tier=current.tier, warning=current, now=now)
        )

def close_warning(
    warning: Warning,
    *,
    outcome: str,
    by: Any,
    note: str = "",
    now: dt.datetime | None = None,
    request: Any = None,
) -> Warning:
    """Close with an outcome once every CLOSE_CHECKS passes; cancels the pending rescreens of the warning."""
    now = now or timezone.now()
    if outcome not in WarningOutcome.values or outcome == WarningOutcome.RESCREENED:
        raise DomainError(_("请选择结案结果。"))
    with transaction.atomic():  # closed and its pending rescreens cancelled, or neither
        current = apply_transition(
            warning,
            "close",
            by=by,
            note=note,
            now=now,
            request=request,
            changes={"outcome": outcome, "closed_at": now, "closed_by": by},
            detail={"outcome": outcome},
        )[0]
        cancel_pending(current)
    return current

def cancel_pending(warning: Warning) -> None:
    warning.rescreens.filter(status=RescreenDue.Status.PENDING).update(status=RescreenDue.Status.CANCELLED)
