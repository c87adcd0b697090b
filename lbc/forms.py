"""Forms of the registry pages.

Every form lists its fields explicitly; the views hand ``cleaned_data`` to a service, which again
writes only its own list of writable fields. Choice lists of places come from the user's scope.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lbc import access
from lbc.access import UserLike
from lbc.access.scope import SCHOOL, any_of, scope_q
from lbc.form_style import BootstrapMixin
from lbc.idnumbers import InvalidIdNumber, parse_id_number
from lbc.models import (
    Child,
    ChildGuardian,
    Consent,
    Guardian,
    Membership,
    Parent,
    Region,
    School,
    SchoolClass,
    Sex,
)

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
FULL_WIDTH_DIGITS = frozenset("０１２３４５６７８９")
PHONE_HELP = _("11位手机号码（以1开头），或带区号的固定电话，例如 0851-12345678。")
OLDEST_CHILD_YEARS = 18
PICK_ONE = _("请选择")
NONE = _("无")


def pick_one(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """A required choice starts empty, so nobody saves the first option by accident."""
    return [("", PICK_ONE), *choices]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class ClassSelect(forms.Select):
    """Options carry their school so site.js can show only the classes of the chosen school."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-school"] = str(instance.school.public_id)
        return option


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.parent is not None else obj.name


class SchoolClassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SchoolClass) -> str:
        return f"{obj.school.name} {obj}"


# --- choice lists from the user's scope ----------------------------------------------------------


def _editing_memberships(user: UserLike) -> list[Membership]:
    return access.scope_of(user).holding(access.Can.EDIT_CHILDREN)


def villages_for_editor(user: UserLike, *, keep: int | None = None) -> QuerySet[Region]:
    """Villages under the user's editing scopes (a school's own township for counsellors), plus ``keep``."""
    condition = Q(pk__in=[])
    for m in _editing_memberships(user):
        if m.region is not None:
            condition |= Q(path__startswith=m.region.path)
        elif m.school is not None:
            condition |= Q(parent_id=m.school.township_id) | Q(pk=m.school.region_id)
    return (
        Region.objects.filter((condition & Q(level=Region.Level.VILLAGE)) | Q(pk=keep or 0))
        .select_related("parent")
        .order_by("parent__name", "name")
    )


def schools_for_editor(user: UserLike, *, keep: int | None = None) -> QuerySet[School]:
    """Active schools under the user's editing scopes, plus ``keep`` (the record's current school)."""
    condition = any_of(scope_q(m, SCHOOL) for m in _editing_memberships(user)) or Q(pk__in=[])
    return School.objects.filter((condition & Q(active=True)) | Q(pk=keep or 0)).order_by("name")


def classes_for_schools(schools: QuerySet[School], *, keep: int | None = None) -> QuerySet[SchoolClass]:
    return (
        SchoolClass.objects.filter(Q(school__in=schools) | Q(pk=keep or 0))
        .select_related("school")
        .order_by("school__name", "-school_year", "grade", "name")
    )


def model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


# --- shared cleaning -----------------------------------------------------------------------------


def without_spaces(value: str) -> str:
    """Spaces (also the full-width one) are layout, not content. Nothing else is changed: full-width
    digits are refused with a message by the validators, never silently converted."""
    return "".join(value.split())


def clean_phone_number(raw: str, stored: str = "") -> str:
    """A mainland mobile (11 digits starting with 1) or a landline with its area code.

    The number already on record passes unchanged: saving an unrelated edit must not be blocked by
    an old value that predates these rules.
    """
    value = without_spaces(raw).replace("(", "").replace(")", "")
    if not value or (stored and value == without_spaces(stored)):
        return stored if value else ""
    if value.startswith("+86"):
        value = value[3:]
    digits = value.replace("-", "")
    if MOBILE.match(digits):
        return digits
    if LANDLINE.match(value):
        return value  # where the area code ends is not knowable without the hyphen: keep it as typed
    if any(ch in FULL_WIDTH_DIGITS for ch in value):
        raise ValidationError(_("电话号码中含有全角数字，请使用半角数字重新输入。"))
    raise ValidationError(
        _("电话号码格式不正确：请填写11位手机号码（以1开头），或带区号的固定电话，例如 0851-12345678。")
    )


