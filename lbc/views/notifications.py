"""A user's own notifications, and how they want to be reached."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access, audit
from lbc.form_style import BootstrapMixin
from lbc.forms import clean_phone_number
from lbc.models import ContactPreference, OutboxMessage

SHOWN = 100


class ContactPreferenceForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    phone = forms.CharField(
        label=gettext_lazy("手机号码"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("选择短信时必须填写。只用于向您发送预警和提醒。"),
    )

    class Meta:
        model = ContactPreference
        fields = ["channel", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.style_fields()

    def clean_phone(self) -> str:
        stored = self.instance.phone if self.instance.pk else ""
        return clean_phone_number(self.cleaned_data.get("phone", ""), stored)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("channel") == OutboxMessage.Channel.SMS and not data.get("phone"):
            self.add_error("phone", _("选择短信通知时请填写手机号码。"))
        if data.get("channel") == OutboxMessage.Channel.EMAIL and not self.instance.user.email:
            self.add_error("channel", _("您的账号没有登记电子邮件地址，请选择短信，或请管理员登记邮箱。"))
        return data


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notes = list(access.notifications_for(request.user).order_by("-created_at")[:SHOWN])
    user: Any = request.user  # signed in: login_required
    preference = ContactPreference.objects.filter(user=user).first()
    return render(
        request,
        "lbc/notifications/list.html",
        {"notes": notes, "preference": preference, "shown": SHOWN},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_preference(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # signed in: login_required
    instance = ContactPreference.objects.filter(user=user).first() or ContactPreference(user=user)
    form = ContactPreferenceForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit.record("lbc.contact_preference.changed", request=request, obj=form.instance,
                         detail={"channel": form.instance.channel})
        messages.success(request, _("通知方式已保存。"))
        return redirect("lbc:notifications")
    return render(request, "lbc/notifications/preference.html", {"form": form})
