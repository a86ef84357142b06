"""The professor's side: the invitation link, the requests list, the evaluation form, the
confirmation step and the refusal, read as HTML with the state behind them."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candidates.models import Application, FrenchProfile
from evaluations import services
from evaluations.choices import EvaluationStatus, RequestStatus
from evaluations.models import Evaluation, EvaluationRequest
from tapif.core.choices import UserKind
from tapif.core.models import User
from tests.candidates.factories import ApplicationFactory
from tests.evaluations.factories import (
    COMPLETE,
    EvaluationRequestFactory,
    drafted,
    opened_by,
    professor_route,
    submitted,
)
from tests.factories import TEST_PASSWORD, CandidateFactory, ProfessorFactory
from tests.words import cells

pytestmark = pytest.mark.usefixtures("campaign_open")

REQUESTS = "/en/evaluations/requests/"


def link(token: str) -> str:
    return f"/en/evaluations/r/{token}/"


def detail(request) -> str:
    return f"/en/evaluations/requests/{request.pk}/"


def submit_url(request) -> str:
    return f"/en/evaluations/requests/{request.pk}/submit/"


def decline_url(request) -> str:
    return f"/en/evaluations/requests/{request.pk}/decline/"


def form_data(**overrides) -> dict:
    data = {name: "" if value is None else str(value) for name, value in COMPLETE.items()}
    return data | overrides


@pytest.fixture
def professor(client, opened):
    client.force_login(opened.professor.user)
    return client


# --- the link -------------------------------------------------------------------------------------


def test_a_visitor_following_the_link_is_told_who_asks_and_offered_an_account(client, invitation):
    response = client.get(link(invitation.token))

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    name = invitation.application.candidate.get_full_name()
    assert f"{name} is applying to the 2026-2027 programme of English-language assistants" in html
    back = f"%2Fen%2Fevaluations%2Fr%2F{invitation.token}%2F"
    email = invitation.evaluator_email.replace("@", "%40")
    assert (
        f'<a class="button" href="/en/accounts/signup/?kind=professor&amp;next={back}'
        f'&amp;email={email}">Create a Professeur account</a>'
    ) in html
    assert f'href="/en/accounts/login/?next={back}">Sign in</a>' in html
    # Looking binds nothing.
    invitation.refresh_from_db()
    assert (invitation.status, invitation.professor, invitation.opened_at) == (
        RequestStatus.INVITED,
        None,
        None,
    )


def test_the_signup_page_preselects_the_professor_account_and_the_address(client):
    html = client.get(
        "/en/accounts/signup/?kind=professor&email=helene%40univ.example.ca&next=/en/"
    ).content.decode()
    assert 'name="kind" value="professor" required id="id_kind_1" checked' in html
    assert 'name="email" value="helene@univ.example.ca"' in html
    # Without the hint, candidates stay the default; an unknown kind is ignored.
    for query in ("", "?kind=staff"):
        html = client.get(f"/en/accounts/signup/{query}").content.decode()
        assert 'name="kind" value="candidate" required id="id_kind_0" checked' in html


def test_a_new_professor_signs_up_from_the_link_and_lands_on_the_request(
    client, invitation, django_capture_on_commit_callbacks
):
    back = link(invitation.token)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends on commit
        response = client.post(
            f"/en/accounts/signup/?next={back}",
            {
                "first_name": "Hélène",
                "last_name": "Gagnon",
                "email": invitation.evaluator_email,
                "password1": TEST_PASSWORD,
                "password2": TEST_PASSWORD,
                "kind": "professor",
                "preferred_language": "fr",
                "next": back,
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email=invitation.evaluator_email)
    assert user.kind == UserKind.PROFESSOR
    confirm = re.search(r"https?://[^\s]+(/fr/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body)

    response = client.post(confirm.group(1))  # confirming signs in and goes back to the link
    assert response["Location"] == back
    response = client.get(back)

    assert response["Location"] == detail(invitation)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.professor.user) == (RequestStatus.OPENED, user)
    html = client.get(detail(invitation)).content.decode()
    assert f"<h1>Evaluation of {invitation.application.candidate.get_full_name()}</h1>" in html


def test_a_signed_in_professor_following_the_link_is_bound_and_sent_to_the_form(client, invitation):
    user = ProfessorFactory(email=invitation.evaluator_email)
    client.force_login(user)

    response = client.get(link(invitation.token))

    assert response.status_code == 302
    assert response["Location"] == detail(invitation)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.professor.user) == (RequestStatus.OPENED, user)
    assert FrenchProfile.objects.get().evaluator_status == "opened"
    # The same professor may follow it again.
    assert client.get(link(invitation.token))["Location"] == detail(invitation)


@pytest.mark.parametrize("signed_in", [False, True])
def test_an_unknown_or_resent_link_answers_the_same_404(client, invitation, signed_in):
    services.evaluation_request_resend(request=invitation, actor=invitation.application.candidate)
    if signed_in:
        client.force_login(ProfessorFactory())
    pages = [
        client.get(link(invitation.token)),  # the old link of a resent invitation
        client.get(link("never-handed-out-0123456789abcdefghijklmnopqrstu")),
    ]
    for response in pages:
        assert response.status_code == 404
        html = response.content.decode()
        assert "This link is not valid. Ask the candidate to send it again." in html
        assert invitation.application.candidate.last_name not in html
    main = [r.content.decode().split("<main", 1)[1].split("</main>", 1)[0] for r in pages]
    assert main[0] == main[1]


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_replaced_evaluators_link_is_gone(client, invitation, signed_in):
    services.evaluation_request_replace(
        request=invitation,
        evaluator_name="Marc Cyr",
        evaluator_email="marc.cyr@univ.example.ca",
        institution=None,
        relationship="former_professor",
        language="fr",
        actor=invitation.application.candidate,
    )
    if signed_in:
        client.force_login(ProfessorFactory(email=invitation.evaluator_email))
    response = client.get(link(invitation.token))
    assert response.status_code == 410
    html = response.content.decode()
    assert "The candidate has chosen another evaluator: this link no longer works." in html
    assert invitation.application.candidate.last_name not in html
    assert EvaluationRequest.objects.get(pk=invitation.pk).professor is None


def test_a_candidate_account_following_the_link_is_offered_to_sign_out(client, invitation):
    client.force_login(CandidateFactory())
    response = client.get(link(invitation.token))
    assert response.status_code == 403
    html = response.content.decode()
    assert "This link is for a Professeur account. Sign in with one, or create one." in html
    assert f'<input type="hidden" name="next" value="{link(invitation.token)}">' in html
    assert EvaluationRequest.objects.get().professor is None


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_only_the_professors_own_requests(professor, opened):
    other = opened_by(EvaluationRequestFactory(application=professor_route(ApplicationFactory())))
    mine_too = opened_by(
        EvaluationRequestFactory(application=professor_route(ApplicationFactory())),
        user=opened.professor.user,
    )
    submitted(mine_too)
    drafted(opened, comment="Started")

    html = cells(professor.get(REQUESTS).content.decode())

    assert f'<a href="{detail(opened)}">{opened.application.candidate.get_full_name()}</a>' in html
    assert f'<a href="{detail(mine_too)}">' in html
    assert f'href="{detail(other)}"' not in html
    assert other.application.candidate.get_full_name() not in html
    assert "<td>To do · draft saved</td>" in html
    assert "<td>Submitted</td>" in html


def test_the_empty_list_explains_how_requests_arrive(client):
    client.force_login(ProfessorFactory())
    html = client.get(REQUESTS).content.decode()
    assert "No request is addressed to you yet." in html
    assert "you receive an e-mail with a personal link" in html


def test_a_professor_home_is_the_list(client):
    client.force_login(ProfessorFactory())
    assert client.get("/en/home/")["Location"] == REQUESTS


def test_the_list_costs_the_same_queries_for_one_or_five_requests(client, campaign_open):
    user = ProfessorFactory()
    client.force_login(user)

    def add_request():
        request = EvaluationRequestFactory(application=professor_route(ApplicationFactory()))
        opened_by(request, user=user)

    add_request()
    with CaptureQueriesContext(connection) as one:
        assert client.get(REQUESTS).status_code == 200
    for _ in range(4):
        add_request()
    with CaptureQueriesContext(connection) as five:
        html = client.get(REQUESTS).content.decode()
    assert len(re.findall(r'<a href="/en/evaluations/requests/\d+/">', html)) == 5
    # The session, the user, the requests with their candidates, the footer's campaign.
    assert len(five) == len(one) == 4


# --- the evaluation form --------------------------------------------------------------------------


def test_the_form_shows_the_saved_draft(professor, opened):
    drafted(opened, oral_expression="B1", motivation=3, comment="Premier jet")
    html = professor.get(detail(opened)).content.decode()
    assert '<option value="B1" selected>B1</option>' in html
    assert 'name="motivation" value="3" id="id_motivation_2" checked' in html
    assert ">\nPremier jet</textarea>" in html
    assert "Draft saved on 15 January 2026, 12:00 p.m. Eastern time." in html
    assert "B1: understands the main points of clear standard speech" in html
    assert "4 — Very good: strong, consistent evidence" in html


def test_saving_a_draft_keeps_it_and_says_so(professor, opened):
    response = professor.post(
        detail(opened), {"action": "save", "oral_comprehension": "B2", "comment": "À compléter"}
    )
    assert response["Location"] == detail(opened)
    evaluation = Evaluation.objects.get()
    assert (evaluation.status, evaluation.oral_comprehension, evaluation.comment) == (
        EvaluationStatus.DRAFT,
        "B2",
        "À compléter",
    )
    html = professor.get(detail(opened)).content.decode()
    assert "Draft saved. You can come back to it at any time." in html
    assert Application.objects.get().french_level == ""


def test_review_saves_then_shows_what_is_missing(professor, opened):
    response = professor.post(detail(opened), {"action": "review", "overall_level": "B2"})
    assert response["Location"] == submit_url(opened)
    html = professor.get(submit_url(opened)).content.decode()
    assert "Complete the evaluation before submitting it:" in html
    assert "<li>Oral comprehension</li>" in html
    assert "<li>Recommendation</li>" in html
    assert "<li>Comment</li>" not in html  # optional
    assert 'name="confirm"' not in html
    assert Evaluation.objects.get().overall_level == "B2"


def test_submitting_asks_for_confirmation_then_freezes_the_evaluation(
    professor, opened, django_capture_on_commit_callbacks
):
    drafted(opened)
    html = professor.get(submit_url(opened)).content.decode()
    assert "<dt>Overall level</dt><dd>B2</dd>" in html
    assert "<dt>Recommendation</dt><dd>I strongly recommend this candidate</dd>" in html
    assert 'name="confirm"' in html

    unconfirmed = professor.post(submit_url(opened), {})
    assert "Tick the box to confirm." in unconfirmed.content.decode()
    assert Evaluation.objects.get().status == EvaluationStatus.DRAFT

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = professor.post(submit_url(opened), {"confirm": "on"})
    assert response["Location"] == detail(opened)
    assert Evaluation.objects.get().status == EvaluationStatus.SUBMITTED
    assert Application.objects.get().french_level == "B2"
    assert [m.to for m in mail.outbox] == [[opened.application.candidate.email]]

    html = professor.get(detail(opened)).content.decode()
    name = opened.application.candidate.get_full_name()
    assert (
        f"Your evaluation has been sent. Thank you: {name} has been told it was received." in html
    )
    assert (
        "Submitted on 15 January 2026, 12:00 p.m. Eastern time. It can no longer be changed."
        in html
    )
    assert COMPLETE["comment"] in html  # the professor reads what they sent
    assert "<form" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_declining_needs_a_reason_and_tells_the_candidate(
    professor, opened, django_capture_on_commit_callbacks
):
    html = professor.get(decline_url(opened)).content.decode()
    assert "Why you cannot evaluate this candidate" in html

    empty = professor.post(decline_url(opened), {"reason": "  "})
    assert "Tell the candidate why, in a few words." in empty.content.decode()
    assert EvaluationRequest.objects.get().status == RequestStatus.OPENED

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = professor.post(decline_url(opened), {"reason": "En congé cette année."})
    assert response["Location"] == REQUESTS
    request = EvaluationRequest.objects.get()
    assert (request.status, request.decline_reason) == (
        RequestStatus.DECLINED,
        "En congé cette année.",
    )
    assert [m.to for m in mail.outbox] == [[opened.application.candidate.email]]
    html = cells(professor.get(REQUESTS).content.decode())
    name = opened.application.candidate.get_full_name()
    assert f"You have declined. {name} has been told and can invite someone else." in html
    assert "<td>Declined</td>" in html
    detail_html = professor.get(detail(opened)).content.decode()
    assert "You declined this request on 15 January 2026, 12:00 p.m. Eastern time." in detail_html
    assert professor.get(decline_url(opened), follow=True).status_code == 200
    assert "This request can no longer be declined." in (
        professor.get(decline_url(opened), follow=True).content.decode()
    )


def test_a_request_withdrawn_by_the_candidate_is_closed_for_the_professor(professor, opened):
    drafted(opened)
    services.evaluation_request_replace(
        request=opened,
        evaluator_name="Marc Cyr",
        evaluator_email="marc.cyr@univ.example.ca",
        institution=None,
        relationship="former_professor",
        language="fr",
        actor=opened.application.candidate,
    )
    html = professor.get(detail(opened)).content.decode()
    assert "The candidate has chosen another evaluator: this request is closed" in html
    assert "<td>Withdrawn by the candidate</td>" in cells(professor.get(REQUESTS).content.decode())
    html = professor.post(detail(opened), form_data(action="save"), follow=True).content.decode()
    assert "This request is closed: the evaluation can no longer be changed." in html
    assert professor.get(submit_url(opened))["Location"] == detail(opened)


def test_the_pages_in_french(professor, opened):
    html = professor.get(f"/fr/evaluations/requests/{opened.pk}/").content.decode()
    assert '<html lang="fr">' in html
    assert 'name="overall_level"' in html


def test_a_visitor_on_an_already_linked_request_is_only_offered_to_sign_in(client, opened):
    html = client.get(link(opened.token)).content.decode()

    assert "already linked to a Professeur account" in html
    assert "Create a Professeur account" not in html
    assert opened.application.candidate.get_full_name() not in html
