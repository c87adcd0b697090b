"""The early-warning workflow: a declared state machine, its services and the escalation job.

``TRANSITIONS`` is the one place that says which action moves a warning from which states to which.
Every change goes through ``_apply`` (compare-and-swap on the row, a ``WarningEvent`` history row,
an audit event, and the notifications in the same transaction via the outbox).

One open warning per child: a new screening never creates a second one; a worse tier raises the
open warning's tier (and it must be acknowledged again), a tier never goes down automatically.
GREY ("re-administer") is a warning of its own kind, ranked below YELLOW: a later valid screening
below every threshold closes it by itself (outcome "rescreened"), one above a threshold raises it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from lbc import access, audit
from lbc.models import Region, Role, School
from lbc.notifications import queue_message
from lbc.services.errors import DomainError
from screening import deadlines, rescreens
from screening.assessments.bulk import insert_rows
from screening.assessments.thresholds import thresholds_for
from screening.deadlines import WarningSettings, settings_from
from screening.models import (
    Assessment,
    CountyWarningSettings,
    EscalationLevel,
    RescreenDue,
    Warning,
    WarningEvent,
    WarningOutcome,
    WarningState,
)
from screening.scoring.tiers import TIER_ORDER, Thresholds, Tier, tier_rank

S = WarningState
A = WarningEvent.Action
WARNING_TIERS = frozenset({Tier.RED_ACUTE, Tier.RED, Tier.ORANGE, Tier.YELLOW, Tier.GREY})
# Order of the lists: most urgent first.
WARNING_TIER_ORDER = tuple(t for t in TIER_ORDER if t in WARNING_TIERS)
OPEN_STATES = frozenset(s for s in S.values if s != S.CLOSED)
NOTIFY_ON_RAISE = frozenset({Tier.RED_ACUTE, Tier.RED, Tier.ORANGE})
LADDER_ROLES: dict[int, str] = {
    EscalationLevel.SCHOOL: Role.COUNSELLOR,
    EscalationLevel.TOWNSHIP: Role.TOWNSHIP_SUPERVISOR,
    EscalationLevel.COUNTY: Role.COUNTY_ADMIN,
}


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    event: str  # WarningEvent.Action
    system_only: bool = False


# THE transition map. A user action is offered only when the state is a source, the role allows it
# (lbc.access.WARNING_ACTIONS) and its guard passes (``refusal``).
TRANSITIONS: dict[str, Transition] = {
    "acknowledge": Transition(
        frozenset({S.RAISED, S.ESCALATED, S.TRANSFERRED}), S.ACKNOWLEDGED, A.ACKNOWLEDGED
    ),
    "assign": Transition(
        frozenset({S.RAISED, S.ACKNOWLEDGED, S.ASSIGNED, S.ESCALATED, S.TRANSFERRED}), S.ASSIGNED, A.ASSIGNED
    ),
    "start_intervention": Transition(
        frozenset({S.ACKNOWLEDGED, S.ASSIGNED, S.FOLLOW_UP}), S.IN_INTERVENTION, A.INTERVENTION_STARTED
    ),
    "request_follow_up": Transition(
        frozenset({S.ACKNOWLEDGED, S.ASSIGNED, S.IN_INTERVENTION}), S.FOLLOW_UP, A.FOLLOW_UP_REQUESTED
    ),
    "escalate": Transition(OPEN_STATES, S.ESCALATED, A.ESCALATED),
    "transfer": Transition(OPEN_STATES, S.TRANSFERRED, A.TRANSFERRED),
    "close": Transition(
        frozenset({S.ACKNOWLEDGED, S.ASSIGNED, S.IN_INTERVENTION, S.FOLLOW_UP}), S.CLOSED, A.CLOSED
    ),
    # By the system only: a worse screening result, and a GREY answered validly below every threshold.
    "raise_tier": Transition(OPEN_STATES, S.RAISED, A.TIER_RAISED, system_only=True),
    "close_rescreened": Transition(OPEN_STATES, S.CLOSED, A.CLOSED, system_only=True),
}
# Dotted paths of ``check(warning) -> str | None`` run before a user closes a warning; a string is the
# (translated) reason it may not be closed yet. Other modules add their checks here (one line each).
CLOSE_CHECKS: list[str] = [
    "screening.warnings.response_recorded",
    "screening.interventions.closure_signed_off",
]


class WarningStateError(DomainError):
    """The warning's state (or a guard) does not allow the action."""


