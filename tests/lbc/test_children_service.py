"""The registry's write services: audited by field name only, safe against lost updates."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from lbc import crypto
from lbc.idnumbers import make_id_number
from lbc.models import AuditEvent, Child, ChildGuardian, Guardian
from lbc.services.children import register_child, save_guardian, update_child
from lbc.services.errors import DomainError, EditConflict
from tests.conftest import World

BIRTH = dt.date(2015, 9, 10)
NEW_ID = make_id_number("110101", BIRTH, 31, "M")
PHONE = "13655556666"


def child_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "family_name": "测",
        "given_name": "试乙",
        "sex": "M",
        "birth_date": BIRTH,
        "village": world.v1,
        "school": world.s1,
        "school_class": world.class1,
        "grade": 5,
        "left_behind_type": Child.LeftBehindType.ONE_AWAY,
        "parent_contact": Child.ContactFrequency.WEEKLY,
        "care_arrangement": Child.CareArrangement.GRANDPARENTS,
        "id_number": NEW_ID,
    }
    data.update(overrides)
    return data


def all_audit_text() -> str:
    details = AuditEvent.objects.values_list("detail", flat=True)
    return "\n".join(json.dumps(d, ensure_ascii=False) for d in details)


def fresh(child: Child) -> Child:
    return Child.objects.get(pk=child.pk)


def test_register_update_and_guardian_edits_are_audited_by_field_name_only(world: World) -> None:
    admin = world.user("county_admin")
    child = register_child(child_data(world), by=admin)
    update_child(
        fresh(child), {"given_name": "试丙", "id_number": NEW_ID.lower()}, by=admin, expected_version=1
    )
    grandfather = ChildGuardian.Relationship.GRANDFATHER_PATERNAL
    guardian = save_guardian(
        None,
        {"name": "测试祖父", "sex": "M", "phone": PHONE, "village": world.v1},
        by=admin,
        child=child,
        relationship=grandfather,
    )
    save_guardian(
        guardian, {"phone": "13655557777"}, by=admin, child=child, expected_version=guardian.version
    )

    events = list(AuditEvent.objects.order_by("id"))
    assert [e.action for e in events] == [
        "lbc.child.registered",
        "lbc.child.updated",
        "lbc.guardian.created",
        "lbc.guardian.updated",
    ]
    assert "id_number" in events[0].detail["fields"] and "family_name" in events[0].detail["fields"]
    assert events[1].detail == {"fields": ["given_name"]}  # the same ID number in lower case is no change
    assert events[2].detail == {"fields": ["name", "phone", "sex", "village"]}
    assert events[3].detail == {"fields": ["phone"]}
    assert all(e.child_id == str(child.public_id) and e.actor_username == "county_admin" for e in events)

    text = all_audit_text() + "".join(e.object_id for e in events)
    for secret in (NEW_ID, NEW_ID[:17], PHONE, "13655557777", "试丙", "测试祖父"):
        assert secret not in text


def test_a_stale_edit_raises_a_conflict_and_keeps_the_first_edit(world: World) -> None:
    admin, supervisor = world.user("county_admin"), world.user("supervisor")
    opened_by_admin, opened_by_supervisor = fresh(world.c1), fresh(world.c1)
    version = opened_by_admin.version
    events = AuditEvent.objects.count()

    update_child(opened_by_admin, {"given_name": "先改"}, by=admin, expected_version=version)
    with pytest.raises(EditConflict) as excinfo:
        update_child(
            opened_by_supervisor,
            {"given_name": "后改", "grade": 6, "village": world.v1b},
            by=supervisor,
            expected_version=version,
        )

    assert excinfo.value.message == "保存失败：在您编辑期间，其他人已修改了这份档案。请刷新后重新修改。"
    stored = fresh(world.c1)
    assert (stored.given_name, stored.grade, stored.village_id) == ("先改", 5, world.v1.pk)
    assert stored.version == version + 1
    assert AuditEvent.objects.count() == events + 1  # only the first edit was recorded


def test_a_stale_guardian_edit_raises_a_conflict(world: World) -> None:
    admin = world.user("county_admin")
    first, second = Guardian.objects.get(pk=world.g1.pk), Guardian.objects.get(pk=world.g1.pk)
    save_guardian(first, {"phone": "13600000001"}, by=admin, expected_version=first.version)
    with pytest.raises(EditConflict):
        save_guardian(second, {"phone": "13600000002"}, by=admin, expected_version=second.version)
    assert Guardian.objects.get(pk=world.g1.pk).phone == "13600000001"


def test_moving_a_child_to_another_township_moves_its_region_ids(world: World) -> None:
    child = fresh(world.c1)
    update_child(child, {"village": world.v3}, by=world.user("county_admin"), expected_version=child.version)
    stored = fresh(world.c1)
    assert (stored.village_id, stored.township_id) == (world.v3.pk, world.t3.pk)
    assert stored.county_id == world.county2.pk
    assert stored.city_id == world.city.pk and stored.province_id == world.province.pk


def test_moving_a_guardian_moves_its_region_ids(world: World) -> None:
    guardian = Guardian.objects.get(pk=world.g1.pk)
    admin = world.user("county_admin")
    save_guardian(guardian, {"village": world.v2}, by=admin, expected_version=guardian.version)
    stored = Guardian.objects.get(pk=world.g1.pk)
    assert (stored.township_id, stored.county_id) == (world.t2.pk, world.county.pk)


def test_a_guardian_phone_edit_updates_the_phone_index(world: World) -> None:
    guardian = Guardian.objects.get(pk=world.g1.pk)
    save_guardian(
        guardian,
        {"phone": "+86 136-0000-1234"},
        by=world.user("county_admin"),
        expected_version=guardian.version,
    )
    stored = Guardian.objects.get(pk=world.g1.pk)
    assert stored.phone == "+86 136-0000-1234"
    assert stored.phone_index == crypto.blind_index("13600001234", "phone")

    def found_by(phone: str) -> bool:
        candidates = crypto.blind_index_candidates(crypto.normalise_phone(phone), "phone")
        return Guardian.objects.filter(pk=guardian.pk, phone_index__in=candidates).exists()

    assert found_by("13600001234") and not found_by("13812345678")


def test_clearing_a_guardian_phone_clears_its_index(world: World) -> None:
    guardian = Guardian.objects.get(pk=world.g1.pk)
    save_guardian(guardian, {"phone": ""}, by=world.user("county_admin"), expected_version=guardian.version)
    stored = Guardian.objects.get(pk=world.g1.pk)
    assert (stored.phone, stored.phone_index) == ("", "")


def test_an_edit_changing_the_birth_date_is_checked_against_the_stored_id(world: World) -> None:
    child = fresh(world.c1)
    with pytest.raises(DomainError, match="出生日期与填写的出生日期不一致"):
        update_child(
            child,
            {"birth_date": dt.date(2014, 3, 2)},
            by=world.user("county_admin"),
            expected_version=child.version,
        )
    assert fresh(world.c1).birth_date == dt.date(2014, 3, 1)


def test_an_edit_giving_another_childs_id_number_is_refused(world: World) -> None:
    child, other = fresh(world.c1b), fresh(world.c1)
    data = {"id_number": other.id_number, "birth_date": other.birth_date, "sex": other.sex}
    with pytest.raises(DomainError, match="已登记在另一名儿童的档案中"):
        update_child(child, data, by=world.user("county_admin"), expected_version=child.version)
    assert fresh(world.c1b).id_number != other.id_number


def test_fields_outside_the_writable_list_are_ignored(world: World) -> None:
    admin = world.user("county_admin")
    child = register_child(child_data(world, version=99, confirmed_by=admin, public_id="x"), by=admin)
    stored = fresh(child)
    assert (stored.version, stored.confirmed_by_id) == (1, None)
