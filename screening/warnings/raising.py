"""Raising warnings from screenings (single entry and imports alike).

One open warning per child: a new screening never creates a second one; a worse tier raises the
open warning's tier (and it must be acknowledged again), a tier never goes down automatically.
GREY ("re-administer") is a warning of its own kind, ranked below YELLOW: a later valid screening
below every threshold closes it by itself (outcome "rescreened"), one above a threshold raises it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from lbc import audit
from lbc.imports.bulk import insert_rows
from lbc.models import School
from screening.models import (
    Assessment,
    EscalationLevel,
    RescreenDue,
    Warning,
    WarningEvent,
    WarningOutcome,
)
from screening.scoring.tiers import Thresholds, Tier, tier_rank
from screening.warnings import deadlines, rescreens
from screening.warnings.actions import apply_transition, cancel_pending
from screening.warnings.notices import CountyRules, notify, responders, warning_text
from screening.warnings.state import NOTIFY_ON_RAISE, WARNING_TIERS, A, S


def raise_warning(assessment: Assessment, *, by: Any, now: dt.datetime | None = None) -> Warning | None:
    """The warning this assessment raised or moved, if any (see ``raise_warnings``)."""
    return raise_warnings([assessment], by=by, now=now).get(assessment.child_id)

@transaction.atomic
def raise_warnings(
    assessments: Sequence[Assessment], *, by: Any, now: dt.datetime | None = None
) -> dict[int, Warning]:
    """Set-based: for each child, open a warning, raise its tier, link the result, or close a GREY.

    Runs inside the caller's transaction (record_assessment, the import commit), and is one itself, so
    every warning it moves commits together with the alerts and rescreens that move causes. Returns the
    open or just-closed warning per child id that was touched.
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
    rules = CountyRules()
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
    assessment: Assessment, rules: CountyRules, now: dt.datetime, school_townships: dict[int, int]
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

def _retier_new(warning: Warning, assessment: Assessment, rules: CountyRules, now: dt.datetime) -> None:
    thresholds, ws = rules(assessment.county_id)
    warning.tier = assessment.tier
    warning.assessment = assessment
    warning.context_score = assessment.context_score
    warning.due_at = min(warning.due_at, deadlines.due_at(assessment.tier, now, thresholds, ws))

def _insert_new(fresh: list[Warning], rules: CountyRules, *, by: Any, now: dt.datetime) -> None:
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
        notify(
            w,
            counsellors[w.school_id],
            warning_text(w, rules(w.county_id)[0]),
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
    warning: Warning, assessment: Assessment, rules: CountyRules, *, by: Any, now: dt.datetime
) -> Warning:
    """A new screening of a child with an open warning: raise, close a GREY, or only link it."""
    thresholds, ws = rules(assessment.county_id)
    if tier_rank(assessment.tier) > tier_rank(warning.tier):
        due = min(warning.due_at, deadlines.due_at(assessment.tier, now, thresholds, ws))
        current = apply_transition(
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
            notify(
                current,
                responders(current, current.escalation_level),
                warning_text(current, thresholds),
                f"warning:{current.public_id}:raised:{current.tier}",
            )
        return current
    if warning.tier == Tier.GREY and assessment.tier == Tier.GREEN and not assessment.critical:
        current = apply_transition(
            warning,
            "close_rescreened",
            by=None,
            now=now,
            assessment=assessment,
            changes={"outcome": WarningOutcome.RESCREENED, "closed_at": now, "closed_by": None},
        )[0]
        cancel_pending(current)
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
