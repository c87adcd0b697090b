"""Uploads at rest: the stored workbook is sealed with the field encryption, never written in the clear
(not even to a temporary file), decrypted in memory by the check, and gone after the commit or purge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils import timezone

from lbc import crypto
from lbc.imports.files import ZIP_MAGIC
from lbc.models import Child
from screening.imports import storage
from screening.imports.purge import purge_abandoned
from screening.models import ImportBatch
from tests.conftest import World
from tests.factories import make_child

from .test_imports_data import (
    batch_url,
    grant_consent,
    header,
    latest_batch,
    media,  # noqa: F401 (fixture)
    row_for,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def pupils(world: World) -> list[Child]:
    kids = [
        make_child(world.v1, world.s1, world.class1, family_name="钱", given_name=f"小{n}") for n in "甲乙"
    ]
    for kid in kids:
        grant_consent(kid)
    return [world.c1, *kids]


def send(client: Any, world: World, pupils: list[Child]) -> ImportBatch:
    data = xlsx_bytes(header(world.camp1), [row_for(child) for child in pupils])
    response = upload(client, world.camp1, "五年级.xlsx", data)
    assert response.status_code == 302, response.content.decode()[:300]
    return latest_batch(world.camp1)


def on_disk(batch: ImportBatch, settings: Any) -> bytes:
    return (Path(settings.MEDIA_ROOT) / batch.stored_file).read_bytes()


def test_the_stored_upload_is_sealed_and_the_check_reads_it_in_memory(
    login: Any, world: World, pupils: list[Child], settings: Any
) -> None:
    batch = send(login("counsellor"), world, pupils)
    raw = on_disk(batch, settings)
    assert raw.startswith(crypto.FILE_MAGIC)
    assert ZIP_MAGIC not in raw  # no xlsx (zip) in the clear
    for child in pupils:
        assert child.id_number.encode() not in raw
    assert batch.status == ImportBatch.Status.READY and batch.total_rows == 3  # the check still works
    assert storage.read(batch).startswith(ZIP_MAGIC)
    assert crypto.file_key_id(raw) == crypto.keys().encryption.active


def test_a_sealed_upload_does_not_open_under_another_batch(
    login: Any, world: World, pupils: list[Child], settings: Any
) -> None:
    batch = send(login("counsellor"), world, pupils)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(on_disk(batch, settings), f"imports/{batch.public_id}/another.xlsx")


def test_a_large_upload_never_goes_to_a_temporary_file(
    login: Any, world: World, pupils: list[Child], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # Django would spool anything larger to disk

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the upload was written to a temporary file")

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", refuse)
    batch = send(login("counsellor"), world, pupils)
    assert batch.status == ImportBatch.Status.READY


def test_the_file_is_gone_after_the_commit(
    login: Any, world: World, pupils: list[Child], settings: Any
) -> None:
    client = login("counsellor")
    batch = send(client, world, pupils)
    path = Path(settings.MEDIA_ROOT) / batch.stored_file
    assert path.exists()
    assert client.post(batch_url("screening:import-commit", batch)).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert not path.exists() and not path.parent.exists() and batch.stored_file == ""


def test_the_file_is_gone_after_the_purge(
    login: Any, world: World, pupils: list[Child], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    batch = send(login("counsellor"), world, pupils)
    path = Path(settings.MEDIA_ROOT) / batch.stored_file
    then = timezone.now() - dt.timedelta(days=8)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=then, finished_at=then)
    with django_capture_on_commit_callbacks(execute=True):
        purge_abandoned(timezone.now())
    assert not ImportBatch.objects.filter(pk=batch.pk).exists()
    assert not path.exists()

