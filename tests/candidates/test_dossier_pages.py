"""The dossier as the candidate meets it in the browser: pages, messages, privacy, queries."""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from pypdf import PdfReader

from candidates.choices import ApplicationStatus, ExperienceKind
from candidates.models import Application, Experience, Identity
from tapif.core.models import Academie
from tests.candidates.dossier import LETTER, complete_dossier, fill_sections, upload
from tests.candidates.factories import CAMPAIGN_CLOSED_AT, ApplicationFactory
from tests.factories import EASTERN, CandidateFactory, ProfessorFactory

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")


@pytest.fixture
def candidate_client(client):
    application = ApplicationFactory()
    client.force_login(application.candidate)
    client.application = application
    return client


def test_a_new_candidate_is_offered_to_start(client):
    client.force_login(CandidateFactory())
    html = client.get("/en/dossier/").content.decode()
    assert "Start my dossier" in html
    response = client.post("/en/dossier/start/")
    assert response["Location"] == "/en/dossier/"
    assert Application.objects.get().number == "CA27-00001"


def test_overview_shows_progress_next_step_deadline_and_eligibility(candidate_client):
    html = candidate_client.get("/en/dossier/").content.decode()
    assert "Progress: 1 of 5 sections complete" in html  # experience is optional
    assert "Complete “1. Identity”." in html
    assert "Deadline: 27 February 2026" in html
    assert "Enter your date of birth" in html


