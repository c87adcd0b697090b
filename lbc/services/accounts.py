"""Writes of county administrators: accounts, memberships and the county's structure.

Each function is atomic and writes an audit event (``lbc.user.created``, ``lbc.membership.ended``,
``lbc.region.created``, ``lbc.school.updated``, ...). Audit details hold ids and codes only.
Callers check scope first (lbc/access.py); these functions enforce the rules that hold everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.access import Can, capabilities_of, roles_with
from lbc.models import Membership, Organisation, Region, School, SchoolClass, Volunteer

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
    if user.pk == by.pk:
        raise DomainError(_("不能停用自己的账号，请由另一位管理员操作。"))
    if not user.is_active:
        raise DomainError(_("该账号已经停用。"))
    user.is_active = False
    user.is_staff = False
    user.save(update_fields=["is_active", "is_staff"])
    audit.record("lbc.user.deactivated", actor=by, request=request, obj=user)
    return user


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
    """is_staff (needed to enter the Django admin) follows the county-administrator memberships."""
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
