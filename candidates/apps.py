from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from candidates.explanations import ELIGIBILITY_WORDS
        from candidates.messages import AUDIT_ACTIONS
        from tapif.core.messages import messages_register

        messages_register(ELIGIBILITY_WORDS)
        messages_register(AUDIT_ACTIONS)  # the words of this app's audit actions
