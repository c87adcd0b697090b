"""Notifications through an outbox: queue in the caller's transaction, deliver later, retry for ever.

``queue_message`` writes one ``OutboxMessage`` row inside whatever transaction is open, so an alert
is committed together with the state change that causes it, or not at all. ``deliver_due`` (a
periodic job) sends due rows through the gateway configured for their channel. A failing gateway
leaves the row pending with its error and the next attempt pushed back exponentially; nothing is
dropped. Delivery is at least once: a row is leased before sending, so two workers never send it
at the same time, and a worker that dies mid-send lets the lease expire and the row be retried.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from lbc.models import ContactPreference, OutboxMessage

logger = logging.getLogger(__name__)

Channel = OutboxMessage.Channel
BATCH = 200
LEASE = dt.timedelta(minutes=5)
MAX_BACKOFF_SECONDS = 3600
MAX_TEXT = 500


class GatewayError(Exception):
    """The gateway could not deliver now; the message is retried later."""


class Gateway(Protocol):
    def send(self, address: str, text: str, *, kind: str) -> None: ...


class ConsoleGateway:
    """For development and the demo: prints the message on the server's standard output."""

    def send(self, address: str, text: str, *, kind: str) -> None:
        sys.stdout.write(f"[notification {kind}] {address}: {text}\n")
        sys.stdout.flush()


class EmailGateway:
    """Django's configured mail backend (EMAIL_BACKEND); errors become retries."""

    def send(self, address: str, text: str, *, kind: str) -> None:
        subject = text.split("\n", 1)[0][:60]
        try:
            send_mail(subject, text, None, [address], fail_silently=False)
        except Exception as exc:  # SMTP and socket errors alike must lead to a retry, not a loss
            raise GatewayError(type(exc).__name__) from exc


class SmsGateway(Protocol):
    """What an SMS provider adapter implements: send one short message or raise GatewayError."""

    def send(self, address: str, text: str, *, kind: str) -> None: ...


class FakeSmsGateway:
    """Test double for an SMS provider: records what it sends, fails while ``failing`` is set."""

    sent: ClassVar[list[tuple[str, str]]] = []
    failing: ClassVar[bool] = False

    def send(self, address: str, text: str, *, kind: str) -> None:
        if FakeSmsGateway.failing:
            raise GatewayError("fake SMS gateway is failing")
        FakeSmsGateway.sent.append((address, text))

    @classmethod
    def reset(cls) -> None:
        cls.sent = []
        cls.failing = False


class NoGateway:
    """A channel without a configured gateway: messages wait until one is configured."""

    def send(self, address: str, text: str, *, kind: str) -> None:
        raise GatewayError("no gateway configured for this channel")


def gateway_for(channel: str) -> Gateway:
    path = settings.LBC_NOTIFY_GATEWAYS.get(channel)
    if not path:
        return NoGateway()
    gateway: Gateway = import_string(path)()
    return gateway


def _preferred(user: Any) -> tuple[str, str]:
    """The user's chosen channel and phone; email when they chose nothing (console without an email)."""
    preference = ContactPreference.objects.filter(user=user).first()
    if preference is not None and (preference.channel != Channel.SMS or preference.phone):
        return preference.channel, preference.phone
    return (Channel.EMAIL if getattr(user, "email", "") else Channel.CONSOLE), ""


def _address_for(channel: str, user: Any, phone: str, email: str) -> str:
    if channel == Channel.SMS:
        return phone
    if channel == Channel.EMAIL:
        return email or (getattr(user, "email", "") if user is not None else "")
    if user is not None:
        return str(user.get_username())
    return phone or email


