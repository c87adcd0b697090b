"""The notifications page shows a user their own messages only; the contact preference drives the channel."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lbc.models import ContactPreference, OutboxMessage
from lbc.notifications import Channel, queue_message
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_it_lists_my_notifications_and_not_those_of_others(login: Any, world: World) -> None:
    queue_message(kind="t", text="给督导员的预警", dedupe_key="a", user=world.user("supervisor"))
    queue_message(kind="t", text="给别人的预警", dedupe_key="b", user=world.user("other_supervisor"))
    body = login("supervisor").get(reverse("lbc:notifications")).content.decode()
    assert "给督导员的预警" in body
    assert "给别人的预警" not in body


def test_a_user_without_preference_and_email_gets_console_messages(world: World) -> None:
    message = queue_message(kind="t", text="提醒", dedupe_key="c", user=world.user("supervisor"))
    assert message is not None and message.channel == Channel.CONSOLE


def test_it_saves_an_sms_preference_and_later_messages_go_by_sms(login: Any, world: World) -> None:
    response = login("supervisor").post(
        reverse("lbc:contact-preference"), {"channel": "sms", "phone": "138 0013 8000"}
    )
    assert response.status_code == 302
    preference = ContactPreference.objects.get(user=world.user("supervisor"))
    assert preference.phone == "13800138000"
    message = queue_message(kind="t", text="提醒", dedupe_key="d", user=world.user("supervisor"))
    assert message is not None and message.channel == Channel.SMS and message.address == "13800138000"


def test_sms_without_a_phone_is_refused_with_a_message(login: Any, world: World) -> None:
    response = login("supervisor").post(reverse("lbc:contact-preference"), {"channel": "sms", "phone": ""})
    assert response.status_code == 200
    assert "请填写手机号码" in response.content.decode()
    assert not ContactPreference.objects.exists()


def test_email_without_an_address_on_the_account_is_refused(login: Any, world: World) -> None:
    response = login("supervisor").post(reverse("lbc:contact-preference"), {"channel": "email", "phone": ""})
    assert response.status_code == 200
    assert "没有登记电子邮件地址" in response.content.decode()


def test_a_pending_retry_shows_its_attempts(login: Any, world: World) -> None:
    message = queue_message(kind="t", text="提醒", dedupe_key="e", user=world.user("supervisor"))
    assert message is not None
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=3)
    body = login("supervisor").get(reverse("lbc:notifications")).content.decode()
    assert "已尝试 3 次" in body
