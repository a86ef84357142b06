from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "selection"
    verbose_name = _("Selection")

    def ready(self) -> None:
        from candidates.signals import eligibility_decided
        from selection import messages as selection_messages
        from selection import privacy as selection_privacy
        from selection import rollover as selection_rollover
        from selection.services import on_eligibility_decided

        eligibility_decided.connect(on_eligibility_decided, dispatch_uid="selection-reviewed")
        selection_messages.register()  # the words of this app's codes
        selection_privacy.register()  # its part in the candidate's data (export, erasure)
        selection_rollover.register()  # its part of next year's campaign (criteria)
