"""Synthetic warning history for the demo county (test and demo data only, never real cases).

The demo's screenings raise their warnings through the real path (``raise_warnings``, one call per
screening day). A synthetic past is then written in bulk: each warning is walked along a path of the
transition map (``screening.warnings.state.TRANSITIONS``) to a target state, with one history row per step,
so the demo holds open warnings in every state, some overdue, and closed ones. The alerts of that
synthetic past are marked as delivered so starting the demo does not send them.

Other demo builders (interventions, allocation) attach their data to ``demo_warnings(county)``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from lbc import audit
from lbc.models import Membership, OutboxMessage, Region
from screening.models import (
    Assessment,
    EscalationLevel,
    RescreenDue,
    Warning,
    WarningEvent,
    WarningOutcome,
    WarningState,
)
from screening.scoring.tiers import RED_TIERS
from screening.warnings.deadlines import add_school_days
from screening.warnings.notices import LADDER_ROLES
from screening.warnings.raising import raise_warnings
from screening.warnings.state import TRANSITIONS

S = WarningState
# Paths through the transition map, by target state (every step is an action of TRANSITIONS).
PATHS: dict[str, tuple[str, ...]] = {
    S.RAISED: (),
    S.ACKNOWLEDGED: ("acknowledge",),
    S.ASSIGNED: ("acknowledge", "assign"),
    S.IN_INTERVENTION: ("acknowledge", "assign", "start_intervention"),
    S.FOLLOW_UP: ("acknowledge", "start_intervention", "request_follow_up"),
    S.ESCALATED: ("escalate",),
    S.TRANSFERRED: ("transfer",),
    S.CLOSED: ("acknowledge", "start_intervention", "request_follow_up", "close"),
}
# Target states of older warnings past their deadline, and their weights: a county that works, with a
# few warnings left overdue (about one in seven of the open ones) to show the escalation ladder.
PAST_DUE_MIX = {
    S.CLOSED: 35,
    S.FOLLOW_UP: 25,
    S.IN_INTERVENTION: 25,
    S.ESCALATED: 4,
    S.ASSIGNED: 2,
    S.TRANSFERRED: 1,
    S.RAISED: 1,
}
# Older warnings whose deadline has not come yet (YELLOW and GREY have two weeks).
NOT_YET_DUE_MIX = {S.ACKNOWLEDGED: 3, S.ASSIGNED: 3, S.IN_INTERVENTION: 3, S.RAISED: 1}
STEP = dt.timedelta(hours=5)
OUTCOMES = (WarningOutcome.RESOLVED, WarningOutcome.NO_CONCERN, WarningOutcome.REFERRED)


def demo_warnings(county: Region) -> QuerySet[Warning]:
    """The demo county's warnings (open and closed), for other demo builders."""
    return Warning.objects.filter(county=county)


def seed_warnings(
    county: Region, assessments: Sequence[Assessment], *, seed: int, now: dt.datetime | None = None
) -> dict[str, int]:
    """Raise the warnings of the demo's screenings and give them a synthetic history. Returns counts."""
    now = now or timezone.now()
    by_day: dict[dt.date, list[Assessment]] = defaultdict(list)
    for a in assessments:
        by_day[a.administered_on].append(a)
    for day in sorted(by_day):
        raised_at = min(timezone.make_aware(dt.datetime.combine(day, dt.time(15, 0))), now)
        raise_warnings(by_day[day], by=None, now=raised_at)
    warnings = list(demo_warnings(county).select_related("child").order_by("pk"))
    rng = random.Random(f"warnings-{seed}")
    actors = _actors(county)
    targets = _targets(warnings, rng, now)
    events: list[WarningEvent] = []
    for w in warnings:
        events += _walk(w, targets[w.pk], actors, rng, now)
    Warning.objects.bulk_update(
        warnings,
        [
            "state",
            "escalation_level",
            "level_since",
            "assigned_to",
            "acknowledged_at",
            "acknowledged_by",
            "closed_at",
            "closed_by",
            "outcome",
            "school",
            "updated_at",
        ],
        batch_size=500,
    )
    WarningEvent.objects.bulk_create(events, batch_size=500)
    closed = [w.pk for w in warnings if w.state == S.CLOSED]
    RescreenDue.objects.filter(warning_id__in=closed, status=RescreenDue.Status.PENDING).update(
        status=RescreenDue.Status.CANCELLED
    )
    # The alerts of the synthetic past count as delivered.
    OutboxMessage.objects.filter(kind="screening.warning", status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.SENT, sent_at=now
    )
    counts = {f"warnings_{state}": n for state, n in Counter(w.state for w in warnings).items()}
    counts["warnings"] = len(warnings)
    counts["warnings_overdue"] = sum(
        w.state in (S.RAISED, S.ACKNOWLEDGED, S.ASSIGNED, S.ESCALATED, S.TRANSFERRED) and w.due_at < now
        for w in warnings
    )
    audit.record("screening.demo.warnings_seeded", detail=counts)
    return counts


