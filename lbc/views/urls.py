from django.urls import path

app_name = "lbc"
urlpatterns: list = []
