"""Accounts of the administrator's county: list, create (with a first membership), view, deactivate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from lbc import access, hooks
from lbc.account_forms import SecondFactorResetForm
from lbc.manage_forms import MembershipDatesForm, MembershipForm, UserCreateForm
from lbc.models import Membership, Role
from lbc.models.memberships import SCOPE_KIND
from lbc.services import accounts
from lbc.services.errors import DomainError

from .common import PAGE_SIZE, get_managed_user, page, saved

SCOPE_KIND_LABELS = {
    "county": gettext_lazy("本县"), "township": gettext_lazy("一个乡镇"),
    "village": gettext_lazy("一个村/社区"), "school": gettext_lazy("一所学校"),
    "class": gettext_lazy("一个班级"),
    "none": gettext_lazy("无区划范围，仅限指派的儿童"),
}


def role_from(request: HttpRequest) -> str | None:
    role = request.GET.get("role", "")
    return role if role in Role.values else None


def role_choices() -> list[dict[str, str]]:
    return [{"value": value, "label": str(label), "scope": str(SCOPE_KIND_LABELS[SCOPE_KIND[value]])}
            for value, label in Role.choices]


def managed_memberships(request: HttpRequest) -> Any:
    return access.memberships_for_admin(request.user).select_related(
        "region", "school", "school_class__school"
    ).order_by("-valid_from", "pk")


@login_required
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    users = access.users_for_admin(request.user).order_by("username").prefetch_related(
        Prefetch("memberships", queryset=managed_memberships(request), to_attr="managed")
    )
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(username__icontains=query) | Q(first_name__icontains=query))
    listing = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"user": u, "memberships": [m for m in u.managed if accounts.is_current(m)]} for u in listing]
    expiring = accounts.expiring_memberships(managed_memberships(request)).select_related("user")
    return page(request, "user_list.html", {
        "page": listing, "rows": rows, "query": query, "expiring": expiring[:PAGE_SIZE],
        "expiry_days": accounts.EXPIRY_NOTICE_DAYS,
    })


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    access.require_administrator(request.user)
    role = role_from(request)
    if role is None:
        return page(request, "role_picker.html", {"roles": role_choices(), "target": None})
    data = request.POST if request.method == "POST" else None
    user_form = UserCreateForm(data)
    membership_form = MembershipForm(data, admin_user=request.user, role=role)
    membership_form.fields["valid_until"].label = _("账号到期日期")
    if data is not None and user_form.is_valid() and membership_form.is_valid():
        try:
            user = accounts.create_user(
                username=user_form.cleaned_data["username"], full_name=user_form.cleaned_data["full_name"],
                password=user_form.cleaned_data["password1"], membership=membership_form.membership(),
                organisation=membership_form.organisation, by=request.user, request=request,
            )
        except DomainError as exc:
            membership_form.add_error(None, exc.message)
        else:
            return saved(request, _("已创建账号：%(username)s") % {"username": user.username},
                         "manage:user-detail", user.username)
    return page(request, "user_form.html", {
        "user_form": user_form, "membership_form": membership_form, "role_label": Role(role).label,
    })


def membership_status(membership: Membership) -> str:
    if accounts.is_current(membership):
        return "current"
    return "future" if membership.valid_from > timezone.localdate() else "ended"


def user_detail_context(request: HttpRequest, target: Any,
                        bound: MembershipDatesForm | None = None) -> dict[str, Any]:
    entries = []
    for membership in managed_memberships(request).filter(user=target):
        form = bound if bound is not None and bound.membership.pk == membership.pk else MembershipDatesForm(
            membership=membership)
        entries.append({"membership": membership, "form": form, "status": membership_status(membership)})
    context = {
        "target": target,
        "entries": entries,
        "is_self": target.pk == request.user.pk,
        "user_panels": [panel.template for panel in hooks.user_panels],
    }
    for panel in hooks.user_panels:  # sections other apps add (the screening app: responder capacity)
        context |= panel.context(request.user, target)
    return context


@login_required
@require_GET
def user_detail(request: HttpRequest, username: str) -> HttpResponse:
    access.require_administrator(request.user)
    target = get_managed_user(request.user, username)
    return page(request, "user_detail.html", user_detail_context(request, target))


def roles_elsewhere(request: HttpRequest, target: Any) -> bool:
    """Whether the account holds current roles outside this administrator's counties.

    Such an account is not this administrator's to stop, reset or unlock: that would reach into
    another county's roles.
    """
    managed = access.memberships_for_admin(request.user).values("pk")
    if Membership.objects.current().filter(user=target).exclude(pk__in=managed).exists():
        messages.error(request, _("该用户在本县以外还有有效角色，不能在此操作。"
                                  "请由相应的管理员处理，或先结束那些角色。"))
        return True
    return False


def post_only(request: HttpRequest, username: str) -> Any:
    """The managed account for a POST-only action (404 outside the county, 405 for other methods)."""
    access.require_administrator(request.user)
    target = get_managed_user(request.user, username)
    if request.method != "POST":
        return None, HttpResponseNotAllowed(["POST"])
    return target, None


def _switch_account(
    request: HttpRequest, username: str, switch: Callable[..., Any], done: str
) -> HttpResponse:
    """Deactivate or re-enable an account of the administrator's scope (POST only)."""
    target, refused = post_only(request, username)
    if refused is not None:
        return refused
    if roles_elsewhere(request, target):
        return redirect("manage:user-detail", target.username)
    try:
        switch(target, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % {"username": target.username})
    return redirect("manage:user-detail", target.username)


@login_required
def user_deactivate(request: HttpRequest, username: str) -> HttpResponse:
    return _switch_account(request, username, accounts.deactivate_user, _("已停用账号：%(username)s"))


@login_required
def user_reactivate(request: HttpRequest, username: str) -> HttpResponse:
    return _switch_account(request, username, accounts.reactivate_user, _("已重新启用账号：%(username)s"))


@login_required
def user_reset_code(request: HttpRequest, username: str) -> HttpResponse:
    """Issue a one-time reset code and show it once, on a sheet that can be printed and handed over."""
    target, refused = post_only(request, username)
    if refused is not None:
        return refused
    if roles_elsewhere(request, target):
        return redirect("manage:user-detail", target.username)
    try:
        code, row = accounts.issue_reset_code(target, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("manage:user-detail", target.username)
    return page(request, "reset_code.html", {"target": target, "code": code, "expires_at": row.expires_at})


@login_required
@require_http_methods(["GET", "POST"])
def user_second_factor_reset(request: HttpRequest, username: str) -> HttpResponse:
    access.require_administrator(request.user)
    target = get_managed_user(request.user, username)
    form = SecondFactorResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not roles_elsewhere(request, target):
        try:
            accounts.reset_second_factor(target, reason=form.cleaned_data["reason"], by=request.user,
                                         request=request)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return saved(request, _("已重置 %(username)s 的动态验证器。该用户下次登录时需要重新绑定。")
                         % {"username": target.username}, "manage:user-detail", target.username)
    has_device = TOTPDevice.objects.filter(user=target).exists()
    return page(request, "second_factor_reset.html",
                {"target": target, "form": form, "has_device": has_device})
