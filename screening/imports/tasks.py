"""Background tasks of the import (django.tasks API; the backend is configuration)."""

from __future__ import annotations

from django_tasks import task

from . import processing


@task()
def validate_import(batch_id: int) -> str:
    """Check every cell of a stored upload and write the report and preview onto the batch."""
    return processing.run_validation(batch_id)


@task()
def commit_import(batch_id: int, user_id: int | None) -> str:
    """Write a checked batch in one transaction; FAILED with nothing written on any error."""
    return processing.run_commit(batch_id, user_id)
