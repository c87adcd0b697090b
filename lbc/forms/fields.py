"""Widgets, choice fields, scope-limited choice lists and cleaning shared by the registry forms."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lbc import access
from lbc.access import UserLike
from lbc.access.scope import SCHOOL, any_of, scope_q
from lbc.models import (
    Membership,
    Region,
    School,
    SchoolClass,
)
from lbc.text import InvalidName, normalise_name

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


class NameField(forms.CharField):
    """A person's name through ``lbc.text.normalise_name``: NFC, one name dot, single spaces; invisible
    and control characters are refused with a message naming the code point."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return normalise_name(value)
        except InvalidName as error:
            raise ValidationError(error.message, code="invisible") from error


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
