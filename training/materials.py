"""Uploading a program's materials (handbooks, handouts, recordings) into private storage.

Only a few harmless formats are accepted, recognised by their first bytes rather than by the file
name; files are stored under a random name and served only after ``training.access.get_material_for_user``.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from lbc import audit
from lbc.services.errors import DomainError

from .models import Material, Program

MAX_BYTES = 20 * 1024 * 1024
# (content type, extension, test on the first bytes)
FORMATS: tuple[tuple[str, str, Any], ...] = (
    ("application/pdf", "pdf", lambda head: head.startswith(b"%PDF-")),
    ("image/png", "png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ("image/jpeg", "jpg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ("audio/mpeg", "mp3", lambda head: head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3")),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    for content_type, extension, test in FORMATS:
        if test(head):
            return content_type, extension
    return None


def add_material(program: Program, *, by: Any, title: str, upload: Any, request: Any = None) -> Material:
    """Store an uploaded file for ``program``; refused with a Chinese message if too big or not a PDF,
    PNG, JPEG or MP3 file."""
    title = title.strip()
    if not title:
        raise DomainError(_("请填写资料标题。"))
    size = int(getattr(upload, "size", 0) or 0)
    if size > MAX_BYTES:
        raise DomainError(_("文件太大：最多20MB。"))
    if size == 0:
        raise DomainError(_("文件是空的。"))
    upload.seek(0)
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise DomainError(_("文件太大：最多20MB。"))
    kind = sniff(content[:16])
    if kind is None:
        raise DomainError(_("只能上传PDF、PNG、JPEG图片或MP3音频文件。"))
    content_type, extension = kind
    original = str(getattr(upload, "name", "") or "")[-200:]
    with transaction.atomic():
        material = Material(
            program=program,
            title=title[:120],
            original_name=original,
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=by,
        )
        material.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(content), save=False)
        try:
            material.save()
            audit.record(
                "training.material.added",
                actor=by,
                request=request,
                obj=material,
                detail={"program": str(program.public_id), "bytes": len(content), "type": content_type},
            )
        except BaseException:
            material.file.delete(save=False)
            raise
    return material


def remove_material(material: Material, *, by: Any, request: Any = None) -> None:
    with transaction.atomic():
        audit.record("training.material.removed", actor=by, request=request, obj=material)
        name = material.file.name
        material.delete()
        transaction.on_commit(lambda: material.file.storage.delete(name))
