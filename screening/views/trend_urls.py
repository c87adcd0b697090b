"""Screening trends (aggregates) and the weekly township digest."""

from django.urls import URLPattern, path

from screening.views import trends
from screening.views.digest import township_digest

urlpatterns: list[URLPattern] = [
    path("trends/<uuid:public_id>/", trends.trends, name="trends"),
    path("trends/<uuid:public_id>/charts/<str:kind>/", trends.trend_chart, name="trend-chart"),
    path("trends/<uuid:public_id>/digest.pdf", township_digest, name="township-digest"),
]
