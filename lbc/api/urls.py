from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("children/", views.ChildListView.as_view(), name="child-list"),
    path("children/<uuid:public_id>/", views.ChildDetailView.as_view(), name="child-detail"),
]
