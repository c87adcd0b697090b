from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = _("心理筛查")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The core's pages show the screening app's menu entries, panels and demo step (lbc.hooks).
        from screening.views.hooks import register

        register()
