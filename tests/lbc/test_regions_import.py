"""Townships and villages from division codes: row checks, the plan against the database, the write.

All codes here are synthetic: county prefix 990101 (no province has the code 99).
"""

from __future__ import annotations

import io

import openpyxl
import pytest

from lbc.models import AuditEvent, Region
from lbc.services.errors import DomainError
from lbc.services.regions_import import (
    HEADER,
    Division,
    commit_import,
    county_prefix,
    parse_divisions,
    plan_import,
)
from lbc.tables import Table, TableRejected, read_table
from tests.conftest import World

PREFIX = "990101"


@pytest.fixture
def coded(world: World) -> World:
    """County K gets a county-level code; T1 and its village V1 get codes under it; K2 another county's."""
    Region.objects.filter(pk=world.county.pk).update(code="990101000000")
    Region.objects.filter(pk=world.county2.pk).update(code="990102000000")
    Region.objects.filter(pk=world.t1.pk).update(code="990101101000")
    Region.objects.filter(pk=world.v1.pk).update(code="990101101001", urban_rural="220")
    for name in ("county", "county2", "t1", "v1"):
        getattr(world, name).refresh_from_db()
    return world


def table(*rows: tuple[str, ...]) -> Table:
    return Table(rows=[list(HEADER), *[list(r) for r in rows]])


def parse(*rows: tuple[str, ...]) -> tuple[list[Division], list[tuple[int, str, str, str]]]:
    divisions, problems = parse_divisions(table(*rows), [PREFIX])
    return divisions, [(p.row, p.column, p.value, p.message) for p in problems]


# --- rows on their own ----------------------------------------------------------------------------


def test_it_reads_townships_and_villages_and_derives_their_parents() -> None:
    divisions, problems = parse(
        ("990101102000", "新镇", "乡镇/街道", ""), ("990101102201", " 新村  一组 ", "村", "220")
    )
    assert problems == []
    township, village = divisions
    assert (township.level, township.parent_code) == (Region.Level.TOWNSHIP, "990101000000")
    assert (village.level, village.parent_code, village.name) == (
        Region.Level.VILLAGE,
        "990101102000",
        "新村 一组",
    )


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (("99010110200", "新镇", "乡镇/街道", ""), "区划代码", "12位数字"),
        (("９９0101102000", "新镇", "乡镇/街道", ""), "区划代码", "全角数字"),
        (("990202102000", "新镇", "乡镇/街道", ""), "区划代码", "990101"),
        (("990101000000", "本县", "乡镇/街道", ""), "区划代码", "县级或以上"),
        (("990101102000", "新镇", "村/社区", ""), "级别", "级别与代码不符"),
        (("990101102000", "新镇", "县", ""), "级别", "乡镇/街道"),
        (("990101102000", "", "乡镇/街道", ""), "名称", "不能为空"),
        (("990101102000", "新\u200b镇", "乡镇/街道", ""), "名称", "U+200B"),
        (("990101102201", "新村", "村/社区", "230"), "城乡分类代码", "220"),
    ],
)
def test_every_bad_cell_is_named_by_row_column_and_value_in_chinese(
    row: tuple[str, ...], column: str, fragment: str
) -> None:
    divisions, problems = parse(row)
    assert divisions == []
    assert [(p[0], p[1], p[2]) for p in problems] == [(2, column, row[HEADER.index(column)])]
    assert fragment in problems[0][3]


def test_a_duplicate_code_points_at_its_first_row() -> None:
    divisions, problems = parse(
        ("990101102000", "新镇", "乡镇/街道", ""), ("990101102000", "又一镇", "乡镇", "")
    )
    assert len(divisions) == 1
    assert problems == [(3, "区划代码", "990101102000", "代码与第2行重复。")]


def test_a_wrong_header_refuses_the_file() -> None:
    divisions, problems = parse_divisions(Table(rows=[["代码", "名称"], ["990101102000", "新镇"]]), [PREFIX])
    assert divisions == [] and problems[0].row == 1 and "表头应为" in problems[0].message


