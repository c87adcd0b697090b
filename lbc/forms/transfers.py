"""Moving a child to another school, class or home village of the same county."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lbc.form_style import BootstrapMixin
from lbc.forms.fields import (
    NONE,
    PICK_ONE,
    ClassSelect,
    DateInput,
    SchoolClassChoiceField,
    VillageChoiceField,
    classes_for_schools,
    model_choice,
    not_in_future,
)
from lbc.models import Child, Region, School, SchoolClass


class TransferForm(BootstrapMixin, forms.Form):
    """The destination may lie outside the mover's own scope (that is what a transfer is), but always in
    the child's county: the choice lists hold the county's villages and active schools."""

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
    moved_on = forms.DateField(label=_("迁移日期"), widget=DateInput())
    reason = forms.CharField(
        label=_("原因"),
        max_length=200,
        required=False,
        help_text=_("例如：随祖父母搬到镇上、升入初中。请勿填写病情或心理筛查结果。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args: Any, child: Child, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        county = child.county
        model_choice(self, "village").queryset = (
            Region.objects.filter(level=Region.Level.VILLAGE, path__startswith=county.path)
            .select_related("parent")
            .order_by("parent__name", "name")
        )
        schools = School.objects.filter(Q(county_id=county.pk, active=True)).order_by("name")
        model_choice(self, "school").queryset = schools
        model_choice(self, "school_class").queryset = classes_for_schools(schools)
        self.fields["school"].widget.attrs["data-filters"] = self["school_class"].id_for_label

    @staticmethod
    def initial_for(child: Child) -> dict[str, Any]:
        return {
            "village": child.village.public_id,
            "school": child.school.public_id if child.school else None,
            "school_class": child.school_class.public_id if child.school_class else None,
            "moved_on": timezone.localdate(),
            "version": child.version,
        }

    def clean_moved_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["moved_on"]
        not_in_future(value, _("迁移日期不能晚于今天。"))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        school, school_class = self.cleaned_data.get("school"), self.cleaned_data.get("school_class")
        if school_class is not None and (school is None or school_class.school_id != school.pk):
            self.add_error("school_class", _("所选班级不属于所选学校。"))
        return self.cleaned_data
