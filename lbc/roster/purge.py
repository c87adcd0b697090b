"""Deleting roster imports never committed (data minimisation, SECURITY.md).

An uncommitted import keeps the file's rows (encrypted) in ``RosterImport.staged``. After ``RETENTION``
since the upload the import is deleted. Committed imports stay as the record of what was imported (their
staged rows were erased at the commit). The audit event carries a count only.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from lbc import audit
from lbc.models import RosterImport

logger = logging.getLogger(__name__)
RETENTION = dt.timedelta(days=7)


def purge_abandoned(now: dt.datetime) -> int:
    """Periodic job: delete the imports not committed within RETENTION of their upload; returns how many."""
    with transaction.atomic():
        stale = RosterImport.objects.exclude(status=RosterImport.Status.COMMITTED).filter(
            created_at__lt=now - RETENTION
        )
        count, _deleted = stale.delete()
        if count:
            audit.record("lbc.roster.purged", detail={"imports": count})
    if count:
        logger.info("purged %d abandoned roster imports", count)
    return count
