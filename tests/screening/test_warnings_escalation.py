"""The escalation job: unacknowledged or overdue warnings climb counsellor -> township -> county."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from lbc.models import OutboxMessage
from lbc.notifications import FakeSmsGateway, deliver_due
from lbc.periodic import jobs
from screening.models import CountyWarningSettings, EscalationLevel, Warning, WarningState
from screening.scoring.tiers import Tier
from screening.warnings import actions, deadlines, escalation, notices

FAKE = "lbc.notifications.FakeSmsGateway"
EVERY_CHANNEL_FAKE = {"console": FAKE, "email": FAKE, "sms": FAKE}
TZ = timezone.get_default_timezone()


@pytest.fixture(autouse=True)
def fake_gateway() -> Iterator[type[FakeSmsGateway]]:
    FakeSmsGateway.reset()
    with override_settings(LBC_NOTIFY_GATEWAYS=EVERY_CHANNEL_FAKE):
        yield FakeSmsGateway
    FakeSmsGateway.reset()


def messages_to(user: Any) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(user=user, kind="screening.warning"))


def test_the_job_is_registered() -> None:
    assert "screening.warnings.escalation.escalate_due" in jobs()


def test_raising_a_red_warning_notifies_the_schools_counsellor(world: Any) -> None:
    [message] = messages_to(world.user("counsellor"))
    assert message.text == "【预警】一乡中心学校 5年级 王同学 需要今天内安全评估。请登录平台处理。"
    assert "小䶮" not in message.text and "9" not in message.text


def test_past_the_deadline_without_acknowledgement_the_township_supervisor_is_notified(world: Any) -> None:
    w = world.w1
    # First comes the end of the school day or the hour to acknowledge, whichever is earlier.
    first = min(w.raised_at + dt.timedelta(minutes=60), w.due_at)
    assert escalation.escalate_due(first - dt.timedelta(minutes=1)) == 0
    assert escalation.escalate_due(first + dt.timedelta(minutes=1)) == 1
    w.refresh_from_db()
    assert (w.state, w.escalation_level) == (WarningState.ESCALATED, EscalationLevel.TOWNSHIP)
    [message] = messages_to(world.user("supervisor"))
    assert "王同学" in message.text and "尚未确认" in message.text
    assert messages_to(world.user("other_supervisor")) == []
    assert w.events.last().by is None


def test_running_the_job_again_sends_nothing_twice(world: Any) -> None:
    later = world.w1.due_at + dt.timedelta(minutes=1)
    escalation.escalate_due(later)
    assert escalation.escalate_due(later) == 0
    assert len(messages_to(world.user("supervisor"))) == 1


def test_an_escalation_nobody_answers_reaches_the_county(world: Any) -> None:
    first = world.w1.due_at + dt.timedelta(minutes=1)
    escalation.escalate_due(first)
    assert escalation.escalate_due(first + dt.timedelta(minutes=59)) == 0
    assert escalation.escalate_due(first + dt.timedelta(minutes=61)) == 1
    world.w1.refresh_from_db()
    assert world.w1.escalation_level == EscalationLevel.COUNTY
    assert len(messages_to(world.user("county_admin"))) == 1
    assert messages_to(world.user("other_county_admin")) == []
    assert escalation.escalate_due(first + dt.timedelta(days=3)) == 0


def test_an_acknowledged_warning_escalates_only_once_overdue(world: Any) -> None:
    w = actions.acknowledge_warning(world.w1, by=world.user("counsellor"))
    assert escalation.escalate_due(w.due_at - dt.timedelta(seconds=1)) == 0
    assert escalation.escalate_due(w.due_at + dt.timedelta(seconds=1)) == 1
    assert "已超过期限" in messages_to(world.user("supervisor"))[0].text


def test_a_warning_in_intervention_is_not_escalated_by_the_clock(world: Any) -> None:
    w = actions.acknowledge_warning(world.w1, by=world.user("counsellor"))
    w = actions.start_intervention(w, by=world.user("counsellor"))
    assert escalation.escalate_due(w.due_at + dt.timedelta(days=30)) == 0


def test_while_the_gateway_fails_the_alert_stays_pending_and_goes_out_once_it_works(world: Any) -> None:
    later = world.w1.due_at + dt.timedelta(minutes=1)
    escalation.escalate_due(later)
    FakeSmsGateway.failing = True
    deliver_due(later)
    [message] = messages_to(world.user("supervisor"))
    assert message.status == OutboxMessage.Status.PENDING and message.attempts == 1
    FakeSmsGateway.failing = False
    deliver_due(later + dt.timedelta(hours=2))
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    # The platform's notifications page names the child; the SMS says only that an urgent task waits.
    assert "王同学" in message.text and "尚未确认" in message.text
    assert FakeSmsGateway.sent and all("紧急待办" in text for _address, text in FakeSmsGateway.sent)
    assert not any("王" in text or "年级" in text for _address, text in FakeSmsGateway.sent)


def test_a_school_without_a_counsellor_goes_straight_to_the_township(world: Any) -> None:
    w = world.w1
    Warning.objects.filter(pk=w.pk).update(school=None)
    assert escalation.escalate_due(w.raised_at) == 1
    assert len(messages_to(world.user("supervisor"))) == 1


# --- deadlines (pure) ---------------------------------------------------------------------------------


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=TZ)  # 2026-12-07 is a Monday


def test_red_is_due_at_the_end_of_the_school_day() -> None:
    assert deadlines.due_at(Tier.RED, at(7, 9)) == at(7, 16, 30)
    assert deadlines.due_at(Tier.RED, at(7, 18)) == at(7, 21)  # after school: three hours
    assert deadlines.due_at(Tier.RED_ACUTE, at(7, 9)) == at(7, 9)


def test_orange_counts_school_days_and_skips_the_weekend() -> None:
    assert deadlines.due_at(Tier.ORANGE, at(9, 10)) == at(14, 16, 30)  # Wednesday -> Monday
    assert deadlines.due_at(Tier.ORANGE, at(12, 10)) == at(17, 16, 30)  # Saturday -> Thursday


def test_yellow_and_grey_are_due_in_two_weeks_and_follow_the_county() -> None:
    assert deadlines.due_at(Tier.YELLOW, at(7, 9)) == at(21, 9)
    assert deadlines.due_at(Tier.GREY, at(7, 9)) == at(21, 9)
    from screening.scoring.tiers import Thresholds

    assert deadlines.due_at(Tier.YELLOW, at(7, 9), Thresholds(yellow_contact_days=7)) == at(14, 9)


def test_a_county_can_change_the_acknowledgement_window(world: Any) -> None:
    CountyWarningSettings.objects.create(county=world.county, values={"ack_red_minutes": 10})
    settings = notices.warning_settings_for(world.county.pk)
    assert settings.ack_window(Tier.RED) == dt.timedelta(minutes=10)
    assert notices.warning_settings_for(world.county2.pk) == deadlines.DEFAULT_SETTINGS