def test_only_county_level_codes_give_a_prefix(coded: World) -> None:
    assert county_prefix(coded.county) == PREFIX
    assert county_prefix(coded.t1) is None
    assert county_prefix(Region(code="000000000004")) is None


# --- against the database -------------------------------------------------------------------------


def test_the_plan_shows_new_renamed_reclassified_unchanged_and_missing(coded: World) -> None:
    divisions, _problems = parse(
        ("990101101000", "一乡", "乡镇/街道", ""),  # T1 unchanged
        ("990101101001", "一村（新名）", "村/社区", "220"),  # V1 renamed
        ("990101101002", "一乡三村", "村/社区", "210"),  # new village of T1
        ("990101103000", "新镇", "乡镇/街道", ""),  # new township ...
        ("990101103001", "新镇一村", "村/社区", "220"),  # ... with a new village
    )
    plan = plan_import(divisions, by=coded.user("county_admin"))
    assert plan.problems == []
    assert plan.counts == {"unchanged": 1, "renamed": 1, "new": 3}
    assert [(t.code, [v.code for v in t.villages]) for t in plan.tree] == [
        ("990101101000", ["990101101001", "990101101002"]),
        ("990101103000", ["990101103001"]),
    ]
    renamed = plan.tree[0].villages[0]
    assert (renamed.status, renamed.old_name, renamed.name) == ("renamed", "一村", "一村（新名）")
    missing = {m.region.name: (m.villages, m.schools) for m in plan.missing}
    assert missing == {"一乡二村": (0, 0), "二乡": (1, 1), "二村": (0, 0)}


def test_a_new_urban_rural_class_is_a_change(coded: World) -> None:
    divisions, _problems = parse(("990101101001", "一村", "村/社区", "210"))
    plan = plan_import(divisions, by=coded.user("county_admin"))
    village = plan.tree[0].villages[0]
    assert (village.status, village.old_urban_rural, village.urban_rural) == ("reclassified", "220", "210")
    assert plan.tree[0].status == "existing"


def test_a_village_needs_its_township_in_the_file_or_in_the_database(coded: World) -> None:
    divisions, _problems = parse(("990101109001", "孤村", "村/社区", "220"))
    plan = plan_import(divisions, by=coded.user("county_admin"))
    assert [(p.row, p.column, p.value) for p in plan.problems] == [(2, "区划代码", "990101109001")]
    assert "990101109000" in plan.problems[0].message


def test_a_code_held_by_another_county_s_region_is_refused(coded: World) -> None:
    Region.objects.filter(pk=coded.t3.pk).update(code="990101105000")
    divisions, _problems = parse(("990101105000", "三乡", "乡镇/街道", ""))
    plan = plan_import(divisions, by=coded.user("county_admin"))
    assert [p.message for p in plan.problems] == ["该代码已被本县以外的区划使用。"]


def test_a_village_stored_under_another_township_is_not_moved(coded: World) -> None:
    Region.objects.filter(pk=coded.t2.pk).update(code="990101102000")
    divisions, _problems = parse(
        ("990101102000", "二乡", "乡镇/街道", ""), ("990101102001", "一村", "村/社区", "")
    )
    Region.objects.filter(pk=coded.v1.pk).update(code="990101102001")
    plan = plan_import(divisions, by=coded.user("county_admin"))
    assert len(plan.problems) == 1 and "一乡" in plan.problems[0].message


# --- the write ------------------------------------------------------------------------------------


def import_rows(world: World, *rows: tuple[str, ...]) -> object:
    divisions, problems = parse(*rows)
    assert problems == []
    admin = world.user("county_admin")
    return commit_import(divisions, by=admin, fingerprint=plan_import(divisions, by=admin).fingerprint())


ROWS = (
    ("990101101001", "一村（新名）", "村/社区", "220"),
    ("990101103000", "新镇", "乡镇/街道", ""),
    ("990101103001", "新镇一村", "村/社区", "121"),
)


