"""Child list, child file, registration, editing and confirmation, as each persona sees them."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from lbc.idnumbers import make_id_number
from lbc.models import AuditEvent, Child
from lbc.services.children import update_child
from tests.conftest import World
from tests.factories import make_child

GUARDIAN_PHONE = "13812345678"
PARENT_PHONE = "13987654321"
ADDRESS = "测试地址"


def list_url(**params: str) -> str:
    from urllib.parse import urlencode

    return reverse("lbc:child-list") + ("?" + urlencode(params) if params else "")


def detail_url(child: Child) -> str:
    return reverse("lbc:child-detail", kwargs={"public_id": child.public_id})


def edit_url(child: Child) -> str:
    return reverse("lbc:child-edit", kwargs={"public_id": child.public_id})


def child_form_data(child: Child, **overrides: Any) -> dict[str, Any]:
    """What the edit form posts back for ``child`` unchanged, plus ``overrides``."""
    data: dict[str, Any] = {
        "family_name": child.family_name,
        "given_name": child.given_name,
        "sex": child.sex,
        "birth_date": child.birth_date.isoformat(),
        "id_number": child.id_number,
        "id_absent_reason": child.id_absent_reason,
        "village": str(child.village.public_id),
        "school": str(child.school.public_id) if child.school else "",
        "school_class": str(child.school_class.public_id) if child.school_class else "",
        "grade": child.grade or "",
        "left_behind_type": child.left_behind_type,
        "separation_start": "",
        "parent_contact": child.parent_contact,
        "care_arrangement": child.care_arrangement,
        "status": child.status,
        "version": child.version,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def new_child_data(world: World, **overrides: Any) -> dict[str, Any]:
    birth = dt.date(2015, 9, 10)
    data: dict[str, Any] = {
        "family_name": "陈",
        "given_name": "小禾",
        "sex": "F",
        "birth_date": birth.isoformat(),
        "id_number": make_id_number("110101", birth, 512, "F"),
        "id_absent_reason": "",
        "village": str(world.v1.public_id),
        "school": str(world.s1.public_id),
        "school_class": str(world.class1.public_id),
        "grade": "5",
        "left_behind_type": Child.LeftBehindType.BOTH_AWAY,
        "parent_contact": Child.ContactFrequency.WEEKLY,
        "care_arrangement": Child.CareArrangement.GRANDPARENTS,
    }
    data.update(overrides)
    return data


def page_text(response: Any) -> str:
    return response.content.decode()


# --- the list ------------------------------------------------------------------------------------


def test_it_lists_only_the_children_of_the_counsellors_school(login: Any, world: World) -> None:
    html = page_text(login("counsellor").get(list_url()))
    assert "王小䶮" in html and "李小明" in html
    assert "小红" not in html and "小兰" not in html


def test_it_shows_a_volunteer_only_the_given_name_and_school(login: Any, world: World) -> None:
    html = page_text(login("volunteer").get(list_url()))
    assert "小䶮" in html and "一乡中心学校" in html
    assert "王小䶮" not in html
    assert "5年级1班" not in html and "一村" not in html and "父母双方外出务工" not in html


def test_the_list_shows_the_age_and_never_the_birth_date_beside_the_masked_id_number(
    login: Any, world: World
) -> None:
    text = page_text(login("county_admin").get("/children/"))
    assert "年龄" in text and "出生日期" not in text
    assert f"{world.c1.birth_date:%Y}" not in text.split("<tbody>", 1)[1]


def test_it_refuses_the_list_to_trainers_with_a_chinese_page(login: Any, world: World) -> None:
    response = login("trainer").get(list_url())
    assert response.status_code == 403
    assert "没有权限" in page_text(response)


def test_it_searches_by_name_within_scope(login: Any, world: World) -> None:
    client = login("counsellor")
    html = page_text(client.get(list_url(q="王小")))
    assert "王小䶮" in html and "李小明" not in html
    outside = page_text(client.get(list_url(q="小红")))
    assert "张小红" not in outside and "没有找到符合条件的儿童" in outside


def test_it_never_lets_a_volunteer_search_by_a_family_name_they_may_not_see(login: Any, world: World) -> None:
    client = login("volunteer")
    assert "小䶮" not in page_text(client.get(list_url(q="王")))
    assert "小䶮" in page_text(client.get(list_url(q="䶮")))


def test_it_finds_a_child_by_exact_id_number_within_scope_only(login: Any, world: World) -> None:
    html = page_text(login("counsellor").post(list_url(), {"id_number": world.c1.id_number}))
    assert "王小䶮" in html and "李小明" not in html
    event = AuditEvent.objects.get(action="lbc.child.id_searched")
    assert world.c1.id_number not in str(event.detail)


def test_it_finds_nothing_by_id_number_outside_scope(login: Any, world: World) -> None:
    html = page_text(login("other_counsellor").post(list_url(), {"id_number": world.c1.id_number}))
    assert "小䶮" not in html and "小红" not in html
    assert "没有找到符合条件的儿童" in html


def test_it_explains_a_malformed_id_number_in_chinese(login: Any, world: World) -> None:
    number = world.c1.id_number
    wrong_check = number[:17] + ("0" if number[17] != "0" else "1")
    html = page_text(login("counsellor").post(list_url(), {"id_number": wrong_check}))
    assert "校验位不正确" in html
    assert "王小䶮" not in html


def test_it_offers_no_id_number_search_to_head_teachers(login: Any, world: World) -> None:
    client = login("head_teacher")
    html = page_text(client.get(list_url()))
    assert 'name="id_number"' not in html
    assert AuditEvent.objects.filter(action="lbc.child.id_searched").count() == 0
    assert 'name="id_number"' not in page_text(client.post(list_url(), {"id_number": world.c1.id_number}))


def test_an_id_number_in_a_url_is_ignored_unread(login: Any, world: World) -> None:
    """ID numbers never travel in query strings (access logs, history): the search form posts them."""
    client = login("counsellor")
    html = page_text(client.get(list_url(id_number=world.c1.id_number)))
    assert "身份证号码不能放在网址中" in html
    assert "李小明" in html  # the unfiltered list: the number was not used
    assert not AuditEvent.objects.filter(action="lbc.child.id_searched").exists()
    form = client.get(list_url()).content.decode()
    assert 'method="post" action="/children/"' in form and 'hx-post="/children/"' in form


def test_it_builds_filter_choices_only_from_the_users_scope(login: Any, world: World) -> None:
    counsellor = page_text(login("counsellor").get(list_url()))
    assert "一乡中心学校" in counsellor and "二乡中心学校" not in counsellor
    assert "一乡二村" in counsellor and "三村" not in counsellor
    admin = page_text(login("county_admin").get(list_url()))
    assert "二乡中心学校" in admin and "三乡中心学校" not in admin


def test_it_filters_by_school_village_grade_and_status(login: Any, world: World) -> None:
    client = login("county_admin")
    assert "小红" not in page_text(client.get(list_url(school=str(world.s1.public_id))))
    by_village = page_text(client.get(list_url(village=str(world.v1b.public_id))))
    assert "李小明" in by_village and "王小䶮" not in by_village
    Child.objects.filter(pk=world.c2.pk).update(status=Child.Status.MOVED)
    by_status = page_text(client.get(list_url(status=Child.Status.MOVED)))
    assert "张小红" in by_status and "王小䶮" not in by_status
    assert "王小䶮" in page_text(client.get(list_url(grade="5")))


def test_it_ignores_a_school_filter_outside_scope(login: Any, world: World) -> None:
    html = page_text(login("counsellor").get(list_url(school=str(world.s3.public_id))))
    assert "小兰" not in html
    assert "王小䶮" in html


def test_it_answers_htmx_with_the_results_table_only(login: Any, world: World) -> None:
    response = login("counsellor").get(list_url(q="王"), HTTP_HX_REQUEST="true")
    html = page_text(response)
    assert "<html" not in html and "王小䶮" in html
    assert "HX-Request" in response["Vary"]


def test_it_pages_fifty_children_with_a_bounded_number_of_queries(
    login: Any, world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(60):
        make_child(world.v1, world.s1, world.class1, given_name=f"批量{n:02d}")
    client = login("counsellor")
    with django_assert_max_num_queries(14):
        first = client.get(list_url())
    assert page_text(first).count('class="cell-title"') == 50
    second = page_text(client.get(list_url(page="2")))
    assert second.count('class="cell-title"') == 12


# --- what weak roles never see ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["volunteer", "head_teacher"])
def test_it_shows_weak_roles_no_id_number_phone_or_address(login: Any, world: World, persona: str) -> None:
    """Nor a birth date, a masked ID number or a parent's workplace: all identity tier."""
    client = login(persona)
    for url in (list_url(), detail_url(world.c1)):
        html = page_text(client.get(url))
        assert "小䶮" in html
        for secret in (
            world.c1.id_number,
            world.c1.id_number[-4:] + "<",
            GUARDIAN_PHONE,
            PARENT_PHONE,
            ADDRESS,
            "东莞",
            "测试工厂",
            "2014年3月1日",
            "出生日期",
        ):
            assert secret not in html, f"{persona} sees {secret} on {url}"


