"""Forms of the county administrator pages (/manage/); the region-code check is shared with the admin.

Every choice list is built from the administrator's county through lbc/access.py, every field is
listed explicitly, and choices are addressed by ``public_id`` so sequential ids never reach a page.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lbc import access
from lbc.form_style import BootstrapMixin
from lbc.forms.fields import NameField
from lbc.models import Membership, Organisation, Region, School, SchoolClass
from lbc.models.memberships import LEVEL_OF_KIND, SCOPE_KIND

_REGION_CODE = re.compile(r"[0-9]{9,12}")
_SCOPE_FIELDS = ("region", "school", "school_class")
# Path segments of /manage/users/ that are not usernames.
RESERVED_USERNAMES = frozenset({"new", "import"})


def validate_region_code(value: str) -> None:
    if not _REGION_CODE.fullmatch(value or ""):
        raise ValidationError(_("区划代码须为9至12位数字。"), code="region_code")


def validate_grade(value: int) -> None:
    if not 1 <= value <= 12:
        raise ValidationError(_("年级须在1至12之间。"), code="grade_range")


def validate_school_year(value: int) -> None:
    if not 2000 <= value <= 2100:
        raise ValidationError(_("学年须为2000至2100之间的年份。"), code="school_year_range")


def region_label(region: Region) -> str:
    """Villages carry their township so two villages of the same name stay distinguishable."""
    if region.level == Region.Level.VILLAGE and region.parent is not None:
        return f"{region.parent.name} · {region.name}"
    return region.name


def class_label(school_class: SchoolClass) -> str:
    return str(_("%(school)s · %(year)s学年 %(cls)s") % {
        "school": school_class.school.name, "year": school_class.school_year, "cls": school_class,
    })


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, Region)
        return region_label(obj)


class ClassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, SchoolClass)
        return class_label(obj)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- county structure ---------------------------------------------------------------------------


class RegionForm(BootstrapMixin, forms.ModelForm):
    """Create a township (parent: a county) or a village (parent: a township); edit name and code.

    The parent is fixed once created: moving a region would leave the stored ancestry of its
    villages, schools and children stale.
    """

    parent = RegionChoiceField(queryset=Region.objects.none(), to_field_name="public_id", label=_("上级"))
    latitude = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)

    class Meta:
        model = Region
        fields = ("parent", "name", "code", "latitude", "longitude")
        error_messages = {"code": {"unique": _("该区划代码已被使用。")}}

    def __init__(self, *args: Any, admin_user: Any, level: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.level = level
        self.fields["code"].validators.append(validate_region_code)
        self.fields["code"].help_text = _("国家统计用区划代码，9至12位数字。")
        if self.instance.pk:
            del self.fields["parent"]
        else:
            parent = self.fields["parent"]
            assert isinstance(parent, forms.ModelChoiceField)
            parent.queryset = (access.regions_for_admin(admin_user).filter(level=level - 1)
                               .select_related("parent"))
            parent.label = _("所属县") if level == Region.Level.TOWNSHIP else _("所属乡镇")
        self.style_fields()

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not self.instance.pk:
            self.instance.level = self.level
        return cleaned


class SchoolForm(BootstrapMixin, forms.ModelForm):
    region = RegionChoiceField(queryset=Region.objects.none(), to_field_name="public_id",
                               label=_("所在乡镇或村"))

    class Meta:
        model = School
        fields = ("name", "kind", "region", "has_boarding", "active")

    def __init__(self, *args: Any, admin_user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = access.regions_for_admin(admin_user).filter(
            level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE]
        ).select_related("parent")
        if self.instance.pk:
            # The choices are keyed by public_id, not by the primary key the model form starts from.
            self.initial["region"] = self.instance.region.public_id
        self.style_fields()


class SchoolClassForm(BootstrapMixin, forms.ModelForm):
    school_year = forms.IntegerField(label=_("学年"), validators=[validate_school_year],
                                     help_text=_("例如2026表示2026—2027学年。"))
    grade = forms.IntegerField(label=_("年级"), validators=[validate_grade])

    class Meta:
        model = SchoolClass
        fields = ("school_year", "grade", "name")

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.instance.school = school
        if not self.instance.pk:
            self.initial.setdefault("school_year", timezone.localdate().year)
        self.fields["name"].help_text = _("例如：1班")
        self.style_fields()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        year, grade, name = cleaned.get("school_year"), cleaned.get("grade"), cleaned.get("name")
        if year is None or grade is None or not name:
            return cleaned
        same = SchoolClass.objects.filter(school=self.school, school_year=year, grade=grade,
                                          name=name.strip())
        if same.exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("本校该学年已有同名的同年级班级。"))
        return cleaned


# --- accounts -----------------------------------------------------------------------------------


class UserCreateForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, validators=[UnicodeUsernameValidator()],
                               help_text=_("登录用，只能包含字母、数字和 @ . + - _ 。"))
    full_name = NameField(label=_("姓名"), max_length=150)
    password1 = forms.CharField(label=_("初始密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("再次输入初始密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = " ".join(password_validation.password_validators_help_texts())
        self.style_fields()

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if username.lower() in RESERVED_USERNAMES:
            raise ValidationError(_("该用户名为系统保留，请换一个。"))
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("该用户名已被使用，请换一个。"))
        return username

    def clean_full_name(self) -> str:
        return str(self.cleaned_data["full_name"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif first:
            probe = get_user_model()(username=cleaned.get("username", ""),
                                     first_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(first, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


def scope_queryset(admin_user: Any, kind: str) -> QuerySet[Any]:
    """The scope choices for a kind of role, all inside the administrator's counties."""
    if kind in LEVEL_OF_KIND:
        return access.regions_for_admin(admin_user).filter(level=LEVEL_OF_KIND[kind]).select_related("parent")
    if kind == "school":
        return access.schools_for_admin(admin_user).filter(active=True)
    if kind == "class":
        schools = access.schools_for_admin(admin_user)
        return SchoolClass.objects.filter(school__in=schools).select_related("school")
    return Organisation.objects.filter(region__in=access.regions_for_admin(admin_user))


