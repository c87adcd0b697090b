"""County administrator pages. Objects are addressed by public_id; accounts by username."""

from django.urls import path

from lbc import hooks
from lbc.views.manage import (
    grants,
    memberships,
    organisations,
    overview,
    region_import,
    regions,
    roster_import,
    schools,
    users,
)

app_name = "manage"
urlpatterns = [
    path("", overview.overview, name="home"),
    path("regions/", regions.region_list, name="region-list"),
    path("regions/new-township/", regions.township_create, name="township-create"),
    path("regions/new-village/", regions.village_create, name="village-create"),
    path("regions/import/", region_import.region_import, name="region-import"),
    path("regions/import/confirm/", region_import.region_import_confirm, name="region-import-confirm"),
    path("regions/import/template.xlsx", region_import.region_import_template, name="region-import-template"),
    path("regions/<uuid:public_id>/edit/", regions.region_edit, name="region-edit"),
    path("schools/", schools.school_list, name="school-list"),
    path("schools/new/", schools.school_create, name="school-create"),
    path("schools/<uuid:public_id>/", schools.school_detail, name="school-detail"),
    path("schools/<uuid:public_id>/edit/", schools.school_edit, name="school-edit"),
    path("schools/<uuid:public_id>/classes/new/", schools.class_create, name="class-create"),
    path("classes/<uuid:public_id>/edit/", schools.class_edit, name="class-edit"),
    path("organisations/", organisations.organisation_list, name="organisation-list"),
    path("organisations/new/", organisations.organisation_create, name="organisation-create"),
    path("organisations/<uuid:public_id>/edit/", organisations.organisation_edit, name="organisation-edit"),
    path("users/", users.user_list, name="user-list"),
    path("users/new/", users.user_create, name="user-create"),
    path("users/import/", roster_import.roster_import, name="roster-import"),
    path("users/import/confirm/", roster_import.roster_import_confirm, name="roster-import-confirm"),
    path("users/import/template.xlsx", roster_import.roster_import_template, name="roster-import-template"),
    path("users/<str:username>/", users.user_detail, name="user-detail"),
    path("users/<str:username>/deactivate/", users.user_deactivate, name="user-deactivate"),
    path("users/<str:username>/reactivate/", users.user_reactivate, name="user-reactivate"),
    path("users/<str:username>/reset-code/", users.user_reset_code, name="user-reset-code"),
    path("users/<str:username>/second-factor/", users.user_second_factor_reset,
         name="user-second-factor-reset"),
    path("users/<str:username>/memberships/new/", memberships.membership_create, name="membership-create"),
    path("users/<str:username>/memberships/update/", memberships.membership_update, name="membership-update"),
    path("users/<str:username>/memberships/end/", memberships.membership_end, name="membership-end"),
    path("emergency-access/", grants.breakglass_list, name="breakglass-list"),
    path("emergency-access/end/", grants.breakglass_end, name="breakglass-end"),
    *hooks.manage_urls,  # pages other apps add (the screening app: a responder's capacity)
]
