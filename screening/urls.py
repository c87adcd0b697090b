"""URLs of the screening app, one module per area so each can grow on its own."""

from screening.views import (
    allocation_urls,
    campaign_urls,
    entry_urls,
    import_urls,
    intervention_urls,
    record_urls,
    rescore_urls,
    trend_urls,
    warning_urls,
)

app_name = "screening"
urlpatterns = [
    *campaign_urls.urlpatterns,
    *entry_urls.urlpatterns,
    *import_urls.urlpatterns,
    *intervention_urls.urlpatterns,
    *record_urls.urlpatterns,
    *rescore_urls.urlpatterns,
    *trend_urls.urlpatterns,
    *allocation_urls.urlpatterns,
    *warning_urls.urlpatterns,
]
