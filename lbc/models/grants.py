from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import UserObjectPermissionBase

from .people import Child


class ChildGrant(UserObjectPermissionBase):
    """An explicit per-object grant on one child (django-guardian direct-foreign-key model).

    Used only for what region scope cannot express: a volunteer's assignment, a referral to a
    counsellor of another school, and time-boxed break-the-glass access with a written reason.
    Read only through lbc/access.py.
    """

    content_object = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="grants")
    reason = models.TextField(_("理由"), blank=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True, db_index=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("单个儿童授权")
        verbose_name_plural = pgettext_lazy("plural", "单个儿童授权")
        indexes = [models.Index(fields=["user", "permission", "content_object"])]


class Referral(models.Model):
    """A counsellor hands a child of their school to a counsellor of another school of the county.

    Accepting creates a time-boxed ``referral_child`` grant for the receiving counsellor.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待接收")
        ACCEPTED = "accepted", _("已接收")
        DECLINED = "declined", _("已拒绝")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="referrals")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("理由"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    grant = models.OneToOneField(
        ChildGrant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("转介")
        verbose_name_plural = pgettext_lazy("plural", "转介")
        indexes = [models.Index(fields=["to_user", "status"])]

    def __str__(self) -> str:
        return f"referral {self.public_id}"
