from django.urls import URLPattern, path

from screening.views import warnings

urlpatterns: list[URLPattern] = [
    path("warnings/", warnings.warning_list, name="warning-list"),
    path("warnings/<uuid:public_id>/", warnings.warning_detail, name="warning-detail"),
    path("warnings/<uuid:public_id>/<slug:action>/", warnings.warning_action, name="warning-action"),
]
