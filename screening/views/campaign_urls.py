from django.urls import URLPattern, path

from screening.views import campaigns

urlpatterns: list[URLPattern] = [
    path("campaigns/", campaigns.campaign_list, name="campaign-list"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign-create"),
    path("campaigns/<uuid:public_id>/", campaigns.campaign_detail, name="campaign-detail"),
    path("campaigns/<uuid:public_id>/edit/", campaigns.campaign_edit, name="campaign-edit"),
]
