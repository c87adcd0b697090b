"""County warning thresholds; saving them re-scores the county's campaigns."""

from django.urls import URLPattern, path

from screening.views import thresholds

urlpatterns: list[URLPattern] = [
    path("thresholds/", thresholds.thresholds_home, name="thresholds"),
    path("thresholds/<uuid:public_id>/", thresholds.thresholds_page, name="thresholds-county"),
]
