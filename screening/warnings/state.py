"""The warning state machine: ``TRANSITIONS`` is the one place that says which action moves a warning
from which states to which, and which guards it must pass.

Every change goes through ``actions.apply_transition`` (compare-and-swap on the row, a
``WarningEvent`` history row and an audit event in one transaction); the actions queue their alerts
in the outbox after it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from lbc.services.errors import DomainError
from screening.models import (
    EscalationLevel,
    Warning,
    WarningEvent,
    WarningState,
)
from screening.scoring.tiers import TIER_ORDER, Tier
from screening.warnings.closing import closure_signed_off, response_recorded

S = WarningState
A = WarningEvent.Action
WARNING_TIERS = frozenset({Tier.RED_ACUTE, Tier.RED, Tier.ORANGE, Tier.YELLOW, Tier.GREY})
# Order of the lists: most urgent first.
WARNING_TIER_ORDER = tuple(t for t in TIER_ORDER if t in WARNING_TIERS)
OPEN_STATES = frozenset(s for s in S.values if s != S.CLOSED)
NOTIFY_ON_RAISE = frozenset({Tier.RED_ACUTE, Tier.RED, Tier.ORANGE})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    event: str  # WarningEvent.Action
    system_only: bool = False


# THE transition map. A user action is offered only when the state is a source, the role allows it
# (the capability table, ``screening.access.ACTION_CAPABILITY``) and its guard passes (``refusal``).
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
# Checks run before a user closes a warning; a string is the (translated) reason it may not be closed yet.
CLOSE_CHECKS: tuple[Callable[[Warning], str | None], ...] = (response_recorded, closure_signed_off)


class WarningStateError(DomainError):
    """The warning's state (or a guard) does not allow the action."""


class WarningConflict(DomainError):
    """Someone else changed the warning between reading and writing it."""


def can_close(warning: Warning) -> str | None:
    """None when a user may close the warning now, else the first reason why not."""
    for check in CLOSE_CHECKS:
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