def queue_message(
    *,
    kind: str,
    text: str,
    dedupe_key: str,
    user: Any = None,
    phone: str = "",
    email: str = "",
    channel: str | None = None,
    not_before: dt.datetime | None = None,
) -> OutboxMessage | None:
    """Queue one message in the current transaction; None when ``dedupe_key`` was queued before.

    Without a channel, a message for a ``user`` goes the way the user chose (``ContactPreference``),
    else by email, else to the console; a message without a user and channel goes to the console.
    Every message for a user also shows on their notifications page (``lbc:notifications``).

    A message without any address is kept with status NO_ADDRESS, so it can be seen and followed up
    rather than vanishing.
    """
    if channel is None:
        channel, preferred_phone = _preferred(user) if user is not None else (Channel.CONSOLE, "")
        phone = phone or preferred_phone
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if not text.strip():
        raise ValueError("empty notification text")
    if OutboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    address = _address_for(channel, user, phone, email)
    message = OutboxMessage(
        kind=kind,
        dedupe_key=dedupe_key,
        channel=channel,
        user=user,
        address=address,
        text=text[:MAX_TEXT],
        status=OutboxMessage.Status.PENDING if address else OutboxMessage.Status.NO_ADDRESS,
        next_attempt_at=not_before or timezone.now(),
    )
    try:
        # A savepoint, so a concurrent duplicate does not break the caller's transaction.
        with transaction.atomic():
            message.save()
    except IntegrityError:
        if OutboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    return message


# Kinds whose notice outside the platform says the task is urgent. The core's own are here; satellite
# apps add theirs with ``register_urgent_kind`` in their ``AppConfig.ready()``.
URGENT_KINDS: set[str] = {"lbc.report.filed", "lbc.report.unhandled", "lbc.grant.breakglass"}


def register_urgent_kind(kind: str) -> None:
    URGENT_KINDS.add(kind)


def outside_text(message: OutboxMessage) -> str:
    """What a gateway sends. A staff member's message may name a child, a school or a need (it is shown
    in full on their notifications page, behind the login); what leaves the platform by SMS, email or a
    log says only that there is something, how urgent, and where to look. A message without a user was
    written for a member of the public (a training reminder to a grandparent) and names no child."""
    if message.user_id is None:
        return message.text
    with translation.override(settings.LANGUAGE_CODE):
        base = settings.LBC_PUBLIC_URL.rstrip("/")
        where = base + reverse("lbc:notifications") if base else _("平台“通知”页")
        if message.kind in URGENT_KINDS:
            return _("【留守儿童关爱平台】您有一项紧急待办，请立即登录查看：%(where)s") % {"where": where}
        return _("【留守儿童关爱平台】您有一条新通知，请登录查看：%(where)s") % {"where": where}


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, ... minutes after each failed attempt, at most an hour."""
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def _lease(message_id: int, seen_next: dt.datetime, now: dt.datetime) -> bool:
    """Claim a row by moving its next attempt forward, only if nobody else moved it first."""
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxMessage.Status.PENDING, next_attempt_at=seen_next
    ).update(next_attempt_at=now + LEASE)
    return claimed == 1


def deliver_due(now: dt.datetime | None = None) -> int:
    """Send pending messages whose time has come. Returns the number sent; failures are retried later."""
    now = now or timezone.now()
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "next_attempt_at")[:BATCH]
    )
    gateways: dict[str, Gateway] = {}
    sent = 0
    for pk, seen_next in due:
        if not _lease(pk, seen_next, now):
            continue
        message = OutboxMessage.objects.get(pk=pk)
        gateway = gateways.setdefault(message.channel, gateway_for(message.channel))
        attempts = message.attempts + 1
        try:
            gateway.send(message.address, outside_text(message), kind=message.kind)
        except Exception as exc:
            error = str(exc)[:300] if isinstance(exc, GatewayError) else type(exc).__name__
            OutboxMessage.objects.filter(pk=pk).update(
                attempts=attempts, last_error=error, next_attempt_at=now + backoff(attempts)
            )
            logger.warning("notification %s attempt %s failed: %s", message.public_id, attempts, error)
            continue
        OutboxMessage.objects.filter(pk=pk).update(
            status=OutboxMessage.Status.SENT, attempts=attempts, last_error="", sent_at=now
        )
        sent += 1
    return sent
