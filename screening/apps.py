from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = _("心理筛查")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The core's pages show the screening app's menu entries, panels and demo step (lbc.hooks).
        from lbc.notifications import register_urgent_kind
        from screening.views.hooks import register

        register()
        # A warning's SMS says only "an urgent task", never the child (lbc.notifications.outside_text).
        register_urgent_kind("screening.warning")
