"""The audit log: hash-chained, append-only in the database itself, verifiable and searchable."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from lbc import audit, crypto
from lbc.audit_anchor import anchor_head, verify_anchors
from lbc.models import AuditEvent
from tests.conftest import World

APPEND_ONLY = importlib.import_module("lbc.migrations.0002_audit_append_only")


def record_some(world: World, n: int = 5) -> list[AuditEvent]:
    actor = world.user("counsellor")
    return [
        audit.record("lbc.child.viewed", actor=actor, obj=world.c1, child=world.c1, detail={"n": i})
        for i in range(n)
    ]


def run_audit(*args: str) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


@contextlib.contextmanager
def update_trigger_bypassed() -> Iterator[None]:
    """Stand in for someone with direct database access who switches the guard off."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("DROP TRIGGER lbc_audit_no_update")
            try:
                yield
            finally:
                cur.execute(APPEND_ONLY.SQLITE_FORWARD[0])
        else:
            cur.execute("ALTER TABLE lbc_auditevent DISABLE TRIGGER USER")
            try:
                yield
            finally:
                cur.execute("ALTER TABLE lbc_auditevent ENABLE TRIGGER USER")


def assert_refused(change: Callable[[], object]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        change()


# --- the chain ----------------------------------------------------------------------------------------


def test_record_chains_each_event_to_the_previous(world: World) -> None:
    events = record_some(world, 3)
    assert AuditEvent.objects.order_by("id").first().prev_hash == audit.GENESIS  # type: ignore[union-attr]
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    for event in events:
        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.hash == audit.chain_hash(stored.prev_hash, audit.canonical_of(stored), stored.key_id)
    assert events[0].actor_username == "counsellor" and events[0].child_id == str(world.c1.public_id)


def test_verify_passes_on_an_intact_chain(world: World) -> None:
    record_some(world)
    run_audit("anchor")
    out = run_audit("verify")
    assert "Audit chain intact: 5 events verified." in out and "Anchors match: 1 anchored heads" in out


def test_verify_passes_on_an_empty_log_and_says_when_nothing_is_anchored_yet(db: None) -> None:
    assert "Audit chain intact: 0 events verified." in run_audit("verify", "--no-anchor")
    with pytest.raises(CommandError, match="no anchor file"):
        run_audit("verify")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "lbc.child.listed"),
        ("actor_username", "nobody"),
        ("detail", '{"n": 99}'),
        ("at", "2020-01-01 00:00:00"),
        ("hash", "f" * 64),
    ],
)
def test_verify_fails_after_a_row_is_altered_by_hand(world: World, column: str, value: str) -> None:
    events = record_some(world)
    target = events[2]
    with update_trigger_bypassed(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE lbc_auditevent SET {connection.ops.quote_name(column)} = %s "  # noqa: S608
            "WHERE id = %s",
            [value, target.pk],
        )
    assert_refused(lambda: AuditEvent.objects.filter(pk=target.pk).update(action="again"))  # guard is back

    result = audit.verify_chain()
    assert not result.ok and result.checked == 2
    assert result.broken_at in (target.pk, events[3].pk)  # a forged hash shows at the next link
    with pytest.raises(CommandError, match=r"Audit chain broken at event \d+ after 2 good events") as excinfo:
        run_audit("verify")
    assert excinfo.value.returncode != 0


def test_verify_fails_after_a_row_is_deleted_from_the_middle(world: World) -> None:
    events = record_some(world)
    with audit.audit_maintenance():
        AuditEvent.objects.filter(pk=events[2].pk).delete()
    result = audit.verify_chain()
    assert (result.ok, result.broken_at, result.checked) == (False, events[3].pk, 2)
    assert "row removed" in result.reason
    with pytest.raises(CommandError, match=f"broken at event {events[3].pk}"):
        run_audit("verify")


# --- append-only in the database ------------------------------------------------------------------------


def _raw(sql: str, *params: Any) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cur:
            cur.execute(sql, list(params))

    return run


def _save_changed(event: AuditEvent) -> None:
    event.action = "lbc.child.listed"
    event.save()


REFUSED_CHANGES: dict[str, Callable[[AuditEvent], Callable[[], object]]] = {
    "orm-update": lambda e: lambda: AuditEvent.objects.filter(pk=e.pk).update(action="lbc.child.listed"),
    "orm-update-all": lambda e: lambda: AuditEvent.objects.update(detail={}),
    "instance-save": lambda e: lambda: _save_changed(e),
    "orm-delete": lambda e: lambda: AuditEvent.objects.filter(pk=e.pk).delete(),
    "orm-delete-all": lambda e: lambda: AuditEvent.objects.all().delete(),
    "instance-delete": lambda e: lambda: e.delete(),
    "raw-update": lambda e: _raw("UPDATE lbc_auditevent SET action = %s WHERE id = %s", "x", e.pk),
    "raw-delete": lambda e: _raw("DELETE FROM lbc_auditevent WHERE id = %s", e.pk),
}


