"""Per-object grants created by people: break-the-glass (emergency) access and referrals.

Each function is atomic and audited. A break-the-glass grant queues its notice to the county
administrators in the same transaction as the grant: no grant without its notice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import access, audit
from lbc.access import BREAK_GLASS, REFERRAL, Can, roles_with
from lbc.models import Child, ChildGrant, Membership, Referral
from lbc.notifications import queue_message

from .errors import DomainError

BREAK_GLASS_HOURS = (24, 48, 72)


def _permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename, content_type__app_label="lbc")


def county_administrators(child: Child) -> list[Any]:
    """Users currently administering the county of the child's household."""
    memberships = Membership.objects.current().filter(
        role__in=roles_with(Can.ADMINISTER), region_id=child.county_id, user__is_active=True
    ).select_related("user")
    return list({m.user_id: m.user for m in memberships}.values())


@transaction.atomic
def break_glass(child: Child, *, reason: str, hours: int, by: Any, request: Any = None) -> ChildGrant:
    """Open emergency access to one child outside the user's scope, at once, for at most 72 hours.

    The caller checks that ``by`` may break the glass (``access.require_break_glass``).
    """
    reason = reason.strip()
    if not reason:
        raise DomainError(_("请写明需要紧急查看的理由。"))
    if hours not in BREAK_GLASS_HOURS:
        raise DomainError(_("紧急授权的时长只能是24、48或72小时。"))
    if access.rights_for_child(by, child):
        raise DomainError(_("您已经可以查看这名儿童的档案，不需要紧急授权。"))
    now = timezone.now()
    grant = ChildGrant.objects.create(
        user=by, permission=_permission(BREAK_GLASS), content_object=child, reason=reason,
        expires_at=now + dt.timedelta(hours=hours), granted_by=by,
    )
    audit.record("lbc.grant.breakglass_opened", actor=by, request=request, obj=grant, child=child,
                 detail={"grant": grant.pk, "hours": hours})
    text = _("紧急授权：%(user)s 于 %(at)s 开启了对本县一名儿童档案的紧急查看（%(hours)s 小时）。"
             "请在“县级管理 → 紧急授权”中审阅。") % {
        "user": by.get_username(), "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"), "hours": hours,
    }
    admins = county_administrators(child)
    # Without an administrator the notice still exists (console), so an opened grant is never silent.
    for admin in admins or [None]:
        queue_message(kind="lbc.grant.breakglass", text=text, user=admin,
                      dedupe_key=f"breakglass:{grant.pk}:{admin.pk if admin else 'console'}")
    access.forget_scope(by)
    return grant


@transaction.atomic
def end_grant(grant: ChildGrant, *, by: Any, request: Any = None) -> ChildGrant:
    """End a grant now (an administrator's review, or a declined referral's clean-up)."""
    now = timezone.now()
    if grant.expires_at is not None and grant.expires_at <= now:
        raise DomainError(_("该授权已经结束。"))
    grant.expires_at = now
    grant.save(update_fields=["expires_at"])
    audit.record("lbc.grant.ended", actor=by, request=request, obj=grant, child=grant.content_object,
                 detail={"grant": grant.pk, "kind": grant.permission.codename, "user": grant.user_id})
    return grant


# --- referrals ----------------------------------------------------------------------------------

REFERRAL_DAYS = 90


@transaction.atomic
def refer_child(child: Child, *, to: Any, reason: str, by: Any, request: Any = None) -> Referral:
    """Refer a child of the sender's school to a counsellor of another school of the same county.

    The caller fetched the child with ``access.get_child_to_refer``; ``to`` must be one of
    ``access.referral_recipients``.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError(_("请写明转介的理由。"))
    if not access.referral_recipients(by, child).filter(pk=to.pk).exists():
        raise DomainError(_("只能转介给本县其他学校的心理教师。"))
    if Referral.objects.filter(child=child, to_user=to, status=Referral.Status.PENDING).exists():
        raise DomainError(_("这名儿童已经转介给该心理教师，正在等待对方接收。"))
    referral = Referral.objects.create(child=child, from_user=by, to_user=to, reason=reason,
                                       created_at=timezone.now())
    audit.record("lbc.referral.created", actor=by, request=request, obj=referral, child=child,
                 detail={"to": to.pk})
    queue_message(
        kind="lbc.referral", user=to, dedupe_key=f"referral:{referral.public_id}",
        text=_("转介：%(user)s 向您转介了一名儿童，请在“转介”页面接收或拒绝。") % {"user": by.get_username()},
    )
    return referral


def _pending(referral: Referral, by: Any) -> None:
    if referral.to_user_id != by.pk:
        raise DomainError(_("只有接收转介的心理教师可以处理这个转介。"))
    if referral.status != Referral.Status.PENDING:
        raise DomainError(_("这个转介已经处理过了。"))


@transaction.atomic
def accept_referral(referral: Referral, *, by: Any, request: Any = None) -> Referral:
    """Accept: a ``referral_child`` grant on the child for ``REFERRAL_DAYS`` days."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _pending(referral, by)
    now = timezone.now()
    referral.grant = ChildGrant.objects.create(
        user=by, permission=_permission(REFERRAL), content_object=referral.child, reason=referral.reason,
        expires_at=now + dt.timedelta(days=REFERRAL_DAYS), granted_by=referral.from_user,
    )
    referral.status, referral.decided_at = Referral.Status.ACCEPTED, now
    referral.save(update_fields=["grant", "status", "decided_at"])
    audit.record("lbc.referral.accepted", actor=by, request=request, obj=referral, child=referral.child,
                 detail={"grant": referral.grant.pk, "days": REFERRAL_DAYS})
    access.forget_scope(by)
    return referral


@transaction.atomic
def decline_referral(referral: Referral, *, by: Any, request: Any = None) -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _pending(referral, by)
    referral.status, referral.decided_at = Referral.Status.DECLINED, timezone.now()
    referral.save(update_fields=["status", "decided_at"])
    audit.record("lbc.referral.declined", actor=by, request=request, obj=referral, child=referral.child)
    queue_message(
        kind="lbc.referral", user=referral.from_user, dedupe_key=f"referral-declined:{referral.public_id}",
        text=_("转介：%(user)s 没有接收您的一个转介，请查看儿童档案中的转介记录。")
        % {"user": by.get_username()},
    )
    return referral
