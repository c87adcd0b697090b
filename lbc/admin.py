"""The Django admin: for the system administrator (an active superuser) only, and no person data.

Everything a county administrator does is on the county pages (/manage/), which check scope, keep
the audit trail and follow the capability table; the admin is closed to them (is_staff opens
nothing here). What the system administrator does here is what lies above a county:

- the region tree above townships (provinces, cities, counties and their division codes);
- staff accounts and their county-administrator appointments, so a new county can be handed to its
  first administrator without a shell.

Registered models are an allow-list (tests/lbc/test_admin.py fails when anything else appears).
Children, guardians, parents, households, consents, grants, assessments, warnings, notes, reports,
trainees and the audit log are never registered: the admin neither checks field tiers nor writes read
events. API tokens and authenticator devices are unregistered too: the admin would show their secrets.
Writes go through the audited services; nothing can be deleted.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import TokenProxy

from lbc import audit
from lbc.access import Can, roles_with
from lbc.manage_forms import validate_region_code
from lbc.models import Membership, Region, Role
from lbc.services import accounts


def is_system_administrator(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser)


# The default site is the one lbc/urls.py mounts and every app registers with, so replacing its
# permission check closes the whole admin (index, app pages, every ModelAdmin view) at once.
admin.site.has_permission = is_system_administrator  # type: ignore[method-assign]
admin.site.site_header = _("留守儿童关爱服务平台 · 系统管理")
admin.site.site_title = _("系统管理")
admin.site.index_title = _("区划、账号与县级管理员任命")

for model in (Group, TokenProxy, TOTPDevice, get_user_model()):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class SystemAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Never: deleting erases history, and a region or account still has records hanging off it.
        return False


class RegionAdminForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ("parent", "name", "code", "urban_rural", "latitude", "longitude")
        error_messages = {"code": {"unique": _("该区划代码已被使用。")}}

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip()
        validate_region_code(code)
        return code


@admin.register(Region)
class RegionAdmin(SystemAdmin):
    form = RegionAdminForm
    fields = ("parent", "name", "code", "urban_rural", "latitude", "longitude", "level")
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The level follows the parent; the parent is fixed because moving a region would leave the
        # stored ancestry of its villages, schools and children stale.
        return ("level", "parent") if obj is not None else ("level",)

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.level = obj.parent.level + 1 if obj.parent is not None else Region.Level.PROVINCE
        obj.save()
        audit.record(f"lbc.region.{'updated' if change else 'created'}", actor=request.user, request=request,
                     obj=obj, detail={"fields": sorted(form.changed_data), "system": True})


@admin.register(get_user_model())
class StaffAccountAdmin(UserAdmin, SystemAdmin):
    """Staff accounts: name, login and whether the account is active. Superusers are made on the server."""

    fieldsets = ((None, {"fields": ("username", "password", "first_name", "is_active")}),)
    list_display = ("username", "first_name", "is_active", "is_superuser", "last_login")
    list_filter = ("is_active", "is_superuser")
    search_fields = ("username", "first_name")
    filter_horizontal = ()

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.save()
        audit.record(f"lbc.user.{'updated' if change else 'created'}", actor=request.user, request=request,
                     obj=obj, detail={"fields": sorted(form.changed_data), "system": True})

    @transaction.atomic
    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and isinstance(response, HttpResponseRedirect):
            target = self.get_object(request, id)
            accounts.end_sessions(target)
            audit.record("lbc.user.password_set", actor=request.user, request=request, obj=target,
                         detail={"system": True})
        return response


class AppointmentForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "role", "region", "valid_from", "valid_until")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "role" in self.fields:
            role = self.fields["role"]
            assert isinstance(role, forms.ChoiceField)
            role.choices = [(v, label) for v, label in Role.choices if v in roles_with(Can.ADMINISTER)]
        if "region" in self.fields:
            region = self.fields["region"]
            assert isinstance(region, forms.ModelChoiceField)
            region.queryset = Region.objects.filter(level=Region.Level.COUNTY)
            region.required = True
            region.label = _("县")


@admin.register(Membership)
class AppointmentAdmin(SystemAdmin):
    """County-administrator appointments; every other role is given on the county's own pages."""

    form = AppointmentForm
    fields = ("user", "role", "region", "valid_from", "valid_until")
    list_display = ("user", "role", "region", "valid_from", "valid_until")
    search_fields = ("user__username", "user__first_name", "region__name")
    list_select_related = ("user", "region")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).filter(role__in=roles_with(Can.ADMINISTER))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Only the validity changes; a new county is a new appointment, so the history stays.
        return ("user", "role", "region") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            accounts.update_membership(obj, by=request.user, fields=form.changed_data, request=request)
        else:
            accounts.create_membership(obj, by=request.user, request=request)
