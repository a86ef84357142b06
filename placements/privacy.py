"""What the placements app holds about a person, for their "My data" download (only what
their pages show: a rank and a placement once the results are released), and what it forgets
of a dossier anonymised by the retention policy (`tapif.core.privacy`)."""

from __future__ import annotations

from placements.models import Offer, OfferSchool, Placement, RankEntry
from tapif.core.privacy import (
    EraseMode,
    ExportSection,
    StoredFile,
    dossier_eraser_register,
    export_register,
)


def _released(model):
    return lambda user: model.objects.filter(
        application__candidate=user, application__result_released_at__isnull=False
    ).order_by("pk")


SECTIONS = (
    ExportSection(RankEntry, rows=_released(RankEntry), exclude=("round", "flags")),
    ExportSection(Placement, rows=_released(Placement), exclude=("round",)),
    ExportSection(
        Offer,
        rows=lambda user: Offer.objects.filter(application__candidate=user).order_by("pk"),
        exclude=("created_by", "criminal_record_verified_by", "note", "round"),
    ),
    ExportSection(
        OfferSchool,
        rows=lambda user: OfferSchool.objects.filter(offer__application__candidate=user),
    ),
)

EXCLUDED = {
    "placements.PromotionLog": (
        "the waitlist's log of freed places; its outcome reaches the candidate as an offer"
    ),
    "placements.SelectionRound": "a committee round, linked to staff accounts only",
    "placements.ResultsRelease": "the release of a round's results, started by staff",
}


def dossier_erase(*, application_id: int, mode: str) -> list[StoredFile]:
    if mode == EraseMode.ANONYMISE:
        Offer.objects.filter(application_id=application_id).update(reason="", note="")
    return []


def register() -> None:
    export_register(*SECTIONS, excluded=EXCLUDED)
    dossier_eraser_register(dossier_erase)
