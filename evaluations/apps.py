from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Language evaluations")

    def ready(self) -> None:
        # The outbox reports deliveries; the requests record their invitations' fate.
        from evaluations import signals  # noqa: F401 (connects the receivers)

    def load_demo(self, *, campaign, users: dict) -> None:
        """`make demo`: the institution account represents an approved university, and the
        professor account is listed by it, so both sides can be tried at once."""
        from evaluations.choices import ContactStatus
        from evaluations.models import InstitutionContact, Professor
        from tapif.core.models import Institution

        institution = Institution.objects.get(name="University of Ottawa / Université d'Ottawa")
        contact = users["institution@demo.tapif.ca"]
        InstitutionContact.objects.update_or_create(
            user=contact,
            defaults={
                "institution": institution,
                "role": "International office",
                "status": ContactStatus.APPROVED,
            },
        )
        professor = users["professor@demo.tapif.ca"]
        Professor.objects.update_or_create(
            email=professor.email,
            defaults={
                "full_name": professor.get_full_name(),
                "user": professor,
                "institution": institution,
                "is_active": True,
                "added_by": contact,
            },
        )
