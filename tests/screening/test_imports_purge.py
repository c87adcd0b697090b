"""The periodic purge of uploads that were never committed."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from lbc.models import AuditEvent, Child
from lbc.periodic import jobs
from screening.imports import storage
from screening.imports.processing import load_report
from screening.imports.purge import RETENTION, purge_abandoned
from screening.models import Assessment, ImportBatch
from tests.conftest import World
from tests.factories import make_child

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


@pytest.fixture
def pupils(world: World) -> list[Child]:
    kids = [
        make_child(world.v1, world.s1, world.class1, family_name="郑", given_name=f"小{n}") for n in "一二"
    ]
    for kid in kids:
        grant_consent(kid)
    return kids


def send(client: Any, world: World, rows: list[list[Any]], name: str) -> ImportBatch:
    upload(client, world.camp1, name, xlsx_bytes(header(world.camp1), rows))
    return latest_batch(world.camp1)


def age(batch: ImportBatch, days: float) -> None:
    """Pretend the batch was uploaded and last checked ``days`` ago, its file written then too (file
    times come from the file system, not the test clock)."""
    then = timezone.now() - dt.timedelta(days=days)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=then, finished_at=then)
    folder = storage.batch_folder(batch)
    for path in [*folder.iterdir(), folder] if folder.is_dir() else []:
        os.utime(path, (then.timestamp(), then.timestamp()))


def stored(batch: ImportBatch, media_root: Path) -> Path:
    return media_root / batch.stored_file


def test_the_job_is_registered_to_run_on_the_clock() -> None:
    assert "screening.imports.purge.purge_abandoned" in jobs()


def test_uploads_never_committed_are_deleted_after_the_retention_time(
    login: Any,
    world: World,
    pupils: list[Child],
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login("counsellor")
    ready = send(client, world, [row_for(pupils[0])], "一班.xlsx")
    invalid = send(client, world, [row_for(pupils[1], phq=[9] * 9)], "二班.xlsx")
    fresh = send(client, world, [row_for(pupils[1])], "三班.xlsx")
    assert (ready.status, invalid.status) == (ImportBatch.Status.READY, ImportBatch.Status.INVALID)
    files = [stored(b, Path(settings.MEDIA_ROOT)) for b in (ready, invalid, fresh)]
    assert all(f.exists() for f in files)
    age(ready, RETENTION.days + 1)
    age(invalid, RETENTION.days + 1)
    age(fresh, RETENTION.days - 1)
    # The files go once the deletion commits.
    with (
        caplog.at_level(logging.INFO, logger="screening.imports.purge"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert purge_abandoned(timezone.now()) == 2
    assert list(ImportBatch.objects.filter(campaign=world.camp1)) == [fresh]
    assert [f.exists() for f in files] == [False, False, True]
    assert not files[0].parent.exists()
    event = AuditEvent.objects.get(action="screening.import.purged")
    assert event.detail["batches"] == 2 and event.detail["folders"] == 0
    assert set(event.detail["batch_ids"]) == {str(ready.public_id), str(invalid.public_id)}
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "purged 2 abandoned import batches" in logged
    for secret in ("一班", "二班", pupils[0].full_name, pupils[0].family_name):
        assert secret not in logged and secret not in str(event.detail)


def test_committed_imports_stay_and_so_does_their_history(
    login: Any, world: World, pupils: list[Child]
) -> None:
    client = login("counsellor")
    batch = send(client, world, [row_for(pupils[0])], "一班.xlsx")
    client.post(batch_url("screening:import-commit", batch))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    age(batch, 400)
    assert purge_abandoned(timezone.now()) == 0
    assert Assessment.objects.filter(import_batch=batch).count() == 1
    assert not AuditEvent.objects.filter(action="screening.import.purged").exists()


def test_recent_activity_on_an_old_upload_keeps_it(login: Any, world: World, pupils: list[Child]) -> None:
    client = login("counsellor")
    batch = send(client, world, [row_for(pupils[0])], "一班.xlsx")
    old = timezone.now() - RETENTION - dt.timedelta(days=3)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=old)  # checked again just now
    assert purge_abandoned(timezone.now()) == 0
    assert ImportBatch.objects.filter(pk=batch.pk).exists()


def test_a_batch_a_worker_is_committing_is_left_alone(login: Any, world: World, pupils: list[Child]) -> None:
    client = login("counsellor")
    batch = send(client, world, [row_for(pupils[0])], "一班.xlsx")
    age(batch, RETENTION.days + 5)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.COMMITTING)
    batch.refresh_from_db()
    # The commit "started" now (the report's timestamp is recent): not stale, not abandoned.
    report = load_report(batch)
    report.commit = {"started_at": timezone.now().isoformat()}
    ImportBatch.objects.filter(pk=batch.pk).update(report=report.to_json())
    assert purge_abandoned(timezone.now()) == 0
    assert ImportBatch.objects.filter(pk=batch.pk).exists()


@pytest.mark.django_db
def test_stray_upload_folders_are_removed_once_old(settings: Any) -> None:
    root = Path(settings.MEDIA_ROOT) / "imports"
    old, new = root / "0d5e7c1a-old", root / "9a1b2c3d-new"
    for folder in (old, new):
        folder.mkdir(parents=True)
        (folder / "upload.xlsx").write_bytes(b"synthetic test bytes")
    # File times come from the file system, not the test clock: set both explicitly.
    stamp = (timezone.now() - RETENTION - dt.timedelta(days=1)).timestamp()
    for path in (old / "upload.xlsx", old):
        os.utime(path, (stamp, stamp))
    for path in (new / "upload.xlsx", new):
        os.utime(path, (timezone.now().timestamp(),) * 2)
    assert purge_abandoned(timezone.now()) == 1
    assert not old.exists() and new.exists()
    event = AuditEvent.objects.get(action="screening.import.purged")
    assert (event.detail["batches"], event.detail["folders"]) == (0, 1)


def test_the_same_file_can_be_uploaded_again_after_its_abandoned_batch_is_purged(
    login: Any, world: World, pupils: list[Child]
) -> None:
    client = login("counsellor")
    data = xlsx_bytes(header(world.camp1), [row_for(pupils[0])])
    upload(client, world.camp1, "一班.xlsx", data)
    age(latest_batch(world.camp1), RETENTION.days + 1)
    purge_abandoned(timezone.now())
    response = upload(client, world.camp1, "一班.xlsx", data)
    assert response.status_code == 302
    assert latest_batch(world.camp1).status == ImportBatch.Status.READY
