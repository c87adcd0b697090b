"""What the allocation knows of a counsellor or volunteer: qualification, weekly capacity and base.

Kept by county administrators on the account's page in /manage/ (``manage:responder-profile``): the
screening app adds the section and the URL through ``lbc.hooks`` (``user_panels``, ``manage_urls``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from lbc import access, audit
from lbc.form_style import BootstrapMixin
from lbc.models import Membership, Region, Role
from lbc.views.manage.common import get_managed_user, page, saved
from lbc.views.manage.users import user_detail_context
from screening.models import ResponderProfile

RESPONDER_ROLES = (Role.COUNSELLOR, Role.VOLUNTEER)


class ResponderProfileForm(BootstrapMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ResponderProfile
        fields = ["qualified_counsellor", "weekly_capacity", "base_school", "base_village"]

    def __init__(self, *args: Any, admin: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choice lists come from the administrator's own county only.
        school: Any = self.fields["base_school"]
        village: Any = self.fields["base_village"]
        school.queryset = access.schools_for_admin(admin).order_by("name")
        village.queryset = access.regions_for_admin(admin).filter(level=Region.Level.VILLAGE).order_by("path")
        self.fields["weekly_capacity"].widget.attrs.update({"min": 0, "max": 40, "inputmode": "numeric"})
        self.style_fields()

    def clean_weekly_capacity(self) -> int:
        value = self.cleaned_data["weekly_capacity"]
        if value is None or not 0 <= value <= 40:
            raise forms.ValidationError(_("每周个案数请填写0到40之间的整数。"))
        return int(value)


def is_responder(admin: Any, target: Any) -> bool:
    """Profiles belong to counsellors and volunteers (the caller has checked who the admin manages)."""
    return Membership.objects.current().filter(user=target, role__in=RESPONDER_ROLES).exists()


def responder_panel(admin: Any, target: Any) -> dict[str, Any]:
    """The section on the account's page: the profile form, for counsellors and volunteers only."""
    return {"responder_form": profile_form(admin, target) if is_responder(admin, target) else None}


def profile_form(admin: Any, target: Any, data: Any = None) -> ResponderProfileForm:
    instance = ResponderProfile.objects.filter(user=target).first() or ResponderProfile(user=target)
    return ResponderProfileForm(data, instance=instance, admin=admin)


@login_required
def responder_profile(request: HttpRequest, username: str) -> HttpResponse:
    access.require_administrator(request.user)
    target = get_managed_user(request.user, username)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not is_responder(request.user, target):
        messages.error(request, _("只有心理教师和志愿者需要填写个案承接能力。"))
        return redirect("manage:user-detail", target.username)
    form = profile_form(request.user, target, request.POST)
    if form.is_valid():
        with transaction.atomic():
            profile = form.save()
            audit.record(
                "screening.responder_profile.changed",
                request=request,
                obj=profile,
                detail={"fields": sorted(form.changed_data)},
            )
        return saved(request, _("已保存个案承接能力。"), "manage:user-detail", target.username)
    context = user_detail_context(request, target)
    context["responder_form"] = form
    return page(request, "user_detail.html", context)
