"""Interventions on a warning: notes for counsellors only, closure with sign-off, tiers lowered on proof."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from lbc import audit
from lbc.models import AuditEvent
from lbc.services.errors import DomainError
from screening.assessments.recording import InstrumentAnswers, record_assessment
from screening.models import (
    Assessment,
    InterventionSession,
    Referral,
    SignOff,
    Warning,
    WarningEvent,
    WarningOutcome,
)
from screening.scoring.tiers import Tier
from screening.warnings import actions, closing, interventions, state
from screening.warnings.closing import closure_refusal
from screening.warnings.interventions import lower_tier, lowering_refusal, sign_off

from .interventions_helpers import PLAN, plan_and_sign_off

PHQ_ORANGE = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 1, 9: 0}  # 15, no critical item
PHQ_GREEN = {i: 0 for i in range(1, 10)}
NOTE = "合成测试记录：孩子说最近睡不好，约好下周再谈。"


def url(name: str, warning: Any, **extra: Any) -> str:
    return reverse(f"screening:{name}", kwargs={"public_id": warning.public_id, **extra})


def rescreen(world: Any, answers: dict[int, int], on: dt.date = dt.date(2026, 11, 20)) -> Assessment:
    return record_assessment(
        world.c1,
        [InstrumentAnswers("PHQ-9", "1", answers)],
        by=world.user("counsellor"),
        mode="paper",
        administered_on=on,
        campaign=world.camp1,
    )


def started(world: Any) -> Warning:
    counsellor = world.user("counsellor")
    w = actions.acknowledge_warning(world.w1, by=counsellor)
    return actions.start_intervention(w, by=counsellor)


# --- sessions and notes ---------------------------------------------------------------------------------


def test_a_counsellor_records_a_home_visit_and_the_notes_are_encrypted(login: Any, world: Any) -> None:
    response = login("counsellor").post(
        url("intervention-session", world.w1), {"kind": "home_visit", "held_on": "2026-11-03", "notes": NOTE}
    )
    assert response.status_code == 302 and response.url == url("interventions", world.w1)
    session = InterventionSession.objects.get()
    assert session.kind == "home_visit" and session.notes == NOTE
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM screening_interventionsession")
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and "睡不好" not in stored
    event = AuditEvent.objects.get(action="screening.intervention.session_recorded")
    assert "睡不好" not in str(event.detail)


def test_a_future_date_is_refused_and_the_notes_are_kept(login: Any, world: Any) -> None:
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = login("counsellor").post(
        url("intervention-session", world.w1), {"kind": "counselling", "held_on": tomorrow, "notes": NOTE}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "不能晚于今天" in html and "睡不好" in html
    assert not InterventionSession.objects.exists()


def test_only_counsellors_read_notes_and_every_read_is_audited(login: Any, world: Any) -> None:
    interventions.record_session(
        world.w1, kind="counselling", held_on=timezone.localdate(), notes=NOTE, by=world.user("counsellor")
    )
    html = login("counsellor").get(url("interventions", world.w1)).content.decode()
    assert "睡不好" in html
    viewed = AuditEvent.objects.get(action="screening.intervention.notes_viewed")
    assert viewed.actor_username == "counsellor" and viewed.child_id == str(world.c1.public_id)
    for persona in ("supervisor", "county_admin", "village_director"):
        html = login(persona).get(url("interventions", world.w1)).content.decode()
        assert "心理辅导" in html and "睡不好" not in html, persona
    assert AuditEvent.objects.filter(action="screening.intervention.notes_viewed").count() == 1
    assert login("head_teacher").get(url("interventions", world.w1)).status_code == 403
    assert login("other_counsellor").get(url("interventions", world.w1)).status_code == 404


def test_no_audit_record_means_no_notes(login: Any, world: Any, monkeypatch: Any) -> None:
    interventions.record_session(
        world.w1, kind="counselling", held_on=timezone.localdate(), notes=NOTE, by=world.user("counsellor")
    )

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(audit, "record", broken)
    client = login("counsellor")
    client.raise_request_exception = False
    response = client.get(url("interventions", world.w1))
    assert response.status_code == 500 and "睡不好" not in response.content.decode()


def test_a_supervisor_cannot_write_counselling_notes(login: Any, world: Any) -> None:
    response = login("supervisor").post(
        url("intervention-session", world.w1), {"kind": "counselling", "held_on": "2026-11-03", "notes": NOTE}
    )
    assert response.status_code == 403 and not InterventionSession.objects.exists()
    with pytest.raises(DomainError):
        interventions.record_session(
            world.w1,
            kind="counselling",
            held_on=timezone.localdate(),
            notes=NOTE,
            by=world.user("supervisor"),
        )


# --- safety plan, guardian contacts, referrals ----------------------------------------------------------


def test_a_safety_plan_is_for_red_warnings_only(world: Any) -> None:
    Warning.objects.filter(pk=world.w1.pk).update(tier=Tier.YELLOW)
    world.w1.refresh_from_db()
    with pytest.raises(DomainError, match="红色预警"):
        interventions.save_safety_plan(world.w1, PLAN, by=world.user("counsellor"))


def test_a_safety_plan_needs_the_time_the_guardian_was_told(login: Any, world: Any) -> None:
    response = login("counsellor").post(
        url("intervention-safety-plan", world.w1), {**PLAN, "guardian_informed": "on"}
    )
    assert response.status_code == 200 and "请填写告知监护人的时间" in response.content.decode()
    response = login("counsellor").post(
        url("intervention-safety-plan", world.w1),
        {**PLAN, "guardian_informed": "on", "guardian_informed_at": "2026-11-02T16:30"},
    )
    assert response.status_code == 302
    plan = world.w1.safety_plans.get()
    assert plan.guardian_informed and plan.means_restriction.startswith("合成")


def test_a_supervisor_records_a_guardian_contact_and_a_referral(login: Any, world: Any) -> None:
    client = login("supervisor")
    response = client.post(
        url("intervention-contact", world.w1),
        {
            "contacted_on": "2026-11-02",
            "who": "奶奶",
            "channel": "phone",
            "outcome": "合成：奶奶同意明天带孩子来",
        },
    )
    assert response.status_code == 302 and world.w1.guardian_contacts.get().who == "奶奶"
    response = client.post(
        url("intervention-referral", world.w1),
        {"destination": "hospital", "destination_name": "合成县人民医院心理科", "referred_on": "2026-11-03"},
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and referral.status == Referral.Status.MADE
    response = client.post(
        url("intervention-referral-status", world.w1, referral_id=referral.public_id), {"status": "attended"}
    )
    referral.refresh_from_db()
    assert response.status_code == 302 and referral.status == Referral.Status.ATTENDED
    html = client.get(url("interventions", world.w1)).content.decode()
    assert "合成县人民医院心理科" in html and "奶奶同意" not in html  # the outcome is a counsellor's note


def test_nothing_can_be_added_to_a_closed_warning(world: Any) -> None:
    w = started(world)
    plan_and_sign_off(w, world.user("counsellor"))
    w = actions.close_warning(w, outcome=WarningOutcome.RESOLVED, by=world.user("counsellor"))
    with pytest.raises(DomainError, match="已结案"):
        interventions.record_guardian_contact(
            w,
            contacted_on=timezone.localdate(),
            who="奶奶",
            channel="phone",
            outcome="合成",
            by=world.user("counsellor"),
        )


# --- closing ----------------------------------------------------------------------------------------------


def test_closure_needs_a_counsellors_sign_off_and_for_red_a_plan_with_the_guardian_informed() -> None:
    assert "签字" in str(
        closure_refusal(tier=Tier.ORANGE, has_sign_off=False, has_safety_plan=True, guardian_informed=True)
    )
    assert (
        closure_refusal(tier=Tier.ORANGE, has_sign_off=True, has_safety_plan=False, guardian_informed=False)
        is None
    )
    assert "安全计划" in str(
        closure_refusal(tier=Tier.RED, has_sign_off=True, has_safety_plan=False, guardian_informed=False)
    )
    assert "监护人" in str(
        closure_refusal(tier=Tier.RED_ACUTE, has_sign_off=True, has_safety_plan=True, guardian_informed=False)
    )
    assert (
        closure_refusal(tier=Tier.RED, has_sign_off=True, has_safety_plan=True, guardian_informed=True)
        is None
    )


def test_a_red_warning_closes_only_after_plan_and_sign_off(world: Any) -> None:
    w = started(world)
    counsellor = world.user("counsellor")
    assert "签字" in str(state.can_close(w))
    with pytest.raises(state.WarningStateError):
        actions.close_warning(w, outcome=WarningOutcome.RESOLVED, by=counsellor)
    sign_off(w, purpose=SignOff.Purpose.CLOSE, by=counsellor)
    assert "安全计划" in str(state.can_close(w))
    interventions.save_safety_plan(w, {**PLAN, "guardian_informed": False}, by=counsellor)
    assert "监护人" in str(state.can_close(w))
    interventions.save_safety_plan(
        w, {**PLAN, "guardian_informed": True, "guardian_informed_at": timezone.now()}, by=counsellor
    )
    assert state.can_close(w) is None
    w = actions.close_warning(w, outcome=WarningOutcome.RESOLVED, by=counsellor)
    assert w.state == "closed"


def test_only_a_counsellor_of_the_childs_school_signs_off(world: Any) -> None:
    for persona in ("supervisor", "county_admin", "other_counsellor"):
        with pytest.raises(DomainError, match="心理教师"):
            sign_off(world.w1, purpose=SignOff.Purpose.CLOSE, by=world.user(persona))
    assert not SignOff.objects.exists()


def test_a_sign_off_given_before_the_tier_rose_does_not_count(world: Any) -> None:
    Warning.objects.filter(pk=world.w1.pk).update(tier=Tier.ORANGE)
    w = Warning.objects.get(pk=world.w1.pk)
    w = actions.start_intervention(
        actions.acknowledge_warning(w, by=world.user("counsellor")), by=world.user("counsellor")
    )
    sign_off(w, purpose=SignOff.Purpose.CLOSE, by=world.user("counsellor"))
    assert state.can_close(w) is None
    rescreen(world, {1: 0, 2: 1, 3: 0, 4: 1, 5: 0, 6: 0, 7: 0, 8: 0, 9: 2})  # RED again: the tier rises
    w.refresh_from_db()
    assert w.tier == Tier.RED and "签字" in str(closing.closure_signed_off(w))


# --- lowering a tier --------------------------------------------------------------------------------------


def test_the_lowering_rules() -> None:
    ok = {
        "current_tier": Tier.RED,
        "rescreen_tier": Tier.ORANGE,
        "rescreen_is_newer": True,
        "rescreen_critical": False,
        "signed_off": True,
    }
    assert lowering_refusal(**ok) is None
    assert "之后" in str(lowering_refusal(**{**ok, "rescreen_is_newer": False}))
    assert "无效" in str(lowering_refusal(**{**ok, "rescreen_tier": Tier.GREY}))
    assert "没有低于" in str(lowering_refusal(**{**ok, "rescreen_tier": Tier.RED}))
    assert "关键条目" in str(lowering_refusal(**{**ok, "rescreen_critical": True}))
    assert "结案" in str(lowering_refusal(**{**ok, "rescreen_tier": Tier.GREEN}))
    assert "签字" in str(lowering_refusal(**{**ok, "signed_off": False}))


def test_a_rescreen_below_the_tier_and_a_sign_off_lower_the_tier(login: Any, world: Any) -> None:
    orange = rescreen(world, PHQ_ORANGE)
    world.w1.refresh_from_db()
    assert world.w1.tier == Tier.RED  # never lowered by the rescreen itself
    with pytest.raises(DomainError, match="签字"):
        lower_tier(world.w1, rescreen_assessment=orange, by=world.user("supervisor"))
    sign_off(world.w1, purpose=SignOff.Purpose.LOWER_TIER, assessment=orange, by=world.user("counsellor"))
    response = login("supervisor").post(url("intervention-lower-tier", world.w1), {"assessment": orange.pk})
    assert response.status_code == 302
    world.w1.refresh_from_db()
    assert world.w1.tier == Tier.ORANGE
    event = world.w1.events.filter(detail__change="tier_lowered").get()
    assert (event.from_tier, event.to_tier, event.assessment, event.by) == (
        Tier.RED,
        Tier.ORANGE,
        orange,
        world.user("supervisor"),
    )
    assert AuditEvent.objects.filter(action="screening.warning.tier_lowered").count() == 1


def test_the_screening_that_raised_the_warning_cannot_lower_it(world: Any) -> None:
    with pytest.raises(DomainError):
        sign_off(world.w1, purpose=SignOff.Purpose.LOWER_TIER, assessment=None, by=world.user("counsellor"))
    sign_off(world.w1, purpose=SignOff.Purpose.LOWER_TIER, assessment=world.a1, by=world.user("counsellor"))
    with pytest.raises(DomainError, match="之后"):
        lower_tier(world.w1, rescreen_assessment=world.a1, by=world.user("counsellor"))


def test_a_green_rescreen_leads_to_closure_not_to_a_lower_tier(world: Any) -> None:
    green = rescreen(world, PHQ_GREEN)
    sign_off(world.w1, purpose=SignOff.Purpose.LOWER_TIER, assessment=green, by=world.user("counsellor"))
    before = WarningEvent.objects.count()
    with pytest.raises(DomainError, match="结案"):
        lower_tier(world.w1, rescreen_assessment=green, by=world.user("counsellor"))
    assert WarningEvent.objects.count() == before
    world.w1.refresh_from_db()
    assert world.w1.tier == Tier.RED


def test_a_sign_off_on_another_rescreen_does_not_lower_the_tier(world: Any) -> None:
    first = rescreen(world, PHQ_ORANGE, on=dt.date(2026, 11, 20))
    second = rescreen(world, PHQ_ORANGE, on=dt.date(2026, 11, 27))
    sign_off(world.w1, purpose=SignOff.Purpose.LOWER_TIER, assessment=first, by=world.user("counsellor"))
    with pytest.raises(DomainError, match="签字"):
        lower_tier(world.w1, rescreen_assessment=second, by=world.user("counsellor"))


def test_the_warning_page_links_to_the_interventions_for_those_who_see_them(login: Any, world: Any) -> None:
    detail = reverse("screening:warning-detail", kwargs={"public_id": world.w1.public_id})
    link = url("interventions", world.w1)
    assert link in login("counsellor").get(detail).content.decode()
    assert link in login("supervisor").get(detail).content.decode()
    assert link not in login("head_teacher").get(detail).content.decode()
