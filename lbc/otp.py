"""Second factor policy: TOTP (django-otp) for the roles that can see the most."""

from __future__ import annotations

from django.conf import settings

from lbc.access import UserLike, scope_of
from lbc.models import Role

# SECURITY.md: county administrators and counsellors must use a second factor.
ROLES_REQUIRING_OTP = frozenset({Role.COUNTY_ADMIN, Role.COUNSELLOR})


def otp_required(user: UserLike) -> bool:
    if not settings.LBC_REQUIRE_OTP or not user.is_authenticated:
        return False
    return bool(scope_of(user).roles() & ROLES_REQUIRING_OTP)


def otp_satisfied(user: UserLike) -> bool:
    return not otp_required(user) or bool(getattr(user, "is_verified", lambda: False)())
