"""The evaluations part of the demo: the institution account represents an approved university,
and the professor account is listed by it, so both sides can be tried at once."""

from __future__ import annotations

from evaluations.choices import ContactStatus
from evaluations.models import InstitutionContact, Professor
from tapif.core.models import Institution, User

UNIVERSITY = "University of Ottawa / Université d'Ottawa"


def demo_evaluations(*, contact: User, professor: User) -> None:
    """Approve `contact` for the demo university and list `professor` there (idempotent)."""
    institution = Institution.objects.get(name=UNIVERSITY)
    InstitutionContact.objects.update_or_create(
        user=contact,
        defaults={
            "institution": institution,
            "role": "International office",
            "status": ContactStatus.APPROVED,
        },
    )
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
