"""Registering and editing a child, and filtering the child list."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lbc import access
from lbc.access import UserLike
from lbc.form_style import BootstrapMixin
from lbc.forms.fields import (
    NONE,
    OLDEST_CHILD_YEARS,
    PICK_ONE,
    ClassSelect,
    DateInput,
    NameField,
    SchoolClassChoiceField,
    VillageChoiceField,
    classes_for_schools,
    model_choice,
    not_in_future,
    pick_one,
    schools_for_editor,
    villages_for_editor,
    without_spaces,
)
from lbc.idnumbers import InvalidIdNumber, parse_id_number
from lbc.models import (
    Child,
    Region,
    School,
    SchoolClass,
    Sex,
)
from lbc.submissions import SubmissionField

# --- children --------------------------------------------------------------------------------------


class ChildForm(BootstrapMixin, forms.Form):
    """Register or edit a child. ``status`` and ``version`` only exist when editing."""

    family_name = NameField(label=_("姓"), max_length=20)
    given_name = NameField(label=_("名"), max_length=30)
    sex = forms.ChoiceField(label=_("性别"), choices=pick_one(Sex.choices))
    birth_date = forms.DateField(label=_("出生日期"), widget=DateInput())
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=40,
        required=False,
        help_text=_("18位，最后一位可以是X。没有号码时请选择下面的原因。"),
    )
    id_absent_reason = forms.ChoiceField(
        label=_("无身份证号原因"), required=False, choices=[("", "—"), *Child.IdAbsentReason.choices]
    )
    village = VillageChoiceField(
        label=_("户籍村/社区"),
        queryset=Region.objects.none(),
        to_field_name="public_id",
        empty_label=PICK_ONE,
    )
    school = forms.ModelChoiceField(
        label=_("学校"),
        queryset=School.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label=NONE,
    )
    school_class = SchoolClassChoiceField(
        label=_("班级"),
        queryset=SchoolClass.objects.none(),
        required=False,
        to_field_name="public_id",
        widget=ClassSelect(),
        empty_label=NONE,
    )
    grade = forms.IntegerField(
        label=_("年级"),
        required=False,
        min_value=1,
        max_value=12,
        help_text=_("1—12：小学1—6年级，初中7—9年级，高中10—12年级。"),
        error_messages={
            "min_value": _("年级应在1到12之间。"),
            "max_value": _("年级应在1到12之间。"),
            "invalid": _("年级请填写数字。"),
        },
    )
    boarding = forms.BooleanField(label=_("寄宿"), required=False)
    left_behind_type = forms.ChoiceField(label=_("留守类型"), choices=pick_one(Child.LeftBehindType.choices))
    separation_start = forms.DateField(label=_("开始与父母分离"), required=False, widget=DateInput())
    parent_contact = forms.ChoiceField(
        label=_("与父母联系频率"), choices=pick_one(Child.ContactFrequency.choices)
    )
    care_arrangement = forms.ChoiceField(label=_("照料方式"), choices=pick_one(Child.CareArrangement.choices))
    # Aged out is set by the birthday job only, and such a file is no longer edited.
    status = forms.ChoiceField(
        label=_("状态"), choices=[c for c in Child.Status.choices if c[0] != Child.Status.AGED_OUT]
    )
    version = forms.IntegerField(widget=forms.HiddenInput())
    submission = SubmissionField()  # registering only: a double post creates one file

    def __init__(self, *args: Any, user: UserLike, child: Child | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.child = child
        if child is None:
            del self.fields["status"], self.fields["version"]
        else:
            del self.fields["submission"]
        villages = villages_for_editor(user, keep=child.village_id if child else None)
        schools = schools_for_editor(user, keep=child.school_id if child else None)
        model_choice(self, "village").queryset = villages
        model_choice(self, "school").queryset = schools
        model_choice(self, "school_class").queryset = classes_for_schools(
            schools, keep=child.school_class_id if child else None
        )
        self.fields["school"].widget.attrs["data-filters"] = self["school_class"].id_for_label
        for name in ("family_name", "given_name", "id_number"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    @staticmethod
    def initial_for(child: Child) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(child, name)
            for name in (
                "family_name",
                "given_name",
                "sex",
                "birth_date",
                "id_number",
                "id_absent_reason",
                "grade",
                "boarding",
                "left_behind_type",
                "separation_start",
                "parent_contact",
                "care_arrangement",
                "status",
                "version",
            )
        }
        initial["village"] = child.village.public_id
        initial["school"] = child.school.public_id if child.school else None
        initial["school_class"] = child.school_class.public_id if child.school_class else None
        return initial

    def clean_family_name(self) -> str:
        return self._clean_name("family_name")

    def clean_given_name(self) -> str:
        return self._clean_name("given_name")

    def _clean_name(self, name: str) -> str:
        value: str = self.cleaned_data[name]
        if any(ch.isdigit() for ch in value):
            raise ValidationError(_("姓名中不应包含数字。"))
        return value

    def clean_birth_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["birth_date"]
        not_in_future(value, _("出生日期不能晚于今天。"))
        today = timezone.localdate()
        if value < today.replace(year=today.year - OLDEST_CHILD_YEARS - 1):
            raise ValidationError(_("请核对出生日期：登记对象应为未满18周岁的儿童。"))
        return value

    def clean_id_number(self) -> str:
        raw = without_spaces(self.cleaned_data.get("id_number", ""))
        if not raw:
            return ""
        try:
            return parse_id_number(raw).value
        except InvalidIdNumber as exc:
            raise ValidationError(str(exc)) from None

    def clean_separation_start(self) -> dt.date | None:
        value = self.cleaned_data.get("separation_start")
        not_in_future(value, _("开始与父母分离的日期不能晚于今天。"))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self._check_id_number(data)
        self._check_school(data)
        if (
            data.get("separation_start")
            and data.get("birth_date")
            and data["separation_start"] < data["birth_date"]
        ):
            self.add_error("separation_start", _("开始与父母分离的日期不能早于出生日期。"))
        if not self.errors:
            self._check_stays_in_scope(data)
        return data

    def _check_id_number(self, data: dict[str, Any]) -> None:
        number = data.get("id_number")
        if number:
            data["id_absent_reason"] = ""
            parsed = parse_id_number(number)
            if data.get("birth_date") and parsed.birth_date != data["birth_date"]:
                self.add_error(
                    "id_number",
                    _("身份证号码中的出生日期（%(date)s）与填写的出生日期不一致。")
                    % {"date": parsed.birth_date.isoformat()},
                )
            if data.get("sex") and parsed.sex != data["sex"]:
                self.add_error(
                    "id_number",
                    _("身份证号码中的性别（%(sex)s）与填写的性别不一致。") % {"sex": Sex(parsed.sex).label},
                )
        elif "id_number" in data and not data.get("id_absent_reason"):
            self.add_error("id_absent_reason", _("请填写身份证号码，或选择无身份证号码的原因。"))

    def _check_school(self, data: dict[str, Any]) -> None:
        school, school_class = data.get("school"), data.get("school_class")
        if school_class is None:
            return
        if school is None or school_class.school_id != school.pk:
            self.add_error("school_class", _("所选班级不属于所选学校。"))
        elif data.get("grade") is None:
            data["grade"] = school_class.grade
        elif data["grade"] != school_class.grade:
            self.add_error(
                "grade", _("年级与所选班级的年级（%(grade)s年级）不一致。") % {"grade": school_class.grade}
            )

    def _check_stays_in_scope(self, data: dict[str, Any]) -> None:
        """Refuse a save after which the user could no longer manage the record."""
        probe = Child(
            village=data["village"], school=data.get("school"), school_class=data.get("school_class")
        )
        probe.set_region_ids(data["village"])
        if not access.rights_for_child(self.user, probe, grants=[]).can_edit:
            raise ValidationError(_("保存后这份档案将不在您的负责范围内：请选择您负责的村或学校。"))


# --- child list filters ----------------------------------------------------------------------------


class ChildFilterForm(BootstrapMixin, forms.Form):
    """Search and filters of the child list. Which fields exist depends on what the user may see."""

    q = forms.CharField(label=_("姓名"), required=False, max_length=40)
    id_number = forms.CharField(label=_("身份证号码"), required=False, max_length=40)
    school = forms.ModelChoiceField(
        label=_("学校"),
        required=False,
        queryset=School.objects.none(),
        to_field_name="public_id",
        empty_label=_("全部学校"),
    )
    village = VillageChoiceField(
        label=_("村/社区"),
        required=False,
        queryset=Region.objects.none(),
        to_field_name="public_id",
        empty_label=_("全部村/社区"),
    )
    grade = forms.TypedChoiceField(label=_("年级"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Child.Status.choices]
    )

    def __init__(
        self,
        *args: Any,
        visible: set[str],
        schools: QuerySet[School],
        villages: QuerySet[Region],
        grades: list[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "school").queryset = schools
        model_choice(self, "village").queryset = villages
        cast(forms.ChoiceField, self.fields["grade"]).choices = [
            ("", _("全部年级")),
            *[(g, _("%(g)s年级") % {"g": g}) for g in grades],
        ]
        self.fields["q"].widget = forms.TextInput(attrs={"type": "search", "autocomplete": "off"})
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})
        for name, needs in (
            ("id_number", "id_number"),
            ("village", "village"),
            ("grade", "grade"),
            ("status", "status"),
        ):
            if needs not in visible:
                del self.fields[name]
        self.fields["q"].label = _("姓名") if "family_name" in visible else _("名字")

    def clean_id_number(self) -> str:
        raw = without_spaces(self.cleaned_data.get("id_number", ""))
        if not raw:
            return ""
        try:
            return parse_id_number(raw).value
        except InvalidIdNumber as exc:
            raise ValidationError(str(exc)) from None
