"""Releasing a frozen round's results onto the dossiers (issue 7; issue 8 adds the job and the
e-mails): `round_release_results` calls the candidates service for every ranked candidate."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail

from candidates.choices import ApplicationStatus, DossierEventKind
from candidates.models import Application, Assets, DossierEvent, StatusChange
from candidates.services import application_record_result, application_transition
from placements.models import Placement
from placements.services import round_freeze, round_release_results, round_supersede
from selection.models import MeritScore, RankEntry
from selection.services import criteria_ensure
from tapif.core.exceptions import DomainError
from tapif.core.models import AuditEntry, Campaign
from tests.placements.test_rounds import academies, committee, draft_round, reviewed_dossiers
from tests.selection.review_dossiers import reviewable

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    criteria_ensure(reference_campaign)
    return reference_campaign


def frozen_round(campaign):
    """Two places (first académie primary, second secondary) and a waitlist of one."""
    selection_round = draft_round(campaign, {0: (1, 0), 1: (0, 1)}, waitlist_size=1)
    return round_freeze(selection_round=selection_round, actor=committee())


def statuses() -> dict[str, str]:
    return dict(Application.objects.values_list("number", "status"))


def test_release_moves_each_ranked_dossier_and_stores_its_result(campaign):
    dossiers = reviewed_dossiers(campaign, ["90", "80", "70", "60"])
    (unreviewed,) = reviewed_dossiers(campaign, ["50"], status=ApplicationStatus.ELIGIBLE)
    frozen = frozen_round(campaign)
    manager = committee()

    counts = round_release_results(frozen, manager)

    assert counts == {
        "placed": 2,
        "accepted": 0,
        "waitlisted": 1,
        "not_selected": 1,
        "unchanged": 0,
        "skipped": 0,
        "untouched": 1,
    }
    after = statuses()
    assert [after[d.number] for d in dossiers] == ["placed", "placed", "waitlisted", "not_selected"]
    assert after[unreviewed.number] == ApplicationStatus.ELIGIBLE
    results = {
        a.number: a
        for a in Application.objects.select_related("result_academie").order_by("number")
    }
    for dossier in dossiers[:2]:
        placement = Placement.objects.get(round=frozen, application=dossier)
        result = results[dossier.number]
        assert (result.result_academie, result.result_level) == (
            placement.academie,
            placement.level,
        )
        assert result.result_explanation_en == placement.explanation_en
        assert result.result_explanation_fr == placement.explanation_fr
        assert result.result_decision == "accepted"
    third = results[dossiers[2].number]
    assert (third.result_decision, third.result_waitlist_position) == ("waitlisted", 1)
    assert results[dossiers[3].number].result_decision == "not_selected"
    assert results[unreviewed.number].result_released_at is None
    assert StatusChange.objects.filter(actor=manager).count() == 2 * 2 + 1 + 1
    assert DossierEvent.objects.filter(kind=DossierEventKind.RESULT_RELEASED).count() == 4
    assert AuditEntry.objects.filter(action="selection_round.release_results").count() == 1
    assert mail.outbox == []  # the e-mails are the notification capability's (issue 8)


def test_release_twice_changes_nothing(campaign):
    reviewed_dossiers(campaign, ["90", "80", "70"])
    frozen = frozen_round(campaign)
    round_release_results(frozen, committee())
    before = (
        statuses(),
        list(Application.objects.values_list("result_released_at", flat=True)),
        StatusChange.objects.count(),
        DossierEvent.objects.count(),
    )

    counts = round_release_results(frozen, committee())

    assert counts["unchanged"] == 3
    assert counts["placed"] == counts["waitlisted"] == counts["not_selected"] == 0
    assert (
        statuses(),
        list(Application.objects.values_list("result_released_at", flat=True)),
        StatusChange.objects.count(),
        DossierEvent.objects.count(),
    ) == before


def test_a_release_stopped_halfway_resumes(campaign):
    dossiers = reviewed_dossiers(campaign, ["90", "80", "70"])
    frozen = frozen_round(campaign)
    # The first dossier's result went out before a crash: release the round again.
    entry = RankEntry.objects.get(round=frozen, application=dossiers[0])
    placement = Placement.objects.get(round=frozen, application=dossiers[0])
    application_record_result(
        application=dossiers[0],
        decision_status=entry.decision,
        academie=placement.academie,
        level=placement.level,
        waitlist_position=entry.waitlist_position,
        explanation_en=placement.explanation_en,
        explanation_fr=placement.explanation_fr,
        actor=None,
    )

    counts = round_release_results(frozen, committee())

    assert (counts["unchanged"], counts["placed"], counts["waitlisted"]) == (1, 1, 1)
    assert DossierEvent.objects.filter(kind=DossierEventKind.RESULT_RELEASED).count() == 3


def test_a_withdrawn_dossier_is_skipped(campaign):
    first, _second = reviewed_dossiers(campaign, ["90", "80"])
    frozen = frozen_round(campaign)
    application_transition(application=first, to_status=ApplicationStatus.WITHDRAWN, actor=None)

    counts = round_release_results(frozen, committee())

    assert (counts["skipped"], counts["placed"]) == (1, 1)
    first.refresh_from_db()
    assert (first.status, first.result_released_at) == ("withdrawn", None)
    entry = AuditEntry.objects.get(action="selection_round.release_results")
    assert entry.data["skipped_dossiers"] == [first.number]


def test_only_a_frozen_round_is_released(campaign):
    reviewed_dossiers(campaign, ["90"])
    draft = draft_round(campaign, {0: (1, 0)})
    with pytest.raises(DomainError) as error:
        round_release_results(draft, committee())
    assert error.value.code == "round_not_frozen"

    frozen = frozen_round(campaign)
    round_supersede(selection_round=frozen, actor=committee(), reason="A quota was wrong.")
    with pytest.raises(DomainError):
        round_release_results(frozen, committee())
    assert not Application.objects.filter(result_released_at__isnull=False).exists()


# --- before release the candidate sees nothing -------------------------------------------------

CANDIDATE_PAGES = ("", "assets/", "timeline/", "summary/", "documents/")


def _pages(client) -> dict[str, str]:
    pages = {}
    for page in CANDIDATE_PAGES:
        response = client.get(f"/en/dossier/{page}")
        assert response.status_code == 200, page
        html = response.content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        pages[page] = re.sub(r'nonce="[^"]+"', "", html)
    return pages


@pytest.mark.usefixtures("campaign_open")
def test_a_frozen_unreleased_round_changes_nothing_on_the_candidates_pages(client, campaign):
    application = reviewable(campaign)
    application = application_transition(
        application=application, to_status=ApplicationStatus.REVIEWED, actor=None
    )
    first, second, _third = academies()
    Assets.objects.update_or_create(
        application=application,
        defaults={"academie_1": first, "academie_2": second, "school_level": "either"},
    )
    MeritScore.objects.create(application=application, merit=Decimal("88"), reviewers=2)
    reviewed_dossiers(campaign, ["95", "60"])
    client.force_login(application.candidate)
    before = _pages(client)

    frozen = frozen_round(campaign)

    assert RankEntry.objects.get(round=frozen, application=application).rank == 2
    assert _pages(client) == before
    application.refresh_from_db()
    assert (application.status, application.result_released_at) == ("reviewed", None)

    round_release_results(frozen, committee())
    after = _pages(client)
    assert "Your result" in after[""]
    assert "Selection result released" in after["timeline/"]