class WarningConflict(DomainError):
    """Someone else changed the warning between reading and writing it."""


def response_recorded(warning: Warning) -> str | None:
    """RED and ORANGE close only after the response started (intervention or follow-up)."""
    urgent = warning.tier in (Tier.RED_ACUTE, Tier.RED, Tier.ORANGE)
    if urgent and warning.state not in (S.IN_INTERVENTION, S.FOLLOW_UP):
        return _("红色、橙色预警须先开始干预，才能结案。")
    return None


def can_close(warning: Warning) -> str | None:
    """None when a user may close the warning now, else the first reason why not."""
    for path in CLOSE_CHECKS:
        check: Callable[[Warning], str | None] = import_string(path)
        reason = check(warning)
        if reason:
            return reason
    return None


def refusal(warning: Warning, action: str) -> str | None:
    """Why the state machine refuses ``action`` now, or None when it allows it."""
    transition = TRANSITIONS[action]
    if warning.state not in transition.sources:
        return _("该预警当前状态为“%(state)s”，不能执行此操作。") % {"state": S(warning.state).label}
    if action == "escalate" and warning.escalation_level >= EscalationLevel.COUNTY:
        return _("该预警已在县级，不能再上报。")
    if action == "close":
        return can_close(warning)
    return None


def allowed_actions(warning: Warning, role_actions: Iterable[str]) -> list[str]:
    """User actions that both the roles and the state machine allow, in the order of TRANSITIONS."""
    allowed = set(role_actions)
    return [
        name
        for name, t in TRANSITIONS.items()
        if not t.system_only and name in allowed and refusal(warning, name) is None
    ]


# --- per-county timings ----------------------------------------------------------------------------------


def warning_settings_for(county_id: int) -> WarningSettings:
    row = CountyWarningSettings.objects.filter(county_id=county_id).first()
    return settings_from(row.values) if row else deadlines.DEFAULT_SETTINGS


