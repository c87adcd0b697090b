"""Test-world objects of the mandatory reports: one report about c1, filed by the volunteer.

Written directly (not through ``file_report``) so building the world queues no notifications.
"""

from __future__ import annotations

from typing import Any

from lbc.models import HarmReport, HarmReportEvent


def add_reports(world: Any) -> None:
    report = HarmReport.objects.create(
        receipt="QZ-2026-TEST-WRLD",
        kind=HarmReport.Kind.NEGLECT,
        child=world.c1,
        township=world.t1,
        county=world.county,
        narrative="合成测试数据：孩子连续几天没有吃饭。",
        reporter=world.user("volunteer"),
        reporter_role="volunteer",
    )
    HarmReportEvent.objects.create(
        report=report, at=report.created_at, by=world.user("volunteer"), to_status=HarmReport.Status.RECEIVED
    )
    world.r1 = report