def not_in_future(value: dt.date | None, message: Any) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(message)


# --- login -----------------------------------------------------------------------------------------


class LoginForm(BootstrapMixin, AuthenticationForm):
    """The same message for an unknown user, a wrong password and an inactive account."""

    error_messages = {
        "invalid_login": _("用户名或密码不正确。请注意密码区分大小写。"),
        "inactive": _("用户名或密码不正确。请注意密码区分大小写。"),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")


# --- children --------------------------------------------------------------------------------------


class ChildForm(BootstrapMixin, forms.Form):
    """Register or edit a child. ``status`` and ``version`` only exist when editing."""

    family_name = forms.CharField(label=_("姓"), max_length=20)
    given_name = forms.CharField(label=_("名"), max_length=30)
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
    status = forms.ChoiceField(label=_("状态"), choices=Child.Status.choices)
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args: Any, user: UserLike, child: Child | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.child = child
        if child is None:
            del self.fields["status"], self.fields["version"]
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
        value = " ".join(self.cleaned_data[name].split())
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


# --- guardians and parents --------------------------------------------------------------------------


class GuardianForm(BootstrapMixin, forms.Form):
    """A caregiver. The relationship fields exist only when adding a guardian to a child."""

    name = forms.CharField(label=_("姓名"), max_length=40)
    relationship = forms.ChoiceField(
        label=_("与儿童关系"), choices=pick_one(ChildGuardian.Relationship.choices)
    )
    is_primary = forms.BooleanField(label=_("主要照料人"), required=False)
    is_legal_guardian = forms.BooleanField(
        label=_("法定监护人"),
        required=False,
        help_text=_("父母或法院、民政部门指定的监护人。受父母委托照看孩子的祖父母等为委托照护人，不要勾选。"),
    )
    sex = forms.ChoiceField(label=_("性别"), choices=pick_one(Sex.choices))
    birth_year = forms.IntegerField(
        label=_("出生年份"),
        required=False,
        min_value=1900,
        error_messages={
            "min_value": _("请输入四位出生年份，例如 1958。"),
            "invalid": _("请输入四位出生年份，例如 1958。"),
        },
    )
    education = forms.ChoiceField(
        label=_("文化程度"), required=False, choices=[("", "—"), *Guardian.Education.choices]
    )
    health = forms.ChoiceField(
        label=_("健康状况"), required=False, choices=[("", "—"), *Guardian.Health.choices]
    )
    can_read = forms.BooleanField(label=_("能阅读通知"), required=False, initial=True)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False, help_text=PHONE_HELP)
    village = VillageChoiceField(
        label=_("居住村/社区"),
        queryset=Region.objects.none(),
        to_field_name="public_id",
        empty_label=PICK_ONE,
    )
    dialect_note = forms.CharField(label=_("方言/沟通说明"), max_length=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput())

    LINK_FIELDS = ("relationship", "is_primary", "is_legal_guardian")

    def __init__(
        self,
        *args: Any,
        user: UserLike,
        guardian: Guardian | None = None,
        child: Child | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if guardian is None:
            del self.fields["version"]
        else:
            for name in self.LINK_FIELDS:
                del self.fields[name]
        keep = guardian.village_id if guardian else (child.village_id if child else None)
        model_choice(self, "village").queryset = villages_for_editor(user, keep=keep)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.stored_phone = guardian.phone if guardian else ""

    @staticmethod
    def initial_for(guardian: Guardian) -> dict[str, Any]:
        initial = {
            name: getattr(guardian, name)
            for name in (
                "name",
                "sex",
                "birth_year",
                "education",
                "health",
                "can_read",
                "phone",
                "dialect_note",
                "version",
            )
        }
        initial["village"] = guardian.village.public_id
        return initial

    def clean_birth_year(self) -> int | None:
        value: int | None = self.cleaned_data.get("birth_year")
        if value is not None and value > timezone.localdate().year:
            raise ValidationError(_("出生年份不能晚于今年。"))
        return value

    def clean_phone(self) -> str:
        return clean_phone_number(self.cleaned_data.get("phone", ""), self.stored_phone)


class ParentForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("身份"), choices=pick_one(Parent.Role.choices))
    name = forms.CharField(label=_("姓名"), max_length=40)
    works_away = forms.BooleanField(label=_("外出务工"), required=False, initial=True)
    work_city = forms.CharField(label=_("务工城市"), max_length=60, required=False)
    employer_name = forms.CharField(label=_("工作单位名称"), max_length=120, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False, help_text=PHONE_HELP)
    return_period = forms.ChoiceField(
        label=_("通常返乡时间"), required=False, choices=[("", "—"), *Parent.ReturnPeriod.choices]
    )

    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args: Any, parent: Parent | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parent is None:
            del self.fields["version"]
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.stored_phone = parent.phone if parent else ""

    @staticmethod
    def initial_for(parent: Parent) -> dict[str, Any]:
        return {
            name: getattr(parent, name)
            for name in (
                "role",
                "name",
                "works_away",
                "work_city",
                "employer_name",
                "phone",
                "return_period",
                "version",
            )
        }

    def clean_phone(self) -> str:
        return clean_phone_number(self.cleaned_data.get("phone", ""), self.stored_phone)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("works_away") and not data.get("work_city"):
            self.add_error("work_city", _("外出务工时请填写务工城市。"))
        return data


