"""The candidate's pages after the results (issue 9), under /offer/: the offer with its terms and
deadline, the waiting list, accepting (criminal record check and passport), declining,
withdrawing, the town, schools and appointment, and who may see what. In French and English.

Each test releases a real frozen round (placements.release makes the offers), then drives the
pages as the candidate would.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import translation

from candidates.choices import ApplicationStatus, DocumentKind
from candidates.models import Application, Document
from placements.choices import OfferSource, OfferStatus
from placements.models import Offer
from placements.offers import (
    offer_for,
    offer_set_details,
    offer_verify_criminal_record,
    offers_expire,
)
from placements.release import results_release_start
from placements.services import round_freeze
from selection.services import criteria_ensure
from tapif.core.models import Academie, AuditEntry, Campaign, OutboundMessage, User
from tapif.core.moments import day_words
from tests.candidates.factories import stored_files, tiny_pdf
from tests.factories import EASTERN, CandidateFactory, StaffFactory
from tests.placements.test_release import manager
from tests.placements.test_rounds import academies, committee, draft_round, reviewed_dossiers
from tests.selection.review_dossiers import staff_with

pytestmark = [pytest.mark.django_db]

#: Results day: 10:00 in Toronto (EDT). Offers made now are due 14 days later, at 23:59 there.
RELEASED_AT = dt.datetime(2026, 4, 20, 14, 0, tzinfo=dt.UTC)
# A Windows program (its "MZ" header) renamed to look like a PDF.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200

PAGES = ("", "accept/", "decline/", "withdraw/")


@dataclass
class Released:
    """A released round: two placed, two on the waiting list, one not selected."""

    first: Application  # rank 1: placed, first académie, primary
    second: Application  # rank 2: placed, second académie, secondary
    waiting_1: Application  # rank 3: waiting list, position 1
    waiting_2: Application  # rank 4: waiting list, position 2
    not_selected: Application  # rank 5

    def refresh(self) -> None:
        for application in vars(self).values():
            application.refresh_from_db()


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    criteria_ensure(reference_campaign)
    return reference_campaign


@pytest.fixture
def clock():
    with time_machine.travel(RELEASED_AT, tick=False) as traveller:
        yield traveller


def release_round(campaign, callbacks) -> Released:
    dossiers = reviewed_dossiers(campaign, ["90", "80", "70", "60", "50"])
    selection_round = draft_round(campaign, {0: (1, 0), 1: (0, 1)}, waitlist_size=2)
    frozen = round_freeze(selection_round=selection_round, actor=committee())
    with callbacks(execute=True):
        results_release_start(selection_round=frozen, actor=manager())
    released = Released(*dossiers)
    released.refresh()
    return released


@pytest.fixture
def released(campaign, clock, private_storage, django_capture_on_commit_callbacks) -> Released:
    return release_round(campaign, django_capture_on_commit_callbacks)


def page(client, user, path: str = "", language: str = "en"):
    client.force_login(user)
    return client.get(f"/{language}/offer/{path}")


def text(response) -> str:
    """The page's visible text, whitespace collapsed (for sentences spread over lines)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def long_date(value, language: str) -> str:
    with translation.override(language):
        return re.sub(r"\s+", " ", day_words(value))


def money(value, language: str) -> str:
    """As the page shows it (French groups thousands with a no-break space)."""
    with translation.override(language):
        return re.sub(r"\s+", " ", floatformat(value, "2g"))


def criminal_record(name: str = "casier.pdf", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_pdf() if data is None else data, "application/pdf")


def accept(client, user, *, file=None, confirmed: bool = True, language: str = "en"):
    client.force_login(user)
    data = {"passport_confirmed": "on"} if confirmed else {}
    if file is not None:
        data["criminal_record"] = file
    return client.post(f"/{language}/offer/accept/", data)


