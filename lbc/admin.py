"""The Django admin, for county administrators only and only over their own county.

Who may enter: an active account with ``is_staff`` (kept in step with county-administrator
memberships by lbc/services/accounts.py) holding a *current* county-administrator membership.
Login goes through the same authentication backends as the rest of the site, so django-axes
throttles it too.

What is registered: the county's structure (regions, schools, classes, organisations) and its
memberships, each scoped through lbc/access.py and saved through the audited services.

What is deliberately NOT registered: Child, Guardian, Parent, Household, Consent, ChildGrant and
AuditEvent. Person data is read only through the application's pages, which check scope and field
tiers and write audit events; the admin does neither. Accounts (auth User and Group) are managed on
/manage/, where every account is tied to a membership of the county.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import BLANK_CHOICE_DASH, ForeignKey, Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from lbc import access
from lbc.manage_forms import validate_grade, validate_region_code, validate_school_year
from lbc.models import Membership, Organisation, Region, Role, School, SchoolClass
from lbc.services import accounts


def is_county_administrator(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and access.scope_of(user).can_administer)


# The default site is the one lbc/urls.py mounts and every app registers with, so replacing its
# permission check is the smallest change that closes the whole admin (index, app pages, every
# ModelAdmin view) to anyone who is not a current county administrator; a custom AdminSite would
# need its own URL wiring and re-registration of every model.
admin.site.has_permission = is_county_administrator  # type: ignore[method-assign]
admin.site.site_header = _("留守儿童关爱服务平台 · 县级管理后台")
admin.site.site_title = _("县级管理后台")
admin.site.index_title = _("本县的区划、学校、组织与角色")
admin.site.site_url = reverse_lazy("manage:home")  # type: ignore[assignment]

for model in (get_user_model(), Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class CountyScopedAdmin(admin.ModelAdmin):
    """Rows of the administrator's county only; writes go through the audited services."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_county_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_county_administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_county_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_county_administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Never: the confirmation page would list linked person records, and deleting erases
        # history. Schools are retired with "在用"; memberships are ended on /manage/.
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        accounts.save_county_record(obj, by=request.user, fields=form.changed_data, request=request)

    def scoped_choices(self, request: HttpRequest, db_field: ForeignKey[Any, Any]) -> QuerySet[Any]:
        """The county's choices for a foreign key. A key a subclass does not name offers nothing."""
        return cast(type[Model], db_field.related_model)._default_manager.none()

    def formfield_for_foreignkey(self, db_field: ForeignKey[Any, Any], request: HttpRequest,
                                 **kwargs: Any) -> Any:
        kwargs["queryset"] = self.scoped_choices(request, db_field)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _county_regions(request: HttpRequest, *levels: int) -> QuerySet[Region]:
    return access.regions_for_admin(request.user).filter(level__in=levels)


class RegionAdminForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ("parent", "name", "code", "latitude", "longitude")
        error_messages = {"code": {"unique": _("该区划代码已被使用。")}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "parent" in self.fields:
            self.fields["parent"].required = True

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip()
        validate_region_code(code)
        return code


@admin.register(Region)
class RegionAdmin(CountyScopedAdmin):
    form = RegionAdminForm
    fields = ("parent", "name", "code", "latitude", "longitude", "level")
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Region]:
        # Townships and villages: the county row itself is not edited by its own administrator.
        regions = access.regions_for_admin(request.user).filter(level__gte=Region.Level.TOWNSHIP)
        return regions.select_related("parent")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The level follows the parent; the parent is fixed because moving a region would leave
        # the stored ancestry of its villages, schools and children stale.
        return ("level", "parent") if obj is not None else ("level",)

    def scoped_choices(self, request: HttpRequest, db_field: ForeignKey[Any, Any]) -> QuerySet[Any]:
        return _county_regions(request, Region.Level.COUNTY, Region.Level.TOWNSHIP)


class SchoolAdminForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ("name", "kind", "region", "has_boarding", "active")


