"""The user's own account: roles and their end dates, password change, and the reset-code page."""

from __future__ import annotations

from typing import cast

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash, user_login_failed
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from lbc import access
from lbc.account_forms import OwnPasswordForm, ResetCodeForm
from lbc.models import Membership
from lbc.otp import otp_required
from lbc.services import accounts
from lbc.services.errors import DomainError


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(user_id=cast(int, request.user.pk))
    return render(request, "lbc/account/detail.html", {
        "memberships": access.scope_of(request.user).memberships,
        "expiring": accounts.expiring_memberships(memberships),
        "otp_required": otp_required(request.user),
        "has_device": TOTPDevice.objects.filter(user_id=request.user.pk, confirmed=True).exists(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = OwnPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = accounts.change_password(
            request.user, new_password=form.cleaned_data["new_password1"], request=request
        )
        update_session_auth_hash(request, user)  # this session stays logged in
        messages.success(request, _("密码已修改。"))
        return redirect("lbc:account")
    return render(request, "lbc/account/password_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Use a reset code. Failures count against the same (username, IP) lockout as the login page."""
    form = ResetCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": form.cleaned_data["username"]}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return get_lockout_response(request, credentials=credentials)
        try:
            accounts.use_reset_code(
                username=form.cleaned_data["username"], code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"], request=request,
            )
        except DomainError as exc:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return get_lockout_response(request, credentials=credentials)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("新密码已设置，请用新密码登录。"))
            return redirect("lbc:login")
    return render(request, "lbc/account/password_reset.html", {"form": form})
