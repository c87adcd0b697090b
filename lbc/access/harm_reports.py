"""Mandatory reports of suspected harm (强制报告).

Anyone holding a role may file. A report is handled by the memberships whose role handles reports
(township supervisors, county administrators) and whose scope holds the report's township or county;
only they read the narrative and see who filed it. The reporter sees the receipt and status of their
own reports, nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from lbc.access.roles import Can
from lbc.access.scope import Place, UserLike, UserScope, any_of, covers, parse_public_id, scope_of, scope_q
from lbc.models import HarmReport, Region

HARM_REPORT = Place({Region.Level.TOWNSHIP: "township_id", Region.Level.COUNTY: "county_id"})


@dataclass(frozen=True)
class HarmReportRights:
    handler: bool = False  # reads the narrative, sees the reporter, changes the status
    reporter: bool = False  # filed it: sees its receipt and status


def require_reporter(user: UserLike) -> UserScope:
    """403 for an account without any role: every role may file a report."""
    scope = scope_of(user)
    if not scope.memberships:
        raise PermissionDenied
    return scope


def _handled(user: UserLike) -> Q | None:
    return any_of(scope_q(m, HARM_REPORT) for m in scope_of(user).holding(Can.HANDLE_HARM_REPORTS))


def is_harm_report_handler(user: UserLike) -> bool:
    return _handled(user) is not None


def harm_reports_for(user: UserLike) -> QuerySet[HarmReport]:
    """Reports the user handles; 403 for every role that handles none (volunteers, teachers, ...)."""
    condition = _handled(user)
    if condition is None:
        raise PermissionDenied
    return HarmReport.objects.filter(condition)


def own_harm_reports_for(user: UserLike) -> QuerySet[HarmReport]:
    """The reports the user filed (receipt and status only are shown from these)."""
    require_reporter(user)
    return HarmReport.objects.filter(reporter_id=user.pk)


def get_harm_report_for_user(
    user: UserLike, public_id: Any, *, handle: bool = False
) -> tuple[HarmReport, HarmReportRights]:
    """A report for its handlers or its reporter: 404 for anyone else, 403 (``handle``) for the reporter."""
    pid = parse_public_id(public_id)
    report = HarmReport.objects.select_related("child", "township", "county").filter(public_id=pid).first()
    if report is None or not user.is_authenticated:
        raise Http404
    scope = scope_of(user)
    rights = HarmReportRights(
        handler=any(covers(m, report, HARM_REPORT) for m in scope.holding(Can.HANDLE_HARM_REPORTS)),
        reporter=report.reporter_id == user.pk and bool(scope.memberships),
    )
    if not rights.handler and not rights.reporter:
        raise Http404
    if handle and not rights.handler:
        raise PermissionDenied
    return report, rights
