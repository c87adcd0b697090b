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
from .processing import Status, fail_if_stale, is_stale, load_report, retry_step
from .report import Report

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
        # The batch, its audit event and its task row commit together (the database task backend).
        with transaction.atomic():
            batch.save()
            audit.record(
                "screening.import.uploaded",
                actor=by,
                request=request,
                obj=batch,
                detail={"kind": str(inspected.kind), "bytes": inspected.size},
            )
            tasks.validate_import.enqueue(batch.pk)
    except IntegrityError:
        storage.discard(batch)
        raise AlreadyUploaded(ImportBatch.objects.get(campaign=campaign, sha256=inspected.sha256)) from None
    return batch


def exclude_rows(batch: ImportBatch, rows: Iterable[int], *, by: Any, request: Any = None) -> None:
    """Replace the excluded rows and check the file again (the change, its audit event and task at once)."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in EXCLUDABLE:
            raise DomainError(_("当前状态下不能修改排除的行。"))
        _restart_check(locked, sorted(set(rows)))
        audit.record(
            "screening.import.rows_excluded",
            actor=by,
            request=request,
            obj=locked,
            detail={"excluded": len(locked.excluded_rows)},
        )
        tasks.validate_import.enqueue(locked.pk)
    _copy_state(locked, batch)


def request_commit(batch: ImportBatch, *, by: Any, request: Any = None) -> None:
    """Claim the batch for one commit (a second click finds it COMMITTING) and enqueue it."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        dead_commit = locked.status == Status.COMMITTING and is_stale(locked)
        report = load_report(locked)
        checked = report.preview is not None and not report.blocking
        if (locked.status not in COMMITTABLE or not checked) and not dead_commit:
            raise DomainError(_("当前状态下不能导入：请先处理报告中的错误。"))
        _restart_commit(locked, report)
        audit.record("screening.import.commit_requested", actor=by, request=request, obj=locked)
        tasks.commit_import.enqueue(locked.pk, by.pk if by is not None else None)
    _copy_state(locked, batch)


def retry_import(batch: ImportBatch, *, by: Any, request: Any = None) -> str:
    """"重试" on a failed batch (a commit that failed or was interrupted, a check that was interrupted).

    A commit whose check had passed is committed again; otherwise the file is checked again. A batch still
    running past its deadline is first marked failed. Returns the step started ("check" or "commit").
    """
    fail_if_stale(batch)
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        report = load_report(locked)
        step = retry_step(locked, report)
        if step is None:
            raise DomainError(_("这条导入记录现在不需要重试。"))
        if step == "commit":
            _restart_commit(locked, report)
        else:
            _restart_check(locked, locked.excluded_rows)
        audit.record("screening.import.retried", actor=by, request=request, obj=locked, detail={"step": step})
        if step == "commit":
            tasks.commit_import.enqueue(locked.pk, by.pk if by is not None else None)
        else:
            tasks.validate_import.enqueue(locked.pk)
    _copy_state(locked, batch)
    return step


def _restart_check(batch: ImportBatch, excluded: list[int]) -> None:
    report = load_report(batch)
    report.checking_since = timezone.now().isoformat()
    batch.report = report.to_json()
    batch.excluded_rows = excluded
    batch.status = Status.VALIDATING
    batch.progress = 0
    batch.save(update_fields=["report", "excluded_rows", "status", "progress"])


def _restart_commit(batch: ImportBatch, report: Report) -> None:
    report.commit = {"started_at": timezone.now().isoformat()}
    batch.report = report.to_json()
    batch.status = Status.COMMITTING
    batch.progress = 0
    batch.save(update_fields=["report", "status", "progress"])


def _copy_state(source: ImportBatch, target: ImportBatch) -> None:
    for name in ("status", "report", "excluded_rows", "progress"):
        setattr(target, name, getattr(source, name))
