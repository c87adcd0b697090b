from django.urls import URLPattern, path

from screening.views import imports

CAMPAIGN = "campaigns/<uuid:public_id>/imports/"
BATCH = f"{CAMPAIGN}<uuid:batch_id>/"

urlpatterns: list[URLPattern] = [
    path(CAMPAIGN, imports.import_upload, name="import-upload"),
    path(f"{CAMPAIGN}template/", imports.import_template, name="import-template"),
    path(BATCH, imports.import_detail, name="import-detail"),
    path(f"{BATCH}progress/", imports.import_progress, name="import-progress"),
    path(f"{BATCH}commit/", imports.import_commit, name="import-commit"),
    path(f"{BATCH}retry/", imports.import_retry, name="import-retry"),
]
