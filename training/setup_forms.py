"""Forms of the set-up pages (programs, venues, questionnaires, materials, county windows) and of editing
a session. Choice lists come from the user's set-up counties only.

Place pickers are ``<select>`` lists grouped by township (``<optgroup>``), sorted by name, with a filter
box (``static/training/pickers.js``), never an unsorted list to ctrl-click through.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lbc.form_style import BootstrapMixin
from lbc.models import Organisation, Region, School
from training.forms import TrainerChoice, county_places, grouped_places
from training.models import Program, Questionnaire, Venue
from training.services.bookings import trainers_of_county
from training.services.setup import MAX_ITEMS
from training.windows import (
    DEFAULT_WINDOWS,
    WindowConfigError,
    parse_farming_peaks,
    parse_school_vacations,
    parse_spring_festival,
)


class CountyMixin:
    """A ``county`` field only for users of more than one county; otherwise their county is implied."""

    fields: dict[str, forms.Field]
    county_ids: set[int]

    def set_up_county(self, county_ids: set[int], current: int | None) -> None:
        self.county_ids = county_ids
        if current is not None or len(county_ids) == 1:
            del self.fields["county"]
            return
        field = self.fields["county"]
        field.queryset = Region.objects.filter(pk__in=county_ids).order_by("name")  # type: ignore[attr-defined]

    def chosen_county(self, cleaned: dict[str, Any], current: int | None) -> int:
        if current is not None:
            return current
        if "county" in cleaned and cleaned["county"] is not None:
            return int(cleaned["county"].pk)
        return next(iter(self.county_ids))


# --- programs ---------------------------------------------------------------------------------------


class ProgramForm(CountyMixin, BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    county = forms.ModelChoiceField(Region.objects.none(), label=gettext_lazy("所属县"))
    topics_text = forms.CharField(
        label=gettext_lazy("主题"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("用顿号或逗号分隔，例如：隔代教育、情绪识别"),
    )
    new_provider = forms.CharField(
        label=gettext_lazy("新增服务提供机构"),
        required=False,
        max_length=120,
        help_text=gettext_lazy("列表中没有时，在这里填写机构全称，保存时一并添加。"),
    )

    class Meta:
        model = Program
        fields = [
            "name", "description", "audience", "level", "provider", "contract_number", "contract_starts_on",
            "contract_ends_on", "session_minutes", "questionnaire",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "contract_starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "contract_ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    field_order = ["county", "name", "audience", "level", "session_minutes", "topics_text", "description"]

    def __init__(self, *args: Any, county_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.county_id if self.instance.pk else None
        self.set_up_county(county_ids, current)
        counties = [current] if current is not None else sorted(county_ids)
        paths = [c.path for c in Region.objects.filter(pk__in=counties)]
        near = Q(region__isnull=True)
        for path in paths:
            near |= Q(region__path__startswith=path)
        fields: dict[str, Any] = self.fields
        fields["provider"].queryset = Organisation.objects.filter(near).order_by("name")
        fields["questionnaire"].queryset = Questionnaire.objects.filter(county_id__in=counties).order_by(
            "name", "-version"
        )
        fields["questionnaire"].label_from_instance = lambda q: (
            _("%(name)s（第%(v)d版）")
            % {
                "name": q.name,
                "v": q.version,
            }
        )
        if self.instance.pk and not self.is_bound:
            fields["topics_text"].initial = "、".join(self.instance.topics or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["topics"] = [t for t in re.split(r"[、，,；;\s]+", data.get("topics_text") or "") if t]
        new_provider = (data.get("new_provider") or "").strip()
        data["new_provider"] = new_provider
        if new_provider and data.get("provider"):
            self.add_error("new_provider", _("已选择了服务提供机构，就不要再填写新增机构。"))
        if data.get("level") == Program.Level.PURCHASED:
            if not data.get("provider") and not new_provider:
                self.add_error("provider", _("政府购买服务须填写服务提供机构。"))
            for name in ("contract_number", "contract_starts_on", "contract_ends_on"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("政府购买服务须填写合同编号和合同期。"))
        questionnaire = data.get("questionnaire")
        county = self.instance.county_id if self.instance.pk else self.chosen_county(data, None)
        if questionnaire is not None and questionnaire.county_id != county:
            self.add_error("questionnaire", _("只能选用本县的问卷。"))
        first, last = data.get("contract_starts_on"), data.get("contract_ends_on")
        if first and last and last < first:
            self.add_error("contract_ends_on", _("合同结束日期不能早于开始日期。"))
        return data

    def _get_validation_exclusions(self) -> set[str]:
        excluded: set[str] = super()._get_validation_exclusions()  # type: ignore[misc]
        if self.cleaned_data.get("new_provider"):
            excluded.add("provider")  # made on saving; the contract checks above have run
        return excluded

    def _post_clean(self) -> None:
        # The county (and the topics) are set before the model's own checks run.
        if self.instance.county_id is None:
            self.instance.county_id = self.chosen_county(self.cleaned_data, None)
        self.instance.topics = self.cleaned_data.get("topics", [])
        super()._post_clean()  # type: ignore[misc]


# --- venues -----------------------------------------------------------------------------------------


class VenueForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    picker_fields = ("region",)

    class Meta:
        model = Venue
        fields = ["name", "kind", "region", "address", "capacity", "school", "organisation"]
        help_texts = {
            "region": gettext_lazy("村里的活动室选村；乡镇的场地选乡镇；线上或外地务工企业选全县。"),
        }

    def __init__(self, *args: Any, county_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        counties = {self.instance.county_id} if self.instance.pk else county_ids
        fields: dict[str, Any] = self.fields
        fields["region"].queryset = county_places(counties)
        fields["region"].choices = [("", "---------"), *grouped_places(counties)]
        fields["region"].widget.attrs["data-picker"] = "1"
        fields["school"].queryset = School.objects.filter(county_id__in=counties).order_by("name")
        paths = [c.path for c in Region.objects.filter(pk__in=counties)]
        near = Q(region__isnull=True)
        for path in paths:
            near |= Q(region__path__startswith=path)
        fields["organisation"].queryset = Organisation.objects.filter(near).order_by("name")


# --- questionnaires ---------------------------------------------------------------------------------


class QuestionnaireForm(CountyMixin, BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    county = forms.ModelChoiceField(Region.objects.none(), label=gettext_lazy("所属县"))
    items_text = forms.CharField(
        label=gettext_lazy("题目（每行一题，按顺序编号）"),
        required=False,  # an empty list gets its own message below
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy("每行写一道题，最多40题，每题不超过200字。调整行的先后即可调整题号。"),
    )

    class Meta:
        model = Questionnaire
        fields = ["name", "scale"]

    field_order = ["county", "name", "scale", "items_text"]

    def __init__(self, *args: Any, county_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.county_id if self.instance.pk else None
        self.set_up_county(county_ids, current)
        if self.instance.pk and not self.is_bound:
            texts = self.instance.items.order_by("number").values_list("text", flat=True)
            self.fields["items_text"].initial = "\n".join(texts)

    def clean_items_text(self) -> list[str]:
        lines = [line.strip() for line in (self.cleaned_data.get("items_text") or "").splitlines()]
        items = [re.sub(r"^\d+\s*[.、．)）]\s*", "", line) for line in lines if line]
        if not items:
            raise forms.ValidationError(_("请至少填写一道题目。"))
        if len(items) > MAX_ITEMS:
            raise forms.ValidationError(_("一份问卷最多%(n)d道题。") % {"n": MAX_ITEMS})
        too_long = [str(n) for n, text in enumerate(items, 1) if len(text) > 200]
        if too_long:
            raise forms.ValidationError(
                _("第%(items)s题超过200字，请缩短。") % {"items": _("、").join(too_long)}
            )
        return items

    def _post_clean(self) -> None:
        if self.instance.county_id is None:
            self.instance.county_id = self.chosen_county(self.cleaned_data, None)
        super()._post_clean()  # type: ignore[misc]


# --- materials --------------------------------------------------------------------------------------


class MaterialForm(BootstrapMixin, forms.Form):
    program = forms.ModelChoiceField(Program.objects.none(), label=gettext_lazy("培训项目"))
    title = forms.CharField(label=gettext_lazy("标题"), max_length=120)
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("PDF、PNG、JPEG图片或MP3音频，最大20MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.mp3"}),
        error_messages={"required": gettext_lazy("请选择要上传的文件。")},
    )

    def __init__(self, *args: Any, county_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(  # type: ignore[attr-defined]
            county_id__in=county_ids
        ).order_by("-active", "name")


# --- county windows ---------------------------------------------------------------------------------

RANGE_SPLIT = re.compile(r"\s*(?:至|到|~|～|—|\s)\s*")


def _ranges(text: str, what: str) -> list[dict[str, str]]:
    pairs: list[dict[str, str]] = []
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        parts = [p for p in RANGE_SPLIT.split(line) if p]
        if len(parts) != 2:
            raise forms.ValidationError(
                _("%(what)s第%(n)d行应写成“开始 至 结束”，现在是“%(line)s”。")
                % {"what": what, "n": n, "line": line}
            )
        pairs.append({"start": parts[0], "end": parts[1]})
    return pairs


def _lines(pairs: list[dict[str, str]]) -> str:
    return "\n".join(f"{p['start']} 至 {p['end']}" for p in pairs)


class WindowsForm(BootstrapMixin, forms.Form):
    """A county's audience windows; each empty value means the default shown in its help text."""

    grandparent_day_start = forms.TimeField(
        label=gettext_lazy("祖辈培训最早开始"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    grandparent_day_end = forms.TimeField(
        label=gettext_lazy("祖辈培训最晚结束"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    farming_peaks = forms.CharField(
        label=gettext_lazy("农忙时段（每年重复）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    spring_festival = forms.CharField(
        label=gettext_lazy("春节返乡时段"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    school_vacations = forms.CharField(
        label=gettext_lazy("学校假期"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    travel_buffer_minutes = forms.IntegerField(
        label=gettext_lazy("场地间路程缓冲（分钟）"), required=False, min_value=0, max_value=240
    )
    reminder_days_before = forms.IntegerField(
        label=gettext_lazy("提前几天提醒"), required=False, min_value=1, max_value=14
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        d = DEFAULT_WINDOWS
        default = _("不填则用默认：%(value)s")
        fields = self.fields
        fields["grandparent_day_start"].help_text = default % {
            "value": d.grandparent_day[0].strftime("%H:%M")
        }
        fields["grandparent_day_end"].help_text = default % {"value": d.grandparent_day[1].strftime("%H:%M")}
        fields["farming_peaks"].help_text = _("每行一段，写成“05-25 至 06-15”（月-日）。") + default % {
            "value": _("、").join(
                f"{p.start[0]:02d}-{p.start[1]:02d} 至 {p.end[0]:02d}-{p.end[1]:02d}" for p in d.farming_peaks
            )
        }
        fields["spring_festival"].help_text = _(
            "每行一年，写成“2027-01-27 至 2027-02-14”，按结束日期所在年份计。"
        ) + default % {"value": _("%(n)d个年份的常见日期") % {"n": len(d.spring_festival)}}
        fields["school_vacations"].help_text = _("每行一段，写成“2027-01-23 至 2027-02-21”。") + default % {
            "value": _("%(n)d段常见假期") % {"n": len(d.school_vacations)}
        }
        fields["travel_buffer_minutes"].help_text = default % {
            "value": int(d.travel_buffer.total_seconds() // 60)
        }
        fields["reminder_days_before"].help_text = default % {"value": d.reminder_days_before}

    @staticmethod
    def initial_from(config: Any) -> dict[str, Any]:
        if config is None:
            return {}
        return {
            "grandparent_day_start": config.grandparent_day_start,
            "grandparent_day_end": config.grandparent_day_end,
            "farming_peaks": _lines(config.farming_peaks or []),
            "spring_festival": _lines(
                sorted((config.spring_festival or {}).values(), key=lambda p: p["start"])
            ),
            "school_vacations": _lines(config.school_vacations or []),
            "travel_buffer_minutes": config.travel_buffer_minutes,
            "reminder_days_before": config.reminder_days_before,
        }

    def clean_farming_peaks(self) -> list[dict[str, str]]:
        pairs = _ranges(self.cleaned_data.get("farming_peaks", ""), _("农忙时段"))
        try:
            parse_farming_peaks(pairs)
        except WindowConfigError as exc:
            raise forms.ValidationError(str(exc)) from None
        return pairs

    def clean_spring_festival(self) -> dict[str, dict[str, str]]:
        pairs = _ranges(self.cleaned_data.get("spring_festival", ""), _("春节返乡时段"))
        by_year: dict[str, dict[str, str]] = {}
        try:
            for pair in pairs:
                parse_spring_festival({"0": pair})
                year = str(dt.date.fromisoformat(pair["end"]).year)
                if year in by_year:
                    raise forms.ValidationError(
                        _("%(year)s年的春节返乡时段写了两次，每年只能写一段。") % {"year": year}
                    )
                by_year[year] = pair
        except WindowConfigError as exc:
            raise forms.ValidationError(str(exc)) from None
        return by_year

    def clean_school_vacations(self) -> list[dict[str, str]]:
        pairs = _ranges(self.cleaned_data.get("school_vacations", ""), _("学校假期"))
        try:
            parse_school_vacations(pairs)
        except WindowConfigError as exc:
            raise forms.ValidationError(str(exc)) from None
        return pairs

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = data.get("grandparent_day_start") or DEFAULT_WINDOWS.grandparent_day[0]
        end = data.get("grandparent_day_end") or DEFAULT_WINDOWS.grandparent_day[1]
        if end <= start:
            self.add_error("grandparent_day_end", _("祖辈培训最晚结束时间应晚于最早开始时间。"))
        return data


# --- editing a session ------------------------------------------------------------------------------


class SessionEditForm(BootstrapMixin, forms.Form):
    """Move a session (day, times), change its venue, trainers or seats."""

    day = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=gettext_lazy("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=gettext_lazy("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    venue = forms.ModelChoiceField(Venue.objects.none(), label=gettext_lazy("场地"))
    trainers = TrainerChoice(get_user_model().objects.none(), label=gettext_lazy("培训师"))
    capacity = forms.IntegerField(label=gettext_lazy("名额"), min_value=1)

    def __init__(self, *args: Any, session: Any, **kwargs: Any) -> None:
        starts = timezone.localtime(session.starts_at)
        kwargs.setdefault(
            "initial",
            {
                "day": starts.date().isoformat(),
                "start": starts.strftime("%H:%M"),
                "end": timezone.localtime(session.ends_at).strftime("%H:%M"),
                "venue": session.venue_id,
                "trainers": [t.pk for t in session.trainers.all()],
                "capacity": session.capacity,
            },
        )
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["venue"].queryset = Venue.objects.filter(
            Q(county_id=session.county_id, active=True) | Q(pk=session.venue_id)
        ).order_by("name")
        county = Region.objects.get(pk=session.county_id)
        fields["trainers"].queryset = trainers_of_county(county).order_by("username")
        fields["capacity"].help_text = _("已报名%(n)d人，名额不能少于报名人数。") % {"n": session.seats_taken}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            data["starts_at"] = timezone.make_aware(dt.datetime.combine(day, start))
            data["ends_at"] = timezone.make_aware(dt.datetime.combine(day, end))
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end", _("结束时间必须晚于开始时间。"))
        return data
