from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PasswordResetCode(models.Model):
    """A one-time code an administrator issues so a user can set a new password without email.

    Only a hash is stored (Django's password hashers); a code is spent by its first use and dead
    after ``expires_at``. Issuing a new code voids the user's earlier unused ones.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reset_codes")
    code_hash = models.CharField(max_length=200)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("密码重置码")
        verbose_name_plural = pgettext_lazy("plural", "密码重置码")

    def __str__(self) -> str:
        return f"reset code #{self.pk}"  # never the code
