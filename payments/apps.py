from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Application fees")

    def ready(self) -> None:
        from payments import messages as payments_messages
        from payments import privacy as payments_privacy

        payments_messages.register()  # the words of this app's codes
        payments_privacy.register()  # its part in the candidate's data (export, erasure)
