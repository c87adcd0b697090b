"""Filing and handling mandatory reports of suspected harm (强制报告).

Filing writes the report, its first history row, one outbox message per handler and the audit event
in one transaction: a report is never stored without its alerts, nor an alert sent for a report
that was not stored. Messages carry only the receipt number, never the child or the narrative.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import access, audit
from lbc.access import Can, roles_with
from lbc.models import Child, HarmReport, HarmReportEvent, Membership, Region
from lbc.notifications import Channel, queue_message

from .errors import DomainError

Status = HarmReport.Status

# Without 0/O, 1/I/L: a receipt read out over the phone is not misheard.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_PATTERN = re.compile(rf"^QZ-\d{{4}}-[{RECEIPT_ALPHABET}]{{4}}-[{RECEIPT_ALPHABET}]{{4}}$")
RECEIPT_ATTEMPTS = 8
MAX_NARRATIVE = 5000
MAX_DESCRIPTION = 1000

# Fields a form may write on a new report; anything else in the input is ignored.
REPORT_WRITABLE = (
    "kind", "narrative", "child_description", "place_description", "immediate_danger", "police_called",
)

# Which status may follow which. A closed report may be reopened for review when new facts arrive.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (Status.REVIEWING, Status.REFERRED_POLICE, Status.REFERRED_CIVIL, Status.CLOSED),
    Status.REVIEWING: (Status.REFERRED_POLICE, Status.REFERRED_CIVIL, Status.CLOSED),
    Status.REFERRED_POLICE: (Status.REFERRED_CIVIL, Status.CLOSED),
    Status.REFERRED_CIVIL: (Status.REFERRED_POLICE, Status.CLOSED),
    Status.CLOSED: (Status.REVIEWING,),
}
# A referral or a closure must say to whom, with which case number, or why.
NOTE_REQUIRED = frozenset({Status.REFERRED_POLICE, Status.REFERRED_CIVIL, Status.CLOSED})


def new_receipt(year: int) -> str:
    """``QZ-2026-7KQ3-M9XD``: random (31^8 combinations), so receipts reveal neither order nor count."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    return f"QZ-{year:04d}-{chars[:4]}-{chars[4:]}"


def is_receipt(text: str) -> bool:
    return bool(RECEIPT_PATTERN.match(text))


