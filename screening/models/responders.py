"""Who answers warnings: counsellors' and volunteers' capacities and volunteers' companionship tasks."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lbc.models import Region, School

from .warnings import Warning


class ResponderProfile(models.Model):
    """What the allocation needs to know about a counsellor or volunteer: qualification, capacity, base.

    ``weekly_capacity`` is the number of new cases the person can take on in a week: cases assigned to
    them (companionship tasks started, for a volunteer) during the last seven days use up slots; cases
    taken on earlier, still in intervention or follow-up, do not.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="responder_profile",
        verbose_name=_("用户"),
    )
    qualified_counsellor = models.BooleanField(_("可承担红色/橙色预警的安全评估"), default=False)
    weekly_capacity = models.PositiveSmallIntegerField(_("每周可承担个案数"), default=5)
    base_school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("所在学校")
    )
    base_village = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        limit_choices_to={"level": Region.Level.VILLAGE}, verbose_name=_("所在村/社区"),
    )
    # A volunteer's supervising counsellor; empty: the allocation picks one per task.
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("督导心理教师"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("个案承接能力")
        verbose_name_plural = pgettext_lazy("plural", "个案承接能力")

    def __str__(self) -> str:
        return str(self.user)


class Companionship(models.Model):
    """A volunteer's companionship task for a YELLOW/GREEN child, supervised by a counsellor.

    The volunteer sees the child only through ``grant`` (a per-object ``volunteer_child`` grant with an
    expiry), which is removed when the task ends.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="companionships")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("志愿者")
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("督导心理教师")
    )
    grant = models.OneToOneField(
        "lbc.ChildGrant", null=True, blank=True, on_delete=models.SET_NULL, related_name="companionship"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(_("到期时间"))
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("志愿者陪伴")
        verbose_name_plural = pgettext_lazy("plural", "志愿者陪伴")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["warning"], condition=models.Q(ended_at__isnull=True), name="one_active_companionship"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warning_id} {self.volunteer_id}"
