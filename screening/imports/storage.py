"""Uploaded files wait under MEDIA_ROOT/imports/<batch public id>/ under a random name until the commit.

The bytes on disk are sealed with the field encryption (``lbc.crypto.encrypt_bytes``, the key id in the
blob, the path under MEDIA_ROOT bound in as associated data): a workbook of ID numbers and answers is
never written in the clear, not even to a temporary file (the upload views keep uploads in memory,
``lbc.imports.uploads``). The check and the commit decrypt it in memory (``read``). The file is
deleted when the batch is committed or purged; ``manage.py rotate_keys`` re-encrypts the files still
waiting (``lbc.rotation.rotate_encrypted_files``) and ``--retire`` counts them.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from django.conf import settings

from lbc import crypto
from screening.models import ImportBatch

FOLDER = "imports"


def batch_folder(batch: ImportBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER / str(batch.public_id)


def store(batch: ImportBatch, data: bytes, suffix: str) -> str:
    """Write the upload encrypted, with a random name; returns the path relative to MEDIA_ROOT."""
    folder = batch_folder(batch)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{secrets.token_hex(16)}.{suffix}"
    relative = f"{FOLDER}/{batch.public_id}/{name}"
    sealed = crypto.encrypt_bytes(data, relative)
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(sealed)
    return relative


def path_of(batch: ImportBatch) -> Path:
    if not batch.stored_file:
        raise FileNotFoundError(batch.public_id)
    root = (Path(settings.MEDIA_ROOT) / FOLDER).resolve()
    path = (Path(settings.MEDIA_ROOT) / batch.stored_file).resolve()
    if root not in path.parents:
        raise FileNotFoundError(batch.public_id)
    return path


def read(batch: ImportBatch) -> bytes:
    """The uploaded bytes, decrypted in memory (FileNotFoundError when the file is gone)."""
    return crypto.decrypt_bytes(path_of(batch).read_bytes(), batch.stored_file)


def discard(batch: ImportBatch) -> None:
    """Delete the stored file and its folder (after the commit, or when the upload is refused)."""
    shutil.rmtree(batch_folder(batch), ignore_errors=True)