class _CountyRules:
    """Thresholds and warning timings per county, read once per batch or job run."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[Thresholds, WarningSettings]] = {}

    def __call__(self, county_id: int) -> tuple[Thresholds, WarningSettings]:
        if county_id not in self._cache:
            self._cache[county_id] = (thresholds_for(county_id), warning_settings_for(county_id))
        return self._cache[county_id]


# --- messages (short, plain Chinese, no scores or diagnoses, family name only) ---------------------------


def _who(warning: Warning) -> str:
    child = warning.child
    place = warning.school.name if warning.school is not None else warning.township.name
    name = _("%(family)s同学") % {"family": child.family_name}
    if child.grade:
        return _("%(place)s %(grade)s年级 %(name)s") % {"place": place, "grade": child.grade, "name": name}
    return f"{place} {name}"


def _need(tier: str, thresholds: Thresholds) -> str:
    if tier == Tier.RED_ACUTE:
        return _("需要立即处置")
    if tier == Tier.RED:
        return _("需要今天内安全评估")
    if tier == Tier.ORANGE:
        return _("需要%(days)d个教学日内面谈") % {"days": thresholds.orange_school_days}
    if tier == Tier.YELLOW:
        return _("需要%(days)d天内联系") % {"days": thresholds.yellow_contact_days}
    return _("需要%(days)d天内当面重新施测") % {"days": thresholds.grey_readminister_days}


def _text(warning: Warning, thresholds: Thresholds, status: str = "") -> str:
    with translation.override(settings.LANGUAGE_CODE):
        need = _need(warning.tier, thresholds)
        if status:
            return _("【预警】%(who)s %(need)s，%(status)s。请登录平台处理。") % {
                "who": _who(warning),
                "need": need,
                "status": status,
            }
        return _("【预警】%(who)s %(need)s。请登录平台处理。") % {"who": _who(warning), "need": need}


def responders(warning: Warning, level: int) -> list[Any]:
    """Who acts at a level of the ladder: the school's counsellors, the township's supervisors, the county."""
    role = LADDER_ROLES[level]
    if level == EscalationLevel.SCHOOL:
        return access.responders_for_unit(role, school_id=warning.school_id) if warning.school_id else []
    region_id = warning.township_id if level == EscalationLevel.TOWNSHIP else warning.county_id
    return access.responders_for_unit(role, region_id=region_id)


def _notify(warning: Warning, users: Iterable[Any], text: str, key: str) -> int:
    queued = 0
    for user in users:
        message = queue_message(kind="screening.warning", text=text, dedupe_key=f"{key}:{user.pk}", user=user)
        queued += message is not None
    return queued


# --- the one write path of a transition ------------------------------------------------------------------


def _apply(
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
    current = _apply(
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
        if not access.counsellors_for_warning(current).filter(pk=to.pk).exists():
            raise WarningStateError(_("只能分派给负责该儿童所在学校的心理教师。"))

    changes: dict[str, Any] = {"assigned_to": to}
    if warning.acknowledged_at is None:
        changes |= {"acknowledged_at": now, "acknowledged_by": by}
    current, event = _apply(
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
        rules = _CountyRules()
        text = _text(current, rules(current.county_id)[0], _assigned_status())
        _notify(current, [to], text, f"warning:{current.public_id}:assigned:{event.pk}")
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
) -> Warning:
    """One level up the ladder; the new level's responders are notified. ``by`` None: the escalation job."""
    now = now or timezone.now()
    level = min(warning.escalation_level + 1, EscalationLevel.COUNTY)
    current = _apply(
        warning,
        "escalate",
        by=by,
        note=note,
        now=now,
        request=request,
        changes={"escalation_level": level, "level_since": now},
        detail={"reason": reason, "level": level},
    )[0]
    thresholds = _CountyRules()(current.county_id)[0]
    with translation.override(settings.LANGUAGE_CODE):
        status = {
            "unacknowledged": _("尚未确认"),
            "overdue": _("已超过期限"),
            "no_responder": _("学校没有心理教师"),
        }.get(reason, _("已上报"))
    count = WarningEvent.objects.filter(warning=current, action=A.ESCALATED).count()
    _notify(
        current,
        responders(current, level),
        _text(current, thresholds, status),
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
) -> Warning:
    """Hand the warning to another unit that covers the child: its (new) school, a township, a counsellor.

    A school or counsellor starts again at the school level; a township at the township level.
    """
    now = now or timezone.now()
    if sum(x is not None for x in (school, township, counsellor)) != 1:
        raise DomainError(_("请选择转交给哪所学校、哪个乡镇或哪位心理教师（只选一项）。"))
    child = warning.child
    if counsellor is not None:
        membership = access.scope_of(counsellor).memberships
        target_school = next(
            (m.school for m in membership if m.role == Role.COUNSELLOR and m.school_id == child.school_id),
            None,
        )
        if (
            target_school is None
            or not access.counsellors_for_warning(warning).filter(pk=counsellor.pk).exists()
        ):
            raise DomainError(_("只能转交给负责该儿童所在学校的心理教师。"))
        school = target_school
    if school is not None:
        if school.pk != child.school_id:
            raise DomainError(_("只能转交给该儿童现在就读的学校；转学请先在儿童档案中更新学校。"))
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
    current, event = _apply(
        warning, "transfer", by=by, note=note, now=now, request=request, changes=changes, detail=detail
    )
    thresholds = _CountyRules()(current.county_id)[0]
    with translation.override(settings.LANGUAGE_CODE):
        status = _("已转交给您")
    users = [counsellor] if counsellor is not None else responders(current, current.escalation_level)
    _notify(
        current, users, _text(current, thresholds, status), f"warning:{current.public_id}:transfer:{event.pk}"
    )
    return current


def start_intervention(
    warning: Warning, *, by: Any, note: str = "", now: dt.datetime | None = None, request: Any = None
) -> Warning:
    current = _apply(warning, "start_intervention", by=by, note=note, now=now, request=request)[0]
    return current


def request_follow_up(
    warning: Warning, *, by: Any, note: str = "", now: dt.datetime | None = None, request: Any = None
) -> Warning:
    """Wait for the rescreen; plans one from today when none of the warning's rescreens is pending."""
    now = now or timezone.now()
    current = _apply(warning, "request_follow_up", by=by, note=note, now=now, request=request)[0]
    pending = current.rescreens.filter(status=RescreenDue.Status.PENDING, kind=RescreenDue.Kind.RESCREEN)
    if not pending.exists():
        thresholds = _CountyRules()(current.county_id)[0]
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
    return current


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
    current = _apply(
        warning,
        "close",
        by=by,
        note=note,
        now=now,
        request=request,
        changes={"outcome": outcome, "closed_at": now, "closed_by": by},
        detail={"outcome": outcome},
    )[0]
    _cancel_pending(current)
    return current


def _cancel_pending(warning: Warning) -> None:
    warning.rescreens.filter(status=RescreenDue.Status.PENDING).update(status=RescreenDue.Status.CANCELLED)


