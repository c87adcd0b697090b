"""The one form-styling mixin of every app: Bootstrap classes on every widget, errors marked for screen
readers. Templates then render fields without extra tags."""

from __future__ import annotations

from typing import Any

from django import forms


def widget_class(widget: forms.Widget) -> str:
    """The Bootstrap class of a widget: check inputs (boxes, radios, check-box groups), lists, the rest."""
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "form-check-input"
    if isinstance(widget, forms.Select):  # SelectMultiple too
        return "form-select"
    return "form-control"


class BootstrapMixin:
    """Styles the fields when the form is made and again after validation, when fields with errors
    get ``is-invalid`` and ``aria-invalid``. Forms that add fields after ``__init__`` call
    ``style_fields()`` themselves."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self) -> None:
        for field in self.fields.values():
            _add_class(field.widget, widget_class(field.widget))

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self.style_fields()
        if self.is_bound:  # type: ignore[attr-defined]
            for name in self.errors:  # type: ignore[attr-defined]
                if name in self.fields:
                    _add_class(self.fields[name].widget, "is-invalid")
                    self.fields[name].widget.attrs["aria-invalid"] = "true"


def _add_class(widget: forms.Widget, css: str) -> None:
    classes = widget.attrs.get("class", "").split()
    if css not in classes:
        widget.attrs["class"] = " ".join([*classes, css])