def next_statuses(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def _clean(data: dict[str, Any], *, with_child: bool) -> dict[str, Any]:
    values = {name: data[name] for name in REPORT_WRITABLE if name in data}
    for name in ("narrative", "child_description", "place_description"):
        values[name] = str(values.get(name) or "").strip()
    if values.get("kind") not in HarmReport.Kind.values:
        raise DomainError(_("请选择疑似侵害的类型。"))
    if not values["narrative"]:
        raise DomainError(_("请简要写下您看到或听到的情况。"))
    if len(values["narrative"]) > MAX_NARRATIVE:
        raise DomainError(_("情况描述最多%(n)s字，请精简后再提交。") % {"n": MAX_NARRATIVE})
    if not with_child and not values["child_description"]:
        raise DomainError(_("请描述这名儿童（姓名或称呼、大约年龄、性别、外貌等您知道的情况）。"))
    if max(len(values["child_description"]), len(values["place_description"])) > MAX_DESCRIPTION:
        raise DomainError(_("儿童情况和地点描述各最多%(n)s字。") % {"n": MAX_DESCRIPTION})
    values["immediate_danger"] = bool(values.get("immediate_danger"))
    values["police_called"] = bool(values.get("police_called"))
    return values


def _save_with_receipt(report: HarmReport) -> None:
    year = timezone.localdate().year
    for _attempt in range(RECEIPT_ATTEMPTS):
        report.receipt = new_receipt(year)
        try:
            with transaction.atomic():
                report.save()
            return
        except IntegrityError:
            if HarmReport.objects.filter(receipt=report.receipt).exists():
                continue  # a receipt collision: draw another
            raise
    raise DomainError(_("暂时无法生成回执号，请再提交一次。"))


def report_handlers(township: Region) -> list[Any]:
    """Accounts handling reports of this township now: the memberships whose role handles reports and
    whose scope is the township or its county (its supervisors and its county's administrators)."""
    county_id = township.ancestor_at(Region.Level.COUNTY)
    held = Membership.objects.current().filter(
        Q(region_id=township.pk) | Q(region_id=county_id), role__in=roles_with(Can.HANDLE_HARM_REPORTS)
    )
    return list(get_user_model().objects.filter(pk__in=held.values("user_id"), is_active=True).order_by("pk"))


def _alert_text(report: HarmReport) -> str:
    if report.immediate_danger:
        return _(
            "紧急：收到一份强制报告（回执号 %(receipt)s），儿童可能仍处于危险中，请立即登录平台处理。"
        ) % {"receipt": report.receipt}
    return _("收到一份强制报告（回执号 %(receipt)s），请尽快登录平台处理。") % {"receipt": report.receipt}


def _notify_handlers(report: HarmReport) -> int:
    handlers = report_handlers(report.township)
    text = _alert_text(report)
    for user in handlers:
        queue_message(
            kind="lbc.report.filed",
            text=text,
            dedupe_key=f"report:{report.public_id}:to:{user.pk}",
            user=user,
        )
    if not handlers:
        # Nobody holds the township or county: the operators' console must see it, never silence.
        queue_message(
            kind="lbc.report.unhandled",
            text=_("强制报告 %(receipt)s 所在乡镇没有督导员，所在县没有管理员，请立即指定处理人。")
            % {"receipt": report.receipt},
            dedupe_key=f"report:{report.public_id}:unhandled",
            channel=Channel.CONSOLE,
        )
    return len(handlers)


@transaction.atomic
def file_report(
    data: dict[str, Any],
    *,
    by: Any,
    child: Child | None = None,
    township: Region | None = None,
    request: Any = None,
) -> HarmReport:
    """Store a report about ``child`` (registered) or about a child described in words in ``township``."""
    scope = access.require_reporter(by)
    values = _clean(data, with_child=child is not None)
    if child is not None:
        township = child.township
    if township is None or township.level != Region.Level.TOWNSHIP:
        raise DomainError(_("请选择事情发生地所在的乡镇/街道。"))
    county_id = township.ancestor_at(Region.Level.COUNTY)
    if county_id is None:
        raise DomainError(_("请选择事情发生地所在的乡镇/街道。"))
    report = HarmReport(
        child=child,
        township=township,
        county_id=county_id,
        reporter=by,
        reporter_role=",".join(sorted(scope.roles())),
        **values,
    )
    _save_with_receipt(report)
    HarmReportEvent.objects.create(report=report, at=report.created_at, by=by, to_status=Status.RECEIVED)
    handlers = _notify_handlers(report)
    audit.record(
        "lbc.report.filed",
        actor=by,
        request=request,
        obj=report,
        child=child,
        detail={
            "kind": report.kind,
            "known_child": child is not None,
            "immediate_danger": report.immediate_danger,
            "handlers_notified": handlers,
        },
    )
    return report


@transaction.atomic
def change_report_status(
    report: HarmReport, *, to: str, note: str, by: Any, request: Any = None
) -> HarmReportEvent:
    """Move a report to its next status with the handler's note; the reporter is told the new status."""
    locked = HarmReport.objects.select_for_update().get(pk=report.pk)
    note = note.strip()
    if to not in next_statuses(locked.status):
        raise DomainError(
            _("这份报告现在是“%(current)s”，不能改为所选状态。请刷新页面后再试。")
            % {"current": locked.get_status_display()}
        )
    if to in NOTE_REQUIRED and not note:
        raise DomainError(_("移送、转介或结案时请写明接收单位、案件编号或结案理由。"))
    if len(note) > MAX_DESCRIPTION:
        raise DomainError(_("处理说明最多%(n)s字。") % {"n": MAX_DESCRIPTION})
    now = timezone.now()
    event = HarmReportEvent.objects.create(
        report=locked, at=now, by=by, from_status=locked.status, to_status=to, note=note
    )
    previous = locked.status
    locked.status = to
    locked.updated_at = now
    locked.save(update_fields=["status", "updated_at"])
    report.status, report.updated_at = locked.status, locked.updated_at
    queue_message(
        kind="lbc.report.status_changed",
        text=_("您提交的强制报告（回执号 %(receipt)s）状态已更新为：%(status)s。")
        % {"receipt": locked.receipt, "status": locked.get_status_display()},
        dedupe_key=f"report:{locked.public_id}:event:{event.pk}",
        user=locked.reporter,
    )
    audit.record(
        "lbc.report.status_changed",
        actor=by,
        request=request,
        obj=locked,
        child=locked.child,
        detail={"from": previous, "to": to},
    )
    return event
