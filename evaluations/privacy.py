"""What the evaluations app holds about a person, for their "My data" download, and what it
forgets of a dossier erased by the retention policy (`tapif.core.privacy`)."""

from __future__ import annotations

from evaluations.models import Evaluation, EvaluationRequest, InstitutionContact, Professor
from tapif.core.privacy import (
    EraseMode,
    ExportSection,
    StoredFile,
    dossier_eraser_register,
    export_register,
)

SECTIONS = (
    ExportSection(
        EvaluationRequest,
        rows=lambda user: EvaluationRequest.objects.filter(application__candidate=user).order_by(
            "pk"
        ),
        exclude=(
            "token_hash",
            "address_token_hash",
            "professor",
            "pending_professor",
            "evaluator_checked_by",
        ),
    ),
    ExportSection(Professor, rows=lambda user: Professor.objects.filter(user=user)),
    ExportSection(
        InstitutionContact,
        rows=lambda user: InstitutionContact.objects.filter(user=user),
        exclude=("decided_by",),
    ),
)

EXCLUDED = {
    "evaluations.Evaluation": (
        "the professor's confidential evaluation: the candidate reads only whether it was "
        "received and whether the French requirement is met"
    ),
}


def dossier_erase(*, application_id: int, mode: str) -> list[StoredFile]:
    """A draft's requests go with it (cascade); an anonymised dossier's keep no free text."""
    if mode == EraseMode.ANONYMISE:
        EvaluationRequest.objects.filter(application_id=application_id).update(decline_reason="")
        Evaluation.objects.filter(request__application_id=application_id).update(
            comment="", known_context_details=""
        )
    return []


def register() -> None:
    export_register(*SECTIONS, excluded=EXCLUDED)
    dossier_eraser_register(dossier_erase)
