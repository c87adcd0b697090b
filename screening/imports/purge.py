"""Deleting uploads that were never committed (data minimisation, SECURITY.md).

An upload that is refused, left unconfirmed or whose commit failed keeps the whole file and a report
full of answers. After ``RETENTION`` without any activity the batch row and its stored file are
deleted. Stored folders that belong to no pending batch (a crash between storing and saving, a
removal that failed after a commit) are deleted once they are older than ``RETENTION`` as well.
Committed batches stay: their assessments point at them. The log and the audit event carry counts
and batch ids only, never a file name or anything from the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Collection
from pathlib import Path

from django.conf import settings
from django.db import transaction

from lbc import audit
from screening.models import ImportBatch

from . import storage
from .processing import check_started_at, commit_started_at, is_stale

logger = logging.getLogger(__name__)
RETENTION = dt.timedelta(days=7)
Status = ImportBatch.Status


def last_activity(batch: ImportBatch) -> dt.datetime:
    """The latest of upload, last check started or finished, and last commit attempt."""
    moments = [batch.created_at, check_started_at(batch)]
    if batch.finished_at is not None:
        moments.append(batch.finished_at)
    started = commit_started_at(batch)
    if started is not None:
        moments.append(started)
    return max(moments)


def is_abandoned(batch: ImportBatch, now: dt.datetime) -> bool:
    if batch.status == Status.COMMITTED:
        return False
    if batch.status in (Status.VALIDATING, Status.COMMITTING) and not is_stale(batch, now):
        return False  # a worker is on it right now
    return now - last_activity(batch) > RETENTION


def purge_abandoned(now: dt.datetime) -> int:
    """Periodic job: delete abandoned batches and stray upload folders; returns how many of both."""
    candidates = ImportBatch.objects.exclude(status=Status.COMMITTED).filter(created_at__lt=now - RETENTION)
    purged = [pid for batch in candidates if (pid := purge_batch(batch.pk, now)) is not None]
    # The folders of the batches just purged go with their deletion's commit: not strays to count again.
    folders = purge_stray_folders(now, skip=set(purged))
    if purged or folders:
        logger.info("purged %d abandoned import batches and %d stray upload folders", len(purged), folders)
        audit.record(
            "screening.import.purged",
            detail={"batches": len(purged), "folders": folders, "batch_ids": purged, "days": RETENTION.days},
        )
    return len(purged) + folders


def purge_batch(pk: int, now: dt.datetime) -> str | None:
    """Delete one batch if it is still abandoned once locked; the file goes after the commit."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=pk).first()
        if batch is None or not is_abandoned(batch, now) or batch.assessments.exists():
            return None
        public_id = str(batch.public_id)
        batch.delete()
        transaction.on_commit(lambda: storage.discard(batch))
    return public_id


def purge_stray_folders(now: dt.datetime, *, skip: Collection[str] = ()) -> int:
    """Folders under the upload area with no pending batch, untouched for longer than RETENTION."""
    root = Path(settings.MEDIA_ROOT) / storage.FOLDER
    if not root.is_dir():
        return 0
    pending_ids = ImportBatch.objects.exclude(status=Status.COMMITTED).values_list("public_id", flat=True)
    keep = {str(pid) for pid in pending_ids} | set(skip)
    cutoff = (now - RETENTION).timestamp()
    removed = 0
    for folder in root.iterdir():
        if folder.name in keep or not folder.is_dir() or newest_mtime(folder) > cutoff:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += not folder.exists()
    return removed


def newest_mtime(folder: Path) -> float:
    return max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.iterdir())])
