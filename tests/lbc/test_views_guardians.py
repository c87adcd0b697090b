"""Guardians, parents and consents of a child, as each persona sees and changes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from lbc import crypto
from lbc.models import AuditEvent, Child, ChildGuardian, Consent, Guardian, Parent
from lbc.services.children import save_guardian
from lbc.services.consents import record_consent, withdraw_consent
from lbc.services.errors import DomainError
from tests.conftest import World


def detail_url(child: Child) -> str:
    return reverse("lbc:child-detail", kwargs={"public_id": child.public_id})


def guardian_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "测试外婆",
        "relationship": ChildGuardian.Relationship.GRANDMOTHER_MATERNAL,
        "sex": "F",
        "birth_year": "1962",
        "education": "primary",
        "health": "good",
        "can_read": "on",
        "phone": "139 0000 1111",
        "village": str(world.v1.public_id),
        "dialect_note": "",
    }
    data.update(overrides)
    return data


def guardian_edit_data(guardian: Guardian, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": guardian.name,
        "sex": guardian.sex,
        "birth_year": guardian.birth_year or "",
        "education": guardian.education,
        "health": guardian.health,
        "phone": guardian.phone,
        "village": str(guardian.village.public_id),
        "dialect_note": guardian.dialect_note,
        "version": guardian.version,
    }
    if guardian.can_read:
        data["can_read"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def consent_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "purpose": Consent.Purpose.SCREENING,
        "decision": Consent.Decision.GRANTED,
        "signer": "other",
        "given_by_name": "测试母亲",
        "given_by_relationship": "母亲",
        "is_legal_guardian": "on",
        "channel": Consent.Channel.PAPER,
        "notice_version": "2026-1",
        "decided_on": timezone.localdate().isoformat(),
        "child_assent": "yes",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- guardians ---------------------------------------------------------------------------------------


def test_it_adds_a_guardian_to_a_child_with_a_normalised_phone(login: Any, world: World) -> None:
    url = reverse("lbc:guardian-create", kwargs={"public_id": world.c1.public_id})
    response = login("village_director").post(url, guardian_data(world))
    assert response.status_code == 302 and response["Location"].endswith("#guardians")
    guardian = Guardian.objects.get(name="测试外婆")
    assert guardian.phone == "13900001111"
    assert guardian.phone_index == crypto.blind_index("13900001111", "phone")
    link = guardian.child_links.get()
    assert link.child == world.c1 and link.relationship == ChildGuardian.Relationship.GRANDMOTHER_MATERNAL
    assert AuditEvent.objects.filter(action="lbc.guardian.created", child_id=str(world.c1.public_id)).exists()


@pytest.mark.parametrize("phone", ["12345", "2381234567", "138123456789", "电话", "0851-123"])
def test_it_refuses_a_phone_that_is_neither_mobile_nor_landline(login: Any, world: World, phone: str) -> None:
    url = reverse("lbc:guardian-create", kwargs={"public_id": world.c1.public_id})
    response = login("counsellor").post(url, guardian_data(world, phone=phone))
    html = response.content.decode()
    assert response.status_code == 200
    assert "电话号码格式不正确" in html and 'value="测试外婆"' in html
    assert not Guardian.objects.filter(name="测试外婆").exists()


def test_it_refuses_full_width_digits_in_a_phone_with_a_message(login: Any, world: World) -> None:
    url = reverse("lbc:guardian-create", kwargs={"public_id": world.c1.public_id})
    response = login("counsellor").post(url, guardian_data(world, phone="１３８１２３４５６７８"))
    assert "全角数字" in response.content.decode()
    assert not Guardian.objects.filter(name="测试外婆").exists()


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("+86 138-1234-0000", "13812340000"),
        ("0851-12345678", "0851-12345678"),
        ("01012345678", "01012345678"),
        ("", ""),
    ],
)
def test_it_accepts_mobiles_and_landlines(login: Any, world: World, phone: str, stored: str) -> None:
    url = reverse("lbc:guardian-create", kwargs={"public_id": world.c1.public_id})
    assert login("counsellor").post(url, guardian_data(world, phone=phone)).status_code == 302
    assert Guardian.objects.get(name="测试外婆").phone == stored


def test_it_refuses_a_birth_year_in_the_future(login: Any, world: World) -> None:
    url = reverse("lbc:guardian-create", kwargs={"public_id": world.c1.public_id})
    next_year = str(timezone.localdate().year + 1)
    html = login("counsellor").post(url, guardian_data(world, birth_year=next_year)).content.decode()
    assert "出生年份不能晚于今年" in html


def test_it_edits_a_guardian_and_names_the_changed_fields_in_the_childs_history(
    login: Any, world: World
) -> None:
    client = login("counsellor")
    url = (
        reverse("lbc:guardian-edit", kwargs={"public_id": world.g1.public_id})
        + f"?child={world.c1.public_id}"
    )
    response = client.post(url, guardian_edit_data(world.g1, phone="13700000000", can_read=None))
    assert response.status_code == 302 and response["Location"] == detail_url(world.c1) + "#guardians"
    world.g1.refresh_from_db()
    assert world.g1.phone == "13700000000" and not world.g1.can_read and world.g1.version == 2
    event = AuditEvent.objects.get(action="lbc.guardian.updated")
    assert event.child_id == str(world.c1.public_id) and event.detail["fields"] == ["can_read", "phone"]
    html = client.get(detail_url(world.c1)).content.decode()
    history = html[html.index('id="history"') :]
    assert "修改监护人信息" in history and "电话" in history and "能阅读通知" in history


def test_it_lets_an_old_phone_on_record_through_an_unrelated_edit(login: Any, world: World) -> None:
    Guardian.objects.filter(pk=world.g1.pk).update(phone="10033029411")  # predates the validation rules
    world.g1.refresh_from_db()
    url = reverse("lbc:guardian-edit", kwargs={"public_id": world.g1.public_id})
    client = login("counsellor")
    assert client.post(url, guardian_edit_data(world.g1, dialect_note="只会说方言")).status_code == 302
    world.g1.refresh_from_db()
    assert world.g1.phone == "10033029411" and world.g1.dialect_note == "只会说方言"
    html = client.post(url, guardian_edit_data(world.g1, phone="10033029412")).content.decode()
    assert "电话号码格式不正确" in html


def test_it_keeps_the_first_guardian_edit_on_a_conflict(login: Any, world: World) -> None:
    stale = guardian_edit_data(world.g1, name="第二次修改")
    save_guardian(world.g1, {"name": "第一次修改"}, by=world.user("supervisor"), expected_version=1)
    url = reverse("lbc:guardian-edit", kwargs={"public_id": world.g1.public_id})
    response = login("counsellor").post(url, stale)
    html = response.content.decode()
    assert (
        response.status_code == 200
        and "其他人已修改了这位监护人的信息" in html
        and 'value="第二次修改"' in html
    )
    world.g1.refresh_from_db()
    assert world.g1.name == "第一次修改"


def test_it_ignores_fields_that_are_not_in_the_guardian_form(login: Any, world: World) -> None:
    url = reverse("lbc:guardian-edit", kwargs={"public_id": world.g1.public_id})
    data = guardian_edit_data(
        world.g1,
        name="改名",
        phone_index="forged",
        county=str(world.county2.pk),
        public_id="00000000-0000-4000-8000-000000000009",
    )
    login("counsellor").post(url, data)
    world.g1.refresh_from_db()
    assert world.g1.name == "改名"
    assert world.g1.phone_index == crypto.blind_index("13812345678", "phone")
    assert (
        world.g1.county == world.county and str(world.g1.public_id) != "00000000-0000-4000-8000-000000000009"
    )


def test_it_hides_guardian_and_parent_contacts_from_head_teachers(login: Any, world: World) -> None:
    html = login("head_teacher").get(detail_url(world.c1)).content.decode()
    assert "测试祖母" in html and "测试父亲" in html
    assert "13812345678" not in html and "13987654321" not in html and "东莞" not in html
    assert "修改" not in html.split('id="guardians"')[1].split('id="parents"')[0]


# --- parents -------------------------------------------------------------------------------------


def test_it_adds_and_edits_a_parent_in_the_childs_household(login: Any, world: World) -> None:
    client = login("village_director")
    url = reverse("lbc:parent-create", kwargs={"public_id": world.c1.public_id})
    data = {
        "role": "mother",
        "name": "测试母亲",
        "works_away": "on",
        "work_city": "深圳",
        "employer_name": "",
        "phone": "13600000000",
        "return_period": "spring_festival",
    }
    assert client.post(url, data).status_code == 302
    mother = Parent.objects.get(name="测试母亲")
    assert mother.household == world.c1.household and mother.phone_index
    edit = reverse("lbc:parent-edit", kwargs={"public_id": world.c1.public_id, "parent_id": mother.public_id})
    assert client.post(edit, {**data, "work_city": "广州", "version": 1}).status_code == 302
    mother.refresh_from_db()
    assert mother.work_city == "广州"
    event = AuditEvent.objects.get(action="lbc.parent.updated")
    assert event.detail["fields"] == ["work_city"] and event.child_id == str(world.c1.public_id)


def test_it_keeps_the_first_of_two_concurrent_parent_edits(login: Any, world: World) -> None:
    client = login("village_director")
    father = world.c1.household.parents.get()
    edit = reverse("lbc:parent-edit", kwargs={"public_id": world.c1.public_id, "parent_id": father.public_id})
    form = {
        "role": "father",
        "name": "测试父亲",
        "works_away": "on",
        "work_city": "苏州",
        "employer_name": "",
        "phone": "13987654321",
        "return_period": "",
        "version": father.version,
    }
    assert client.post(edit, form).status_code == 302
    stale = client.post(edit, {**form, "work_city": "杭州"})
    assert stale.status_code == 200
    assert "其他人已修改" in stale.content.decode()
    assert 'value="杭州"' in stale.content.decode()  # the second editor's input is kept in the form
    father.refresh_from_db()
    assert father.work_city == "苏州"


def test_it_asks_for_the_work_city_of_a_parent_working_away(login: Any, world: World) -> None:
    url = reverse("lbc:parent-create", kwargs={"public_id": world.c1.public_id})
    data = {
        "role": "father",
        "name": "测试",
        "works_away": "on",
        "work_city": "",
        "phone": "",
        "return_period": "",
    }
    assert "外出务工时请填写务工城市" in login("counsellor").post(url, data).content.decode()


def test_it_does_not_find_a_parent_through_another_childs_file(login: Any, world: World) -> None:
    parent = world.c1.household.parents.get()
    url = reverse("lbc:parent-edit", kwargs={"public_id": world.c1b.public_id, "parent_id": parent.public_id})
    assert login("counsellor").get(url).status_code == 404


# --- consents --------------------------------------------------------------------------------------


def test_it_records_a_legal_guardians_consent(login: Any, world: World) -> None:
    url = reverse("lbc:consent-create", kwargs={"public_id": world.c1.public_id})
    response = login("counsellor").post(url, consent_data())
    assert response.status_code == 302
    consent = Consent.objects.filter(child=world.c1).latest("recorded_at")
    assert consent.is_active and consent.is_legal_guardian and consent.child_assent is True
    assert consent.recorded_by == world.user("counsellor")
    event = AuditEvent.objects.get(action="lbc.consent.recorded")
    assert event.detail["legal_guardian"] is True and "测试母亲" not in str(event.detail)


def test_it_flags_a_consent_signed_by_an_entrusted_caregiver(login: Any, world: World) -> None:
    client = login("village_director")
    url = reverse("lbc:consent-create", kwargs={"public_id": world.c1.public_id})
    response = client.post(
        url,
        consent_data(signer=str(world.g1.public_id), given_by_name="", is_legal_guardian="on"),
        follow=True,
    )
    consent = Consent.objects.filter(child=world.c1).latest("recorded_at")
    assert consent.given_by_name == "测试祖母" and consent.given_by_relationship == "祖母"
    assert consent.is_legal_guardian is False
    html = response.content.decode()
    assert "签署人不是法定监护人" in html and "委托照护人签署，需法定监护人确认" in html


def test_it_refuses_a_consent_dated_in_the_future_or_without_a_signer(login: Any, world: World) -> None:
    url = reverse("lbc:consent-create", kwargs={"public_id": world.c1.public_id})
    client = login("counsellor")
    before = Consent.objects.count()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "日期不能晚于今天" in client.post(url, consent_data(decided_on=tomorrow)).content.decode()
    assert "请填写签署人姓名" in client.post(url, consent_data(given_by_name="")).content.decode()
    assert Consent.objects.count() == before


def test_it_withdraws_a_consent_and_keeps_the_record(login: Any, world: World) -> None:
    consent = record_consent(
        world.c1,
        {
            **consent_data(),
            "is_legal_guardian": True,
            "child_assent": None,
            "decided_on": timezone.localdate(),
        },
        by=world.user("counsellor"),
    )
    url = reverse(
        "lbc:consent-withdraw", kwargs={"public_id": world.c1.public_id, "consent_id": consent.public_id}
    )
    client = login("counsellor")
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate() and not consent.is_active
    assert AuditEvent.objects.filter(
        action="lbc.consent.withdrawn", child_id=str(world.c1.public_id)
    ).exists()
    again = client.post(url, follow=True).content.decode()
    assert "无需撤回" in again


def test_it_refuses_withdrawal_to_read_only_roles_and_outsiders(login: Any, world: World) -> None:
    consent = record_consent(
        world.c1,
        {
            **consent_data(),
            "is_legal_guardian": True,
            "child_assent": None,
            "decided_on": timezone.localdate(),
        },
        by=world.user("counsellor"),
    )
    url = reverse(
        "lbc:consent-withdraw", kwargs={"public_id": world.c1.public_id, "consent_id": consent.public_id}
    )
    assert login("head_teacher").post(url).status_code == 403
    assert login("other_counsellor").post(url).status_code == 404
    other = reverse(
        "lbc:consent-withdraw", kwargs={"public_id": world.c1b.public_id, "consent_id": consent.public_id}
    )
    assert login("counsellor").post(other).status_code == 404
    consent.refresh_from_db()
    assert consent.is_active


def test_the_withdrawal_service_refuses_a_refusal(world: World) -> None:
    refusal = record_consent(
        world.c1,
        {
            **consent_data(decision=Consent.Decision.REFUSED),
            "is_legal_guardian": True,
            "child_assent": None,
            "decided_on": timezone.localdate(),
        },
        by=world.user("counsellor"),
    )
    with pytest.raises(DomainError):
        withdraw_consent(refusal, by=world.user("counsellor"))
