"""What the demo command prints: the synthetic-data notice, the seed summary and the login table."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lbc.models import Role

from .personas import Persona
from .seed import SeedResult

COUNT_LABELS = {
    "townships": gettext_lazy("乡镇"), "villages": gettext_lazy("村"), "schools": gettext_lazy("学校"),
    "classes": gettext_lazy("班级"), "organisations": gettext_lazy("单位"),
    "households": gettext_lazy("家庭"), "children": gettext_lazy("儿童"),
    "guardians": gettext_lazy("照料人"), "parents": gettext_lazy("父母"), "users": gettext_lazy("演示账号"),
    "reports": gettext_lazy("强制报告"),
}


def notice() -> str:
    return _("合成数据，非真实儿童信息：演示县的地名、人名、身份证号码和电话全部是虚构的，仅供演示和测试。")


def summary(result: SeedResult, seed: int) -> str:
    counts = _("，").join(f"{COUNT_LABELS[key]} {value:,}" for key, value in result.counts.items())
    return _("已生成演示县（随机种子 %(seed)d），用时 %(seconds).1f 秒：%(counts)s。") % {
        "seed": seed, "seconds": result.seconds, "counts": counts,
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table(personas: list[Persona]) -> str:
    """The demo logins as an aligned text table (Chinese characters count as two columns)."""
    rows = [[_("用户名"), _("密码"), _("角色"), _("范围")]]
    rows += [[p.username, p.password, str(Role(p.role).label), p.scope] for p in personas]
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
