"""County administrator pages (/manage/): scope, forms, audit and account expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lbc import access
from lbc.models import AuditEvent, Membership, Organisation, Region, Role, School, SchoolClass, Volunteer
from tests.conftest import World
from tests.factories import make_user

NEW_PASSWORD = "synthetic-Initial-pass-2026"


def today() -> dt.date:
    """The test's own day (tests.clock), read when the test runs, not when the module is imported."""
    return timezone.localdate()


def page_urls(world: World) -> list[str]:
    return [
        reverse("manage:home"),
        reverse("manage:region-list"),
        reverse("manage:township-create"),
        reverse("manage:village-create"),
        reverse("manage:region-edit", args=[world.t1.public_id]),
        reverse("manage:region-edit", args=[world.v1.public_id]),
        reverse("manage:school-list"),
        reverse("manage:school-create"),
        reverse("manage:school-detail", args=[world.s1.public_id]),
        reverse("manage:school-edit", args=[world.s1.public_id]),
        reverse("manage:class-create", args=[world.s1.public_id]),
        reverse("manage:class-edit", args=[world.class1.public_id]),
        reverse("manage:user-list"),
        reverse("manage:user-create"),
        reverse("manage:user-create") + "?role=counsellor",
        reverse("manage:user-create") + "?role=volunteer",
        reverse("manage:user-detail", args=["supervisor"]),
        reverse("manage:membership-create", args=["supervisor"]),
        reverse("manage:membership-create", args=["supervisor"]) + "?role=head_teacher",
    ]


