from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .regions import Region, RegionLocated


class School(RegionLocated):
    class Kind(models.TextChoices):
        PRIMARY = "primary", _("小学")
        JUNIOR = "junior", _("初中")
        NINE_YEAR = "nine_year", _("九年一贯制学校")
        SENIOR = "senior", _("高中")
        TEACHING_POINT = "teaching_point", _("教学点")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("学校名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="schools",
        verbose_name=_("所在乡镇或村"),
        limit_choices_to={"level__in": [Region.Level.TOWNSHIP, Region.Level.VILLAGE]},
    )
    has_boarding = models.BooleanField(_("有寄宿"), default=False)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = pgettext_lazy("plural", "学校")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.set_region_ids(self.region)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class SchoolClass(models.Model):
    """A class (班) of a school in a school year, e.g. 2026 intake, grade 5, class 2."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes")
    school_year = models.PositiveSmallIntegerField(_("学年"))
    grade = models.PositiveSmallIntegerField(_("年级"))
    name = models.CharField(_("班级"), max_length=30)

    class Meta:
        verbose_name = _("班级")
        verbose_name_plural = pgettext_lazy("plural", "班级")
        ordering = ["school", "grade", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "grade", "name"], name="unique_school_class"
            ),
        ]

    def __str__(self) -> str:
        return _("%(grade)s年级%(name)s") % {"grade": self.grade, "name": self.name}
