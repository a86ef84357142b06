"""The committee's result on the dossier (issue 7): recorded at release by
`application_record_result`, shown on the candidate's home page only from then on."""

from __future__ import annotations

import pytest
from django.utils import translation

from candidates.choices import ApplicationStatus, DossierEventKind
from candidates.models import Application, DossierEvent
from candidates.services import application_record_result, application_transition
from tapif.core.exceptions import DomainError
from tapif.core.messages import message, messages_register
from tapif.core.models import Academie, AuditEntry
from tests.selection.review_dossiers import reviewable

pytestmark = pytest.mark.usefixtures("campaign_open")

EXPLAINED_EN, EXPLAINED_FR = "Rank 3. Placed in your first choice.", "Rang 3."


def _rank_words(params) -> str:
    # A stand-in for the committee's words (placements declares the real ones).
    english = (translation.get_language() or "fr").startswith("en")
    return EXPLAINED_EN if english else EXPLAINED_FR


messages_register({"tests.result.rank": _rank_words})
EXPLAINED = [message("tests.result.rank", rank=3)]


def reviewed(campaign) -> Application:
    application = reviewable(campaign)
    return application_transition(
        application=application, to_status=ApplicationStatus.REVIEWED, actor=None
    )


def academie() -> Academie:
    return Academie.objects.filter(is_active=True).order_by("code").first()


def placed(application, actor=None, **overrides) -> Application:
    values = {
        "decision_status": ApplicationStatus.ACCEPTED,
        "academie": academie(),
        "level": "secondary",
        "waitlist_position": None,
        "explanation": EXPLAINED,
    } | overrides
    return application_record_result(application=application, actor=actor, **values)


def history(application) -> list[str]:
    return list(
        DossierEvent.objects.status_changes()
        .filter(application=application)
        .order_by("id")
        .values_list("to_status", flat=True)
    )


# --- the service -------------------------------------------------------------------------------


def test_accepted_with_an_academie_is_placed_and_the_result_stored(reference_campaign):
    application = reviewed(reference_campaign)

    result = placed(application)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.PLACED == result.status
    assert history(application)[-2:] == [ApplicationStatus.ACCEPTED, ApplicationStatus.PLACED]
    assert application.result_released_at is not None
    assert (
        application.result_decision,
        application.result_academie,
        application.result_level,
        application.result_waitlist_position,
        application.result_explanation,
    ) == ("accepted", academie(), "secondary", None, EXPLAINED)
    assert DossierEvent.objects.filter(
        application=application, kind=DossierEventKind.RESULT_RELEASED
    ).exists()
    assert AuditEntry.objects.filter(action="application.result_release").count() == 1


@pytest.mark.parametrize(
    ("decision", "position", "status"),
    [
        (ApplicationStatus.WAITLISTED, 4, ApplicationStatus.WAITLISTED),
        (ApplicationStatus.NOT_SELECTED, None, ApplicationStatus.NOT_SELECTED),
        (ApplicationStatus.ACCEPTED, None, ApplicationStatus.ACCEPTED),  # no académie yet
    ],
)
def test_other_decisions(reference_campaign, decision, position, status):
    application = reviewed(reference_campaign)
    placed(
        application, decision_status=decision, academie=None, level="", waitlist_position=position
    )
    application.refresh_from_db()
    assert (application.status, application.result_decision) == (status, decision)
    assert application.result_waitlist_position == position
    assert application.result_academie is None


def test_the_same_result_twice_changes_nothing(reference_campaign):
    application = placed(reviewed(reference_campaign))
    released_at = application.result_released_at
    counts = (
        DossierEvent.objects.status_changes().count(),
        DossierEvent.objects.count(),
        AuditEntry.objects.count(),
    )

    again = placed(Application.objects.get(pk=application.pk))

    assert again.result_released_at == released_at
    assert (
        DossierEvent.objects.status_changes().count(),
        DossierEvent.objects.count(),
        AuditEntry.objects.count(),
    ) == counts


def test_a_released_result_is_not_replaced_by_another(reference_campaign):
    application = placed(reviewed(reference_campaign))
    with pytest.raises(DomainError) as error:
        placed(application, level="primary")
    assert error.value.code == "result_released"
    application.refresh_from_db()
    assert application.result_level == "secondary"


def test_only_a_reviewed_dossier_receives_a_result(reference_campaign):
    application = reviewable(reference_campaign)  # eligible, review not finished
    with pytest.raises(DomainError) as error:
        placed(application)
    assert error.value.code == "result_not_reviewed"
    application.refresh_from_db()
    assert (application.status, application.result_released_at) == ("eligible", None)
    assert not DossierEvent.objects.filter(kind=DossierEventKind.RESULT_RELEASED).exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"decision_status": ApplicationStatus.PLACED}, "result_decision"),
        (
            {"decision_status": ApplicationStatus.WAITLISTED, "waitlist_position": 1},
            "result_academie",
        ),
        ({"level": ""}, "result_level"),
        ({"level": "either"}, "result_level"),
        ({"academie": None}, "result_level"),
        ({"waitlist_position": 2}, "result_waitlist"),
    ],
)
def test_an_incoherent_result_is_refused(reference_campaign, overrides, code):
    application = reviewed(reference_campaign)
    with pytest.raises(DomainError) as error:
        placed(application, **overrides)
    assert error.value.code == code
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEWED


# --- the candidate's home page -----------------------------------------------------------------


@pytest.fixture
def candidate_client(client, reference_campaign):
    application = reviewed(reference_campaign)
    client.force_login(application.candidate)
    client.application = application
    return client


def test_no_result_card_before_release(candidate_client):
    html = candidate_client.get("/en/dossier/").content.decode()
    assert "Your result" not in html
    assert "Results reach every candidate in April" in html


def test_result_card_after_release_in_the_pages_language(candidate_client):
    placed(candidate_client.application)
    html = candidate_client.get("/en/dossier/").content.decode()
    assert "Your result" in html
    assert "You are accepted, and placed in an académie." in html
    assert f"<dd>{academie().name}</dd>" in html
    assert "<dd>Secondary</dd>" in html
    assert EXPLAINED_EN in html
    assert "Results reach every candidate in April" not in html

    html = candidate_client.get("/fr/dossier/").content.decode()
    assert EXPLAINED_FR in html
    assert EXPLAINED_EN not in html

    timeline = candidate_client.get("/en/dossier/timeline/").content.decode()
    assert "Selection result released" in timeline
    assert "Placed in an académie" in timeline


def test_result_card_waitlisted_and_not_selected(client, reference_campaign):
    waitlisted, refused = reviewed(reference_campaign), reviewed(reference_campaign)
    placed(waitlisted, decision_status="waitlisted", academie=None, level="", waitlist_position=7)
    placed(refused, decision_status="not_selected", academie=None, level="")

    client.force_login(waitlisted.candidate)
    html = client.get("/en/dossier/").content.decode()
    assert "You are on the waiting list, in position 7." in html
    assert "<dt>Académie</dt>" not in html

    client.force_login(refused.candidate)
    html = client.get("/en/dossier/").content.decode()
    assert "You were not selected this year." in html


def test_other_pages_still_work_after_release(candidate_client):
    placed(candidate_client.application)
    for page in ("identity", "assets", "documents", "timeline", "summary"):
        assert candidate_client.get(f"/en/dossier/{page}/").status_code == 200, page
