"""Outbox of notifications: a message is a row written in the same transaction as the event it reports.

Delivery happens later (``lbc.notifications.deliver_due``), so a gateway outage delays an alert but
never loses it, and a rolled-back state change never sends one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lbc.crypto import EncryptedTextField


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        CONSOLE = "console", _("控制台")
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        NO_ADDRESS = "no_address", _("无联系方式")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("类别"), max_length=60)
    dedupe_key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = EncryptedTextField(_("地址"), blank=True, default="")
    text = EncryptedTextField(_("内容"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = pgettext_lazy("plural", "通知")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        # Never the text or the address: they are personal data.
        return f"{self.kind} [{self.channel}] {self.status}"


class ContactPreference(models.Model):
    """How a staff member wants to be reached: channel and, for SMS, the phone number."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact")
    channel = models.CharField(
        _("通知方式"), max_length=10, choices=OutboxMessage.Channel.choices, default=OutboxMessage.Channel.SMS
    )
    phone = EncryptedTextField(_("手机号码"), blank=True, default="")

    class Meta:
        verbose_name = _("通知方式")
        verbose_name_plural = pgettext_lazy("plural", "通知方式")

    def __str__(self) -> str:
        return f"{self.user_id} [{self.channel}]"
