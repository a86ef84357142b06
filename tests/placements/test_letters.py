"""The letters of issue 9 issued by placements: the acceptance letter and the attestation for a
student-loan organisation (placements/letters.py), and the committee's ranked list with its
verification code (placements/views.py). The PDFs' text is extracted and read."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, translation
from pypdf import PdfReader

from candidates.models import Identity
from placements.choices import OfferSource, OfferStatus
from placements.letters import money, supplement_amounts
from placements.models import Offer, OfferSchool
from placements.services import round_freeze
from selection.services import criteria_ensure
from tapif.core.models import Academie, AuditEntry, IssuedLetter, User
from tests.factories import CandidateFactory, StaffFactory
from tests.placements.test_rounds import committee, draft_round, log_in, reviewed_dossiers
from tests.selection.review_dossiers import staff_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

ACCEPTANCE = "/{lang}/letters/acceptance.pdf"
ATTESTATION = "/{lang}/letters/attestation.pdf"
A4_POINTS = (595.28, 841.89)
ACCEPTED_AT = dt.datetime(2026, 4, 20, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def campaign(reference_campaign):
    criteria_ensure(reference_campaign)
    return reference_campaign


@pytest.fixture
def frozen(campaign):
    """A frozen round of the campaign (the offers below name it): two accepted, one
    waitlisted."""
    reviewed_dossiers(campaign, ["90", "80", "70"])
    return round_freeze(
        selection_round=draft_round(campaign, {0: (1, 1)}, waitlist_size=1), actor=committee()
    )


def make_offer(
    frozen,
    *,
    academie: str = "besancon",
    level: str = "primary",
    status: str = OfferStatus.ACCEPTED,
    first: str = "Hélène",
    last: str = "Côté",
    language: str = "fr",
) -> Offer:
    """An offer written as `placements.offers` writes one (the campaign's terms copied, the
    supplement where the académie pays it), already answered with `status`."""
    campaign = frozen.campaign
    application = reviewed_dossiers(campaign, ["50"])[0]
    User.objects.filter(pk=application.candidate_id).update(
        first_name=first, last_name=last, preferred_language=language
    )
    Identity.objects.create(
        application=application,
        legal_first_names=first,
        legal_last_name=last,
        date_of_birth=dt.date(2003, 5, 17),
    )
    place = Academie.objects.get(code=academie)
    offered_at = ACCEPTED_AT - dt.timedelta(days=5)
    return Offer.objects.create(
        application=application,
        round=frozen,
        academie=place,
        level=level,
        source=OfferSource.RELEASE,
        status=status,
        offered_at=offered_at,
        respond_by=offered_at + dt.timedelta(days=campaign.offer_response_days),
        responded_at=None if status == OfferStatus.PENDING else ACCEPTED_AT,
        contract_start=campaign.contract_start,
        contract_end=campaign.contract_end,
        monthly_gross_salary=campaign.monthly_gross_salary,
        salary_currency=campaign.salary_currency,
        overseas_supplement_min_percent=(
            campaign.overseas_supplement_min_percent if place.has_salary_supplement else 0
        ),
        overseas_supplement_max_percent=(
            campaign.overseas_supplement_max_percent if place.has_salary_supplement else 0
        ),
    )


def candidate_of(client, offer: Offer):
    client.force_login(User.objects.get(pk=offer.application.candidate_id))
    return client


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    # Non-breaking spaces (thousands, before €) read as plain spaces.
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


def flat(text: str) -> str:
    return " ".join(text.split())


def assert_a4(response) -> None:
    for page in PdfReader(io.BytesIO(response.content)).pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=0.5)


# --- amounts (pure) ----------------------------------------------------------------------------


def test_the_supplement_range_is_the_salary_plus_each_percent_to_the_cent():
    assert supplement_amounts(Decimal("1036.21"), 30, 35) == (
        Decimal("1347.07"),
        Decimal("1398.88"),
    )
    assert supplement_amounts(Decimal("1010.00"), 0, 0) == (Decimal("1010.00"), Decimal("1010.00"))


def test_amounts_are_written_as_each_language_writes_euros():
    from django.utils import translation

    with translation.override("fr"):
        assert money(Decimal("1036.21"), "EUR") == "1\xa0036,21\xa0€"
    with translation.override("en"):
        assert money(Decimal("1036.21"), "EUR") == "€1,036.21"
        assert money(Decimal("80"), "CAD") == "80.00\xa0CAD"


# --- the acceptance letter ---------------------------------------------------------------------


def test_the_acceptance_letter_states_the_offer_in_the_candidates_french(client, frozen):
    offer = make_offer(frozen)
    candidate_of(client, offer)

    response = client.get(ACCEPTANCE.format(lang="en"))  # the candidate's language: French

    text = pdf_text(response)
    letter = IssuedLetter.objects.get()
    assert letter.language == "fr"
    assert "Ambassade de France au Canada — Service culturel" in text
    assert "Assistants de langue anglaise en France (TAPIF) · 2026-2027" in text
    assert "Hélène Côté" in text
    assert offer.application.number in text
    assert "Besançon" in text
    assert "Primaire (élèves de 6 à 10 ans)" in text
    assert "1er octobre 2026" in text
    assert "30 avril 2027" in text
    assert "1 036,21 €" in text
    with translation.override("fr"):
        passport = formats.date_format(offer.round.campaign.passport_valid_until)
    assert f"Votre passeport doit être valide au moins jusqu’au {passport}" in " ".join(
        text.split()
    )
    assert "L’équipe TAPIF de l’Ambassade de France au Canada" in text
    assert letter.display_code in text
    assert_a4(response)
    assert (
        f"tapif-acceptance-{offer.application.number}-fr.pdf" in (response["Content-Disposition"])
    )


def test_the_acceptance_letter_in_english_has_dates_length_hours_and_salary(client, frozen):
    offer = make_offer(frozen, level="secondary")
    candidate_of(client, offer)

    text = flat(pdf_text(client.get(ACCEPTANCE.format(lang="fr"), {"lang": "en"})))

    assert "Dear Hélène Côté," in text
    assert "Besançon" in text
    assert "Secondary (pupils aged 11 to 18)" in text
    assert "From 1 October 2026 to 30 April 2027 (7 months)" in text
    assert "12 hours a week, in up to 3 schools close to one another" in text
    assert "€1,036.21" in text
    assert "You accepted this position on 20 April 2026." in text
    assert "Overseas supplement" not in text  # Besançon pays none
    assert IssuedLetter.objects.get().language == "en"


def test_an_overseas_offer_states_the_supplement_range(client, frozen):
    offer = make_offer(frozen, academie="la-reunion")
    candidate_of(client, offer)

    text = flat(pdf_text(client.get(ACCEPTANCE.format(lang="en"), {"lang": "en"})))

    assert "La Réunion" in text
    assert "€1,036.21" in text
    assert "30 % to 35 % of the salary" in text
    assert "between €1,347.07 and €1,398.88 gross a month" in text
    facts = IssuedLetter.objects.get().facts
    assert (facts["academie"], facts["overseas_supplement"]) == ("La Réunion", "30–35 %")


def test_the_acceptance_letter_records_what_it_states(client, frozen):
    offer = make_offer(frozen)
    candidate_of(client, offer)
    client.get(ACCEPTANCE.format(lang="en"))

    letter = IssuedLetter.objects.get()
    assert (letter.kind, letter.owner_id, letter.number) == (
        IssuedLetter.Kind.ACCEPTANCE,
        offer.application.candidate_id,
        offer.application.number,
    )
    assert letter.facts == {
        "number": offer.application.number,
        "name": "Hélène Côté",
        "position": "English-language assistant",
        "academie": "Besançon",
        "level": "primary",
        "contract_start": "2026-10-01",
        "contract_end": "2027-04-30",
        "contract_months": 7,
        "weekly_hours": 12,
        "monthly_gross_salary": "1036.21",
        "salary_currency": "EUR",
        "overseas_supplement": "",
        "offer": offer.pk,
        "offer_status": "accepted",
        "accepted_at": ACCEPTED_AT.isoformat(),
        "town": "",
        "schools": [],
    }


# --- the attestation ---------------------------------------------------------------------------


def test_the_attestation_is_addressed_to_whom_it_may_concern(client, frozen):
    offer = make_offer(frozen, academie="la-reunion", language="en")
    candidate_of(client, offer)

    response = client.get(ATTESTATION.format(lang="en"))

    text = flat(pdf_text(response))
    assert "To whom it may concern," in text
    assert "Hélène Côté, born on 17 May 2003" in text
    assert f"(candidate number {offer.application.number})" in text
    assert "English-language assistant in France for the 2026-2027 school year" in text
    assert "La Réunion" in text
    assert "From 1 October 2026 to 30 April 2027 (7 months)" in text
    assert "€1,036.21" in text
    assert "between €1,347.07 and €1,398.88" in text
    assert "student-loan organisation" in text
    letter = IssuedLetter.objects.get()
    assert letter.kind == IssuedLetter.Kind.ATTESTATION
    assert letter.display_code in text
    assert_a4(response)


def test_the_attestation_in_french_keeps_its_accents_and_euros(client, frozen):
    offer = make_offer(frozen, academie="la-reunion")
    candidate_of(client, offer)

    text = flat(pdf_text(client.get(ATTESTATION.format(lang="fr"))))

    assert "Hélène Côté" in text
    assert "La Réunion" in text
    assert "1 036,21 €" in text
    assert "1 347,07 €" in text
    assert "1 398,88 €" in text
    assert "17 mai 2003" in text
    assert "1er octobre 2026" in text


# --- cached by content -------------------------------------------------------------------------


def test_each_letter_is_issued_once_per_content_and_again_when_the_schools_are_set(client, frozen):
    offer = make_offer(frozen)
    candidate_of(client, offer)

    first = pdf_text(client.get(ACCEPTANCE.format(lang="fr")))
    assert pdf_text(client.get(ACCEPTANCE.format(lang="fr"))) == first
    pdf_text(client.get(ATTESTATION.format(lang="fr")))
    assert IssuedLetter.objects.count() == 2  # one acceptance letter, one attestation

    Offer.objects.filter(pk=offer.pk).update(town="Besançon-Planoise")
    OfferSchool.objects.create(
        offer=offer, name="École Jean-Zay", address="3 rue de Picardie", level="primary"
    )
    updated = pdf_text(client.get(ACCEPTANCE.format(lang="fr")))

    assert "Besançon-Planoise" in updated
    assert "École Jean-Zay" in updated
    assert IssuedLetter.objects.filter(kind=IssuedLetter.Kind.ACCEPTANCE).count() == 2
    newest = IssuedLetter.objects.filter(kind=IssuedLetter.Kind.ACCEPTANCE).first()
    assert newest.facts["town"] == "Besançon-Planoise"
    assert newest.facts["schools"] == ["École Jean-Zay"]


# --- who may download --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [OfferStatus.PENDING, OfferStatus.DECLINED, OfferStatus.LAPSED, OfferStatus.WITHDRAWN]
)
def test_no_letter_for_an_offer_not_held_as_accepted(client, frozen, status):
    offer = make_offer(frozen, status=status)
    candidate_of(client, offer)

    for url in (ACCEPTANCE, ATTESTATION):
        assert client.get(url.format(lang="en")).status_code == 404
    own = reverse("placements_letters:offer_acceptance", args=[offer.pk])
    assert client.get(own).status_code == 404
    assert not IssuedLetter.objects.exists()


def test_an_appointed_assistant_still_downloads_both_letters(client, frozen):
    offer = make_offer(frozen)
    Offer.objects.filter(pk=offer.pk).update(appointed_at=ACCEPTED_AT + dt.timedelta(days=30))
    candidate_of(client, offer)

    assert "Besançon" in pdf_text(client.get(ACCEPTANCE.format(lang="en")))
    assert "Besançon" in pdf_text(client.get(ATTESTATION.format(lang="en")))


def test_nobody_else_gets_a_candidates_letters(client, frozen):
    offer = make_offer(frozen)
    urls = [
        reverse("placements_letters:offer_acceptance", args=[offer.pk]),
        reverse("placements_letters:offer_attestation", args=[offer.pk]),
    ]

    anonymous = client.get(urls[0])
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]

    other = make_offer(frozen, first="Zoé", last="Lefèvre")  # another accepted candidate
    candidate_of(client, other)
    for url in urls:
        assert client.get(url).status_code == 404
    own = pdf_text(client.get(ACCEPTANCE.format(lang="en")))
    assert "Zoé Lefèvre" in own
    assert "Hélène" not in own

    client.force_login(CandidateFactory())  # no offer at all
    assert client.get(ACCEPTANCE.format(lang="en")).status_code == 404

    log_in(client, StaffFactory())  # staff without the permission
    assert client.get(urls[0]).status_code == 403
    assert IssuedLetter.objects.filter(owner_id=offer.application.candidate_id).count() == 0


def test_staff_who_view_offers_download_the_candidates_letter(client, frozen):
    offer = make_offer(frozen)
    staff = staff_with("placements.view_offer")
    log_in(client, staff)

    url = reverse("placements_letters:offer_attestation", args=[offer.pk])
    text = pdf_text(client.get(url))

    assert "Hélène Côté" in text
    letter = IssuedLetter.objects.get()
    assert letter.owner_id == offer.application.candidate_id  # issued to the candidate
    assert letter.language == "fr"  # in the candidate's language
    entry = AuditEntry.objects.get(action="letter.staff_download")
    assert (entry.actor, entry.target_id, entry.dossier) == (
        staff,
        str(letter.pk),
        offer.application.number,
    )
    # The same letter when the candidate downloads it afterwards.
    candidate_of(client, offer)
    assert pdf_text(client.get(ATTESTATION.format(lang="en"))) == text
    assert IssuedLetter.objects.count() == 1


def test_the_check_page_shows_an_acceptance_letters_facts(client, frozen):
    offer = make_offer(frozen, academie="la-reunion")
    candidate_of(client, offer)
    client.get(ACCEPTANCE.format(lang="en"))
    letter = IssuedLetter.objects.get()
    log_in(client, staff_with("placements.view_offer", "core.view_issuedletter"))

    html = client.get(
        "/admin/core/issuedletter/check/", {"code": letter.display_code}
    ).content.decode()

    assert "Acceptance letter" in html
    assert "Hélène Côté" in html
    assert "La Réunion" in html
    assert "€1,036.21" in html  # money and dates written for people, never raw values
    assert "1036.21" not in html
    assert "30–35 %" in html
    assert "From 1 October 2026 to 30 April 2027 (7 months)" in html
    assert "2026-10-01" not in html
    assert "Valid" in html
    assert f"/admin/core/issuedletter/{letter.pk}/download/" in html


# --- the committee's ranked list ---------------------------------------------------------------


def committee_pdf(round_pk: int) -> str:
    return reverse("committee:export_pdf", args=[round_pk])


def test_the_ranked_list_is_an_issued_staff_document_with_a_code(client, frozen):
    log_in(client, committee())

    response = client.get(committee_pdf(frozen.pk))

    text = pdf_text(response)
    letter = IssuedLetter.objects.get()
    assert (letter.kind, letter.owner, letter.number, letter.language) == (
        IssuedLetter.Kind.RANKED_LIST,
        None,
        "",
        "en",
    )
    assert "Embassy of France in Canada — Cultural Service" in text
    assert "English-language assistants in France (TAPIF) · 2026-2027" in text
    assert letter.display_code in text
    assert "P0 N0" in text
    assert frozen.snapshot_sha256 in "".join(text.split())
    assert letter.facts["round"] == frozen.number
    assert letter.facts["snapshot_sha256"] == frozen.snapshot_sha256
    assert letter.facts["rows"] == 3
    assert_a4(response)


def test_the_same_ranked_list_is_one_document_and_a_filter_makes_another(client, frozen):
    log_in(client, committee())

    first = pdf_text(client.get(committee_pdf(frozen.pk)))
    assert pdf_text(client.get(committee_pdf(frozen.pk))) == first
    assert IssuedLetter.objects.count() == 1

    filtered = pdf_text(client.get(committee_pdf(frozen.pk), {"decision": "accepted"}))
    french = pdf_text(client.get(committee_pdf(frozen.pk), {"lang": "fr"}))

    assert IssuedLetter.objects.count() == 3
    assert IssuedLetter.objects.filter(language="fr").count() == 1
    assert "Ambassade de France au Canada — Service culturel" in french
    assert filtered != first
    assert IssuedLetter.objects.filter(facts__filters={"decision": "accepted"}).count() == 1


def test_the_ranked_list_is_refused_without_the_committees_permission(client, frozen):
    log_in(client, StaffFactory())

    assert client.get(committee_pdf(frozen.pk)).status_code == 403
    assert not IssuedLetter.objects.exists()


# --- through the offer's real life -------------------------------------------------------------


def test_accepted_through_the_offer_page_then_appointed_then_withdrawn(
    client, campaign, private_storage, django_capture_on_commit_callbacks
):
    """A released round makes the offer; the candidate accepts it on their page and follows its
    links; the académie's town and school appear once recorded; a withdrawal ends the letters."""
    from placements.offers import (
        application_withdraw,
        offer_for,
        offer_set_details,
        offer_verify_criminal_record,
    )
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
        offer = offer_for(released.first)
        assert offer.status == OfferStatus.ACCEPTED

        html = client.get("/en/offer/").content.decode()
        links = [
            reverse("placements_letters:acceptance"),
            reverse("placements_letters:attestation"),
        ]
        for link in links:
            assert f'href="{link}"' in html
        acceptance = flat(pdf_text(client.get(links[0], {"lang": "en"})))
        assert offer.academie.name in acceptance
        assert "From 1 October 2026 to 30 April 2027 (7 months)" in acceptance
        assert "You accepted this position on 20 April 2026." in acceptance
        assert "€1,036.21" in acceptance
        assert "The académie chooses your town and your schools" in acceptance

        staff = staff_with("placements.verify_criminal_record")
        offer_set_details(
            offer=offer,
            town="Manosque",
            schools=[
                {
                    "name": "École Jean Giono",
                    "address": "2 rue des Écoles\n04100 Manosque",
                    "level": offer.level,
                }
            ],
            actor=staff,
        )
        offer_verify_criminal_record(offer=offer, actor=staff)
        offer.refresh_from_db()
        assert offer.appointed_at is not None

        attestation = flat(pdf_text(client.get(links[1], {"lang": "fr"})))
        assert "Manosque" in attestation
        assert "École Jean Giono" in attestation
        assert "2 rue des Écoles 04100 Manosque" in attestation
        assert "1 036,21 €" in attestation

        with django_capture_on_commit_callbacks(execute=True):
            application_withdraw(application=released.first, actor=user, reason="")
        for link in links:
            assert client.get(link).status_code == 404
        assert IssuedLetter.objects.filter(owner=user).count() == 2  # kept, as issued
