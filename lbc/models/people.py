from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lbc.crypto import EncryptedTextField

from .regions import Region, RegionLocated
from .schools import School, SchoolClass


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        SOCIAL = "social", _("社会组织")
        COMPANY = "company", _("企业")
        UNIVERSITY = "university", _("高校")
        GOVERNMENT = "government", _("政府部门")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    city = models.CharField(_("所在城市"), max_length=60, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("所在区划")
    )

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = pgettext_lazy("plural", "组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Household(RegionLocated):
    """The family home; siblings share it, and so do their parents."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": Region.Level.VILLAGE},
        verbose_name=_("所在村/社区"),
    )
    address = EncryptedTextField(_("家庭住址"), blank=True, default="")

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = pgettext_lazy("plural", "家庭")

    def __str__(self) -> str:
        return str(_("家庭 %(id)s") % {"id": str(self.public_id)[:8]})

    def save(self, *args: object, **kwargs: object) -> None:
        self.set_region_ids(self.village)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day`` of someone born on ``birth`` (a birthday counts from the day itself)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class Child(RegionLocated):
    """A registered child (一人一档). Region ids are those of the household village."""

    class IdAbsentReason(models.TextChoices):
        NOT_ISSUED = "not_issued", _("尚未办理户籍/身份证")
        UNKNOWN = "unknown", _("监护人不知道")
        PENDING = "pending", _("正在核实")
        REFUSED = "refused", _("监护人拒绝提供")

    class LeftBehindType(models.TextChoices):
        BOTH_AWAY = "both_away", _("父母双方外出务工")
        ONE_AWAY_OTHER_UNABLE = "one_away_other_unable", _("一方外出，另一方无监护能力")
        ONE_AWAY = "one_away", _("一方外出务工")

    class ContactFrequency(models.TextChoices):
        WEEKLY = "weekly", _("每周至少一次")
        MONTHLY = "monthly", _("每月至少一次")
        QUARTERLY = "quarterly", _("每季度")
        YEARLY = "yearly", _("半年到一年一次")
        NEVER = "never", _("几乎没有联系")

    class CareArrangement(models.TextChoices):
        GRANDPARENTS = "grandparents", _("祖父母照料")
        RELATIVES = "relatives", _("其他亲属照料")
        SELF = "self", _("自己或兄弟姐妹照料")
        OTHER_PARENT = "other_parent", _("另一方父母（无监护能力）")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        RETURNED = "returned", _("父母已返乡")
        MOVED = "moved", _("已迁出")
        AGED_OUT = "aged_out", _("已满16周岁")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    family_name = models.CharField(_("姓"), max_length=20)
    given_name = models.CharField(_("名"), max_length=30)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number = EncryptedTextField(_("身份证号码"), blank=True, default="")
    id_number_index = models.CharField(max_length=80, null=True, blank=True, unique=True, editable=False)
    id_absent_reason = models.CharField(
        _("无身份证号原因"), max_length=20, choices=IdAbsentReason.choices, blank=True
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="children", verbose_name=_("家庭")
    )
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("户籍村/社区"),
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("学校"),
    )
    school_class = models.ForeignKey(
        SchoolClass,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("班级"),
    )
    grade = models.PositiveSmallIntegerField(_("年级"), null=True, blank=True)
    boarding = models.BooleanField(_("寄宿"), default=False)
    left_behind_type = models.CharField(_("留守类型"), max_length=30, choices=LeftBehindType.choices)
    separation_start = models.DateField(_("开始与父母分离"), null=True, blank=True)
    parent_contact = models.CharField(_("与父母联系频率"), max_length=20, choices=ContactFrequency.choices)
    care_arrangement = models.CharField(_("照料方式"), max_length=20, choices=CareArrangement.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    # Latest screening tier (screening app), kept in the same transaction as the assessment.
    latest_tier = models.CharField(_("最近预警等级"), max_length=10, blank=True, default="", db_index=True)
    latest_tier_on = models.DateField(_("最近筛查日期"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("核实人"),
    )
    confirmed_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    # When the reminder to ask the child's own consent at 14 was queued (lbc.lifecycle); None: not yet.
    own_consent_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("儿童")
        verbose_name_plural = pgettext_lazy("plural", "儿童")
        ordering = ["family_name", "given_name"]
        permissions = [
            ("volunteer_child", "Assigned volunteer"),
            ("referral_child", "Referred counsellor"),
            ("breakglass_child", "Emergency access"),
        ]
        indexes = [
            models.Index(fields=["township", "status"]),
            models.Index(fields=["county", "status"]),
            models.Index(fields=["village", "status"]),
            models.Index(fields=["school", "grade"]),
            models.Index(fields=["family_name", "given_name"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id_number_index__isnull=False) | ~models.Q(id_absent_reason=""),
                name="child_id_number_or_reason",
            ),
        ]

    def __str__(self) -> str:
        # Deliberately the given name only: __str__ leaks into choice lists and logs.
        return self.given_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name}{self.given_name}"

    def age_on(self, day: dt.date) -> int:
        """Age in whole years on ``day`` (a birthday counts from the day itself)."""
        return age_on(self.birth_date, day)

    def save(self, *args: object, **kwargs: object) -> None:
        self.set_region_ids(self.village)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Guardian(RegionLocated):
    """A caregiver (often a grandparent, 委托照护人); may care for several children."""

    class Education(models.TextChoices):
        NONE = "none", _("未上过学")
        PRIMARY = "primary", _("小学")
        JUNIOR = "junior", _("初中")
        SENIOR = "senior", _("高中/中专")
        HIGHER = "higher", _("大专及以上")

    class Health(models.TextChoices):
        GOOD = "good", _("良好")
        CHRONIC = "chronic", _("慢性病")
        DISABLED = "disabled", _("残疾或失能")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("姓名"), max_length=40)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    education = models.CharField(_("文化程度"), max_length=20, choices=Education.choices, blank=True)
    health = models.CharField(_("健康状况"), max_length=20, choices=Health.choices, blank=True)
    can_read = models.BooleanField(_("能阅读通知"), default=True)
    phone = EncryptedTextField(_("电话"), blank=True, default="")
    phone_index = models.CharField(max_length=80, blank=True, default="", db_index=True, editable=False)
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("居住村/社区"),
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    dialect_note = models.CharField(_("方言/沟通说明"), max_length=100, blank=True)
    children: models.ManyToManyField[Child, ChildGuardian] = models.ManyToManyField(
        Child, through="ChildGuardian", related_name="guardians"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("监护人/照料人")
        verbose_name_plural = pgettext_lazy("plural", "监护人/照料人")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.set_region_ids(self.village)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ChildGuardian(models.Model):
    class Relationship(models.TextChoices):
        GRANDFATHER_PATERNAL = "grandfather_p", _("祖父")
        GRANDMOTHER_PATERNAL = "grandmother_p", _("祖母")
        GRANDFATHER_MATERNAL = "grandfather_m", _("外祖父")
        GRANDMOTHER_MATERNAL = "grandmother_m", _("外祖母")
        FATHER = "father", _("父亲")
        MOTHER = "mother", _("母亲")
        RELATIVE = "relative", _("其他亲属")
        OTHER = "other", _("其他")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="guardian_links")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="child_links")
    relationship = models.CharField(_("与儿童关系"), max_length=20, choices=Relationship.choices)
    is_primary = models.BooleanField(_("主要照料人"), default=False)
    is_legal_guardian = models.BooleanField(_("法定监护人"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "guardian"], name="unique_child_guardian")]

    def __str__(self) -> str:
        return self.get_relationship_display()


class Parent(models.Model):
    """A parent of the household's children, usually working away (外出务工)."""

    class Role(models.TextChoices):
        FATHER = "father", _("父亲")
        MOTHER = "mother", _("母亲")

    class ReturnPeriod(models.TextChoices):
        SPRING_FESTIVAL = "spring_festival", _("春节")
        HARVEST = "harvest", _("农忙")
        SUMMER = "summer", _("暑假")
        RARELY = "rarely", _("很少回家")
        AT_HOME = "at_home", _("在家")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="parents")
    role = models.CharField(_("身份"), max_length=10, choices=Role.choices)
    name = models.CharField(_("姓名"), max_length=40)
    works_away = models.BooleanField(_("外出务工"), default=True)
    work_city = models.CharField(_("务工城市"), max_length=60, blank=True)
    employer = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("工作单位"),
    )
    employer_name = models.CharField(_("工作单位名称"), max_length=120, blank=True)
    phone = EncryptedTextField(_("电话"), blank=True, default="")
    phone_index = models.CharField(max_length=80, blank=True, default="", db_index=True, editable=False)
    return_period = models.CharField(
        _("通常返乡时间"), max_length=20, choices=ReturnPeriod.choices, blank=True
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("父母")
        verbose_name_plural = pgettext_lazy("plural", "父母")

    def __str__(self) -> str:
        return self.get_role_display()


class Volunteer(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer")
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteers",
        verbose_name=_("所属组织"),
    )
    phone = EncryptedTextField(_("电话"), blank=True, default="")
    valid_until = models.DateField(_("服务截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = pgettext_lazy("plural", "志愿者")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()
