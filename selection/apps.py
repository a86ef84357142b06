from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "selection"
    verbose_name = _("Selection")

    def ready(self) -> None:
        from candidates.signals import eligibility_decided
        from selection.explanations import SELECTION_WORDS
        from selection.messages import AUDIT_ACTIONS
        from selection.services import on_eligibility_decided
        from tapif.core.messages import messages_register

        eligibility_decided.connect(on_eligibility_decided, dispatch_uid="selection-reviewed")
        messages_register(SELECTION_WORDS)
        messages_register(AUDIT_ACTIONS)  # the words of this app's audit actions
