"""What an importer does with a roster: upload, map the columns, exclude rows, commit. Each step audited.

The upload is read in the request and never written to disk (an upload larger than Django's memory
limit is refused by the view's handler before it reaches a temporary file); its rows are staged
encrypted on the import and erased when the import is committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.access.roster import RosterScope
from lbc.imports.header import no_data_message
from lbc.models import RosterImport, RosterLayout
from lbc.services.errors import DomainError

from .checking import Reference, mapping_problems
from .fields import Field
from .plan import Kind, Plan, build_plan
from .staging import Staged, read_upload, suggested_mapping
from .writing import write_plan

Status = RosterImport.Status


def start_import(scope: RosterScope, name: str, data: bytes, *, by: Any, request: Any = None) -> RosterImport:
    """Check and read the upload; with a layout saved for its header the mapping step is skipped."""
    staged, sha256 = read_upload(name, data)
    if not staged.labels:
        raise DomainError(_("文件中没有任何内容。"))
    if not staged.rows:
        raise DomainError(no_data_message())
    layout = RosterLayout.objects.filter(county=scope.county, signature=staged.signature).first()
    batch = RosterImport(
        county=scope.county,
        school=scope.school,
        filename=PurePath(name).name[:200],
        sha256=sha256,
        signature=staged.signature,
        staged=staged.to_json(),
        total_rows=len(staged.rows),
        uploaded_by=by,
    )
    if layout is not None and len(layout.mapping) == len(staged.labels):
        batch.mapping, batch.status = list(layout.mapping), Status.CHECKED
    else:
        batch.mapping, batch.status = suggested_mapping(staged.labels), Status.MAPPING
    with transaction.atomic():
        batch.save()
        audit.record(
            "lbc.roster.uploaded",
            actor=by,
            request=request,
            obj=batch,
            detail={"rows": batch.total_rows, "bytes": len(data), "layout_known": layout is not None},
        )
    return batch


def staged_of(batch: RosterImport) -> Staged:
    if not batch.staged:
        raise DomainError(_("这次导入已经完成，上传的数据已删除。"))
    return Staged.from_json(batch.staged)


def save_mapping(batch: RosterImport, mapping: list[str], *, by: Any, request: Any = None) -> None:
    """Check the mapping, remember it for this header in the county, and go on to the preview."""
    if batch.status == Status.COMMITTED:
        raise DomainError(_("这次导入已经完成。"))
    known = {str(f) for f in Field}
    mapping = [m if m in known else "" for m in mapping]
    problems = mapping_problems(mapping)
    if problems:
        raise DomainError(" ".join(problems))
    labels = staged_of(batch).labels
    with transaction.atomic():
        RosterLayout.objects.update_or_create(
            county=batch.county,
            signature=batch.signature,
            defaults={"labels": labels, "mapping": mapping, "saved_by": by},
        )
        batch.mapping, batch.status = mapping, Status.CHECKED
        batch.save(update_fields=["mapping", "status"])
        audit.record(
            "lbc.roster.mapped",
            actor=by,
            request=request,
            obj=batch,
            detail={"fields": sorted(m for m in mapping if m)},
        )


def exclude_rows(batch: RosterImport, rows: Iterable[int], *, by: Any, request: Any = None) -> None:
    if batch.status != Status.CHECKED:
        raise DomainError(_("当前状态下不能修改排除的行。"))
    present = {n for n, _cells in staged_of(batch).rows}
    with transaction.atomic():
        batch.excluded_rows = sorted(set(rows) & present)
        batch.save(update_fields=["excluded_rows"])
        audit.record(
            "lbc.roster.rows_excluded",
            actor=by,
            request=request,
            obj=batch,
            detail={"excluded": len(batch.excluded_rows)},
        )


def plan_of(batch: RosterImport, scope: RosterScope) -> Plan:
    return build_plan(staged_of(batch), list(batch.mapping), Reference.load(scope), set(batch.excluded_rows))


def commit_import(batch: RosterImport, scope: RosterScope, *, by: Any, request: Any = None) -> dict[str, Any]:
    """Check again against the registry as it is now and write everything, or nothing."""
    try:
        return _commit(batch, scope, by=by, request=request)
    except IntegrityError:  # the same child registered by someone else at this very moment
        raise DomainError(
            _("导入时发现其中有儿童刚刚被其他人登记，没有写入任何数据。请重新检查后再导入。")
        ) from None


def _commit(batch: RosterImport, scope: RosterScope, *, by: Any, request: Any = None) -> dict[str, Any]:
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=batch.pk)
        if locked.status != Status.CHECKED:
            raise DomainError(_("这次导入已经完成，或还没有对应好列，不能导入。"))
        plan = plan_of(locked, scope)
        if plan.blocking:
            raise DomainError(_("文件中还有错误：请修改文件后重新上传，或把有错误的行排除后再导入。"))
        written = write_plan(plan)
        counts = plan.counts
        result = {
            "counts": counts,
            "created": written.created,
            "changed": written.changed,
            "households": written.households,
            "guardians": written.guardians,
        }
        locked.result = result
        locked.status = Status.COMMITTED
        locked.staged = ""  # the file's rows are no longer needed: erase them
        locked.committed_by = by
        locked.committed_at = timezone.now()
        locked.save(update_fields=["result", "status", "staged", "committed_by", "committed_at"])
        audit.record(
            "lbc.roster.committed",
            actor=by,
            request=request,
            obj=locked,
            detail={
                "created": counts[str(Kind.NEW)],
                "changed": counts[str(Kind.CHANGED)],
                "unchanged": counts[str(Kind.UNCHANGED)],
                "excluded": counts[str(Kind.EXCLUDED)],
                "missing": counts["missing"],
                "households": written.households,
                "guardians": written.guardians,
            },
        )
    batch.refresh_from_db()
    return result
