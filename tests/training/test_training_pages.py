"""The trainers' pages: scheduling a repeating class with the clash check, enrolment with walk-ins and the
waiting list, attendance with hours, the sign-in sheet PDF, iCalendar, statistics, materials, and the
guardian's grandparent class on the child's file. c1 (RED in screening) has guardian g1, invited to ts1.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from lbc.models import AuditEvent
from tests.conftest import World
from tests.factories import make_child, make_guardian
from training.calendar import token_digest
from training.effect import paired_change
from training.models import Attendance, CalendarFeed, Enrolment, QuestionnaireResponse, Session, Venue

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
# Words, colours and codes of screening results: none may reach a trainer.
TIER_MARKERS = (
    "红色", "橙色", "黄色", "绿色", "灰色", "RED", "ORANGE", "YELLOW", "GREEN", "tier-", "预警", "总分",
    "PHQ", "GAD", "得分", "需跟进", "常规关注", "#dc3545", "#fd7e14", "#ffc107", "#198754", "#6a0a14",
)  # fmt: skip


def url(name: str, session: Session | None = None, **kwargs: Any) -> str:
    if session is not None:
        kwargs["public_id"] = session.public_id
    return reverse(f"training:{name}", kwargs=kwargs)


def next_monday(weeks: int = 3) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 * weeks - today.weekday())


def series_form(world: World, **overrides: Any) -> dict[str, Any]:
    venue = world.ts1.venue
    data = {
        "program": world.ts1.program.pk,
        "venue": venue.pk,
        "day": next_monday().isoformat(),
        "start": "09:30",
        "end": "11:00",
        "trainers": [world.user("trainer").pk],
        "occurrences": 6,
        "every_days": 7,
        "villages": [world.v1.pk],
        "capacity": "",
    }
    data.update(overrides)
    return data


def start_now(session: Session) -> None:
    """Move a session into the past, so that attendance can be taken."""
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(minutes=30)
    )
    session.refresh_from_db()


# --- scheduling ---------------------------------------------------------------------------------------


def test_a_trainer_schedules_a_weekly_class_for_six_weeks(login: Any, world: World) -> None:
    response = login("trainer").post(url("session-create"), series_form(world))
    assert response.status_code == 302, response.content.decode()
    created = Session.objects.filter(series__isnull=False).order_by("starts_at")
    assert created.count() == 6
    days = [timezone.localtime(s.starts_at).date() for s in created]
    assert all((b - a).days == 7 for a, b in itertools.pairwise(days))
    assert {s.venue_id for s in created} == {world.ts1.venue_id}


def test_the_check_shows_a_venue_clash_while_editing_and_saving_is_refused(login: Any, world: World) -> None:
    day = timezone.localtime(world.ts1.starts_at).date().isoformat()
    data = series_form(world, day=day, occurrences=1, start="10:00", end="11:30")
    client = login("trainer")
    check = client.get(url("session-check"), data, HTTP_HX_REQUEST="true")
    assert check.status_code == 200
    assert "时间冲突" in check.content.decode()
    response = client.post(url("session-create"), data)
    assert response.status_code == 200
    assert Session.objects.count() == 2  # ts1 and ts3 only: nothing written


def test_the_check_says_when_there_is_no_clash(login: Any, world: World) -> None:
    check = login("trainer").get(url("session-check"), series_form(world))
    assert "没有发现" in check.content.decode()


def test_the_check_warns_about_an_evening_class_for_grandparents_without_refusing(
    login: Any, world: World
) -> None:
    html = (
        login("trainer")
        .get(url("session-check"), series_form(world, start="19:00", end="20:30"))
        .content.decode()
    )
    assert "提醒" in html and "白天" in html and "不能安排" not in html


def test_a_county_administrator_may_not_schedule(login: Any, world: World) -> None:
    assert login("county_admin").post(url("session-create"), series_form(world)).status_code == 403
    assert not Session.objects.filter(series__isnull=False).exists()


# --- enrolment ----------------------------------------------------------------------------------------


def test_a_village_director_enrols_a_grandparent_of_the_village(login: Any, world: World) -> None:
    child = make_child(world.v1, world.s1, world.class1, given_name="小禾")
    grandfather = make_guardian(child, name="测试祖父", phone="13800000011")
    client = login("village_director")
    page = client.get(url("session-enrolment", world.ts1)).content.decode()
    assert "测试祖父" in page
    response = client.post(url("enrol-invitees", world.ts1), {"invitee": f"guardian:{grandfather.public_id}"})
    assert response.status_code == 302
    assert Enrolment.objects.filter(session=world.ts1, guardian=grandfather, status="enrolled").exists()


def test_guardians_outside_the_invitation_list_cannot_be_enrolled(login: Any, world: World) -> None:
    outsider = make_guardian(world.c3, name="邻县祖母", phone="13800000012")
    login("trainer").post(url("enrol-invitees", world.ts1), {"invitee": f"guardian:{outsider.public_id}"})
    assert not Enrolment.objects.filter(guardian=outsider).exists()


def test_a_walk_in_fills_the_last_seat_and_the_next_one_waits(login: Any, world: World) -> None:
    Session.objects.filter(pk=world.ts1.pk).update(capacity=2)
    client = login("trainer")
    for name, phone in (("临时甲", "13800000021"), ("临时乙", "13800000022")):
        client.post(url("enrol-walk-in", world.ts1), {"name": name, "phone": phone, "village": world.v1.pk})
    statuses = dict(Enrolment.objects.filter(session=world.ts1).values_list("walk_in_name", "status"))
    assert statuses["临时甲"] == "enrolled" and statuses["临时乙"] == "waiting"
    page = client.get(url("session-enrolment", world.ts1)).content.decode()
    assert "候补名单" in page and "临时乙" in page


def test_a_walk_in_without_a_phone_is_refused_and_the_form_keeps_the_name(login: Any, world: World) -> None:
    response = login("trainer").post(url("enrol-walk-in", world.ts1), {"name": "临时丙", "phone": ""})
    assert response.status_code == 400
    assert 'value="临时丙"' in response.content.decode()
    assert not Enrolment.objects.filter(walk_in_name="临时丙").exists()


def test_cancelling_promotes_the_first_waiting_person(login: Any, world: World) -> None:
    Session.objects.filter(pk=world.ts1.pk).update(capacity=1)
    client = login("trainer")
    client.post(url("enrol-walk-in", world.ts1), {"name": "临时丁", "phone": "13800000023"})
    g1_enrolment = Enrolment.objects.get(session=world.ts1, guardian=world.g1)
    client.post(url("enrolment-cancel", world.ts1, enrolment_id=g1_enrolment.public_id))
    assert Enrolment.objects.get(walk_in_name="临时丁").status == "enrolled"


# --- attendance ---------------------------------------------------------------------------------------


def test_marking_present_credits_the_session_hours_and_the_trainers_service_hours(
    login: Any, world: World
) -> None:
    start_now(world.ts1)
    enrolment = Enrolment.objects.get(session=world.ts1, guardian=world.g1)
    client = login("trainer")
    response = client.post(
        url("attendance-mark", world.ts1, enrolment_id=enrolment.public_id),
        {"attended": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith("<li") and "已到" in html and "1.5" in html
    assert 'id="attendance-count" hx-swap-oob="true"' in html and "已到 1/1 人" in html
    mark = Attendance.objects.get(enrolment=enrolment)
    assert mark.attended and mark.hours == world.ts1.hours
    service = Attendance.objects.get(session=world.ts1, user=world.user("trainer"))
    assert service.kind == Attendance.Kind.SERVICE and service.hours == world.ts1.hours


def test_attendance_cannot_be_taken_before_the_session(login: Any, world: World) -> None:
    enrolment = Enrolment.objects.get(session=world.ts1, guardian=world.g1)
    response = login("trainer").post(
        url("attendance-mark", world.ts1, enrolment_id=enrolment.public_id),
        {"attended": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert "开始后才能记录出勤" in response.content.decode()
    assert not Attendance.objects.exists()


# --- the sign-in sheet --------------------------------------------------------------------------------


def poppler(tool: str, *args: str) -> str:
    path = shutil.which(tool)
    assert path, f"{tool} is missing: install Debian's poppler-utils"
    return subprocess.run([path, *args], check=True, capture_output=True, text=True, timeout=60).stdout


def test_the_sign_in_sheet_prints_rare_name_characters_with_the_embedded_font(
    login: Any, world: World, tmp_path: Path, settings: Any
) -> None:
    settings.DEMO_MODE = True
    world.g1.name = "王䶮奶奶"
    world.g1.save()
    response = login("trainer").get(url("sign-in-sheet", world.ts1))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(response.content)
    fonts = [line for line in poppler("pdffonts", str(pdf)).splitlines() if "NotoSansSC" in line]
    assert fonts and all(" yes " in line for line in fonts)
    text = poppler("pdftotext", "-layout", str(pdf), "-")
    assert "王䶮奶奶" in text and "签到表" in text and "一村村委会活动室" in text
    assert "演示数据" in text and "手印" in text
    assert not any(marker in text for marker in TIER_MARKERS)
    poppler("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page"))
    page = next(tmp_path.glob("page*.png"))
    assert page.read_bytes().startswith(b"\x89PNG")
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(page, ARTIFACTS / "training-sign-in-sheet.png")
    assert AuditEvent.objects.filter(action="training.sign_in_sheet.exported").exists()


def test_markup_in_a_name_prints_literally_on_the_sheet(login: Any, world: World, tmp_path: Path) -> None:
    world.g1.name = "<b>王</b>&amp;"
    world.g1.save()
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(login("trainer").get(url("sign-in-sheet", world.ts1)).content)
    assert "<b>王</b>&amp;" in poppler("pdftotext", str(pdf), "-")


def test_a_village_director_sheet_lists_only_their_village(login: Any, world: World, tmp_path: Path) -> None:
    other = make_guardian(world.c2, name="二村祖母", phone="13800000031")
    world.ts1.villages.add(world.v2)
    from training.enrolment import Person, enrol_person

    enrol_person(world.ts1, Person(guardian=other), by=world.user("trainer"))
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(login("village_director").get(url("sign-in-sheet", world.ts1)).content)
    text = poppler("pdftotext", str(pdf), "-")
    assert "测试祖母" in text and "二村祖母" not in text


# --- iCalendar ----------------------------------------------------------------------------------------


def test_one_sessions_ics_has_title_time_and_venue_but_no_invitee(login: Any, world: World) -> None:
    response = login("trainer").get(url("session-ics", world.ts1))
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert "SUMMARY:隔代教养：和孙辈好好说话" in text and "LOCATION:一村村委会活动室" in text
    assert "测试祖母" not in text and world.g1.phone not in text  # the guardian enrolled in ts1


def test_a_feed_address_works_without_login_until_it_is_revoked(
    client: Any, login: Any, world: World
) -> None:
    page = login("trainer").post(url("feed-settings"), {"action": "create"}).content.decode()
    address = re.search(r'value="(http[^"]+/feed/([^"/]+)\.ics)"', page)
    assert address is not None
    token = address.group(2)
    assert CalendarFeed.objects.get(user=world.user("trainer")).token_hash == token_digest(token)
    assert not CalendarFeed.objects.filter(token_hash=token).exists()  # only the digest is stored
    client.logout()
    feed = client.get(url("feed", token=token))
    assert feed.status_code == 200
    text = feed.content.decode()
    assert text.count("BEGIN:VEVENT") == 1 and str(world.ts1.public_id) in text  # ts3 is another county's
    assert "测试祖母" not in text
    login("trainer").post(url("feed-settings"), {"action": "revoke"})
    client.logout()
    assert client.get(url("feed", token=token)).status_code == 404


def test_a_new_feed_address_replaces_the_old_one(client: Any, login: Any, world: World) -> None:
    trainer = login("trainer")
    first = re.findall(
        r"/feed/([^\"/]+)\.ics", trainer.post(url("feed-settings"), {"action": "create"}).content.decode()
    )
    second = re.findall(
        r"/feed/([^\"/]+)\.ics", trainer.post(url("feed-settings"), {"action": "create"}).content.decode()
    )
    client.logout()
    assert client.get(url("feed", token=first[0])).status_code == 404
    assert client.get(url("feed", token=second[0])).status_code == 200


def test_a_feed_stops_when_the_user_loses_the_role(client: Any, login: Any, world: World) -> None:
    page = login("trainer").post(url("feed-settings"), {"action": "create"}).content.decode()
    token = re.findall(r"/feed/([^\"/]+)\.ics", page)[0]
    world.user("trainer").memberships.update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    client.logout()
    assert client.get(url("feed", token=token)).status_code == 404


# --- statistics and the child's file ------------------------------------------------------------------


def held_session_with_pairs(world: World, people: int) -> Session:
    """ts1 moved into the past with ``people`` walk-ins, all present, each with pre and post scores."""
    from lbc.models import Region  # noqa: F401
    from training.enrolment import Person, enrol_person
    from training.models import Questionnaire

    questionnaire = Questionnaire.objects.create(name="照料知识问卷", scale="1-5")
    session = world.ts1
    for n in range(people):
        enrol_person(
            session,
            Person(walk_in_name=f"学员{n}", walk_in_phone=f"1380000{n:04d}", walk_in_village=world.v1),
            by=world.user("trainer"),
        )
    start_now(session)
    for n, enrolment in enumerate(Enrolment.objects.filter(session=session, status="enrolled")):
        Attendance.objects.create(
            session=session, kind="participant", enrolment=enrolment, attended=True, hours=1
        )
        QuestionnaireResponse.objects.create(
            enrolment=enrolment, questionnaire=questionnaire, phase="pre", total=10 + n % 3
        )
        QuestionnaireResponse.objects.create(
            enrolment=enrolment, questionnaire=questionnaire, phase="post", total=13 + n % 2
        )
    return session


def test_statistics_show_rates_and_the_paired_change(login: Any, world: World) -> None:
    held_session_with_pairs(world, 7)
    html = login("county_admin").get(url("statistics")).content.decode()
    assert "祖辈" in html and "一乡" in html
    assert "<td>8</td>" in html  # 7 walk-ins and g1, all of township T1
    pre = [10 + n % 3 for n in range(8)]
    post = [13 + n % 2 for n in range(8)]
    expected = paired_change(zip(pre, post, strict=True))
    assert expected.interval_text in html


def test_small_groups_show_as_less_than_five_and_no_change_is_computed(login: Any, world: World) -> None:
    held_session_with_pairs(world, 2)
    html = login("trainer").get(url("statistics")).content.decode()
    assert "&lt;5" in html and "少于5对" in html


def test_the_statistics_charts_are_png(login: Any, world: World) -> None:
    held_session_with_pairs(world, 6)
    client = login("county_admin")
    for kind in ("audience", "township", "change"):
        response = client.get(url("statistics-chart", kind=kind))
        assert response.status_code == 200 and response.content.startswith(b"\x89PNG")
    assert client.get(url("statistics-chart", kind="other")).status_code == 404


def test_the_child_file_says_the_guardian_attended_a_grandparent_class(login: Any, world: World) -> None:
    start_now(world.ts1)
    enrolment = Enrolment.objects.get(session=world.ts1, guardian=world.g1)
    Attendance.objects.create(
        session=world.ts1, kind="participant", enrolment=enrolment, attended=True, hours=1
    )
    detail = reverse("lbc:child-detail", kwargs={"public_id": world.c1.public_id})
    # The line sits on the guardian's card: exactly the roles that see the guardian see it.
    for persona in ("village_director", "head_teacher", "counsellor", "supervisor", "volunteer"):
        html = login(persona).get(detail).content.decode()
        assert ("参加过祖辈课堂" in html) == ("测试祖母" in html), persona
    assert "参加过祖辈课堂" in login("village_director").get(detail).content.decode()
    with mock.patch("lbc.views.children.guardian_cards", return_value=[]):
        assert "参加过祖辈课堂" not in login("village_director").get(detail).content.decode()


def test_materials_are_served_through_django_with_the_access_check(login: Any, world: World) -> None:
    response = login("trainer").get(url("material-download", public_id=world.tm1.public_id))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"synthetic..."
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        login("other_county_admin").get(url("material-download", public_id=world.tm1.public_id)).status_code
        == 404
    )


# --- no screening result reaches a trainer ------------------------------------------------------------


def check_query(world: World) -> str:
    return "&".join(f"{k}={v}" for k, v in series_form(world).items() if not isinstance(v, list))


@pytest.mark.parametrize("persona", ["trainer", "village_director"])
def test_no_training_page_shows_a_tier_or_score(login: Any, world: World, persona: str) -> None:
    """c1 is RED with an open warning, and its guardian g1 is invited to and enrolled in ts1."""
    assert world.c1.latest_tier == "RED"
    start_now(world.ts1)
    client = login(persona)
    pages = [
        url("calendar"), url("calendar") + "?month=" + f"{timezone.localtime(world.ts1.starts_at):%Y-%m}",
        url("session-detail", world.ts1), url("session-enrolment", world.ts1), url("session-ics", world.ts1),
        url("feed-settings"),
    ]  # fmt: skip
    if persona == "trainer":
        pages += [
            url("session-create"), url("session-check") + "?" + check_query(world),
            url("session-attendance", world.ts1), url("statistics"),
        ]  # fmt: skip
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        if (
            persona != "trainer" and "<main" in html
        ):  # a director's menu links to warnings, which the role may see elsewhere
            html = html[html.index("<main") :]
        found = [m for m in TIER_MARKERS if m in html]
        assert not found, f"{page} shows {found}"
    enrolment = Enrolment.objects.get(session=world.ts1, guardian=world.g1)
    if persona == "trainer":
        mark = client.post(
            url("attendance-mark", world.ts1, enrolment_id=enrolment.public_id),
            {"attended": "1"},
            HTTP_HX_REQUEST="true",
        ).content.decode()
        assert not [m for m in TIER_MARKERS if m in mark]
    assert "测试祖母" in client.get(url("session-enrolment", world.ts1)).content.decode()


def test_the_api_gives_a_trainer_no_child_and_no_tier(login: Any, world: World) -> None:
    client = login("trainer")
    for page in (
        reverse("api:child-list"),
        reverse("api:child-detail", kwargs={"public_id": world.c1.public_id}),
    ):
        response = client.get(page)
        assert response.status_code in (403, 404), page
        assert not [m for m in TIER_MARKERS if m in response.content.decode()], page


def test_the_invitation_list_never_tells_why_someone_comes_first(world: World) -> None:
    from training.access import get_training_session_for_user
    from training.views.people import invitees_of

    session, _rights = get_training_session_for_user(world.user("trainer"), world.ts1.public_id, enrol=True)
    Enrolment.objects.filter(session=session).delete()
    invitees = invitees_of(world.user("trainer"), session)
    assert [i.name for i in invitees] == ["测试祖母"]
    assert set(vars(invitees[0])) == {"kind", "public_id", "name", "phone", "village", "status", "priority"}
    assert invitees[0].priority is False


@pytest.mark.parametrize(("persona", "flagged"), [("trainer", False), ("village_director", True)])
def test_the_priority_flag_shows_only_to_those_who_see_warnings(
    login: Any, world: World, persona: str, flagged: bool
) -> None:
    Enrolment.objects.filter(session=world.ts1).delete()
    page = login(persona).get(url("session-enrolment", world.ts1)).content.decode()
    assert "测试祖母" in page
    assert ("邀请优先" in page) is flagged


def test_the_sheet_is_not_sent_when_the_export_cannot_be_audited(login: Any, world: World) -> None:
    client = login("trainer")
    client.raise_request_exception = False
    with mock.patch("lbc.audit.record", side_effect=RuntimeError("audit table unavailable")):
        response = client.get(url("sign-in-sheet", world.ts1))
    assert response.status_code == 500 and not response.content.startswith(b"%PDF")


def test_venue_kinds_are_known(world: World) -> None:
    assert world.ts1.venue.kind == Venue.Kind.VILLAGE_HALL
