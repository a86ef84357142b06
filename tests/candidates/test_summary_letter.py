"""The dossier's summary as an official letter (issue 9): every section, the documents with
their upload times, the submission time in the campaign's zone, the programme's header and a
verification code; issued once per content, in the candidate's language or the one asked."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from candidates import services
from candidates.models import Identity
from tapif.core.models import IssuedLetter
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import ApplicationFactory, stored_files
from tests.factories import CandidateFactory

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")

URL = "/en/dossier/summary.pdf"


@pytest.fixture
def submitted(client):
    """A submitted dossier (15 January 2026, 12:00 in Toronto), its candidate signed in."""
    candidate = CandidateFactory(first_name="Camille", last_name="Tremblay")
    application = complete_dossier(ApplicationFactory(candidate=candidate))
    application = services.application_submit(application=application, actor=candidate)
    client.force_login(candidate)
    return application


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_summary_states_every_section_documents_and_submission_in_english(client, submitted):
    response = client.get(URL, {"lang": "en"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"tapif-{submitted.number}-en.pdf" in response["Content-Disposition"]
    text = pdf_text(response)
    letter = IssuedLetter.objects.get()
    for heading in ("1. Identity", "2. Studies", "3. French", "4. Experience", "5. My strengths"):
        assert heading in text
    assert "Camille Tremblay" in text
    assert "Motivation letter" in text
    assert "Je souhaite enseigner l’anglais en France" in text
    assert "Submitted on 15 January 2026, 12:00 p.m. Eastern time." in text
    for name in ("passport.pdf", "transcripts.pdf", "birth_certificate.pdf"):
        assert name in text
    assert text.count("15 January 2026, 12:00 p.m.") >= 4  # submitted, and each document's upload
    assert "Embassy of France in Canada — Cultural Service" in text
    assert "2026-2027" in text
    assert submitted.number in text
    assert letter.display_code in text
    with letter.file.open("rb") as handle:
        page = PdfReader(io.BytesIO(handle.read())).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
        (595.28, 841.89), abs=0.5
    )


def test_the_summary_is_in_the_candidates_language_with_its_accents(client, submitted):
    response = client.get(URL)  # the candidate's language (French), whatever the page's

    text = pdf_text(response)
    assert "Ambassade de France au Canada — Service culturel" in text
    assert "Assistants de langue anglaise en France" in text
    for heading in ("1. Identité", "2. Études", "5. Mes atouts", "Lettre de motivation"):
        assert heading in text
    assert "Je souhaite enseigner l’anglais en France" in text
    letter = IssuedLetter.objects.get()
    assert letter.language == "fr"
    assert letter.display_code in text


def test_the_summary_letter_records_what_it_states(client, submitted):
    client.get(URL)

    letter = IssuedLetter.objects.get()
    assert (letter.kind, letter.owner, letter.number) == (
        IssuedLetter.Kind.DOSSIER_SUMMARY,
        submitted.candidate,
        submitted.number,
    )
    assert letter.facts["number"] == submitted.number
    assert letter.facts["name"] == "Camille Tremblay"
    assert letter.facts["submitted_at"] == submitted.submitted_at.isoformat()
    assert sorted(d["name"] for d in letter.facts["documents"]) == [
        "birth_certificate.pdf",
        "passport.pdf",
        "transcripts.pdf",
    ]
    assert len(letter.facts["academies"]) == 3


def test_the_same_summary_is_one_letter_and_a_change_makes_a_new_one(
    client, submitted, private_storage
):
    first = pdf_text(client.get(URL))
    again = pdf_text(client.get(URL))
    assert first == again
    assert IssuedLetter.objects.count() == 1
    assert len([p for p in stored_files(private_storage) if p.parts[-4] == "letters"]) == 1

    # Staff correct the name on the dossier: the summary says something else, a new letter.
    Identity.objects.filter(application=submitted).update(legal_last_name="Tremblay-Côté")
    changed = pdf_text(client.get(URL))

    assert "Camille Tremblay-Côté" in changed
    assert IssuedLetter.objects.count() == 2
    codes = set(IssuedLetter.objects.values_list("code", flat=True))
    assert len(codes) == 2
    assert len([p for p in stored_files(private_storage) if p.parts[-4] == "letters"]) == 2


def test_a_draft_summary_is_printed_without_a_code_or_a_letter(client):
    application = complete_dossier(ApplicationFactory())
    client.force_login(application.candidate)

    response = client.get(URL, {"lang": "en"})

    text = pdf_text(response)
    assert response["Content-Type"] == "application/pdf"
    assert "Not submitted yet: this is a draft, not an official document." in text
    assert "Verification code" not in text
    assert application.number in text
    assert not IssuedLetter.objects.exists()


def test_each_candidate_gets_only_their_own_summary(client, submitted):
    other = complete_dossier(ApplicationFactory())
    services.application_submit(application=other, actor=other.candidate)
    client.force_login(other.candidate)

    text = pdf_text(client.get(URL, {"lang": "en"}))

    assert other.number in text
    assert submitted.number not in text
    assert submitted.candidate.email not in text
    assert other.candidate.email in text
    assert IssuedLetter.objects.get().owner == other.candidate


# --- checked on the public page ----------------------------------------------------------------


def _card(client, letter, lang: str) -> str:
    client.logout()
    html = client.get(f"/{lang}/verify/", {"code": letter.display_code}).content.decode()
    return html[html.index('id="result"') : html.index("</section>")]


def test_a_summary_on_the_public_page_states_few_facts_until_the_dossier_is_withdrawn(
    client, submitted
):
    from placements.offers import application_withdraw

    client.get(URL, {"lang": "fr"})
    letter = IssuedLetter.objects.get()

    french = _card(client, letter, "fr")
    assert "Valide : le programme a émis cette lettre" in french
    assert "Camille Tremblay" in french
    assert "2026-2027" in french
    assert "15 janvier 2026" in french  # the submission, as a date in words
    english = _card(client, letter, "en")
    assert "15 January 2026" in english
    for private in (submitted.number, submitted.candidate.email, "passport.pdf", "T12:00"):
        assert private not in english

    application_withdraw(application=submitted, actor=submitted.candidate, reason="")

    assert "Withdrawn: the programme issued this letter" in _card(client, letter, "en")


def test_the_summary_pdf_is_tagged_in_its_language_with_its_title(client, submitted):
    reader = PdfReader(io.BytesIO(client.get(URL, {"lang": "en"}).content))
    catalog = reader.trailer["/Root"]

    assert catalog["/Lang"] == "en"
    assert "/StructTreeRoot" in catalog
    assert reader.metadata.title == f"TAPIF dossier {submitted.number}"
