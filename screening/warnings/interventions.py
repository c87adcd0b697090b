"""Interventions on a warning: record what was done, sign off closure, lower a tier only on evidence.

Every write is one transaction with its audit event (never the notes themselves). Reading notes goes
through ``read_notes``: the audit record is written first, so a failed audit write means no notes.

Two gates live here:

* closing: ``closing.closure_signed_off`` is one of ``state.CLOSE_CHECKS`` (a counsellor's sign-off,
  and for RED/RED_ACUTE a safety plan with the guardian informed);
* ``lower_tier``: a tier goes down only with a rescreen newer than the warning, below the current tier,
  valid, and a counsellor's sign-off on exactly that rescreen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.services.errors import DomainError
from screening.access import counsels_child_school
from screening.models import (
    Assessment,
    GuardianContact,
    InterventionSession,
    Referral,
    SafetyPlan,
    SignOff,
    Warning,
    WarningEvent,
)
from screening.scoring.tiers import RED_TIERS, Tier, tier_rank
from screening.warnings.closing import last_raise_at
from screening.warnings.state import OPEN_STATES, WarningConflict

MAX_TEXT = 4000
LONGEST_AGO = dt.timedelta(days=366)


# --- pure rules -----------------------------------------------------------------------------------------




def lowering_refusal(
    *,
    current_tier: str,
    rescreen_tier: str,
    rescreen_is_newer: bool,
    rescreen_critical: bool,
    signed_off: bool,
) -> str | None:
    """Why a tier may not be lowered to the rescreen's, or None (SCREENING.md section 2)."""
    if not rescreen_is_newer:
        return _("只能依据在本次预警之后完成的复筛降低等级。")
    if rescreen_tier == Tier.GREY:
        return _("复筛作答无效，不能据此降低等级。")
    if tier_rank(rescreen_tier) >= tier_rank(current_tier):
        return _("复筛结果没有低于当前等级的阈值，不能降低等级。")
    if current_tier in RED_TIERS and rescreen_critical:
        return _("复筛中关键条目仍为阳性，红色预警不能降低等级。")
    if rescreen_tier == Tier.GREEN:
        return _("复筛已低于所有阈值：请由心理教师签字同意后结案，而不是降低等级。")
    if not signed_off:
        return _("降低等级须由该儿童所在学校的心理教师对这次复筛签字同意。")
    return None


