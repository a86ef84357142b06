"""The candidate's evaluator page (section 3, professor route): invite, follow, resend, replace.

The candidate sees statuses and dates only; the pages are read as HTML, and the state behind
them is checked too.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail

from candidates import services as dossier_services
from evaluations import services
from evaluations.choices import RequestStatus
from evaluations.models import EvaluationRequest
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import CAMPAIGN_CLOSED_AT, ApplicationFactory
from tests.evaluations.factories import (
    InstitutionFactory,
    opened_by,
    professor_route,
    submitted,
    token_in,
)
from tests.factories import (
    EASTERN,
    CandidateFactory,
    InstitutionContactFactory,
    ProfessorFactory,
)
from tests.words import cells

pytestmark = pytest.mark.usefixtures("campaign_open")

PAGE = "/en/evaluations/evaluator/"
FRENCH = "/en/dossier/french/"


def resend_url(request) -> str:
    return f"/en/evaluations/evaluator/{request.pk}/resend/"


def replace_url(request) -> str:
    return f"/en/evaluations/evaluator/{request.pk}/replace/"


@pytest.fixture
def candidate(client, application):
    client.force_login(application.candidate)
    return client


def invite_data(**overrides) -> dict:
    return {
        "evaluator_name": "Hélène Gagnon",
        "evaluator_email": "helene.gagnon@uottawa.example.ca",
        "institution": "",
        "relationship": "current_professor",
        "language": "fr",
    } | overrides


def test_the_page_offers_the_invitation_form_with_french_by_default(candidate):
    approved = InstitutionFactory(name="Université d’Ottawa", city="Ottawa")
    InstitutionFactory(name="Collège Demandé", status="requested")

    html = cells(candidate.get(PAGE).content.decode())

    assert '<h2 id="invite-title">Invite your evaluator</h2>' in html
    assert f'<option value="{approved.pk}">Université d’Ottawa — Ottawa</option>' in html
    assert "Collège Demandé" not in html  # only approved institutions are offered
    assert '<option value="" selected>None, or not in the list</option>' in html
    assert 'name="language" value="fr" required id="id_language_0" checked' in html
    assert 'name="relationship" value="current_professor"' in html
    assert "Language evaluator at my university" in html


def test_inviting_sends_the_e_mail_and_shows_the_request(
    candidate, application, django_capture_on_commit_callbacks
):
    institution = InstitutionFactory(name="Université d’Ottawa")
    with django_capture_on_commit_callbacks(execute=True):
        response = candidate.post(PAGE, invite_data(institution=institution.pk))

    assert response.status_code == 302
    assert response["Location"] == PAGE
    request = EvaluationRequest.objects.get()
    assert (request.application, request.evaluator_email, request.institution) == (
        application,
        "helene.gagnon@uottawa.example.ca",
        institution,
    )
    (message,) = mail.outbox
    assert message.to == ["helene.gagnon@uottawa.example.ca"]
    html = cells(candidate.get(PAGE).content.decode())
    assert "Invitation sent to Hélène Gagnon (helene.gagnon@uottawa.example.ca)." in html
    assert '<span class="badge">Invitation sent</span>' in html
    assert "<dt>Institution</dt><dd>Université d’Ottawa</dd>" in html
    assert "<dt>Relationship</dt><dd>Current French professor</dd>" in html
    assert "<dt>Opened</dt><dd>Not yet</dd>" in html
    assert "15 January 2026, 12:00" in html
    assert "Resend the invitation" in html
    assert 'id="invite-title"' not in html  # one evaluator waiting at a time


def test_a_refused_invitation_is_explained_in_the_error_summary_and_kept(candidate, application):
    response = candidate.post(PAGE, invite_data(evaluator_email=application.candidate.email))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="error-summary" role="alert"' in html
    assert (
        f"<li>{application.candidate.email} is one of your own addresses: your evaluator must be "
        "someone else, at their own address.</li>"
    ) in html
    assert 'value="Hélène Gagnon"' in html  # what was typed is kept
    assert not EvaluationRequest.objects.exists()


def test_a_form_with_missing_answers_says_which_next_to_the_fields(candidate):
    response = candidate.post(PAGE, invite_data(evaluator_email="not-an-address", relationship=""))

    html = response.content.decode()
    assert (
        '<a href="#id_evaluator_email">Their e-mail address: Enter a valid email address.</a>'
        in (html)
    )
    assert "They are: This field is required." in html
    assert not EvaluationRequest.objects.exists()


def test_an_invitation_not_opened_after_four_days_is_pointed_out(
    candidate, invitation, campaign_open
):
    # Sent on 15 January at noon, Toronto time; the campaign counts 4 calendar days there.
    campaign_open.move_to(dt.datetime(2026, 1, 18, 23, 30, tzinfo=EASTERN))
    candidate.force_login(invitation.application.candidate)  # sessions last 12 hours
    html = cells(candidate.get(PAGE).content.decode())
    assert "<dt>Opened</dt><dd>Not yet</dd>" in html
    assert "has not opened" not in html

    campaign_open.move_to(dt.datetime(2026, 1, 19, 0, 30, tzinfo=EASTERN))  # 3 days 12 hours
    html = cells(candidate.get(PAGE).content.decode())

    assert "Your evaluator has not opened the invitation in 4 days." in html
    assert f'href="{replace_url(invitation)}?correct=1">Correct the address</a>' in html


def test_an_undelivered_invitation_offers_to_correct_the_address(candidate, invitation):
    EvaluationRequest.objects.filter(pk=invitation.pk).update(
        delivery_failed_at=invitation.created_at
    )
    html = cells(candidate.get(PAGE).content.decode())
    assert f"The invitation to {invitation.evaluator_email} could not be delivered." in html
    assert "<dt>Invitation sent</dt>\n  <dd>Could not be delivered</dd>" in html
    assert f'href="{replace_url(invitation)}?correct=1">Correct the address</a>' in html


def test_resending_sends_a_new_link_and_says_so(
    candidate, invitation, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = candidate.post(resend_url(invitation), follow=True)

    html = response.content.decode()
    assert (
        f"The invitation has been sent again to {invitation.evaluator_email}. "
        "The previous link no longer works."
    ) in html
    assert "(sent again once)" in html
    (message,) = mail.outbox
    assert token_in(message) != invitation.token
    assert services.evaluation_request_by_token(invitation.token) is None


def test_resending_a_request_that_was_answered_is_refused_with_a_message(candidate, invitation):
    submitted(opened_by(invitation))
    html = candidate.post(resend_url(invitation), follow=True).content.decode()
    assert "This invitation is no longer waiting for the evaluator." in html
    assert EvaluationRequest.objects.get().resent_count == 0


def test_resend_is_post_only(candidate, invitation):
    assert candidate.get(resend_url(invitation)).status_code == 405


def test_replacing_shows_an_empty_form_then_invites_the_new_evaluator(
    candidate, invitation, django_capture_on_commit_callbacks
):
    html = candidate.get(replace_url(invitation)).content.decode()
    assert f"You are replacing Professeure Hélène Gagnon ({invitation.evaluator_email})." in html
    assert 'name="evaluator_name" maxlength="200" autocomplete="off" required' in html
    assert 'value="Professeure Hélène Gagnon"' not in html  # a new person: an empty form

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = candidate.post(
            replace_url(invitation),
            invite_data(evaluator_name="Marc Cyr", evaluator_email="marc.cyr@univ.example.ca"),
        )

    assert response["Location"] == PAGE
    invitation.refresh_from_db()
    assert invitation.status == RequestStatus.REPLACED
    new = EvaluationRequest.objects.get(status=RequestStatus.INVITED)
    assert new.evaluator_email == "marc.cyr@univ.example.ca"
    assert [m.to for m in mail.outbox] == [["marc.cyr@univ.example.ca"]]
    html = cells(candidate.get(PAGE).content.decode())
    assert (
        "Professeure Hélène Gagnon has been replaced. "
        "Invitation sent to Marc Cyr (marc.cyr@univ.example.ca)."
    ) in html
    assert '<h2 id="replaced-title">Replaced evaluators</h2>' in html
    assert f"<td>Professeure Hélène Gagnon</td><td>{invitation.evaluator_email}</td>" in html


def test_correcting_the_address_keeps_the_person_and_asks_for_the_address(candidate, invitation):
    html = candidate.get(replace_url(invitation) + "?correct=1").content.decode()
    assert 'value="Professeure Hélène Gagnon"' in html
    email_input = re.search(r'<input type="email" name="evaluator_email"[^>]*>', html).group(0)
    assert "value=" not in email_input  # the address is what the candidate corrects
    assert 'value="current_professor" required id="id_relationship_0" checked' in html


def test_a_refused_replacement_shows_why_and_keeps_the_evaluator(
    candidate, application, invitation
):
    response = candidate.post(
        replace_url(invitation), invite_data(evaluator_email=application.candidate.email)
    )
    assert (
        f"<li>{application.candidate.email} is one of your own addresses: your evaluator must be "
        "someone else, at their own address.</li>"
    ) in (response.content.decode())
    invitation.refresh_from_db()
    assert invitation.status == RequestStatus.INVITED
    assert EvaluationRequest.objects.count() == 1


def test_an_evaluator_who_has_answered_cannot_be_replaced(candidate, invitation):
    submitted(opened_by(invitation))
    response = candidate.get(replace_url(invitation), follow=True)
    assert "Only an evaluator who is still expected can be replaced." in response.content.decode()
    assert candidate.post(replace_url(invitation), invite_data()).status_code == 302
    assert EvaluationRequest.objects.get().status == RequestStatus.SUBMITTED


def test_a_decline_shows_the_reason_and_the_form_to_invite_someone_else(candidate, opened):
    services.evaluation_request_decline(
        request=opened, user=opened.professor.user, reason="Je suis en congé sabbatique."
    )
    html = cells(candidate.get(PAGE).content.decode())
    assert '<h2 id="declined-title">Evaluators who declined</h2>' in html
    assert "<p>Reason given: Je suis en congé sabbatique.</p>" in html
    assert '<h2 id="invite-title">Invite another evaluator</h2>' in html
    french = candidate.get(FRENCH).content.decode()
    assert '<span class="state state-fail">Declined by the evaluator</span>' in french


def test_a_received_evaluation_shows_its_date_only(candidate, opened):
    submitted(opened)
    html = cells(candidate.get(PAGE).content.decode())
    assert '<h2 id="received-title">Evaluation received</h2>' in html
    assert (
        "Professeure Hélène Gagnon submitted your evaluation on "
        "15 January 2026, 12:00 p.m. Eastern time." in html
    )
    assert 'id="invite-title"' not in html
    assert "Resend the invitation" not in html
    assert "Replace this evaluator" not in html


def test_section_3_shows_the_evaluator_card_on_the_professor_route_only(candidate, application):
    html = candidate.get(FRENCH).content.decode()
    assert '<h2 id="evaluator-title">Your evaluator</h2>' in html
    assert '<span class="state state-todo">No evaluator invited yet</span>' in html
    assert '<a href="/en/evaluations/evaluator/">Invite your evaluator</a>' in html
    # The card sits above the courses.
    assert html.index('id="evaluator-title"') < html.index('id="courses-title"')

    dossier_services.section_update(
        application=application,
        section="french",
        data={"proof_route": "official_test"},
        actor=application.candidate,
    )
    assert 'id="evaluator-title"' not in candidate.get(FRENCH).content.decode()


@pytest.mark.parametrize(
    ("step", "label"),
    [
        ("invited", "Invitation sent"),
        ("opened", "Opened by the evaluator"),
        ("submitted", "Evaluation received"),
    ],
)
def test_section_3_follows_the_evaluator(candidate, invitation, step, label):
    if step != "invited":
        request = opened_by(invitation)
        if step == "submitted":
            submitted(request)
    html = candidate.get(FRENCH).content.decode()
    assert f'<span class="state state-done">{label}</span>' in html
    assert '<a href="/en/evaluations/evaluator/">Follow your evaluation request</a>' in html


def test_the_official_test_route_explains_and_links_to_section_3(candidate, application):
    dossier_services.section_update(
        application=application,
        section="french",
        data={"proof_route": "official_test"},
        actor=application.candidate,
    )
    html = cells(candidate.get(PAGE).content.decode())
    assert "Your dossier proves your French with an official test, so you do not need" in html
    assert '<a href="/en/dossier/french/">Go to section 3. French</a>' in html
    assert 'id="invite-title"' not in html
    response = candidate.post(PAGE, invite_data(), follow=True)
    assert "You cannot invite an evaluator now." in response.content.decode()
    assert not EvaluationRequest.objects.exists()


def test_a_submitted_dossier_can_still_change_its_evaluator_until_the_close(
    candidate, invitation, private_storage
):
    application = complete_dossier(invitation.application)
    dossier_services.application_submit(application=application, actor=application.candidate)

    html = cells(candidate.get(PAGE).content.decode())

    assert "Resend the invitation" in html
    assert "Replace this evaluator" in html
    candidate.post(
        replace_url(invitation),
        {
            "evaluator_name": "Marie Roy",
            "evaluator_email": "marie.roy@example.ca",
            "relationship": "former_professor",
            "language": "fr",
        },
    )
    assert EvaluationRequest.objects.get(status="invited").evaluator_email == (
        "marie.roy@example.ca"
    )


def test_after_the_close_nothing_can_be_sent(candidate, invitation, campaign_open):
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)
    candidate.force_login(invitation.application.candidate)  # sessions last 12 hours
    html = cells(candidate.get(PAGE).content.decode())
    assert "The application period has ended: your dossier can no longer be changed." in html
    assert "Resend the invitation" not in html
    html = candidate.post(resend_url(invitation), follow=True).content.decode()
    assert "The application period has ended: the invitation can no longer be sent." in html
    assert EvaluationRequest.objects.get().resent_count == 0


def test_another_candidates_request_answers_404_and_stays_as_it_was(client, invitation):
    other = professor_route(ApplicationFactory())
    client.force_login(other.candidate)

    assert client.post(resend_url(invitation)).status_code == 404
    assert client.get(replace_url(invitation)).status_code == 404
    assert client.post(replace_url(invitation), invite_data()).status_code == 404
    assert invitation.evaluator_name not in client.get(PAGE).content.decode()
    invitation_now = EvaluationRequest.objects.get()
    assert (invitation_now.status, invitation_now.resent_count) == (RequestStatus.INVITED, 0)


@pytest.mark.parametrize("factory", [ProfessorFactory, InstitutionContactFactory])
def test_only_candidates_reach_the_page(client, invitation, factory):
    client.force_login(factory())
    assert client.get(PAGE).status_code == 403
    assert client.post(resend_url(invitation)).status_code == 403
    assert EvaluationRequest.objects.get().resent_count == 0


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_a_candidate_without_a_dossier_is_sent_to_start_one(client):
    client.force_login(CandidateFactory())
    assert client.get(PAGE)["Location"] == "/en/dossier/"


def test_the_page_in_french(candidate, invitation):
    html = candidate.get("/fr/evaluations/evaluator/").content.decode()
    assert '<html lang="fr">' in html
    assert "15 janvier 2026" in html
