"""The campaign form: a school's screening round, its grades, instruments and dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lbc.form_style import BootstrapMixin
from lbc.forms import DateInput
from lbc.models import School
from screening.models import Campaign, Response
from screening.scoring.instruments import Instrument, get_instrument, latest_instruments

GRADES = tuple(range(1, 13))

# Evaluated when rendered, so the label follows the active language.
grade_label = lazy(lambda g: gettext("%(g)d年级") % {"g": g}, str)
def instrument_key(code: str, version: str) -> str:
    return f"{code}@{version}"


def instrument_choices(keep: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """The newest version of every instrument, plus the versions a campaign already uses."""
    chosen = [(i.code, i.version) for i in latest_instruments()]
    chosen += [key for key in keep if key not in chosen]
    return [(instrument_key(c, v), instrument_label(get_instrument(c, v))) for c, v in chosen]


def instrument_label(instrument: Instrument) -> str:
    mode = _("可平板自评") if instrument.text_allowed else _("仅纸质录入")
    return _("%(title)s，第%(version)s版（%(mode)s）") % {
        "title": instrument.title,
        "version": instrument.version,
        "mode": mode,
    }


def current_school_year(today: dt.date) -> int:
    return today.year if today.month >= 8 else today.year - 1


def current_term(today: dt.date) -> int:
    return Campaign.Term.AUTUMN if today.month >= 8 or today.month == 1 else Campaign.Term.SPRING


class CampaignForm(BootstrapMixin, forms.ModelForm):
    school = forms.ModelChoiceField(
        queryset=School.objects.none(), to_field_name="public_id", label=_("学校"), empty_label=_("请选择")
    )
    grades = forms.TypedMultipleChoiceField(
        label=_("年级"),
        choices=[(g, grade_label(g)) for g in GRADES],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    instruments = forms.MultipleChoiceField(
        label=_("量表"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("每份量表使用当前最新版本；已保存的筛查记录始终保留它们作答时的版本。"),
    )

    class Meta:
        model = Campaign
        fields = ["name", "school_year", "term", "grades", "instruments", "starts_on", "ends_on", "status"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args: Any, schools: QuerySet[School] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign: Campaign = self.instance
        creating = campaign.pk is None
        cast(forms.ChoiceField, self.fields["instruments"]).choices = instrument_choices(
            campaign.instrument_keys()
        )
        # A counsellor of one school is not asked: the campaign is that school's.
        self.only_school = schools.first() if creating and schools is not None and len(schools) == 1 else None
        if creating and schools is not None and self.only_school is None:
            cast(forms.ModelChoiceField, self.fields["school"]).queryset = schools
        else:
            del self.fields["school"]
        if creating and not self.is_bound:
            today = timezone.localdate()
            self.initial.update(school_year=current_school_year(today), term=current_term(today))
        else:
            self.initial["instruments"] = [instrument_key(c, v) for c, v in campaign.instrument_keys()]

    def chosen_school(self) -> School | None:
        return self.only_school or self.cleaned_data.get("school")

    def clean_instruments(self) -> list[dict[str, str]]:
        chosen = []
        for key in self.cleaned_data["instruments"]:
            code, version = key.split("@", 1)
            chosen.append({"code": code, "version": version})
        return chosen

    def clean_school_year(self) -> int:
        year = self.cleaned_data["school_year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("请填写学年开始的年份，例如 2026。"))
        return int(year)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        if self.instance.pk is not None:
            self._check_existing_records(data)
        return data

    def _check_existing_records(self, data: dict[str, Any]) -> None:
        """Saved screenings keep their instruments and dates inside the campaign."""
        campaign: Campaign = self.instance
        used = set(
            Response.objects.filter(assessment__campaign=campaign)
            .values_list("instrument_code", "instrument_version")
            .distinct()
        )
        if "instruments" in data:
            chosen = {(i["code"], i["version"]) for i in data["instruments"]}
            removed = sorted(f"{c} {v}" for c, v in used - chosen)
            if removed:
                message = _("已有筛查记录使用了这些量表，不能从本次筛查中删除：%(names)s")
                self.add_error("instruments", message % {"names": "、".join(removed)})
        dates = sorted(campaign.assessments.values_list("administered_on", flat=True))
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if dates and starts and ends and not starts <= dates[0] <= dates[-1] <= ends:
            message = _("已有筛查记录的施测日期在 %(first)s 至 %(last)s 之间，起止日期必须包含这些日期。")
            self.add_error("starts_on", message % {"first": dates[0], "last": dates[-1]})
