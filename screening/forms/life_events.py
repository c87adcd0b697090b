"""Recording a child's life event (the rescreen it calls for is planned by the service)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lbc.form_style import BootstrapMixin
from lbc.forms import DateInput, pick_one
from screening.models import LifeEvent

MAX_NOTE = 500


class LifeEventForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("事件"), choices=pick_one(LifeEvent.Kind.choices))
    occurred_on = forms.DateField(label=_("发生日期"), widget=DateInput())
    note = forms.CharField(
        label=_("说明"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("简单说明发生了什么、孩子现在由谁照顾。不要写诊断。"),
    )

    def __init__(self, *args: Any, birth_date: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.birth_date = birth_date
        self.fields["occurred_on"].initial = timezone.localdate

    def clean_occurred_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["occurred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("事件日期不能晚于今天。"))
        if value < self.birth_date:
            raise forms.ValidationError(_("事件日期不能早于儿童的出生日期。"))
        return value