def actions(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- who may see what ---------------------------------------------------------------------------


def test_it_shows_every_page_to_the_county_administrator(world: World, login: Any) -> None:
    client = login("county_admin")
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response


@pytest.mark.parametrize(
    "persona", ["supervisor", "counsellor", "volunteer", "head_teacher", "trainer", "nobody"]
)
def test_it_refuses_other_roles_with_403(world: World, login: Any, persona: str) -> None:
    client = login(persona)
    for url in page_urls(world):
        assert client.get(url).status_code == 403, url


def test_it_answers_404_for_objects_of_another_county(world: World, login: Any) -> None:
    client = login("other_county_admin")
    urls = [
        reverse("manage:region-edit", args=[world.t1.public_id]),
        reverse("manage:school-detail", args=[world.s1.public_id]),
        reverse("manage:school-edit", args=[world.s1.public_id]),
        reverse("manage:class-create", args=[world.s1.public_id]),
        reverse("manage:class-edit", args=[world.class1.public_id]),
        reverse("manage:user-detail", args=["supervisor"]),
        reverse("manage:membership-create", args=["supervisor"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    post = client.post(reverse("manage:user-deactivate", args=["supervisor"]))
    assert post.status_code == 404
    assert get_user_model().objects.get(username="supervisor").is_active


def test_it_sends_anonymous_visitors_to_the_login_page(world: World, client: Client) -> None:
    response = client.get(reverse("manage:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("lbc:login"))


def test_it_lists_only_the_county_s_regions_schools_and_users(world: World, login: Any) -> None:
    client = login("county_admin")
    regions = client.get(reverse("manage:region-list")).content.decode()
    assert "一乡" in regions and "二村" in regions and "三乡" not in regions and "三村" not in regions
    schools = client.get(reverse("manage:school-list")).content.decode()
    assert "一乡中心学校" in schools and "三乡中心学校" not in schools
    users = client.get(reverse("manage:user-list")).content.decode()
    assert ">supervisor<" in users and ">counsellor<" in users
    assert "other_county_admin" not in users and ">nobody<" not in users


def test_the_overview_shows_counts_and_no_names_of_children(world: World, login: Any) -> None:
    response = login("county_admin").get(reverse("manage:home"))
    assert response.context["townships"] == 2
    assert response.context["villages"] == 3
    assert response.context["schools"] == 2
    assert response.context["children"] == 3
    counts = dict(response.context["role_counts"])
    assert counts[Role.COUNSELLOR.label] == 2  # counsellor (s1) and other_counsellor (s2)
    assert counts[Role.COUNTY_ADMIN.label] == 1 and counts[Role.VOLUNTEER.label] == 0
    body = response.content.decode()
    for name in ("小䶮", "小明", "小红", "王", "测试祖母"):
        assert name not in body


# --- regions ------------------------------------------------------------------------------------


def test_it_creates_a_township_with_the_level_derived_from_its_county(world: World, login: Any) -> None:
    response = login("county_admin").post(
        reverse("manage:township-create"),
        {
            "parent": world.county.public_id,
            "name": "新乡",
            "code": "530102003",
        },
    )
    assert response.status_code == 302
    township = Region.objects.get(code="530102003")
    assert township.level == Region.Level.TOWNSHIP and township.parent == world.county
    assert township.path == f"{world.county.path}{township.pk}/"
    event = actions("lbc.region.created")[0]
    assert event.object_id == str(township.public_id) and event.actor_username == "county_admin"


def test_it_ignores_extra_fields_posted_with_a_region(world: World, login: Any) -> None:
    login("county_admin").post(
        reverse("manage:village-create"),
        {
            "parent": world.t1.public_id,
            "name": "新村",
            "code": "530102003001",
            "level": "1",
            "path": "/1/",
            "public_id": "00000000-0000-0000-0000-000000000000",
            "id": "999",
        },
    )
    village = Region.objects.get(code="530102003001")
    assert village.level == Region.Level.VILLAGE and village.parent == world.t1
    assert (
        village.path.startswith(world.t1.path)
        and str(village.public_id) != "00000000-0000-0000-0000-000000000000"
    )


def test_it_offers_and_accepts_only_parents_in_the_county(world: World, login: Any) -> None:
    client = login("county_admin")
    form_page = client.get(reverse("manage:village-create")).content.decode()
    assert "一乡" in form_page and "三乡" not in form_page
    response = client.post(
        reverse("manage:village-create"),
        {
            "parent": world.t3.public_id,
            "name": "越界村",
            "code": "530102003002",
        },
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Region.objects.filter(code="530102003002").exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("12345", "区划代码须为9至12位数字。"),
        ("1234567890123", "区划代码须为9至12位数字。"),
        ("５３０１０２００３", "区划代码须为9至12位数字。"),
    ],
)
def test_it_rejects_malformed_region_codes_in_chinese(
    world: World, login: Any, code: str, message: str
) -> None:
    response = login("county_admin").post(
        reverse("manage:township-create"),
        {
            "parent": world.county.public_id,
            "name": "坏代码乡",
            "code": code,
        },
    )
    assert message in response.content.decode()
    assert "坏代码乡" in response.content.decode()  # what was typed is kept
    assert not Region.objects.filter(name="坏代码乡").exists()


def test_it_rejects_a_duplicate_region_code(world: World, login: Any) -> None:
    response = login("county_admin").post(
        reverse("manage:township-create"),
        {
            "parent": world.county.public_id,
            "name": "重复乡",
            "code": world.t1.code,
        },
    )
    assert "该区划代码已被使用。" in response.content.decode()


def test_it_renames_a_township_but_never_moves_it(world: World, login: Any) -> None:
    response = login("county_admin").post(
        reverse("manage:region-edit", args=[world.t1.public_id]),
        {
            "name": "一乡（新名）",
            "code": world.t1.code,
            "parent": world.county2.public_id,
        },
    )
    assert response.status_code == 302
    world.t1.refresh_from_db()
    assert world.t1.name == "一乡（新名）" and world.t1.parent == world.county
    assert actions("lbc.region.updated")[0].detail == {"fields": ["name"]}


def test_the_county_row_itself_is_not_edited_on_these_pages(world: World, login: Any) -> None:
    response = login("county_admin").get(reverse("manage:region-edit", args=[world.county.public_id]))
    assert response.status_code == 404


# --- schools and classes ------------------------------------------------------------------------


def test_it_creates_and_edits_a_school_in_the_county(world: World, login: Any) -> None:
    client = login("county_admin")
    response = client.post(
        reverse("manage:school-create"),
        {
            "name": "一村小学",
            "kind": School.Kind.PRIMARY,
            "region": world.v1.public_id,
            "active": "on",
            "county": world.county2.pk,
        },
    )
    school = School.objects.get(name="一村小学")
    assert response.status_code == 302 and response["Location"] == reverse(
        "manage:school-detail", args=[school.public_id]
    )
    assert school.township == world.t1 and school.county == world.county
    assert actions("lbc.school.created")[0].object_id == str(school.public_id)
    client.post(
        reverse("manage:school-edit", args=[school.public_id]),
        {
            "name": "一村小学",
            "kind": School.Kind.TEACHING_POINT,
            "region": world.v1.public_id,
        },
    )
    school.refresh_from_db()
    assert school.kind == School.Kind.TEACHING_POINT and not school.active
    assert set(actions("lbc.school.updated")[0].detail["fields"]) == {"kind", "active"}


def test_edit_and_new_village_forms_preselect_the_current_choice(world: World, login: Any) -> None:
    client = login("county_admin")
    edit = client.get(reverse("manage:school-edit", args=[world.s1.public_id])).content.decode()
    assert f'<option value="{world.t1.public_id}" selected>' in edit
    village = client.get(reverse("manage:village-create") + f"?parent={world.t2.public_id}").content.decode()
    assert f'<option value="{world.t2.public_id}" selected>' in village


def test_it_refuses_a_school_in_another_county(world: World, login: Any) -> None:
    response = login("county_admin").post(
        reverse("manage:school-create"),
        {
            "name": "越界学校",
            "kind": School.Kind.PRIMARY,
            "region": world.t3.public_id,
        },
    )
    assert response.status_code == 200
    assert not School.objects.filter(name="越界学校").exists()


def test_it_creates_a_class_and_checks_grade_and_duplicates(world: World, login: Any) -> None:
    client = login("county_admin")
    url = reverse("manage:class-create", args=[world.s1.public_id])
    bad = client.post(url, {"school_year": 2026, "grade": 13, "name": "3班"})
    assert "年级须在1至12之间。" in bad.content.decode()
    same = client.post(url, {"school_year": 2026, "grade": 5, "name": "1班"})
    assert "本校该学年已有同名的同年级班级。" in same.content.decode()
    good = client.post(url, {"school_year": 2026, "grade": 6, "name": "3班", "school": world.s3.pk})
    assert good.status_code == 302
    created = SchoolClass.objects.get(grade=6, name="3班")
    assert created.school == world.s1
    assert actions("lbc.school_class.created")[0].object_id == str(created.public_id)


def test_it_edits_a_class(world: World, login: Any) -> None:
    response = login("county_admin").post(
        reverse("manage:class-edit", args=[world.class1.public_id]),
        {
            "school_year": 2026,
            "grade": 5,
            "name": "一班",
        },
    )
    assert response.status_code == 302
    world.class1.refresh_from_db()
    assert world.class1.name == "一班"
    assert actions("lbc.school_class.updated")


# --- users and memberships ----------------------------------------------------------------------


def create_user(client: Client, as_role: str, **fields: Any) -> Any:
    data = {
        "username": "new_counsellor",
        "full_name": "新老师",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "valid_from": today().isoformat(),
        **fields,
    }
    return client.post(reverse("manage:user-create") + f"?role={as_role}", data)


def test_it_creates_a_counsellor_account_with_its_membership(world: World, login: Any) -> None:
    response = create_user(
        login("county_admin"),
        Role.COUNSELLOR,
        scope=world.s1.public_id,
        valid_until=(today() + dt.timedelta(days=200)).isoformat(),
        is_superuser="on",
        is_staff="on",
        role=Role.COUNTY_ADMIN,
        region=world.county.public_id,
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("manage:user-detail", args=["new_counsellor"])
    user = get_user_model().objects.get(username="new_counsellor")
    assert user.get_full_name() == "新老师" and user.check_password(NEW_PASSWORD)
    assert not user.is_superuser and not user.is_staff
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.school, membership.region) == (Role.COUNSELLOR, world.s1, None)
    assert access.scope_of(user).roles() == {Role.COUNSELLOR}
    assert actions("lbc.user.created")[0].object_id == str(user.pk)
    assert actions("lbc.membership.created")[0].detail["role"] == Role.COUNSELLOR


def test_it_applies_django_password_rules_in_chinese(world: World, login: Any) -> None:
    response = create_user(
        login("county_admin"),
        Role.COUNSELLOR,
        scope=world.s1.public_id,
        password1="12345678",
        password2="12345678",
    )
    body = response.content.decode()
    assert "密码" in body and ("太短" in body or "全都是数字" in body)
    assert not get_user_model().objects.filter(username="new_counsellor").exists()
    mismatch = create_user(
        login("county_admin"), Role.COUNSELLOR, scope=world.s1.public_id, password2=NEW_PASSWORD + "x"
    )
    assert "两次输入的密码不一致。" in mismatch.content.decode()


def test_it_refuses_a_taken_or_reserved_username(world: World, login: Any) -> None:
    client = login("county_admin")
    taken = create_user(client, Role.COUNSELLOR, scope=world.s1.public_id, username="Other_County_Admin")
    assert "该用户名已被使用，请换一个。" in taken.content.decode()
    reserved = create_user(client, Role.COUNSELLOR, scope=world.s1.public_id, username="new")
    assert "该用户名为系统保留，请换一个。" in reserved.content.decode()


def test_it_offers_only_scopes_that_fit_the_role_and_the_county(world: World, login: Any) -> None:
    client = login("county_admin")
    counsellor_form = client.get(reverse("manage:user-create") + "?role=counsellor").content.decode()
    assert "一乡中心学校" in counsellor_form and "三乡中心学校" not in counsellor_form
    assert "一乡二村" not in counsellor_form
    village_form = client.get(reverse("manage:user-create") + "?role=village_director").content.decode()
    assert "一乡二村" in village_form and "三村" not in village_form and "一乡中心学校" not in village_form
    outside = create_user(client, Role.COUNSELLOR, scope=world.s3.public_id)
    assert outside.status_code == 200
    assert not get_user_model().objects.filter(username="new_counsellor").exists()


def test_it_shows_the_role_picker_for_a_missing_or_unknown_role(world: World, login: Any) -> None:
    response = login("county_admin").get(reverse("manage:user-create") + "?role=superuser")
    assert "lbc/manage/role_picker.html" in [t.name for t in response.templates]
    assert "?role=counsellor" in response.content.decode()


def test_a_volunteer_account_needs_an_organisation_and_an_expiry_date(world: World, login: Any) -> None:
    client = login("county_admin")
    university = Organisation.objects.create(
        name="合成大学志愿者协会", kind=Organisation.Kind.UNIVERSITY, region=world.county
    )
    Organisation.objects.create(name="邻县组织", kind=Organisation.Kind.SOCIAL, region=world.county2)
    form_page = client.get(reverse("manage:user-create") + "?role=volunteer").content.decode()
    assert "合成大学志愿者协会" in form_page and "邻县组织" not in form_page
    missing = create_user(client, Role.VOLUNTEER, username="student", scope=university.public_id)
    assert "志愿者账号必须填写失效日期。" in missing.content.decode()
    until = today() + dt.timedelta(days=120)
    response = create_user(
        client, Role.VOLUNTEER, username="student", scope=university.public_id, valid_until=until.isoformat()
    )
    assert response.status_code == 302
    student = get_user_model().objects.get(username="student")
    membership = Membership.objects.get(user=student)
    assert membership.role == Role.VOLUNTEER and membership.region is None and membership.school is None
    assert Volunteer.objects.get(user=student).organisation == university
    assert ">student<" in client.get(reverse("manage:user-list")).content.decode()
    assert not access.children_for(student).exists()


def test_a_county_administrator_account_becomes_staff_until_its_membership_ends(
    world: World, login: Any
) -> None:
    client = login("county_admin")
    create_user(client, Role.COUNTY_ADMIN, username="deputy", scope=world.county.public_id)
    deputy = get_user_model().objects.get(username="deputy")
    assert deputy.is_staff
    membership = Membership.objects.get(user=deputy)
    response = client.post(reverse("manage:membership-end", args=["deputy"]), {"membership": membership.pk})
    assert response.status_code == 302
    deputy.refresh_from_db()
    assert not deputy.is_staff
    assert not access.scope_of(deputy).memberships
    assert actions("lbc.membership.ended")[0].object_id == str(membership.pk)


def test_it_adds_a_membership_to_an_existing_account(world: World, login: Any) -> None:
    client = login("county_admin")
    url = reverse("manage:membership-create", args=["supervisor"]) + "?role=head_teacher"
    response = client.post(
        url,
        {
            "scope": world.class1b.public_id,
            "valid_from": today().isoformat(),
            "user": world.user("other_county_admin").pk,
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=world.user("supervisor"), role=Role.HEAD_TEACHER)
    assert membership.school_class == world.class1b and membership.school == world.s1
    assert actions("lbc.membership.created")[0].detail["user"] == world.user("supervisor").pk


def test_it_refuses_a_scope_the_role_cannot_take(world: World, login: Any) -> None:
    url = reverse("manage:membership-create", args=["supervisor"]) + "?role=township_supervisor"
    response = login("county_admin").post(
        url, {"scope": world.v1.public_id, "valid_from": today().isoformat()}
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert Membership.objects.filter(user=world.user("supervisor")).count() == 1


def test_an_expiry_date_in_the_past_makes_the_membership_inactive(world: World, login: Any) -> None:
    supervisor = world.user("supervisor")
    membership = Membership.objects.get(user=supervisor)
    response = login("county_admin").post(
        reverse("manage:membership-update", args=["supervisor"]),
        {
            "membership": membership.pk,
            f"m{membership.pk}-valid_from": (today() - dt.timedelta(days=30)).isoformat(),
            f"m{membership.pk}-valid_until": (today() - dt.timedelta(days=1)).isoformat(),
            f"m{membership.pk}-role": Role.COUNTY_ADMIN,
        },
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.TOWNSHIP_SUPERVISOR
    fresh = get_user_model().objects.get(pk=supervisor.pk)
    assert access.scope_of(fresh).memberships == []
    assert not access.children_for(fresh).exists()
    assert actions("lbc.membership.updated")[0].detail["fields"] == ["valid_from", "valid_until"]


def test_it_explains_bad_dates_and_keeps_the_membership(world: World, login: Any) -> None:
    membership = Membership.objects.get(user=world.user("supervisor"))
    response = login("county_admin").post(
        reverse("manage:membership-update", args=["supervisor"]),
        {
            "membership": membership.pk,
            f"m{membership.pk}-valid_from": today().isoformat(),
            f"m{membership.pk}-valid_until": (today() - dt.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "失效日期不能早于生效日期。" in response.content.decode()
    membership.refresh_from_db()
    assert membership.valid_until is None


def test_it_refuses_memberships_of_another_account_or_county(world: World, login: Any) -> None:
    client = login("county_admin")
    elsewhere = Membership.objects.get(user=world.user("other_county_admin"))
    other_account = Membership.objects.get(user=world.user("counsellor"))
    for membership in (elsewhere, other_account):
        response = client.post(
            reverse("manage:membership-end", args=["supervisor"]), {"membership": membership.pk}
        )
        assert response.status_code == 404
    assert (
        client.post(reverse("manage:membership-end", args=["supervisor"]), {"membership": "x"}).status_code
        == 404
    )
    assert Membership.objects.current().filter(pk__in=[elsewhere.pk, other_account.pk]).count() == 2


def test_an_administrator_cannot_end_their_own_administration(world: World, login: Any) -> None:
    client = login("county_admin")
    own = Membership.objects.get(user=world.user("county_admin"))
    response = client.post(
        reverse("manage:membership-end", args=["county_admin"]), {"membership": own.pk}, follow=True
    )
    assert "不能结束或中止自己的县级管理员授权" in response.content.decode()
    assert Membership.objects.current().filter(pk=own.pk).exists()


def test_it_deactivates_an_account(world: World, login: Any) -> None:
    client = login("county_admin")
    response = client.post(reverse("manage:user-deactivate", args=["counsellor"]))
    assert response.status_code == 302
    counsellor = get_user_model().objects.get(username="counsellor")
    assert not counsellor.is_active and not access.scope_of(counsellor).memberships
    assert actions("lbc.user.deactivated")[0].object_id == str(counsellor.pk)


def test_a_deactivated_account_loses_its_open_session(world: World, login: Any) -> None:
    session = Client()
    session.force_login(world.user("counsellor"))
    login("county_admin").post(reverse("manage:user-deactivate", args=["counsellor"]))
    response = session.get(reverse("lbc:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("lbc:login"))


def test_it_refuses_to_deactivate_oneself_or_an_account_with_roles_elsewhere(
    world: World, login: Any
) -> None:
    client = login("county_admin")
    client.post(reverse("manage:user-deactivate", args=["county_admin"]))
    assert get_user_model().objects.get(username="county_admin").is_active
    shared = world.user("supervisor")
    Membership.objects.create(user=shared, role=Role.TOWNSHIP_SUPERVISOR, region=world.t3)
    response = client.post(reverse("manage:user-deactivate", args=["supervisor"]), follow=True)
    assert "该用户在本县以外还有有效角色" in response.content.decode()
    assert get_user_model().objects.get(username="supervisor").is_active
    assert not actions("lbc.user.deactivated")


def test_post_only_urls_refuse_get(world: World, login: Any) -> None:
    client = login("county_admin")
    for name in ("manage:user-deactivate", "manage:membership-update", "manage:membership-end"):
        assert client.get(reverse(name, args=["supervisor"])).status_code == 405


def test_forms_require_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("county_admin"))
    response = client.post(
        reverse("manage:township-create"),
        {
            "parent": world.county.public_id,
            "name": "无令牌乡",
            "code": "530102009",
        },
    )
    assert response.status_code == 403
    assert not Region.objects.filter(code="530102009").exists()
    assert 'name="csrfmiddlewaretoken"' in client.get(reverse("manage:township-create")).content.decode()


def test_pages_carry_no_inline_script_or_style(world: World, login: Any) -> None:
    client = login("county_admin")
    for url in page_urls(world):
        body = client.get(url).content.decode()
        assert "<script>" not in body and " style=" not in body and "<style" not in body, url
        assert "onclick=" not in body and "onsubmit=" not in body, url


def test_an_account_without_roles_in_the_county_is_not_found(world: World, login: Any) -> None:
    make_user("stranger")
    assert login("county_admin").get(reverse("manage:user-detail", args=["stranger"])).status_code == 404
