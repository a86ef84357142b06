from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from candidates import messages as candidates_messages
        from candidates import privacy as candidates_privacy
        from candidates import retention
        from candidates.letters import summary_letter_standing, summary_letter_words
        from candidates.reminders import on_campaign_dates_changed
        from tapif.core.letters import letter_kind_register
        from tapif.core.models import IssuedLetter
        from tapif.core.services import campaign_dates_changed

        candidates_messages.register()  # the words of this app's codes
        campaign_dates_changed.connect(
            on_campaign_dates_changed, dispatch_uid="candidates-deadline-changed"
        )
        candidates_privacy.register()  # its part in the candidate's data (export, erasure)
        retention.register()  # the retention policy's rules
        letter_kind_register(
            IssuedLetter.Kind.DOSSIER_SUMMARY,
            standing=summary_letter_standing,
            facts=summary_letter_words,
        )