# --- the offer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_offer_shows_its_place_terms_and_deadline(client, released, language):
    offer = offer_for(released.first)
    first_academie = academies()[0]
    assert (offer.status, offer.source, offer.academie, offer.level) == (
        OfferStatus.PENDING,
        OfferSource.RELEASE,
        first_academie,
        "primary",
    )

    response = page(client, released.first.candidate, language=language)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    body = text(response)
    assert first_academie.name in body
    with translation.override(language):
        assert str(offer.get_level_display()) in body
    assert long_date(dt.date(2026, 10, 1), language) in body
    assert long_date(dt.date(2027, 4, 30), language) in body
    assert money(offer.monthly_gross_salary, language) in body
    assert "EUR" in body
    assert "overseas supplement" not in body
    # Due 14 days later, at the end of that day in Toronto, on the campaign's clock.
    assert offer.respond_by == dt.datetime(2026, 5, 4, 23, 59, tzinfo=EASTERN)
    assert long_date(dt.date(2026, 5, 4), language) in body
    assert {"en": "Eastern time", "fr": "heure de l’Est"}[language] in body
    assert reverse("offer:accept") in html
    assert reverse("offer:decline") in html
    assert reverse("offer:withdraw") not in html  # declining is the answer to a pending offer
    if language == "en":
        assert "From 1 October 2026 to 30 April 2027 (7 months)." in body
        assert "Answer by 4 May 2026, 11:59 p.m. Eastern time. 14 days left." in body
        assert "12 hours of teaching a week, in up to 3 schools close to one another." in body
        assert "1,036.21 EUR, before health insurance and social security deductions." in body
        assert "a passport valid until at least 30 October 2027." in body


def test_the_days_left_count_the_campaigns_calendar_days(client, released, clock):
    clock.move_to(dt.datetime(2026, 5, 3, 3, 59, tzinfo=dt.UTC))  # 2 May, 23:59 in Toronto
    assert "2 days left." in text(page(client, released.first.candidate))
    clock.move_to(dt.datetime(2026, 5, 3, 4, 0, tzinfo=dt.UTC))  # 3 May, 00:00
    assert "1 day left." in text(page(client, released.first.candidate))
    clock.move_to(dt.datetime(2026, 5, 4, 13, 0, tzinfo=dt.UTC))  # 4 May, 9:00
    assert "This is the last day." in text(page(client, released.first.candidate))


def test_an_overseas_academie_shows_the_supplement_range(
    client, campaign, clock, private_storage, django_capture_on_commit_callbacks
):
    Academie.objects.filter(pk=academies()[0].pk).update(has_salary_supplement=True)
    released = release_round(campaign, django_capture_on_commit_callbacks)

    body = text(page(client, released.first.candidate))

    assert (
        "1,036.21 EUR, before health insurance and social security deductions, plus an "
        "overseas supplement of 30–35 % for the higher cost of living." in body
    )
    assert "overseas supplement" not in text(page(client, released.second.candidate))


def test_the_dossier_links_to_the_offer_once_released(client, released):
    client.force_login(released.first.candidate)
    html = client.get("/en/dossier/").content.decode()
    assert "See your offer and answer it" in html
    assert 'href="/en/offer/"' in html
    client.force_login(released.waiting_1.candidate)
    html = client.get("/fr/dossier/").content.decode()
    assert 'href="/fr/offer/"' in html
    client.force_login(released.not_selected.candidate)
    assert "/en/offer/" not in client.get("/en/dossier/").content.decode()


# --- accepting ---------------------------------------------------------------------------------


