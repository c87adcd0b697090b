"""Forms of the trainers' pages. Choice lists come from the user's training counties only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lbc.form_style import BootstrapMixin
from lbc.forms.fields import NameField
from lbc.models import Region, School
from training.models import Program, Venue
from training.services.bookings import trainers_of_county

Choices = list[tuple[Any, Any]]


def counties_of(county_ids: set[int]) -> list[Region]:
    return list(Region.objects.filter(pk__in=county_ids, level=Region.Level.COUNTY).order_by("name"))


def grouped_places(county_ids: set[int], *, whole_county: bool = True, townships: bool = True) -> Choices:
    """Villages grouped by township, townships and villages sorted by name; optionally the county
    itself (remote venues) and each township (its own hall) first in their groups."""
    choices: Choices = []
    for county in counties_of(county_ids):
        if whole_county:
            whole = gettext("%(county)s（全县/线上）") % {"county": county.name}
            choices.append((county.name, [(county.pk, whole)]))
        towns = Region.objects.filter(level=Region.Level.TOWNSHIP, parent=county).order_by("name")
        villages: dict[int, list[Region]] = {}
        for village in Region.objects.filter(level=Region.Level.VILLAGE, parent__in=towns).order_by("name"):
            villages.setdefault(village.parent_id or 0, []).append(village)
        for town in towns:
            options: Choices = []
            if townships:
                options.append((town.pk, gettext("%(township)s（乡镇）") % {"township": town.name}))
            options += [(v.pk, v.name) for v in villages.get(town.pk, [])]
            if options:
                label = town.name if len(county_ids) == 1 else f"{county.name} · {town.name}"
                choices.append((label, options))
    return choices


def county_places(county_ids: set[int]) -> Any:
    """Every region a venue may lie in: the counties, their townships and villages."""
    condition = Q(pk__in=county_ids)
    for county in counties_of(county_ids):
        condition |= Q(path__startswith=county.path, level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE])
    return Region.objects.filter(condition)


class TrainerChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class SessionForm(BootstrapMixin, forms.Form):
    """One session, or a repeating series (``occurrences`` > 1, ``every_days`` apart)."""

    program = forms.ModelChoiceField(Program.objects.none(), label=_("培训项目"))
    venue = forms.ModelChoiceField(Venue.objects.none(), label=_("场地"))
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    trainers = TrainerChoice(get_user_model().objects.none(), label=_("培训师"))
    capacity = forms.IntegerField(
        label=_("名额"), required=False, min_value=1, help_text=_("不填则按场地容量。")
    )
    occurrences = forms.IntegerField(
        label=_("次数"), min_value=1, max_value=52, initial=1, help_text=_("1表示单次；6表示连续6次。")
    )
    every_days = forms.IntegerField(label=_("每隔几天一次"), min_value=1, max_value=92, initial=7)
    villages = forms.ModelMultipleChoiceField(
        Region.objects.none(),
        label=_("面向的村/社区"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("按乡镇分组；可在上面的框里输入村名筛选。"),
    )
    picker_fields = ("villages",)
    schools = forms.ModelMultipleChoiceField(School.objects.none(), label=_("面向的学校"), required=False)
    literacy_note = forms.CharField(label=_("识字情况说明"), max_length=200, required=False)
    dialect_note = forms.CharField(label=_("方言说明"), max_length=100, required=False)

    def __init__(self, *args: Any, counties: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["program"].queryset = Program.objects.filter(county_id__in=counties, active=True)
        fields["venue"].queryset = Venue.objects.filter(county_id__in=counties, active=True)
        trainers = get_user_model().objects.none()
        villages = Region.objects.none()
        for county in Region.objects.filter(pk__in=list(counties)):
            trainers = trainers | trainers_of_county(county)
            villages = villages | Region.objects.filter(
                level=Region.Level.VILLAGE, path__startswith=county.path
            )
        fields["trainers"].queryset = trainers.order_by("username")
        fields["villages"].queryset = villages.order_by("path")
        fields["villages"].choices = grouped_places(counties, whole_county=False, townships=False)
        fields["schools"].queryset = School.objects.filter(county_id__in=counties).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            data["starts_at"] = timezone.make_aware(dt.datetime.combine(day, start))
            data["ends_at"] = timezone.make_aware(dt.datetime.combine(day, end))
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end", _("结束时间必须晚于开始时间。"))
        return data


class WalkInForm(BootstrapMixin, forms.Form):
    name = NameField(label=_("姓名"), max_length=40)
    phone = forms.CharField(label=_("电话"), max_length=20)
    village = forms.ModelChoiceField(Region.objects.none(), label=_("所在村/社区"), required=False)

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages  # type: ignore[attr-defined]


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200, required=False)
