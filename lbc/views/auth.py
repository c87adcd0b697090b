"""Log in and out. django-axes (see settings) locks a (username, IP) pair after repeated failures."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from lbc.forms import LoginForm


class LoginView(auth_views.LoginView):
    """Unknown usernames and wrong passwords get the same page and the same message."""

    template_name = "lbc/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


login = LoginView.as_view()
# POST only (Django's LogoutView refuses GET), so a link or an image tag cannot log anyone out.
logout = auth_views.LogoutView.as_view()
