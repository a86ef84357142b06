from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from candidates import messages as candidates_messages

        candidates_messages.register()  # the words of this app's codes
