from django.urls import URLPattern, path

from screening.views import life_events, records

urlpatterns: list[URLPattern] = [
    path("children/<uuid:public_id>/record/", records.child_record, name="child-record"),
    path("children/<uuid:public_id>/record/charts/<str:code>/", records.child_chart, name="child-chart"),
    path("campaigns/<uuid:public_id>/summary/", records.campaign_summary, name="campaign-summary"),
    path("campaigns/<uuid:public_id>/summary.pdf", records.campaign_summary_pdf, name="campaign-summary-pdf"),
    path("classes/<uuid:public_id>/", records.class_overview, name="class-overview"),
    path(
        "children/<uuid:public_id>/life-events/new/", life_events.life_event_create, name="life-event-create"
    ),
]
