"""Mandatory reports (强制报告): any role files in a few clicks, handlers are alerted, identity hidden."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from lbc import audit
from lbc.models import AuditEvent, HarmReport, OutboxMessage, Region, Role
from lbc.services import harm_reports as report_service
from lbc.services.errors import DomainError
from lbc.services.harm_reports import RECEIPT_PATTERN, change_report_status, file_report, new_receipt
from tests.conftest import World
from tests.factories import make_region, make_user

NARRATIVE = "合成测试数据：孩子手臂上有多处淤青，说是被大人打的。"


def file_for_c1(login: Any, world: World, persona: str = "volunteer", **extra: Any) -> Any:
    client = login(persona)
    url = reverse("reports:file-child", kwargs={"public_id": world.c1.public_id})
    data = {"kind": "violence", "narrative": NARRATIVE, "place_description": "一村二组", **extra}
    return client.post(url, data)


def newest_report() -> HarmReport:
    return HarmReport.objects.order_by("-created_at", "-pk").first()  # type: ignore[return-value]


def test_it_tells_the_reporter_to_call_110_before_anything_else(login: Any, world: World) -> None:
    for name, kwargs in (
        ("reports:start", {}),
        ("reports:file-new", {}),
        ("reports:file-child", {"public_id": world.c1.public_id}),
    ):
        html = login("volunteer").get(reverse(name, kwargs=kwargs)).content.decode()
        main = html[html.index('<main id="main"') :]
        assert main.index("110") < main.index("<form"), name
        assert 'href="tel:110"' in main and 'href="tel:12355"' in main


def test_the_child_file_has_a_visible_report_button_for_every_viewer(login: Any, world: World) -> None:
    url = reverse("lbc:child-detail", kwargs={"public_id": world.c1.public_id})
    target = reverse("reports:file-child", kwargs={"public_id": world.c1.public_id})
    for persona in ("volunteer", "head_teacher", "counsellor"):
        html = login(persona).get(url).content.decode()
        assert f'href="{target}"' in html and "强制报告" in html


def test_a_volunteer_files_a_report_from_the_child_page_and_the_handlers_are_alerted(
    login: Any, world: World
) -> None:
    response = file_for_c1(login, world)
    report = newest_report()
    assert response.status_code == 302
    assert response.url == reverse("reports:detail", kwargs={"public_id": report.public_id})
    assert report.child == world.c1 and report.township == world.t1 and report.county == world.county
    assert report.reporter == world.user("volunteer") and report.status == HarmReport.Status.RECEIVED
    assert RECEIPT_PATTERN.match(report.receipt)
    alerted = set(
        OutboxMessage.objects.filter(kind="lbc.report.filed").values_list("user__username", flat=True)
    )
    assert alerted == {"supervisor", "county_admin"}
    for message in OutboxMessage.objects.filter(kind="lbc.report.filed"):
        assert report.receipt in message.text
        assert "小䶮" not in message.text and "淤青" not in message.text  # no child, no narrative
    assert report.events.get().to_status == HarmReport.Status.RECEIVED
    event = AuditEvent.objects.get(action="lbc.report.filed")
    assert event.detail["handlers_notified"] == 2 and NARRATIVE not in str(event.detail)


def test_the_receipt_is_shown_to_the_reporter_after_filing(login: Any, world: World) -> None:
    client = login("volunteer")
    file_for_c1(login, world)
    html = client.get(
        reverse("reports:detail", kwargs={"public_id": newest_report().public_id})
    ).content.decode()
    assert newest_report().receipt in html and "已接收" in html


def test_a_volunteer_can_file_but_cannot_list_reports(login: Any, world: World) -> None:
    assert file_for_c1(login, world).status_code == 302
    assert login("volunteer").get(reverse("reports:list")).status_code == 403


def test_the_reporter_sees_receipt_and_status_but_not_the_narrative_or_the_handlers(
    login: Any, world: World
) -> None:
    file_for_c1(login, world)
    report = newest_report()
    change_report_status(
        report, to=HarmReport.Status.REVIEWING, note="已联系村主任核实", by=world.user("supervisor")
    )
    html = (
        login("volunteer")
        .get(reverse("reports:detail", kwargs={"public_id": report.public_id}))
        .content.decode()
    )
    assert report.receipt in html and "核查中" in html
    assert (
        "淤青" not in html
        and "已联系村主任核实" not in html
        and "supervisor" not in html.split("</nav>", 1)[1]
    )
    assert not AuditEvent.objects.filter(action="lbc.report.viewed").exists()  # no narrative was read


def test_only_handlers_see_who_filed_the_report(login: Any, world: World) -> None:
    url = reverse("reports:detail", kwargs={"public_id": world.r1.public_id})
    html = login("supervisor").get(url).content.decode()
    assert "volunteer" in html and "志愿者" in html and "没有吃饭" in html
    for persona in ("counsellor", "head_teacher", "village_director", "other_supervisor", "other_volunteer"):
        response = login(persona).get(url)
        assert response.status_code == 404, persona
    listing = login("county_admin").get(reverse("reports:list")).content.decode()
    assert world.r1.receipt in listing and "volunteer" not in listing.split("</nav>", 1)[1]


def test_every_read_of_a_narrative_is_audited_before_the_page_is_shown(login: Any, world: World) -> None:
    url = reverse("reports:detail", kwargs={"public_id": world.r1.public_id})
    login("county_admin").get(url)
    event = AuditEvent.objects.get(action="lbc.report.viewed")
    assert event.actor_username == "county_admin" and event.object_id == str(world.r1.public_id)
    assert event.child_id == str(world.c1.public_id)


def test_no_audit_record_means_no_narrative(login: Any, world: World, monkeypatch: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(audit, "record", broken)
    client = login("supervisor")
    client.raise_request_exception = False
    response = client.get(reverse("reports:detail", kwargs={"public_id": world.r1.public_id}))
    assert response.status_code == 500 and "没有吃饭" not in response.content.decode()


def test_the_narrative_is_encrypted_at_rest(world: World) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT narrative FROM lbc_harmreport WHERE id = %s", [world.r1.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and "没有吃饭" not in stored
    assert HarmReport.objects.get(pk=world.r1.pk).narrative.endswith("没有吃饭。")


def test_a_report_and_its_alerts_are_stored_together_or_not_at_all(world: World, monkeypatch: Any) -> None:
    def failing(**kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(report_service, "queue_message", failing)
    before = HarmReport.objects.count()
    with pytest.raises(RuntimeError):
        file_report({"kind": "neglect", "narrative": NARRATIVE}, by=world.user("volunteer"), child=world.c1)
    assert HarmReport.objects.count() == before
    assert not AuditEvent.objects.filter(action="lbc.report.filed").exists()


def test_a_trainer_files_about_a_child_unknown_to_the_system(login: Any, world: World) -> None:
    client = login("trainer")
    response = client.post(
        reverse("reports:file-new"),
        {
            "kind": "abandonment",
            "narrative": "合成测试数据：一个小男孩独自在车站过夜。",
            "child_description": "男孩，大约8岁，穿蓝色外套",
            "place_description": "二乡汽车站",
            "township": world.t2.pk,
            "immediate_danger": "on",
        },
    )
    report = newest_report()
    assert response.status_code == 302 and report.child is None and report.township == world.t2
    assert report.immediate_danger and report.child_description.startswith("男孩")
    alerted = OutboxMessage.objects.filter(kind="lbc.report.filed")
    assert set(alerted.values_list("user__username", flat=True)) == {"other_supervisor", "county_admin"}
    assert all(m.text.startswith("紧急") for m in alerted)


def test_a_report_from_scratch_needs_a_description_and_keeps_what_was_typed(login: Any, world: World) -> None:
    response = login("volunteer").post(
        reverse("reports:file-new"),
        {"kind": "other", "narrative": "合成测试数据：看见有人拉扯孩子。", "township": ""},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "看见有人拉扯孩子" in html
    assert "这名儿童是谁" in html and "is-invalid" in html
    assert not HarmReport.objects.exclude(pk=world.r1.pk).exists()


def test_an_empty_narrative_is_refused_with_a_chinese_message(world: World) -> None:
    with pytest.raises(DomainError, match="请简要写下"):
        file_report({"kind": "abuse", "narrative": "   "}, by=world.user("volunteer"), child=world.c1)


def test_an_account_without_a_role_cannot_file(login: Any, world: World) -> None:
    assert login("nobody").get(reverse("reports:start")).status_code == 403
    with pytest.raises(PermissionDenied):
        file_report({"kind": "abuse", "narrative": NARRATIVE}, by=world.user("nobody"), township=world.t1)


def test_extra_fields_in_the_filing_form_are_ignored(login: Any, world: World) -> None:
    file_for_c1(
        login, world, status="closed", reporter=world.user("county_admin").pk, receipt="QZ-2026-AAAA-AAAA"
    )
    report = newest_report()
    assert report.status == HarmReport.Status.RECEIVED and report.reporter == world.user("volunteer")
    assert report.receipt != "QZ-2026-AAAA-AAAA"


def test_a_report_of_a_place_without_handlers_alerts_the_operators(world: World) -> None:
    county3 = make_region("无人县", Region.Level.COUNTY, world.city)
    township = make_region("无人乡", Region.Level.TOWNSHIP, county3)
    file_report(
        {"kind": "neglect", "narrative": NARRATIVE, "child_description": "女孩"},
        by=world.user("volunteer"),
        township=township,
    )
    message = OutboxMessage.objects.get(kind="lbc.report.unhandled")
    assert message.channel == OutboxMessage.Channel.CONSOLE and newest_report().receipt in message.text


def test_a_supervisor_whose_membership_ended_is_not_alerted(world: World) -> None:
    import datetime as dt

    world.user("supervisor").memberships.update(valid_until=dt.date(2020, 1, 1))
    file_report({"kind": "neglect", "narrative": NARRATIVE}, by=world.user("volunteer"), child=world.c1)
    alerted = set(
        OutboxMessage.objects.filter(kind="lbc.report.filed").values_list("user__username", flat=True)
    )
    assert alerted == {"county_admin"}


# --- the child picker -------------------------------------------------------------------------------


def picked(login: Any, persona: str, query: str) -> str:
    return login(persona).get(reverse("reports:start"), {"q": query}).content.decode()


def test_the_child_picker_shows_a_volunteer_only_the_assigned_child(login: Any, world: World) -> None:
    html = picked(login, "volunteer", "小")
    assert "小䶮" in html and "小明" not in html and "小红" not in html and "小兰" not in html
    assert "王小䶮" not in html  # a volunteer knows the given name only


def test_the_child_picker_finds_nothing_for_roles_without_children(login: Any, world: World) -> None:
    for persona in ("trainer", "other_volunteer"):
        html = picked(login, persona, "小")
        assert "小䶮" not in html and "小明" not in html and "小红" not in html, persona


def test_the_child_picker_searches_only_the_own_scope(login: Any, world: World) -> None:
    html = picked(login, "other_supervisor", "小")
    assert "张小红" in html and "小䶮" not in html and "小兰" not in html
    assert (
        login("other_supervisor")
        .get(reverse("reports:file-child", kwargs={"public_id": world.c1.public_id}))
        .status_code
        == 404
    )


# --- receipts ---------------------------------------------------------------------------------------


def test_receipts_are_readable_random_and_unique() -> None:
    receipts = [new_receipt(2026) for _ in range(500)]
    assert all(RECEIPT_PATTERN.match(r) for r in receipts)
    assert len(set(receipts)) == 500
    assert sorted(receipts) != receipts
    assert not re.search(r"[01OIL]", "".join(r[8:] for r in receipts))


def test_a_receipt_collision_draws_another(world: World, monkeypatch: Any) -> None:
    drawn = iter([world.r1.receipt, "QZ-2026-NEWR-ECPT"])
    monkeypatch.setattr(report_service, "new_receipt", lambda year: next(drawn))
    report = file_report(
        {"kind": "neglect", "narrative": NARRATIVE}, by=world.user("volunteer"), child=world.c1
    )
    assert report.receipt == "QZ-2026-NEWR-ECPT"


def test_str_shows_only_the_receipt(world: World) -> None:
    assert str(world.r1) == world.r1.receipt


# --- handling ---------------------------------------------------------------------------------------


def test_a_handler_moves_the_report_on_and_the_reporter_is_told(login: Any, world: World) -> None:
    client = login("supervisor")
    url = reverse("reports:status", kwargs={"public_id": world.r1.public_id})
    response = client.post(url, {"to": "referred_police", "note": "已移送一乡派出所，接警号 SYN-001"})
    assert response.status_code == 302
    world.r1.refresh_from_db()
    assert world.r1.status == HarmReport.Status.REFERRED_POLICE
    event = world.r1.events.last()
    assert event.from_status == "received" and event.note.startswith("已移送")
    told = OutboxMessage.objects.get(kind="lbc.report.status_changed")
    assert told.user == world.user("volunteer") and "已移送公安机关" in told.text
    assert AuditEvent.objects.filter(action="lbc.report.status_changed").count() == 1


def test_a_referral_without_a_note_is_refused_and_nothing_changes(login: Any, world: World) -> None:
    client = login("county_admin")
    url = reverse("reports:status", kwargs={"public_id": world.r1.public_id})
    response = client.post(url, {"to": "closed", "note": ""})
    assert response.status_code == 200 and "结案理由" in response.content.decode()
    world.r1.refresh_from_db()
    assert world.r1.status == HarmReport.Status.RECEIVED and world.r1.events.count() == 1


def test_a_status_that_may_not_follow_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="不能改为所选状态"):
        change_report_status(world.r1, to=HarmReport.Status.RECEIVED, note="", by=world.user("supervisor"))


def test_the_reporter_cannot_change_the_status(login: Any, world: World) -> None:
    url = reverse("reports:status", kwargs={"public_id": world.r1.public_id})
    assert login("volunteer").post(url, {"to": "closed", "note": "x"}).status_code == 403
    assert login("other_supervisor").post(url, {"to": "closed", "note": "x"}).status_code == 404


def test_hostile_text_is_shown_escaped(login: Any, world: World) -> None:
    file_for_c1(login, world, narrative="<script>alert(1)</script>合成")
    url = reverse("reports:detail", kwargs={"public_id": newest_report().public_id})
    html = login("supervisor").get(url).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_a_supervisor_handles_reports_of_the_own_township_only(world: World) -> None:
    from lbc import access
    from lbc.services.harm_reports import report_handlers

    assert list(access.harm_reports_for(world.user("supervisor"))) == [world.r1]
    assert list(access.harm_reports_for(world.user("other_supervisor"))) == []
    assert list(access.harm_reports_for(world.user("county_admin"))) == [world.r1]
    assert list(access.harm_reports_for(world.user("other_county_admin"))) == []
    make_user("second_supervisor", Role.TOWNSHIP_SUPERVISOR, region=world.t1)
    handlers = [u.username for u in report_handlers(world.t1)]
    assert handlers == ["county_admin", "supervisor", "second_supervisor"]


def test_the_report_pages_speak_english(client: Any, world: World, tmp_path: Any, settings: Any) -> None:
    import polib

    from tests.test_translations import PO_PATH, chinese_left_in

    target = tmp_path / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    polib.pofile(str(PO_PATH)).save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.force_login(world.user("supervisor"))
    for url in (
        reverse("reports:start"),
        reverse("reports:file-new"),
        reverse("reports:list"),
        reverse("reports:detail", kwargs={"public_id": world.r1.public_id}),
    ):
        html = client.get(url).content.decode()
        assert "Call 110" in html or "Mandatory report" in html, url
        data = {"一乡", "测试县", "一村", "小䶮", "王小䶮", "一乡中心学校", "二乡", "三乡", "邻县", "三村"}
        left = set(chinese_left_in(html)) - data
        assert left <= {"合成测试数据：孩子连续几天没有吃饭。"}, (url, left)