def test_it_shows_the_village_director_the_identity_details(login: Any, world: World) -> None:
    html = page_text(login("village_director").get(detail_url(world.c1)))
    for detail in (world.c1.id_number, GUARDIAN_PHONE, PARENT_PHONE, ADDRESS, "东莞"):
        assert detail in html


def test_it_escapes_a_script_in_a_childs_name(login: Any, world: World) -> None:
    payload = "<script>alert(1)</script>"
    hostile = make_child(world.v1, world.s1, world.class1, given_name=payload)
    client = login("counsellor")
    for url in (list_url(), detail_url(hostile)):
        html = page_text(client.get(url))
        assert payload not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- the child file -----------------------------------------------------------------------------------


def test_it_shows_the_whole_file_to_the_counsellor(login: Any, world: World) -> None:
    html = page_text(login("counsellor").get(detail_url(world.c1)))
    for text in (
        "王小䶮",
        "监护人",
        "测试祖母",
        "祖母",
        "委托照护人",
        "父亲",
        "测试父亲",
        "知情同意",
        "变更记录",
        "一乡中心学校",
        "5年级1班",
    ):
        assert text in html


def test_it_records_the_view_with_the_tiers_shown(login: Any, world: World) -> None:
    login("head_teacher").get(detail_url(world.c1))
    event = AuditEvent.objects.get(action="lbc.child.viewed")
    assert event.child_id == str(world.c1.public_id)
    assert event.actor_username == "head_teacher"
    assert event.detail == {"tiers": ["minimal", "basic", "status"]}  # the neutral label, never a colour


