from django.urls import path

from lbc.views import otp

app_name = "otp"
urlpatterns = [
    path("verify/", otp.verify, name="verify"),
    path("setup/", otp.setup, name="setup"),
]
