"""The letters of an accepted offer, under /<lang>/letters/ (placements/letters.py)."""

from django.urls import path

from placements import letters
from tapif.core.models import IssuedLetter

app_name = "placements_letters"

ACCEPTANCE = {"kind": IssuedLetter.Kind.ACCEPTANCE}
ATTESTATION = {"kind": IssuedLetter.Kind.ATTESTATION}

urlpatterns = [
    path("acceptance.pdf", letters.own_letter, ACCEPTANCE, name="acceptance"),
    path("attestation.pdf", letters.own_letter, ATTESTATION, name="attestation"),
    path(
        "offers/<int:offer_pk>/acceptance.pdf",
        letters.offer_letter,
        ACCEPTANCE,
        name="offer_acceptance",
    ),
    path(
        "offers/<int:offer_pk>/attestation.pdf",
        letters.offer_letter,
        ATTESTATION,
        name="offer_attestation",
    ),
]
