"""Upload handlers of the import pages: ``SizeLimitHandler`` stops keeping a file once it passes the size
limit, so an oversized upload never fills memory; the view then says the file is too large.
``InMemoryHandler`` after it keeps every upload in memory whatever FILE_UPLOAD_MAX_MEMORY_SIZE says:
Django's default handlers would spool an upload above 2.5 MB to a temporary file, and a workbook of
ID numbers and answers must never reach the disk in the clear. Use them as
``request.upload_handlers = upload_handlers(request, limit)`` before the body is read."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, MemoryFileUploadHandler, SkipFile

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


class InMemoryHandler(MemoryFileUploadHandler):
    """Keeps every upload in memory (the size handler before it bounds it), never in a temporary file."""

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> None:
        super().handle_raw_input(*args, **kwargs)
        self.activated = True


def upload_handlers(request: Any, limit: int = MAX_BYTES) -> list[FileUploadHandler]:
    """The only handlers of an import upload: bounded, and in memory."""
    return [SizeLimitHandler(request, limit=limit), InMemoryHandler(request)]