def test_accept_page_asks_for_the_check_and_the_passport(client, released):
    response = page(client, released.first.candidate, "accept/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert '<input type="file" name="criminal_record"' in html
    assert 'accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"' in html
    assert '<label for="id_criminal_record">Criminal record check (level 1)</label>' in html
    assert (
        '<label for="id_passport_confirmed">I confirm that my passport is valid until at '
        "least 30 October 2027, the date the programme requires.</label>" in html
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_accept_without_the_file_says_so_and_keeps_the_box_ticked(client, released, language):
    response = accept(client, released.first.candidate, language=language)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert 'href="#id_criminal_record"' in html
    assert re.search(r'<input type="checkbox" name="passport_confirmed"[^>]* checked', html)
    if language == "en":
        assert "Choose the file of your criminal record check (level 1)." in html
    offer = offer_for(released.first)
    assert offer.status == OfferStatus.PENDING
    assert not Document.objects.filter(kind=DocumentKind.CRIMINAL_RECORD).exists()


def test_accept_without_confirming_the_passport_says_so(client, released):
    response = accept(client, released.first.candidate, file=criminal_record(), confirmed=False)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_passport_confirmed"' in html
    assert (
        "Tick this box to confirm that your passport is valid until at least 30 October "
        "2027. If it expires before, renew it first: you need it for your visa." in html
    )
    assert "choose your criminal record check again" in html
    assert offer_for(released.first).status == OfferStatus.PENDING
    assert not Document.objects.filter(kind=DocumentKind.CRIMINAL_RECORD).exists()


def test_accept_with_a_file_that_is_not_a_document_is_refused_by_its_content(
    client, released, private_storage
):
    response = accept(
        client, released.first.candidate, file=criminal_record("casier.pdf", EXE_BYTES)
    )

    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(r'<ul class="errorlist" id="id_criminal_record_error"><li>(.*?)</li>', html)
    assert error, html
    assert "PDF" in error.group(1)
    assert offer_for(released.first).status == OfferStatus.PENDING
    assert stored_files(private_storage) == []


def test_accept_stores_the_check_privately_and_accepts(client, released, private_storage):
    candidate = released.first.candidate

    response = accept(client, candidate, file=criminal_record("casier-judiciaire.pdf"))

    assert response.status_code == 302
    assert response["Location"] == "/en/offer/"
    offer = offer_for(released.first)
    released.refresh()
    assert (offer.status, released.first.status) == (
        OfferStatus.ACCEPTED,
        ApplicationStatus.OFFER_ACCEPTED,
    )
    assert offer.passport_confirmed_at == RELEASED_AT
    document = offer.criminal_record
    assert (document.kind, document.original_name, document.is_current) == (
        DocumentKind.CRIMINAL_RECORD,
        "casier-judiciaire.pdf",
        True,
    )
    stored = stored_files(private_storage)
    assert stored == [private_storage / document.file.name]
    assert "casier" not in document.file.name  # a generated name, not the candidate's
    assert AuditEntry.objects.filter(action="offer.accept").count() == 1

    body = text(client.get("/en/offer/"))
    assert "You have accepted the offer: welcome to the programme!" in body
    assert "You accepted this offer on 20 April 2026." in body
    assert "casier-judiciaire.pdf waiting for the embassy's check" in body
    assert "The académie chooses your town and your school or schools" in body
    download = reverse("candidates:document_download", args=[document.pk])
    assert download in client.get("/en/offer/").content.decode()
    downloaded = client.get(download)
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == tiny_pdf()  # read to the end: file closed
    # Nobody else reads it: another candidate gets the same 404 as for a missing file.
    client.force_login(released.second.candidate)
    assert client.get(download).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302


def test_after_accepting_the_letters_are_linked(client, released):
    accept(client, released.first.candidate, file=criminal_record())

    html = client.get("/en/offer/").content.decode()

    for name in ("acceptance", "attestation"):
        assert f'href="{reverse(f"placements_letters:{name}")}"' in html
    assert "Withdraw from the programme" in html
    assert reverse("offer:accept") not in html


def test_an_offer_cannot_be_accepted_twice(client, released):
    accept(client, released.first.candidate, file=criminal_record())

    response = accept(client, released.first.candidate, file=criminal_record())

    assert response.status_code == 302
    assert "There is no offer waiting for your answer." in text(client.get("/en/offer/"))
    assert Document.objects.filter(kind=DocumentKind.CRIMINAL_RECORD).count() == 1


def test_after_the_deadline_the_offer_cannot_be_accepted_then_lapses(client, released, clock):
    clock.move_to(dt.datetime(2026, 5, 5, 0, 0, tzinfo=EASTERN))  # the next day's first minute
    body = text(page(client, released.first.candidate))
    assert (
        "The deadline to answer this offer was 4 May 2026, 11:59 p.m. Eastern time. "
        "It can no longer be accepted" in body
    )
    assert reverse("offer:accept") not in client.get("/en/offer/").content.decode()

    response = accept(client, released.first.candidate, file=criminal_record())
    assert response.status_code == 302
    assert "The deadline to answer this offer has passed" in text(client.get("/en/offer/"))
    assert offer_for(released.first).status == OfferStatus.PENDING

    offers_expire()

    body = text(client.get("/en/offer/"))
    assert (
        "This offer lapsed: it was not answered by 4 May 2026, 11:59 p.m. Eastern time. "
        "The place has been offered to another candidate." in body
    )
    assert "Withdraw from the programme" not in body


# --- the académie's details and the appointment ------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_town_schools_then_appointment_appear(client, released, language):
    accept(client, released.first.candidate, file=criminal_record())
    offer = offer_for(released.first)
    staff = staff_with("placements.verify_criminal_record")
    offer_set_details(
        offer=offer,
        town="Manosque",
        schools=[
            {
                "name": "École Jean Giono",
                "address": "2 rue des Écoles\n04100 Manosque",
                "level": "primary",
            },
            {"name": "École du Soleil", "address": "5 avenue du Soleil", "level": "primary"},
        ],
        actor=staff,
    )

    body = text(page(client, released.first.candidate, language=language))
    assert "Manosque" in body
    assert "École Jean Giono" in body
    assert "2 rue des Écoles 04100 Manosque" in body
    assert "École du Soleil" in body
    if language == "en":
        assert "You will be appointed once the embassy has checked" in body

    offer_verify_criminal_record(offer=offer, actor=staff)

    released.refresh()
    assert released.first.status == ApplicationStatus.APPOINTED
    body = text(page(client, released.first.candidate, language=language))
    assert long_date(RELEASED_AT.date(), language) in body
    assert "Manosque" in body
    if language == "en":
        assert "You are appointed as an English-language assistant (since 20 April 2026)." in body
        assert "checked by the embassy" in body
        assert "Withdraw from the programme" in body


# --- declining ---------------------------------------------------------------------------------


def test_decline_asks_for_confirmation_first(client, released):
    response = page(client, released.first.candidate, "decline/")

    body = text(response)
    assert response.status_code == 200
    assert "Declining cannot be undone." in body
    assert "Reason (optional)" in body
    assert "Yes, decline the offer" in body
    assert offer_for(released.first).status == OfferStatus.PENDING


@pytest.mark.parametrize("language", ["en", "fr"])
def test_decline_with_a_reason_frees_the_place_for_the_waiting_list(client, released, language):
    client.force_login(released.first.candidate)

    response = client.post(
        f"/{language}/offer/decline/", {"reason": "J’ai trouvé un emploi à Ottawa."}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/{language}/offer/"
    released.refresh()
    declined = Offer.objects.get(application=released.first)
    assert (declined.status, declined.reason) == (
        OfferStatus.DECLINED,
        "J’ai trouvé un emploi à Ottawa.",
    )
    assert released.first.status == ApplicationStatus.OFFER_DECLINED
    body = text(client.get(f"/{language}/offer/"))
    assert "J’ai trouvé un emploi à Ottawa." in body
    assert long_date(RELEASED_AT.date(), language) in body
    assert reverse("offer:accept") not in body
    if language == "en":
        assert "You declined this offer on 20 April 2026." in body
    # The first on the waiting list gets the place, the second moves up.
    promoted = offer_for(released.waiting_1)
    assert (promoted.source, promoted.academie, promoted.level) == (
        OfferSource.PROMOTION,
        declined.academie,
        declined.level,
    )
    assert released.waiting_1.status == ApplicationStatus.PLACED
    body = text(page(client, released.waiting_1.candidate))
    assert (
        "A place was freed by another candidate: it is offered to you from the waiting list."
        in body
    )
    assert declined.academie.name in body
    assert "You are number 1 on the waiting list." in text(
        page(client, released.waiting_2.candidate)
    )
    assert OutboundMessage.objects.filter(
        dossier=released.first.number, template="placements/email/offer_declined"
    ).exists()
    assert OutboundMessage.objects.filter(
        dossier=released.waiting_1.number, template="placements/email/offer_made"
    ).exists()


def test_decline_without_a_reason(client, released):
    client.force_login(released.second.candidate)
    assert client.post("/en/offer/decline/", {"reason": ""}).status_code == 302
    offer = offer_for(released.second)
    assert (offer.status, offer.reason) == (OfferStatus.DECLINED, "")
    assert "The reason you gave" not in text(client.get("/en/offer/"))


# --- the waiting list and withdrawing ----------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_waiting_list_position_moves_when_someone_ahead_withdraws(client, released, language):
    response = page(client, released.waiting_2.candidate, language=language)
    assert response.status_code == 200
    assert re.search(r'id="waitlist-position">[^<]*\b2\b', response.content.decode())
    if language == "en":
        assert "You are number 2 on the waiting list." in text(response)
        assert "withdraw: you leave the waiting list, and those behind you move up." in text(
            response
        )

    client.force_login(released.waiting_1.candidate)
    assert client.post(f"/{language}/offer/withdraw/", {"reason": ""}).status_code == 302

    response = page(client, released.waiting_2.candidate, language=language)
    assert re.search(r'id="waitlist-position">[^<]*\b1\b', response.content.decode())
    released.refresh()
    assert released.waiting_1.status == ApplicationStatus.WITHDRAWN
    if language == "en":
        assert "You have withdrawn from the programme." in text(
            page(client, released.waiting_1.candidate)
        )


def test_withdraw_asks_for_confirmation_first(client, released):
    body = text(page(client, released.waiting_1.candidate, "withdraw/"))
    assert "Withdrawing cannot be undone." in body
    assert "You leave the waiting list and will not be offered a place this year." in body
    assert "Yes, withdraw from the programme" in body
    released.refresh()
    assert released.waiting_1.status == ApplicationStatus.WAITLISTED


def test_withdraw_after_accepting_frees_the_place(client, released):
    accept(client, released.first.candidate, file=criminal_record())
    body = text(client.get("/en/offer/withdraw/"))
    assert "The place you hold" in body
    assert "your place is offered at once to a candidate on the waiting list" in body

    response = client.post("/en/offer/withdraw/", {"reason": "Raisons familiales."})

    assert response.status_code == 302
    released.refresh()
    offer = Offer.objects.get(application=released.first)
    assert (offer.status, offer.reason) == (OfferStatus.WITHDRAWN, "Raisons familiales.")
    assert released.first.status == ApplicationStatus.WITHDRAWN
    body = text(client.get("/en/offer/"))
    assert "You have withdrawn from the programme. Your place has been offered to another" in body
    assert "Raisons familiales." in body
    assert "Withdraw from the programme" not in body
    assert offer_for(released.waiting_1).source == OfferSource.PROMOTION
    # Once withdrawn, there is nothing more to withdraw from.
    response = client.post("/en/offer/withdraw/", {"reason": ""})
    assert response.status_code == 302
    assert "Your dossier can no longer be withdrawn." in text(client.get("/en/offer/"))


def test_a_reason_too_long_is_refused_before_anything_changes(client, released):
    client.force_login(released.waiting_1.candidate)
    response = client.post("/en/offer/withdraw/", {"reason": "x" * 2001})
    assert response.status_code == 400
    assert 'href="#id_reason"' in response.content.decode()
    released.refresh()
    assert released.waiting_1.status == ApplicationStatus.WAITLISTED


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, released, path):
    response = client.get(f"/fr/offer/{path}")
    assert response.status_code == 302
    assert response["Location"].startswith("/fr/accounts/login/?next=")


@pytest.mark.parametrize("path", PAGES)
def test_staff_and_professors_have_no_offer_page(client, released, path):
    client.force_login(StaffFactory())
    assert client.get(f"/en/offer/{path}").status_code == 403


def test_each_candidate_sees_only_their_own_offer(client, released):
    first = text(page(client, released.first.candidate))
    second = text(page(client, released.second.candidate))
    first_academie, second_academie = academies()[:2]
    assert first_academie.name in first
    assert second_academie.name not in first
    assert second_academie.name in second
    assert first_academie.name not in second
    # Answering acts on one's own offer only: the other offer is left as it was.
    client.force_login(released.second.candidate)
    client.post("/en/offer/decline/", {"reason": ""})
    assert offer_for(released.first).status == OfferStatus.PENDING
    assert offer_for(released.second).status == OfferStatus.DECLINED


def test_not_selected_candidates_go_back_to_their_dossier(client, released):
    response = page(client, released.not_selected.candidate)
    assert response.status_code == 302
    assert response["Location"] == "/en/dossier/"


@pytest.mark.parametrize("path", PAGES)
def test_nothing_shows_before_the_result_is_released(client, campaign, clock, path):
    application = reviewed_dossiers(campaign, ["90"])[0]
    candidate = User.objects.get(pk=application.candidate_id)
    assert page(client, candidate, path).status_code == 404


def test_a_candidate_without_a_dossier_starts_one(client, campaign, clock):
    response = page(client, CandidateFactory())
    assert response.status_code == 302
    assert response["Location"] == "/en/dossier/"