def _targets(warnings: Sequence[Warning], rng: random.Random, now: dt.datetime) -> dict[int, str]:
    """Every state at least once (the oldest warnings first), then by age: those raised on the last
    school day before today are still new (a RED of that day already in hand or escalated overnight),
    older ones mostly in hand or closed. Age is counted in school days, not hours, so a demo seeded on a
    Saturday or at 07:30 has the shape of one seeded on a Tuesday morning."""
    targets: dict[int, str] = {}
    oldest = sorted(warnings, key=lambda w: (w.raised_at, w.pk))
    for w, state in zip(oldest, PATHS, strict=False):
        targets[w.pk] = state
    today = timezone.localtime(now).date()
    for w in warnings:
        if w.pk in targets:
            continue
        raised_on = timezone.localtime(w.raised_at).date()
        if raised_on < today <= add_school_days(raised_on, 1):  # the last school day before today
            new = (S.IN_INTERVENTION, S.ESCALATED) if w.tier in RED_TIERS else (S.RAISED, S.ACKNOWLEDGED)
            targets[w.pk] = rng.choice(new)
        else:
            mix = PAST_DUE_MIX if w.due_at < now else NOT_YET_DUE_MIX
            targets[w.pk] = rng.choices(list(mix), list(mix.values()))[0]
    return targets


def _actors(county: Region) -> dict[str, dict[int | None, Any]]:
    """A responder per school, township and county of the demo county (the demo's personas)."""
    found: dict[str, dict[int | None, Any]] = {"school": {}, "township": {}, "county": {}}
    for m in Membership.objects.current().select_related("user", "region"):
        # The responders of each level of the escalation ladder (screening.warnings.notices.LADDER_ROLES).
        if m.role == LADDER_ROLES[EscalationLevel.SCHOOL] and m.school_id:
            found["school"].setdefault(m.school_id, m.user)
        elif m.role == LADDER_ROLES[EscalationLevel.TOWNSHIP] and m.region_id:
            found["township"].setdefault(m.region_id, m.user)
        elif m.role == LADDER_ROLES[EscalationLevel.COUNTY] and m.region_id == county.pk:
            found["county"].setdefault(county.pk, m.user)
    return found


def _walk(
    w: Warning, target: str, actors: dict[str, dict[int | None, Any]], rng: random.Random, now: dt.datetime
) -> list[WarningEvent]:
    """Move the in-memory warning along the path to ``target``; returns the history rows."""
    actor = (
        actors["school"].get(w.school_id)
        or actors["township"].get(w.township_id)
        or actors["county"].get(w.county_id)
    )
    events = []
    at = w.raised_at
    for action in PATHS[target]:
        at = min(at + STEP * rng.uniform(0.2, 2.0), now)
        transition = TRANSITIONS[action]
        before, level = w.state, w.escalation_level
        by = actor
        if action == "acknowledge":
            w.acknowledged_at, w.acknowledged_by = at, actor
        elif action == "assign":
            w.assigned_to = actors["school"].get(w.school_id) or actor
        elif action == "escalate":
            by, level = None, EscalationLevel.TOWNSHIP
            w.escalation_level, w.level_since = level, at
        elif action == "transfer":
            level = EscalationLevel.TOWNSHIP
            w.school, w.escalation_level, w.level_since = None, level, at
        elif action == "close":
            w.closed_at, w.closed_by, w.outcome = at, actor, rng.choice(OUTCOMES)
        w.state = transition.target
        w.updated_at = at
        events.append(
            WarningEvent(
                warning=w,
                at=at,
                by=by,
                action=transition.event,
                from_state=before,
                to_state=w.state,
                level=level,
                note="演示数据（合成）",
                detail={"demo": True},
            )
        )
    return events
