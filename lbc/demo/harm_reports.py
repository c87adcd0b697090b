"""Synthetic mandatory reports (强制报告) for the demo county, so handlers see the workflow at once."""

from __future__ import annotations

from typing import Any

from lbc.models import Child, HarmReport, Membership, Role
from lbc.services.harm_reports import change_report_status, file_report


def seed_harm_reports(users: dict[str, Any]) -> dict[str, int]:
    """Two reports: one about a registered child, under review; one about a child described in words."""
    director = users[Role.VILLAGE_DIRECTOR]
    village = Membership.objects.get(user=director, role=Role.VILLAGE_DIRECTOR).region
    child = Child.objects.filter(village=village, status=Child.Status.ACTIVE).order_by("pk").first()
    if child is None:
        return {"reports": 0}
    first = file_report(
        {
            "kind": HarmReport.Kind.NEGLECT,
            "narrative": "（演示数据，纯属虚构）入户走访时发现孩子连续几天独自在家，家里没有做饭的痕迹，"
            "祖母住院，邻居说晚上常听到孩子哭。",
            "immediate_danger": False,
            "police_called": False,
        },
        by=director,
        child=child,
    )
    change_report_status(
        first,
        to=HarmReport.Status.REVIEWING,
        note="（演示数据）已联系村委会和学校，今天下午上门核实。",
        by=users[Role.TOWNSHIP_SUPERVISOR],
    )
    file_report(
        {
            "kind": HarmReport.Kind.VIOLENCE,
            "narrative": "（演示数据，纯属虚构）在集市上看到一名男孩被成年人反复打骂，男孩脸上有伤。",
            "child_description": "（演示数据）男孩，约10岁，穿蓝色校服。",
            "place_description": "（演示数据）乡集市东头。",
            "immediate_danger": True,
            "police_called": True,
        },
        by=users[Role.VOLUNTEER],
        township=child.township,
    )
    return {"reports": 2}