# --- raising warnings from screenings (single entry and imports alike) -----------------------------------


def raise_warning(assessment: Assessment, *, by: Any, now: dt.datetime | None = None) -> Warning | None:
    """The warning this assessment raised or moved, if any (see ``raise_warnings``)."""
    return raise_warnings([assessment], by=by, now=now).get(assessment.child_id)


def raise_warnings(
    assessments: Sequence[Assessment], *, by: Any, now: dt.datetime | None = None
) -> dict[int, Warning]:
    """Set-based: for each child, open a warning, raise its tier, link the result, or close a GREY.

    Runs inside the caller's transaction (record_assessment, the import commit). Returns the open or
    just-closed warning per child id that was touched.
    """
    now = now or timezone.now()
    ordered = sorted(assessments, key=lambda a: (a.administered_on, a.created_at or now, a.pk))
    child_ids = sorted({a.child_id for a in ordered})
    open_by_child: dict[int, Warning] = {}
    for start in range(0, len(child_ids), 500):
        chunk = child_ids[start : start + 500]
        locked = Warning.objects.select_for_update(of=("self",)).filter(child_id__in=chunk)
        for w in locked.exclude(state=S.CLOSED):
            open_by_child[w.child_id] = w
    rules = _CountyRules()
    school_ids = {a.child.school_id for a in ordered if a.tier in WARNING_TIERS and a.child.school_id}
    school_townships = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "township_id"))
    touched: dict[int, Warning] = {}
    fresh: list[Warning] = []
    for assessment in ordered:
        existing = open_by_child.get(assessment.child_id)
        if existing is None:
            if assessment.tier in WARNING_TIERS:
                warning = _new_warning(assessment, rules, now, school_townships)
                open_by_child[assessment.child_id] = warning
                fresh.append(warning)
                touched[assessment.child_id] = warning
            continue
        if existing.pk is None:  # opened earlier in this batch: adjust in memory before the insert
            if tier_rank(assessment.tier) > tier_rank(existing.tier):
                _retier_new(existing, assessment, rules, now)
            continue
        touched[assessment.child_id] = _follow_existing(existing, assessment, rules, by=by, now=now)
        if touched[assessment.child_id].state == S.CLOSED:
            del open_by_child[assessment.child_id]
    _insert_new(fresh, rules, by=by, now=now)
    rescreens.complete_due(list(assessments), now=now)
    return touched


def _new_warning(
    assessment: Assessment, rules: _CountyRules, now: dt.datetime, school_townships: dict[int, int]
) -> Warning:
    """Responsible: the child's school and the school's township (the home township without a school)."""
    school_id = assessment.child.school_id
    township_id = school_townships[school_id] if school_id is not None else assessment.child.township_id
    thresholds, ws = rules(assessment.county_id)
    return Warning(
        child_id=assessment.child_id,
        child=assessment.child,
        assessment=assessment,
        tier=assessment.tier,
        state=S.RAISED,
        context_score=assessment.context_score,
        school_id=school_id,
        township_id=township_id,
        county_id=assessment.county_id,
        escalation_level=EscalationLevel.SCHOOL,
        level_since=now,
        raised_at=now,
        due_at=deadlines.due_at(assessment.tier, now, thresholds, ws),
    )


def _retier_new(warning: Warning, assessment: Assessment, rules: _CountyRules, now: dt.datetime) -> None:
    thresholds, ws = rules(assessment.county_id)
    warning.tier = assessment.tier
    warning.assessment = assessment
    warning.context_score = assessment.context_score
    warning.due_at = min(warning.due_at, deadlines.due_at(assessment.tier, now, thresholds, ws))


