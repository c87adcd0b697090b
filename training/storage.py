"""Where uploaded training materials live: a private directory, never under MEDIA_ROOT or STATIC_ROOT.

Files are only ever served by a view that first calls ``lbc.access.get_material_for_user``; the web
server has no route to this directory.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def material_root() -> Path:
    return Path(getattr(settings, "LBC_TRAINING_MATERIAL_ROOT", settings.VAR_DIR / "private" / "training"))


def material_storage() -> FileSystemStorage:
    """A callable, so migrations hold a reference to it rather than a machine's path."""
    return FileSystemStorage(location=str(material_root()), base_url=None)
