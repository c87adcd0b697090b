"""An upload handler that stops keeping a file once it passes the size limit, so an oversized upload
never fills memory or the temporary directory; the view then says the file is too large."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from .files import MAX_BYTES

FLAG = "_import_upload_too_large"


class SizeLimitHandler(FileUploadHandler):
    def __init__(self, request: Any = None, limit: int = MAX_BYTES) -> None:
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            setattr(self.request, FLAG, True)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def too_large(request: Any) -> bool:
    return bool(getattr(request, FLAG, False))
