from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Language evaluations")

    def ready(self) -> None:
        # The outbox reports deliveries; the requests record their invitations' fate.
        from evaluations import signals  # noqa: F401 (connects the receivers)
        from evaluations.messages import AUDIT_ACTIONS
        from tapif.core.messages import messages_register

        messages_register(AUDIT_ACTIONS)  # the words of this app's audit actions
