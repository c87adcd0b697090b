from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("培训")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The core's pages show the training app's menu entry, guardian notes and demo step (lbc.hooks).
        from training.hooks import register

        register()
