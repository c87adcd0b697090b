"""Townships and villages of a county from the statistics bureau's division codes (统计用区划代码).

Three steps, the same for every caller: ``parse_divisions`` checks each row of the uploaded table on
its own (pure: no database); ``plan_import`` compares the rows with the database (new, renamed,
reclassified, unchanged, and the county's regions missing from the file, which are shown and never
deleted); ``commit_import`` writes a plan in one transaction with one audit event. A file that
matches the database changes nothing. Codes have 12 digits: 6 of the county, 3 of the township
(``000`` for the county itself), 3 of the village (``000`` for the township itself).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from lbc import access, audit
from lbc.models import Region
from lbc.tables import Table
from lbc.text import invisible_character

from .errors import DomainError

HEADER = ("区划代码", "名称", "级别", "城乡分类代码")
COLUMN_CODE, COLUMN_NAME, COLUMN_LEVEL, COLUMN_CLASS = HEADER
LEVEL_WORDS = {
    "乡镇/街道": Region.Level.TOWNSHIP, "乡镇": Region.Level.TOWNSHIP, "街道": Region.Level.TOWNSHIP,
    "乡": Region.Level.TOWNSHIP, "镇": Region.Level.TOWNSHIP,
    "村/社区": Region.Level.VILLAGE, "村": Region.Level.VILLAGE, "社区": Region.Level.VILLAGE,
}
FULL_WIDTH_DIGITS = frozenset("０１２３４５６７８９")
NAME_MAX = 100
CHANGES = ("new", "renamed", "reclassified")


@dataclass(frozen=True)
class Problem:
    """One bad cell (or, with ``row`` 0 or 1 and no column, a bad file or header)."""

    row: int
    column: str
    value: str
    message: str


@dataclass(frozen=True)
class Division:
    row: int
    code: str
    name: str
    level: int
    urban_rural: str

    @property
    def parent_code(self) -> str:
        return self.code[:6] + "000000" if self.level == Region.Level.TOWNSHIP else self.code[:9] + "000"

    def as_list(self) -> list[Any]:
        return [self.row, self.code, self.name, self.level, self.urban_rural]

    @classmethod
    def from_list(cls, values: Sequence[Any]) -> Division:
        row, code, name, level, urban_rural = values
        return cls(int(row), str(code), str(name), int(level), str(urban_rural))


def county_prefix(county: Region) -> str | None:
    """The 6-digit prefix of a county whose stored code is a county-level division code."""
    code = county.code
    if len(code) == 6 and code.isdigit():
        return code
    if len(code) == 12 and code.isdigit() and code[6:] == "000000" and code[4:6] != "00":
        return code[:6]
    return None


def admin_counties(user: Any) -> list[Region]:
    return list(Region.objects.filter(pk__in=access.require_administrator(user).admin_county_ids())
                .order_by("code"))


# --- step 1: each row on its own ----------------------------------------------------------------


def parse_divisions(table: Table, prefixes: Iterable[str]) -> tuple[list[Division], list[Problem]]:
    header = tuple(cell.strip() for cell in table.rows[0])
    if header[: len(HEADER)] != HEADER or any(header[len(HEADER):]):
        return [], [Problem(1, "", " | ".join(header), _("表头应为：%(header)s（请使用下载的模板）。")
                            % {"header": "、".join(HEADER)})]
    allowed = tuple(prefixes)
    divisions: list[Division] = []
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    for index, raw in enumerate(table.rows[1:], start=2):
        cells = [*raw, "", "", "", ""][:4]
        found = _check_row(index, [c.strip() for c in cells], allowed)
        if isinstance(found, Division):
            if found.code in first_row:
                problems.append(Problem(index, COLUMN_CODE, found.code, _("代码与第%(row)d行重复。")
                                        % {"row": first_row[found.code]}))
                continue
            first_row[found.code] = index
            divisions.append(found)
        else:
            problems.extend(found)
    if not divisions and not problems:
        problems.append(Problem(1, "", "", _("文件中只有表头，没有数据行。")))
    return divisions, problems


def _check_row(row: int, cells: list[str], prefixes: tuple[str, ...]) -> Division | list[Problem]:
    code, name, level_word, urban_rural = cells
    problems: list[Problem] = []
    code_problem = _code_problem(code, prefixes)
    if code_problem:
        problems.append(Problem(row, COLUMN_CODE, code, code_problem))
    level = LEVEL_WORDS.get(level_word)
    if level is None:
        problems.append(Problem(row, COLUMN_LEVEL, level_word, _("级别应为“乡镇/街道”或“村/社区”。")))
    elif not code_problem:
        expected = Region.Level.TOWNSHIP if code.endswith("000") else Region.Level.VILLAGE
        if level != expected:
            problems.append(Problem(row, COLUMN_LEVEL, level_word,
                                    _("级别与代码不符：代码%(code)s是%(level)s的代码。")
                                    % {"code": code, "level": Region.Level(expected).label}))
    clean_name, name_problem = _clean_name(name)
    if name_problem:
        problems.append(Problem(row, COLUMN_NAME, name, name_problem))
    if urban_rural and urban_rural not in Region.UrbanRural.values:
        problems.append(Problem(row, COLUMN_CLASS, urban_rural,
                                _("城乡分类代码应为%(codes)s之一，或留空。")
                                % {"codes": "、".join(Region.UrbanRural.values)}))
    if problems or level is None:
        return problems
    return Division(row, code, clean_name, level, urban_rural)


def _code_problem(code: str, prefixes: tuple[str, ...]) -> str:
    if not code:
        return _("区划代码不能为空。")
    if any(ch in FULL_WIDTH_DIGITS for ch in code):
        return _("区划代码中含有全角数字，请改为半角数字。")
    if len(code) != 12 or not code.isascii() or not code.isdigit():
        return _("区划代码须为12位数字（若Excel显示为科学计数法，请把该列设为文本后重新填写）。")
    if not code.startswith(prefixes):
        return _("代码不在本县范围内：本县的代码以%(prefix)s开头。") % {"prefix": "、".join(prefixes)}
    if code[6:9] == "000":
        return _("这是县级或以上的代码，这里只导入乡镇/街道和村/社区。")
    return ""


def _clean_name(name: str) -> tuple[str, str]:
    """NFC and single spaces, as personal names are stored (lbc.text); invisible characters refused."""
    if not name:
        return "", _("名称不能为空。")
    ch = invisible_character(name)
    if ch is not None:
        return "", _("名称中含有不可见或控制字符（U+%(code)04X），请删除后重新填写。") % {"code": ord(ch)}
    clean = " ".join(unicodedata.normalize("NFC", name).split())
    if len(clean) > NAME_MAX:
        return "", _("名称不能超过%(max)d个字。") % {"max": NAME_MAX}
    return clean, ""


# --- step 2: against the database ---------------------------------------------------------------


@dataclass
class Entry:
    """One row of the preview tree."""

    code: str
    name: str
    status: str  # new | renamed | reclassified | unchanged | existing (a township only named by its villages)
    old_name: str = ""
    urban_rural: str = ""
    old_urban_rural: str = ""
    villages: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class Missing:
    """A region of the county that the file does not list: shown, never deleted."""

    region: Region
    villages: int
    schools: int


@dataclass
class Plan:
    divisions: list[Division]
    problems: list[Problem] = field(default_factory=list)
    tree: list[Entry] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return any(self.counts.get(k) for k in CHANGES)

    def changes(self) -> list[Entry]:
        return [e for t in self.tree for e in (t, *t.villages) if e.status in CHANGES]

    def fingerprint(self) -> str:
        """What the administrator saw: the same file against a changed database gives another value."""
        seen = [[e.status, e.code, e.name, e.old_name, e.urban_rural, e.old_urban_rural]
                for e in self.changes()]
        return hashlib.sha256(json.dumps(seen, ensure_ascii=False).encode()).hexdigest()


def plan_import(divisions: list[Division], *, by: Any) -> Plan:
    """Compare checked rows with the database. Problems found here also stop the import."""
    counties = {county_prefix(c): c for c in admin_counties(by)}
    in_scope = set(access.regions_for_admin(by).values_list("pk", flat=True))
    codes = {d.code for d in divisions} | {d.parent_code for d in divisions}
    stored = {r.code: r for r in Region.objects.filter(code__in=codes).select_related("parent")}
    in_file = {d.code: d for d in divisions}
    plan = Plan(divisions=divisions)
    entries: dict[str, Entry] = {}
    for division in divisions:
        problem = _stored_problem(division, stored, in_file, in_scope, counties)
        if problem:
            plan.problems.append(Problem(division.row, COLUMN_CODE, division.code, problem))
            continue
        entries[division.code] = _entry(division, stored.get(division.code))
    plan.tree = _tree(entries, stored)
    for entry in (e for t in plan.tree for e in (t, *t.villages)):
        plan.counts[entry.status] = plan.counts.get(entry.status, 0) + 1
    file_counties = [counties[d.code[:6]] for d in divisions if d.code[:6] in counties]
    plan.missing = _missing(by, set(in_file), {c.pk for c in file_counties})
    return plan


def _stored_problem(division: Division, stored: dict[str, Region], in_file: dict[str, Division],
                    in_scope: set[int], counties: dict[str | None, Region]) -> str:
    region = stored.get(division.code)
    if region is not None and region.pk not in in_scope:
        return _("该代码已被本县以外的区划使用。")
    if region is not None and region.level != division.level:
        return _("系统中该代码是%(level)s，与文件不符。") % {"level": region.get_level_display()}
    if division.level == Region.Level.TOWNSHIP:
        if division.code[:6] not in counties:
            return _("找不到本县的区划代码，请联系系统管理员核对本县代码。")
        return ""
    parent = stored.get(division.parent_code)
    if division.parent_code not in in_file and (parent is None or parent.pk not in in_scope):
        return _("上级乡镇（%(code)s）既不在文件中，也不在系统中。") % {"code": division.parent_code}
    if region is not None and region.parent is not None and region.parent.code != division.parent_code:
        return _("系统中该村属于“%(name)s”（%(code)s），与代码不符；区划调整请在区划页面逐个处理。") % {
            "name": region.parent.name, "code": region.parent.code}
    return ""


def _entry(division: Division, region: Region | None) -> Entry:
    if region is None:
        return Entry(division.code, division.name, "new", urban_rural=division.urban_rural)
    status = ("renamed" if region.name != division.name
              else "reclassified" if division.urban_rural and region.urban_rural != division.urban_rural
              else "unchanged")
    return Entry(division.code, division.name, status, old_name=region.name,
                 urban_rural=division.urban_rural or region.urban_rural, old_urban_rural=region.urban_rural)


def _tree(entries: dict[str, Entry], stored: dict[str, Region]) -> list[Entry]:
    townships: dict[str, Entry] = {c: e for c, e in entries.items() if c.endswith("000")}
    for code, entry in sorted(entries.items()):
        if code.endswith("000"):
            continue
        parent_code = code[:9] + "000"
        if parent_code not in townships:  # a township already stored, not listed in the file
            region = stored.get(parent_code)
            townships[parent_code] = Entry(parent_code, region.name if region else "", "existing")
        townships[parent_code].villages.append(entry)
    return [townships[c] for c in sorted(townships)]


def _missing(by: Any, codes: set[str], county_ids: set[int]) -> list[Missing]:
    regions = (access.regions_for_admin(by)
               .filter(county_filter(county_ids), level__gte=Region.Level.TOWNSHIP)
               .exclude(code__in=codes).select_related("parent")
               .annotate(village_count=Count("children", distinct=True),
                         school_count=Count("schools", distinct=True))
               .order_by("path"))
    return [Missing(r, r.village_count, r.school_count) for r in regions]


def county_filter(county_ids: set[int]) -> Q:
    condition = Q(pk__in=[])
    for pk in county_ids:
        condition |= Q(path__contains=f"/{pk}/")
    return condition


# --- step 3: the write --------------------------------------------------------------------------


@transaction.atomic
def commit_import(divisions: list[Division], *, by: Any, fingerprint: str, request: Any = None) -> Plan:
    """Write what the preview showed, or nothing: a plan that changed since (another edit) is refused."""
    plan = plan_import(divisions, by=by)
    if plan.problems:
        raise DomainError(_("文件中有错误，没有导入任何内容。请修改后重新上传。"))
    if plan.fingerprint() != fingerprint:
        raise DomainError(_("预览之后系统中的区划已有变化，没有导入任何内容。请重新上传文件核对。"))
    if not plan.has_changes:
        return plan
    by_code = {d.code: d for d in divisions}
    counties = {county_prefix(c): c for c in admin_counties(by)}
    stored = {r.code: r for r in Region.objects.select_for_update().filter(
        code__in={e.code for e in plan.changes()} | {d.parent_code for d in divisions})}
    for entry in sorted(plan.changes(), key=lambda e: e.code[9:] != "000"):  # townships first
        division = by_code[entry.code]
        if entry.status == "new":
            parent = (counties[entry.code[:6]] if division.level == Region.Level.TOWNSHIP
                      else stored[division.parent_code])
            stored[entry.code] = Region.objects.create(code=entry.code, name=entry.name, level=division.level,
                                                       parent=parent, urban_rural=division.urban_rural)
        else:
            region = stored[entry.code]
            region.name, region.urban_rural = entry.name, entry.urban_rural
            region.save(update_fields=["name", "urban_rural"])
    by_status: dict[str, list[str]] = {}
    for entry in plan.changes():
        by_status.setdefault(entry.status, []).append(entry.code)
    first = counties[divisions[0].code[:6]]
    audit.record("lbc.region.imported", actor=by, request=request, obj=first, detail={
        "created": by_status.get("new", []), "renamed": by_status.get("renamed", []),
        "reclassified": by_status.get("reclassified", []), "unchanged": plan.counts.get("unchanged", 0),
        "missing": len(plan.missing),
    })
    return plan
