"""The committee's what-if with calibrated merit, and a freeze that records it (issue 22)."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from placements.allocation import from_json, simulate
from placements.models import RankEntry
from placements.services import (
    input_to_dict,
    round_compare_calibration,
    round_freeze,
    round_input,
    round_snapshot,
    snapshot_sha256,
)
from selection.calibration import ReviewScore, calibrate
from selection.choices import ReviewStatus
from selection.models import Criterion, Review, Score
from selection.selectors import reviewer_key
from selection.services import merit_recompute
from tapif.core.models import Campaign
from tests.placements.test_rounds import committee, draft_round, reviewed_dossiers
from tests.selection.review_dossiers import scorer

pytestmark = [pytest.mark.django_db]

#: Each dossier's reviews: reviewer → the points given on every criterion (score = 20 * points).
#: H is harsh: his 3 is his best mark, which lifts D1 above D0 and D2 once calibrated.
SHEETS = {
    0: {"F": 4, "G": 4},
    1: {"H": 3, "F": 4},
    2: {"G": 4, "F": 4},
    3: {"H": 1, "G": 2},
    4: {"H": 1, "F": 2},
    5: {"G": 3, "H": 2},
}


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    from selection.services import criteria_ensure

    criteria_ensure(reference_campaign)
    Campaign.objects.filter(pk=reference_campaign.pk).update(calibration_min_reviews=3)
    reference_campaign.refresh_from_db()
    return reference_campaign


def reviewed(campaign: Campaign):
    """Six reviewed dossiers with real submitted reviews by F, G and the harsh H."""
    dossiers = reviewed_dossiers(campaign, ["0"] * len(SHEETS))
    reviewers = {name: scorer(first_name=name, last_name="Relecteur") for name in "FGH"}
    criteria = list(Criterion.objects.filter(campaign=campaign))
    for index, sheet in SHEETS.items():
        for name, points in sheet.items():
            review = Review.objects.create(
                application=dossiers[index],
                reviewer=reviewers[name],
                status=ReviewStatus.SUBMITTED,
                score=Decimal(points * 20),
            )
            Score.objects.bulk_create(
                Score(review=review, criterion=c, points=points) for c in criteria
            )
        merit_recompute(dossiers[index])
    return dossiers, reviewers


def set_calibration(campaign: Campaign, method: str) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(merit_calibration=method)
    campaign.refresh_from_db()


def test_compare_shows_who_crosses_the_acceptance_line(campaign):
    dossiers, _reviewers = reviewed(campaign)
    selection_round = draft_round(campaign, {0: (1, 1)})

    rows = {row.id: row for row in round_compare_calibration(selection_round)}

    d0, d1, d2 = (rows[d.number] for d in dossiers[:3])
    assert (d0.raw_score, d1.raw_score, d2.raw_score) == (
        Decimal("80.00"),
        Decimal("70.00"),
        Decimal("80.00"),
    )
    assert d1.calibrated_score == Decimal("80.49")
    assert (d1.raw_decision, d1.calibrated_decision, d1.crosses) == (
        "not_selected",
        "accepted",
        "up",
    )
    assert d1.calibrated_rank == 1
    assert sorted([d0.crosses, d2.crosses]) == ["", "down"]
    assert all(rows[d.number].crosses == "" for d in dossiers[3:])


def test_freeze_without_calibration_keeps_todays_snapshot(campaign):
    reviewed(campaign)
    selection_round = draft_round(campaign, {0: (1, 1)})
    before = snapshot_sha256(input_to_dict(round_input(selection_round)))

    frozen = round_freeze(selection_round=selection_round, actor=committee())

    assert "merit_calibration" not in frozen.snapshot
    assert frozen.snapshot_sha256 == before
    assert frozen.parameters["merit_calibration"] == {"method": "none"}


def test_freeze_with_calibration_records_it_and_reruns_from_the_snapshot(campaign):
    dossiers, reviewers = reviewed(campaign)
    set_calibration(campaign, "standardise")
    selection_round = draft_round(campaign, {0: (1, 1)})
    _snapshot, expected_hash = round_snapshot(selection_round)

    frozen = round_freeze(selection_round=selection_round, actor=committee())

    assert frozen.snapshot_sha256 == expected_hash == snapshot_sha256(frozen.snapshot)
    record = frozen.parameters["merit_calibration"]
    assert (record["method"], record["min_reviews"], record["aggregation"]) == (
        "standardise",
        3,
        "mean",
    )
    harsh = record["reviewers"][reviewer_key(reviewers["H"].pk)]
    assert harsh == {"reviews": 4, "mean": "35.0000", "spread": "16.5831", "calibrated": True}
    # The merit score the round used is the calibrated one, for the candidate too.
    entry = RankEntry.objects.get(round=frozen, application=dossiers[1])
    assert (entry.rank, entry.merit, entry.decision) == (1, Decimal("80.49"), "accepted")
    # Anyone can recompute the calibrated merits from the snapshot alone…
    kept = frozen.snapshot["merit_calibration"]
    again = calibrate(
        [ReviewScore(r, d, Fraction(score)) for r, d, score in kept["reviews"]],
        method=kept["method"],
        min_reviews=kept["min_reviews"],
        aggregation=kept["aggregation"],
    )
    scores = {c["id"]: c["score"] for c in frozen.snapshot["candidates"]}
    assert scores == {number: str(merit) for number, merit in again.merits.items()}
    # … and run the allocation again to the same result.
    rerun = simulate(from_json(json.dumps(frozen.snapshot)))
    assert {o.id: (o.rank, str(o.decision)) for o in rerun.outcomes} == {
        e.application.number: (e.rank, e.decision)
        for e in RankEntry.objects.filter(round=frozen).select_related("application")
    }


def _page(client, user, url: str, language: str = "en"):
    client.force_login(user)
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language)


def test_calibration_page_shows_both_rankings_and_who_crosses(client, campaign):
    dossiers, _reviewers = reviewed(campaign)
    selection_round = draft_round(campaign, {0: (1, 1)})
    url = f"/admin/committee/{selection_round.pk}/calibration/"

    response = _page(client, committee(), url)

    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "Freezing this round now would rank by: <strong>Scores as the reviewers gave them" in body
    )
    crossing = response.context["reading"]
    assert [row.compared.id for row in crossing.crossing_up] == [dossiers[1].number]
    assert len(crossing.crossing_down) == 1
    assert f"{dossiers[1].number}</span> P1 N1: accepted with calibrated scores" in body
    assert "80.49" in body
    french = _page(client, committee(), url, "fr").content.decode()
    assert "P1 N1 : accepté avec les notes calibrées, pas avec les notes brutes" in french
    assert "80,49" in french


def test_calibration_page_of_a_frozen_round_reads_its_record(client, campaign):
    _dossiers, _reviewers = reviewed(campaign)
    set_calibration(campaign, "standardise")
    frozen = round_freeze(selection_round=draft_round(campaign, {0: (1, 1)}), actor=committee())

    response = _page(client, committee(), f"/admin/committee/{frozen.pk}/calibration/")

    body = response.content.decode()
    assert "This round was frozen ranking by: <strong>Calibrated per reviewer" in body
    assert "at least 3 reviews to calibrate a reviewer" in body
    assert "H Relecteur" in body
    assert "35.00" in body