def test_identity_is_saved_and_shown_back(candidate_client):
    response = candidate_client.post(
        "/en/dossier/identity/",
        {
            "legal_first_names": "Camille",
            "legal_last_name": "Tremblay",
            "date_of_birth": "2003-05-17",
            "citizenship": "canadian",
            "resides_in_canada": "True",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302
    identity = Identity.objects.get()
    assert (identity.legal_last_name, identity.date_of_birth, identity.resides_in_canada) == (
        "Tremblay",
        dt.date(2003, 5, 17),
        True,
    )
    html = candidate_client.get("/en/dossier/identity/").content.decode()
    assert 'value="Tremblay"' in html
    assert "Saved." in html


def test_an_18_year_old_is_told_next_to_the_date_of_birth(candidate_client):
    candidate_client.post(
        "/en/dossier/identity/",
        {
            "date_of_birth": "2008-03-01",
            "preferred_language": "en",
        },
    )
    html = candidate_client.get("/en/dossier/identity/").content.decode()
    assert Identity.objects.get().date_of_birth == dt.date(2008, 3, 1)  # kept
    assert 'id="id_date_of_birth_rule"' in html
    assert 'aria-describedby="id_date_of_birth_rule"' in html  # read out with the field
    assert "You must be 20 to 35 years old on 1 October 2026; you will be 18." in html


def test_the_same_academie_twice_is_refused_next_to_the_field(candidate_client):
    paris = Academie.objects.get(code="paris")
    response = candidate_client.post(
        "/en/dossier/assets/",
        {
            "motivation_letter": LETTER,
            "academie_1": paris.pk,
            "academie_2": paris.pk,
            "school_level": "either",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "You already chose Paris as choice 1: choose a different académie." in html
    assert 'id="id_academie_2_error"' in html
    assert "Je souhaite enseigner" in html  # the letter typed is still there
    assert not hasattr(Application.objects.get(), "assets") or (
        Application.objects.get().assets.academie_1 is None
    )


def test_a_40_word_letter_is_kept_and_flagged(candidate_client):
    letter = " ".join(["mot"] * 40)
    candidate_client.post("/en/dossier/assets/", {"motivation_letter": letter})
    html = candidate_client.get("/en/dossier/assets/").content.decode()
    assert candidate_client.application.assets.__class__.objects.get().motivation_letter == letter
    assert "Too short to submit: at least 150 words." in html
    assert "<strong>40</strong>" in html
    assert "Motivation letter: at least 150 words (it has 40)" in html


def test_experience_entries_show_their_duration(candidate_client):
    response = candidate_client.post(
        "/en/dossier/experience/add/",
        {
            "kind": ExperienceKind.ABROAD,
            "role": "Exchange student",
            "country": "FR",
            "abroad_activity": "studied",
            "start_date": "2024-01-01",
            "end_date": "2024-01-31",
        },
    )
    assert response.status_code == 302
    html = candidate_client.get("/en/dossier/experience/").content.decode()
    assert "Exchange student" in html
    assert "31 days" in html


def test_experience_ending_before_it_starts_is_refused(candidate_client):
    response = candidate_client.post(
        "/en/dossier/experience/add/",
        {
            "kind": ExperienceKind.TEACHING,
            "role": "Tutor",
            "start_date": "2024-05-01",
            "end_date": "2024-04-01",
        },
    )
    assert "The end date cannot be before the start date." in response.content.decode()
    assert 'value="Tutor"' in response.content.decode()
    assert not Experience.objects.exists()


def test_submission_from_the_page(candidate_client, django_capture_on_commit_callbacks):
    complete_dossier(candidate_client.application)
    page = candidate_client.get("/en/dossier/submit/").content.decode()
    assert "Check every answer below" in page
    assert "Je souhaite enseigner" in page

    refused = candidate_client.post("/en/dossier/submit/", {})
    assert "Tick this box to submit your dossier." in refused.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = candidate_client.post("/en/dossier/submit/", {"certify": "on"})
    assert response["Location"] == "/en/dossier/"
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED
    assert len(mail.outbox) == 1
    overview = candidate_client.get("/en/dossier/").content.decode()
    assert "Your dossier has been submitted and can no longer be changed." in overview
    timeline = candidate_client.get("/en/dossier/timeline/").content.decode()
    assert "Submitted, waiting for the embassy" in timeline
    assert "What happens next:" in timeline


def test_a_submitted_dossier_refuses_changes_from_the_page(candidate_client):
    complete_dossier(candidate_client.application)
    candidate_client.post("/en/dossier/submit/", {"certify": "on"})
    candidate_client.post(
        "/en/dossier/identity/", {"legal_last_name": "Other", "preferred_language": "en"}
    )
    assert Identity.objects.get().legal_last_name == "Tremblay"


def test_after_the_close_the_pages_say_so(candidate_client, campaign_open):
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)
    candidate_client.force_login(candidate_client.application.candidate)  # session aged out
    html = candidate_client.get("/en/dossier/identity/").content.decode()
    assert "The application period has ended" in html
    assert "Save this section" not in html


def test_summary_pdf_carries_the_number_and_answers(candidate_client):
    complete_dossier(candidate_client.application)
    response = candidate_client.get("/en/dossier/summary.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "CA27-00001" in text
    assert "Tremblay" in text


def test_another_candidate_cannot_touch_entries_of_the_first(client, candidate_client):
    first = candidate_client.application
    fill_sections(first)
    entry = Experience.objects.create(
        application=first, kind="teaching", role="Tutor", start_date=dt.date(2024, 1, 1)
    )
    course = first.french_courses.create(title="FRA 300", level="advanced")
    participation = first.previous_participations.create(
        school_year="2022-2023", academie=Academie.objects.get(code="lyon")
    )
    intruder = ApplicationFactory()
    client.force_login(intruder.candidate)

    assert client.get(f"/en/dossier/experience/{entry.pk}/edit/").status_code == 404
    assert client.post(f"/en/dossier/experience/{entry.pk}/delete/").status_code == 404
    assert client.post(f"/en/dossier/french/courses/{course.pk}/delete/").status_code == 404
    assert (
        client.post(f"/en/dossier/assets/participations/{participation.pk}/delete/").status_code
        == 404
    )
    own = client.get("/en/dossier/summary/").content.decode()
    assert first.number not in own
    assert "Tremblay" not in own
    assert Experience.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "path",
    ["/en/dossier/", "/en/dossier/identity/", "/en/dossier/summary.pdf", "/en/dossier/timeline/"],
)
def test_non_candidates_are_refused_dossier_pages(client, path):
    assert client.get(path).status_code == 302  # anonymous: to the login page
    client.force_login(ProfessorFactory())
    assert client.get(path).status_code == 403


def test_dossier_page_queries_do_not_grow_with_entries(candidate_client, django_assert_num_queries):
    application = candidate_client.application
    fill_sections(application)
    Experience.objects.create(
        application=application, kind="teaching", role="Tutor 0", start_date=dt.date(2024, 1, 1)
    )
    upload(application, "transcripts")
    candidate_client.get("/en/dossier/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        candidate_client.get("/en/dossier/")
    for n in range(1, 6):
        Experience.objects.create(
            application=application,
            kind="children",
            role=f"Camp {n}",
            start_date=dt.date(2023, 6, n),
        )
    for kind in ("birth_certificate", "fee_receipt"):
        upload(application, kind)
    upload(application, "passport", dt.date(2030, 1, 1))
    with CaptureQueriesContext(connection) as many:
        candidate_client.get("/en/dossier/")
    assert len(many) == len(few)


def test_public_eligibility_check_needs_no_account(client):
    response = client.post(
        "/fr/eligibility/", {"date_of_birth": "2008-03-01", "citizenship": "canadian"}
    )
    html = response.content.decode()
    assert "Vous devez avoir entre 20 et 35 ans au 1er octobre 2026 ; vous aurez 18 ans." in html
    assert "rule rule-pass" in html  # citizenship
    assert "no-store" in response["Cache-Control"]


def test_public_eligibility_check_in_english(client):
    html = client.post("/en/eligibility/", {"passport_expiry": "2027-10-29"}).content.decode()
    assert "rule rule-fail" in html
    assert "30 October 2027" in html


def test_the_eligibility_check_never_puts_the_date_of_birth_in_an_address(client):
    """The form posts (with its CSRF token); answers in a query string are not read, so no
    link, history entry or access log carries a date of birth."""
    page = client.get("/en/eligibility/").content.decode()
    assert re.search(
        r'<form method="post"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"', page
    )
    assert 'method="get"' not in page

    from_query = client.get("/en/eligibility/", {"date_of_birth": "2008-03-01"}).content.decode()
    assert "Result" not in from_query
    assert "you will be 18" not in from_query
    assert 'value="2008-03-01"' not in from_query

    posted = client.post("/en/eligibility/", {"date_of_birth": "2008-03-01"}, follow=True)
    assert "you will be 18" in posted.content.decode()
    assert posted.redirect_chain == []  # answered in place: no redirect to an address with it


def test_the_eligibility_check_refuses_a_post_without_its_csrf_token():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/en/eligibility/", {"date_of_birth": "2008-03-01"}
    )
    assert response.status_code == 403
    assert "you will be 18" not in response.content.decode()


def test_a_missing_university_is_requested_and_chosen(candidate_client):
    from tapif.core.models import Institution

    response = candidate_client.post(
        "/en/dossier/studies/",
        {
            "enrolment_status": "enrolled",
            "missing_institution_name": "Université de Hearst",
            "missing_institution_city": "Hearst",
            "missing_institution_province": "ON",
        },
    )
    assert response.status_code == 302
    requested = Institution.objects.get(name="Université de Hearst")
    assert requested.status == Institution.Status.REQUESTED
    assert requested.requested_by == candidate_client.application.candidate
    assert Application.objects.get().studies.institution == requested
    html = candidate_client.get("/en/dossier/studies/").content.decode()
    assert "You asked for Université de Hearst to be added to the list" in html


def test_a_half_filled_university_request_is_refused(candidate_client):
    response = candidate_client.post(
        "/en/dossier/studies/",
        {
            "missing_institution_name": "Université de Hearst",
        },
    )
    assert "Give the name, city and province of the missing university." in (
        response.content.decode()
    )


def test_french_courses_are_added_and_removed(candidate_client):
    candidate_client.post(
        "/en/dossier/french/courses/add/",
        {
            "title": "FRA 3100 Advanced grammar",
            "level": "third year",
            "grade": "A-",
            "year": "2025",
        },
    )
    course = candidate_client.application.french_courses.get()
    assert (course.title, course.grade, course.year) == ("FRA 3100 Advanced grammar", "A-", 2025)
    assert (
        "FRA 3100 Advanced grammar" in candidate_client.get("/en/dossier/french/").content.decode()
    )
    candidate_client.post(f"/en/dossier/french/courses/{course.pk}/delete/")
    assert not candidate_client.application.french_courses.exists()


def test_an_official_test_after_the_deadline_is_refused(candidate_client, campaign_open):
    campaign_open.move_to(dt.datetime(2026, 2, 25, 12, tzinfo=EASTERN))
    candidate_client.force_login(candidate_client.application.candidate)
    response = candidate_client.post(
        "/en/dossier/french/",
        {
            "proof_route": "official_test",
            "test_name": "TCF",
            "test_level": "B2",
            "test_date": "2026-02-21",
        },
    )
    assert response.status_code == 200
    assert "Results must be in by 20 February 2026." in response.content.decode()


def test_the_experience_radios_start_with_nothing_ticked_and_no_blank_option(candidate_client):
    html = candidate_client.get("/en/dossier/experience/add/").content.decode()
    assert 'name="kind" value=""' not in html
    assert 'name="abroad_activity" value=""' not in html
    assert 'name="kind" value="teaching"' in html
