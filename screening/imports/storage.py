"""Uploaded files wait under MEDIA_ROOT/imports/<batch public id>/ under a random name until the commit."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from django.conf import settings

from screening.models import ImportBatch

FOLDER = "imports"


def batch_folder(batch: ImportBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER / str(batch.public_id)


def store(batch: ImportBatch, data: bytes, suffix: str) -> str:
    """Write the upload with a random name; returns the path relative to MEDIA_ROOT."""
    folder = batch_folder(batch)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{secrets.token_hex(16)}.{suffix}"
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return f"{FOLDER}/{batch.public_id}/{name}"


def path_of(batch: ImportBatch) -> Path:
    if not batch.stored_file:
        raise FileNotFoundError(batch.public_id)
    root = (Path(settings.MEDIA_ROOT) / FOLDER).resolve()
    path = (Path(settings.MEDIA_ROOT) / batch.stored_file).resolve()
    if root not in path.parents:
        raise FileNotFoundError(batch.public_id)
    return path


def discard(batch: ImportBatch) -> None:
    """Delete the stored file and its folder (after the commit, or when the upload is refused)."""
    shutil.rmtree(batch_folder(batch), ignore_errors=True)
