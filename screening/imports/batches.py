"""What a counsellor does with an import: upload a file, exclude rows, commit. Each step is audited.

The heavy work runs in the background tasks; these functions check the state, record the
decision and enqueue.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.imports.files import inspect_upload
from lbc.services.errors import DomainError
from screening.models import Campaign, ImportBatch

from . import storage, tasks
from .processing import Status, is_stale, load_report

EXCLUDABLE = (Status.INVALID, Status.READY, Status.FAILED)
COMMITTABLE = (Status.READY, Status.FAILED)


class AlreadyUploaded(DomainError):
    """The same file was uploaded for this campaign before; ``batch`` is the earlier upload."""

    def __init__(self, batch: ImportBatch) -> None:
        if batch.status == Status.COMMITTED:
            message = _("这个文件已经导入过，没有重复导入。")
        else:
            message = _("这个文件已经上传过：请在原来的导入记录中继续。")
        super().__init__(message)
        self.batch = batch


def start_import(campaign: Campaign, name: str, data: bytes, *, by: Any, request: Any = None) -> ImportBatch:
    """Check the upload, store it, create the batch and enqueue its validation."""
    inspected = inspect_upload(name, data)
    earlier = ImportBatch.objects.filter(campaign=campaign, sha256=inspected.sha256).first()
    if earlier is not None:
        raise AlreadyUploaded(earlier)
    batch = ImportBatch(
        campaign=campaign,
        filename=PurePath(name).name[:200],
        sha256=inspected.sha256,
        uploaded_by=by,
        status=Status.VALIDATING,
    )
    batch.stored_file = storage.store(batch, data, inspected.kind)
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError:
        storage.discard(batch)
        raise AlreadyUploaded(ImportBatch.objects.get(campaign=campaign, sha256=inspected.sha256)) from None
    audit.record(
        "screening.import.uploaded",
        actor=by,
        request=request,
        obj=batch,
        detail={"kind": str(inspected.kind), "bytes": inspected.size},
    )
    tasks.validate_import.enqueue(batch.pk)
    return batch


def exclude_rows(batch: ImportBatch, rows: Iterable[int], *, by: Any, request: Any = None) -> None:
    """Replace the excluded rows and check the file again."""
    if batch.status not in EXCLUDABLE:
        raise DomainError(_("当前状态下不能修改排除的行。"))
    report = load_report(batch)
    report.checking_since = timezone.now().isoformat()
    batch.report = report.to_json()
    batch.excluded_rows = sorted(set(rows))
    batch.status = Status.VALIDATING
    batch.progress = 0
    batch.save(update_fields=["report", "excluded_rows", "status", "progress"])
    audit.record(
        "screening.import.rows_excluded",
        actor=by,
        request=request,
        obj=batch,
        detail={"excluded": len(batch.excluded_rows)},
    )
    tasks.validate_import.enqueue(batch.pk)


def request_commit(batch: ImportBatch, *, by: Any, request: Any = None) -> None:
    """Claim the batch for one commit (a second click finds it COMMITTING) and enqueue it."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        dead_commit = locked.status == Status.COMMITTING and is_stale(locked)
        if locked.status not in COMMITTABLE and not dead_commit:
            raise DomainError(_("当前状态下不能导入：请先处理报告中的错误。"))
        report = load_report(locked)
        report.commit = {"started_at": timezone.now().isoformat()}
        locked.report = report.to_json()
        locked.status = Status.COMMITTING
        locked.progress = 0
        locked.save(update_fields=["report", "status", "progress"])
    audit.record("screening.import.commit_requested", actor=by, request=request, obj=batch)
    tasks.commit_import.enqueue(batch.pk, by.pk if by is not None else None)
