"""The selection app's part in the candidate's data (`tapif.core.privacy`): the staff's
review of a dossier is left out of the candidate's download (the committee's explanation of
the result is theirs, on the dossier), and its comments are forgotten with the identity."""

from __future__ import annotations

from selection.models import ConflictOfInterest, Review, Score
from tapif.core.privacy import EraseMode, StoredFile, dossier_eraser_register, export_register

_REVIEW = (
    "staff's review under the blind-review rule; the candidate reads the committee's "
    "explanation of their result on the dossier"
)

EXCLUDED = {
    "selection.ReviewAssignment": "which staff member reviews which dossier (staff's work)",
    "selection.ConflictOfInterest": "a reviewer's declaration about themselves",
    "selection.Review": _REVIEW,
    "selection.Score": _REVIEW,
    "selection.MeritScore": _REVIEW,
    "selection.DossierUnderReview": "the review's view of candidates.Application (exported)",
}


def dossier_erase(*, application_id: int, mode: str) -> list[StoredFile]:
    if mode == EraseMode.ANONYMISE:
        Score.objects.filter(review__application_id=application_id).update(comment="")
        Review.objects.filter(application_id=application_id).update(french_level_note="")
        ConflictOfInterest.objects.filter(application_id=application_id).update(reason="")
    return []


def register() -> None:
    export_register(excluded=EXCLUDED)
    dossier_eraser_register(dossier_erase)
