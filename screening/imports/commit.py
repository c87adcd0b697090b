"""Writing a validated batch: one transaction, bulk inserts, latest tiers, warnings, one audit event.

``source_key`` (sha256 of campaign, child and the row's answers) is unique per campaign, so a row
imported once, from this file or any other, is never imported again.

The rows are built by ``assessment_row``/``response_row`` like every other screening, then inserted
with one ``executemany`` per table. Each value is prepared by its own field (encryption, JSON,
dates) exactly as ``bulk_create`` prepares it; what is skipped is bulk_create's per-value SQL
compilation in batches of 999 parameters, which was the slowest step of a 3,000-row commit.
The new assessments' ids are read back by their source keys.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from lbc import audit
from lbc.imports.bulk import insert_rows
from screening.assessments.recording import assessment_row, response_row, set_latest_tier
from screening.models import Assessment, Campaign, ImportBatch, Response
from screening.warnings.raising import raise_warnings

from .scoring import ScoredRow


@dataclass(frozen=True)
class Written:
    created: int
    already_imported: int
    tiers: dict[str, int]
    critical: int


def source_key(campaign: Campaign, row: ScoredRow) -> str:
    answers = [
        [s.code, s.version, sorted((str(k), v) for k, v in s.answers.items()), s.seconds] for s in row.sources
    ]
    body = json.dumps([campaign.pk, row.child.pk, row.on.isoformat(), answers], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def existing_keys(campaign: Campaign, keys: Sequence[str]) -> set[str]:
    found = Assessment.objects.filter(campaign=campaign, source_key__in=list(keys))
    return {key for key in found.values_list("source_key", flat=True) if key}


def new_rows(campaign: Campaign, rows: Sequence[ScoredRow]) -> tuple[list[tuple[str, ScoredRow]], int]:
    keyed = [(source_key(campaign, r), r) for r in rows]
    done = existing_keys(campaign, [k for k, _r in keyed])
    return [(k, r) for k, r in keyed if k not in done], len(done)


def write_batch(batch: ImportBatch, rows: Sequence[ScoredRow], *, by: Any) -> Written:
    """Everything or nothing: on any error the transaction rolls back; the caller marks the batch failed."""
    campaign = batch.campaign
    with transaction.atomic():
        fresh, already = new_rows(campaign, rows)
        assessments = [assessment_for(batch, key, row, by) for key, row in fresh]
        insert_rows(Assessment, assessments)
        ids = dict(Assessment.objects.filter(import_batch=batch).values_list("source_key", "pk"))
        for assessment in assessments:
            assessment.pk = ids[assessment.source_key]
        insert_rows(
            Response,
            [
                response_row(result, source, assessment)
                for assessment, (_key, row) in zip(assessments, fresh, strict=True)
                for result, source in zip(row.results, row.sources, strict=True)
            ],
        )
        set_latest_tier(sorted({row.child.pk for _key, row in fresh}))
        for assessment, (_key, row) in zip(assessments, fresh, strict=True):
            assessment.child = row.child
        raise_warnings(assessments, by=by)
        written = Written(
            created=len(fresh),
            already_imported=already,
            tiers=dict(Counter(str(row.decision.tier) for _key, row in fresh)),
            critical=sum(1 for _key, row in fresh if row.raises_red),
        )
        audit.record(
            "screening.import.committed",
            actor=by,
            obj=batch,
            detail={
                "rows": len(rows),
                "created": written.created,
                "already_imported": already,
                "tiers": written.tiers,
                "critical": written.critical,
            },
        )
        batch.status = ImportBatch.Status.COMMITTED
        batch.created_count = written.created
        batch.progress = 100
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "created_count", "progress", "finished_at", "report"])
    return written


def assessment_for(batch: ImportBatch, key: str, row: ScoredRow, by: Any) -> Assessment:
    assessment = assessment_row(
        row.child,
        row.decision,
        row.context,
        on=row.on,
        mode=Assessment.Mode.IMPORT,
        campaign=batch.campaign,
        consent=row.consent,
        child_assent=None,
        critical=row.critical,
        by=by,
    )
    assessment.import_batch = batch
    assessment.source_key = key
    return assessment
