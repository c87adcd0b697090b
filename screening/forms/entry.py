"""Forms of paper entry and of the start of a supervised self-report.

Every form lists its fields explicitly. Item answers are plain numbered fields built from the
instrument definition; the form only checks that each answer is one of the item's codes, and the
scoring service stays the only authority on totals and tiers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lbc.access import UserLike
from lbc.form_style import BootstrapMixin
from lbc.forms import DateInput
from lbc.submissions import SubmissionField
from screening.assessments.recording import FACTORS_FROM_COUNSELLOR, InstrumentAnswers
from screening.models import Campaign
from screening.scoring.context import FACTORS
from screening.scoring.instruments import Instrument
from screening.scoring.instruments.base import CriticalLevel

MAX_MINUTES = 240
ASSENT_YES, ASSENT_NO, ASSENT_UNASKED = "yes", "no", "unasked"
ASSENT_CHOICES = (
    (ASSENT_YES, _("同意")),
    (ASSENT_NO, _("不同意")),
    (ASSENT_UNASKED, _("未询问")),
)
ASSENT_VALUES: dict[str, bool | None] = {ASSENT_YES: True, ASSENT_NO: False, ASSENT_UNASKED: None}


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


class PaperEntryForm(BootstrapMixin, forms.Form):
    administered_on = forms.DateField(label=_("施测日期"), widget=DateInput())
    child_assent = forms.ChoiceField(
        label=_("孩子本人是否同意"), choices=ASSENT_CHOICES, initial=ASSENT_UNASKED, widget=forms.RadioSelect
    )
    minutes = forms.IntegerField(
        label=_("作答用时（分钟，可不填）"), required=False, min_value=1, max_value=MAX_MINUTES
    )
    submission = SubmissionField()  # a double post saves one screening

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


class SelfReportStartForm(BootstrapMixin, forms.Form):
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
