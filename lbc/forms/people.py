"""Guardians, parents and consents."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lbc.access import UserLike
from lbc.form_style import BootstrapMixin
from lbc.forms.fields import (
    PHONE_HELP,
    PICK_ONE,
    DateInput,
    NameField,
    VillageChoiceField,
    clean_phone_number,
    model_choice,
    not_in_future,
    pick_one,
    villages_for_editor,
)
from lbc.models import (
    Child,
    ChildGuardian,
    Consent,
    Guardian,
    Parent,
    Region,
    Sex,
)

# --- guardians and parents --------------------------------------------------------------------------


class GuardianForm(BootstrapMixin, forms.Form):
    """A caregiver. The relationship fields exist only when adding a guardian to a child."""

    name = NameField(label=_("姓名"), max_length=40)
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
    name = NameField(label=_("姓名"), max_length=40)
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
    given_by_name = NameField(
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
