"""When a child is contacted and screened again (SCREENING.md section 7).

``plan_rescreens`` is a pure function of the tier, the day of the screening, the context score and
the recall window of the instruments answered. Services store the plan as ``RescreenDue`` rows
(from a warning, or from a life event) and mark them done when the next screening arrives.
GREEN children get no rows: their yearly (or each-term) screening is the school's campaign.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.models import Child
from lbc.services.errors import DomainError
from screening.models import Assessment, LifeEvent, RescreenDue, Response
from screening.scoring.instruments import UnknownInstrument, get_instrument
from screening.scoring.tiers import DEFAULT_THRESHOLDS, Thresholds, Tier
from screening.warnings.deadlines import add_school_days, is_school_day, previous_school_day

DAY = dt.timedelta(days=1)
TERM_DAYS = 140  # about one school term
# Days after a life event until the rescreen may start and until it is due (defaults, unverified:
# SCREENING.md names the triggers, not the intervals).
EVENT_WINDOWS: dict[str, tuple[int, int]] = {
    LifeEvent.Kind.PARENT_LEFT_AGAIN: (28, 42),
    LifeEvent.Kind.BULLYING_REPORT: (7, 14),
    LifeEvent.Kind.BEREAVEMENT: (28, 42),
    LifeEvent.Kind.BOARDING_START: (28, 42),
}


@dataclass(frozen=True)
class PlannedRescreen:
    kind: str  # RescreenDue.Kind
    earliest_on: dt.date
    due_on: dt.date
    reason: str


def recall_days(codes: Iterable[tuple[str, str]]) -> int:
    """The longest recall window of the instruments answered: no rescreen may come sooner."""
    days = [0]
    for code, version in codes:
        try:
            days.append(get_instrument(code, version).recall_window_days or 0)
        except UnknownInstrument:
            continue
    return max(days)


def school_due(due: dt.date, earliest: dt.date) -> dt.date:
    """A due date on a weekend moves to the school day before it (earlier is never wrong), unless that
    is before the earliest allowed day: then to the school day after it."""
    if is_school_day(due):
        return due
    before = previous_school_day(due)
    return before if before >= earliest else add_school_days(due, 0)


def _planned(kind: str, earliest: dt.date, due: dt.date, reason: str) -> PlannedRescreen:
    return PlannedRescreen(kind, earliest, school_due(due, earliest), reason)


def _rescreen(
    on: dt.date, after_days: int, recall: int, reason: str, *, until_days: int | None = None
) -> PlannedRescreen:
    earliest = on + max(after_days, recall) * DAY
    due = max(on + (until_days or after_days) * DAY, earliest)
    return _planned(RescreenDue.Kind.RESCREEN, earliest, due, reason)


def plan_rescreens(
    tier: str,
    on: dt.date,
    *,
    context_score: int = 0,
    recall: int = 0,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[PlannedRescreen]:
    """Contacts and rescreens after a screening of ``tier`` on ``on``; never sooner than ``recall`` days.

    RED: contact within 24-72 hours, rescreen at 2 and 4 weeks. ORANGE: 4 weeks. YELLOW: 6-8 weeks.
    GREY: re-administer in person within the county's GREY days (not a rescreen of change, so the
    recall window does not apply). GREEN: yearly, or each term at a context score at the threshold.
    """
    if tier in (Tier.RED_ACUTE, Tier.RED):
        return [
            _planned(RescreenDue.Kind.CONTACT, on + DAY, on + 3 * DAY, _("危机后24-72小时内联系孩子")),
            _rescreen(on, 14, recall, _("危机后2周复筛")),
            _rescreen(on, 28, recall, _("危机后4周复筛")),
        ]
    if tier == Tier.ORANGE:
        return [_rescreen(on, 28, recall, _("4周后复筛"))]
    if tier == Tier.YELLOW:
        return [_rescreen(on, 42, recall, _("6-8周后复筛"), until_days=56)]
    if tier == Tier.GREY:
        days = thresholds.grey_readminister_days
        return [_planned(RescreenDue.Kind.RESCREEN, on, on + days * DAY, _("当面重新施测"))]
    if context_score >= thresholds.context_rescreen_each_term:
        return [_rescreen(on, TERM_DAYS, recall, _("每学期复筛"))]
    return [_rescreen(on, 365, recall, _("每年复筛"))]


def plan_after_event(
    kind: str, occurred_on: dt.date, *, last_screened_on: dt.date | None, recall: int
) -> PlannedRescreen:
    """A rescreen after a life event, never sooner than the recall window of the last screening."""
    start, until = EVENT_WINDOWS[kind]
    earliest = occurred_on + start * DAY
    if last_screened_on is not None:
        earliest = max(earliest, last_screened_on + recall * DAY)
    due = max(occurred_on + until * DAY, earliest)
    label = LifeEvent.Kind(kind).label
    reason = _("生活事件后复筛：%(event)s") % {"event": label}
    return _planned(RescreenDue.Kind.RESCREEN, earliest, due, reason)


def assessment_recall(assessment: Assessment) -> int:
    return recall_days(assessment.responses.values_list("instrument_code", "instrument_version"))


def recalls_of(assessment_ids: Sequence[int]) -> dict[int, int]:
    """``assessment_recall`` for many assessments in a few queries (the import raises hundreds at once)."""
    instruments: dict[int, list[tuple[str, str]]] = {pk: [] for pk in assessment_ids}
    ids = list(instruments)
    for start in range(0, len(ids), 500):
        rows = Response.objects.filter(assessment_id__in=ids[start : start + 500]).values_list(
            "assessment_id", "instrument_code", "instrument_version"
        )
        for assessment_id, code, version in rows:
            instruments[assessment_id].append((code, version))
    return {pk: recall_days(pairs) for pk, pairs in instruments.items()}


def rows_for(
    plan: Sequence[PlannedRescreen],
    *,
    child_id: int,
    tier: str = "",
    warning: Any = None,
    life_event: LifeEvent | None = None,
    now: dt.datetime | None = None,
) -> list[RescreenDue]:
    return [
        RescreenDue(
            child_id=child_id,
            warning=warning,
            life_event=life_event,
            kind=p.kind,
            tier=tier,
            reason=p.reason[:200],
            earliest_on=p.earliest_on,
            due_on=p.due_on,
            created_at=now or timezone.now(),
        )
        for p in plan
    ]


def complete_due(assessments: Sequence[Assessment], *, now: dt.datetime | None = None) -> int:
    """A new screening completes the child's pending rescreens that were already allowed on its date."""
    now = now or timezone.now()
    by_child = {a.child_id: a for a in sorted(assessments, key=lambda a: a.administered_on)}
    done = 0
    pending = RescreenDue.objects.filter(
        child_id__in=list(by_child), status=RescreenDue.Status.PENDING, kind=RescreenDue.Kind.RESCREEN
    ).values_list("pk", "child_id", "earliest_on")
    for pk, child_id, earliest in list(pending):
        assessment = by_child[child_id]
        if earliest <= assessment.administered_on:
            done += RescreenDue.objects.filter(pk=pk, status=RescreenDue.Status.PENDING).update(
                status=RescreenDue.Status.DONE, done_assessment=assessment, done_at=now
            )
    return done


