"""What was done about a warning: counselling sessions and home visits, safety plans, guardian contacts,
referrals, and counsellors' sign-offs (closing a warning, lowering its tier).

Notes and plan contents are encrypted; ``lbc.access.FIELD_TIERS["intervention"]`` decides who reads
which part, and ``screening/interventions.py`` is the only writer. Rows are never deleted.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lbc.crypto import EncryptedTextField

from .campaigns import Assessment
from .warnings import Warning


class InterventionSession(models.Model):
    """A counselling session at school or a home visit, with the counsellor's notes (NOTES tier)."""

    class Kind(models.TextChoices):
        COUNSELLING = "counselling", _("心理辅导")
        HOME_VISIT = "home_visit", _("家访")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    held_on = models.DateField(_("日期"))
    notes = EncryptedTextField(_("记录"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("辅导或家访")
        verbose_name_plural = pgettext_lazy("plural", "辅导或家访")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.held_on}"


class SafetyPlan(models.Model):
    """The safety plan of a RED/RED_ACUTE warning (Stanley-Brown structure); a new version replaces it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="safety_plans")
    warning_signs = EncryptedTextField(_("预警信号"))
    coping_steps = EncryptedTextField(_("自我应对方法"))
    contacts = EncryptedTextField(_("可以联系的人"))
    means_restriction = EncryptedTextField(_("减少危险物品的措施"))
    guardian_informed = models.BooleanField(_("已告知监护人"), default=False)
    guardian_informed_at = models.DateTimeField(_("告知监护人的时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("安全计划")
        verbose_name_plural = pgettext_lazy("plural", "安全计划")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.warning_id} {self.recorded_at:%Y-%m-%d}"


class GuardianContact(models.Model):
    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("当面")
        PHONE = "phone", _("电话")
        VIDEO = "video", _("视频通话")
        MESSAGE = "message", _("微信或短信")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="guardian_contacts")
    contacted_on = models.DateField(_("日期"))
    who = models.CharField(_("联系对象"), max_length=60)
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices)
    outcome = EncryptedTextField(_("结果"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("监护人联系")
        verbose_name_plural = pgettext_lazy("plural", "监护人联系")
        ordering = ["-contacted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.channel} {self.contacted_on}"


class Referral(models.Model):
    class Destination(models.TextChoices):
        HOSPITAL = "hospital", _("医院（精神心理科）")
        COUNTY_CENTRE = "county_centre", _("县心理健康服务中心")
        CIVIL_AFFAIRS = "civil_affairs", _("县民政部门（未成年人保护）")
        OTHER = "other", _("其他专业机构")

    class Status(models.TextChoices):
        MADE = "made", _("已转介")
        ATTENDED = "attended", _("已就诊/已接收")
        NOT_ATTENDED = "not_attended", _("未就诊")
        COMPLETED = "completed", _("已完成")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="referrals")
    destination = models.CharField(_("转介去向"), max_length=16, choices=Destination.choices)
    destination_name = models.CharField(_("机构名称"), max_length=100)
    referred_on = models.DateField(_("转介日期"))
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.MADE)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("转介")
        verbose_name_plural = pgettext_lazy("plural", "转介")
        ordering = ["-referred_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.destination} {self.status}"


class SignOff(models.Model):
    """A counsellor of the child's school vouches for closing a warning or lowering its tier."""

    class Purpose(models.TextChoices):
        CLOSE = "close", _("同意结案")
        LOWER_TIER = "lower_tier", _("同意降低预警等级")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="sign_offs")
    purpose = models.CharField(_("签字事项"), max_length=12, choices=Purpose.choices)
    # For a lower tier: the rescreen the decision rests on.
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("复筛")
    )
    note = EncryptedTextField(_("说明"), blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("心理教师签字")
        verbose_name_plural = pgettext_lazy("plural", "心理教师签字")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.purpose} {self.at:%Y-%m-%d}"
