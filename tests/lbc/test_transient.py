"""Transient database errors: which errors are retried, the backoff, and a worker loop that never exits."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django_tasks import task
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from lbc import transient
from lbc.management.commands.run_worker import ResilientWorker


def wrapped(cause: BaseException) -> OperationalError:
    """What Django raises: its own OperationalError with the driver's error as the cause."""
    error = OperationalError(*cause.args)
    error.__cause__ = cause
    return error


def real_sqlite_lock(tmp_path: Path) -> sqlite3.OperationalError:
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("INSERT INTO t VALUES (1)")
    except sqlite3.OperationalError as exc:
        return exc
    finally:
        other.close()
        holder.execute("ROLLBACK")
        holder.close()
    raise AssertionError("the second writer was not refused")


def test_a_locked_sqlite_database_is_transient(tmp_path: Path) -> None:
    cause = real_sqlite_lock(tmp_path)
    assert cause.sqlite_errorcode & 0xFF == transient.SQLITE_BUSY
    assert transient.is_transient(wrapped(cause))
    assert transient.is_transient(OperationalError("database is locked"))


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.OperationalError("server closed the connection unexpectedly"),
    ],
    ids=["serialization", "deadlock", "admin-shutdown", "connection-lost"],
)
def test_postgresql_serialization_failures_deadlocks_and_lost_connections_are_transient(
    cause: BaseException,
) -> None:
    assert transient.is_transient(wrapped(cause))


@pytest.mark.parametrize(
    "error",
    [
        wrapped(sqlite3.OperationalError("no such table: lbc_child")),
        wrapped(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")),
        IntegrityError("UNIQUE constraint failed"),
        DatabaseError("connection lost"),
        ValueError("database is locked"),
    ],
    ids=["missing-table", "statement-timeout", "integrity", "plain-database-error", "not-a-database-error"],
)
def test_other_errors_are_not_transient(error: BaseException) -> None:
    assert not transient.is_transient(error)


def test_a_closed_connection_is_transient() -> None:
    assert transient.is_transient(InterfaceError("connection already closed"))


def test_the_backoff_doubles_up_to_the_cap_with_the_upper_half_jittered() -> None:
    lows = [transient.backoff_seconds(n, base=1.0, cap=30.0, rand=lambda: 0.0) for n in range(1, 8)]
    highs = [transient.backoff_seconds(n, base=1.0, cap=30.0, rand=lambda: 1.0) for n in range(1, 8)]
    assert lows == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]
    assert highs == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


class Flaky:
    """Work that fails with ``error`` a number of times, then answers."""

    def __init__(self, failures: int, error: BaseException) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


LOCKED = OperationalError("database is locked")


@pytest.mark.django_db(transaction=True)
def test_transient_errors_are_retried_with_growing_waits_until_the_work_succeeds() -> None:
    waits: list[float] = []
    work = Flaky(3, LOCKED)
    done = transient.retry_transient(work, what="test", attempts=6, sleep=waits.append, rand=lambda: 1.0)
    assert done == "done"
    assert work.calls == 4 and waits == [1.0, 2.0, 4.0]


@pytest.mark.django_db(transaction=True)
def test_the_attempts_are_bounded_and_the_last_error_is_raised() -> None:
    waits: list[float] = []
    work = Flaky(99, LOCKED)
    with pytest.raises(OperationalError, match="locked"):
        transient.retry_transient(work, what="test", attempts=4, sleep=waits.append)
    assert work.calls == 4 and len(waits) == 3


@pytest.mark.django_db(transaction=True)
def test_a_real_error_is_raised_at_once() -> None:
    work = Flaky(1, wrapped(sqlite3.OperationalError("no such table: x")))
    with pytest.raises(OperationalError):
        transient.retry_transient(work, what="test", attempts=5, sleep=lambda s: None)
    assert work.calls == 1


@pytest.mark.django_db(transaction=True)
def test_inside_an_outer_transaction_nothing_is_retried() -> None:
    work = Flaky(1, LOCKED)
    with pytest.raises(OperationalError), transaction.atomic():
        transient.retry_transient(work, what="test", attempts=5, sleep=lambda s: None)
    assert work.calls == 1


def worker(sleeps: list[float]) -> ResilientWorker:
    return ResilientWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
        sleep=sleeps.append,
    )


@pytest.mark.django_db(transaction=True)
def test_the_worker_loop_outlives_database_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library's loop raises (a locked database while claiming, a lost connection); this one goes on."""
    errors: list[BaseException] = [LOCKED, InterfaceError("connection already closed"), LOCKED]
    rounds: list[int] = []

    def library_loop(self: Any) -> None:
        rounds.append(1)
        if errors:
            raise errors.pop(0)

    monkeypatch.setattr(db_worker.Worker, "run", library_loop)
    sleeps: list[float] = []
    worker(sleeps).run()
    assert len(rounds) == 4 and len(sleeps) == 3
    assert sleeps[0] < sleeps[2]  # backing off


@pytest.mark.django_db(transaction=True)
def test_the_worker_stops_when_asked_even_while_backing_off(monkeypatch: pytest.MonkeyPatch) -> None:
    def library_loop(self: Any) -> None:
        raise LOCKED

    monkeypatch.setattr(db_worker.Worker, "run", library_loop)
    sleeps: list[float] = []
    w = worker(sleeps)

    def sleep_then_stop(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            w.running = False  # SIGTERM's handler does this

    w._sleep = sleep_then_stop
    w.run()
    assert len(sleeps) == 2


@task()
def synthetic_job(n: int) -> int:
    return n + 1


@pytest.mark.django_db(transaction=True)
def test_a_finished_tasks_result_is_recorded_through_a_locked_database(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.LBC_TRANSIENT_RETRY = {"attempts": 4, "base": 0.01, "cap": 0.02}
    result = synthetic_job.enqueue(41)
    original = DBTaskResult.set_successful
    tries: list[int] = []

    def locked_at_first(self: DBTaskResult, value: Any) -> None:
        tries.append(1)
        if len(tries) <= 3:
            raise LOCKED
        original(self, value)

    monkeypatch.setattr(DBTaskResult, "set_successful", locked_at_first)
    worker([]).run()
    stored = DBTaskResult.objects.get(pk=result.id)
    assert (stored.status, stored.return_value, len(tries)) == ("SUCCESSFUL", 42, 4)
