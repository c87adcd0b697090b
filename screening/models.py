"""The psychological database: campaigns, assessments (one child, one occasion) and their responses.

Raw answers are encrypted (highest tier); scores, bands and the tier are plaintext columns so the
county can count and trend them. Every response keeps its instrument code and version, so any
history can be re-scored with the definition it was answered on.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lbc.crypto import EncryptedTextField
from lbc.models import Child, Consent, Region, School


class Tier(models.TextChoices):
    RED_ACUTE = "RED_ACUTE", _("红色（紧急）")
    RED = "RED", _("红色")
    ORANGE = "ORANGE", _("橙色")
    YELLOW = "YELLOW", _("黄色")
    GREEN = "GREEN", _("绿色")
    GREY = "GREY", _("灰色（需重测）")


class Campaign(models.Model):
    """A school's screening round: which grades answer which instruments, and when."""

    class Term(models.IntegerChoices):
        AUTUMN = 1, _("第一学期")
        SPRING = 2, _("第二学期")

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("学校")
    )
    name = models.CharField(_("名称"), max_length=100)
    school_year = models.PositiveSmallIntegerField(_("学年（开始年份）"))
    term = models.PositiveSmallIntegerField(_("学期"), choices=Term.choices)
    grades = models.JSONField(_("年级"), default=list)
    # [{"code": "PHQ-9", "version": "1.0"}, ...]: the exact definitions the campaign uses.
    instruments = models.JSONField(_("量表"), default=list)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("筛查批次")
        verbose_name_plural = pgettext_lazy("plural", "筛查批次")
        ordering = ["-starts_on", "school__name"]

    def __str__(self) -> str:
        return self.name

    def instrument_keys(self) -> list[tuple[str, str]]:
        return [(str(i["code"]), str(i["version"])) for i in self.instruments]


class Assessment(models.Model):
    """One child's screening on one occasion: the instruments answered together and the tier they give."""

    class Mode(models.TextChoices):
        PAPER = "paper", _("纸质问卷录入")
        SELF_REPORT = "self_report", _("平板/手机自评（有人陪同）")
        IMPORT = "import", _("批量导入")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="assessments")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    # Denormalised for statistics and scoped counts without joining the child.
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    administered_on = models.DateField(_("施测日期"))
    mode = models.CharField(_("方式"), max_length=12, choices=Mode.choices)
    age = models.PositiveSmallIntegerField(_("施测时年龄"))
    sex = models.CharField(max_length=1)
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    tier = models.CharField(_("预警等级"), max_length=10, choices=Tier.choices, db_index=True)
    reasons = models.JSONField(default=list)
    action = models.CharField(_("需要的行动"), max_length=300)
    deadline = models.CharField(_("响应时限"), max_length=200)
    context_score = models.PositiveSmallIntegerField(_("关注度"))
    context_factors = models.JSONField(default=list)
    critical = models.BooleanField(_("有危机条目"), default=False, db_index=True)
    consent = models.ForeignKey(Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    consent_by_caregiver = models.BooleanField(_("由委托照护人同意"), default=False)
    child_assent = models.BooleanField(_("儿童本人同意"), null=True, blank=True)
    import_batch = models.ForeignKey(
        "ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    # sha256 of the imported row (campaign + child + answers): re-importing the same row adds nothing.
    source_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 NULL: not imported
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rescored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("筛查记录")
        verbose_name_plural = pgettext_lazy("plural", "筛查记录")
        ordering = ["-administered_on", "-created_at"]
        indexes = [
            models.Index(fields=["child", "administered_on"]),
            models.Index(fields=["campaign", "tier"]),
            models.Index(fields=["township", "administered_on"]),
            models.Index(fields=["county", "administered_on"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "source_key"], name="unique_imported_row"),
        ]

    def __str__(self) -> str:
        return f"{self.administered_on} {self.tier}"


class Response(models.Model):
    """One instrument's answers within an assessment, with the scores they gave."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    instrument_code = models.CharField(max_length=20)
    instrument_version = models.CharField(max_length=10)
    answers = EncryptedTextField()  # JSON {"1": 0, "2": 3, ...}; missing items absent
    seconds = models.FloatField(null=True, blank=True)
    total = models.SmallIntegerField(null=True, blank=True)  # None: incomplete, never zero
    subscales = models.JSONField(default=dict)  # {"panic": 7, "social": None, ...}
    bands = models.JSONField(default=dict)  # {"total": "moderate", ...}
    critical_items = models.JSONField(default=list)
    validity = models.JSONField(default=list)  # validity codes
    missing_items = models.JSONField(default=list)
    valid = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("量表作答")
        verbose_name_plural = pgettext_lazy("plural", "量表作答")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "instrument_code"], name="one_response_per_instrument"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.instrument_version}"


class Rescore(models.Model):
    """History of a re-scoring: what the assessment was before and after (e.g. new county thresholds)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="rescores")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=200)
    old_tier = models.CharField(max_length=10, choices=Tier.choices)
    new_tier = models.CharField(max_length=10, choices=Tier.choices)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.old_tier} -> {self.new_tier}"


class CountyThresholds(models.Model):
    """A county's overrides of the default tier thresholds and deadlines (screening.tiers.Thresholds)."""

    county = models.OneToOneField(
        Region,
        on_delete=models.CASCADE,
        related_name="screening_thresholds",
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    values = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("县级预警阈值")
        verbose_name_plural = pgettext_lazy("plural", "县级预警阈值")

    def __str__(self) -> str:
        return str(self.county)


class ImportBatch(models.Model):
    """An uploaded whole-grade file: validated completely before anything is written."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("正在检查")
        INVALID = "invalid", _("有错误，未导入")
        READY = "ready", _("检查通过，待确认导入")
        COMMITTING = "committing", _("正在导入")
        COMMITTED = "committed", _("已导入")
        FAILED = "failed", _("导入失败，未写入任何数据")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="imports")
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    stored_file = models.CharField(max_length=300, blank=True)  # path under MEDIA_ROOT, deleted after commit
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.VALIDATING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    total_rows = models.PositiveIntegerField(default=0)
    excluded_rows = models.JSONField(default=list)
    # Problems list: [{"sheet", "row", "column", "value", "message"}]; holds answers, so encrypted.
    report = EncryptedTextField(blank=True, default="")
    created_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = pgettext_lazy("plural", "导入批次")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["campaign", "sha256"], name="one_import_per_file")]

    def __str__(self) -> str:
        return self.filename


# --- early warnings (issue 4) ------------------------------------------------------------------------
# The transition map and every service that changes these rows live in screening/warnings.py.


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
    tier = models.CharField(_("预警等级"), max_length=10, choices=Tier.choices, db_index=True)
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
    from_tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    to_tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
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
    """A county's overrides of the warning timings (screening.deadlines.WarningSettings defaults)."""

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
    tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)  # the tier it was planned from
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


class ResponderProfile(models.Model):
    """What the allocation needs to know about a counsellor or volunteer: qualification, capacity, base.

    ``weekly_capacity`` is the number of open cases the person can carry in a week; cases already
    assigned to them use up slots until they are closed.
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


# Interventions on warnings have their own module; imported here so Django registers the models.
from .models_interventions import (  # noqa: E402, F401
    GuardianContact,
    InterventionSession,
    Referral,
    SafetyPlan,
    SignOff,
)
