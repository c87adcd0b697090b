"""County warning thresholds (saving them re-scores the county's campaigns) and warning timings."""

from django.urls import URLPattern, path

from screening.views import thresholds, warning_settings

urlpatterns: list[URLPattern] = [
    path("thresholds/", thresholds.thresholds_home, name="thresholds"),
    path("thresholds/<uuid:public_id>/", thresholds.thresholds_page, name="thresholds-county"),
    path("warning-settings/", warning_settings.warning_settings_home, name="warning-settings"),
    path(
        "warning-settings/<uuid:public_id>/", warning_settings.warning_settings_page,
        name="warning-settings-county",
    ),
]
