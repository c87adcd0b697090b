"""A warning's state change and the messages it causes commit together: a crash between them leaves neither.

The crash is a ``Killed`` (a BaseException, as a dying process unwinds) raised where the alert is queued
in the outbox, right after the state change was written. Every case also runs without the crash, to show
that both are stored.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from lbc.models import AuditEvent, OutboxMessage
from screening.imports import batches
from screening.models import ImportBatch, RescreenDue, Warning, WarningEvent, WarningOutcome, WarningState
from screening.warnings import actions, notices
from tests.conftest import World

from .interventions_helpers import plan_and_sign_off

S = WarningState


class Killed(BaseException):
    """The process dies here (not an Exception: nothing may catch it on the way out)."""


def kill_at_the_alert(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The outbox write raises after the state change; returns the keys it was asked to queue."""
    asked: list[str] = []

    def dying(**kwargs: Any) -> None:
        asked.append(kwargs["dedupe_key"])
        raise Killed

    monkeypatch.setattr(notices, "queue_message", dying)
    return asked


def snapshot(warning: Warning) -> tuple[Any, ...]:
    row = Warning.objects.get(pk=warning.pk)
    return (
        row.state,
        row.escalation_level,
        row.assigned_to_id,
        row.school_id,
        row.township_id,
        WarningEvent.objects.filter(warning=warning).count(),
        AuditEvent.objects.filter(action__startswith="screening.warning.").count(),
        OutboxMessage.objects.count(),
    )


ACTIONS: dict[str, Callable[[World], Warning]] = {
    "assign": lambda world: actions.assign_warning(
        world.w1, to=world.user("counsellor"), by=world.user("supervisor")
    ),
    "escalate": lambda world: actions.escalate_warning(world.w1, by=world.user("counsellor"), note="上报"),
    "escalate_job": lambda world: actions.escalate_warning(world.w1, by=None, reason="overdue"),
    "transfer": lambda world: actions.transfer_warning(
        world.w1, township=world.t1, by=world.user("counsellor")
    ),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_crash_at_the_alert_leaves_neither_the_state_change_nor_the_alert(
    world: World, action: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(world.w1)
    asked = kill_at_the_alert(monkeypatch)
    with pytest.raises(Killed):
        ACTIONS[action](world)
    assert asked, "the alert was reached, after the state change"
    assert snapshot(world.w1) == before


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_without_a_crash_the_state_change_and_its_alert_are_both_stored(world: World, action: str) -> None:
    before = snapshot(world.w1)
    earlier = set(OutboxMessage.objects.values_list("pk", flat=True))
    moved = ACTIONS[action](world)
    after = snapshot(world.w1)
    assert after[0] != before[0] and after[5] == before[5] + 1 and after[6] == before[6] + 1
    alerts = OutboxMessage.objects.exclude(pk__in=earlier)
    assert alerts.exists()
    assert all(a.kind == "screening.warning" and str(moved.public_id) in a.dedupe_key for a in alerts)


def closable(world: World) -> Warning:
    counsellor = world.user("counsellor")
    w = actions.acknowledge_warning(world.w1, by=counsellor)
    w = actions.start_intervention(w, by=counsellor)
    plan_and_sign_off(w, counsellor)
    assert RescreenDue.objects.filter(warning=w, status=RescreenDue.Status.PENDING).exists()
    return w


def test_a_crash_while_closing_leaves_the_warning_open_and_its_rescreens_pending(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = closable(world)
    pending = RescreenDue.objects.filter(warning=w, status=RescreenDue.Status.PENDING).count()

    def dying(warning: Warning) -> None:
        raise Killed

    monkeypatch.setattr(actions, "cancel_pending", dying)
    with pytest.raises(Killed):
        actions.close_warning(w, outcome=WarningOutcome.RESOLVED, by=world.user("counsellor"))
    assert Warning.objects.get(pk=w.pk).state == S.IN_INTERVENTION
    assert RescreenDue.objects.filter(warning=w, status=RescreenDue.Status.PENDING).count() == pending
    assert not AuditEvent.objects.filter(action="screening.warning.close").exists()


def test_closing_stores_the_closure_and_cancels_the_rescreens_together(world: World) -> None:
    w = actions.close_warning(closable(world), outcome=WarningOutcome.RESOLVED, by=world.user("counsellor"))
    assert Warning.objects.get(pk=w.pk).state == S.CLOSED
    assert not RescreenDue.objects.filter(warning=w, status=RescreenDue.Status.PENDING).exists()
    assert AuditEvent.objects.filter(action="screening.warning.close").count() == 1


def test_a_crash_while_planning_the_follow_up_leaves_the_warning_in_intervention(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    counsellor = world.user("counsellor")
    w = actions.start_intervention(actions.acknowledge_warning(world.w1, by=counsellor), by=counsellor)
    RescreenDue.objects.filter(warning=w).delete()

    def dying(current: Warning, now: Any) -> None:
        raise Killed

    monkeypatch.setattr(actions, "_plan_follow_up", dying)
    with pytest.raises(Killed):
        actions.request_follow_up(w, by=counsellor)
    assert Warning.objects.get(pk=w.pk).state == S.IN_INTERVENTION
    monkeypatch.undo()
    w = actions.request_follow_up(w, by=counsellor)
    assert Warning.objects.get(pk=w.pk).state == S.FOLLOW_UP
    assert RescreenDue.objects.filter(warning=w, status=RescreenDue.Status.PENDING).count() == 1


def test_excluding_rows_stores_the_change_its_audit_event_and_its_check_together(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = ImportBatch.objects.create(
        campaign=world.camp1, filename="合成数据.csv", sha256="0" * 64, status=ImportBatch.Status.INVALID
    )
    queued: list[int] = []

    def dying_enqueue(batch_id: int) -> None:
        queued.append(batch_id)
        raise Killed

    monkeypatch.setattr(batches.tasks, "validate_import", SimpleNamespace(enqueue=dying_enqueue))
    with pytest.raises(Killed):
        batches.exclude_rows(batch, [3, 4], by=world.user("counsellor"))
    assert queued == [batch.pk]
    stored = ImportBatch.objects.get(pk=batch.pk)
    assert (stored.status, stored.excluded_rows) == (ImportBatch.Status.INVALID, [])
    assert not AuditEvent.objects.filter(action="screening.import.rows_excluded").exists()

    monkeypatch.setattr(batches.tasks, "validate_import", SimpleNamespace(enqueue=queued.append))
    batches.exclude_rows(batch, [3, 4], by=world.user("counsellor"))
    stored = ImportBatch.objects.get(pk=batch.pk)
    assert (stored.status, stored.excluded_rows) == (ImportBatch.Status.VALIDATING, [3, 4])
    assert AuditEvent.objects.filter(action="screening.import.rows_excluded").count() == 1
    assert queued == [batch.pk, batch.pk]
