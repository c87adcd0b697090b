from __future__ import annotations

from django.apps import AppConfig
from django.core import checks
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _register_sqlite_functions(sender: object, connection: object, **kwargs: object) -> None:
    if getattr(connection, "vendor", "") == "sqlite":
        from lbc.audit import maintenance_enabled

        connection.connection.create_function(  # type: ignore[attr-defined]
            "lbc_audit_maintenance", 0, maintenance_enabled
        )


class LbcConfig(AppConfig):
    name = "lbc"
    verbose_name = _("留守儿童登记")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_functions)
        # A changed password ends the user's API token (a pre_save receiver on the user model).
        from lbc.api import authentication  # noqa: F401
        # Missing, malformed or wrong keys stop runserver, migrate and check (and gunicorn via wsgi.py).
        checks.register(check_keys_match_data)


def check_keys_match_data(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """Wrong keys for the stored data are an error for runserver, migrate and check."""
    from lbc import crypto
    from lbc.keycheck import verify_keys

    try:
        crypto.keys()
    except crypto.KeyConfigurationError as exc:
        return [checks.Critical(str(exc), id="lbc.E000")]
    return [checks.Critical(problem, id="lbc.E001") for problem in verify_keys(create_missing=False)]
