"""Forms of the account pages: own password, reset codes, second-factor resets, break-the-glass."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lbc.form_style import BootstrapMixin
from lbc.forms.fields import without_spaces
from lbc.idnumbers import InvalidIdNumber, parse_id_number


class OwnPasswordForm(BootstrapMixin, PasswordChangeForm):
    """Django's password change (old password, Django's validators) with the project's labels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("当前密码")
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("再次输入新密码")
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": _("当前密码不正确，请重新输入。"),
            "password_mismatch": _("两次输入的新密码不一致。"),
        }
        self.style_fields()


class NewPasswordMixin(forms.Form):
    new_password1 = forms.CharField(label=_("新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("再次输入新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def check_new_password(self, user: Any) -> None:
        first, second = self.cleaned_data.get("new_password1"), self.cleaned_data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        elif first:
            try:
                password_validation.validate_password(first, user)
            except ValidationError as exc:
                self.add_error("new_password1", exc)


class ResetCodeForm(BootstrapMixin, NewPasswordMixin):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    code = forms.CharField(label=_("重置码"), max_length=40,
                           help_text=_("县级管理员交给您的重置码，例如 ABCD-EFGH-JKMN，大小写均可。"),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}))
    field_order = ["username", "code", "new_password1", "new_password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        help_texts = password_validation.password_validators_help_texts()
        self.fields["new_password1"].help_text = " ".join(help_texts)
        self.style_fields()

    def clean(self) -> dict[str, Any]:
        super().clean()
        probe = get_user_model()(username=self.cleaned_data.get("username", ""))
        self.check_new_password(probe)
        return self.cleaned_data


class SecondFactorResetForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("例如：手机丢失、更换手机。会记入审计日志。"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("请填写重置的理由。"))
        return reason


class IdNumberSearchForm(BootstrapMixin, forms.Form):
    id_number = forms.CharField(label=_("身份证号码"), max_length=40,
                                help_text=_("输入完整的18位身份证号码。只做精确查找。"),
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()

    def clean_id_number(self) -> str:
        try:
            return parse_id_number(without_spaces(self.cleaned_data["id_number"])).value
        except InvalidIdNumber as exc:
            raise ValidationError(str(exc)) from None


HOURS_CHOICES = [(24, _("24小时")), (48, _("48小时")), (72, _("72小时"))]


class BreakGlassForm(IdNumberSearchForm):
    reason = forms.CharField(label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("写明紧急情况和需要查看的原因。县级管理员会收到通知并审阅。"))
    hours = forms.TypedChoiceField(label=_("时长"), choices=HOURS_CHOICES, coerce=int, initial=24)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget = forms.HiddenInput()
        self.style_fields()


class RecipientChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        schools = "、".join(sorted({m.school.name for m in obj.current_schools}))
        return f"{obj.get_full_name() or obj.username}（{obj.username}） · {schools}"


class ReferralForm(BootstrapMixin, forms.Form):
    to = RecipientChoiceField(label=_("转介给"), queryset=None, empty_label=_("请选择"),
                              help_text=_("本县其他学校的心理教师。"))
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("写明需要对方跟进的原因。接收后对方可查看这名儿童的完整档案90天。"))

    def __init__(self, *args: Any, recipients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = recipients  # type: ignore[attr-defined]
        self.style_fields()