@admin.register(School)
class SchoolAdmin(CountyScopedAdmin):
    form = SchoolAdminForm
    fields = ("name", "kind", "region", "has_boarding", "active")
    list_display = ("name", "kind", "township", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[School]:
        return access.schools_for_admin(request.user).select_related("township")

    def scoped_choices(self, request: HttpRequest, db_field: ForeignKey[Any, Any]) -> QuerySet[Any]:
        return _county_regions(request, Region.Level.TOWNSHIP, Region.Level.VILLAGE)


class SchoolClassAdminForm(forms.ModelForm):
    class Meta:
        model = SchoolClass
        fields = ("school", "school_year", "grade", "name")

    def clean_grade(self) -> int:
        grade = self.cleaned_data["grade"]
        validate_grade(grade)
        return grade

    def clean_school_year(self) -> int:
        year = self.cleaned_data["school_year"]
        validate_school_year(year)
        return year


@admin.register(SchoolClass)
class SchoolClassAdmin(CountyScopedAdmin):
    form = SchoolClassAdminForm
    fields = ("school", "school_year", "grade", "name")
    list_display = ("__str__", "school", "school_year")
    list_filter = ("school_year", "grade")
    search_fields = ("school__name", "name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[SchoolClass]:
        schools = access.schools_for_admin(request.user)
        return SchoolClass.objects.filter(school__in=schools).select_related("school")

    def scoped_choices(self, request: HttpRequest, db_field: ForeignKey[Any, Any]) -> QuerySet[Any]:
        return access.schools_for_admin(request.user)


class OrganisationAdminForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ("name", "kind", "city", "region")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An organisation without a region would belong to no county and vanish from this list.
        self.fields["region"].required = True


@admin.register(Organisation)
class OrganisationAdmin(CountyScopedAdmin):
    form = OrganisationAdminForm
    fields = ("name", "kind", "city", "region")
    list_display = ("name", "kind", "city", "region")
    list_filter = ("kind",)
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        regions = access.regions_for_admin(request.user)
        return Organisation.objects.filter(region__in=regions).select_related("region")

    def scoped_choices(self, request: HttpRequest, db_field: ForeignKey[Any, Any]) -> QuerySet[Any]:
        return access.regions_for_admin(request.user)


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "role", "region", "school", "school_class", "valid_from", "valid_until")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields.get("role")
        if isinstance(role, forms.ChoiceField):
            # Volunteers belong to the county through their organisation, chosen on /manage/.
            roles = [(v, label) for v, label in Role.choices if not access.capabilities_of(v).term_limited]
            role.choices = [*BLANK_CHOICE_DASH, *roles]
            role.help_text = _("志愿者角色请在“用户与角色”页面添加（需要选择所属组织）。")


@admin.register(Membership)
class MembershipAdmin(CountyScopedAdmin):
    form = MembershipAdminForm
    fields = ("user", "role", "region", "school", "school_class", "valid_from", "valid_until")
    list_display = ("user", "role", "scope_label", "valid_from", "valid_until")
    list_filter = ("role",)
    search_fields = ("user__username", "user__first_name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return access.memberships_for_admin(request.user).select_related(
            "user", "region", "school", "school_class__school"
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Only the validity changes; a new role or scope is a new membership, so history stays.
        return ("user", "role", "region", "school", "school_class") if obj is not None else ()

    def scoped_choices(self, request: HttpRequest, db_field: ForeignKey[Any, Any]) -> QuerySet[Any]:
        if db_field.name == "user":
            return access.users_for_admin(request.user).filter(is_active=True)
        if db_field.name == "region":
            return access.regions_for_admin(request.user)
        if db_field.name == "school":
            return access.schools_for_admin(request.user)
        return SchoolClass.objects.filter(school__in=access.schools_for_admin(request.user))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            accounts.update_membership(obj, by=request.user, fields=form.changed_data, request=request)
        else:
            accounts.create_membership(obj, by=request.user, request=request)