def _insert_new(fresh: list[Warning], rules: _CountyRules, *, by: Any, now: dt.datetime) -> None:
    if not fresh:
        return
    # An import raises hundreds of warnings at once: plain executemany, ids read back by public id.
    insert_rows(Warning, fresh)
    ids: dict[Any, int] = {}
    public_ids = [w.public_id for w in fresh]
    for start in range(0, len(public_ids), 500):
        chunk = public_ids[start : start + 500]
        ids.update(Warning.objects.filter(public_id__in=chunk).values_list("public_id", "pk"))
    for w in fresh:
        w.pk = ids[w.public_id]
    insert_rows(
        WarningEvent,
        [
            WarningEvent(
                warning=w,
                at=now,
                by=by,
                action=A.RAISED,
                from_state="",
                to_state=S.RAISED,
                to_tier=w.tier,
                level=EscalationLevel.SCHOOL,
                assessment=w.assessment,
            )
            for w in fresh
        ]
    )
    plans: list[RescreenDue] = []
    counsellors: dict[int, list[Any]] = {}
    recall_cache = rescreens.recalls_of([w.assessment.pk for w in fresh])
    urgent = [w for w in fresh if w.tier in NOTIFY_ON_RAISE and w.school_id is not None]
    schools = School.objects.in_bulk({w.school_id for w in urgent})
    for w in fresh:
        thresholds = rules(w.county_id)[0]
        plans += _plan_rows(w, thresholds, recall_cache, now)
    for w in urgent:
        assert w.school_id is not None
        if w.school_id not in counsellors:
            counsellors[w.school_id] = responders(w, EscalationLevel.SCHOOL)
        w.school = schools[w.school_id]
        _notify(
            w,
            counsellors[w.school_id],
            _text(w, rules(w.county_id)[0]),
            f"warning:{w.public_id}:raised:{w.tier}",
        )
    insert_rows(RescreenDue, plans)
    audit.record("screening.warning.raised", actor=by, detail={"warnings": len(fresh)})


def _plan_rows(
    warning: Warning, thresholds: Thresholds, recall_cache: dict[int, int], now: dt.datetime
) -> list[RescreenDue]:
    assessment = warning.assessment
    if assessment.pk not in recall_cache:
        recall_cache[assessment.pk] = rescreens.assessment_recall(assessment)
    plan = rescreens.plan_rescreens(
        warning.tier,
        assessment.administered_on,
        context_score=warning.context_score,
        recall=recall_cache[assessment.pk],
        thresholds=thresholds,
    )
    return rescreens.rows_for(plan, child_id=warning.child_id, tier=warning.tier, warning=warning, now=now)


def _follow_existing(
    warning: Warning, assessment: Assessment, rules: _CountyRules, *, by: Any, now: dt.datetime
) -> Warning:
    """A new screening of a child with an open warning: raise, close a GREY, or only link it."""
    thresholds, ws = rules(assessment.county_id)
    if tier_rank(assessment.tier) > tier_rank(warning.tier):
        due = min(warning.due_at, deadlines.due_at(assessment.tier, now, thresholds, ws))
        current = _apply(
            warning,
            "raise_tier",
            by=None,
            now=now,
            assessment=assessment,
            changes={
                "tier": assessment.tier,
                "due_at": due,
                "context_score": assessment.context_score,
                "level_since": now,
                "acknowledged_at": None,
                "acknowledged_by": None,
            },
        )[0]
        current.rescreens.filter(status=RescreenDue.Status.PENDING).update(
            status=RescreenDue.Status.CANCELLED
        )
        RescreenDue.objects.bulk_create(_plan_rows_for(current, assessment, thresholds, now))
        if current.tier in NOTIFY_ON_RAISE:
            _notify(
                current,
                responders(current, current.escalation_level),
                _text(current, thresholds),
                f"warning:{current.public_id}:raised:{current.tier}",
            )
        return current
    if warning.tier == Tier.GREY and assessment.tier == Tier.GREEN and not assessment.critical:
        current = _apply(
            warning,
            "close_rescreened",
            by=None,
            now=now,
            assessment=assessment,
            changes={"outcome": WarningOutcome.RESCREENED, "closed_at": now, "closed_by": None},
        )[0]
        _cancel_pending(current)
        return current
    with transaction.atomic():
        WarningEvent.objects.create(
            warning=warning,
            at=now,
            by=by,
            action=A.ASSESSMENT_LINKED,
            from_state=warning.state,
            to_state=warning.state,
            level=warning.escalation_level,
            assessment=assessment,
        )
        if assessment.context_score > warning.context_score:
            Warning.objects.filter(pk=warning.pk).update(
                context_score=assessment.context_score, updated_at=now
            )
            warning.context_score = assessment.context_score
    return warning


def _plan_rows_for(
    warning: Warning, assessment: Assessment, thresholds: Thresholds, now: dt.datetime
) -> list[RescreenDue]:
    plan = rescreens.plan_rescreens(
        warning.tier,
        assessment.administered_on,
        context_score=assessment.context_score,
        recall=rescreens.assessment_recall(assessment),
        thresholds=thresholds,
    )
    return rescreens.rows_for(plan, child_id=warning.child_id, tier=warning.tier, warning=warning, now=now)


# --- the periodic job ------------------------------------------------------------------------------------


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
    rules = _CountyRules()
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
