"""Screening rounds, assessments (one child, one occasion), their responses, re-scores, county
thresholds and import batches."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lbc.crypto import EncryptedTextField
from lbc.models import Child, Consent, Region, School
from screening.scoring.tiers import TIER_CHOICES


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
    tier = models.CharField(_("预警等级"), max_length=10, choices=TIER_CHOICES, db_index=True)
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
    old_tier = models.CharField(max_length=10, choices=TIER_CHOICES)
    new_tier = models.CharField(max_length=10, choices=TIER_CHOICES)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.old_tier} -> {self.new_tier}"


class CountyThresholds(models.Model):
    """A county's overrides of the default tier thresholds and deadlines (`scoring.tiers.Thresholds`)."""

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
