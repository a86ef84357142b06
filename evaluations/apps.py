from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Language evaluations")

    def ready(self) -> None:
        from evaluations import messages as evaluations_messages
        from evaluations import privacy as evaluations_privacy

        # The outbox reports deliveries; the requests record their invitations' fate.
        from evaluations import signals  # noqa: F401 (connects the receivers)

        evaluations_messages.register()  # the words of this app's codes
        evaluations_privacy.register()  # its part in the candidate's data (export, erasure)
