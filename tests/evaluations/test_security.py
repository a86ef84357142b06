"""Who may reach an evaluation, and what a refusal leaks (nothing): the issue's security cases.

Each case is set up so that the allowed path exists right next to the refused one (the bound
professor, the evaluation with distinctive content), then the refused request is checked for
its status, for the state it leaves (nothing bound, nothing changed) and for its HTML.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest

from evaluations.choices import EvaluationStatus, RequestStatus
from evaluations.models import Evaluation, EvaluationRequest, Professor
from tests.candidates.factories import CAMPAIGN_CLOSED_AT, ApplicationFactory
from tests.evaluations.factories import (
    COMPLETE,
    CONFIDENTIAL,
    EvaluationRequestFactory,
    drafted,
    opened_by,
    professor_route,
    submitted,
)
from tests.factories import (
    CandidateFactory,
    InstitutionContactFactory,
    ProfessorFactory,
    StaffFactory,
)

pytestmark = pytest.mark.usefixtures("campaign_open")

REQUESTS = "/en/evaluations/requests/"


def link(token: str) -> str:
    return f"/en/evaluations/r/{token}/"


def professor_urls(request) -> list[str]:
    base = f"/en/evaluations/requests/{request.pk}/"
    return [base, base + "submit/", base + "decline/"]


def assert_nothing_leaked(html: str, request: EvaluationRequest | None = None) -> None:
    for secret in CONFIDENTIAL:
        assert secret not in html, secret
    if request is not None:
        assert request.application.candidate.get_full_name() not in html


def bound_state(request: EvaluationRequest) -> tuple:
    request = EvaluationRequest.objects.get(pk=request.pk)
    return request.professor_id, request.status, request.opened_at


@pytest.fixture
def evaluated(opened):
    """A request whose professor has written a complete (distinctive) draft."""
    drafted(opened)
    return opened


# --- a link used by a second account --------------------------------------------------------------


def test_a_link_used_by_a_second_professor_is_refused_and_binds_nothing(client, evaluated):
    before = bound_state(evaluated)
    intruder = ProfessorFactory()
    client.force_login(intruder)

    response = client.get(link(evaluated.token))

    assert response.status_code == 403
    html = response.content.decode()
    assert "This request is already linked to another account." in html
    assert_nothing_leaked(html, evaluated)
    assert bound_state(evaluated) == before
    assert not Professor.objects.filter(user=intruder).exists()
    # Nothing reached through the other pages either.
    assert "No request is addressed to you yet." in client.get(REQUESTS).content.decode()
    for url in professor_urls(evaluated):
        response = client.get(url)
        assert response.status_code == 404
        assert_nothing_leaked(response.content.decode(), evaluated)


def test_the_bound_professor_still_follows_the_same_link(client, evaluated):
    client.force_login(evaluated.professor.user)
    assert client.get(link(evaluated.token))["Location"] == professor_urls(evaluated)[0]


# --- an expired link ------------------------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_an_expired_link_is_refused_and_binds_nothing(client, invitation, campaign_open, signed_in):
    campaign_open.move_to(CAMPAIGN_CLOSED_AT)
    if signed_in:
        client.force_login(ProfessorFactory(email=invitation.evaluator_email))

    response = client.get(link(invitation.token))

    assert response.status_code == 410
    html = response.content.decode()
    assert "This link has expired. Ask the candidate to send it again." in html
    assert_nothing_leaked(html, invitation)
    assert bound_state(invitation) == (None, RequestStatus.INVITED, None)
    assert not Professor.objects.exists()


def test_a_link_works_until_its_last_second(client, invitation, campaign_open):
    campaign_open.move_to(invitation.token_expires_at - dt.timedelta(seconds=1))
    client.force_login(ProfessorFactory(email=invitation.evaluator_email))
    assert client.get(link(invitation.token)).status_code == 302
    assert EvaluationRequest.objects.get().status == RequestStatus.OPENED


# --- a guessed token ------------------------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_guessed_token_finds_nothing(client, invitation, signed_in):
    if signed_in:
        client.force_login(ProfessorFactory())
    guesses = [
        secrets.token_urlsafe(32),  # the right shape
        invitation.token_hash,  # what the database holds is not a key
        invitation.token[:-2],  # almost the token
        "x" * 300,
    ]
    for guess in guesses:
        response = client.get(link(guess))
        assert response.status_code == 404, guess
        html = response.content.decode()
        assert "This link is not valid. Ask the candidate to send it again." in html
        assert_nothing_leaked(html, invitation)
    assert bound_state(invitation) == (None, RequestStatus.INVITED, None)


# --- a professor opening another professor's request ----------------------------------------------


def test_a_professor_cannot_open_another_professors_request(client, evaluated):
    other = opened_by(EvaluationRequestFactory(application=professor_route(ApplicationFactory())))
    client.force_login(other.professor.user)
    for url in professor_urls(evaluated):
        for response in (client.get(url), client.post(url, {"confirm": "on", "reason": "x"})):
            assert response.status_code == 404
            assert_nothing_leaked(response.content.decode(), evaluated)
    evaluation = Evaluation.objects.get(request=evaluated)
    assert (evaluation.status, evaluation.comment) == (EvaluationStatus.DRAFT, COMPLETE["comment"])
    assert EvaluationRequest.objects.get(pk=evaluated.pk).status == RequestStatus.OPENED
    # The same pages answer their own professor.
    client.force_login(evaluated.professor.user)
    assert COMPLETE["comment"] in client.get(professor_urls(evaluated)[0]).content.decode()


# --- a candidate fetching the evaluation content --------------------------------------------------


def test_the_candidate_never_sees_the_evaluation(client, opened):
    submitted(opened)
    candidate = opened.application.candidate
    client.force_login(candidate)
    pages = {
        url: client.get(url)
        for url in (
            "/en/evaluations/evaluator/",
            "/en/dossier/",
            "/en/dossier/french/",
            "/en/dossier/timeline/",
        )
    }
    for url, response in pages.items():
        assert response.status_code == 200, url
        assert_nothing_leaked(response.content.decode())
    evaluator_page = pages["/en/evaluations/evaluator/"].content.decode()
    assert '<h2 id="received-title">Evaluation received</h2>' in evaluator_page
    main = evaluator_page.split("<main", 1)[1]
    for level in ("A1", "A2", "B1", "B2", "C1", "C2"):
        assert not re.search(rf"\b{level}\b", main), level  # not even the levels
    # The professor's own pages are not the candidate's.
    for url in professor_urls(opened):
        response = client.get(url)
        assert response.status_code == 403
        assert_nothing_leaked(response.content.decode())


# --- an institution contact (or any other kind) on the professor's pages --------------------------


@pytest.mark.parametrize("factory", [InstitutionContactFactory, CandidateFactory, StaffFactory])
def test_other_kinds_of_account_are_refused_on_the_professor_pages(client, evaluated, factory):
    before = bound_state(evaluated)
    client.force_login(factory())
    responses = [client.get(REQUESTS), client.get(link(evaluated.token))]
    for url in professor_urls(evaluated):
        responses += [client.get(url), client.post(url, {"confirm": "on", "reason": "x"})]
    for response in responses:
        assert response.status_code == 403
        assert_nothing_leaked(response.content.decode(), evaluated)
    assert bound_state(evaluated) == before
    assert Evaluation.objects.get().status == EvaluationStatus.DRAFT


def test_visitors_are_sent_to_sign_in_from_the_professor_pages(client, evaluated):
    for url in [REQUESTS, *professor_urls(evaluated)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/en/accounts/login/?next=")


# --- bad input ------------------------------------------------------------------------------------


@pytest.fixture
def professor(client, opened):
    client.force_login(opened.professor.user)
    return client


def detail(request) -> str:
    return f"/en/evaluations/requests/{request.pk}/"


def submit_url(request) -> str:
    return f"/en/evaluations/requests/{request.pk}/submit/"


def form_data(**overrides) -> dict:
    return {name: str(value) for name, value in COMPLETE.items()} | overrides


def test_a_level_out_of_range_is_refused_and_the_draft_kept(professor, opened):
    drafted(opened)
    response = professor.post(
        detail(opened), form_data(action="save", overall_level="Z9", comment="Changed")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<a href="#id_overall_level">Overall level: Select a valid choice. '
        "Z9 is not one of the available choices.</a>"
    ) in html
    assert 'value="Z9"' not in html
    evaluation = Evaluation.objects.get()
    assert (evaluation.overall_level, evaluation.comment) == ("B2", COMPLETE["comment"])


def test_a_scale_out_of_range_is_refused_too(professor, opened):
    response = professor.post(detail(opened), form_data(action="save", motivation="9"))
    assert "Motivation: Select a valid choice. 9 is not one of the available choices." in (
        response.content.decode()
    )
    assert not Evaluation.objects.exists()


def test_a_second_submission_says_already_submitted_and_loses_nothing(professor, opened):
    evaluation = submitted(opened)
    for url, data in [
        (submit_url(opened), {"confirm": "on"}),
        (detail(opened), form_data(action="save", comment="Second tab")),
    ]:
        html = professor.post(url, data, follow=True).content.decode()
        assert "This evaluation has already been submitted." in html
    again = Evaluation.objects.get()
    assert (again.comment, again.submitted_at) == (COMPLETE["comment"], evaluation.submitted_at)