def warning_text(value: Any, label: str, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(_("请填写“%(field)s”。") % {"field": label})
    if len(text) > MAX_TEXT:
        raise DomainError(_("“%(field)s”最多%(n)s字。") % {"field": label, "n": MAX_TEXT})
    return text


def _date(value: Any, label: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise DomainError(_("请填写“%(field)s”。") % {"field": label})
    today = timezone.localdate()
    if value > today:
        raise DomainError(_("“%(field)s”不能晚于今天。") % {"field": label})
    if value < today - LONGEST_AGO:
        raise DomainError(_("“%(field)s”不能早于一年前。") % {"field": label})
    return value


def _require_open(warning: Warning) -> None:
    if warning.state not in OPEN_STATES:
        raise DomainError(_("该预警已结案，不能再添加记录。"))


def _require_counsellor(warning: Warning, by: Any) -> None:
    if not counsels_child_school(by, warning.child):
        raise DomainError(_("只有该儿童所在学校的心理教师才能做这件事。"))


def _audit(action: str, obj: Model, warning: Warning, by: Any, request: Any, **detail: Any) -> None:
    audit.record(
        f"screening.intervention.{action}",
        actor=by,
        request=request,
        obj=obj,
        child=warning.child,
        detail={"warning": str(warning.public_id), **detail},
    )


# --- records --------------------------------------------------------------------------------------------


@transaction.atomic
def record_session(
    warning: Warning, *, kind: str, held_on: Any, notes: str, by: Any, request: Any = None
) -> InterventionSession:
    """A counselling session or a home visit, by a counsellor of the child's school."""
    _require_open(warning)
    _require_counsellor(warning, by)
    if kind not in InterventionSession.Kind.values:
        raise DomainError(_("请选择是心理辅导还是家访。"))
    session = InterventionSession.objects.create(
        warning=warning,
        kind=kind,
        held_on=_date(held_on, str(_("日期"))),
        notes=warning_text(notes, str(_("记录"))),
        recorded_by=by,
    )
    _audit("session_recorded", session, warning, by, request, kind=kind)
    return session


@transaction.atomic
def save_safety_plan(warning: Warning, data: dict[str, Any], *, by: Any, request: Any = None) -> SafetyPlan:
    """A new version of the safety plan (RED and RED_ACUTE only); the latest version is the plan."""
    _require_open(warning)
    _require_counsellor(warning, by)
    if warning.tier not in RED_TIERS:
        raise DomainError(_("安全计划用于红色预警。"))
    informed = bool(data.get("guardian_informed"))
    informed_at = data.get("guardian_informed_at") if informed else None
    if informed and not isinstance(informed_at, dt.datetime):
        raise DomainError(_("请填写告知监护人的时间。"))
    if informed_at is not None and informed_at > timezone.now():
        raise DomainError(_("告知监护人的时间不能晚于现在。"))
    plan = SafetyPlan.objects.create(
        warning=warning,
        warning_signs=warning_text(data.get("warning_signs"), str(_("预警信号"))),
        coping_steps=warning_text(data.get("coping_steps"), str(_("自我应对方法"))),
        contacts=warning_text(data.get("contacts"), str(_("可以联系的人"))),
        means_restriction=warning_text(data.get("means_restriction"), str(_("减少危险物品的措施"))),
        guardian_informed=informed,
        guardian_informed_at=informed_at,
        recorded_by=by,
    )
    _audit("safety_plan_saved", plan, warning, by, request, guardian_informed=informed)
    return plan


@transaction.atomic
def record_guardian_contact(
    warning: Warning, *, contacted_on: Any, who: str, channel: str, outcome: str, by: Any, request: Any = None
) -> GuardianContact:
    _require_open(warning)
    if channel not in GuardianContact.Channel.values:
        raise DomainError(_("请选择联系方式。"))
    who = warning_text(who, str(_("联系对象")))
    if len(who) > 60:
        raise DomainError(_("“%(field)s”最多%(n)s字。") % {"field": _("联系对象"), "n": 60})
    contact = GuardianContact.objects.create(
        warning=warning,
        contacted_on=_date(contacted_on, str(_("日期"))),
        who=who,
        channel=channel,
        outcome=warning_text(outcome, str(_("结果"))),
        recorded_by=by,
    )
    _audit("guardian_contacted", contact, warning, by, request, channel=channel)
    return contact


@transaction.atomic
def record_referral(
    warning: Warning,
    *,
    destination: str,
    destination_name: str,
    referred_on: Any,
    by: Any,
    request: Any = None,
) -> Referral:
    _require_open(warning)
    if destination not in Referral.Destination.values:
        raise DomainError(_("请选择转介去向。"))
    name = warning_text(destination_name, str(_("机构名称")))
    if len(name) > 100:
        raise DomainError(_("“%(field)s”最多%(n)s字。") % {"field": _("机构名称"), "n": 100})
    referral = Referral.objects.create(
        warning=warning,
        destination=destination,
        destination_name=name,
        referred_on=_date(referred_on, str(_("转介日期"))),
        recorded_by=by,
    )
    _audit("referral_made", referral, warning, by, request, destination=destination)
    return referral


@transaction.atomic
def update_referral_status(referral: Referral, *, status: str, by: Any, request: Any = None) -> Referral:
    if status not in Referral.Status.values:
        raise DomainError(_("请选择转介状态。"))
    locked = Referral.objects.select_for_update().select_related("warning__child").get(pk=referral.pk)
    previous = locked.status
    locked.status, locked.updated_at = status, timezone.now()
    locked.save(update_fields=["status", "updated_at"])
    _audit("referral_updated", locked, locked.warning, by, request, **{"from": previous, "to": status})
    referral.status = locked.status
    return locked


@transaction.atomic
def sign_off(
    warning: Warning,
    *,
    purpose: str,
    by: Any,
    assessment: Assessment | None = None,
    note: str = "",
    request: Any = None,
) -> SignOff:
    """A counsellor of the child's school signs off closing the warning or lowering it to ``assessment``."""
    _require_open(warning)
    _require_counsellor(warning, by)
    if purpose not in SignOff.Purpose.values:
        raise DomainError(_("请选择签字事项。"))
    if purpose == SignOff.Purpose.LOWER_TIER:
        if assessment is None or assessment.child_id != warning.child_id:
            raise DomainError(_("请选择这名儿童的一次复筛。"))
    else:
        assessment = None
    signed = SignOff.objects.create(
        warning=warning,
        purpose=purpose,
        assessment=assessment,
        note=warning_text(note, str(_("说明")), required=False),
        by=by,
    )
    _audit("signed_off", signed, warning, by, request, purpose=purpose)
    return signed








# --- lowering a tier -----------------------------------------------------------------------------------


def _rescreen_is_newer(warning: Warning, rescreen: Assessment) -> bool:
    raised_by = warning.assessment
    return (
        rescreen.pk != raised_by.pk
        and rescreen.child_id == warning.child_id
        and rescreen.administered_on >= raised_by.administered_on
        and rescreen.created_at > last_raise_at(warning)
    )


def lower_tier(warning: Warning, *, rescreen_assessment: Assessment, by: Any, request: Any = None) -> Warning:
    """Lower the warning to the rescreen's tier; refused (DomainError) unless every check of
    ``lowering_refusal`` passes. Written as a compare-and-swap with a history row and an audit event."""
    with transaction.atomic():
        current = (
            Warning.objects.select_for_update(of=("self",))
            .select_related("child", "assessment")
            .get(pk=warning.pk)
        )
        _require_open(current)
        signed = [
            s
            for s in SignOff.objects.filter(
                warning=current, purpose=SignOff.Purpose.LOWER_TIER, assessment=rescreen_assessment
            ).select_related("by")
            if counsels_child_school(s.by, current.child)
        ]
        reason = lowering_refusal(
            current_tier=current.tier,
            rescreen_tier=rescreen_assessment.tier,
            rescreen_is_newer=_rescreen_is_newer(current, rescreen_assessment),
            rescreen_critical=bool(rescreen_assessment.critical),
            signed_off=bool(signed),
        )
        if reason:
            raise DomainError(reason)
        now = timezone.now()
        updated = Warning.objects.filter(pk=current.pk, tier=current.tier, state=current.state).update(
            tier=rescreen_assessment.tier, updated_at=now
        )
        if not updated:
            raise WarningConflict(_("该预警刚被其他人处理过，请刷新页面后再试。"))
        WarningEvent.objects.create(
            warning=current,
            at=now,
            by=by,
            action=WarningEvent.Action.ASSESSMENT_LINKED,
            from_state=current.state,
            to_state=current.state,
            from_tier=current.tier,
            to_tier=rescreen_assessment.tier,
            level=current.escalation_level,
            assessment=rescreen_assessment,
            detail={"change": "tier_lowered", "sign_off": str(signed[0].public_id)},
        )
        audit.record(
            "screening.warning.tier_lowered",
            actor=by,
            request=request,
            obj=current,
            child=current.child,
            detail={"sign_off": str(signed[0].public_id)},
        )
    warning.tier = rescreen_assessment.tier
    return warning


# --- reading ----------------------------------------------------------------------------------------------


def read_notes(warning: Warning, *, by: Any, request: Any = None) -> dict[str, list[Any]]:
    """The warning's sessions, visits, plans and contacts with their encrypted texts, after the audit record.

    The caller has checked that ``by`` holds the NOTES tier for the child. If the audit write fails this
    raises and nothing is returned.
    """
    audit.record(
        "screening.intervention.notes_viewed", actor=by, request=request, obj=warning, child=warning.child
    )
    sessions = list(warning.sessions.select_related("recorded_by"))
    plans = list(warning.safety_plans.select_related("recorded_by"))
    contacts = list(warning.guardian_contacts.select_related("recorded_by"))
    return {"sessions": sessions, "plans": plans, "contacts": contacts}
