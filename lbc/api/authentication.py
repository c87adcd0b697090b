"""API tokens that end: after ``LBC_API_TOKEN_HOURS``, at a password change, at deactivation, on request.

DRF's own tokens never expire and outlive a password change (security review, low findings).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def token_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=settings.LBC_API_TOKEN_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token.created + token_lifetime() <= timezone.now():
            token.delete()
            raise AuthenticationFailed(_("API令牌已过期，请重新获取。"))
        return user, token


def issue_token(user: Any) -> Token:
    """A fresh token for ``user``; the one it held before (if any) stops working."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="lbc.api.revoke_token_on_password_change")
def revoke_token_on_password_change(
    sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any
) -> None:
    """Whatever path changes a password (own change, reset code, admin), the API token ends with it."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()