# --- consents --------------------------------------------------------------------------------------


OTHER_SIGNER = "other"
ASSENT_CHOICES = [("", _("未询问或不适用")), ("yes", _("同意")), ("no", _("不同意"))]


def signer_label(link: ChildGuardian) -> str:
    if link.is_legal_guardian:
        text = _("%(name)s（%(relationship)s，法定监护人）")
    else:
        text = _("%(name)s（%(relationship)s，委托照护人）")
    return str(text) % {"name": link.guardian.name, "relationship": link.get_relationship_display()}


class ConsentForm(BootstrapMixin, forms.Form):
    """Record a consent decision. Picking a registered guardian fills in who signed and in what capacity."""

    purpose = forms.ChoiceField(label=_("目的"), choices=pick_one(Consent.Purpose.choices))
    decision = forms.ChoiceField(label=_("决定"), choices=pick_one(Consent.Decision.choices))
    signer = forms.ChoiceField(label=_("签署人"), required=False)
    given_by_name = forms.CharField(
        label=_("签署人姓名"),
        max_length=40,
        required=False,
        help_text=_("签署人不在上面的监护人名单中时填写。"),
    )
    given_by_relationship = forms.CharField(label=_("与儿童关系"), max_length=40, required=False)
    is_legal_guardian = forms.BooleanField(label=_("签署人为法定监护人"), required=False)
    channel = forms.ChoiceField(label=_("方式"), choices=pick_one(Consent.Channel.choices))
    notice_version = forms.CharField(label=_("告知书版本"), max_length=20)
    decided_on = forms.DateField(label=_("日期"), widget=DateInput())
    child_assent = forms.TypedChoiceField(
        label=_("儿童本人同意"),
        required=False,
        choices=ASSENT_CHOICES,
        coerce=lambda v: v == "yes",
        empty_value=None,
    )

    def __init__(self, *args: Any, links: list[ChildGuardian], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.links = {str(link.guardian.public_id): link for link in links}
        cast(forms.ChoiceField, self.fields["signer"]).choices = [
            *[(key, signer_label(link)) for key, link in self.links.items()],
            (OTHER_SIGNER, _("其他人（手动填写）")),
        ]
        self.fields["signer"].initial = next(iter(self.links), OTHER_SIGNER)

    def clean_decided_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["decided_on"]
        not_in_future(value, _("日期不能晚于今天。"))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        link = self.links.get(data.get("signer") or "")
        if link is not None:
            data["given_by_name"] = link.guardian.name
            data["given_by_relationship"] = str(link.get_relationship_display())
            data["is_legal_guardian"] = link.is_legal_guardian
        else:
            if not data.get("given_by_name"):
                self.add_error("given_by_name", _("请填写签署人姓名，或在上面选择一位监护人。"))
            if not data.get("given_by_relationship"):
                self.add_error("given_by_relationship", _("请填写签署人与儿童的关系。"))
        return data


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
