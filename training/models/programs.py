"""What is taught and when: audiences, programs with their materials and questionnaires, venues,
sessions and repeating series."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lbc.models import Organisation, Region, School
from training.storage import material_storage


class Audience(models.TextChoices):
    PARENTS = "parents", _("家长")
    GRANDPARENTS = "grandparents", _("祖辈")
    TEACHERS = "teachers", _("教师")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    VOLUNTEERS = "volunteers", _("志愿者")


class Questionnaire(models.Model):
    """A short pre/post questionnaire: every item on the same scale, scored as the sum of the items."""

    class Scale(models.TextChoices):
        ONE_TO_FIVE = "1-5", _("1-5分")
        ZERO_TO_THREE = "0-3", _("0-3分")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The county whose trainers and administrators keep it; NULL only for questionnaires made before
    # counties kept their own (no program of a county used them), which no page shows.
    county = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属县"),
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    name = models.CharField(_("问卷名称"), max_length=100)
    scale = models.CharField(_("计分方式"), max_length=3, choices=Scale.choices)
    # Items are frozen once answers exist; a change is then a copy with the next version number.
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("上一版")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训问卷")
        verbose_name_plural = pgettext_lazy("plural", "培训问卷")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def scale_range(self) -> tuple[int, int]:
        low, high = self.scale.split("-")
        return int(low), int(high)


class QuestionnaireItem(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(_("题号"))
    text = models.CharField(_("题目"), max_length=200)

    class Meta:
        verbose_name = _("问卷题目")
        verbose_name_plural = pgettext_lazy("plural", "问卷题目")
        ordering = ["questionnaire", "number"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="unique_questionnaire_item")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


class Program(models.Model):
    class Level(models.TextChoices):
        GOVERNMENT = "government", _("政府主办")
        PURCHASED = "purchased", _("政府购买服务")
        VOLUNTEER = "volunteer", _("志愿服务")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    county = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属县"),
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    name = models.CharField(_("项目名称"), max_length=100)
    description = models.TextField(_("简介"), blank=True)
    audience = models.CharField(_("培训对象"), max_length=20, choices=Audience.choices)
    level = models.CharField(_("实施层级"), max_length=12, choices=Level.choices)
    # Purchased services: who delivers, under which contract.
    provider = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("服务提供机构"),
    )
    contract_number = models.CharField(_("合同编号"), max_length=60, blank=True)
    contract_starts_on = models.DateField(_("合同开始日期"), null=True, blank=True)
    contract_ends_on = models.DateField(_("合同结束日期"), null=True, blank=True)
    topics = models.JSONField(_("主题"), default=list, blank=True)  # ["隔代教育", "情绪识别", ...]
    session_minutes = models.PositiveSmallIntegerField(
        _("每次时长（分钟）"), default=90, validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name=_("前后测问卷"),
    )
    active = models.BooleanField(_("在用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训项目")
        verbose_name_plural = pgettext_lazy("plural", "培训项目")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(level="purchased")
                | (
                    Q(provider__isnull=False)
                    & ~Q(contract_number="")
                    & Q(contract_starts_on__isnull=False)
                    & Q(contract_ends_on__isnull=False)
                ),
                name="training_purchased_program_has_contract",
            ),
            models.CheckConstraint(
                condition=Q(contract_ends_on__isnull=True)
                | Q(contract_starts_on__isnull=True)
                | Q(contract_ends_on__gte=models.F("contract_starts_on")),
                name="training_contract_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Material(models.Model):
    """An uploaded handout, handbook or recording of a program, served only through an access check."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("标题"), max_length=120)
    file = models.FileField(_("文件"), storage=material_storage, upload_to="materials/%Y/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训资料")
        verbose_name_plural = pgettext_lazy("plural", "培训资料")
        ordering = ["program", "title"]

    def __str__(self) -> str:
        return self.title


class Venue(models.Model):
    class Kind(models.TextChoices):
        VILLAGE_HALL = "village_hall", _("村委会/活动室")
        SCHOOL = "school", _("学校")
        EMPLOYER_SITE = "employer_site", _("务工企业")
        REMOTE = "remote", _("线上")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("场地名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    # A village or township of the county; for remote "venues" the county itself. Employer sites far
    # away (in the city where parents work) belong to the county that runs the training.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区划"))
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("学校")
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("企业/组织"),
    )
    address = models.CharField(_("地址或会议链接说明"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("可容纳人数"), validators=[MinValueValidator(1)])
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("培训场地")
        verbose_name_plural = pgettext_lazy("plural", "培训场地")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        county_id = self.region.ancestor_at(Region.Level.COUNTY)
        if county_id is None:
            raise ValueError("A venue must lie in a county, township or village.")
        self.county_id = county_id
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class SessionSeries(models.Model):
    """Sessions created together as a repeating class (e.g. weekly for six weeks)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="series")
    every_days = models.PositiveSmallIntegerField(_("间隔天数"))
    occurrences = models.PositiveSmallIntegerField(_("次数"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("系列课程")
        verbose_name_plural = pgettext_lazy("plural", "系列课程")

    def __str__(self) -> str:
        return str(self.program)


class Session(models.Model):
    class Format(models.TextChoices):
        VILLAGE = "village", _("村里面授")
        SCHOOL = "school", _("学校面授")
        EMPLOYER = "employer", _("务工企业面授")
        REMOTE = "remote", _("线上")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("已排期")
        CANCELLED = "cancelled", _("已取消")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="sessions")
    series = models.ForeignKey(
        SessionSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("场地")
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="training_sessions", verbose_name=_("培训师")
    )
    capacity = models.PositiveIntegerField(_("名额"), validators=[MinValueValidator(1)])
    # Enrolled (not waiting, not cancelled) people; changed only by training.enrolment under a lock.
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    audience = models.CharField(_("培训对象"), max_length=20, choices=Audience.choices)
    format = models.CharField(_("形式"), max_length=10, choices=Format.choices)
    literacy_note = models.CharField(_("识字情况说明"), max_length=200, blank=True)
    dialect_note = models.CharField(_("方言说明"), max_length=100, blank=True)
    # Whose guardians are invited: villages (village halls) and schools (school sessions).
    villages = models.ManyToManyField(
        Region,
        blank=True,
        related_name="+",
        verbose_name=_("面向的村/社区"),
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    schools = models.ManyToManyField(School, blank=True, related_name="+", verbose_name=_("面向的学校"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训场次")
        verbose_name_plural = pgettext_lazy("plural", "培训场次")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["county", "starts_at"]), models.Index(fields=["venue", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="training_session_ordered"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=models.F("capacity")), name="training_session_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.starts_at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.county_id = self.venue.county_id
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def hours(self) -> Decimal:
        return (Decimal((self.ends_at - self.starts_at).total_seconds()) / Decimal(3600)).quantize(
            Decimal("0.1")
        )
