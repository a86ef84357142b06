from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Application fees")

    def ready(self) -> None:
        from payments import explanations
        from payments.messages import AUDIT_ACTIONS
        from tapif.core.messages import messages_register

        explanations.register()
        messages_register(AUDIT_ACTIONS)  # the words of this app's audit actions
