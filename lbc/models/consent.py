from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .people import Child


class Consent(models.Model):
    """A consent decision for one purpose. Refusals and withdrawals are kept, never deleted."""

    class Purpose(models.TextChoices):
        REGISTRY = "registry", _("建档与关爱服务")
        SCREENING = "screening", _("心理筛查")
        TRAINING = "training", _("培训与活动通知")
        RESEARCH = "research", _("匿名统计研究")

    class Channel(models.TextChoices):
        PAPER = "paper", _("纸质签字")
        IN_PERSON = "in_person", _("当面口头（有见证人）")
        PHONE = "phone", _("电话（有录音）")
        ONLINE = "online", _("线上确认")

    class Decision(models.TextChoices):
        GRANTED = "granted", _("同意")
        REFUSED = "refused", _("拒绝")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("目的"), max_length=20, choices=Purpose.choices)
    decision = models.CharField(_("决定"), max_length=10, choices=Decision.choices)
    given_by_name = models.CharField(_("签署人"), max_length=40)
    given_by_relationship = models.CharField(_("与儿童关系"), max_length=40)
    # Entrusted caregivers (委托照护人) often sign for absent parents; flag it so it can be confirmed.
    is_legal_guardian = models.BooleanField(_("签署人为法定监护人"))
    channel = models.CharField(_("方式"), max_length=20, choices=Channel.choices)
    notice_version = models.CharField(_("告知书版本"), max_length=20)
    decided_on = models.DateField(_("日期"))
    child_assent = models.BooleanField(_("儿童本人同意"), null=True, blank=True)
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("知情同意")
        verbose_name_plural = pgettext_lazy("plural", "知情同意")
        ordering = ["-decided_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.get_decision_display()}"

    @property
    def is_active(self) -> bool:
        return self.decision == self.Decision.GRANTED and self.withdrawn_on is None


def consent_in_force(decisions: Iterable[Consent], on: dt.date) -> Consent | None:
    """THE rule for "is there consent on this day": of one child's decisions for one purpose, newest
    first, the latest made on or before ``on`` counts, and only if it is a grant not withdrawn by ``on``.
    A refusal after a grant ends it; a new grant after a refusal or a withdrawal starts it again."""
    decision = next((d for d in decisions if d.decided_on <= on), None)
    if decision is None or decision.decision != Consent.Decision.GRANTED:
        return None
    if decision.withdrawn_on is not None and decision.withdrawn_on <= on:
        return None
    return decision


def consent_for(child: Child, purpose: str, on: dt.date) -> Consent | None:
    """The child's decision for ``purpose`` in force on ``on`` (``consent_in_force`` on the stored rows)."""
    latest = Consent.objects.filter(child=child, purpose=purpose, decided_on__lte=on).order_by(
        "-decided_on", "-recorded_at"
    )[:1]
    return consent_in_force(latest, on)
