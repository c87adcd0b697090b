"""Mandatory reports of suspected harm to a child (强制报告, Minors Protection Law Art. 11).

The narrative and the descriptions are encrypted. Who filed a report is shown only to its handlers
(the township supervisors of its township and the administrators of its county); ``lbc.access``
decides who reads what. A report is never deleted: its status moves forward with a history row
for every change.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lbc.crypto import EncryptedTextField

from .people import Child
from .regions import Region


class HarmReport(models.Model):
    class Kind(models.TextChoices):
        ABUSE = "abuse", _("虐待")
        NEGLECT = "neglect", _("疏于照料（忽视）")
        VIOLENCE = "violence", _("暴力伤害")
        SEXUAL = "sexual", _("性侵害")
        ABANDONMENT = "abandonment", _("遗弃")
        OTHER = "other", _("其他侵害")

    class Status(models.TextChoices):
        RECEIVED = "received", _("已接收")
        REVIEWING = "reviewing", _("核查中")
        REFERRED_POLICE = "referred_police", _("已移送公安机关")
        REFERRED_CIVIL = "referred_civil", _("已转介民政部门")
        CLOSED = "closed", _("已结案")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    receipt = models.CharField(_("回执号"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("疑似侵害类型"), max_length=20, choices=Kind.choices)
    # Reports keep their child: a report must outlive any tidying of the registry.
    child = models.ForeignKey(
        Child,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="harm_reports",
        verbose_name=_("儿童"),
    )
    child_description = EncryptedTextField(_("儿童情况描述"), blank=True, default="")
    place_description = EncryptedTextField(_("地点"), blank=True, default="")
    township = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇/街道")
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    narrative = EncryptedTextField(_("发生了什么"))
    immediate_danger = models.BooleanField(_("儿童现在仍处于危险之中"), default=False)
    police_called = models.BooleanField(_("已经拨打110报警"), default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("报告人")
    )
    reporter_role = models.CharField(_("报告人角色"), max_length=30, blank=True, default="")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    created_at = models.DateTimeField(_("报告时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("强制报告")
        verbose_name_plural = pgettext_lazy("plural", "强制报告")
        indexes = [
            models.Index(fields=["township", "status"], name="harmreport_township"),
            models.Index(fields=["county", "status"], name="harmreport_county"),
            models.Index(fields=["reporter", "created_at"], name="harmreport_reporter"),
        ]

    def __str__(self) -> str:
        # Only the receipt: never the narrative, the child or the reporter.
        return self.receipt


class HarmReportEvent(models.Model):
    """One status change of a report (the first row is its filing), with the handler's note encrypted."""

    report = models.ForeignKey(HarmReport, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=20, choices=HarmReport.Status.choices, blank=True, default="")
    to_status = models.CharField(_("状态"), max_length=20, choices=HarmReport.Status.choices)
    note = EncryptedTextField(_("处理说明"), blank=True, default="")

    class Meta:
        verbose_name = _("强制报告处理记录")
        verbose_name_plural = pgettext_lazy("plural", "强制报告处理记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.from_status} -> {self.to_status}"