@pytest.mark.parametrize("change", list(REFUSED_CHANGES))
def test_the_database_refuses_to_change_or_delete_audit_events(world: World, change: str) -> None:
    events = record_some(world, 3)
    assert_refused(REFUSED_CHANGES[change](AuditEvent.objects.get(pk=events[1].pk)))
    assert list(AuditEvent.objects.order_by("id").values_list("hash", flat=True)) == [e.hash for e in events]
    assert audit.verify_chain().ok


def test_truncate_is_refused_on_postgresql(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    record_some(world, 2)
    assert_refused(_raw("TRUNCATE lbc_auditevent"))
    assert AuditEvent.objects.count() == 2


def test_audit_maintenance_allows_delete_and_nothing_else(world: World) -> None:
    events = record_some(world, 3)
    with audit.audit_maintenance():
        assert_refused(lambda: AuditEvent.objects.filter(pk=events[0].pk).update(action="x"))
        AuditEvent.objects.filter(pk=events[0].pk).delete()
    assert AuditEvent.objects.count() == 2
    assert_refused(lambda: AuditEvent.objects.filter(pk=events[1].pk).delete())  # off again afterwards


def test_audit_maintenance_in_one_thread_does_not_open_the_log_to_others(db: None) -> None:
    seen_elsewhere: list[int] = []
    with audit.audit_maintenance():
        assert audit.maintenance_enabled() == 1
        other = threading.Thread(target=lambda: seen_elsewhere.append(audit.maintenance_enabled()))
        other.start()
        other.join()
    assert seen_elsewhere == [0]
    assert audit.maintenance_enabled() == 0


# --- who viewed whom ------------------------------------------------------------------------------------


def test_audit_child_lists_the_events_of_that_child_only(world: World) -> None:
    counsellor, supervisor = world.user("counsellor"), world.user("supervisor")
    audit.record("lbc.child.viewed", actor=counsellor, obj=world.c1, child=world.c1)
    audit.record("lbc.child.viewed", actor=supervisor, obj=world.c1b, child=world.c1b)
    audit.record("lbc.child.updated", actor=supervisor, obj=world.c1, child=world.c1)

    lines = run_audit("child", str(world.c1.public_id)).splitlines()
    assert lines[-1] == "2 event(s)."
    assert [line.split()[2:4] for line in lines[:-1]] == [
        ["supervisor", "lbc.child.updated"],
        ["counsellor", "lbc.child.viewed"],
    ]
    assert all(f"child={world.c1.public_id}" in line for line in lines[:-1])
    assert "0 event(s)." in run_audit("child", str(world.c3.public_id))


def test_audit_user_lists_what_that_user_did(world: World) -> None:
    counsellor, supervisor = world.user("counsellor"), world.user("supervisor")
    audit.record("lbc.child.viewed", actor=counsellor, obj=world.c1, child=world.c1)
    audit.record("lbc.child.viewed", actor=supervisor, obj=world.c1b, child=world.c1b)
    audit.record("lbc.child.updated", actor=supervisor, obj=world.c1, child=world.c1)

    lines = run_audit("user", "supervisor").splitlines()
    assert lines[-1] == "2 event(s)."
    children = {line.split("child=")[1] for line in lines[:-1]}
    assert children == {str(world.c1.public_id), str(world.c1b.public_id)}
    assert all(" supervisor " in line for line in lines[:-1])
    assert "0 event(s)." in run_audit("user", "head_teacher")


def test_the_listing_honours_its_limit(world: World) -> None:
    record_some(world, 4)
    assert run_audit("child", str(world.c1.public_id), "--limit", "3").splitlines()[-1] == "3 event(s)."


# --- failures are loud ----------------------------------------------------------------------------------


def test_record_raises_when_the_event_cannot_be_written(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_create(**kwargs: Any) -> AuditEvent:
        raise DatabaseError("disk full")

    monkeypatch.setattr(AuditEvent.objects, "create", broken_create)
    with pytest.raises(DatabaseError, match="disk full"):
        audit.record("lbc.child.viewed", actor=world.user("counsellor"), obj=world.c1, child=world.c1)
    monkeypatch.undo()
    assert not AuditEvent.objects.exists()


# --- concurrency ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_a_chain_that_verifies() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    threads_n = 10
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            audit.record("lbc.test.concurrent", detail={"writer": i})
        except BaseException as exc:  # reported below; a thread cannot raise into the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert AuditEvent.objects.filter(action="lbc.test.concurrent").count() == threads_n
    result = audit.verify_chain()
    assert result.ok and result.checked == threads_n
    assert len(set(AuditEvent.objects.values_list("prev_hash", flat=True))) == threads_n


# --- keyed links and the anchor outside the database ----------------------------------------------------


def rewrite(
    event_id: int, *, detail: dict[str, Any], relink: Callable[[str, str], tuple[str | None, str]]
) -> None:
    """What someone with database access but without the key file can do: change one event, then
    recompute every link from it on (triggers off, as on a copy of the database)."""
    with update_trigger_bypassed(), connection.cursor() as cur:
        cur.execute("UPDATE lbc_auditevent SET detail = %s WHERE id = %s", [json.dumps(detail), event_id])
        events = list(AuditEvent.objects.order_by("id"))
        prev = audit.GENESIS
        for event in events:
            key_id, link = relink(prev, audit.canonical_of(event))
            cur.execute(
                "UPDATE lbc_auditevent SET prev_hash = %s, hash = %s, key_id = %s WHERE id = %s",
                [prev, link, key_id, event.pk],
            )
            prev = link


def test_new_events_are_linked_with_the_audit_key(world: World) -> None:
    event = record_some(world, 1)[0]
    assert event.key_id == crypto.keys().audit.active
    assert (
        event.hash != hashlib.sha256(f"{event.prev_hash}\n{audit.canonical_of(event)}".encode()).hexdigest()
    )
    assert event.hash == audit.chain_hash(event.prev_hash, audit.canonical_of(event), event.key_id)


def test_a_chain_recomputed_without_the_key_fails_verification(world: World) -> None:
    events = record_some(world)
    guessed_key = b"\x00" * 32
    rewrite(
        events[1].pk,
        detail={"n": 99},
        relink=lambda prev, body: (
            "a1",
            hmac.new(guessed_key, f"{prev}\n{body}".encode(), hashlib.sha256).hexdigest(),
        ),
    )
    result = audit.verify_chain()
    assert (result.ok, result.broken_at) == (False, events[0].pk)


def test_a_chain_recomputed_as_plain_hashes_passes_the_chain_but_not_the_anchor(world: World) -> None:
    events = record_some(world)
    run_audit("anchor")
    rewrite(
        events[1].pk,
        detail={"n": 99},
        relink=lambda prev, body: (None, hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()),
    )
    assert audit.verify_chain().ok  # every link is a valid old-style link now
    result = verify_anchors()
    assert not result.ok and f"anchored event {events[-1].pk} was rewritten" in result.problem
    with pytest.raises(CommandError, match="Audit anchor check failed"):
        run_audit("verify")


def test_a_plain_link_after_keyed_ones_is_a_break(world: World) -> None:
    events = record_some(world, 3)
    last = events[-1]
    plain = hashlib.sha256(f"{last.prev_hash}\n{audit.canonical_of(last)}".encode()).hexdigest()
    with update_trigger_bypassed(), connection.cursor() as cur:
        cur.execute("UPDATE lbc_auditevent SET hash = %s, key_id = NULL WHERE id = %s", [plain, last.pk])
    result = audit.verify_chain()
    assert (result.ok, result.broken_at) == (False, last.pk) and "unkeyed" in result.reason


def test_deleting_the_newest_events_passes_the_chain_but_not_the_anchor(world: World) -> None:
    events = record_some(world, 25)
    assert anchor_head(timezone.now()) == 1
    with audit.audit_maintenance():
        AuditEvent.objects.filter(pk__in=[e.pk for e in events[-20:]]).delete()
    assert audit.verify_chain().ok
    result = verify_anchors()
    assert not result.ok and f"anchored event {events[-1].pk} is missing" in result.problem
    with pytest.raises(CommandError, match="rows deleted or truncated"):
        run_audit("verify")


def test_the_head_is_anchored_once_per_move_and_each_line_is_signed(
    world: World, audit_anchor_file: Any
) -> None:
    assert anchor_head(timezone.now()) == 0  # nothing to anchor in an empty log
    record_some(world, 2)
    assert anchor_head(timezone.now()) == 1
    assert anchor_head(timezone.now()) == 0
    record_some(world, 1)
    assert anchor_head(timezone.now()) == 1
    lines = audit_anchor_file.read_text().splitlines()
    assert len(lines) == 2 and verify_anchors().anchors == 2
    forged = json.loads(lines[-1]) | {"link": "f" * 64}
    audit_anchor_file.write_text("\n".join([lines[0], json.dumps(forged)]) + "\n")
    assert "not signed by the audit key" in verify_anchors().problem


def test_the_anchor_job_runs_on_the_clock_before_delivery() -> None:
    from lbc.periodic import jobs

    assert jobs().index("lbc.audit_anchor.anchor_head") < jobs().index("lbc.notifications.deliver_due")


def test_generate_keys_adds_an_audit_key_to_an_older_key_file_and_keeps_the_others(tmp_path: Any) -> None:
    path = tmp_path / "keys.json"
    old = {k: v for k, v in crypto.new_key_file_content().items() if k != "audit"}
    crypto.write_key_file(path, old)
    call_command("generate_keys", str(path), "--if-missing", stdout=StringIO())
    new = json.loads(path.read_text())
    assert new["encryption"] == old["encryption"] and new["blind_index"] == old["blind_index"]
    assert new["audit"]["active"] in new["audit"]["keys"]
    call_command("generate_keys", str(path), "--if-missing", stdout=StringIO())
    assert json.loads(path.read_text()) == new
