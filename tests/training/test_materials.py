"""Materials: only a few harmless formats, recognised by content, stored outside any served directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lbc.services.errors import DomainError
from tests.conftest import World
from training import materials
from training.materials import add_material, remove_material
from training.models import Material

from .helpers import make_program

PDF = b"%PDF-1.4\n% synthetic handbook\n"


@pytest.fixture
def private(settings: Any, tmp_path: Path) -> Path:
    settings.LBC_TRAINING_MATERIAL_ROOT = tmp_path / "private"
    return settings.LBC_TRAINING_MATERIAL_ROOT


def test_a_pdf_handbook_is_stored_privately_under_a_random_name(
    world: World, private: Path, settings: Any
) -> None:
    program = make_program(world.county)
    material = add_material(
        program,
        by=world.user("trainer"),
        title="隔代教育手册（合成）",
        upload=SimpleUploadedFile("隔代教育.pdf", PDF),
    )
    path = Path(material.file.path)
    assert path.is_relative_to(private) and path.read_bytes() == PDF
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT)) and "隔代" not in path.name
    assert (material.content_type, material.size, material.original_name) == (
        "application/pdf",
        len(PDF),
        "隔代教育.pdf",
    )
    remove_material(material, by=world.user("trainer"))
    assert not Material.objects.filter(pk=material.pk).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("handbook.pdf", b"<html>not a pdf</html>", "只能上传PDF"),
        ("a.exe", b"MZ\x90\x00", "只能上传PDF"),
        ("empty.pdf", b"", "文件是空的"),
    ],
)
def test_other_files_are_refused(
    world: World, private: Path, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        add_material(
            make_program(world.county),
            by=world.user("trainer"),
            title="资料",
            upload=SimpleUploadedFile(name, content),
        )
    assert not Material.objects.exclude(pk=world.tm1.pk).exists()
    assert not private.exists() or not any(private.rglob("*.*"))


def test_files_over_the_limit_are_refused(
    world: World, private: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(materials, "MAX_BYTES", 10)
    with pytest.raises(DomainError, match="文件太大"):
        add_material(
            make_program(world.county),
            by=world.user("trainer"),
            title="资料",
            upload=SimpleUploadedFile("big.pdf", PDF),
        )
