"""A child's move to another school or home village within the county: one row per move, never edited."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .people import Child
from .regions import Region
from .schools import School, SchoolClass


class ChildTransfer(models.Model):
    """Where the child was and where the child went (school, class, home village), when and by whom."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="transfers")
    moved_on = models.DateField(_("迁移日期"))
    from_village = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("原户籍村/社区")
    )
    to_village = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("新户籍村/社区")
    )
    from_school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("原学校")
    )
    to_school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("新学校")
    )
    from_class = models.ForeignKey(
        SchoolClass,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("原班级"),
    )
    to_class = models.ForeignKey(
        SchoolClass,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("新班级"),
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("办理人"),
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("转学/迁移记录")
        verbose_name_plural = pgettext_lazy("plural", "转学/迁移记录")
        ordering = ["-moved_on", "-at"]

    def __str__(self) -> str:
        return str(self.moved_on)
