"""What the background tasks do with a batch: validate it (with a preview), or commit it.

Both read the stored file again and validate it against the registry as it is now (a consent may
have been withdrawn since the upload). A commit that fails for any reason leaves nothing written and
the batch FAILED. Transient database errors (a locked SQLite database, a PostgreSQL deadlock...) are
retried with backoff (``lbc.transient``), then the batch is FAILED with the reason; a worker killed
mid-task leaves the batch checking or committing, which ``is_stale`` turns, past its deadline, into a
failure the user may retry ("重试", ``batches.retry_import``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePath

from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lbc import audit
from lbc.imports.files import FileKind, FileRejected
from lbc.imports.reading import read_table
from lbc.transient import is_transient, retry_transient
from screening.models import Campaign, ImportBatch

from . import storage
from .commit import new_rows, write_batch
from .report import Level, Preview, Problem, Report
from .scoring import ScoredRow, score_rows
from .validation import Validation, validate

logger = logging.getLogger(__name__)
# The deadline of a running check or commit; the tasks' retries (lbc.transient) end well before it.
STALE_AFTER = dt.timedelta(minutes=10)  # a commit of the largest file takes seconds
Status = ImportBatch.Status
STALE_CHECK = gettext_lazy("检查被中断（后台任务可能被终止），没有写入任何数据。请点击“重试”重新检查。")
STALE_COMMIT = gettext_lazy("导入被中断（后台任务可能被终止），已全部撤销，没有写入任何数据。请点击“重试”。")
BUSY_CHECK = gettext_lazy("数据库繁忙，多次重试后检查仍未完成，没有写入任何数据。请稍后点击“重试”。")
BUSY_COMMIT = gettext_lazy(
    "数据库繁忙，多次重试后导入仍未完成，已全部撤销，没有写入任何数据。请稍后点击“重试”。"
)


def load_report(batch: ImportBatch) -> Report:
    return Report.from_json(batch.report)


def set_progress(batch_id: int, percent: int) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(progress=percent)


def validate_file(batch: ImportBatch, progress: bool = False) -> Validation:
    kind = FileKind(PurePath(batch.stored_file).suffix.lstrip("."))
    try:
        table = read_table(storage.read(batch), kind, batch.filename)
    except FileRejected as exc:
        return Validation(Report(problems=[Problem(None, _("文件"), "", exc.message, Level.ERROR)]))
    except FileNotFoundError:
        message = _("上传的文件已不在服务器上（可能已导入或已清理）。请重新上传。")
        return Validation(Report(problems=[Problem(None, _("文件"), "", message, Level.ERROR)]))
    step = (lambda percent: set_progress(batch.pk, percent)) if progress else None
    return validate(table, batch.campaign, set(batch.excluded_rows), step)


def preview_of(campaign: Campaign, scored: Sequence[ScoredRow]) -> Preview:
    fresh, already = new_rows(campaign, scored)
    tiers = Counter(str(row.decision.tier) for _key, row in fresh)
    critical = sum(1 for _key, row in fresh if row.raises_red)
    return Preview(rows=len(fresh), tiers=dict(tiers), critical=critical, already_imported=already)


def run_validation(batch_id: int) -> str:
    """The check task: transient database errors are retried, then the batch fails with a retry button."""
    try:
        return retry_transient(lambda: _validate_once(batch_id), what=f"import check {batch_id}")
    except (OperationalError, InterfaceError) as exc:
        if not is_transient(exc):
            raise
        logger.error("import check %s gave up on a busy database", batch_id)
        return _give_up(batch_id, Status.VALIDATING, BUSY_CHECK)


def _validate_once(batch_id: int) -> str:
    batch = ImportBatch.objects.select_related("campaign").get(pk=batch_id)
    if batch.status != Status.VALIDATING:
        return str(batch.status)
    try:
        result = validate_file(batch, progress=True)
        report = result.report
        if not report.blocking:
            report.preview = preview_of(
                batch.campaign, score_rows(batch.campaign.instrument_keys(), result.rows)
            )
    except Exception as exc:
        if is_transient(exc):
            raise
        logger.error("import validation failed: %s", type(exc).__name__)
        message = _("检查文件时出现意外错误，没有写入任何数据。请重新上传；如果再次出现，请联系管理员。")
        report = Report(problems=[Problem(None, _("文件"), "", message, Level.ERROR)])
    status = Status.INVALID if report.blocking else Status.READY
    # Only a batch still being checked: one marked interrupted meanwhile (and perhaps retried) is left be.
    written = ImportBatch.objects.filter(pk=batch.pk, status=Status.VALIDATING).update(
        report=report.to_json(),
        total_rows=report.data_rows,
        status=status,
        progress=100,
        finished_at=timezone.now(),
    )
    return str(status) if written else str(ImportBatch.objects.get(pk=batch.pk).status)


def run_commit(batch_id: int, user_id: int | None) -> str:
    """The commit task: transient database errors are retried (each try rolled back whole), then FAILED."""
    try:
        return retry_transient(lambda: _commit_once(batch_id, user_id), what=f"import commit {batch_id}")
    except (OperationalError, InterfaceError) as exc:
        if not is_transient(exc):
            raise
        logger.error("import commit %s gave up on a busy database, nothing written", batch_id)
        return _give_up(batch_id, Status.COMMITTING, BUSY_COMMIT)


def _commit_once(batch_id: int, user_id: int | None) -> str:
    batch = ImportBatch.objects.select_related("campaign").get(pk=batch_id)
    if batch.status != Status.COMMITTING:
        return str(batch.status)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    started = load_report(batch).commit
    try:
        result = validate_file(batch)
        if result.report.blocking:
            return _refuse_changed(batch, result.report, started)
        scored = score_rows(batch.campaign.instrument_keys(), result.rows)
        result.report.preview = preview_of(batch.campaign, scored)
        result.report.commit = started
        batch.report = result.report.to_json()
        write_batch(batch, scored, by=user)
    except Exception as exc:
        if is_transient(exc):
            raise  # rolled back whole: tried again
        logger.error("import commit failed, nothing written: %s", type(exc).__name__)
        mark_failed(batch, started)
        return str(Status.FAILED)
    storage.discard(batch)
    ImportBatch.objects.filter(pk=batch.pk).update(stored_file="")
    return str(Status.COMMITTED)


def _give_up(batch_id: int, step: str, message: str | Promise) -> str:
    """Retries used up: FAILED with the reason (itself retried; if that fails too, the deadline does it)."""

    def mark() -> bool:
        return interrupt(ImportBatch.objects.get(pk=batch_id), step, message, "database_busy")

    retry_transient(mark, what=f"marking import {batch_id} failed")
    return str(ImportBatch.objects.get(pk=batch_id).status)


def _refuse_changed(batch: ImportBatch, report: Report, started: dict[str, str]) -> str:
    """The registry changed since the check (a consent withdrawn...): show the new problems, write nothing."""
    report.commit = {
        **started,
        "error": _("导入前重新检查时发现了新的问题（例如同意已撤回），没有写入任何数据。"),
    }
    ImportBatch.objects.filter(pk=batch.pk, status=Status.COMMITTING).update(
        status=Status.INVALID, report=report.to_json(), progress=100, finished_at=timezone.now()
    )
    return str(Status.INVALID)


def mark_failed(batch: ImportBatch, started: dict[str, str], message: str | None = None) -> int:
    """FAILED, unless another run finished the batch meanwhile; returns 1 when it was marked."""
    current = ImportBatch.objects.filter(pk=batch.pk).values_list("report", flat=True).first() or ""
    report = Report.from_json(current)
    report.commit = {
        **started,
        "error": message or _("导入过程中出错，已全部撤销，没有写入任何数据。可以重试导入。"),
    }
    return ImportBatch.objects.filter(pk=batch.pk, status=Status.COMMITTING).update(
        status=Status.FAILED, report=report.to_json(), finished_at=timezone.now()
    )


def commit_started_at(batch: ImportBatch) -> dt.datetime | None:
    raw = load_report(batch).commit.get("started_at")
    return dt.datetime.fromisoformat(raw) if raw else None


def check_started_at(batch: ImportBatch) -> dt.datetime:
    raw = load_report(batch).checking_since
    return dt.datetime.fromisoformat(raw) if raw else batch.created_at


def is_stale(batch: ImportBatch, now: dt.datetime | None = None) -> bool:
    """Still checking or committing long after it started: the worker died (a commit rolled back)."""
    now = now or timezone.now()
    if batch.status == Status.COMMITTING:
        started = commit_started_at(batch)
        return started is None or now - started > STALE_AFTER
    if batch.status == Status.VALIDATING:
        return now - check_started_at(batch) > STALE_AFTER
    return False


def interrupt(batch: ImportBatch, step: str, message: str | Promise, reason: str) -> bool:
    """A check or commit that will not finish becomes FAILED with ``message``, audited; nothing was written.

    Only if the batch is still at ``step`` (a worker that finished meanwhile wins). The batch page then
    offers "重试" (``retry_step``): a commit is tried again, an interrupted check runs again.
    """
    with transaction.atomic():
        if step == Status.COMMITTING:
            marked = mark_failed(batch, load_report(batch).commit, str(message))
        else:
            earlier = load_report(batch)  # its row count still describes the file
            problem = Problem(None, _("文件"), "", str(message), Level.ERROR)
            report = Report(sheet=earlier.sheet, data_rows=earlier.data_rows, problems=[problem])
            marked = ImportBatch.objects.filter(pk=batch.pk, status=Status.VALIDATING).update(
                status=Status.FAILED, report=report.to_json(), progress=100, finished_at=timezone.now()
            )
        if marked:
            audit.record(
                "screening.import.interrupted",
                obj=batch,
                detail={"step": "commit" if step == Status.COMMITTING else "check", "reason": reason},
            )
    return bool(marked)


def fail_if_stale(batch: ImportBatch, now: dt.datetime | None = None) -> bool:
    """A check or commit running past its deadline is shown as failed, with a retry button."""
    if not is_stale(batch, now):
        return False
    if batch.status == Status.COMMITTING:
        interrupt(batch, Status.COMMITTING, STALE_COMMIT, "stale")
    else:
        interrupt(batch, Status.VALIDATING, STALE_CHECK, "stale")
    batch.refresh_from_db()
    return True


def retry_step(batch: ImportBatch, report: Report) -> str | None:
    """What "重试" does for a failed batch: commit again when its check had passed, else check again."""
    if batch.status != Status.FAILED:
        return None
    return "commit" if report.preview is not None and not report.blocking else "check"
