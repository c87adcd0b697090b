"""What the two upload pages (regions, staff roster) share: reading the file and the signed preview.

Between the preview and the confirmation nothing is stored on the server: the preview page carries the
checked rows in a hidden field, signed for this administrator and valid for an hour, and the
confirmation re-checks them against the database before writing anything.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import HttpRequest
from django.utils.translation import gettext as _

from lbc.manage_forms import TableUploadForm
from lbc.services.errors import DomainError
from lbc.tables import Table, TableRejected, read_table

PREVIEW_MAX_AGE = 3600


def uploaded_table(request: HttpRequest, form: TableUploadForm) -> Table | None:
    """The uploaded file as a table, or None with the reason added to the form."""
    if not form.is_valid():
        return None
    upload = form.cleaned_data["file"]
    try:
        return read_table(upload.name, upload.read(2 * 1024 * 1024))
    except TableRejected as exc:
        form.add_error("file", exc.message)
        return None


def _salt(kind: str, request: HttpRequest) -> str:
    return f"lbc.manage.{kind}.{request.user.pk}"


def sign_preview(kind: str, request: HttpRequest, payload: dict[str, Any]) -> str:
    return signing.dumps(payload, salt=_salt(kind, request), compress=True)


def read_preview(kind: str, request: HttpRequest) -> dict[str, Any]:
    """The payload signed on the preview page; refused when missing, altered, another user's or old."""
    try:
        payload = signing.loads(request.POST.get("preview", ""), salt=_salt(kind, request),
                                max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        raise DomainError(_("预览已超过1小时，请重新上传文件。")) from None
    except signing.BadSignature:
        raise DomainError(_("预览数据无效，请重新上传文件。")) from None
    if not isinstance(payload, dict):
        raise DomainError(_("预览数据无效，请重新上传文件。"))
    return payload
