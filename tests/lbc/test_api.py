"""The REST API under /api/v1/: tokens, scoped child lists and details, tiers, lockout, schema."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from lbc import access
from lbc.api.serializers import ChildSerializer, GuardianSerializer, ParentSerializer
from lbc.api.views import ChildListView
from lbc.idnumbers import mask_id_number
from lbc.models import AuditEvent, Child, Role
from tests.conftest import PASSWORD, World
from tests.factories import grant, make_child, make_guardian, make_user

TOKEN_URL = "/api/v1/auth/token/"
LIST_URL = "/api/v1/children/"
PHONES = ("13812345678", "13987654321")
ADDRESS = "测试地址"


@pytest.fixture(autouse=True)
def fresh_throttle() -> Iterator[None]:
    """The token throttle counts in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def request_token(username: str, password: str = PASSWORD, ip: str = "10.0.0.1", **extra: Any) -> Any:
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password, **extra}, format="json", REMOTE_ADDR=ip
    )


@pytest.fixture
def api(world: World) -> Any:
    """api("supervisor") is a client authenticated with a token issued to that persona by the API."""

    def _api(persona: str) -> APIClient:
        response = request_token(world.user(persona).username)
        assert response.status_code == 200, response.content
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        return client

    return _api


def detail_url(public_id: Any) -> str:
    return reverse("api:child-detail", kwargs={"public_id": str(public_id)})


