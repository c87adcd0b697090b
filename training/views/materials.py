"""Material downloads, served through Django after the access check (never a public media URL)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from lbc import audit
from training.access import get_material_for_user


@login_required
@require_GET
def material_download(request: HttpRequest, public_id: Any) -> FileResponse:
    material = get_material_for_user(request.user, public_id)
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit.record("training.material.downloaded", request=request, obj=material)
    response = FileResponse(
        handle, as_attachment=True, filename=material.original_name, content_type=material.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