_SCOPE_LABELS = {
    "county": _("县"), "township": _("乡镇"), "village": _("村/社区"), "school": _("学校"),
    "class": _("班级"), "none": _("所属组织"),
}


_SCOPE_FIELD_CLASSES: dict[str, type[forms.ModelChoiceField]] = {
    "class": ClassChoiceField, "school": forms.ModelChoiceField, "none": forms.ModelChoiceField,
}


def scope_field(admin_user: Any, kind: str) -> forms.ModelChoiceField:
    queryset = scope_queryset(admin_user, kind)
    field_class = _SCOPE_FIELD_CLASSES.get(kind, RegionChoiceField)
    field = field_class(queryset=queryset, to_field_name="public_id", label=_SCOPE_LABELS[kind])
    if kind == "none":
        field.help_text = _("志愿者没有区划范围，只能看到指派给他的儿童；按所属组织归入本县。")
    return field


class MembershipForm(BootstrapMixin, forms.Form):
    """Role + scope + validity. The role is chosen first (step one), so the scope list fits it."""

    valid_from = forms.DateField(label=_("生效日期"), widget=_date_input())
    valid_until = forms.DateField(label=_("失效日期"), widget=_date_input(), required=False,
                                  help_text=_("当天仍有效；留空表示长期有效。"))

    def __init__(self, *args: Any, admin_user: Any, role: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role = role
        self.kind = SCOPE_KIND[role]
        self.fields = {"scope": scope_field(admin_user, self.kind), **self.fields}
        self.initial.setdefault("valid_from", timezone.localdate())
        if access.capabilities_of(role).term_limited:
            until = self.fields["valid_until"]
            until.required = True
            until.error_messages["required"] = _("志愿者账号必须填写失效日期。")
            until.help_text = _("志愿者通常每学期轮换，请填写服务结束的日期（当天仍有效）。")
        self.style_fields()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "scope" in cleaned and "valid_from" in cleaned:
            try:
                self.membership().clean()
            except ValidationError as exc:
                self._add_model_errors(exc)
        return cleaned

    def _add_model_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.error_dict.items():
            target = "scope" if name in _SCOPE_FIELDS else name if name in self.fields else None
            self.add_error(target, errors)

    def membership(self) -> Membership:
        """An unsaved membership (without user) from the cleaned data."""
        scope = self.cleaned_data.get("scope")
        membership = Membership(role=self.role,
                                valid_from=self.cleaned_data.get("valid_from") or timezone.localdate(),
                                valid_until=self.cleaned_data.get("valid_until"))
        if isinstance(scope, Region):
            membership.region = scope
        elif isinstance(scope, School):
            membership.school = scope
        elif isinstance(scope, SchoolClass):
            membership.school_class = scope
            membership.school = scope.school
        return membership

    @property
    def organisation(self) -> Organisation | None:
        scope = self.cleaned_data.get("scope")
        return scope if isinstance(scope, Organisation) else None


class MembershipDatesForm(BootstrapMixin, forms.Form):
    """Change the validity of an existing membership. A new scope is a new membership, kept apart."""

    valid_from = forms.DateField(label=_("生效日期"), widget=_date_input())
    valid_until = forms.DateField(label=_("失效日期"), widget=_date_input(), required=False)

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"valid_from": membership.valid_from,
                                      "valid_until": membership.valid_until})
        kwargs.setdefault("prefix", f"m{membership.pk}")
        super().__init__(*args, **kwargs)
        self.membership = membership
        if access.capabilities_of(membership.role).term_limited:
            self.fields["valid_until"].required = True
            self.fields["valid_until"].error_messages["required"] = _("志愿者账号必须填写失效日期。")
        self.style_fields()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start: dt.date | None = cleaned.get("valid_from")
        end: dt.date | None = cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("失效日期不能早于生效日期。"))
        return cleaned


# --- uploads (regions from division codes, accounts from a staff roster) -------------------------


class TableUploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"),
                           error_messages={"required": _("请选择要上传的文件。")},
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))


class OrganisationForm(BootstrapMixin, forms.ModelForm):
    """A social organisation, company, university or office; volunteers belong to the county through it."""

    region = RegionChoiceField(queryset=Region.objects.none(), to_field_name="public_id", label=_("所在区划"),
                               help_text=_("组织所在或服务的本县区划（县、乡镇或村）。"))

    class Meta:
        model = Organisation
        fields = ("name", "kind", "city", "region")

    def __init__(self, *args: Any, admin_user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = access.regions_for_admin(admin_user).select_related("parent")
        if self.instance.pk and self.instance.region_id:
            self.initial["region"] = self.instance.region.public_id
        self.style_fields()
