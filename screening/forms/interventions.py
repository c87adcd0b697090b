"""Forms of the intervention pages. Each lists its fields; the services validate again."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lbc.form_style import BootstrapMixin
from lbc.forms import DateInput, pick_one
from screening.models import Assessment, GuardianContact, InterventionSession, Referral, SignOff
from screening.warnings.interventions import MAX_TEXT

NOT_IN_NOTES = _("只写做了什么、孩子和家人怎么说、下一步安排。不要写诊断。")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def today() -> Any:
    return timezone.localdate()


class SessionForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=pick_one(InterventionSession.Kind.choices))
    held_on = forms.DateField(label=_("日期"), widget=DateInput(), initial=today)
    notes = forms.CharField(
        label=_("记录"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6}), help_text=NOT_IN_NOTES
    )


class SafetyPlanForm(BootstrapMixin, forms.Form):
    warning_signs = forms.CharField(
        label=_("预警信号"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("孩子自己说出的、危机快要来临时的想法、心情或行为。"),
    )
    coping_steps = forms.CharField(
        label=_("自我应对方法"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不需要别人帮忙也能做的事，让自己分散注意力、平静下来。"),
    )
    contacts = forms.CharField(
        label=_("可以联系的人"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("可以找的大人和朋友、心理教师，以及 12355、110、120。"),
    )
    means_restriction = forms.CharField(
        label=_("减少危险物品的措施"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("谁在什么时候把药品、农药、刀具等收好或移走。"),
    )
    guardian_informed = forms.BooleanField(label=_("已告知监护人"), required=False)
    guardian_informed_at = forms.DateTimeField(
        label=_("告知监护人的时间"), required=False, widget=DateTimeLocalInput()
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("guardian_informed") and not data.get("guardian_informed_at"):
            self.add_error("guardian_informed_at", _("请填写告知监护人的时间。"))
        return data


class GuardianContactForm(BootstrapMixin, forms.Form):
    contacted_on = forms.DateField(label=_("日期"), widget=DateInput(), initial=today)
    who = forms.CharField(label=_("联系对象"), max_length=60, help_text=_("例如：奶奶、在外务工的父亲。"))
    channel = forms.ChoiceField(label=_("方式"), choices=pick_one(GuardianContact.Channel.choices))
    outcome = forms.CharField(label=_("结果"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))


class ReferralForm(BootstrapMixin, forms.Form):
    destination = forms.ChoiceField(label=_("转介去向"), choices=pick_one(Referral.Destination.choices))
    destination_name = forms.CharField(label=_("机构名称"), max_length=100)
    referred_on = forms.DateField(label=_("转介日期"), widget=DateInput(), initial=today)


class ReferralStatusForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=Referral.Status.choices)


class AssessmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Assessment) -> str:
        return str(_("%(date)s 的筛查") % {"date": obj.administered_on.isoformat()})


class SignOffForm(BootstrapMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("签字事项"), choices=pick_one(SignOff.Purpose.choices))
    assessment = AssessmentChoiceField(
        label=_("复筛"),
        queryset=Assessment.objects.none(),
        required=False,
        empty_label=_("请选择"),
        help_text=_("同意降低等级时，选择作为依据的复筛。"),
    )
    note = forms.CharField(
        label=_("说明"), max_length=MAX_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, rescreens: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assessment"]).queryset = rescreens


class LowerTierForm(BootstrapMixin, forms.Form):
    assessment = AssessmentChoiceField(
        label=_("复筛"), queryset=Assessment.objects.none(), empty_label=_("请选择")
    )

    def __init__(self, *args: Any, rescreens: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assessment"]).queryset = rescreens
