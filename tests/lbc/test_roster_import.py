"""Staff accounts from a roster: row checks, scopes and matching in the county, the write and its codes.

Names and phone numbers are synthetic (the 199 0000 range).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password

from lbc.models import (
    AuditEvent,
    ContactPreference,
    Membership,
    Organisation,
    PasswordResetCode,
    Role,
    Volunteer,
)
from lbc.services import accounts
from lbc.services.errors import DomainError
from lbc.services.roster_import import HEADER, StaffRow, commit_roster, parse_roster, plan_roster
from lbc.tables import Table
from tests.conftest import World

User = get_user_model()


@pytest.fixture
def org(world: World) -> Organisation:
    return Organisation.objects.create(
        name="示例大学志愿者协会（虚构）", kind="university", region=world.county
    )


def parse(*rows: tuple[str, ...]) -> tuple[list[StaffRow], list[tuple[int, str, str, str]]]:
    staff, problems = parse_roster(Table(rows=[list(HEADER), *[list(r) for r in rows]]))
    return staff, [(p.row, p.column, p.value, p.message) for p in problems]


def plan(world: World, *rows: tuple[str, ...]) -> object:
    staff, problems = parse(*rows)
    assert problems == []
    return plan_roster(staff, by=world.user("county_admin"))


def commit(world: World, *rows: tuple[str, ...]) -> object:
    staff, problems = parse(*rows)
    assert problems == []
    admin = world.user("county_admin")
    return commit_roster(staff, by=admin, fingerprint=plan_roster(staff, by=admin).fingerprint())


ROSTER = (
    ("测试督导（虚构）", "19900000001", "乡镇儿童督导员", "一乡", "", ""),
    ("测试主任（虚构）", "19900000002", "村儿童主任", "一乡/一村", "dir.yicun", ""),
    ("测试教师（虚构）", "19900000003", "学校心理教师", "一乡中心学校", "", ""),
    ("测试志愿者（虚构）", "19900000004", "志愿者", "示例大学志愿者协会（虚构）", "", "2027-01-31"),
    ("测试培训师（虚构）", "19900000005", "培训师", "", "", ""),
)


# --- rows on their own ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (("", "19900000001", "村儿童主任", "一村", "", ""), "姓名", "不能为空"),
        (("测\u202e试", "19900000001", "村儿童主任", "一村", "", ""), "姓名", "U+202E"),
        (("测试", "1990000000", "村儿童主任", "一村", "", ""), "手机号码", "11位"),
        (("测试", "１9900000001", "村儿童主任", "一村", "", ""), "手机号码", "全角"),
        (("测试", "19900000001", "村主任", "一村", "", ""), "角色", "村儿童主任"),
        (("测试", "19900000001", "县级管理员", "测试县", "", ""), "角色", "逐个添加"),
        (("测试", "19900000001", "班主任", "一乡中心学校", "", ""), "角色", "逐个添加"),
        (("测试", "19900000001", "村儿童主任", "一村", "张 三", ""), "用户名", "字母、数字"),
        (("测试", "19900000001", "村儿童主任", "一村", "import", ""), "用户名", "保留"),
        (("测试", "19900000001", "志愿者", "某协会", "", ""), "失效日期", "必须填写"),
        (("测试", "19900000001", "志愿者", "某协会", "", "2027.1.31"), "失效日期", "日期格式"),
        (("测试", "19900000001", "志愿者", "某协会", "", "2020-01-31"), "失效日期", "不能早于今天"),
    ],
)
def test_every_bad_cell_is_named_by_row_column_and_value_in_chinese(
    row: tuple[str, ...], column: str, fragment: str
) -> None:
    staff, problems = parse(row)
    assert staff == []
    assert [(p[0], p[1], p[2]) for p in problems] == [(2, column, row[HEADER.index(column)])]
    assert fragment in problems[0][3]


def test_a_duplicate_phone_points_at_its_first_row() -> None:
    staff, problems = parse(ROSTER[0], ("别人（虚构）", "19900000001", "村儿童主任", "一村", "", ""))
    assert len(staff) == 1
    assert problems == [(3, "手机号码", "19900000001", "手机号码与第2行重复。")]


def test_dates_are_read_in_the_usual_chinese_forms() -> None:
    staff, _problems = parse(("测试", "19900000004", "志愿者", "x", "", "2027年1月31日"))
    assert staff[0].valid_until == dt.date(2027, 1, 31)


# --- scopes and existing accounts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (("测试", "19900000001", "学校心理教师", "一乡", "", ""), "须是一个学校，“一乡”是乡镇/街道"),
        (
            ("测试", "19900000001", "乡镇儿童督导员", "一乡中心学校", "", ""),
            "须是一个乡镇/街道，“一乡中心学校”是学校",
        ),
        (("测试", "19900000001", "乡镇儿童督导员", "三乡", "", ""), "本县找不到名为“三乡”的乡镇/街道"),
        (("测试", "19900000001", "学校心理教师", "三乡中心学校", "", ""), "找不到"),
        (("测试", "19900000001", "村儿童主任", "", "", ""), "请填写"),
    ],
)
def test_scopes_are_found_by_name_in_the_county_and_must_fit_the_role(
    world: World, row: tuple[str, ...], fragment: str
) -> None:
    result = plan(world, row)
    assert [(p.row, p.column, p.value) for p in result.problems] == [(2, "范围", row[3])]  # type: ignore[attr-defined]
    assert fragment in result.problems[0].message  # type: ignore[attr-defined]


def test_two_villages_of_the_same_name_need_their_township(world: World) -> None:
    world.v2.name = "一村"
    world.v2.save()
    ambiguous = plan(world, ("测试", "19900000002", "村儿童主任", "一村", "", ""))
    assert "2个名为“一村”" in ambiguous.problems[0].message  # type: ignore[attr-defined]
    clear = plan(world, ("测试", "19900000002", "村儿童主任", "二乡/一村", "", ""))
    assert clear.actions[0].scope == world.v2  # type: ignore[attr-defined]


def test_the_plan_lists_new_accounts(world: World, org: Organisation) -> None:
    result = plan(world, *ROSTER)
    assert result.problems == []  # type: ignore[attr-defined]
    scopes = [a.scope for a in result.actions]  # type: ignore[attr-defined]
    assert scopes == [world.t1, world.v1, world.s1, org, world.county]
    assert {a.status for a in result.actions} == {"new"}  # type: ignore[attr-defined]


def test_a_username_of_another_account_is_refused(world: World) -> None:
    result = plan(world, ("测试", "19900000001", "村儿童主任", "一村", "other_county_admin", ""))
    assert [(p.column, p.value) for p in result.problems] == [("用户名", "other_county_admin")]  # type: ignore[attr-defined]


# --- the write ------------------------------------------------------------------------------------


def test_it_creates_accounts_roles_and_one_time_codes(world: World, org: Organisation) -> None:
    _plan, issued = commit(world, *ROSTER)  # type: ignore[misc]
    assert len(issued) == 5 and all(line.code for line in issued)
    director = User.objects.get(username="dir.yicun")
    assert director.first_name == "测试主任（虚构）" and not director.has_usable_password()
    assert ContactPreference.objects.get(user=director).phone == "19900000002"
    assert Membership.objects.get(user=director).region == world.v1
    line = next(i for i in issued if i.username == "dir.yicun")
    stored = PasswordResetCode.objects.get(user=director)
    assert check_password(accounts.normalise_reset_code(line.code), stored.code_hash)
    volunteer = User.objects.get(first_name="测试志愿者（虚构）")
    assert Membership.objects.get(user=volunteer).valid_until == dt.date(2027, 1, 31)
    assert Volunteer.objects.get(user=volunteer).organisation == org
    summary = AuditEvent.objects.get(action="lbc.user.roster_imported")
    assert len(summary.detail["created"]) == 5
    assert AuditEvent.objects.filter(action="lbc.user.created").count() == 5
    assert AuditEvent.objects.filter(action="lbc.user.reset_code_issued").count() == 5


def test_a_new_account_sets_its_password_with_its_code(world: World, org: Organisation) -> None:
    _plan, issued = commit(world, ROSTER[1])  # type: ignore[misc]
    accounts.use_reset_code(username="dir.yicun", code=issued[0].code, new_password="Synthetic-pass-2026")
    assert User.objects.get(username="dir.yicun").check_password("Synthetic-pass-2026")


def test_importing_the_same_roster_again_creates_nothing(world: World, org: Organisation) -> None:
    commit(world, *ROSTER)
    counts = (
        User.objects.count(),
        Membership.objects.count(),
        PasswordResetCode.objects.count(),
        AuditEvent.objects.count(),
    )
    again, issued = commit(world, *ROSTER)  # type: ignore[misc]
    assert {a.status for a in again.actions} == {"exists"} and issued == []
    assert (
        User.objects.count(),
        Membership.objects.count(),
        PasswordResetCode.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_a_known_phone_with_a_new_role_adds_the_role_only(world: World, org: Organisation) -> None:
    commit(world, ROSTER[0])
    user = User.objects.get(first_name="测试督导（虚构）")
    _plan, issued = commit(world, ("测试督导（虚构）", "19900000001", "村儿童主任", "一村", "", ""))  # type: ignore[misc]
    assert issued[0].username == user.username and issued[0].code == ""
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {
        Role.TOWNSHIP_SUPERVISOR,
        Role.VILLAGE_DIRECTOR,
    }
    assert PasswordResetCode.objects.filter(user=user).count() == 1


def test_a_roster_changed_since_the_preview_writes_nothing(world: World, org: Organisation) -> None:
    staff, _problems = parse(*ROSTER)
    admin = world.user("county_admin")
    fingerprint = plan_roster(staff, by=admin).fingerprint()
    commit(world, ROSTER[0])
    users = User.objects.count()
    with pytest.raises(DomainError, match="预览之后"):
        commit_roster(staff, by=admin, fingerprint=fingerprint)
    assert User.objects.count() == users


def test_a_failure_half_way_leaves_no_account(
    world: World, org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = User.objects.count()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("code store down")

    monkeypatch.setattr(accounts, "issue_reset_code", broken)
    with pytest.raises(RuntimeError):
        commit(world, *ROSTER)
    assert User.objects.count() == users
    assert not AuditEvent.objects.filter(action__startswith="lbc.user.").exists()
