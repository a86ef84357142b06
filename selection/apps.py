from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "selection"
    verbose_name = _("Selection")

    def load_demo(self, *, campaign, users: dict) -> None:
        """`make demo`: the campaign's scoring criteria, with the programme's default weights."""
        from selection.services import criteria_ensure

        criteria_ensure(campaign)
