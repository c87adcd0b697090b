"""Second factor policy: TOTP (django-otp) for the roles that can see the most."""

from __future__ import annotations

from django.conf import settings

from lbc.access import Can, UserLike, scope_of

# SECURITY.md: county administrators, township supervisors and counsellors must use a second factor
# (``Can.SECOND_FACTOR``): each sees scores or colours of many children, or handles mandatory reports.
# So must the system administrator (a superuser: the Django admin appoints county administrators).


def otp_required(user: UserLike) -> bool:
    if not settings.LBC_REQUIRE_OTP or not user.is_authenticated:
        return False
    return bool(getattr(user, "is_superuser", False)) or scope_of(user).can(Can.SECOND_FACTOR)


def otp_satisfied(user: UserLike) -> bool:
    return not otp_required(user) or bool(getattr(user, "is_verified", lambda: False)())
