"""Allocation of open warnings in a township."""

from django.urls import URLPattern, path

from screening.views.allocation import allocation_page

urlpatterns: list[URLPattern] = [
    path("allocation/<uuid:public_id>/", allocation_page, name="allocation"),
]