def test_it_writes_the_plan_with_one_audit_event(coded: World) -> None:
    import_rows(coded, *ROWS)
    township = Region.objects.get(code="990101103000")
    village = Region.objects.get(code="990101103001")
    assert (township.parent, township.level, township.path) == (
        coded.county,
        4,
        f"{coded.county.path}{township.pk}/",
    )
    assert (village.parent, village.urban_rural, village.name) == (township, "121", "新镇一村")
    assert Region.objects.get(pk=coded.v1.pk).name == "一村（新名）"
    events = list(AuditEvent.objects.filter(action="lbc.region.imported"))
    assert len(events) == 1 and AuditEvent.objects.count() == 1
    assert events[0].detail["created"] == ["990101103000", "990101103001"]
    assert events[0].detail["renamed"] == ["990101101001"]
    assert events[0].object_id == str(coded.county.public_id)


def test_importing_the_same_file_again_changes_nothing(coded: World) -> None:
    import_rows(coded, *ROWS)
    regions = list(Region.objects.values_list("pk", "name", "code", "urban_rural", "path"))
    plan = import_rows(coded, *ROWS)
    assert not plan.has_changes  # type: ignore[attr-defined]
    assert list(Region.objects.values_list("pk", "name", "code", "urban_rural", "path")) == regions
    assert AuditEvent.objects.filter(action="lbc.region.imported").count() == 1


def test_regions_missing_from_the_file_stay(coded: World) -> None:
    before = Region.objects.count()
    import_rows(coded, *ROWS)
    assert Region.objects.count() == before + 2
    assert Region.objects.filter(pk__in=[coded.t2.pk, coded.v2.pk, coded.v1b.pk]).count() == 3


def test_a_plan_changed_since_the_preview_writes_nothing(coded: World) -> None:
    divisions, _problems = parse(*ROWS)
    admin = coded.user("county_admin")
    fingerprint = plan_import(divisions, by=admin).fingerprint()
    Region.objects.filter(pk=coded.v1.pk).update(name="别人刚改的名字")
    with pytest.raises(DomainError, match="预览之后"):
        commit_import(divisions, by=admin, fingerprint=fingerprint)
    assert not Region.objects.filter(code="990101103000").exists()
    assert not AuditEvent.objects.filter(action="lbc.region.imported").exists()


def test_a_failure_half_way_leaves_nothing(coded: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from lbc import audit

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        import_rows(coded, *ROWS)
    assert not Region.objects.filter(code__in=["990101103000", "990101103001"]).exists()
    assert Region.objects.get(pk=coded.v1.pk).name == "一村"


# --- reading the file -----------------------------------------------------------------------------


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_codes_typed_as_numbers_in_excel_keep_their_digits() -> None:
    data = xlsx([list(HEADER), [990101103001, "新镇一村", "村/社区", 220]])
    assert read_table("codes.xlsx", data).rows[1] == ["990101103001", "新镇一村", "村/社区", "220"]


def test_a_gb18030_csv_is_read() -> None:
    data = ("区划代码,名称,级别,城乡分类代码\r\n990101103000,新镇,乡镇/街道,\r\n").encode("gb18030")
    assert read_table("codes.csv", data).rows[1] == ["990101103000", "新镇", "乡镇/街道", ""]


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("codes.xlsx", b"990101103000,x", "不是真正的 .xlsx"),
        ("codes.xls", b"\xd0\xcf\x11\xe0", ".xlsx 或 .csv"),
        ("codes.csv", b"", "空的"),
        ("codes.xlsx", xlsx([list(HEADER), ["=A1", "x", "村", ""]]), "公式"),
    ],
)
def test_unreadable_or_unsafe_files_are_refused_with_a_reason(name: str, data: bytes, fragment: str) -> None:
    with pytest.raises(TableRejected, match=fragment):
        read_table(name, data)


def test_hidden_rows_are_refused() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(HEADER))
    sheet.append(["990101103000", "新镇", "乡镇/街道", ""])
    sheet.row_dimensions[2].hidden = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(TableRejected, match="隐藏"):
        read_table("codes.xlsx", buffer.getvalue())
