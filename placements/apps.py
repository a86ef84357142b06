from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = _("Placements")

    def ready(self) -> None:
        from placements import explanations
        from placements.messages import AUDIT_ACTIONS
        from tapif.core.messages import messages_register

        explanations.register()
        messages_register(AUDIT_ACTIONS)  # the words of this app's audit actions
