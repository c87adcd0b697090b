"""The set-up pages a county goes live with: programs, venues, pre/post questionnaires, materials, the
county's training windows, and editing (moving, re-seating, cancelling) a session. Every change is
audited; forms that fail keep what was typed. Synthetic names only.

tp1/tv1/tq1/ts1 are county K's program, venue, questionnaire and session (tests/world_training.py);
tp3/tv3/tq3/ts3 county K2's.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lbc.models import AuditEvent, OutboxMessage
from lbc.services.errors import DomainError
from tests.conftest import World
from training.enrolment import Person, enrol_person
from training.models import (
    CountyTrainingConfig,
    Material,
    Program,
    Questionnaire,
    QuestionnaireResponse,
    Session,
    Venue,
)
from training.services.bookings import windows_for
from training.services.sessions import check_session_change, schedule_session

from .helpers import at, make_trainer, make_venue, next_weekday, schedule

PDF = b"%PDF-1.4\n% synthetic handout\n"


def url(name: str, obj: Any = None, **kwargs: Any) -> str:
    if obj is not None:
        kwargs["public_id"] = obj.public_id
    return reverse(f"training:{name}", kwargs=kwargs)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def program_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "祖辈课堂（合成）",
        "audience": "grandparents",
        "level": "government",
        "session_minutes": 90,
        "topics_text": "隔代教育、情绪识别",
        "description": "",
        "provider": "",
        "new_provider": "",
        "contract_number": "",
        "contract_starts_on": "",
        "contract_ends_on": "",
        "questionnaire": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def private(settings: Any, tmp_path: Path) -> Path:
    settings.LBC_TRAINING_MATERIAL_ROOT = tmp_path / "private"
    return Path(settings.LBC_TRAINING_MATERIAL_ROOT)


# --- programs ---------------------------------------------------------------------------------------


def test_a_county_administrator_creates_a_program_and_it_is_audited(login: Any, world: World) -> None:
    response = login("county_admin").post(url("program-create"), program_data(questionnaire=world.tq1.pk))
    assert response.status_code == 302, response.content.decode()
    program = Program.objects.get(name="祖辈课堂（合成）")
    assert (program.county_id, program.audience, program.topics) == (
        world.county.pk,
        "grandparents",
        ["隔代教育", "情绪识别"],
    )
    assert program.questionnaire == world.tq1 and program.created_by == world.user("county_admin")
    (event,) = events("training.program.created")
    assert event.object_id == str(program.public_id) and event.actor_username == "county_admin"


def test_a_purchased_program_without_a_contract_is_refused_and_the_form_keeps_the_input(
    login: Any, world: World
) -> None:
    response = login("trainer").post(
        url("program-create"),
        program_data(name="远程陪伴（合成）", level="purchased", contract_number="HT-7"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "政府购买服务须填写服务提供机构。" in html and "政府购买服务须填写合同编号和合同期。" in html
    assert 'value="远程陪伴（合成）"' in html and 'value="HT-7"' in html
    assert not Program.objects.filter(name="远程陪伴（合成）").exists()
    assert not events("training.program.created")


def test_a_purchased_program_adds_its_new_provider_in_the_same_step(login: Any, world: World) -> None:
    response = login("trainer").post(
        url("program-create"),
        program_data(
            name="远程陪伴（合成）",
            level="purchased",
            new_provider="阳光社工服务中心（合成）",
            contract_number="HT-7",
            contract_starts_on="2026-01-01",
            contract_ends_on="2027-12-31",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    program = Program.objects.get(name="远程陪伴（合成）")
    assert program.provider is not None and program.provider.name == "阳光社工服务中心（合成）"
    assert program.provider.region_id == world.county.pk
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="training.p").order_by("id")] == [
        "training.provider.created",
        "training.program.created",
    ]


def test_editing_a_program_records_each_changed_field(login: Any, world: World) -> None:
    program = world.tp1
    data = program_data(name=program.name, session_minutes=120, topics_text="")
    assert login("trainer").post(url("program-edit", program), data).status_code == 302
    program.refresh_from_db()
    assert program.session_minutes == 120
    (event,) = events("training.program.updated")
    assert event.detail["changed"]["session_minutes"] == [90, 120]
    assert "name" not in event.detail["changed"]


def test_a_retired_program_takes_no_new_sessions_and_can_come_back(login: Any, world: World) -> None:
    client = login("county_admin")
    assert client.post(url("program-retire", world.tp1), {"active": "0"}).status_code == 302
    world.tp1.refresh_from_db()
    assert not world.tp1.active and len(events("training.program.retired")) == 1
    trainer = world.user("trainer")
    start = at(next_weekday(1, weeks=3), 9, 30)
    with pytest.raises(DomainError, match="已停用"):
        schedule_session(
            world.tp1, by=trainer, starts_at=start, ends_at=start + dt.timedelta(hours=1),
            venue=world.tv1, trainers=[trainer],
        )  # fmt: skip
    assert client.post(url("program-retire", world.tp1), {"active": "1"}).status_code == 302
    world.tp1.refresh_from_db()
    assert world.tp1.active and len(events("training.program.reactivated")) == 1


def test_another_countys_program_cannot_be_changed(login: Any, world: World) -> None:
    client = login("county_admin")
    assert client.post(url("program-edit", world.tp3), program_data(name="改名")).status_code == 404
    assert client.post(url("program-retire", world.tp3), {"active": "0"}).status_code == 404
    world.tp3.refresh_from_db()
    assert world.tp3.active and world.tp3.name != "改名"
    assert login("village_director").post(url("program-create"), program_data()).status_code == 403


# --- venues -----------------------------------------------------------------------------------------


def test_the_village_picker_is_grouped_by_township_and_sorted(login: Any, world: World) -> None:
    html = login("trainer").get(url("venue-create")).content.decode()
    groups = re.findall(r'<optgroup label="([^"]+)">', html)
    assert groups == ["测试县", "一乡", "二乡"]  # K's townships by name; K2's 三乡 not offered
    first_town = html.split('<optgroup label="一乡">')[1].split("</optgroup>")[0]
    names = re.findall(r">([^<]+)</option>", first_town)
    assert names == ["一乡（乡镇）", "一乡二村", "一村"]  # the township's own hall first, villages by name
    assert "三村" not in html and "data-picker-filter" in html and "training/pickers.js" in html


def test_a_trainer_creates_and_edits_a_venue(login: Any, world: World) -> None:
    client = login("trainer")
    data = {"name": "二村祖辈课堂活动室", "kind": "village_hall", "region": world.v2.pk,
            "address": "村委会二楼", "capacity": 25, "school": "", "organisation": ""}  # fmt: skip
    assert client.post(url("venue-create"), data).status_code == 302
    venue = Venue.objects.get(name="二村祖辈课堂活动室")
    assert (venue.county_id, venue.region_id, venue.capacity) == (world.county.pk, world.v2.pk, 25)
    assert len(events("training.venue.created")) == 1
    assert client.post(url("venue-edit", venue), {**data, "capacity": 35}).status_code == 302
    (event,) = events("training.venue.updated")
    assert event.detail["changed"] == {"capacity": [25, 35]}


def test_a_venue_in_another_county_is_refused_and_the_input_is_kept(login: Any, world: World) -> None:
    data = {"name": "外县活动室", "kind": "village_hall", "region": world.v3.pk, "address": "",
            "capacity": 25, "school": "", "organisation": ""}  # fmt: skip
    response = login("county_admin").post(url("venue-create"), data)
    assert response.status_code == 400
    assert 'value="外县活动室"' in response.content.decode()
    assert not Venue.objects.filter(name="外县活动室").exists()


def test_a_deactivated_venue_takes_no_new_sessions(login: Any, world: World) -> None:
    assert login("county_admin").post(url("venue-deactivate", world.tv1), {"active": "0"}).status_code == 302
    world.tv1.refresh_from_db()
    assert not world.tv1.active and len(events("training.venue.deactivated")) == 1
    form = login("trainer").get(url("session-create")).content.decode()
    venues = form.split('id="id_venue"')[1].split("</select>")[0]
    assert world.tv1.name not in venues
    assert login("county_admin").post(url("venue-deactivate", world.tv3), {"active": "0"}).status_code == 404


# --- questionnaires ---------------------------------------------------------------------------------


def test_a_questionnaire_is_made_with_ordered_items_and_attached_to_a_program(
    login: Any, world: World
) -> None:
    client = login("trainer")
    items = "1. 我能看出孩子心里有事\n\n我每周让孩子和父母通话\n孩子哭时我知道怎么安慰"
    data = {"name": "隔代沟通问卷（合成）", "scale": "1-5", "items_text": items}
    assert client.post(url("questionnaire-create"), data).status_code == 302
    questionnaire = Questionnaire.objects.get(name="隔代沟通问卷（合成）")
    assert questionnaire.county_id == world.county.pk and questionnaire.version == 1
    assert list(questionnaire.items.values_list("number", "text")) == [
        (1, "我能看出孩子心里有事"),
        (2, "我每周让孩子和父母通话"),
        (3, "孩子哭时我知道怎么安慰"),
    ]
    (created,) = events("training.questionnaire.created")
    assert created.detail == {"items": 3}
    reordered = {**data, "items_text": "孩子哭时我知道怎么安慰\n我能看出孩子心里有事"}
    assert client.post(url("questionnaire-edit", questionnaire), reordered).status_code == 302
    assert list(questionnaire.items.values_list("number", "text")) == [
        (1, "孩子哭时我知道怎么安慰"),
        (2, "我能看出孩子心里有事"),
    ]
    (updated,) = events("training.questionnaire.updated")
    assert "items" in updated.detail["changed"]
    data = program_data(name=world.tp1.name, questionnaire=questionnaire.pk)
    assert client.post(url("program-edit", world.tp1), data).status_code == 302
    world.tp1.refresh_from_db()
    assert world.tp1.questionnaire == questionnaire


def test_an_empty_questionnaire_is_refused_and_keeps_its_name(login: Any, world: World) -> None:
    response = login("trainer").post(
        url("questionnaire-create"), {"name": "空问卷（合成）", "scale": "1-5", "items_text": "  \n "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请至少填写一道题目。" in html and 'value="空问卷（合成）"' in html


def answer(world: World, questionnaire: Questionnaire) -> None:
    enrolment = world.ts1.enrolments.get()
    QuestionnaireResponse.objects.create(
        enrolment=enrolment, questionnaire=questionnaire, phase="pre", answers={"1": 4}, total=4
    )


def test_answered_questionnaires_are_frozen_and_copied_to_a_new_version(login: Any, world: World) -> None:
    answer(world, world.tq1)
    client = login("county_admin")
    page = client.get(url("questionnaire-edit", world.tq1)).content.decode()
    assert "已经有人作答" in page and "复制为新版本" in page and 'name="items_text"' not in page
    changed = {"name": world.tq1.name, "scale": "1-5", "items_text": "换了的题目"}
    response = client.post(url("questionnaire-edit", world.tq1), changed)
    assert response.status_code == 400 and "不能再修改题目" in response.content.decode()
    assert list(world.tq1.items.values_list("text", flat=True)) == ["我知道孩子心里有事时怎么问"]
    assert not events("training.questionnaire.updated")

    response = client.post(url("questionnaire-copy", world.tq1))
    copy = Questionnaire.objects.get(previous=world.tq1)
    assert response.status_code == 302 and response["Location"] == url("questionnaire-edit", copy)
    assert (copy.version, copy.county_id) == (2, world.county.pk)
    assert list(copy.items.values_list("text", flat=True)) == ["我知道孩子心里有事时怎么问"]
    (event,) = events("training.questionnaire.copied")
    assert event.detail == {"from": str(world.tq1.public_id), "version": 2}
    assert client.post(url("questionnaire-edit", copy), {**changed, "name": copy.name}).status_code == 302
    assert list(copy.items.values_list("text", flat=True)) == ["换了的题目"]


def test_another_countys_questionnaire_is_not_found(login: Any, world: World) -> None:
    client = login("trainer")
    assert client.post(url("questionnaire-copy", world.tq3)).status_code == 404
    assert not Questionnaire.objects.filter(previous=world.tq3).exists()
    html = client.get(url("program-create")).content.decode()
    assert str(world.tq1) in html and f'value="{world.tq3.pk}"' not in html


# --- materials --------------------------------------------------------------------------------------


def test_a_material_is_uploaded_to_private_storage_listed_and_deleted(
    login: Any, world: World, private: Path, settings: Any
) -> None:
    client = login("trainer")
    upload = SimpleUploadedFile("讲义.pdf", PDF, content_type="application/pdf")
    data = {"program": world.tp1.pk, "title": "祖辈课堂讲义（合成）", "file": upload}
    assert client.post(url("material-upload"), data).status_code == 302
    material = Material.objects.get(title="祖辈课堂讲义（合成）")
    path = Path(material.file.path)
    assert path.is_relative_to(private) and not path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert len(events("training.material.added")) == 1
    listing = client.get(url("material-list")).content.decode()
    links = re.findall(r'href="([^"]*)"', listing)
    assert url("material-download", material) in links
    assert not [link for link in links if material.file.name in link or "/media/" in link]
    download = client.get(url("material-download", material))
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert client.post(url("material-delete", material)).status_code == 302
    assert not Material.objects.filter(pk=material.pk).exists()
    assert len(events("training.material.removed")) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ\x90\x00 synthetic executable", "只能上传PDF、PNG、JPEG图片或MP3音频文件。"),
        (b"", "空文件。"),
    ],
)
def test_a_wrong_file_is_refused_in_chinese_and_the_title_is_kept(
    login: Any, world: World, private: Path, content: bytes, message: str
) -> None:
    data = {
        "program": world.tp1.pk,
        "title": "不合格的资料（合成）",
        "file": SimpleUploadedFile("x.exe", content),
    }
    response = login("trainer").post(url("material-upload"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'value="不合格的资料（合成）"' in html
    assert not Material.objects.filter(title="不合格的资料（合成）").exists()


def test_a_file_over_the_limit_is_refused(
    login: Any, world: World, private: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("training.materials.MAX_BYTES", len(PDF) - 1)
    data = {"program": world.tp1.pk, "title": "大文件（合成）", "file": SimpleUploadedFile("a.pdf", PDF)}
    response = login("county_admin").post(url("material-upload"), data)
    assert response.status_code == 400 and "文件太大" in response.content.decode()
    assert not Material.objects.filter(title="大文件（合成）").exists()


def test_another_countys_material_cannot_be_deleted_or_uploaded_to(
    login: Any, world: World, private: Path
) -> None:
    client = login("other_county_admin")
    assert client.post(url("material-delete", world.tm1)).status_code == 404
    assert Material.objects.filter(pk=world.tm1.pk).exists()
    data = {"program": world.tp1.pk, "title": "越权上传", "file": SimpleUploadedFile("a.pdf", PDF)}
    assert client.post(url("material-upload"), data).status_code == 400
    assert not Material.objects.filter(title="越权上传").exists()


# --- editing a session ------------------------------------------------------------------------------


def edit_data(session: Session, **overrides: Any) -> dict[str, Any]:
    starts = timezone.localtime(session.starts_at)
    data = {
        "day": starts.date().isoformat(),
        "start": starts.strftime("%H:%M"),
        "end": timezone.localtime(session.ends_at).strftime("%H:%M"),
        "venue": session.venue_id,
        "trainers": [t.pk for t in session.trainers.all()],
        "capacity": session.capacity,
    }
    data.update(overrides)
    return data


def test_rescheduling_tells_the_enrolled_people_through_the_outbox(login: Any, world: World) -> None:
    session = world.ts1
    saturday = next_weekday(5, weeks=2)
    response = login("trainer").post(
        url("session-edit", session), edit_data(session, day=saturday.isoformat(), start="14:00", end="15:30")
    )
    assert response.status_code == 302, response.content.decode()
    session.refresh_from_db()
    assert session.starts_at == at(saturday, 14)
    (message,) = OutboxMessage.objects.filter(kind="training.session.rescheduled")
    assert "改到" in message.text and f"{saturday.month}月{saturday.day}日" in message.text
    (event,) = events("training.session.rescheduled")
    assert event.detail["told"] == 1
    assert event.detail["changed"]["starts_at"][1] == at(saturday, 14).isoformat()


def test_a_county_administrator_changes_seats_without_telling_anyone(login: Any, world: World) -> None:
    session = world.ts1
    assert (
        login("county_admin").post(url("session-edit", session), edit_data(session, capacity=25)).status_code
        == 302
    )
    session.refresh_from_db()
    assert session.capacity == 25
    assert not OutboxMessage.objects.filter(kind="training.session.rescheduled").exists()
    (event,) = events("training.session.rescheduled")
    assert event.detail == {"changed": {"capacity": [20, 25]}, "told": 0}
    assert event.actor_username == "county_admin"


def test_seats_below_the_enrolment_are_refused_with_a_clear_message(login: Any, world: World) -> None:
    session = world.ts1
    enrol_person(
        session, Person(walk_in_name="钱合成", walk_in_phone="13700000002"), by=world.user("trainer")
    )
    client = login("trainer")
    check = client.get(url("session-edit-check", session), edit_data(session, capacity=1)).content.decode()
    assert "已有2人报名，名额不能少于报名人数" in check
    response = client.post(url("session-edit", session), edit_data(session, capacity=1, start="10:00"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "已有2人报名，名额不能少于报名人数。请先取消部分报名。" in html and 'value="10:00"' in html
    session.refresh_from_db()
    assert session.capacity == 20 and not events("training.session.rescheduled")


def test_a_clash_shows_inline_and_the_move_is_refused(login: Any, world: World) -> None:
    trainer = world.user("trainer")
    tuesday = next_weekday(1, weeks=3)
    other_hall = make_venue(world.v2)
    schedule(world.tp1, other_hall, [trainer], at(tuesday, 9, 30))
    session = world.ts1
    data = edit_data(session, day=tuesday.isoformat(), start="10:00", end="11:30")
    client = login("trainer")
    check = client.get(url("session-edit-check", session), data).content.decode()
    assert "时间冲突" in check
    problems, _notes = check_session_change(
        session, starts_at=at(tuesday, 10), ends_at=at(tuesday, 11, 30), venue=session.venue,
        trainers=[trainer], capacity=session.capacity,
    )  # fmt: skip
    assert problems and all(p in check for p in problems)
    response = client.post(url("session-edit", session), data)
    assert response.status_code == 400 and all(p in response.content.decode() for p in problems)
    session.refresh_from_db()
    assert session.starts_at != at(tuesday, 10)
    assert not OutboxMessage.objects.filter(kind="training.session.rescheduled").exists()
    free = client.get(url("session-edit-check", session), edit_data(session, start="14:00", end="15:30"))
    assert "没有发现" in free.content.decode()


def test_the_trainer_of_a_session_can_be_changed_to_another_trainer_of_the_county(
    login: Any, world: World
) -> None:
    session = world.ts1
    colleague = make_trainer(world.county, "trainer_colleague")
    data = edit_data(session, trainers=[colleague.pk])
    assert login("county_admin").post(url("session-edit", session), data).status_code == 302
    assert list(session.trainers.all()) == [colleague]
    (event,) = events("training.session.rescheduled")
    assert set(event.detail["changed"]) == {"trainers"} and event.detail["told"] == 0


def test_a_county_administrator_cancels_a_session(login: Any, world: World) -> None:
    response = login("county_admin").post(url("session-cancel", world.ts1), {"reason": "场地维修"})
    assert response.status_code == 302
    world.ts1.refresh_from_db()
    assert world.ts1.is_cancelled and len(events("training.session.cancelled")) == 1
    page = login("county_admin").get(url("session-edit", world.ts1)).content.decode()
    assert "该场次已取消，不能再修改。" in page


# --- county windows ---------------------------------------------------------------------------------


def windows_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "grandparent_day_start": "08:30",
        "grandparent_day_end": "",
        "farming_peaks": "05-20 至 06-10\n09-25 ~ 10-25",
        "spring_festival": "2027-01-25 至 2027-02-15",
        "school_vacations": "",
        "travel_buffer_minutes": "45",
        "reminder_days_before": "",
    }
    data.update(overrides)
    return data


def test_a_county_administrator_sets_the_countys_windows(login: Any, world: World) -> None:
    client = login("county_admin")
    assert client.get(url("windows")).status_code == 200
    response = client.post(url("windows-edit", world.county), windows_data())
    assert response.status_code == 302, response.content.decode()
    config = CountyTrainingConfig.objects.get(county=world.county)
    assert config.farming_peaks == [{"start": "05-20", "end": "06-10"}, {"start": "09-25", "end": "10-25"}]
    assert config.spring_festival == {"2027": {"start": "2027-01-25", "end": "2027-02-15"}}
    windows = windows_for(world.county)
    assert windows.grandparent_day == (dt.time(8, 30), dt.time(16, 30))
    assert windows.travel_buffer == dt.timedelta(minutes=45)
    assert windows.in_farming_peak(dt.date(2027, 10, 22)) and windows.in_spring_festival(dt.date(2027, 2, 15))
    (event,) = events("training.windows.saved")
    assert event.object_id == str(world.county.public_id)
    assert event.detail["changed"]["travel_buffer_minutes"] == [None, 45]
    page = client.get(url("windows-edit", world.county)).content.decode()
    assert "05-20 至 06-10" in page


def test_a_malformed_window_is_refused_in_chinese_and_the_input_is_kept(login: Any, world: World) -> None:
    response = login("county_admin").post(
        url("windows-edit", world.county), windows_data(school_vacations="2027-07-03 至 2027-13-01")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "学校假期的日期“2027-13-01”格式不对" in html and "2027-07-03 至 2027-13-01" in html
    assert not CountyTrainingConfig.objects.exists() and not events("training.windows.saved")


def test_trainers_and_other_counties_do_not_set_a_countys_windows(login: Any, world: World) -> None:
    assert login("trainer").post(url("windows-edit", world.county), windows_data()).status_code == 403
    assert (
        login("other_county_admin").post(url("windows-edit", world.county), windows_data()).status_code == 404
    )
    assert not CountyTrainingConfig.objects.exists()


# --- reaching the pages -----------------------------------------------------------------------------


def test_the_pages_are_reachable_from_the_menu_and_the_county_administration(
    login: Any, world: World
) -> None:
    home = login("trainer").get("/").content.decode()
    assert url("program-list") in home and url("windows") not in home
    calendar = login("trainer").get(url("calendar")).content.decode()
    assert url("program-list") in calendar
    detail = login("trainer").get(url("session-detail", world.ts1)).content.decode()
    assert url("session-edit", world.ts1) in detail
    manage = login("county_admin").get(reverse("manage:home")).content.decode()
    assert url("windows") in manage
    setup = login("county_admin").get(url("program-list")).content.decode()
    for name in ("venue-list", "questionnaire-list", "material-list", "windows"):
        assert url(name) in setup
    director = login("village_director").get(url("session-detail", world.ts1)).content.decode()
    assert url("session-edit", world.ts1) not in director


def test_a_session_of_a_retired_program_can_still_move_to_another_venue_and_format(
    login: Any, world: World
) -> None:
    Program.objects.filter(pk=world.tp1.pk).update(active=False)
    Venue.objects.filter(pk=world.tv1.pk).update(active=False)
    session = world.ts1
    online = make_venue(world.county, kind=Venue.Kind.REMOTE, capacity=100, name="线上课堂（合成）")
    client = login("trainer")
    response = client.post(url("session-edit", session), edit_data(session, start="10:00", end="11:30"))
    assert response.status_code == 302, response.content.decode()  # same deactivated venue, new time
    assert client.post(url("session-edit", session), edit_data(session, venue=online.pk)).status_code == 302
    session.refresh_from_db()
    assert session.venue == online and session.format == Session.Format.REMOTE
    hall = make_venue(world.v2, name="停用的活动室（合成）")
    Venue.objects.filter(pk=hall.pk).update(active=False)
    refused = client.post(url("session-edit", session), edit_data(session, venue=hall.pk))
    assert refused.status_code == 400  # another deactivated venue is not offered
    session.refresh_from_db()
    assert session.venue == online


def test_a_trainer_of_two_counties_chooses_the_county_and_only_its_questionnaires(
    client: Any, world: World
) -> None:
    from lbc.models import Membership, Role
    from tests.factories import make_user

    both = make_user("trainer_two_counties", Role.TRAINER, region=world.county)
    Membership.objects.create(user=both, role=Role.TRAINER, region=world.county2)
    client.force_login(both)
    form = client.get(url("program-create")).content.decode()
    assert 'name="county"' in form
    data = program_data(name="跨县项目（合成）", questionnaire=world.tq3.pk)
    refused = client.post(url("program-create"), {**data, "county": world.county.pk})
    assert refused.status_code == 400 and "只能选用本县的问卷。" in refused.content.decode()
    assert client.post(url("program-create"), {**data, "county": world.county2.pk}).status_code == 302
    assert Program.objects.get(name="跨县项目（合成）").county_id == world.county2.pk
