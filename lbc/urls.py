from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated

from lbc.views import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # The schema describes what the API reveals: signed-in users only (session or token).
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="api-schema"),
    path("api/v1/", include("lbc.api.urls")),
    path("account/otp/", include("lbc.views.otp_urls")),
    path("screening/", include("screening.urls")),
    path("training/", include("training.urls")),
    path("manage/", include("lbc.views.manage_urls")),
    path("reports/", include("lbc.views.harm_report_urls")),
    path("", include("lbc.views.urls")),
]

