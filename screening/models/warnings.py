"""Early warnings: the warning, its history, county settings, life events and planned rescreens."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lbc.crypto import EncryptedTextField
from lbc.models import Child, Region, School
from screening.scoring.tiers import TIER_CHOICES

from .campaigns import Assessment

# --- early warnings (issue 4) ------------------------------------------------------------------------
# The transition map and every service that changes these rows live in screening/warnings/.


class WarningState(models.TextChoices):
    RAISED = "raised", _("待确认")
    ACKNOWLEDGED = "acknowledged", _("已确认")
    ASSIGNED = "assigned", _("已分派")
    IN_INTERVENTION = "in_intervention", _("干预中")
    FOLLOW_UP = "follow_up", _("待复筛")
    ESCALATED = "escalated", _("已上报，待上级确认")
    TRANSFERRED = "transferred", _("已转交，待接收方确认")
    CLOSED = "closed", _("已结案")


class EscalationLevel(models.IntegerChoices):
    """Who must act now: the ladder counsellor -> township supervisor -> county."""

    SCHOOL = 0, _("学校心理教师")
    TOWNSHIP = 1, _("乡镇儿童督导员")
    COUNTY = 2, _("县级管理员")


class WarningOutcome(models.TextChoices):
    RESOLVED = "resolved", _("风险已缓解")
    REFERRED = "referred", _("已转介专业机构")
    NO_CONCERN = "no_concern", _("核实后无需进一步干预")
    RESCREENED = "rescreened", _("重新施测结果正常")
    MOVED = "moved", _("儿童已迁出或转学")
    OTHER = "other", _("其他")


class Warning(models.Model):
    """One child's open concern from screening; at most one open warning per child.

    ``school``/``township``/``county`` are the unit responsible for acting (the child's school and its
    township when the warning is raised; a transfer moves them). ``tier`` only goes up automatically.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="warnings")
    # The assessment that raised the warning; later ones appear in its events.
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="raised_warnings")
    tier = models.CharField(_("预警等级"), max_length=10, choices=TIER_CHOICES, db_index=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=WarningState.choices, default=WarningState.RAISED
    )
    context_score = models.PositiveSmallIntegerField(_("关注度"), default=0)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("负责学校")
    )
    township = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("负责乡镇")
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县"))
    escalation_level = models.PositiveSmallIntegerField(
        _("上报层级"), choices=EscalationLevel.choices, default=EscalationLevel.SCHOOL
    )
    level_since = models.DateTimeField(default=timezone.now)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("负责人"),
    )
    raised_at = models.DateTimeField(_("发出时间"), default=timezone.now)
    due_at = models.DateTimeField(_("响应期限"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("结案结果"), max_length=12, choices=WarningOutcome.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = pgettext_lazy("plural", "预警")
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="warning_state_due"),
            models.Index(fields=["township", "state"], name="warning_township_state"),
            models.Index(fields=["school", "state"], name="warning_school_state"),
            models.Index(fields=["county", "state"], name="warning_county_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=~models.Q(state="closed"), name="one_open_warning_per_child"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier} {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state != WarningState.CLOSED


class WarningEvent(models.Model):
    """History of a warning: one row per transition, tier raise or linked assessment. Never edited."""

    class Action(models.TextChoices):
        RAISED = "raised", _("发出预警")
        ACKNOWLEDGED = "acknowledged", _("确认")
        ASSIGNED = "assigned", _("分派")
        ESCALATED = "escalated", _("上报")
        TRANSFERRED = "transferred", _("转交")
        INTERVENTION_STARTED = "intervention_started", _("开始干预")
        FOLLOW_UP_REQUESTED = "follow_up_requested", _("安排复筛")
        CLOSED = "closed", _("结案")
        TIER_RAISED = "tier_raised", _("新筛查结果提高了等级")
        ASSESSMENT_LINKED = "assessment_linked", _("新筛查结果（等级未提高）")

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(  # None: the system (automatic raise, escalation job)
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=24, choices=Action.choices)
    from_state = models.CharField(max_length=16, choices=WarningState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=WarningState.choices)
    from_tier = models.CharField(max_length=10, choices=TIER_CHOICES, blank=True)
    to_tier = models.CharField(max_length=10, choices=TIER_CHOICES, blank=True)
    level = models.PositiveSmallIntegerField(choices=EscalationLevel.choices, default=EscalationLevel.SCHOOL)
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="warning_events"
    )
    # Public ids and codes only (e.g. the school a warning was transferred to); never scores.
    detail = models.JSONField(default=dict)
    note = EncryptedTextField(blank=True, default="")

    class Meta:
        verbose_name = _("预警记录")
        verbose_name_plural = pgettext_lazy("plural", "预警记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["warning", "at"], name="warning_event_at")]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}->{self.to_state}"


class CountyWarningSettings(models.Model):
    """A county's overrides of the warning timings (``warnings.deadlines.WarningSettings`` defaults)."""

    county = models.OneToOneField(
        Region,
        on_delete=models.CASCADE,
        related_name="warning_settings",
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    values = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("县级预警时限")
        verbose_name_plural = pgettext_lazy("plural", "县级预警时限")

    def __str__(self) -> str:
        return str(self.county)


class LifeEvent(models.Model):
    """Something that happened to a child and calls for an earlier rescreen (SCREENING.md section 7)."""

    class Kind(models.TextChoices):
        PARENT_LEFT_AGAIN = "parent_left_again", _("父母春节后再次外出")
        BULLYING_REPORT = "bullying_report", _("有被欺凌的报告")
        BEREAVEMENT = "bereavement", _("亲人离世")
        BOARDING_START = "boarding_start", _("开始寄宿")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="life_events")
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("发生日期"))
    note = EncryptedTextField(_("说明"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("生活事件")
        verbose_name_plural = pgettext_lazy("plural", "生活事件")
        ordering = ["-occurred_on"]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_on}"


class RescreenDue(models.Model):
    """A contact or rescreen a child is due for: from a warning's tier schedule or a life event."""

    class Kind(models.TextChoices):
        CONTACT = "contact", _("联系孩子")
        RESCREEN = "rescreen", _("复筛")

    class Status(models.TextChoices):
        PENDING = "pending", _("待完成")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="rescreens")
    warning = models.ForeignKey(
        Warning, null=True, blank=True, on_delete=models.CASCADE, related_name="rescreens"
    )
    life_event = models.ForeignKey(
        LifeEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="rescreens"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.RESCREEN)
    tier = models.CharField(max_length=10, choices=TIER_CHOICES, blank=True)  # the tier it was planned from
    reason = models.CharField(_("原因"), max_length=200)
    earliest_on = models.DateField(_("最早日期"))
    due_on = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    done_assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("复筛安排")
        verbose_name_plural = pgettext_lazy("plural", "复筛安排")
        ordering = ["due_on"]
        indexes = [models.Index(fields=["status", "due_on"], name="rescreen_status_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.due_on} {self.status}"
