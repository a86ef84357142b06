"""No typed work is lost: section drafts (autosave), a Save that meets an expired session, the
language switch, two tabs, the session-expiry warning, and live eligibility beside the fields."""

import re

import pytest
from django.test import Client

from candidates.models import Identity, SectionDraft
from tests.candidates.factories import ApplicationFactory
from tests.factories import CandidateFactory

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")

LETTER = "Je souhaite enseigner l'anglais en France parce que j'aime transmettre."


@pytest.fixture
def candidate_client(client):
    application = ApplicationFactory()
    client.force_login(application.candidate)
    client.application = application
    return client


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_a_draft_is_kept_unchecked_and_shown_back_until_save(candidate_client):
    answer = candidate_client.post(
        "/en/dossier/sections/identity/draft/",
        {"legal_last_name": "Tremblay", "date_of_birth": "not a date", "_draft_version": "0"},
    ).json()
    assert answer["version"] == 1
    assert answer["message"].startswith("Draft saved at ")
    assert "overtaken" not in answer
    assert not Identity.objects.exists()  # nothing validated, nothing saved
    draft = SectionDraft.objects.get()
    assert draft.data["legal_last_name"] == "Tremblay"

    html = candidate_client.get("/en/dossier/identity/").content.decode()
    assert 'value="Tremblay"' in html
    assert 'value="not a date"' in html  # an unfinished answer is not turned into an error
    assert "errorlist" not in html
    assert "Draft saved at" in html

    response = candidate_client.post(
        "/en/dossier/identity/", {"legal_last_name": "Tremblay", "preferred_language": "en"}
    )
    assert response.status_code == 302
    assert Identity.objects.get().legal_last_name == "Tremblay"
    assert not SectionDraft.objects.exists()  # Save validated it: the draft is gone


def test_the_last_write_wins_and_the_overtaken_tab_is_told(candidate_client):
    url = "/en/dossier/sections/assets/draft/"
    first = candidate_client.post(url, {"motivation_letter": "Tab one", "_draft_version": "0"})
    second = candidate_client.post(url, {"motivation_letter": "Tab two", "_draft_version": "1"})
    assert "overtaken" not in second.json()
    late = candidate_client.post(url, {"motivation_letter": "Tab one again", "_draft_version": "1"})
    assert first.json()["version"] == 1
    assert "another tab" in late.json()["overtaken"]
    assert SectionDraft.objects.get().data["motivation_letter"] == "Tab one again"


def test_a_draft_is_refused_for_an_unknown_section_and_to_anyone_else(candidate_client):
    assert candidate_client.post("/en/dossier/sections/dossier/draft/", {}).status_code == 404
    other = Client()
    other.force_login(CandidateFactory())
    response = other.post("/en/dossier/sections/identity/draft/", {"legal_last_name": "X"})
    assert response.status_code == 302  # no dossier of their own: sent to start one
    assert not SectionDraft.objects.exists()


def test_a_save_that_meets_an_expired_session_comes_back_after_signing_in(candidate_client):
    page = candidate_client.get("/fr/dossier/assets/").content.decode()
    owner = _hidden(page, "_draft_owner")
    candidate = candidate_client.application.candidate
    candidate_client.logout()  # the session expired while the letter was typed

    response = candidate_client.post(
        "/fr/dossier/assets/", {"motivation_letter": LETTER, "_draft_owner": owner}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/fr/accounts/login/?next=/fr/dossier/assets/")

    candidate_client.force_login(candidate)  # signing in keeps the anonymous session's data
    html = candidate_client.get("/fr/dossier/assets/").content.decode()
    assert LETTER.replace("'", "&#x27;") in html
    assert "Ce que vous aviez saisi avant de vous reconnecter" in html
    assert SectionDraft.objects.get().data["motivation_letter"] == LETTER


def test_fields_kept_across_a_sign_in_never_go_to_another_dossier(candidate_client):
    owner = _hidden(candidate_client.get("/en/dossier/assets/").content.decode(), "_draft_owner")
    candidate_client.logout()
    candidate_client.post(
        "/en/dossier/assets/", {"motivation_letter": LETTER, "_draft_owner": owner}
    )
    someone_else = ApplicationFactory()
    candidate_client.force_login(someone_else.candidate)
    html = candidate_client.get("/en/dossier/assets/").content.decode()
    assert "Je souhaite enseigner" not in html
    assert not SectionDraft.objects.exists()


def test_the_language_switch_comes_back_with_the_draft(candidate_client):
    candidate_client.post(
        "/en/dossier/sections/studies/draft/", {"major": "Linguistique", "_draft_version": "0"}
    )
    response = candidate_client.post(
        "/language/", {"language": "fr", "next": "/en/dossier/studies/"}
    )
    assert response["Location"] == "/fr/dossier/studies/"
    html = candidate_client.get("/fr/dossier/studies/").content.decode()
    assert 'value="Linguistique"' in html
    assert "Brouillon enregistré à" in html


def test_live_rules_judge_what_is_typed_without_saving(candidate_client):
    page = candidate_client.get("/en/dossier/identity/").content.decode()
    assert "Eligibility rules this section decides" in page
    assert 'data-url="/en/dossier/sections/identity/rules/"' in page
    html = candidate_client.post(
        "/en/dossier/sections/identity/rules/", {"date_of_birth": "2015-01-01"}
    ).content.decode()
    assert "rule-fail" in html
    assert "not met" in html
    assert not Identity.objects.exists()
    html = candidate_client.post(
        "/en/dossier/sections/identity/rules/", {"date_of_birth": "2001-01-01"}
    ).content.decode()
    assert "rule-fail" not in html


def test_the_session_end_is_announced_and_can_be_pushed_back(client, settings):
    candidate = CandidateFactory()
    client.force_login(candidate)
    html = client.get("/en/").content.decode()
    assert 'id="session-warning"' in html
    assert "Stay signed in" in html
    left = int(re.search(r'data-seconds-left="(\d+)"', html).group(1))
    assert 0 < left <= settings.SESSION_COOKIE_AGE
    answer = client.post("/en/session/extend/").json()
    assert settings.SESSION_COOKIE_AGE - 5 <= answer["seconds_left"] <= settings.SESSION_COOKIE_AGE
    assert "_session_expiry" in client.session  # a fixed end, not one that slides unseen


def test_pages_load_the_static_script_with_the_nonce(client):
    response = client.get("/en/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert re.search(
        rf'<script src="/static/js/tapif\.js[^"]*" defer nonce="{nonce}"></script>',
        response.content.decode(),
    )
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_an_autosave_after_the_session_ended_leaves_the_session_alone(client):
    response = client.post(
        "/en/dossier/sections/assets/draft/",
        {"motivation_letter": LETTER},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 401
    assert "press Save to sign in again" in response.json()["error"]
    assert "sessionid" not in response.cookies  # the page's own Save keeps its fields
