"""Offer letters on the public verification page (placements/letters.py registers how to read
them): the facts a student-loan office compares, written for people in French and English, and
the letter's standing today: valid, withdrawn after a real withdrawal, a decline or a lapse,
replaced by a newer letter. The committee's ranked list shows the public nothing but its year."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from candidates.choices import ApplicationStatus
from placements.choices import OfferStatus
from placements.models import Offer, OfferSchool, SelectionRound
from tapif.core.choices import LetterStanding
from tapif.core.letters import letter_verification
from tapif.core.models import IssuedLetter
from tests.placements import test_letters
from tests.placements.test_letters import ACCEPTANCE, ATTESTATION, candidate_of, make_offer
from tests.placements.test_rounds import committee, log_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

# The offer letters' fixtures: a campaign with its criteria, a frozen round.
campaign = test_letters.campaign
frozen = test_letters.frozen

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def verify(client, letter: IssuedLetter, lang: str) -> str:
    client.logout()  # anyone: the loan office has no account
    response = client.get(f"/{lang}/verify/", {"code": letter.display_code})
    assert response.status_code == 200
    return response.content.decode()


def public_part(html: str) -> str:
    """The result card (the form and the page's frame left out)."""
    return html[html.index('id="result"') : html.index("</section>")]


def issued(client, offer: Offer, url: str = ACCEPTANCE, lang: str = "en") -> IssuedLetter:
    candidate_of(client, offer)
    assert client.get(url.format(lang=lang)).status_code == 200
    return IssuedLetter.objects.order_by("-issued_at", "-id").first()


def test_a_loan_office_reads_the_attestation_in_english(client, frozen):
    offer = make_offer(frozen, academie="la-reunion")
    letter = issued(client, offer, ATTESTATION)

    card = public_part(verify(client, letter, "en"))

    assert "Valid: the programme issued this letter and it still stands." in card
    assert "Attestation for a student-loan organisation" in card
    assert "Hélène Côté" in card
    assert "La Réunion" in card
    assert "Primary (pupils aged 6 to 10)" in card
    assert "From 1 October 2026 to 30 April 2027 (7 months)" in card
    assert "€1,036.21" in card
    assert "30–35 %" in card
    # Nothing raw, nothing internal, nothing the reader does not need.
    assert not ISO.search(card)
    assert "1036.21" not in card
    assert offer.application.number not in card
    assert offer.application.candidate.email not in card
    assert "17 May 2003" not in card  # the date of birth the attestation prints
    assert "accepted" not in card.lower()  # the offer's status and acceptance date


def test_the_same_letter_in_french_writes_money_and_dates_the_french_way(client, frozen):
    offer = make_offer(frozen)
    letter = issued(client, offer, lang="fr")

    card = public_part(verify(client, letter, "fr"))

    assert "Valide : le programme a émis cette lettre et elle tient toujours." in card
    assert "Lettre d’acceptation" in card
    assert "Du 1er octobre 2026 au 30 avril 2027 (7 mois)" in card
    assert "1\xa0036,21\xa0€" in card
    assert not ISO.search(card)
    assert "1036.21" not in card


def test_a_real_withdrawal_makes_the_letters_withdrawn(
    client,
    campaign,
    django_capture_on_commit_callbacks,
):
    """Through the offer's real life: released, accepted on the candidate's page, letters
    downloaded, then the candidate withdraws (placements.offers.application_withdraw)."""
    from placements.offers import application_withdraw, offer_for
    from tests.placements.test_offer_pages import (
        RELEASED_AT,
        accept,
        criminal_record,
        release_round,
    )

    with time_machine.travel(RELEASED_AT, tick=False):
        released = release_round(campaign, django_capture_on_commit_callbacks)
        user = released.first.candidate
        accept(client, user, file=criminal_record())
        assert offer_for(released.first).status == OfferStatus.ACCEPTED
        client.get(ACCEPTANCE.format(lang="en"))
        client.get(ATTESTATION.format(lang="fr"))
        acceptance, attestation = IssuedLetter.objects.filter(owner=user).order_by("kind")
        assert "Valid:" in verify(client, acceptance, "en")

        with django_capture_on_commit_callbacks(execute=True):
            application_withdraw(application=released.first, actor=user, reason="")

    assert offer_for(released.first).status == OfferStatus.WITHDRAWN
    for letter in (acceptance, attestation):
        assert letter_verification(letter).standing == LetterStanding.WITHDRAWN
    english = public_part(verify(client, acceptance, "en"))
    french = public_part(verify(client, attestation, "fr"))
    assert "Withdrawn: the programme issued this letter" in english
    assert "Valid" not in english
    assert "Retirée : le programme a émis cette lettre" in french
    # The facts stay as the letter stated them, so the reader can see which letter it was.
    assert released.first.candidate.last_name in english


@pytest.mark.parametrize("status", [OfferStatus.DECLINED, OfferStatus.LAPSED])
def test_an_offer_no_longer_accepted_withdraws_its_letter(client, frozen, status):
    offer = make_offer(frozen)
    letter = issued(client, offer)
    assert letter_verification(letter).standing == LetterStanding.VALID

    Offer.objects.filter(pk=offer.pk).update(status=status)

    assert letter_verification(letter).standing == LetterStanding.WITHDRAWN


def test_a_withdrawn_dossier_withdraws_its_letter(client, frozen):
    offer = make_offer(frozen)
    letter = issued(client, offer)

    type(offer.application).objects.filter(pk=offer.application_id).update(
        status=ApplicationStatus.WITHDRAWN
    )

    assert letter_verification(letter).standing == LetterStanding.WITHDRAWN


def test_a_newer_letter_with_the_schools_replaces_the_first(client, frozen):
    offer = make_offer(frozen)
    first = issued(client, offer, lang="fr")
    english = issued(client, offer, lang="en")
    attestation = issued(client, offer, ATTESTATION)
    # The same terms in the other language replace nothing.
    assert letter_verification(first).standing == LetterStanding.VALID

    Offer.objects.filter(pk=offer.pk).update(town="Besançon-Planoise")
    OfferSchool.objects.create(
        offer=offer, name="École Jean-Zay", address="3 rue de Picardie", level="primary"
    )
    # Terms changed, no newer letter yet: the first still stands as issued.
    assert letter_verification(first).standing == LetterStanding.VALID
    newer = issued(client, offer, lang="fr")

    assert newer.pk != first.pk
    assert letter_verification(first).standing == LetterStanding.REPLACED
    assert letter_verification(english).standing == LetterStanding.REPLACED
    assert letter_verification(newer).standing == LetterStanding.VALID
    assert letter_verification(attestation).standing == LetterStanding.VALID  # another kind
    card = public_part(verify(client, first, "en"))
    assert "Replaced: the programme issued a newer letter" in card
    # The town and the schools are for staff, never on the public page.
    assert "École Jean-Zay" not in public_part(verify(client, newer, "en"))
    assert "Besançon-Planoise" not in public_part(verify(client, newer, "en"))


def test_the_ranked_list_shows_the_public_only_its_year(client, frozen):
    log_in(client, committee())
    assert client.get(reverse("committee:export_pdf", args=[frozen.pk])).status_code == 200
    letter = IssuedLetter.objects.get(kind=IssuedLetter.Kind.RANKED_LIST)

    card = public_part(verify(client, letter, "en"))

    assert "Valid:" in card
    assert "2026-2027" in card
    assert frozen.snapshot_sha256 not in card
    for dossier in frozen.entries.select_related("application__candidate"):
        assert dossier.application.candidate.last_name not in card
    SelectionRound.objects.filter(pk=frozen.pk).update(status="superseded")
    assert letter_verification(letter).standing == LetterStanding.REPLACED