def listed(client: APIClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200, response.content
    rows: list[dict[str, Any]] = response.json()["results"]
    return rows


def ids(rows: list[dict[str, Any]]) -> set[str]:
    return {row["public_id"] for row in rows}


# --- tokens --------------------------------------------------------------------------------------


def test_it_issues_a_token_for_a_username_and_password(world: World) -> None:
    response = request_token("supervisor")
    assert response.status_code == 200
    assert set(response.json()) == {"token", "expires_at"}
    assert AuditEvent.objects.filter(action="lbc.api.token_issued", actor=world.user("supervisor")).exists()


def test_it_accepts_form_encoded_credentials(world: World) -> None:
    credentials = {"username": "counsellor", "password": PASSWORD}
    response = APIClient().post(TOKEN_URL, credentials, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 200
    assert response.json()["token"]


def test_it_answers_unknown_users_and_wrong_passwords_alike(world: World) -> None:
    unknown = request_token("no-such-user", "whatever-password")
    wrong = request_token("supervisor", "wrong-password")
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.content == wrong.content
    assert "用户名或密码不正确" in wrong.json()["detail"]


def test_it_explains_missing_credentials_in_chinese(world: World) -> None:
    response = APIClient().post(TOKEN_URL, {"username": "supervisor"}, format="json", REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 400
    assert "password" in response.json()
    assert "token" not in response.json()


def test_it_gives_a_user_without_membership_a_token_that_sees_nothing(api: Any, world: World) -> None:
    client = api("nobody")
    assert listed(client) == []
    assert client.get(detail_url(world.c1.public_id)).status_code == 404


def test_it_locks_a_username_and_ip_after_ten_bad_passwords_but_not_the_office(world: World) -> None:
    office = "10.1.2.3"
    for attempt in range(9):
        assert request_token("supervisor", "wrong-password", ip=office).status_code == 400, attempt
    tenth = request_token("supervisor", "wrong-password", ip=office)
    assert tenth.status_code == 429
    locked = request_token("supervisor", ip=office)
    assert locked.status_code == 429
    assert "锁定" in locked.json()["detail"]
    assert "token" not in locked.json()
    assert request_token("counsellor", ip=office).status_code == 200
    assert request_token("supervisor", ip="10.9.9.9").status_code == 200


def test_it_throttles_token_requests_from_one_address(world: World, settings: Any) -> None:
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"].split("/")[0])
    for attempt in range(limit):
        assert request_token(f"guess-{attempt}", "wrong-password", ip="10.5.5.5").status_code == 400
    assert request_token("supervisor", ip="10.5.5.5").status_code == 429
    assert request_token("supervisor", ip="10.5.5.6").status_code == 200


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_it_requires_the_second_factor_of_roles_that_need_one(world: World, settings: Any) -> None:
    settings.LBC_REQUIRE_OTP = True
    device = TOTPDevice.objects.create(user=world.user("county_admin"), name="app", confirmed=True)
    refused = request_token("county_admin")
    assert refused.status_code == 400
    assert "token" not in refused.json()
    assert "动态验证码" in refused.json()["detail"]
    assert request_token("county_admin", otp_token=current_code(device)).status_code == 200
    assert request_token("counsellor").status_code == 400  # no device enrolled yet
    assert request_token("supervisor").status_code == 400  # township supervisors need one too
    assert request_token("village_director").status_code == 200  # a role without the requirement


# --- lists -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("county_admin", {"c1", "c1b", "c2"}),
        ("other_county_admin", {"c3"}),
        ("supervisor", {"c1", "c1b"}),
        ("village_director", {"c1"}),
        ("counsellor", {"c1", "c1b"}),
        ("head_teacher", {"c1"}),
        ("volunteer", {"c1"}),
        ("other_volunteer", set()),
        ("nobody", set()),
    ],
)
def test_each_token_lists_only_its_scope(api: Any, world: World, persona: str, expected: set[str]) -> None:
    assert ids(listed(api(persona))) == {str(getattr(world, name).public_id) for name in expected}


def test_it_forbids_trainers_to_list_children(api: Any) -> None:
    assert api("trainer").get(LIST_URL).status_code == 403


def test_it_shows_volunteers_only_given_name_and_school(api: Any, world: World) -> None:
    [row] = listed(api("volunteer"))
    assert set(row) == {"public_id", "given_name", "school"}
    assert row["given_name"] == "小䶮"
    assert row["school"] == {"public_id": str(world.s1.public_id), "name": "一乡中心学校"}


def test_it_gives_each_row_the_fields_of_its_own_rights(api: Any, world: World) -> None:
    # A counsellor of school 2 who is also the assigned volunteer of c1 (school 1).
    user = make_user("counsellor_and_volunteer", Role.COUNSELLOR, school=world.s2)
    grant(user, world.c1, "volunteer_child")
    rows = {row["public_id"]: row for row in listed(api("supervisor"))}
    supervisor_rights = access.rights_for_child(world.user("supervisor"), world.c1)
    # Lists give the age, never the birth date (with the masked ID number it would complete the number).
    expected = access.fields_for(supervisor_rights, "child") - {"birth_date"}
    assert set(rows[str(world.c1.public_id)]) == expected
    world.users["counsellor_and_volunteer"] = user
    rows = {row["public_id"]: row for row in listed(api("counsellor_and_volunteer"))}
    assert set(rows[str(world.c1.public_id)]) == {"public_id", "given_name", "school"}
    assert rows[str(world.c2.public_id)]["id_number"] == mask_id_number(world.c2.id_number)  # a list: masked


def test_it_shows_head_teachers_no_identity_fields(api: Any) -> None:
    [row] = listed(api("head_teacher"))
    assert "full_name" in row and "grade" in row
    assert not {"id_number", "birth_date", "separation_start"} & set(row)


def test_it_lists_a_page_with_a_constant_number_of_queries(
    api: Any,
    world: World,
    django_assert_max_num_queries: Any,
) -> None:
    client = api("supervisor")
    with CaptureQueriesContext(connection) as few:
        listed(client)
    for n in range(30):
        child = make_child(world.v1, world.s1, world.class1, given_name=f"合成{n}")
        make_guardian(child)
        grant(world.user("supervisor"), child, "referral_child")
    with django_assert_max_num_queries(len(few)):
        rows = listed(client)
    assert len(rows) == 32


def test_it_paginates(api: Any, world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(ChildListView.pagination_class, "page_size", 1)
    client = api("supervisor")
    first = client.get(LIST_URL).json()
    assert first["count"] == 2 and len(first["results"]) == 1 and first["next"]
    second = client.get(first["next"]).json()
    both = ids(first["results"]) | ids(second["results"])
    assert both == {str(world.c1.public_id), str(world.c1b.public_id)}


# --- searching -------------------------------------------------------------------------------------


def test_it_searches_full_names_for_those_who_see_them(api: Any, world: World) -> None:
    client = api("supervisor")
    assert ids(listed(client, q="王小")) == {str(world.c1.public_id)}
    assert ids(listed(client, q="小")) == {str(world.c1.public_id), str(world.c1b.public_id)}
    assert listed(client, q="张") == []  # c2 exists, but outside the scope
    assert len(listed(client, q="")) == 2


def test_it_searches_volunteers_by_given_name_only(api: Any, world: World) -> None:
    client = api("volunteer")
    assert ids(listed(client, q="小䶮")) == {str(world.c1.public_id)}
    assert listed(client, q="王") == []  # the family name is not theirs to probe


def test_it_finds_a_child_by_id_number_within_scope_only(api: Any, world: World) -> None:
    assert ids(listed(api("county_admin"), id_number=world.c1.id_number.lower())) == {str(world.c1.public_id)}
    assert listed(api("other_supervisor"), id_number=world.c1.id_number) == []
    assert listed(api("county_admin"), id_number=world.c3.id_number) == []


def test_it_refuses_id_number_search_to_roles_without_identity(api: Any, world: World) -> None:
    for persona in ("head_teacher", "volunteer"):
        response = api(persona).get(LIST_URL, {"id_number": world.c1.id_number})
        assert response.status_code == 403
        assert world.c1.id_number not in response.content.decode()


def test_it_explains_a_malformed_id_number(api: Any) -> None:
    response = api("county_admin").get(LIST_URL, {"id_number": "12345"})
    assert response.status_code == 400
    assert "18位" in response.json()["id_number"][0]


def test_it_filters_by_school_and_grade(api: Any, world: World) -> None:
    client = api("county_admin")
    assert ids(listed(client, school=world.s2.public_id)) == {str(world.c2.public_id)}
    assert len(listed(client, grade=5)) == 3
    assert listed(client, grade=6) == []


def test_it_explains_bad_filters_in_chinese(api: Any) -> None:
    client = api("county_admin")
    assert client.get(LIST_URL, {"school": "17"}).json()["school"] == ["学校编号格式不正确。"]
    assert client.get(LIST_URL, {"grade": "五"}).json()["grade"] == ["年级必须是1到12之间的整数。"]


def test_it_refuses_volunteers_a_grade_filter(api: Any) -> None:
    assert api("volunteer").get(LIST_URL, {"grade": 5}).status_code == 403


# --- details ---------------------------------------------------------------------------------------


def test_it_shows_a_child_with_guardians_and_parents_by_tier(api: Any, world: World) -> None:
    data = api("supervisor").get(detail_url(world.c1.public_id)).json()
    rights = access.rights_for_child(world.user("supervisor"), world.c1)
    assert set(data) == access.fields_for(rights, "child") | {"guardians", "parents"}
    assert data["id_number"] == world.c1.id_number
    [guardian] = data["guardians"]
    assert set(guardian) == access.fields_for(rights, "guardian")
    assert guardian["phone"] == "13812345678" and guardian["relationship"] == "grandmother_p"
    [parent] = data["parents"]
    assert set(parent) == access.fields_for(rights, "parent")
    assert parent["phone"] == "13987654321"


def test_it_shows_head_teachers_guardians_without_contact_details(api: Any, world: World) -> None:
    data = api("head_teacher").get(detail_url(world.c1.public_id)).json()
    [guardian] = data["guardians"]
    assert guardian["name"] == world.g1.name
    assert "phone" not in guardian and "birth_year" not in guardian


def test_it_shows_volunteers_a_detail_without_family(api: Any, world: World) -> None:
    data = api("volunteer").get(detail_url(world.c1.public_id)).json()
    assert set(data) == {"public_id", "given_name", "school"}


@pytest.mark.parametrize("persona", ["other_supervisor", "other_counsellor", "other_volunteer"])
def test_it_hides_a_child_of_another_township(api: Any, world: World, persona: str) -> None:
    client = api(persona)
    existing = client.get(detail_url(world.c1.public_id))
    missing = client.get(detail_url(uuid.uuid4()))
    assert existing.status_code == missing.status_code == 404
    assert existing.content == missing.content


def test_it_records_who_read_a_child(api: Any, world: World) -> None:
    api("counsellor").get(detail_url(world.c1.public_id), REMOTE_ADDR="10.7.7.7")
    event = AuditEvent.objects.get(action="lbc.child.viewed")
    assert event.actor == world.user("counsellor")
    assert event.child_id == str(world.c1.public_id)
    assert event.detail == {"via": "api", "tiers": ["minimal", "basic", "identity", "status", "colour"]}
    assert event.ip == "10.7.7.7"


def test_it_shows_nothing_when_the_audit_write_fails(api: Any, world: World, monkeypatch: Any) -> None:
    client = api("counsellor")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("audit table unavailable")

    monkeypatch.setattr("lbc.audit.record", broken)
    client.raise_request_exception = False
    response = client.get(detail_url(world.c1.public_id))
    assert response.status_code == 503
    assert set(response.json()) == {"detail"}
    assert "小䶮" not in response.content.decode()


def test_it_does_not_audit_refused_reads(api: Any, world: World) -> None:
    api("other_supervisor").get(detail_url(world.c1.public_id))
    assert not AuditEvent.objects.filter(action="lbc.child.viewed").exists()


# --- leaks -----------------------------------------------------------------------------------------


def all_responses(client: APIClient, world: World) -> str:
    texts = [
        client.get(LIST_URL).content,
        client.get(LIST_URL, {"q": "小"}).content,
        client.get(detail_url(world.c1.public_id)).content,
    ]
    return "\n".join(json.loads(t) and t.decode() for t in texts)


@pytest.mark.parametrize("persona", ["volunteer", "head_teacher"])
def test_weak_roles_never_receive_id_numbers_phones_or_addresses(
    api: Any, world: World, persona: str
) -> None:
    text = all_responses(api(persona), world)
    assert "小䶮" in text
    for marker in (world.c1.id_number, *PHONES, ADDRESS):
        assert marker not in text


def test_the_leak_markers_do_reach_roles_that_may_see_them(api: Any, world: World) -> None:
    text = all_responses(api("supervisor"), world)
    for marker in (world.c1.id_number, *PHONES):
        assert marker in text


def integer_values(data: Any, path: str = "") -> list[str]:
    """Paths of integer values and of keys that look like database ids."""
    if isinstance(data, dict):
        found = [f"{path}.{k}" for k in data if k in {"id", "pk"} or k.endswith("_pk")]
        for key, value in data.items():
            found += integer_values(value, f"{path}.{key}")
        return found
    if isinstance(data, list):
        return [p for item in data for p in integer_values(item, f"{path}[]")]
    return [path] if isinstance(data, int) and not isinstance(data, bool) else []


def test_it_shows_no_database_ids(api: Any, world: World) -> None:
    client = api("supervisor")
    numbers = integer_values(client.get(LIST_URL).json()) + integer_values(
        client.get(detail_url(world.c1.public_id)).json()
    )
    allowed = {"age", "grade", "birth_year", "count"}
    assert [p for p in numbers if p.rsplit(".", 1)[-1] not in allowed] == []


def test_the_serializers_cover_every_tiered_field() -> None:
    assert set(ChildSerializer().fields) == set(access.FIELD_TIERS["child"])
    assert set(GuardianSerializer().fields) == set(access.FIELD_TIERS["guardian"])
    assert set(ParentSerializer().fields) == set(access.FIELD_TIERS["parent"])


# --- methods, anonymous, health, schema ----------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_it_refuses_writes_to_children(api: Any, world: World, method: str) -> None:
    client = api("county_admin")
    for url in (LIST_URL, detail_url(world.c1.public_id)):
        response = getattr(client, method)(url, {"given_name": "改"}, format="json")
        assert response.status_code == 405
    world.c1.refresh_from_db()
    assert world.c1.given_name == "小䶮"


def test_it_asks_anonymous_callers_for_a_token(world: World) -> None:
    for url in (LIST_URL, detail_url(world.c1.public_id)):
        response = APIClient().get(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


def test_it_rejects_an_unknown_token(world: World) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get(LIST_URL).status_code == 401


def test_healthz_reports_the_database(client: Any, db: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert client.post("/healthz").status_code == 405


def test_the_schema_is_valid_openapi(client: Any, world: World) -> None:
    client.force_login(world.user("volunteer"))
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    paths = {"/api/v1/auth/token/", "/api/v1/children/", "/api/v1/children/{public_id}/"}
    assert paths <= set(schema["paths"])
    child = schema["components"]["schemas"]["Child"]
    assert "required" not in child and "id_number" in child["properties"]


# --- bulk reads: masked lists, an audit event per page, per-user rate limit ------------------------
# The security review copied a county's ID numbers and birth dates page by page, with no audit row
# and no throttle. Each test below fails when its defence is removed.

WORLD_CHILDREN = ("c1", "c1b", "c2", "c3")


def list_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="lbc.api.children.listed").order_by("id"))


def test_a_county_admin_list_shows_id_numbers_masked(api: Any, world: World) -> None:
    response = api("county_admin").get(LIST_URL)
    rows = {row["public_id"]: row for row in response.json()["results"]}
    assert len(rows) == 3
    for name in ("c1", "c1b", "c2"):
        child = getattr(world, name)
        shown = rows[str(child.public_id)]["id_number"]
        assert shown == child.id_number[:6] + "********" + child.id_number[-4:]
        assert child.id_number not in response.content.decode()


@pytest.mark.parametrize("persona", ["county_admin", "supervisor", "village_director", "counsellor",
                                     "head_teacher", "volunteer", "other_county_admin", "nobody"])
def test_no_list_carries_a_whole_id_number_and_each_is_audited_once(
    api: Any, world: World, persona: str
) -> None:
    client = api(persona)
    texts = [client.get(LIST_URL).content.decode(), client.get(LIST_URL, {"q": "小"}).content.decode()]
    for name in WORLD_CHILDREN:
        number = getattr(world, name).id_number
        assert all(number not in text for text in texts), name
    events = list_events()
    assert len(events) == 2 and {e.actor for e in events} == {world.user(persona)}


def test_the_detail_reveals_the_whole_number_to_identity_roles_and_records_it(api: Any, world: World) -> None:
    data = api("county_admin").get(detail_url(world.c1.public_id)).json()
    assert data["id_number"] == world.c1.id_number
    revealed = AuditEvent.objects.get(action="lbc.child.viewed", actor=world.user("county_admin"))
    assert "identity" in revealed.detail["tiers"] and revealed.child_id == str(world.c1.public_id)
    hidden = api("head_teacher").get(detail_url(world.c1.public_id)).json()
    assert "id_number" not in hidden
    read = AuditEvent.objects.get(action="lbc.child.viewed", actor=world.user("head_teacher"))
    assert "identity" not in read.detail["tiers"]


def test_each_list_page_writes_one_audit_event_with_its_count(
    api: Any, world: World, monkeypatch: Any
) -> None:
    monkeypatch.setattr(ChildListView.pagination_class, "page_size", 2)
    client = api("county_admin")
    url: Any = LIST_URL
    counts = []
    while url:
        page = client.get(url, REMOTE_ADDR="10.8.8.8").json()
        counts.append(len(page["results"]))
        url = page["next"]
    assert counts == [2, 1]
    events = list_events()
    assert [e.detail for e in events] == [
        {"count": 2, "total": 3, "page": 1, "filters": {}},
        {"count": 1, "total": 3, "page": 2, "filters": {}},
    ]
    assert {(e.actor, e.ip, e.child_id) for e in events} == {(world.user("county_admin"), "10.8.8.8", "")}


def test_a_filtered_list_records_its_filters(api: Any, world: World) -> None:
    api("county_admin").get(LIST_URL, {"school": world.s2.public_id, "grade": 5})
    [event] = list_events()
    assert event.detail == {
        "count": 1, "total": 1, "page": 1, "filters": {"school": str(world.s2.public_id), "grade": 5},
    }


def event_text(event: AuditEvent) -> str:
    return json.dumps(
        [event.detail, event.object_id, event.child_id, event.object_type], ensure_ascii=False
    ).upper()


def test_an_id_number_search_is_audited_with_its_results_never_the_number(api: Any, world: World) -> None:
    client = api("county_admin")
    assert len(listed(client, id_number=world.c1.id_number.lower())) == 1
    assert listed(client, id_number=world.c3.id_number) == []  # another county: no match, still audited
    found, missed = list_events()
    assert found.detail == {"count": 1, "total": 1, "page": 1, "filters": {"id_number_search": True}}
    assert missed.detail == {"count": 0, "total": 0, "page": 1, "filters": {"id_number_search": True}}
    for event, number in ((found, world.c1.id_number), (missed, world.c3.id_number)):
        text = event_text(event)
        assert number.upper() not in text and number[:14] not in text and number[-8:] not in text


def test_a_name_search_is_audited_without_the_name(api: Any, world: World) -> None:
    listed(api("supervisor"), q="王小")
    [event] = list_events()
    assert event.detail["filters"] == {"name_search": True} and event.detail["total"] == 1
    assert "王" not in event_text(event)


def test_refused_and_invalid_lists_send_no_data_and_write_no_list_event(api: Any, world: World) -> None:
    assert api("trainer").get(LIST_URL).status_code == 403
    assert api("head_teacher").get(LIST_URL, {"id_number": world.c1.id_number}).status_code == 403
    assert api("county_admin").get(LIST_URL, {"id_number": "12345"}).status_code == 400
    assert list_events() == []


def broken_audit_record(*args: Any, **kwargs: Any) -> None:
    raise DatabaseError("audit table unavailable")


def broken_audit_insert(self: AuditEvent, *args: Any, **kwargs: Any) -> None:
    raise DatabaseError("disk I/O error")


@pytest.mark.parametrize("breakage", ["record", "insert"])
@pytest.mark.parametrize("target", ["list", "id_search", "detail"])
def test_a_read_fails_without_data_when_its_audit_write_fails(
    api: Any, world: World, monkeypatch: Any, breakage: str, target: str
) -> None:
    client = api("county_admin")
    client.raise_request_exception = False
    if breakage == "record":
        monkeypatch.setattr("lbc.audit.record", broken_audit_record)
    else:
        monkeypatch.setattr(AuditEvent, "save", broken_audit_insert)
    response = {
        "list": lambda: client.get(LIST_URL),
        "id_search": lambda: client.get(LIST_URL, {"id_number": world.c1.id_number}),
        "detail": lambda: client.get(detail_url(world.c1.public_id)),
    }[target]()
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "暂时无法记录本次查阅，数据未显示。请稍后再试。"}
    text = response.content.decode()
    for name in ("c1", "c1b", "c2"):
        child = getattr(world, name)
        assert child.given_name not in text and str(child.public_id) not in text
        assert child.id_number[-4:] not in text


def person_data_limit() -> int:
    from rest_framework.throttling import ScopedRateThrottle

    number, _period = ScopedRateThrottle().parse_rate(ScopedRateThrottle.THROTTLE_RATES["person_data"])
    assert _period == 60, "the person-data rate is counted per minute"
    return int(number)


def test_the_61st_child_read_in_a_minute_is_throttled_per_user(api: Any, world: World, clock: Any) -> None:
    limit = person_data_limit()
    assert limit == 60  # the default; LBC_API_PERSON_DATA_RATE changes it
    admin, other = api("county_admin"), api("supervisor")
    # Lists and details share one bucket per user.
    for request in range(limit - 1):
        assert admin.get(LIST_URL).status_code == 200, request
    assert admin.get(detail_url(world.c1.public_id)).status_code == 200
    refused = admin.get(LIST_URL)
    assert refused.status_code == 429
    assert refused.json() == {"detail": refused.json()["detail"]}
    assert refused.json()["detail"].startswith("请求过于频繁")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert admin.get(detail_url(world.c1.public_id)).status_code == 429
    assert admin.get(LIST_URL, {"id_number": world.c1.id_number}).status_code == 429
    # Refused requests send no data and write no audit event.
    assert len(list_events()) == limit - 1
    # Another user is not held up; the same user may read again a minute later.
    assert other.get(LIST_URL).status_code == 200
    clock.shift(61)
    assert admin.get(LIST_URL).status_code == 200


def test_a_caller_cannot_ask_for_a_bigger_page(api: Any, world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(ChildListView.pagination_class, "page_size", 2)
    for size_parameter in ("page_size", "limit", "size"):
        page = api("county_admin").get(LIST_URL, {size_parameter: 1000}).json()
        assert len(page["results"]) == 2 and page["count"] == 3
    assert ChildListView.pagination_class.max_page_size == 50


@pytest.mark.parametrize("value", ["60", "0/min", "60/week", "sixty/min", "60 per minute"])
def test_a_malformed_rate_setting_stops_the_start(monkeypatch: Any, value: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from lbc.settings import env_rate

    monkeypatch.setenv("LBC_API_PERSON_DATA_RATE", value)
    with pytest.raises(ImproperlyConfigured, match="LBC_API_PERSON_DATA_RATE"):
        env_rate("LBC_API_PERSON_DATA_RATE", "60/min")


def test_the_rate_setting_reads_the_environment(monkeypatch: Any) -> None:
    from lbc.settings import env_rate

    monkeypatch.setenv("LBC_API_PERSON_DATA_RATE", "30/hour")
    assert env_rate("LBC_API_PERSON_DATA_RATE", "60/min") == "30/hour"
    monkeypatch.delenv("LBC_API_PERSON_DATA_RATE")
    assert env_rate("LBC_API_PERSON_DATA_RATE", "60/min") == "60/min"


def test_the_schema_documents_masking_throttling_and_audit_failure(client: Any, world: World) -> None:
    client.force_login(world.user("volunteer"))
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/children/", "/api/v1/children/{public_id}/"):
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "401", "404" if "public_id" in path else "403", "429", "503"} <= set(responses), path
    components = schema["components"]["schemas"]
    assert "前6位和后4位" in components["Child"]["properties"]["id_number"]["description"]
    assert "完整" in components["ChildDetail"]["properties"]["id_number"]["description"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/children/"]["get"]["parameters"]}
    assert "page" in parameters and "page_size" not in parameters


def test_a_list_row_never_holds_both_the_masked_id_number_and_the_birth_date(api: Any, world: World) -> None:
    rows = {row["public_id"]: row for row in listed(api("county_admin"))}
    row = rows[str(world.c1.public_id)]
    assert "birth_date" not in row and "age" in row and "*" in row["id_number"]
    detail = api("county_admin").get(f"{LIST_URL}{world.c1.public_id}/").json()
    assert detail["birth_date"] == world.c1.birth_date.isoformat()


def test_aged_out_children_leave_the_list_but_stay_readable(api: Any, world: World) -> None:
    Child.objects.filter(pk=world.c1b.pk).update(status=Child.Status.AGED_OUT)
    client = api("counsellor")
    assert str(world.c1b.public_id) not in ids(listed(client))
    assert str(world.c1.public_id) in ids(listed(client))
    assert client.get(detail_url(world.c1b.public_id)).status_code == 200
