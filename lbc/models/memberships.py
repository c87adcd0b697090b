from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .regions import Region
from .schools import School, SchoolClass


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("县级管理员")
    TOWNSHIP_SUPERVISOR = "township_supervisor", _("乡镇儿童督导员")
    VILLAGE_DIRECTOR = "village_director", _("村儿童主任")
    COUNSELLOR = "counsellor", _("学校心理教师")
    HEAD_TEACHER = "head_teacher", _("班主任")
    TRAINER = "trainer", _("培训师")
    VOLUNTEER = "volunteer", _("志愿者")


# Which kind of scope each role takes. Volunteers have no scope: they see only assigned children.
SCOPE_KIND: dict[str, str] = {
    Role.COUNTY_ADMIN: "county",
    Role.TOWNSHIP_SUPERVISOR: "township",
    Role.VILLAGE_DIRECTOR: "village",
    Role.COUNSELLOR: "school",
    Role.HEAD_TEACHER: "class",
    Role.TRAINER: "county",
    Role.VOLUNTEER: "none",
}
LEVEL_OF_KIND = {
    "county": Region.Level.COUNTY,
    "township": Region.Level.TOWNSHIP,
    "village": Region.Level.VILLAGE,
}


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self, on: dt.date | None = None) -> MembershipQuerySet:
        today = on or timezone.localdate()
        return self.filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=today), valid_from__lte=today
        )


class Membership(models.Model):
    """A user holds a role at a scope. Roles are rows; capabilities live in lbc/access.py."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("区划范围"),
    )
    school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("学校"),
    )
    school_class = models.ForeignKey(
        SchoolClass,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("班级"),
    )
    valid_from = models.DateField(_("生效日期"), default=timezone.localdate)
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = pgettext_lazy("plural", "角色授权")
        ordering = ["user", "role"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.scope_label()}"

    def scope_label(self) -> str:
        if self.school_class is not None:
            return f"{self.school_class.school} {self.school_class}"
        if self.school_id:
            return str(self.school)
        if self.region_id:
            return str(self.region)
        return str(_("仅限指派对象"))

    def clean(self) -> None:
        kind = SCOPE_KIND.get(self.role)
        if kind in LEVEL_OF_KIND:
            if self.region is None or self.region.level != LEVEL_OF_KIND[kind]:
                raise ValidationError(
                    {
                        "region": _("该角色的范围必须是一个%(level)s。")
                        % {"level": Region.Level(LEVEL_OF_KIND[kind]).label}
                    }
                )
            if self.school_id or self.school_class_id:
                raise ValidationError(_("该角色按区划授权，不应指定学校或班级。"))
        elif kind == "school":
            if self.school is None or self.region_id or self.school_class_id:
                raise ValidationError({"school": _("心理教师的范围必须是一所学校。")})
        elif kind == "class":
            if self.school_class is None:
                raise ValidationError({"school_class": _("班主任的范围必须是一个班级。")})
            self.school = self.school_class.school
        elif self.region_id or self.school_id or self.school_class_id:
            raise ValidationError(_("志愿者没有区划范围，只能看到指派给他的儿童。"))
        if self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("失效日期不能早于生效日期。")})
