"""Paper entry, the result page and the supervised self-report, as each persona sees them.

The self-report tests register a synthetic instrument whose item text may be shown, only inside
the test (no instrument in the product registry allows it today).
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType
from typing import Any
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from lbc import crypto
from lbc.models import AuditEvent, Child, Consent
from screening.models import Assessment, Campaign
from screening.scoring import instruments as registry
from screening.scoring.instruments import CriticalLevel, CriticalRule, Instrument, Item, Option, Scale
from screening.views.entry import SELF_KEY
from tests.clock import TERM_TIME
from tests.conftest import PASSWORD, World

TODAY = "2026-11-20"  # inside camp1 (2026-09-01..2026-12-31) and not in the future
PHQ9_RED_TOTAL_3 = {"phq9_1": "1", "phq9_2": "1", "phq9_9": "1", **{f"phq9_{n}": "0" for n in range(3, 9)}}
FORBIDDEN_FOR_HEAD_TEACHERS = ("总分", "PHQ-9", "红色", "tier-red", "得分", "判定依据")
FORBIDDEN_ON_CHILD_SCREENS = (
    "红色",
    "预警",
    "得分",
    "总分",
    "危机",
    "需跟进",
    "tier-",
    "PHQ",
    "合成测试量表",
)


def paper_url(child: Child, campaign: Campaign | None = None) -> str:
    url = reverse("screening:entry-paper", kwargs={"public_id": child.public_id})
    return f"{url}?campaign={campaign.public_id}" if campaign else url


def self_url(child: Child, campaign: Campaign | None = None) -> str:
    url = reverse("screening:entry-self", kwargs={"public_id": child.public_id})
    return f"{url}?campaign={campaign.public_id}" if campaign else url


def result_url(assessment: Assessment) -> str:
    return reverse("screening:assessment-result", kwargs={"public_id": assessment.public_id})


def paper_data(**answers: str) -> dict[str, str]:
    return {"administered_on": TODAY, "child_assent": "yes", "minutes": "", **answers}


def newest(child: Child) -> Assessment:
    return Assessment.objects.filter(child=child).order_by("-created_at", "-pk").first()  # type: ignore[return-value]


def grant_consent(child: Child) -> None:
    Consent.objects.create(
        child=child,
        purpose=Consent.Purpose.SCREENING,
        decision=Consent.Decision.GRANTED,
        given_by_name="测试母亲",
        given_by_relationship="母亲",
        is_legal_guardian=True,
        channel=Consent.Channel.PAPER,
        notice_version="2026-1",
        decided_on=dt.date(2026, 9, 2),
    )


# --- paper entry ---------------------------------------------------------------------------------------


def test_the_form_has_one_box_per_item_of_every_instrument(login: Any, world: World) -> None:
    html = login("counsellor").get(paper_url(world.c1)).content.decode()
    for n in range(1, 10):
        assert f'name="phq9_{n}"' in html
    for n in range(1, 8):
        assert f'name="gad7_{n}"' in html
    assert 'data-critical="1"' in html and html.count("data-critical=") == 1  # PHQ-9 item 9 only
    assert 'inputmode="numeric"' in html and 'maxlength="1"' in html
    assert "screening/entry.js" in html


def test_the_phq9_acceptance_case_is_red_through_the_paper_form(login: Any, world: World) -> None:
    """PHQ-9 item 9 = 1 with a total of 3 is RED, although the total is far below every cut-off."""
    response = login("counsellor").post(paper_url(world.c1, world.camp1), paper_data(**PHQ9_RED_TOTAL_3))
    assessment = newest(world.c1)
    assert response.status_code == 302 and response["Location"] == result_url(assessment)
    assert assessment.tier == "RED" and assessment.mode == "paper" and assessment.critical
    (phq9,) = assessment.responses.all()  # the blank GAD-7 is left out, not scored as empty
    assert phq9.instrument_code == "PHQ-9" and phq9.total == 3 and phq9.critical_items == [9]
    assert assessment.entered_by == world.user("counsellor")
    assert assessment.administered_on == dt.date(2026, 11, 20)


def test_item_9_alone_with_every_other_item_blank_is_still_red(login: Any, world: World) -> None:
    login("counsellor").post(paper_url(world.c1, world.camp1), paper_data(phq9_9="1"))
    assessment = newest(world.c1)
    (phq9,) = assessment.responses.all()
    assert assessment.tier == "RED" and phq9.total is None and phq9.missing_items == list(range(1, 9))


def test_the_only_open_campaign_of_the_grade_is_chosen_without_asking(login: Any, world: World) -> None:
    response = login("counsellor").post(paper_url(world.c1), paper_data(phq9_9="1"))
    assert response.status_code == 302 and newest(world.c1).campaign == world.camp1


def test_with_several_open_campaigns_the_counsellor_picks_one(login: Any, world: World) -> None:
    second = Campaign.objects.create(
        school=world.s1,
        name="补测",
        school_year=2026,
        term=1,
        grades=[5],
        instruments=[{"code": "GAD-7", "version": "1"}],
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 12, 1),
        status=Campaign.Status.OPEN,
    )
    html = login("counsellor").get(paper_url(world.c1)).content.decode()
    assert "选择筛查批次" in html and f"?campaign={second.public_id}" in html and "phq9_1" not in html


def test_a_campaign_that_is_not_open_takes_no_answers(login: Any, world: World) -> None:
    Campaign.objects.filter(pk=world.camp1.pk).update(status=Campaign.Status.CLOSED)
    before = Assessment.objects.count()
    response = login("counsellor").post(paper_url(world.c1, world.camp1), paper_data(phq9_9="1"))
    assert response.status_code == 200 and "只有进行中的筛查批次才能录入答案" in response.content.decode()
    assert Assessment.objects.count() == before


def test_a_campaign_of_another_school_is_404(login: Any, world: World) -> None:
    assert login("counsellor").get(paper_url(world.c1, world.camp3)).status_code == 404


def test_no_consent_shows_the_reason_and_keeps_every_typed_answer(login: Any, world: World) -> None:
    data = paper_data(**PHQ9_RED_TOTAL_3, gad7_1="2", gad7_7="3", minutes="12", sleep_onset_problems="on")
    response = login("counsellor").post(paper_url(world.c1b, world.camp1), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "未满14周岁" in html and "没有有效的心理筛查知情同意" in html
    for name, value in {**PHQ9_RED_TOTAL_3, "gad7_1": "2", "gad7_7": "3"}.items():
        assert f'name="{name}" value="{value}"' in html
    assert 'name="minutes" value="12"' in html
    assert 'name="sleep_onset_problems" class="form-check-input" id="id_sleep_onset_problems" checked' in html
    assert "critical-positive" in html  # the typed self-harm answer stays highlighted
    assert not Assessment.objects.filter(child=world.c1b).exists()


def test_a_child_who_declines_is_not_screened_and_the_answers_stay(login: Any, world: World) -> None:
    response = login("counsellor").post(
        paper_url(world.c1, world.camp1), paper_data(child_assent="no", phq9_1="2")
    )
    html = response.content.decode()
    assert "孩子本人不同意参加筛查" in html and 'name="phq9_1" value="2"' in html
    assert Assessment.objects.filter(child=world.c1).count() == 1  # only the world's a1


def test_a_code_outside_the_item_range_is_refused_with_the_item_named(login: Any, world: World) -> None:
    response = login("counsellor").post(paper_url(world.c1, world.camp1), paper_data(phq9_3="7", phq9_4="2"))
    html = response.content.decode()
    assert "第3题只能填 0、1、2、3，或留空" in html
    assert 'name="phq9_3" value="7"' in html and 'name="phq9_4" value="2"' in html
    assert Assessment.objects.filter(child=world.c1).count() == 1


def test_an_empty_form_is_refused(login: Any, world: World) -> None:
    html = login("counsellor").post(paper_url(world.c1, world.camp1), paper_data()).content.decode()
    assert "请至少录入一道题的答案" in html


def test_a_date_outside_the_campaign_is_refused(login: Any, world: World) -> None:
    data = paper_data(phq9_1="1", administered_on="2026-08-20")
    html = login("counsellor").post(paper_url(world.c1, world.camp1), data).content.decode()
    assert "施测日期应在本次筛查的起止日期之内" in html and 'name="phq9_1" value="1"' in html


def test_counsellor_observations_count_in_the_context_score(login: Any, world: World) -> None:
    data = paper_data(phq9_1="1", bullied_last_term="on", low_social_support="on")
    login("counsellor").post(paper_url(world.c1, world.camp1), data)
    factors = newest(world.c1).context_factors
    assert "bullied_last_term" in factors and "low_social_support" in factors
    assert "sleep_onset_problems" not in factors


def test_the_minutes_are_shared_by_the_instruments_answered(login: Any, world: World) -> None:
    data = paper_data(
        minutes="4", **{f"phq9_{n}": "0" for n in range(1, 10)}, gad7_1="0", gad7_2="0", gad7_3="0"
    )
    login("counsellor").post(paper_url(world.c1, world.camp1), data)
    seconds = dict(newest(world.c1).responses.values_list("instrument_code", "seconds"))
    assert seconds == {"PHQ-9": 180.0, "GAD-7": 60.0}


def test_extra_post_fields_are_ignored(login: Any, world: World) -> None:
    data = paper_data(
        phq9_9="1",
        tier="GREEN",
        mode="import",
        action="无需处理",
        entered_by=str(world.user("other_counsellor").pk),
        campaign=str(world.camp3.public_id),
        critical="false",
        gad7_99="3",
        context_score="0",
    )
    assert login("counsellor").post(paper_url(world.c1, world.camp1), data).status_code == 302
    assessment = newest(world.c1)
    assert assessment.tier == "RED" and assessment.mode == "paper" and assessment.critical
    assert assessment.campaign == world.camp1 and assessment.entered_by == world.user("counsellor")
    assert assessment.action != "无需处理"


def test_paper_entry_refuses_a_post_without_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("counsellor"))
    assert client.post(paper_url(world.c1, world.camp1), paper_data(phq9_9="1")).status_code == 403
    assert Assessment.objects.filter(child=world.c1).count() == 1


@pytest.mark.parametrize("persona", ["supervisor", "county_admin", "head_teacher", "village_director"])
def test_only_counsellors_enter_answers(login: Any, world: World, persona: str) -> None:
    response = login(persona).post(paper_url(world.c1, world.camp1), paper_data(phq9_9="1"))
    assert response.status_code == 403
    assert Assessment.objects.filter(child=world.c1).count() == 1


def test_a_counsellor_of_another_school_gets_404(login: Any, world: World) -> None:
    assert login("other_counsellor").get(paper_url(world.c1, world.camp1)).status_code == 404


# --- result page ---------------------------------------------------------------------------------------


def test_the_counsellor_sees_tier_reasons_scores_and_the_urgent_instructions(
    login: Any, world: World
) -> None:
    html = login("counsellor").get(result_url(world.a1)).content.decode()
    assert "tier-red" in html and "红色" in html
    assert "PHQ-9第9题≥1" in html  # the reason
    assert "总分 3" in html and "无或极轻微" in html
    assert "urgent-block" in html and "现在就不要让孩子独处。" in html
    assert world.a1.action in html and "当天放学前" in html


def test_the_result_of_an_acute_screening_says_to_call_emergency_services(login: Any, world: World) -> None:
    Assessment.objects.filter(pk=world.a1.pk).update(
        tier="RED_ACUTE", action="立即处置：不让孩子独处，立即联系监护人并呼叫急救（120）。"
    )
    html = login("counsellor").get(result_url(world.a1)).content.decode()
    assert "立即行动" in html and "120" in html and "urgent-block mb-3 acute" in html


def test_head_teachers_see_the_action_but_never_a_score_or_colour(login: Any, world: World) -> None:
    client = login("head_teacher")
    html = client.get(result_url(world.a1)).content.decode()
    assert "需跟进" in html and world.a1.action in html and "现在就不要让孩子独处。" in html
    for word in FORBIDDEN_FOR_HEAD_TEACHERS:
        assert word not in html, word
    child_file = client.get(reverse("lbc:child-detail", kwargs={"public_id": world.c1.public_id}))
    for word in FORBIDDEN_FOR_HEAD_TEACHERS:
        assert word not in child_file.content.decode(), word
    assert client.get(paper_url(world.c1, world.camp1)).status_code == 403


def test_supervisors_see_scores_and_county_admins_colours_only(login: Any, world: World) -> None:
    html = login("supervisor").get(result_url(world.a1)).content.decode()
    assert "总分 3" in html and "tier-red" in html
    html = login("county_admin").get(result_url(world.a1)).content.decode()
    assert "tier-red" in html and "总分" not in html and "PHQ-9第9题" not in html


def test_reading_a_result_is_audited_before_it_is_shown(login: Any, world: World) -> None:
    client = login("supervisor")
    client.get(result_url(world.a1))
    event = AuditEvent.objects.get(action="screening.assessment.viewed")
    assert event.object_id == str(world.a1.public_id) and "totals" in event.detail["fields"]
    with (
        mock.patch("lbc.audit.record", side_effect=RuntimeError("audit store down")),
        pytest.raises(RuntimeError),
    ):
        client.get(result_url(world.a1))


# --- supervised self-report ------------------------------------------------------------------------------

SYNTHETIC_OPTIONS = (Option(0, "合成选项：从不"), Option(1, "合成选项：有时"), Option(2, "合成选项：经常"))
SYNTHETIC = Instrument(
    code="KID-3",
    version="1",
    title="合成测试量表（仅供测试）",
    items=tuple(Item(n, SYNTHETIC_OPTIONS, text=f"合成测试题目{n}") for n in (1, 2, 3)),
    total=Scale("total", "总分", (1, 2, 3)),
    critical=(CriticalRule(3, 1, CriticalLevel.CRITICAL, "合成关键条目第3题"),),
    text_allowed=True,
)


@pytest.fixture
def tablet_campaign(world: World, monkeypatch: pytest.MonkeyPatch) -> Campaign:
    """A campaign with the synthetic on-screen instrument and PHQ-9 (paper only), open at school s1."""
    monkeypatch.setattr(
        registry,
        "REGISTRY",
        MappingProxyType({**registry.REGISTRY, (SYNTHETIC.code, SYNTHETIC.version): SYNTHETIC}),
    )
    Campaign.objects.filter(pk=world.camp1.pk).update(status=Campaign.Status.CLOSED)
    return Campaign.objects.create(
        school=world.s1,
        name="平板试点",
        school_year=2026,
        term=1,
        grades=[5],
        instruments=[{"code": "KID-3", "version": "1"}, {"code": "PHQ-9", "version": "1"}],
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 12, 31),
        status=Campaign.Status.OPEN,
    )


QUESTION = reverse("screening:self-question")
HANDBACK = reverse("screening:self-handback")


def start(client: Client, world: World, campaign: Campaign, password: str = PASSWORD) -> Any:
    client.force_login(world.user("counsellor"))
    data = {"child_agrees": "on", "supervised": "on", "password": password}
    return client.post(self_url(world.c1, campaign), data)


def tap(client: Client, position: int, answer: str | None = None, action: str | None = None) -> Any:
    data = {"position": str(position)}
    if answer is not None:
        data["answer"] = answer
    if action is not None:
        data["action"] = action
    return client.post(QUESTION, data)


def assert_child_safe(html: str) -> None:
    for word in FORBIDDEN_ON_CHILD_SCREENS:
        assert word not in html, word
    assert "navbar" not in html  # no menu: the child can reach nothing else


def log_in_again(client: Client) -> Any:
    """A real login (not force_login): the session, and the questionnaire outcome in it, carry over."""
    return client.post(
        f"{reverse('lbc:login')}?next={HANDBACK}", {"username": "counsellor", "password": PASSWORD}
    )


def test_the_page_says_paper_only_when_no_instrument_may_be_shown(login: Any, world: World) -> None:
    html = login("counsellor").get(self_url(world.c1, world.camp1)).content.decode()
    assert "本次筛查的量表都不能在屏幕上显示题目" in html and "改用纸质问卷录入" in html
    assert 'name="password"' not in html


def test_a_wrong_password_does_not_hand_over_the_device(
    client: Client, world: World, tablet_campaign: Campaign
) -> None:
    response = start(client, world, tablet_campaign, password="wrong")
    assert response.status_code == 200 and "密码不正确" in response.content.decode()
    assert client.get(reverse("lbc:child-list")).status_code == 200  # still logged in


@pytest.mark.clock(TERM_TIME)  # the world's autumn-2026 campaign is open
def test_without_consent_the_session_does_not_start(
    client: Client, world: World, tablet_campaign: Campaign
) -> None:
    client.force_login(world.user("counsellor"))
    data = {"child_agrees": "on", "supervised": "on", "password": PASSWORD}
    response = client.post(self_url(world.c1b, tablet_campaign), data)
    assert "未满14周岁" in response.content.decode()
    assert SELF_KEY not in client.session


@pytest.mark.clock(TERM_TIME)  # the world's autumn-2026 campaign is open
def test_the_child_answers_one_question_per_screen_and_sees_only_thanks(
    client: Client, world: World, tablet_campaign: Campaign
) -> None:
    response = start(client, world, tablet_campaign)
    assert response.status_code == 302 and response["Location"] == QUESTION
    assert client.get(reverse("lbc:child-list")).status_code == 302  # the device is logged out
    html = client.get(QUESTION).content.decode()
    assert "第1题/共3题" in html and "合成测试题目1" in html and "合成选项：经常" in html
    assert "小䶮" in html and "王小䶮" not in html
    assert_child_safe(html)
    tap(client, 0, "1")
    tap(client, 0, "2")  # a double tap on the old screen changes nothing
    html = client.get(QUESTION).content.decode()
    assert "第2题/共3题" in html and "合成测试题目2" in html
    assert_child_safe(html)
    tap(client, 1, action="back")
    assert "第1题/共3题" in client.get(QUESTION).content.decode()
    tap(client, 0, "0")
    tap(client, 1, "")  # skipped
    tap(client, 2, "2")  # the critical item, positive
    html = client.get(QUESTION).content.decode()
    assert "谢谢你！请把平板交还给老师。" in html
    assert_child_safe(html)
    assessment = newest(world.c1)
    (response_row,) = assessment.responses.all()
    assert assessment.mode == "self_report" and assessment.tier == "RED"
    assert assessment.entered_by == world.user("counsellor") and assessment.child_assent is True
    assert response_row.instrument_code == "KID-3" and response_row.seconds is not None
    assert response_row.missing_items == [2]
    assert "answers" not in client.session[SELF_KEY]  # nothing of the answers is left in the session


@pytest.mark.clock(TERM_TIME)  # the world's autumn-2026 campaign is open
def test_the_counsellor_logs_in_again_to_see_the_result(
    client: Client, world: World, tablet_campaign: Campaign
) -> None:
    start(client, world, tablet_campaign)
    for position in range(3):
        tap(client, position, "0")
    assert log_in_again(client)["Location"] == HANDBACK
    response = client.get(HANDBACK)
    assert response.status_code == 302 and response["Location"] == result_url(newest(world.c1))
    assert SELF_KEY not in client.session


@pytest.mark.clock(TERM_TIME)  # the world's autumn-2026 campaign is open
def test_a_child_may_stop_and_the_answers_given_are_kept(
    client: Client, world: World, tablet_campaign: Campaign
) -> None:
    start(client, world, tablet_campaign)
    tap(client, 0, "1")
    tap(client, 1, action="stop")
    assert "谢谢你！" in client.get(QUESTION).content.decode()
    (response_row,) = newest(world.c1).responses.all()
    assert response_row.missing_items == [2, 3]


@pytest.mark.clock(TERM_TIME)  # the world's autumn-2026 campaign is open
def test_stopping_before_any_answer_saves_nothing(
    client: Client, world: World, tablet_campaign: Campaign
) -> None:
    before = Assessment.objects.count()
    start(client, world, tablet_campaign)
    tap(client, 0, action="stop")
    log_in_again(client)
    response = client.get(HANDBACK)
    assert response.status_code == 302 and Assessment.objects.count() == before


@pytest.mark.clock(TERM_TIME)  # the world's autumn-2026 campaign is open
def test_a_refused_save_keeps_the_answers_for_the_counsellor_only(
    client: Client, world: World, tablet_campaign: Campaign
) -> None:
    start(client, world, tablet_campaign)
    tap(client, 0, "0")
    tap(client, 1, "1")
    Consent.objects.filter(child=world.c1).update(withdrawn_on=dt.date(2026, 11, 1))
    tap(client, 2, "1")
    html = client.get(QUESTION).content.decode()
    assert "谢谢你！请把平板交还给老师。" in html and "同意" not in html
    assert Assessment.objects.filter(child=world.c1, mode="self_report").count() == 0
    log_in_again(client)
    html = client.get(HANDBACK).content.decode()
    assert "答案没有保存" in html and "未满14周岁" in html
    assert "第3题：1" in html and "危机条目阳性" in html
    grant_consent(world.c1)
    response = client.post(HANDBACK, {"action": "save"})
    assert response.status_code == 302 and newest(world.c1).tier == "RED"


def stored_state(client: Client) -> dict[str, Any]:
    """The questionnaire as the session table holds it (signed, not encrypted)."""
    state: dict[str, Any] = Session.objects.get(pk=client.session.session_key).get_decoded()[SELF_KEY]
    return state


@pytest.mark.clock(TERM_TIME)  # the world's autumn-2026 campaign is open
def test_the_session_store_never_holds_raw_answers(
    client: Client, world: World, tablet_campaign: Campaign
) -> None:
    start(client, world, tablet_campaign)
    tap(client, 0, "2")
    tap(client, 1, "1")
    state = stored_state(client)
    assert "answers" not in state and state["sealed_answers"].startswith("v1:")
    Consent.objects.filter(child=world.c1).update(withdrawn_on=dt.date(2026, 11, 1))
    tap(client, 2, "1")  # the last answer: the save is refused, the answers wait for the counsellor
    state = stored_state(client)
    assert state["status"] == "failed"
    assert set(state) == {
        "sitting", "child", "given_name", "campaign", "by", "on", "steps", "position", "started", "last",
        "status", "error", "sealed_answers",
    }
    # The other entries are the questionnaire's layout, progress and timing: no answer among them.
    assert state["steps"] == [["KID-3", "1", 1], ["KID-3", "1", 2], ["KID-3", "1", 3]]
    assert state["position"] == 3 and set(state["last"]) == {"KID-3"}  # timing per instrument
    # The sealed value opens only for this sitting, child and campaign.
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(state["sealed_answers"], f"screening.self_report.answers:other:{state['child']}:x")
    log_in_again(client)
    assert "第1题：2" in client.get(HANDBACK).content.decode()


@pytest.mark.clock(TERM_TIME)  # the world's autumn-2026 campaign is open
def test_the_counsellor_may_discard_unsaved_answers(
    client: Client, world: World, tablet_campaign: Campaign
) -> None:
    start(client, world, tablet_campaign)
    tap(client, 0, "1")
    log_in_again(client)
    html = client.get(HANDBACK).content.decode()
    assert "孩子还没有答完" in html
    response = client.post(HANDBACK, {"action": "discard"})
    assert response.status_code == 302 and SELF_KEY not in client.session
    assert not Assessment.objects.filter(child=world.c1, mode="self_report").exists()


def test_the_handback_page_needs_rights_over_the_child(
    client: Client, world: World, tablet_campaign: Campaign
) -> None:
    start(client, world, tablet_campaign)
    tap(client, 0, "1")
    client.post(reverse("lbc:login"), {"username": "other_counsellor", "password": PASSWORD})
    assert client.get(HANDBACK).status_code == 404


def test_the_child_screens_are_404_without_a_questionnaire(client: Client, world: World) -> None:
    assert client.get(QUESTION).status_code == 404
    assert client.post(QUESTION, {"position": "0", "answer": "1"}).status_code == 404