def test_it_shows_nothing_when_the_view_cannot_be_audited(client: Any, login: Any, world: World) -> None:
    client = login("counsellor")
    client.raise_request_exception = False
    with mock.patch("lbc.audit.record", side_effect=RuntimeError("audit table unavailable")):
        response = client.get(detail_url(world.c1))
    assert response.status_code == 500
    html = page_text(response)
    assert "系统出错" in html
    assert "小䶮" not in html and "测试祖母" not in html and "audit table" not in html


def test_it_answers_a_missing_and_an_out_of_scope_child_with_the_same_chinese_page(
    login: Any, world: World
) -> None:
    import uuid

    client = login("other_counsellor")
    outside = client.get(detail_url(world.c1))
    missing = client.get(reverse("lbc:child-detail", kwargs={"public_id": uuid.uuid4()}))
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content
    assert "找不到页面" in page_text(outside)
    assert str(world.c1.public_id) not in page_text(outside)


def test_it_lists_changes_with_chinese_action_and_field_names(login: Any, world: World) -> None:
    client = login("counsellor")
    response = client.post(
        edit_url(world.c1),
        child_form_data(world.c1, care_arrangement=Child.CareArrangement.RELATIVES, boarding="on"),
    )
    assert response.status_code == 302
    client.get(detail_url(world.c1))
    html = page_text(client.get(detail_url(world.c1)))
    history = html[html.index('id="history"') :]
    assert "修改档案" in history and "照料方式" in history and "寄宿" in history
    assert "counsellor" in history
    assert "查看" not in history and "lbc.child.viewed" not in history


