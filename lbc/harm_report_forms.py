"""Forms of the mandatory-report pages (强制报告). Each lists its fields explicitly."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from lbc.form_style import BootstrapMixin
from lbc.forms import pick_one
from lbc.models import HarmReport, Region
from lbc.services.harm_reports import MAX_DESCRIPTION, MAX_NARRATIVE, next_statuses


class TownshipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.parent is not None else obj.name


def report_townships() -> Any:
    """Every township: a report may concern a place outside the reporter's own area. Not personal data."""
    return Region.objects.filter(level=Region.Level.TOWNSHIP).select_related("parent").order_by("path")


class ReportForm(BootstrapMixin, forms.Form):
    """A report about a child in the registry (``known_child``) or a child described in words."""

    kind = forms.ChoiceField(label=_("疑似侵害类型"), choices=pick_one(HarmReport.Kind.choices))
    immediate_danger = forms.BooleanField(label=_("儿童现在仍处于危险之中"), required=False)
    police_called = forms.BooleanField(label=_("我已经拨打110报警"), required=False)
    narrative = forms.CharField(
        label=_("发生了什么"),
        max_length=MAX_NARRATIVE,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("写下您看到或听到的事实：什么时候、在哪里、谁、发生了什么。不需要证据，怀疑就可以报告。"),
    )
    place_description = forms.CharField(
        label=_("地点"),
        max_length=MAX_DESCRIPTION,
        required=False,
        help_text=_("例如：某村某组、学校宿舍、路边小卖部。"),
    )
    child_description = forms.CharField(
        label=_("这名儿童是谁"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("姓名或称呼、大约年龄、性别、在哪所学校或住在哪里，您知道多少写多少。"),
    )
    township = TownshipChoiceField(
        label=_("事情发生地所在的乡镇/街道"), queryset=Region.objects.none(), empty_label=_("请选择")
    )

    def __init__(self, *args: Any, known_child: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if known_child:
            del self.fields["child_description"]
            del self.fields["township"]
        else:
            cast(forms.ModelChoiceField, self.fields["township"]).queryset = report_townships()


class ChildSearchForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("儿童姓名"), max_length=40, required=False)


class ReportStatusForm(BootstrapMixin, forms.Form):
    to = forms.ChoiceField(label=_("新的状态"))
    note = forms.CharField(
        label=_("处理说明"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("移送、转介或结案时必填：接收单位、案件编号或结案理由。"),
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(HarmReport.Status.choices)
        cast(forms.ChoiceField, self.fields["to"]).choices = pick_one(
            [(s, labels[s]) for s in next_statuses(current)]
        )


class ReportFilterForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *HarmReport.Status.choices]
    )
