from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from candidates.explanations import ELIGIBILITY_WORDS
        from tapif.core.messages import messages_register

        messages_register(ELIGIBILITY_WORDS)