# --- registration -------------------------------------------------------------------------------------


def test_it_registers_a_child_and_opens_the_new_file(login: Any, world: World) -> None:
    response = login("counsellor").post(reverse("lbc:child-create"), new_child_data(world))
    child = Child.objects.get(given_name="小禾")
    assert response.status_code == 302 and response["Location"] == detail_url(child)
    assert child.school == world.s1 and child.grade == 5 and child.id_number_index
    assert AuditEvent.objects.filter(action="lbc.child.registered", child_id=str(child.public_id)).exists()


def test_it_offers_only_villages_and_schools_in_scope_when_registering(login: Any, world: World) -> None:
    html = page_text(login("supervisor").get(reverse("lbc:child-create")))
    assert "一村" in html and "一乡二村" in html and "二村" not in html.replace("一乡二村", "")
    assert "一乡中心学校" in html and "二乡中心学校" not in html
    response = login("supervisor").post(
        reverse("lbc:child-create"), new_child_data(world, village=str(world.v3.public_id))
    )
    assert response.status_code == 200
    assert not Child.objects.filter(given_name="小禾").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "110101201509105121"}, "校验位不正确"),
        ({"id_number": "11010120150910"}, "应为18位"),
        ({"birth_date": "2015-09-11"}, "出生日期"),
        ({"sex": "M"}, "性别"),
        ({"id_number": "", "id_absent_reason": ""}, "请填写身份证号码，或选择无身份证号码的原因"),
        (
            {
                "birth_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
                "id_number": "",
                "id_absent_reason": "pending",
            },
            "出生日期不能晚于今天",
        ),
        ({"grade": "13", "school_class": ""}, "年级应在1到12之间"),
        ({"grade": "4"}, "年级与所选班级的年级"),
        ({"school": ""}, "所选班级不属于所选学校"),
        ({"school": "", "school_class": ""}, "不在您的负责范围内"),
        ({"family_name": "陈1"}, "姓名中不应包含数字"),
    ],
)
def test_it_refuses_bad_input_with_a_chinese_message_and_keeps_it(
    login: Any, world: World, overrides: dict[str, str], message: str
) -> None:
    data = new_child_data(world, **overrides)
    response = login("counsellor").post(reverse("lbc:child-create"), data)
    html = page_text(response)
    assert response.status_code == 200
    assert message in html
    assert 'value="小禾"' in html
    assert not Child.objects.filter(given_name="小禾").exists()


def test_it_accepts_a_missing_id_number_with_a_reason(login: Any, world: World) -> None:
    data = new_child_data(world, id_number="", id_absent_reason=Child.IdAbsentReason.NOT_ISSUED)
    assert login("counsellor").post(reverse("lbc:child-create"), data).status_code == 302
    assert Child.objects.get(given_name="小禾").id_absent_reason == Child.IdAbsentReason.NOT_ISSUED


def test_it_refuses_full_width_digits_in_the_id_number_with_a_message(login: Any, world: World) -> None:
    number = new_child_data(world)["id_number"]
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in number)
    html = page_text(
        login("counsellor").post(reverse("lbc:child-create"), new_child_data(world, id_number=full_width))
    )
    assert "全角" in html
    assert not Child.objects.filter(given_name="小禾").exists()


