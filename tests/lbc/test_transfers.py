"""Moving a child to another school and village: the record kept, the scope moved, open warnings
following the child, closed history left where it happened."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from lbc import hooks
from lbc.models import AuditEvent, Child, ChildTransfer, OutboxMessage, SchoolClass
from lbc.services.children import update_child
from lbc.services.errors import DomainError, EditConflict
from lbc.services.transfers import transfer_child
from screening.models import Assessment, EscalationLevel, Warning, WarningEvent, WarningState
from tests.conftest import World


def fresh(child: Child) -> Child:
    return Child.objects.get(pk=child.pk)


def class2(world: World) -> SchoolClass:
    return SchoolClass.objects.get(school=world.s2)


def move_c1_to_s2(world: World, persona: str = "county_admin", **overrides: Any) -> ChildTransfer:
    child = fresh(world.c1)
    args: dict[str, Any] = {
        "village": world.v2,
        "school": world.s2,
        "school_class": class2(world),
        "moved_on": timezone.localdate(),
        "by": world.user(persona),
        "expected_version": child.version,
        "reason": "随祖母搬家（合成数据）",
    }
    args.update(overrides)
    return transfer_child(child, **args)


def detail_url(child: Child) -> str:
    return reverse("lbc:child-detail", kwargs={"public_id": child.public_id})


def transfer_url(child: Child) -> str:
    return reverse("lbc:child-transfer", kwargs={"public_id": child.public_id})


# --- the service ------------------------------------------------------------------


def test_a_transfer_keeps_where_the_child_was_and_moves_the_child(world: World) -> None:
    version = fresh(world.c1).version
    transfer = move_c1_to_s2(world)
    child = fresh(world.c1)
    assert (child.village, child.school, child.school_class) == (world.v2, world.s2, class2(world))
    assert child.township_id == world.t2.pk and child.version == version + 1
    assert (transfer.from_village, transfer.from_school, transfer.from_class) == (
        world.v1,
        world.s1,
        world.class1,
    )
    assert (transfer.to_village, transfer.to_school, transfer.by) == (
        world.v2,
        world.s2,
        world.user("county_admin"),
    )
    event = AuditEvent.objects.get(action="lbc.child.transferred")
    assert event.detail["from"]["school"] == str(world.s1.public_id)
    assert event.detail["to"]["school"] == str(world.s2.public_id)
    assert event.actor_username == "county_admin" and event.child_id == str(child.public_id)


def test_the_household_stays_where_it_is(world: World) -> None:
    household_village = fresh(world.c1).household.village_id
    move_c1_to_s2(world)
    assert fresh(world.c1).household.village_id == household_village


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"village": "v3"}, "只能在本县范围内迁移"),
        ({"school": "s3", "school_class": None}, "只能转入本县的学校"),
        ({"school_class": "class1"}, "所选班级不属于所选学校"),
        ({"moved_on": dt.date(2030, 1, 1)}, "迁移日期不能晚于今天"),
        ({"village": "v1", "school": "s1", "school_class": "class1"}, "无需办理"),
    ],
)
def test_a_transfer_that_breaks_a_rule_writes_nothing(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    resolved = {k: getattr(world, v) if isinstance(v, str) else v for k, v in overrides.items()}
    with pytest.raises(DomainError, match=message):
        move_c1_to_s2(world, **resolved)
    assert fresh(world.c1).school == world.s1
    assert not ChildTransfer.objects.exists()
    assert not AuditEvent.objects.filter(action="lbc.child.transferred").exists()


def test_a_stale_transfer_raises_a_conflict_and_writes_nothing(world: World) -> None:
    stale = fresh(world.c1)
    update_child(
        fresh(world.c1), {"boarding": True}, by=world.user("counsellor"), expected_version=stale.version
    )
    with pytest.raises(EditConflict):
        transfer_child(
            stale,
            village=world.v2,
            school=world.s2,
            school_class=None,
            moved_on=timezone.localdate(),
            by=world.user("county_admin"),
            expected_version=stale.version,
        )
    assert fresh(world.c1).school == world.s1 and not ChildTransfer.objects.exists()


def test_a_failing_satellite_undoes_the_whole_transfer(world: World, monkeypatch: Any) -> None:
    def broken(move: hooks.ChildMove) -> None:
        raise RuntimeError("satellite down")

    monkeypatch.setattr(hooks, "child_moved", [*hooks.child_moved, broken])
    with pytest.raises(RuntimeError):
        move_c1_to_s2(world)
    assert fresh(world.c1).school == world.s1
    assert not ChildTransfer.objects.exists()
    assert Warning.objects.get(pk=world.w1.pk).school == world.s1


# --- the scope moves ------------------------------------------------------------------


def test_after_the_transfer_the_old_school_gets_404_and_the_new_one_sees_the_child(
    login: Any, world: World
) -> None:
    move_c1_to_s2(world)
    for persona in ("counsellor", "village_director", "head_teacher", "supervisor"):
        assert login(persona).get(detail_url(world.c1)).status_code == 404, persona
    for persona in ("other_counsellor", "other_village_director", "other_supervisor", "county_admin"):
        assert login(persona).get(detail_url(world.c1)).status_code == 200, persona


def test_the_screening_history_stays_with_the_child(login: Any, world: World) -> None:
    move_c1_to_s2(world)
    record = reverse("screening:child-record", kwargs={"public_id": world.c1.public_id})
    assert login("counsellor").get(record).status_code == 404
    response = login("other_counsellor").get(record)
    assert response.status_code == 200 and "2026-10-15" in response.content.decode()
    # The assessment keeps the school where it was taken (statistics of that term stay as they were).
    assert Assessment.objects.get(pk=world.a1.pk).school == world.s1


def test_the_file_lists_the_transfer(login: Any, world: World) -> None:
    move_c1_to_s2(world)
    html = login("other_counsellor").get(detail_url(world.c1)).content.decode()
    assert "转学/迁移记录" in html and "一乡中心学校（一村）→ 二乡中心学校（二村）" in html
    assert "随祖母搬家（合成数据）" in html


# --- the satellites: open warnings follow, closed ones stay ---------------------------------------


def test_an_open_warning_follows_the_child_to_the_new_school(world: World) -> None:
    Warning.objects.filter(pk=world.w1.pk).update(
        escalation_level=EscalationLevel.TOWNSHIP, assigned_to=world.user("counsellor")
    )
    due = Warning.objects.get(pk=world.w1.pk).due_at
    move_c1_to_s2(world)
    warning = Warning.objects.get(pk=world.w1.pk)
    assert (warning.school, warning.township) == (world.s2, world.t2)
    assert warning.state == WarningState.TRANSFERRED and warning.escalation_level == EscalationLevel.SCHOOL
    assert warning.assigned_to is None and warning.due_at == due  # a move never buys time
    event = WarningEvent.objects.filter(warning=warning).latest("at", "pk")
    assert event.detail["because"] == "child_moved" and event.by == world.user("county_admin")
    alerts = OutboxMessage.objects.filter(dedupe_key__startswith=f"warning:{warning.public_id}:transfer:")
    assert {m.user for m in alerts} == {world.user("other_counsellor")}


def test_a_closed_warning_stays_where_it_happened(world: World) -> None:
    Warning.objects.filter(pk=world.w1.pk).update(state=WarningState.CLOSED, closed_at=timezone.now())
    move_c1_to_s2(world)
    warning = Warning.objects.get(pk=world.w1.pk)
    assert (warning.school, warning.township, warning.state) == (world.s1, world.t1, WarningState.CLOSED)


def test_moving_only_the_home_village_leaves_the_schools_warning_alone(world: World) -> None:
    move_c1_to_s2(world, village=world.v1b, school=world.s1, school_class=world.class1)
    warning = Warning.objects.get(pk=world.w1.pk)
    assert warning.school == world.s1 and warning.state == WarningState.RAISED


def test_correcting_the_school_in_the_edit_form_moves_the_open_warning_too(world: World) -> None:
    child = fresh(world.c1)
    update_child(
        child,
        {"school": world.s2, "school_class": None},
        by=world.user("county_admin"),
        expected_version=child.version,
    )
    assert Warning.objects.get(pk=world.w1.pk).school == world.s2


# --- the page ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("county_admin", 200),
        ("counsellor", 200),
        ("village_director", 200),
        ("supervisor", 403),
        ("head_teacher", 403),
        ("volunteer", 403),
        ("other_counsellor", 404),
        ("other_county_admin", 404),
        ("trainer", 404),
    ],
)
def test_who_may_open_the_transfer_page(login: Any, world: World, persona: str, status: int) -> None:
    assert login(persona).get(transfer_url(world.c1)).status_code == status


def form_data(world: World, **overrides: Any) -> dict[str, Any]:
    data = {
        "village": str(world.v2.public_id),
        "school": str(world.s2.public_id),
        "school_class": str(class2(world).public_id),
        "moved_on": timezone.localdate().isoformat(),
        "reason": "升学（合成数据）",
        "version": fresh(world.c1).version,
    }
    data.update(overrides)
    return data


def test_a_counsellor_transfers_a_child_out_and_lands_on_the_list(login: Any, world: World) -> None:
    client = login("counsellor")
    response = client.post(transfer_url(world.c1), form_data(world), follow=True)
    assert response.redirect_chain[-1][0] == reverse("lbc:child-list")
    assert "这名儿童已不在您的负责范围内" in response.content.decode()
    assert fresh(world.c1).school == world.s2
    assert client.get(detail_url(world.c1)).status_code == 404


def test_a_county_administrator_stays_on_the_file(login: Any, world: World) -> None:
    response = login("county_admin").post(transfer_url(world.c1), form_data(world))
    assert response.status_code == 302 and response.url == detail_url(world.c1)


def test_a_bad_transfer_form_says_why_and_keeps_the_values(login: Any, world: World) -> None:
    data = form_data(world, school_class=str(world.class1.public_id), reason="保留的说明")
    response = login("county_admin").post(transfer_url(world.c1), data)
    html = response.content.decode()
    assert response.status_code == 200 and "所选班级不属于所选学校" in html and "保留的说明" in html
    assert fresh(world.c1).school == world.s1


def test_the_transfer_page_offers_only_the_childs_county(login: Any, world: World) -> None:
    html = login("county_admin").get(transfer_url(world.c1)).content.decode()
    assert str(world.s2.public_id) in html and str(world.v2.public_id) in html
    assert str(world.s3.public_id) not in html and str(world.v3.public_id) not in html


def test_extra_fields_in_the_post_are_ignored(login: Any, world: World) -> None:
    data = form_data(world, county=str(world.county2.public_id), status=Child.Status.AGED_OUT)
    login("county_admin").post(transfer_url(world.c1), data)
    child = fresh(world.c1)
    assert child.county == world.county and child.status == Child.Status.ACTIVE
