"""Writes of county administrators: accounts, memberships and the county's structure.

Each function is atomic and writes an audit event (``lbc.user.created``, ``lbc.membership.ended``,
``lbc.region.created``, ``lbc.school.updated``, ...). Audit details hold ids and codes only.
Callers check scope first (lbc/access.py); these functions enforce the rules that hold everywhere.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from lbc import audit
from lbc.access import Can, capabilities_of, roles_with
from lbc.models import Membership, Organisation, PasswordResetCode, Region, School, SchoolClass, Volunteer

from .errors import DomainError

_AUDIT_NOUNS: dict[type[Model], str] = {
    Region: "region", School: "school", SchoolClass: "school_class", Organisation: "organisation",
}


@transaction.atomic
def save_county_record(obj: Model, *, by: Any, fields: Iterable[str] = (), request: Any = None) -> Model:
    """Create or update a region, school, class or organisation. A new region's level follows its parent."""
    creating = obj.pk is None
    if isinstance(obj, Region) and creating:
        if obj.parent is None:
            raise DomainError(_("请选择上级区划。"))
        obj.level = obj.parent.level + 1
    obj.save()
    noun = _AUDIT_NOUNS[type(obj)]
    audit.record(f"lbc.{noun}.{'created' if creating else 'updated'}", actor=by, request=request, obj=obj,
                 detail={"fields": sorted(fields)})
    return obj


# --- users --------------------------------------------------------------------------------------


@transaction.atomic
def create_user(*, username: str, full_name: str, password: str, membership: Membership, by: Any,
                organisation: Organisation | None = None, request: Any = None) -> Any:
    """A new account together with its first membership (an account without one would belong nowhere)."""
    user = get_user_model()(username=username, first_name=full_name)
    user.set_password(password)
    user.save()
    audit.record("lbc.user.created", actor=by, request=request, obj=user, detail={"role": membership.role})
    membership.user = user
    create_membership(membership, by=by, organisation=organisation, request=request)
    return user


@transaction.atomic
def deactivate_user(user: Any, *, by: Any, request: Any = None) -> Any:
    """Stop an account: no login, no API token, and its open sessions end (they are deleted)."""
    if user.pk == by.pk:
        raise DomainError(_("不能停用自己的账号，请由另一位管理员操作。"))
    if not user.is_active:
        raise DomainError(_("该账号已经停用。"))
    user.is_active = False
    user.is_staff = False
    user.save(update_fields=["is_active", "is_staff"])
    Token.objects.filter(user=user).delete()
    sessions = end_sessions(user)
    audit.record("lbc.user.deactivated", actor=by, request=request, obj=user, detail={"sessions": sessions})
    return user


@transaction.atomic
def reactivate_user(user: Any, *, by: Any, request: Any = None) -> Any:
    """Enable a stopped account again; what it may do still follows its current memberships."""
    if user.is_active:
        raise DomainError(_("该账号没有停用。"))
    user.is_active = True
    user.save(update_fields=["is_active"])
    _sync_staff(user)
    audit.record("lbc.user.reactivated", actor=by, request=request, obj=user)
    return user


def end_sessions(user: Any) -> int:
    """Delete the stored sessions of a user (database sessions: each is decoded to find its owner)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


# --- passwords and second factors ---------------------------------------------------------------

RESET_CODE_VALIDITY = dt.timedelta(hours=24)
# No 0/O, 1/I/L: the code is read off a printed sheet and typed on a phone.
RESET_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RESET_CODE_LENGTH = 12


def normalise_reset_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def format_reset_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@transaction.atomic
def change_password(user: Any, *, new_password: str, request: Any = None) -> Any:
    """Set a password the caller has validated (old password and Django's validators)."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record("lbc.user.password_changed", actor=user, request=request, obj=user)
    return user


@transaction.atomic
def issue_reset_code(user: Any, *, by: Any, request: Any = None) -> tuple[str, PasswordResetCode]:
    """A new one-time code for ``user`` (shown once, stored hashed); earlier unused codes stop working."""
    if user.pk == by.pk:
        raise DomainError(_("不能为自己签发重置码，请在“我的账号”中修改密码。"))
    if not user.is_active:
        raise DomainError(_("该账号已经停用，请先重新启用。"))
    now = timezone.now()
    earlier = PasswordResetCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now)
    earlier.update(expires_at=now)
    code = "".join(secrets.choice(RESET_CODE_ALPHABET) for _n in range(RESET_CODE_LENGTH))
    row = PasswordResetCode.objects.create(
        user=user, code_hash=make_password(code), issued_by=by, created_at=now,
        expires_at=now + RESET_CODE_VALIDITY,
    )
    audit.record("lbc.user.reset_code_issued", actor=by, request=request, obj=user,
                 detail={"code": row.pk, "expires_at": row.expires_at.isoformat()})
    return format_reset_code(code), row


def _matching_code(user: Any, code: str) -> PasswordResetCode | None:
    live = PasswordResetCode.objects.select_for_update().filter(
        user=user, used_at__isnull=True, expires_at__gt=timezone.now()
    )
    return next((row for row in live if check_password(code, row.code_hash)), None)


