"""The roster import service: validation messages, matching, households, the diff, idempotence, atomicity."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lbc.access.roster import RosterScope
from lbc.models import AuditEvent, Child, ChildGuardian, Consent, Guardian, Parent, RosterImport, RosterLayout
from lbc.periodic import jobs
from lbc.roster import service, writing
from lbc.roster.plan import Kind
from lbc.roster.purge import purge_abandoned
from lbc.services.errors import DomainError
from tests.conftest import World

from .roster_helpers import HEADER, csv, person, xlsx

pytestmark = pytest.mark.django_db


def county_scope(world: World) -> RosterScope:
    return RosterScope(world.county)


def roster(world: World, count: int, start: int = 0) -> list[dict[str, Any]]:
    return [person(n, school=world.s1.name, village=world.v1.name) for n in range(start, start + count)]


def upload(
    world: World, data: bytes, name: str = "花名册.xlsx", scope: RosterScope | None = None
) -> RosterImport:
    user = world.user("county_admin")
    batch = service.start_import(scope or county_scope(world), name, data, by=user)
    if batch.status == RosterImport.Status.MAPPING:
        service.save_mapping(batch, list(batch.mapping), by=user)
    return batch


def commit(world: World, batch: RosterImport, scope: RosterScope | None = None) -> dict[str, Any]:
    return service.commit_import(batch, scope or county_scope(world), by=world.user("county_admin"))


def problems_of(world: World, batch: RosterImport) -> list[Any]:
    return service.plan_of(batch, county_scope(world)).problems


def test_it_creates_children_guardians_households_and_parents(world: World) -> None:
    before = Child.objects.count()
    batch = upload(world, xlsx(roster(world, 6)))
    result = commit(world, batch)
    assert result["counts"]["new"] == 6
    assert Child.objects.count() == before + 6
    child = Child.objects.get(public_id=result["created"][0])
    assert child.school == world.s1 and child.school_class == world.class1 and child.grade == 5
    assert child.village == world.v1 and child.county == world.county
    link = ChildGuardian.objects.get(child=child)
    assert link.is_primary and link.relationship == "grandmother_p" and link.guardian.sex == "F"
    assert link.guardian.phone.startswith("139")
    assert Parent.objects.get(household=child.household).work_city == "广东东莞"
    batch.refresh_from_db()
    assert batch.staged == "" and batch.status == RosterImport.Status.COMMITTED
    event = AuditEvent.objects.get(action="lbc.roster.committed")
    assert event.detail["created"] == 6
    # As when a child is registered by hand, no consent is recorded on anyone's behalf.
    assert not Consent.objects.filter(child__public_id__in=result["created"]).exists()


def test_reimporting_the_same_file_creates_nothing(world: World) -> None:
    data = xlsx(roster(world, 5))
    commit(world, upload(world, data))
    counts = (Child.objects.count(), Guardian.objects.count(), Parent.objects.count())
    again = upload(world, data)
    assert again.status == RosterImport.Status.CHECKED  # the layout was remembered: no mapping step
    result = commit(world, again)
    assert result["counts"]["new"] == 0 and result["counts"]["changed"] == 0
    assert result["counts"]["unchanged"] == 5
    assert (Child.objects.count(), Guardian.objects.count(), Parent.objects.count()) == counts


def test_an_updated_roster_shows_exact_counts(world: World) -> None:
    """Acceptance: 200 changed phones, 50 new children, 30 missing from the new list."""
    already = Child.objects.filter(school=world.s1).count()  # the world's own children of the school
    first = roster(world, 400)
    commit(world, upload(world, xlsx(first)))
    updated = [dict(r) for r in first[30:]]  # 30 children left out
    for r in updated[:200]:
        r["监护人电话"] = "137" + r["监护人电话"][3:]
    updated += roster(world, 50, start=1000)
    batch = upload(world, xlsx(updated), "花名册-更新.xlsx")
    plan = service.plan_of(batch, county_scope(world))
    counts = plan.counts
    assert (counts["new"], counts["changed"], counts["missing"], counts["unchanged"]) == (
        50,
        200,
        30 + already,
        170,
    )
    assert all([c.field for c in r.changes] == ["监护人电话"] for r in plan.of(Kind.CHANGED))
    missing_before = Child.objects.filter(pk__in=[m["id"] for m in plan.missing]).count()
    result = commit(world, batch)
    assert result["counts"]["changed"] == 200
    assert (
        Child.objects.filter(pk__in=[m["id"] for m in plan.missing]).count() == missing_before == 30 + already
    )
    guardian = Child.objects.get(public_id=result["changed"][0]).guardian_links.get().guardian
    assert guardian.phone.startswith("137") and guardian.version == 2


def test_every_bad_cell_is_reported_in_chinese_with_row_column_and_value(world: World) -> None:
    rows = roster(world, 6)
    rows[0]["身份证号"] = rows[0]["身份证号"][:17] + ("0" if rows[0]["身份证号"][17] != "0" else "1")
    rows[1]["出生日期"] = "2010-01-01"
    rows[2]["监护人电话"] = "12345"
    rows[3]["就读学校"] = "不存在学校"
    rows[4]["户籍村"] = "不存在村"
    rows[5]["班级"] = "9班"
    batch = upload(world, xlsx(rows))
    found = {
        (p.row, p.column.split("（")[0]): (p.value, p.message) for p in problems_of(world, batch) if p.row
    }
    assert "校验位" in found[(2, "身份证号")][1]
    assert found[(3, "出生日期")][0] == "2010-01-01" and "不一致" in found[(3, "出生日期")][1]
    assert (
        found[(4, "监护人电话")] == ("12345", found[(4, "监护人电话")][1])
        and "11位" in found[(4, "监护人电话")][1]
    )
    assert "不存在学校" in found[(5, "就读学校")][1]
    assert "不存在村" in found[(6, "户籍村")][1]
    assert "9班" in found[(7, "班级")][1]
    with pytest.raises(DomainError):
        commit(world, batch)
    assert not Child.objects.filter(family_name="合").exists()


def test_duplicate_rows_and_schools_outside_a_counsellors_scope_are_errors(world: World) -> None:
    rows = roster(world, 3)
    rows.append(dict(rows[0]))
    rows[1]["就读学校"] = world.s2.name
    scope = RosterScope(world.county, world.s1)
    batch = upload(world, xlsx(rows), scope=scope)
    problems = service.plan_of(batch, scope).problems
    assert {p.row for p in problems if "重复出现" in p.message} == {2, 5}
    assert any(p.row == 3 and world.s2.name in p.message for p in problems)


def test_excluded_rows_are_not_imported(world: World) -> None:
    rows = roster(world, 3)
    rows[2]["监护人电话"] = "bad"
    batch = upload(world, xlsx(rows))
    service.exclude_rows(batch, [4], by=world.user("county_admin"))
    result = commit(world, batch)
    assert result["counts"]["new"] == 2 and result["counts"]["excluded"] == 1


def test_siblings_share_a_household_by_phone_or_by_village_and_guardian_name(world: World) -> None:
    rows = roster(world, 4)
    rows[1]["监护人电话"] = rows[0]["监护人电话"]
    rows[1]["监护人姓名"] = rows[0]["监护人姓名"]
    rows[3]["监护人姓名"] = rows[2]["监护人姓名"]
    rows[3]["监护人电话"] = ""
    result = commit(world, upload(world, xlsx(rows)))
    children = [Child.objects.get(public_id=p) for p in result["created"]]
    assert children[0].household_id == children[1].household_id
    assert children[2].household_id == children[3].household_id != children[0].household_id
    assert result["households"] == 2 and result["guardians"] == 2


def test_a_registered_guardians_phone_joins_the_registered_household(world: World) -> None:
    rows = roster(world, 1)
    rows[0]["监护人电话"] = "13812345678"  # g1's, the guardian of c1
    result = commit(world, upload(world, xlsx(rows)))
    child = Child.objects.get(public_id=result["created"][0])
    assert child.household_id == world.c1.household_id
    assert child.guardian_links.get().guardian == world.g1


def test_a_child_registered_elsewhere_is_not_taken_over(world: World) -> None:
    rows = roster(world, 1)
    rows[0]["身份证号"] = world.c3.id_number  # a child of the other county
    rows[0]["出生日期"] = world.c3.birth_date.isoformat()
    rows[0]["性别"] = "女"
    batch = upload(world, xlsx(rows))
    assert any("不在测试县的范围内" in p.message for p in problems_of(world, batch))


def test_a_csv_in_gb18030_with_a_title_row_is_read(world: World) -> None:
    rows = roster(world, 2)
    data = ("某某小学花名册\n" + csv(rows).decode("utf-8-sig")).encode("gb18030")
    batch = upload(world, data, "花名册.csv")
    assert commit(world, batch)["counts"]["new"] == 2


def test_the_mapping_is_kept_per_header_and_unknown_columns_are_ignored(world: World) -> None:
    header = ["学生名字", "身份证号", "户籍村", "留守类型", "联系频率", "监护类型", "备注"]
    rows = [{**r, "学生名字": r["姓名"], "备注": "不导入的说明"} for r in roster(world, 2)]
    user = world.user("county_admin")
    batch = service.start_import(county_scope(world), "a.xlsx", xlsx(rows, header), by=user)
    assert batch.status == RosterImport.Status.MAPPING and batch.mapping[0] == ""
    with pytest.raises(DomainError, match="姓名"):
        service.save_mapping(batch, list(batch.mapping), by=user)
    service.save_mapping(batch, ["name", *batch.mapping[1:]], by=user)
    assert RosterLayout.objects.get(county=world.county).mapping[0] == "name"
    plan = service.plan_of(batch, county_scope(world))
    assert any(p.value == "备注" and "忽略" in p.message for p in plan.problems)
    second = service.start_import(county_scope(world), "b.xlsx", xlsx(rows, header), by=user)
    assert second.status == RosterImport.Status.CHECKED


def test_a_failure_mid_commit_leaves_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    batch = upload(world, xlsx(roster(world, 4)))
    counts = (Child.objects.count(), Guardian.objects.count(), AuditEvent.objects.count())

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(writing, "update_parents", broken)
    with pytest.raises(RuntimeError):
        commit(world, batch)
    assert (Child.objects.count(), Guardian.objects.count(), AuditEvent.objects.count()) == counts
    batch.refresh_from_db()
    assert batch.status == RosterImport.Status.CHECKED and batch.staged


def test_the_commit_issues_the_same_number_of_queries_for_50_and_500_rows(world: World) -> None:
    counts = []
    for start, size in ((0, 50), (1000, 500)):
        batch = upload(world, xlsx(roster(world, size, start=start)), f"{size}.xlsx")
        with CaptureQueriesContext(connection) as queries:
            result = commit(world, batch)
        assert result["counts"]["new"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_imports_never_committed_are_purged_after_a_week(world: World) -> None:
    done = upload(world, xlsx(roster(world, 1)))
    commit(world, done)
    upload(world, xlsx(roster(world, 2, start=10)), "b.xlsx")
    assert "lbc.roster.purge.purge_abandoned" in jobs()
    assert purge_abandoned(timezone.now() + dt.timedelta(days=6)) == 0
    assert purge_abandoned(timezone.now() + dt.timedelta(days=8)) == 1
    assert list(RosterImport.objects.all()) == [done]
    assert AuditEvent.objects.get(action="lbc.roster.purged").detail == {"imports": 1}


def test_hidden_rows_and_formula_cells_are_refused_with_their_row(world: World) -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx(roster(world, 3))))
    sheet = book.active
    assert sheet is not None
    sheet.row_dimensions[3].hidden = True
    sheet["G4"] = "=2+3"
    out = io.BytesIO()
    book.save(out)
    problems = problems_of(world, upload(world, out.getvalue()))
    assert any(p.row == 3 and "隐藏" in p.message for p in problems)
    assert any(p.row == 4 and p.value == "=2+3" and "公式" in p.message for p in problems)


def test_another_guardian_named_for_a_registered_child_is_a_new_person(world: World) -> None:
    rows = roster(world, 2)
    rows[1]["监护人姓名"], rows[1]["监护人电话"] = rows[0]["监护人姓名"], rows[0]["监护人电话"]  # siblings
    first = commit(world, upload(world, xlsx(rows)))
    grandmother = Child.objects.get(public_id=first["created"][0]).guardian_links.get().guardian
    rows[0] = {**rows[0], "监护人姓名": "合成姑姑", "与儿童关系": "姑姑", "监护人性别": "女"}
    header = [*HEADER, "监护人性别"]
    second = commit(world, upload(world, xlsx(rows, header), "second.xlsx"))
    assert second["counts"]["changed"] == 1
    child, sibling = (Child.objects.get(public_id=p) for p in first["created"])
    primary = child.guardian_links.get(is_primary=True).guardian
    assert primary.name == "合成姑姑" and primary.sex == "F" and primary != grandmother
    assert child.guardian_links.get(guardian=grandmother).is_primary is False
    grandmother.refresh_from_db()
    assert grandmother.name == rows[1]["监护人姓名"]  # not renamed: the sibling's guardian is unchanged
    assert sibling.guardian_links.get(is_primary=True).guardian == grandmother


def test_a_child_registered_by_someone_else_meanwhile_fails_the_whole_commit(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = roster(world, 2)
    batch = upload(world, xlsx(rows))
    plan_before = service.plan_of(batch, county_scope(world))
    # The preview saw two new children; between the check and the insert someone registers the second.
    monkeypatch.setattr(service, "plan_of", lambda *args: plan_before)
    other = Child.objects.get(pk=world.c2.pk)
    other.id_number_index = plan_before.of(Kind.NEW)[1].record.index
    other.save()
    count = Child.objects.count()
    with pytest.raises(DomainError, match="刚刚被其他人登记"):
        commit(world, batch)
    assert Child.objects.count() == count


def test_a_changed_class_is_shown_by_name_and_written(world: World) -> None:
    rows = roster(world, 2)
    first = commit(world, upload(world, xlsx(rows)))
    rows[0]["班级"] = "2班"
    batch = upload(world, xlsx(rows), "second.xlsx")
    [changed] = service.plan_of(batch, county_scope(world)).of(Kind.CHANGED)
    assert [(c.field, c.before, c.after) for c in changed.changes] == [("班级", "5年级1班", "5年级2班")]
    commit(world, batch)
    child = Child.objects.get(public_id=first["created"][0])
    assert child.school_class == world.class1b and child.version == 2
