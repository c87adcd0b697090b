"""A busy database or a dead worker never leaves an upload at "正在检查": retried, then failed with "重试"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import OperationalError

from lbc.models import AuditEvent, Child
from screening.imports import processing
from screening.models import Assessment, ImportBatch
from tests.conftest import World

from .test_imports_data import (
    batch_url,
    grant_consent,
    header,
    latest_batch,
    media,  # noqa: F401 (fixture)
    row_for,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("media")
Status = ImportBatch.Status
LOCKED = OperationalError("database is locked")


@pytest.fixture
def pupil(world: World) -> Child:
    grant_consent(world.c1b)
    return world.c1b


@pytest.fixture
def fast_retries(settings: Any) -> None:
    settings.LBC_TRANSIENT_RETRY = {"attempts": 3, "base": 0.01, "cap": 0.02}


def send(client: Any, world: World, pupil: Child) -> ImportBatch:
    upload(client, world.camp1, "五年级.xlsx", xlsx_bytes(header(world.camp1), [row_for(pupil)]))
    return latest_batch(world.camp1)


def stuck(batch: ImportBatch, status: str) -> None:
    """The worker died mid-task: the batch stays checking or committing."""
    report = processing.load_report(batch)
    if status == Status.COMMITTING:
        report.commit = {"started_at": processing.timezone.now().isoformat()}
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, report=report.to_json())


def page(client: Any, batch: ImportBatch) -> str:
    return str(client.get(batch_url("screening:import-detail", batch)).content.decode())


@pytest.mark.parametrize("status", [Status.VALIDATING, Status.COMMITTING])
def test_a_task_running_past_its_deadline_is_shown_failed_with_a_retry_button(
    login: Any, world: World, pupil: Child, clock: time_machine.Traveller, status: str
) -> None:
    client = login("counsellor")
    batch = send(client, world, pupil)
    stuck(batch, status)
    clock.shift(processing.STALE_AFTER - dt.timedelta(seconds=5))
    assert "data-import-retry" not in page(client, batch)
    assert client.get(batch_url("screening:import-progress", batch)).json()["done"] is False

    clock.shift(dt.timedelta(seconds=10))
    html = page(client, batch)
    batch.refresh_from_db()
    assert batch.status == Status.FAILED and "data-import-retry" in html and "被中断" in html
    event = AuditEvent.objects.get(action="screening.import.interrupted")
    assert event.detail["reason"] == "stale"

    response = client.post(batch_url("screening:import-retry", batch))
    assert response.status_code == 302
    batch.refresh_from_db()
    expected = Status.COMMITTED if status == Status.COMMITTING else Status.READY
    assert batch.status == expected
    retried = AuditEvent.objects.get(action="screening.import.retried")
    assert retried.actor_username == "counsellor"
    assert retried.detail["step"] == ("commit" if status == Status.COMMITTING else "check")


def test_staleness_is_decided_by_the_clock_alone(world: World, pupil: Child, login: Any) -> None:
    batch = send(login("counsellor"), world, pupil)
    stuck(batch, Status.VALIDATING)
    batch.refresh_from_db()
    started = processing.check_started_at(batch)
    assert not processing.is_stale(batch, started + processing.STALE_AFTER)
    assert processing.is_stale(batch, started + processing.STALE_AFTER + dt.timedelta(seconds=1))


def test_only_a_failed_batch_can_be_retried(login: Any, world: World, pupil: Child) -> None:
    client = login("counsellor")
    batch = send(client, world, pupil)
    assert batch.status == Status.READY
    response = client.post(batch_url("screening:import-retry", batch), follow=True)
    assert "现在不需要重试" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == Status.READY
    assert not AuditEvent.objects.filter(action="screening.import.retried").exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("county_admin", 403), ("supervisor", 403), ("other_counsellor", 404)]
)
def test_others_cannot_retry_someone_elses_import(
    login: Any, world: World, pupil: Child, clock: time_machine.Traveller, persona: str, status: int
) -> None:
    batch = send(login("counsellor"), world, pupil)
    stuck(batch, Status.VALIDATING)
    clock.shift(processing.STALE_AFTER + dt.timedelta(minutes=1))
    response = login(persona).post(batch_url("screening:import-retry", batch))
    assert response.status_code == status
    assert not AuditEvent.objects.filter(action="screening.import.retried").exists()


@pytest.mark.django_db(transaction=True)
def test_a_check_retries_a_locked_database_and_then_finishes(
    world: World, pupil: Child, login: Any, fast_retries: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = send(login("counsellor"), world, pupil)
    stuck(batch, Status.VALIDATING)
    original = processing.validate_file
    calls: list[int] = []

    def locked_twice(batch: ImportBatch, progress: bool = False) -> Any:
        calls.append(1)
        if len(calls) <= 2:
            raise LOCKED
        return original(batch, progress)

    monkeypatch.setattr(processing, "validate_file", locked_twice)
    assert processing.run_validation(batch.pk) == Status.READY
    assert len(calls) == 3


@pytest.mark.django_db(transaction=True)
def test_a_commit_that_stays_locked_fails_with_the_reason_and_nothing_written(
    world: World, pupil: Child, login: Any, fast_retries: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login("counsellor")
    batch = send(client, world, pupil)
    stuck(batch, Status.COMMITTING)
    calls: list[int] = []

    def always_locked(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise LOCKED

    monkeypatch.setattr(processing, "write_batch", always_locked)
    assert processing.run_commit(batch.pk, world.user("counsellor").pk) == Status.FAILED
    assert len(calls) == 3  # the configured attempts
    batch.refresh_from_db()
    assert batch.status == Status.FAILED and not Assessment.objects.filter(import_batch=batch).exists()
    assert "数据库繁忙" in processing.load_report(batch).commit["error"]
    assert AuditEvent.objects.get(action="screening.import.interrupted").detail["reason"] == "database_busy"
    assert "data-import-retry" in page(client, batch)

    monkeypatch.undo()
    client.post(batch_url("screening:import-retry", batch))
    batch.refresh_from_db()
    assert batch.status == Status.COMMITTED and batch.created_count == 1
