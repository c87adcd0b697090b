"""The notification outbox: queued with the caller's transaction, delivered later, never dropped."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from lbc.models import OutboxMessage
from lbc.notifications import Channel, FakeSmsGateway, backoff, deliver_due, queue_message
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fake_sms() -> Iterator[type[FakeSmsGateway]]:
    FakeSmsGateway.reset()
    yield FakeSmsGateway
    FakeSmsGateway.reset()


def sms(key: str = "k1", text: str = "【预警】请登录平台处理。") -> OutboxMessage | None:
    return queue_message(
        kind="test.alert", text=text, dedupe_key=key, phone="13800000000", channel=Channel.SMS
    )


def test_it_delivers_a_queued_sms_once() -> None:
    sms()
    assert deliver_due() == 1
    assert FakeSmsGateway.sent == [("13800000000", "【预警】请登录平台处理。")]
    assert deliver_due() == 0
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


def test_it_queues_a_dedupe_key_only_once() -> None:
    assert sms("same") is not None
    assert sms("same") is None
    assert OutboxMessage.objects.count() == 1


def test_it_keeps_the_message_pending_while_the_gateway_fails_and_sends_it_later() -> None:
    sms()
    FakeSmsGateway.failing = True
    now = timezone.now()
    assert deliver_due(now) == 0
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1 and "failing" in message.last_error
    assert message.next_attempt_at == now + backoff(1)
    # Not retried before its backoff has passed.
    assert deliver_due(now + dt.timedelta(seconds=30)) == 0
    assert OutboxMessage.objects.get().attempts == 1
    FakeSmsGateway.failing = False
    assert deliver_due(now + backoff(1)) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.attempts == 2
    assert len(FakeSmsGateway.sent) == 1


def test_the_backoff_doubles_and_is_capped_at_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(50) == dt.timedelta(hours=1)


def test_a_message_queued_in_a_rolled_back_transaction_never_exists() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        sms()
        raise RuntimeError("the state change failed")
    assert not OutboxMessage.objects.exists()


def test_it_stores_text_and_address_encrypted() -> None:
    sms(text="王同学需要今天内安全评估")
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, address FROM lbc_outboxmessage")
        text, address = cursor.fetchone()
    assert "王同学" not in text and "13800000000" not in address
    assert text.startswith("v1:") and address.startswith("v1:")


def test_it_sends_email_to_the_users_address_saying_only_that_a_notice_waits(settings: Any) -> None:
    settings.LBC_PUBLIC_URL = "https://lbc.example.org/"
    user = make_user("notified")
    user.email = "notified@example.org"
    user.save()
    queue_message(
        kind="test.alert", text="青石小学三年级王同学需要今天内安全评估", dedupe_key="e1", user=user,
        channel=Channel.EMAIL,
    )
    assert deliver_due() == 1
    assert mail.outbox[0].to == ["notified@example.org"]
    body = mail.outbox[0].body
    assert body == "【留守儿童关爱平台】您有一条新通知，请登录查看：https://lbc.example.org/notifications/"
    assert "王" not in mail.outbox[0].subject


def test_a_staff_sms_of_an_urgent_kind_says_urgent_and_names_nobody(settings: Any) -> None:
    settings.LBC_PUBLIC_URL = ""
    user = make_user("counsellor_sms")
    queue_message(kind="screening.warning", text="青石小学三年级王同学需要今天内安全评估",
                  dedupe_key="u1", user=user, phone="13800000001", channel=Channel.SMS)
    assert deliver_due() == 1
    [(address, text)] = FakeSmsGateway.sent
    assert address == "13800000001"
    assert text == "【留守儿童关爱平台】您有一项紧急待办，请立即登录查看：平台“通知”页"
    # In full on the notifications page, behind the login.
    assert OutboxMessage.objects.get().text == "青石小学三年级王同学需要今天内安全评估"


def test_a_message_to_a_member_of_the_public_keeps_its_own_text() -> None:
    queue_message(kind="training.reminder", text="培训提醒：明天上午9点。", dedupe_key="p1",
                  phone="13800000002", channel=Channel.SMS)
    assert deliver_due() == 1
    assert FakeSmsGateway.sent == [("13800000002", "培训提醒：明天上午9点。")]


def test_a_message_without_any_address_is_kept_as_no_address() -> None:
    user = make_user("no_email")
    message = queue_message(kind="test.alert", text="提醒", dedupe_key="n1", user=user, channel=Channel.EMAIL)
    assert message is not None and message.status == OutboxMessage.Status.NO_ADDRESS
    assert deliver_due() == 0


def test_a_message_waits_until_its_not_before_time() -> None:
    later = timezone.now() + dt.timedelta(hours=2)
    queue_message(kind="t", text="提醒", dedupe_key="w1", phone="1", channel=Channel.SMS, not_before=later)
    assert deliver_due() == 0
    assert deliver_due(later) == 1


def test_a_leased_message_is_not_sent_by_a_second_worker() -> None:
    sms()
    now = timezone.now()
    message = OutboxMessage.objects.get()
    # Another worker claimed it a moment ago: its lease pushed next_attempt_at into the future.
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=now + dt.timedelta(minutes=5))
    assert deliver_due(now) == 0
    assert FakeSmsGateway.sent == []


def test_the_str_of_a_message_names_neither_text_nor_address() -> None:
    message = sms(text="王同学")
    assert message is not None
    assert "王同学" not in str(message) and "13800000000" not in str(message)


def test_run_periodic_once_delivers_and_prints_counts() -> None:
    sms()
    out = io.StringIO()
    call_command("run_periodic", "--once", stdout=out)
    assert "lbc.notifications.deliver_due: 1" in out.getvalue()


def test_run_periodic_once_fails_when_a_job_raises(monkeypatch: Any) -> None:
    broken = ["tests.lbc.test_notifications.broken_job"]
    monkeypatch.setattr("lbc.management.commands.run_periodic.jobs", lambda: broken)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("run_periodic", "--once", stderr=err)
    assert "FAILED" in err.getvalue()


def broken_job(now: dt.datetime) -> int:
    raise RuntimeError("broken on purpose")
