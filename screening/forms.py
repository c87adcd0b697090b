"""Forms of the screening pages: campaigns, paper entry, and the start of a supervised self-report.

Every form lists its fields explicitly. Item answers are plain numbered fields built from the
instrument definition; the form only checks that each answer is one of the item's codes, and the
scoring service stays the only authority on totals and tiers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lbc.access import UserLike
from lbc.forms import BootstrapMixin, DateInput
from lbc.models import School
from screening.assessments.recording import FACTORS_FROM_COUNSELLOR, InstrumentAnswers
from screening.models import Campaign, Response
from screening.scoring.context import FACTORS
from screening.scoring.instruments import Instrument, get_instrument, latest_instruments
from screening.scoring.instruments.base import CriticalLevel

GRADES = tuple(range(1, 13))

# Evaluated when rendered, so the label follows the active language.
grade_label = lazy(lambda g: gettext("%(g)d年级") % {"g": g}, str)
MAX_MINUTES = 240
ASSENT_YES, ASSENT_NO, ASSENT_UNASKED = "yes", "no", "unasked"
ASSENT_CHOICES = (
    (ASSENT_YES, _("同意")),
    (ASSENT_NO, _("不同意")),
    (ASSENT_UNASKED, _("未询问")),
)
ASSENT_VALUES: dict[str, bool | None] = {ASSENT_YES: True, ASSENT_NO: False, ASSENT_UNASKED: None}


class StyledForm(BootstrapMixin):
    """Bootstrap classes, with check-box and radio groups styled as check inputs."""

    def _style_widgets(self) -> None:
        super()._style_widgets()
        for bound in self.fields.values():  # type: ignore[attr-defined]
            widget = bound.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                invalid = " is-invalid" if "is-invalid" in widget.attrs.get("class", "") else ""
                widget.attrs["class"] = "form-check-input" + invalid


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


class CampaignForm(StyledForm, forms.ModelForm):
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


# --- paper entry ---------------------------------------------------------------------------------


def slug(code: str) -> str:
    return re.sub(r"[^a-z0-9]", "", code.lower())


@dataclass
class ItemField:
    number: int
    name: str
    critical_min: int | None = None
    acute: bool = False


@dataclass
class InstrumentBlock:
    instrument: Instrument
    slug: str
    items: list[ItemField] = field(default_factory=list)

    @property
    def has_critical(self) -> bool:
        return any(i.critical_min is not None for i in self.items)

    @property
    def has_acute(self) -> bool:
        return any(i.acute for i in self.items)

    @property
    def code_range(self) -> str:
        values = sorted({o.value for item in self.instrument.items for o in item.options})
        return f"{values[0]}-{values[-1]}"


class AnswerField(forms.IntegerField):
    """One answer code, typed as a single digit; empty means the item was not answered."""

    def __init__(self, instrument: Instrument, number: int, **kwargs: Any) -> None:
        self.codes = tuple(o.value for o in instrument.item(number).options)
        super().__init__(required=False, **kwargs)
        self.error_messages["invalid"] = self.wrong_code_message(number)

    def wrong_code_message(self, number: int) -> str:
        return _("第%(item)d题只能填 %(codes)s，或留空") % {
            "item": number,
            "codes": "、".join(str(c) for c in self.codes),
        }

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and value not in self.codes:
            raise forms.ValidationError(self.error_messages["invalid"])


def answer_widget(instrument: Instrument, number: int, critical: int | None, acute: bool) -> forms.TextInput:
    item = instrument.item(number)
    attrs = {
        "class": "item-input",
        "inputmode": "numeric",
        "maxlength": "1",
        "autocomplete": "off",
        "data-min": str(item.min_value),
        "data-max": str(item.max_value),
        "data-instrument": slug(instrument.code),
        "aria-label": _("%(code)s 第%(item)d题") % {"code": instrument.code, "item": number},
    }
    if critical is not None:
        attrs["data-critical"] = str(critical)
    if acute:
        attrs["data-acute"] = "1"
    return forms.TextInput(attrs=attrs)


class PaperEntryForm(StyledForm, forms.Form):
    administered_on = forms.DateField(label=_("施测日期"), widget=DateInput())
    child_assent = forms.ChoiceField(
        label=_("孩子本人是否同意"), choices=ASSENT_CHOICES, initial=ASSENT_UNASKED, widget=forms.RadioSelect
    )
    minutes = forms.IntegerField(
        label=_("作答用时（分钟，可不填）"), required=False, min_value=1, max_value=MAX_MINUTES
    )

    def __init__(self, *args: Any, campaign: Campaign, instruments: Sequence[Instrument], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        today = timezone.localdate()
        self.fields["administered_on"].initial = min(max(today, campaign.starts_on), campaign.ends_on)
        self.fields["administered_on"].widget.attrs.update(
            min=campaign.starts_on.isoformat(), max=min(campaign.ends_on, today).isoformat()
        )
        labels = {f.key: f.label for f in FACTORS}
        for key in FACTORS_FROM_COUNSELLOR:
            self.fields[key] = forms.BooleanField(label=str(labels[key]), required=False)
        self.blocks = [self._add_block(i) for i in instruments]

    def _add_block(self, instrument: Instrument) -> InstrumentBlock:
        block = InstrumentBlock(instrument, slug(instrument.code))
        rules = {r.item: r for r in instrument.critical if r.level != CriticalLevel.NOTICE}
        for number in instrument.item_numbers:
            rule = rules.get(number)
            critical = rule.min_value if rule else None
            acute = bool(rule and rule.level == CriticalLevel.ACUTE)
            name = f"{block.slug}_{number}"
            widget = answer_widget(instrument, number, critical, acute)
            self.fields[name] = AnswerField(instrument, number, label=str(number), widget=widget)
            block.items.append(ItemField(number, name, critical, acute))
        return block

    @property
    def factor_fields(self) -> list[forms.BoundField]:
        return [self[key] for key in FACTORS_FROM_COUNSELLOR]

    def clean_administered_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["administered_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("施测日期不能晚于今天。"))
        if not self.campaign.starts_on <= day <= self.campaign.ends_on:
            raise forms.ValidationError(
                _("施测日期应在本次筛查的起止日期之内（%(start)s 至 %(end)s）。")
                % {"start": self.campaign.starts_on, "end": self.campaign.ends_on}
            )
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answered = [n for b in self.blocks for i in b.items if (n := data.get(i.name)) is not None]
        item_errors = any(i.name in self.errors for b in self.blocks for i in b.items)
        if not answered and not item_errors:
            raise forms.ValidationError(_("请至少录入一道题的答案。"))
        return data

    def answers(self, block: InstrumentBlock) -> dict[int, int]:
        values = {i.number: self.cleaned_data.get(i.name) for i in block.items}
        return {n: v for n, v in values.items() if v is not None}

    def responses(self) -> list[InstrumentAnswers]:
        """One entry per instrument with at least one answer; the minutes are shared by answered items."""
        filled = [(b, self.answers(b)) for b in self.blocks]
        filled = [(b, a) for b, a in filled if a]
        minutes = self.cleaned_data.get("minutes")
        count = sum(len(a) for _b, a in filled)
        return [
            InstrumentAnswers(
                b.instrument.code,
                b.instrument.version,
                a,
                seconds=minutes * 60 * len(a) / count if minutes else None,
            )
            for b, a in filled
        ]

    def extra_context(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(key)) for key in FACTORS_FROM_COUNSELLOR}

    def assent(self) -> bool | None:
        return ASSENT_VALUES[self.cleaned_data["child_assent"]]

    def display_blocks(self) -> list[dict[str, Any]]:
        """What the template draws per instrument, with positive critical items already marked."""
        shown = []
        for block in self.blocks:
            positive = set(self.positive_critical(block))
            items = [
                {
                    "number": i.number,
                    "field": self[i.name],
                    "critical": i.critical_min is not None,
                    "positive": i.number in positive,
                }
                for i in block.items
            ]
            acute = any(i.acute and i.number in positive for i in block.items)
            shown.append({"block": block, "items": items, "alert": bool(positive), "acute": acute})
        return shown

    def positive_critical(self, block: InstrumentBlock) -> list[int]:
        """Critical items of a bound form that hold a positive value (for highlighting on re-display)."""
        if not self.is_bound:
            return []
        positive = []
        for item in block.items:
            raw = str(self.data.get(item.name, "")).strip()
            if item.critical_min is not None and raw.isdigit() and int(raw) >= item.critical_min:
                positive.append(item.number)
        return positive


# --- supervised self-report ---------------------------------------------------------------------------


class SelfReportStartForm(StyledForm, forms.Form):
    """The counsellor confirms with the account password before handing the device to the child."""

    child_agrees = forms.BooleanField(label=_("孩子本人已同意参加（可以随时停下）"))
    supervised = forms.BooleanField(label=_("我会全程在旁陪同，孩子答完后收回设备"))
    password = forms.CharField(
        label=_("您的登录密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: UserLike, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("密码不正确。"))
        return password


class SelfAnswerForm(forms.Form):
    """One tap on the child's screen: an answer code, or an empty value to skip the question."""

    answer = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, codes: Sequence[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answer"].choices = [("", "")] + [(c, str(c)) for c in codes]  # type: ignore[attr-defined]