def record_life_event(
    child: Child, *, kind: str, occurred_on: dt.date, by: Any, note: str = "", request: Any = None
) -> LifeEvent:
    """Record a life event and plan the rescreen it calls for."""
    if kind not in LifeEvent.Kind.values:
        raise DomainError(_("未知的事件类型。"))
    if occurred_on > timezone.localdate():
        raise DomainError(_("事件日期不能晚于今天。"))
    if occurred_on < child.birth_date:
        raise DomainError(_("事件日期不能早于儿童的出生日期。"))
    if child.status == Child.Status.AGED_OUT:
        raise DomainError(_("该儿童已满16周岁，档案只读，不能再修改。"))
    with transaction.atomic():
        event = LifeEvent.objects.create(
            child=child, kind=kind, occurred_on=occurred_on, note=note, recorded_by=by
        )
        last = Assessment.objects.filter(child=child).order_by("-administered_on", "-created_at").first()
        plan = plan_after_event(
            kind,
            occurred_on,
            last_screened_on=last.administered_on if last else None,
            recall=assessment_recall(last) if last else 0,
        )
        RescreenDue.objects.bulk_create(rows_for([plan], child_id=child.pk, life_event=event))
        audit.record(
            "screening.life_event.recorded",
            actor=by,
            request=request,
            obj=event,
            child=child,
            detail={"kind": kind},
        )
    return event
