"""A worker locked out or killed mid-task comes back, and the task finishes or is failed with "重试".

Real processes on a SQLite file: the worker is ``manage.py run_worker`` (tests/screening/worker_harness.py
holds each check at a gate so the test can act while it runs). SQLite's busy timeout is one second here,
so a lock held longer is the "database is locked" a busy server sees.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from lbc import crypto
from lbc.models import AuditEvent
from screening.models import ImportBatch
from tests.clock import DEFAULT_INSTANT

BATCHES = ImportBatch._meta.db_table
TASKS = DBTaskResult._meta.db_table
AUDIT = AuditEvent._meta.db_table
START = DEFAULT_INSTANT.isoformat()
WAIT = 90.0  # seconds; the machine may be slow, the normal case takes a few


def environment(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "LBC_", "PYTEST"))}
    env.update(
        LBC_TESTING="1",
        LBC_VAR_DIR=str(var),
        LBC_KEY_FILE=str(var / "keys.json"),
        LBC_AUDIT_ANCHOR_FILE=str(var / "audit-anchor.log"),
        LBC_TASK_BACKEND="database",
        LBC_SQLITE_TIMEOUT="1",
        DJANGO_SETTINGS_MODULE="lbc.settings",
    )
    return env


def harness(var: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.screening.worker_harness", *args],
        cwd=settings.BASE_DIR, env=environment(var), capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the test world; each test works on a copy."""
    var = tmp_path_factory.mktemp("worker-template")
    crypto.write_key_file(var / "keys.json", crypto.new_key_file_content())
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=settings.BASE_DIR, env=environment(var), capture_output=True, text=True, timeout=600, check=False,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    harness(var, "world", DEFAULT_INSTANT.isoformat())
    return var


@pytest.fixture
def var(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "var"
    shutil.copytree(template, copy)
    return copy


class Worker:
    def __init__(self, var: Path, gate: Path) -> None:
        self.log = open(var / f"worker-{time.monotonic_ns()}.log", "w+", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.screening.worker_harness", "worker", START, str(gate)],
            cwd=settings.BASE_DIR, env=environment(var), stdout=self.log, stderr=subprocess.STDOUT,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8")

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def read(var: Path, sql: str, *params: Any) -> Any:
    with sqlite3.connect(var / "lbc.sqlite3", timeout=30) as db:
        row = db.execute(sql, params).fetchone()
    return row[0] if row else None


def wait_for(condition: Any, worker: Worker | None = None, what: str = "") -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if worker is not None and not worker.alive():
            pytest.fail(f"the worker exited while waiting for {what}:\n{worker.output()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{worker.output()[-3000:] if worker else ''}")
        time.sleep(0.1)


def upload(var: Path) -> int:
    batch = int(json.loads(harness(var, "upload", DEFAULT_INSTANT.isoformat()))["batch"])
    assert read(var, f"SELECT status FROM {BATCHES} WHERE id = ?", batch) == "validating"  # noqa: S608
    return batch


def status(var: Path, batch: int) -> str:
    return str(read(var, f"SELECT status FROM {BATCHES} WHERE id = ?", batch))  # noqa: S608


class Lock:
    """An exclusive transaction of the test's own on the database file: every other writer waits."""

    def __init__(self, var: Path) -> None:
        self.db = sqlite3.connect(var / "lbc.sqlite3", isolation_level=None, timeout=30)
        self.db.execute("BEGIN EXCLUSIVE")

    def status(self, batch: int) -> str:
        return str(self.db.execute(f"SELECT status FROM {BATCHES} WHERE id = ?", (batch,)).fetchone()[0])  # noqa: S608

    def release(self) -> None:
        self.db.execute("ROLLBACK")
        self.db.close()


def test_a_worker_locked_out_mid_task_retries_and_finishes_the_task_when_the_lock_is_released(
    var: Path, tmp_path: Path, workers: list[Worker]
) -> None:
    batch = upload(var)
    gate = tmp_path / "gate"
    gate.mkdir()
    lock = Lock(var)
    try:  # locked while the worker looks for a task: the claim itself fails, again and again
        worker = Worker(var, gate)
        workers.append(worker)
        wait_for(lambda: worker.output().count("database error (database is locked)") >= 2, worker, "claims")
        assert worker.alive() and lock.status(batch) == "validating"
    finally:
        lock.release()
    wait_for((gate / "started").exists, worker, "the check to start")

    lock = Lock(var)
    try:  # locked in the middle of the check: its writes fail, again and again
        (gate / "go").touch()
        wait_for(lambda: "import check" in worker.output(), worker, "the check to meet the lock")
        time.sleep(3)  # several busy timeouts, several retries
        assert worker.alive() and lock.status(batch) == "validating"
    finally:
        lock.release()

    wait_for(lambda: status(var, batch) == "ready", worker, "the check to finish")
    wait_for(lambda: read(var, f"SELECT status FROM {TASKS}") == "SUCCESSFUL", worker, "the task's result")  # noqa: S608
    assert worker.alive()
    assert f"import check {batch}: transient database error (database is locked)" in worker.output()


def test_a_worker_killed_mid_task_comes_back_and_the_task_is_failed_with_a_retry_that_finishes_it(
    var: Path, tmp_path: Path, workers: list[Worker]
) -> None:
    batch = upload(var)
    gate = tmp_path / "gate"
    gate.mkdir()
    first = Worker(var, gate)
    workers.append(first)
    wait_for((gate / "started").exists, first, "the check to start")
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=20)
    assert status(var, batch) == "validating"
    assert read(var, f"SELECT status FROM {TASKS}") == "RUNNING"  # noqa: S608  # orphaned by the kill

    (gate / "go").touch()
    second = Worker(var, gate)  # what Restart=always does
    workers.append(second)
    time.sleep(2)
    assert second.alive() and status(var, batch) == "validating"  # nobody runs a task claimed by the dead

    past_deadline = DEFAULT_INSTANT + dt.timedelta(minutes=11)
    answer = json.loads(harness(var, "stale-retry", past_deadline.isoformat(), str(batch)))
    assert answer == {"shown": {"status": "failed", "retry": "check"}, "retried": "check"}
    wait_for(lambda: status(var, batch) == "ready", second, "the retried check to finish")
    actions = {
        row[0] for row in sqlite3.connect(var / "lbc.sqlite3").execute(f"SELECT action FROM {AUDIT}")  # noqa: S608
    }
    assert {"screening.import.interrupted", "screening.import.retried"} <= actions
