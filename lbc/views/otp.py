"""Enrol and verify a TOTP device (authenticator app)."""

from __future__ import annotations

from base64 import b32encode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from lbc import audit


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\d{6}$",
        label=gettext_lazy("6位动态验证码"),
        error_messages={"invalid": gettext_lazy("请输入验证器应用中显示的6位数字。")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else "/"


def _secret_for_display(device: TOTPDevice) -> str:
    raw = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("otp:setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified, _err = device.verify_is_allowed()
        if verified and device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            audit.record("lbc.otp.verified", request=request)
            return redirect(_next_url(request))
        form.add_error("token", _("验证码不正确或已过期，请稍后重试。"))
    return render(request, "otp/verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("otp:verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record("lbc.otp.enrolled", request=request)
            return redirect(_next_url(request))
        form.add_error("token", _("验证码不正确，请确认手机时间准确后重新输入。"))
    return render(
        request,
        "otp/setup.html",
        {
            "form": form,
            "secret": _secret_for_display(device),
            "next": _next_url(request),
        },
    )
