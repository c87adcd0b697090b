"""The login form."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from lbc.form_style import BootstrapMixin

# --- login -----------------------------------------------------------------------------------------


class LoginForm(BootstrapMixin, AuthenticationForm):
    """The same message for an unknown user, a wrong password and an inactive account."""

    error_messages = {
        "invalid_login": _("用户名或密码不正确。请注意密码区分大小写。"),
        "inactive": _("用户名或密码不正确。请注意密码区分大小写。"),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
