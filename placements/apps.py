from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = _("Placements")

    def ready(self) -> None:
        from placements import messages as placements_messages
        from placements import privacy as placements_privacy
        from placements import rollover as placements_rollover
        from placements.letters import (
            offer_letter_standing,
            offer_letter_words,
            ranked_list_standing,
            ranked_list_words,
        )
        from tapif.core.letters import letter_kind_register
        from tapif.core.models import IssuedLetter

        placements_messages.register()  # the words of this app's codes
        placements_privacy.register()  # its part in the candidate's data (export, erasure)
        placements_rollover.register()  # its part of next year's campaign (quotas)
        for kind in (IssuedLetter.Kind.ACCEPTANCE, IssuedLetter.Kind.ATTESTATION):
            letter_kind_register(kind, standing=offer_letter_standing, facts=offer_letter_words)
        letter_kind_register(
            IssuedLetter.Kind.RANKED_LIST, standing=ranked_list_standing, facts=ranked_list_words
        )
