"""Forms of the roster import: the upload, the column mapping, the pre-filled template's school/class."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lbc.access.roster import RosterScope
from lbc.form_style import BootstrapMixin
from lbc.models import School, SchoolClass
from lbc.roster.fields import LABELS


class RosterUploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("花名册文件"),
        help_text=_("Excel（.xlsx/.xls）或CSV文件；表头可以是学校花名册或民政部门名单的格式。"),
    )
    scope = forms.ChoiceField(label=_("导入到"))

    def __init__(self, *args: Any, scopes: list[RosterScope], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scopes = scopes
        scope_field = self.fields["scope"]
        assert isinstance(scope_field, forms.ChoiceField)
        scope_field.choices = [(str(i), s.label()) for i, s in enumerate(scopes)]
        if len(scopes) == 1:
            self.fields["scope"].widget = forms.HiddenInput()
            self.fields["scope"].initial = "0"

    def chosen_scope(self) -> RosterScope:
        return self.scopes[int(self.cleaned_data["scope"])]


def field_choices() -> list[tuple[str, Any]]:
    return [("", _("（不导入这一列）")), *((str(f), label) for f, label in LABELS.items())]


class RosterMappingForm(BootstrapMixin, forms.Form):
    """One choice per column of the file's header."""

    def __init__(self, *args: Any, labels: list[str], mapping: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.labels = labels
        for index, label in enumerate(labels):
            self.fields[f"c{index}"] = forms.ChoiceField(
                label=label or _("（无列名）"),
                choices=field_choices(),
                required=False,
                initial=mapping[index] if index < len(mapping) else "",
            )
        self.style_fields()

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"c{i}", "") or "" for i in range(len(self.labels))]


class RosterTemplateForm(BootstrapMixin, forms.Form):
    school = forms.ModelChoiceField(
        label=_("学校"), queryset=School.objects.none(), to_field_name="public_id", empty_label=None
    )
    school_class = forms.ModelChoiceField(
        label=_("班级（可不选：整个学校）"),
        queryset=SchoolClass.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("整个学校"),
    )

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        school_field = self.fields["school"]
        class_field = self.fields["school_class"]
        assert isinstance(school_field, forms.ModelChoiceField) and isinstance(
            class_field, forms.ModelChoiceField
        )
        school_field.queryset = schools.order_by("name")
        class_field.queryset = (
            SchoolClass.objects.filter(school__in=schools)
            .select_related("school")
            .order_by("school__name", "-school_year", "grade", "name")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        school, school_class = cleaned.get("school"), cleaned.get("school_class")
        if school is not None and school_class is not None and school_class.school_id != school.pk:
            self.add_error("school_class", _("这个班级不属于所选的学校。"))
        return cleaned
