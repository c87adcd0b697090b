from django.urls import URLPattern, path

from screening.views import interventions as views

PREFIX = "warnings/<uuid:public_id>/interventions/"

urlpatterns: list[URLPattern] = [
    path(PREFIX, views.intervention_record, name="interventions"),
    path(f"{PREFIX}session/", views.session_create, name="intervention-session"),
    path(f"{PREFIX}safety-plan/", views.safety_plan_create, name="intervention-safety-plan"),
    path(f"{PREFIX}guardian-contact/", views.contact_create, name="intervention-contact"),
    path(f"{PREFIX}referral/", views.referral_create, name="intervention-referral"),
    path(
        f"{PREFIX}referral/<uuid:referral_id>/status/",
        views.referral_status,
        name="intervention-referral-status",
    ),
    path(f"{PREFIX}sign-off/", views.sign_off_create, name="intervention-sign-off"),
    path(f"{PREFIX}lower-tier/", views.lower_tier_view, name="intervention-lower-tier"),
]
