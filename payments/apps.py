from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Application fees")

    def ready(self) -> None:
        from payments import explanations

        explanations.register()
