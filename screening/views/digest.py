"""The township digest download: gathers the figures and renders ``screening.pdfs.digest``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lbc import audit
from lbc.access import UserLike
from lbc.models import Region
from lbc.reporting.pdf import render_pdf
from screening.access import get_trend_region_for_user, warnings_for
from screening.pdfs.digest import TownshipDigestReport, warning_counts
from screening.trends.display import EwmaSpec, TrendTable
from screening.views.trends import trend_page_for
from screening.warnings.state import OPEN_STATES


def digest_for(user: UserLike, township: Region, now: dt.datetime) -> TownshipDigestReport:
    open_warnings = warnings_for(user).filter(township=township, state__in=list(OPEN_STATES))
    found = trend_page_for(township, None)
    if found is not None:
        terms, ewma = found[0].terms, found[0].ewma
    else:  # nothing screened yet: the warnings part still stands
        terms = TrendTable(_("各学期"), (), ())
        ewma = EwmaSpec(_("各学期阳性率与EWMA"), (), (), (), (), (), 0.0, ())
    return TownshipDigestReport(
        township=township,
        counts=warning_counts(open_warnings, now),
        terms=terms,
        ewma=ewma,
        generated_by=user.get_username(),
        generated_at=timezone.localtime(now),
    )


@login_required
@require_GET
def township_digest(request: HttpRequest, public_id: Any) -> HttpResponse:
    township = get_trend_region_for_user(request.user, public_id)
    if township.level != Region.Level.TOWNSHIP:
        raise Http404
    report = digest_for(request.user, township, timezone.now())
    audit.record("screening.digest.exported", request=request, obj=township, detail={"format": "pdf"})
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="township-digest-{township.public_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