def test_it_refuses_an_id_number_already_registered(login: Any, world: World) -> None:
    data = new_child_data(
        world, id_number=world.c1.id_number, birth_date=world.c1.birth_date.isoformat(), sex=world.c1.sex
    )
    html = page_text(login("counsellor").post(reverse("lbc:child-create"), data))
    assert "已登记在另一名儿童的档案中" in html


def test_it_ignores_fields_that_are_not_in_the_registration_form(login: Any, world: World) -> None:
    data = new_child_data(
        world,
        confirmed_at="2020-01-01T00:00:00Z",
        version="77",
        county=str(world.county2.pk),
        status=Child.Status.MOVED,
        public_id="00000000-0000-4000-8000-000000000001",
    )
    login("counsellor").post(reverse("lbc:child-create"), data)
    child = Child.objects.get(given_name="小禾")
    assert child.confirmed_at is None and child.version == 1 and child.county == world.county
    assert child.status == Child.Status.ACTIVE
    assert str(child.public_id) != "00000000-0000-4000-8000-000000000001"


# --- editing ----------------------------------------------------------------------------------------


def test_it_saves_an_edit_and_bumps_the_version(login: Any, world: World) -> None:
    response = login("village_director").post(
        edit_url(world.c1), child_form_data(world.c1, given_name="小燕")
    )
    assert response.status_code == 302
    world.c1.refresh_from_db()
    assert world.c1.given_name == "小燕" and world.c1.version == 2


def test_it_keeps_the_first_edit_and_the_second_users_input_on_a_conflict(login: Any, world: World) -> None:
    stale = child_form_data(world.c1, given_name="第二次修改")
    update_child(world.c1, {"given_name": "第一次修改"}, by=world.user("supervisor"), expected_version=1)
    response = login("counsellor").post(edit_url(world.c1), stale)
    html = page_text(response)
    assert response.status_code == 200
    assert "其他人已修改了这份档案" in html
    assert 'value="第二次修改"' in html
    world.c1.refresh_from_db()
    assert world.c1.given_name == "第一次修改" and world.c1.version == 2


def test_it_ignores_fields_that_are_not_in_the_edit_form(login: Any, world: World) -> None:
    before = Child.objects.get(pk=world.c1.pk)
    data = child_form_data(
        world.c1,
        confirmed_at="2020-01-01T00:00:00Z",
        household="999",
        id_number_index="forged",
        county=str(world.county2.pk),
        created_at="2000-01-01",
    )
    assert login("counsellor").post(edit_url(world.c1), data).status_code == 302
    after = Child.objects.get(pk=world.c1.pk)
    for name in ("confirmed_at", "household_id", "id_number_index", "county_id", "created_at", "public_id"):
        assert getattr(after, name) == getattr(before, name), name


def test_it_keeps_the_current_out_of_scope_school_selectable_for_a_village_director(
    login: Any, world: World
) -> None:
    response = login("village_director").post(edit_url(world.c1), child_form_data(world.c1, boarding="on"))
    assert response.status_code == 302
    world.c1.refresh_from_db()
    assert world.c1.boarding and world.c1.school == world.s1


def test_it_records_who_confirmed_the_file(login: Any, world: World) -> None:
    client = login("village_director")
    response = client.post(reverse("lbc:child-confirm", kwargs={"public_id": world.c1.public_id}))
    assert response.status_code == 302
    world.c1.refresh_from_db()
    assert world.c1.confirmed_by == world.user("village_director") and world.c1.confirmed_at
    assert "核实档案" in page_text(client.get(detail_url(world.c1)))


def test_it_refuses_confirmation_to_read_only_roles(login: Any, world: World) -> None:
    response = login("head_teacher").post(
        reverse("lbc:child-confirm", kwargs={"public_id": world.c1.public_id})
    )
    assert response.status_code == 403
    world.c1.refresh_from_db()
    assert world.c1.confirmed_at is None
