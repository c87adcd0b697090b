"""Where uploaded training materials live: a private directory, never under MEDIA_ROOT or STATIC_ROOT.

Files are only ever served by a view that first calls ``training.access.get_material_for_user``; the web
server has no route to this directory. The directory is ``settings.LBC_TRAINING_MATERIAL_ROOT`` if set,
else ``VAR_DIR/private/training``, read at each use (so tests and deployments can move it).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def material_root() -> Path:
    return Path(getattr(settings, "LBC_TRAINING_MATERIAL_ROOT", settings.VAR_DIR / "private" / "training"))


class MaterialStorage(FileSystemStorage):
    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(material_root())

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def material_storage() -> FileSystemStorage:
    """A callable, so migrations hold a reference to it rather than a machine's path."""
    return MaterialStorage()