@transaction.atomic
def use_reset_code(*, username: str, code: str, new_password: str, request: Any = None) -> Any:
    """Spend a reset code on a new password. Any failure gives the same message (no account oracle).

    The caller validates ``new_password`` and counts failures against the login lockout.
    """
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        make_password(code)  # about as slow as checking a code: the answer time says nothing about the name
    row = _matching_code(user, normalise_reset_code(code)) if user is not None else None
    if user is None or row is None:
        raise DomainError(_("用户名或重置码不正确，或重置码已使用、已过期。"))
    # Spent by the first use, also against a concurrent second request for the same code.
    if PasswordResetCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now()) != 1:
        raise DomainError(_("用户名或重置码不正确，或重置码已使用、已过期。"))
    user.set_password(new_password)
    user.save(update_fields=["password"])
    end_sessions(user)
    audit.record("lbc.user.password_reset", actor=user, request=request, obj=user, detail={"code": row.pk})
    return user


@transaction.atomic
def reset_second_factor(user: Any, *, reason: str, by: Any, request: Any = None) -> int:
    """Remove a user's authenticator devices (a lost phone); the user enrols again at the next login."""
    if user.pk == by.pk:
        raise DomainError(_("不能重置自己的动态验证器，请由另一位管理员操作。"))
    if not reason.strip():
        raise DomainError(_("请填写重置的理由。"))
    removed, _detail = TOTPDevice.objects.filter(user=user).delete()
    end_sessions(user)
    audit.record("lbc.user.otp_reset", actor=by, request=request, obj=user,
                 detail={"devices": removed, "reason": reason.strip()[:500]})
    return removed


# --- memberships --------------------------------------------------------------------------------


def is_current(membership: Membership, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    started = membership.valid_from <= today
    return started and (membership.valid_until is None or membership.valid_until >= today)


def _refuse_self_lockout(membership: Membership, by: Any) -> None:
    if (membership.user_id == by.pk and capabilities_of(membership.role).allows(Can.ADMINISTER)
            and not is_current(membership)):
        raise DomainError(_("不能结束或中止自己的县级管理员授权，请由另一位管理员操作。"))


def _sync_staff(user: Any) -> None:
    """is_staff follows county-administrator memberships (it opens nothing: the admin wants superusers)."""
    staff = user.is_active and user.memberships.filter(role__in=roles_with(Can.ADMINISTER)).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate())
    ).exists()
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])


def _sync_volunteer(membership: Membership, organisation: Organisation | None) -> None:
    """A volunteer belongs to a county through the organisation on the volunteer profile."""
    if not capabilities_of(membership.role).term_limited:
        return
    defaults: dict[str, Any] = {"valid_until": membership.valid_until}
    if organisation is not None:
        defaults["organisation"] = organisation
    Volunteer.objects.update_or_create(user=membership.user, defaults=defaults)


def _after_membership_write(membership: Membership, action: str, *, by: Any, request: Any,
                            fields: Iterable[str] = ()) -> None:
    if capabilities_of(membership.role).allows(Can.ADMINISTER):
        _sync_staff(membership.user)
    audit.record(action, actor=by, request=request, obj=membership, detail={
        "user": membership.user_id, "role": membership.role, "fields": sorted(fields),
        "valid_until": membership.valid_until.isoformat() if membership.valid_until else None,
    })


@transaction.atomic
def create_membership(membership: Membership, *, by: Any, organisation: Organisation | None = None,
                      request: Any = None) -> Membership:
    volunteer = capabilities_of(membership.role).term_limited
    if volunteer and organisation is None and not Volunteer.objects.filter(
            user=membership.user_id, organisation__isnull=False).exists():
        raise DomainError(_("请选择志愿者的所属组织。"))
    membership.full_clean()
    membership.save()
    _sync_volunteer(membership, organisation)
    _after_membership_write(membership, "lbc.membership.created", by=by, request=request)
    return membership


@transaction.atomic
def update_membership(membership: Membership, *, by: Any, fields: Iterable[str],
                      request: Any = None) -> Membership:
    """Save changed validity dates (scope and role stay: a new scope is a new membership)."""
    _refuse_self_lockout(membership, by)
    membership.full_clean()
    membership.save(update_fields=["valid_from", "valid_until"])
    _sync_volunteer(membership, None)
    _after_membership_write(membership, "lbc.membership.updated", by=by, request=request, fields=fields)
    return membership


@transaction.atomic
def end_membership(membership: Membership, *, by: Any, request: Any = None) -> Membership:
    """End a membership as of yesterday, so it no longer counts today; the row stays as history."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    if membership.valid_until is not None and membership.valid_until <= yesterday:
        raise DomainError(_("该授权已经结束。"))
    membership.valid_until = yesterday
    # A membership that had not started yet ends without ever having been current.
    membership.valid_from = min(membership.valid_from, yesterday)
    _refuse_self_lockout(membership, by)
    membership.save(update_fields=["valid_from", "valid_until"])
    _sync_volunteer(membership, None)
    _after_membership_write(membership, "lbc.membership.ended", by=by, request=request)
    return membership


# --- expiry -------------------------------------------------------------------------------------

EXPIRY_NOTICE_DAYS = 14


def expiring_memberships(memberships: QuerySet[Membership],
                         today: dt.date | None = None) -> QuerySet[Membership]:
    """Current memberships that end within the next ``EXPIRY_NOTICE_DAYS`` days (volunteers: their term)."""
    today = today or timezone.localdate()
    return memberships.filter(
        valid_from__lte=today, valid_until__gte=today,
        valid_until__lte=today + dt.timedelta(days=EXPIRY_NOTICE_DAYS),
    ).order_by("valid_until", "pk")
